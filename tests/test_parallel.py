"""--jobs: a large JSONL file read by worker processes over byte ranges gives exactly the
findings (and record counts) of one process, whatever lies on either side of a range boundary."""

from __future__ import annotations

import random

import pytest

from ft_lint import scanning
from ft_lint.chunking import numbered_ranges, range_bounds
from ft_lint.config import RunOptions, Settings
from ft_lint.engine import lint
from support import OPENAI_MODEL, awkward_file, chat_line

pytestmark = pytest.mark.slow  # --jobs: pools of worker processes

RANGE_BYTES = 2_000  # small ranges so that a small file is split many times


def run(paths, jobs: int):  # no cache: each run checks every line itself
    findings, summary = lint(paths, Settings(paths=paths, model=OPENAI_MODEL, jobs=jobs, no_cache=True))
    return [(f.code, f.filename, f.line, f.pointer, f.message, f.related, f.excerpt) for f in findings], summary.records


@pytest.fixture
def small_ranges(monkeypatch):
    monkeypatch.setattr(scanning, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(scanning, "MIN_RANGE_BYTES", RANGE_BYTES)
    monkeypatch.setattr(
        scanning, "default_jobs", lambda: 8
    )  # as many workers as asked, whatever cores this machine has


def test_workers_find_exactly_what_one_process_finds(tmp_path, small_ranges):
    path = awkward_file(tmp_path / "train.jsonl", random.Random(7))
    ranges = list(numbered_ranges(path, range_bounds(path, 4, RANGE_BYTES)))
    assert len(ranges) == 4
    one, records_one = run([path], jobs=1)
    for jobs in (2, 4):
        assert run([path], jobs=jobs) == (one, records_one)
    found = {
        code: [line for c, _, line, *_ in one if c == code] for code in ("FT001", "FT002", "FT004", "FT401", "FT402")
    }
    assert all(found.values()), found
    # the copies of the first lines are reported in later ranges than the lines they copy
    assert max(found["FT401"] + found["FT402"]) > ranges[1].first_line


def test_workers_that_cannot_write_their_results_leave_the_file_to_one_process(tmp_path, small_ranges, monkeypatch):
    path = awkward_file(tmp_path / "train.jsonl", random.Random(7))
    one = run([path], jobs=1)

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scanning.pickle, "dump", no_space)  # in the workers too: they are forked
    assert run([path], jobs=2) == one


def test_a_validation_file_paired_across_workers_finds_the_same_leaks(tmp_path, small_ranges):
    rng = random.Random(11)
    training = awkward_file(tmp_path / "train.jsonl", rng)
    lines = training.read_bytes().splitlines()
    validation = tmp_path / "valid.jsonl"
    validation.write_bytes(b"\n".join([lines[40], chat_line("new question?", "new answer"), lines[120]]) + b"\n")
    one = lint(
        [training, validation],
        Settings(paths=[training, validation], model=OPENAI_MODEL, jobs=1, validation=validation, no_cache=True),
    )
    two = lint(
        [training, validation],
        Settings(paths=[training, validation], model=OPENAI_MODEL, jobs=2, validation=validation, no_cache=True),
    )
    assert [f.code for f in one[0] if f.code == "FT404"]
    assert one[0] == two[0]


def test_jobs_is_a_setting(tmp_path):
    from ft_lint.config import ConfigError, load_settings

    (tmp_path / "ft-lint.toml").write_text("jobs = 3\n")
    assert load_settings(None, tmp_path).jobs == 3
    (tmp_path / "ft-lint.toml").write_text("jobs = 0\n")
    with pytest.raises(ConfigError):
        load_settings(None, tmp_path)


def test_fixes_found_by_workers_are_those_of_one_process(tmp_path, small_ranges):
    from ft_lint.fixer import fix_and_lint

    fixed = {}
    for jobs in (1, 4):
        (tmp_path / str(jobs)).mkdir()
        path = awkward_file(tmp_path / str(jobs) / "train.jsonl", random.Random(7))
        original = path.read_bytes()
        fix_and_lint(
            [path], Settings(paths=[path], model=OPENAI_MODEL, jobs=jobs), RunOptions(fix=True, unsafe_fixes=True)
        )
        fixed[jobs] = path.read_bytes()
    assert fixed[4] == fixed[1] != original
    assert not fixed[1].startswith(b"\xef\xbb\xbf") and all(
        line.strip() for line in fixed[1].split(b"\n")[:-1]
    )  # BOM and blank lines went


KILLED_WORKER = """
import os, signal, sys
from ft_lint import cli, scanning

scanning.PARALLEL_MIN_BYTES, scanning.MIN_RANGE_BYTES = 0, 2_000
scanning.default_jobs = lambda: 8  # workers even on one core
scan_range = scanning._scan_range


def killed_after_the_first_range(byte_range, output):
    if byte_range.start:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    scan_range(byte_range, output)


scanning._scan_range = killed_after_the_first_range
cli.main(sys.argv[1:])
"""


def test_a_killed_worker_is_an_error_not_a_wait(tmp_path):
    import subprocess
    import sys

    path = awkward_file(tmp_path / "train.jsonl", random.Random(7))
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, "check", "--no-cache", "--jobs", "2", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )  # a hang fails here instead of stalling the suite
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "train.jsonl" in done.stderr and "worker process was killed" in done.stderr
    assert "Traceback" not in done.stderr
