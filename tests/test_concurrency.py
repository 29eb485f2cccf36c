"""Two ft-lint processes at once on the same files (pre-commit and an editor, say).

Checks only read, so they agree. Fixes rewrite the file in place under an exclusive lock
(checks take a shared one), after checking each edit against the bytes they read and the
file against those bytes: a file ends up fixed once or left as it was, never truncated or
interleaved.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import chat

pytestmark = pytest.mark.slow  # ft-lint processes racing on one file, many times over

COMMAND = [sys.executable, "-m", "ft_lint", "check", "--output-format", "concise"]


def start(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([*COMMAND, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    assert "Traceback" not in err, err
    return process.returncode, out, err


def messy_lines(count: int) -> list[bytes]:
    """Lines of a file with something to fix every few lines, and findings that stay."""
    lines = []
    for i in range(count):
        record = chat(f"Question {i % (count // 3)}?", f"Answer {i % (count // 3)}." + (" " if i % 7 == 0 else ""))
        lines.append(json.dumps(record).encode() + (b"\r\n" if i % 2 else b"\n"))
        if i % 5 == 0:
            lines.append(b"\n")
        if i % 11 == 0:
            lines.append(b"{'not': 'json'}\n")
    return lines


def test_two_checks_at_once_give_the_same_findings(tmp_path):
    for name in ("a.jsonl", "b.jsonl", "nested/c.jsonl"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"".join(messy_lines(3000)))
    alone = finish(start(".", cwd=tmp_path))
    together = [finish(p) for p in [start(".", cwd=tmp_path), start(".", cwd=tmp_path)]]
    assert alone[0] == 1 and "FT401" in alone[1]
    assert together == [alone, alone]


def _expected_after_fix(tmp_path: Path, data: bytes) -> tuple[bytes, str]:
    """The file fixed by one run alone, and what a check of it then reports."""
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "train.jsonl").write_bytes(data)
    finish(start("--fix", "train.jsonl", cwd=alone))
    fixed = (alone / "train.jsonl").read_bytes()
    report = finish(start("train.jsonl", cwd=alone))[1]
    shutil.rmtree(alone)
    return fixed, report


def test_two_fixes_at_once_leave_the_file_fixed_once(tmp_path):
    data = b"".join(messy_lines(6_000))
    fixed, report = _expected_after_fix(tmp_path, data)
    assert fixed != data and len(fixed) < len(data)
    work = tmp_path / "work"
    work.mkdir()
    for _ in range(2):
        (work / "train.jsonl").write_bytes(data)
        results = [
            finish(p) for p in [start("--fix", "train.jsonl", cwd=work), start("--fix", "train.jsonl", cwd=work)]
        ]
        assert (work / "train.jsonl").read_bytes() == fixed
        assert os.listdir(work) == ["train.jsonl"]  # no temporary file left behind
        for code, out, _ in results:
            # each run reports the findings of the file as it ended up
            assert code == 1
            assert [line for line in out.splitlines() if not line.startswith("note:")] == [
                line for line in report.splitlines() if not line.startswith("note:")
            ]


def test_a_check_during_a_fix_sees_the_file_before_or_after_never_a_mix(tmp_path):
    data = b"".join(messy_lines(6_000))
    fixed, after = _expected_after_fix(tmp_path, data)
    (tmp_path / "train.jsonl").write_bytes(data)
    before = finish(start("train.jsonl", cwd=tmp_path))[1]
    fixing = start("--fix", "train.jsonl", cwd=tmp_path)
    checks = [start("train.jsonl", cwd=tmp_path) for _ in range(3)]
    finish(fixing)
    for check in checks:
        assert finish(check)[1] in (before, after)
    assert (tmp_path / "train.jsonl").read_bytes() == fixed


def test_a_file_stays_locked_until_the_dataset_rules_have_read_it_again(tmp_path, monkeypatch):
    """The duplicate rules read lines again after the scan: a fix must not rewrite the file in
    between, or their findings would be of two files."""
    import fcntl

    from ft_lint.config import Settings
    from ft_lint.engine import lint
    from ft_lint.rules.similarity import ConflictingAnswers

    path = tmp_path / "train.jsonl"
    path.write_bytes(b"".join(messy_lines(50)))
    locked_out = []
    check_dataset = ConflictingAnswers.check_dataset

    def checking(self, summaries, dataset):
        with open(path, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a fix takes to rewrite the file
            except BlockingIOError:
                locked_out.append(True)
        return check_dataset(self, summaries, dataset)

    monkeypatch.setattr(ConflictingAnswers, "check_dataset", checking)
    lint([path], Settings(paths=[path], select=["FT403"], no_cache=True))
    assert locked_out == [True]
