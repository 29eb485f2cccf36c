"""The record cache in the engine: a warm run reports exactly what a run without the cache
reports, checks only the lines that changed, and never returns a stale result."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from ft_lint import scanning
from ft_lint.config import Settings
from ft_lint.engine import lint
from support import OPENAI_MODEL, awkward_file, chat_line


def findings_of(path, **settings) -> tuple[list[tuple], int]:
    settings.setdefault("model", OPENAI_MODEL)
    findings, summary = lint([path], Settings(paths=[path], **settings))
    return [
        (f.code, f.filename, f.line, f.pointer, f.message, f.related, f.excerpt, f.fix, f.severity, f.edit)
        for f in findings
    ], summary.records


class CheckCounter(list):
    """The number of entries each run parsed and checked (the rest came from the cache)."""

    def run(self, path, **settings):
        self.append(0)
        return findings_of(path, **settings)


@pytest.fixture
def checked(monkeypatch) -> CheckCounter:
    counter = CheckCounter()
    check = scanning._check

    def counting(scope, entries):
        if counter:  # runs not started by counter.run are not counted
            counter[-1] += len(entries)
        return check(scope, entries)

    monkeypatch.setattr(scanning, "_check", counting)
    return counter


def insert_lines(lines: list[bytes]) -> None:
    lines[2:2] = [chat_line("a new question?", "a new answer"), b"", lines[7]]  # the last two are found where they were


def lines_of(path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


def test_a_warm_run_reports_what_a_cold_run_reports_and_checks_nothing(tmp_path, checked, cache_folder):
    path = awkward_file(tmp_path / "train.jsonl", random.Random(3))
    cold = findings_of(path, no_cache=True)
    assert {code for code, *_ in cold[0]} >= {"FT001", "FT002", "FT004", "FT010", "FT401", "FT402"}
    assert checked.run(path) == cold
    assert checked.run(path) == cold
    assert checked == [len(lines_of(path)) - 1, 0]  # the last "line" is what follows the final newline
    assert list(cache_folder.glob("*.cache"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda lines: lines.__setitem__(40, lines[40].replace(b'"user"', b'"usr"')), id="one record broken"
        ),
        pytest.param(lambda lines: lines.__setitem__(50, lines[3]), id="one record made a copy"),
        pytest.param(insert_lines, id="lines inserted"),
        pytest.param(lambda lines: lines.__delitem__(slice(5, 9)), id="lines deleted"),
        pytest.param(
            lambda lines: lines.__setitem__(0, lines[0].removeprefix(b"\xef\xbb\xbf")), id="byte order mark removed"
        ),
    ],
)
def test_after_an_edit_a_warm_run_equals_a_cold_run(tmp_path, checked, edit):
    path = awkward_file(tmp_path / "train.jsonl", random.Random(5))
    before = checked.run(path)
    lines = lines_of(path)
    edit(lines)
    path.write_bytes(b"\n".join(lines))
    after = checked.run(path)
    # Only lines near the edit are checked again: the changed ones, and as many lines at the
    # end as were deleted (they are looked for only among the positions that changed).
    assert checked[-1] <= 4
    assert after == findings_of(path, no_cache=True)
    assert after != before


@pytest.mark.parametrize("pending_blocks", [1, 1000])
def test_changed_lines_of_many_blocks_are_checked_together(tmp_path, monkeypatch, pending_blocks):
    read_blocks = scanning.read_blocks
    monkeypatch.setattr(scanning, "read_blocks", lambda path, byte_range: read_blocks(path, byte_range, 300))
    monkeypatch.setattr(scanning, "PENDING_BLOCKS", pending_blocks)
    calls: list[int] = []
    check = scanning._check
    monkeypatch.setattr(scanning, "_check", lambda scope, entries: calls.append(len(entries)) or check(scope, entries))
    path = awkward_file(tmp_path / "train.jsonl", random.Random(5))
    findings_of(path)
    lines = lines_of(path)
    for number in (4, 30, 55):  # far apart: in different blocks
        lines[number] = chat_line(f"edited question {number}?", "an answer")
    path.write_bytes(b"\n".join(lines))
    calls.clear()
    warm = findings_of(path)
    assert calls == ([3] if pending_blocks > 1 else [1, 1, 1])
    assert warm == findings_of(path, no_cache=True)


def test_a_changed_line_ending_is_a_change(tmp_path, checked):
    path = awkward_file(tmp_path / "train.jsonl", random.Random(5))
    checked.run(path)
    lines = lines_of(path)
    lines[9] += b"\r"
    path.write_bytes(b"\n".join(lines))
    warm = checked.run(path)
    assert checked[-1] == 1
    assert warm == findings_of(path, no_cache=True)


@pytest.mark.slow
def test_a_changed_rule_option_is_never_served_stale(tmp_path):
    path = awkward_file(tmp_path / "train.jsonl", random.Random(5))
    default = findings_of(path)
    for options in (
        {"FT302": {"threshold": 0.0001}},
        {"FT402": {"shingle-size": 1}},
    ):  # a record rule's, a dataset rule's
        changed = findings_of(path, rule_options=options)
        assert changed == findings_of(path, rule_options=options, no_cache=True)
        assert changed != default
    assert findings_of(path) == default


def test_a_changed_model_is_never_served_stale(tmp_path):
    long_answer = " ".join(f"word{i % 500} and more" for i in range(6_000))  # ~20,000 tokens
    path = tmp_path / "train.jsonl"
    path.write_bytes(
        b"".join(chat_line(f"question {i}?", long_answer if i == 3 else f"answer {i}") + b"\n" for i in range(12))
    )
    roomy = findings_of(path, model="gpt-4.1-mini-2025-04-14")
    small = findings_of(path, model="gpt-4-0613")  # 8,192 tokens per example
    assert ("FT301", 4) in {(code, line) for code, _, line, *_ in small[0]}
    assert "FT301" not in {code for code, *_ in roomy[0]}
    assert small == findings_of(path, model="gpt-4-0613", no_cache=True)


@pytest.mark.slow
def test_workers_fill_and_read_the_cache_as_one_process_does(tmp_path, monkeypatch):
    monkeypatch.setattr(scanning, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(scanning, "MIN_RANGE_BYTES", 2_000)
    path = awkward_file(tmp_path / "train.jsonl", random.Random(9))
    assert findings_of(path, jobs=4) == findings_of(path, jobs=1, no_cache=True)
    lines = lines_of(path)
    lines[120] = lines[120].replace(b"?", b"!", 1)
    path.write_bytes(b"\n".join(lines))
    assert findings_of(path, jobs=4) == findings_of(path, jobs=1, no_cache=True)


def test_no_cache_neither_reads_nor_writes(tmp_path, cache_folder):
    path = awkward_file(tmp_path / "train.jsonl", random.Random(1))
    findings_of(path, no_cache=True)
    assert not list(cache_folder.iterdir())


@pytest.mark.slow
def test_the_cache_folder_is_set_in_the_configuration(tmp_path, monkeypatch):
    monkeypatch.delenv("FT_LINT_CACHE_DIR")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    path = awkward_file(tmp_path / "data" / "train.jsonl", random.Random(1))
    (tmp_path / "ft-lint.toml").write_text('cache-dir = "build/lint-cache"\n')
    result = subprocess.run(
        [sys.executable, "-m", "ft_lint", "check", "data", "--exit-zero", "-o", "/dev/null"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "build" / "lint-cache").glob("*.cache"))
    assert (tmp_path / "build" / "lint-cache" / "CACHEDIR.TAG").exists()
    (tmp_path / "ft-lint.toml").write_text("cache-dir = 3\n")
    result = subprocess.run([sys.executable, "-m", "ft_lint", "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 2 and "cache-dir" in result.stderr


@pytest.mark.slow
def test_runs_at_once_on_one_cache_never_corrupt_it(tmp_path, cache_folder):
    path = awkward_file(tmp_path / "train.jsonl", random.Random(2))
    command = [
        sys.executable,
        "-m",
        "ft_lint",
        "check",
        str(path),
        "--model",
        OPENAI_MODEL,
        "--output-format",
        "json",
        "--exit-zero",
    ]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = {run.communicate()[0] for run in runs}
    assert len(outputs) == 1 and all(run.returncode == 0 for run in runs)
    alone = subprocess.run([*command, "--no-cache"], capture_output=True)
    assert outputs == {alone.stdout}
    assert subprocess.run(command, capture_output=True).stdout == alone.stdout  # the cache they left is sound
