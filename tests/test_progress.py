"""The progress line: on a terminal only, for reports meant for people, never in logs or machine output."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from ft_lint import progress
from ft_lint.config import RunOptions, Settings
from ft_lint.engine import lint
from support import chat

ROOT = Path(__file__).resolve().parent.parent
BAR = "ft-lint  ["
# ft-lint with the progress line shown at once (a real run shows it after DELAY_SECONDS)
AT_ONCE = "import ft_lint.progress as p; p.DELAY_SECONDS = 0; from ft_lint.cli import main; main()"


class Terminal(io.StringIO):
    """What a terminal receives, as text."""

    def isatty(self) -> bool:
        return True


def write_big(path: Path, count: int = 6000) -> Path:
    """A JSONL file over 512 KB: read by worker processes under -j 2."""
    path.write_text(
        "".join(
            json.dumps(chat(f"Question {n} about the garden?", (f"Answer {n}, " * 8).strip())) + "\n"
            for n in range(count)
        )
    )
    return path


@pytest.fixture
def at_once(monkeypatch):
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.0)
    monkeypatch.setattr(progress, "REDRAW_SECONDS", 0.0)
    for name in ("CI", "TERM"):
        monkeypatch.delenv(name, raising=False)


def lint_on_a_terminal(monkeypatch, files: list[Path], **settings) -> str:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    lint(files, Settings(paths=files, select=["FT1", "FT2"], **settings), RunOptions(progress=True))
    return terminal.getvalue()


def last_line(shown: str) -> str:
    return shown.rstrip().rsplit("\r", 1)[-1].replace("\x1b[?25l", "").replace("\x1b[?25h", "").strip()


def test_the_line_ends_with_every_byte_and_file_done_and_bytes_from_the_cache_count(at_once, monkeypatch, tmp_path):
    files = [write_big(tmp_path / "a.jsonl", 300), write_big(tmp_path / "b.jsonl", 200)]

    cold = lint_on_a_terminal(monkeypatch, files)
    warm = lint_on_a_terminal(monkeypatch, files)  # every record from the cache

    for shown in (cold, warm):
        assert last_line(shown).startswith(BAR + "#" * 24 + "]  100%  2/2 files  ")
        assert last_line(shown).endswith(" MB/s  0:00 left")
        assert shown.endswith("\n")  # the report starts on a line of its own


def test_nothing_is_shown_before_the_delay(monkeypatch, tmp_path):
    monkeypatch.setattr(progress, "DELAY_SECONDS", 3600.0)
    monkeypatch.delenv("CI", raising=False)

    assert lint_on_a_terminal(monkeypatch, [write_big(tmp_path / "a.jsonl", 50)]) == ""


@pytest.mark.parametrize(
    ("output_format", "asked", "environment", "shown"),
    [
        ("full", True, {}, True),
        ("concise", True, {"TERM": "xterm-256color"}, True),
        ("full", False, {}, False),  # --no-progress
        ("json", True, {}, False),
        ("sarif", True, {}, False),
        ("github", True, {}, False),
        ("full", True, {"CI": "true"}, False),
        ("full", True, {"TERM": "dumb"}, False),
    ],
)
def test_where_the_line_may_show(monkeypatch, output_format, asked, environment, shown):
    for name in ("CI", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert progress.wanted(Terminal(), output_format, asked) is shown
    assert progress.wanted(io.StringIO(), output_format, asked) is False  # not a terminal: never


def run_with_stderr_on(stderr_terminal: bool, folder: Path, *args: str, environment: dict[str, str] | None = None):
    """ft-lint (progress line at once) with stderr on a pseudo-terminal or a pipe, stdout to a
    file in FOLDER (a pipe nobody reads while the terminal is read would fill): (stdout, stderr)."""
    env = {name: value for name, value in os.environ.items() if name not in ("CI", "TERM")}
    env.update(PYTHONPATH=str(ROOT), **(environment or {}))
    command = [sys.executable, "-c", AT_ONCE, *args]
    out_file = folder / "stdout.txt"
    if not stderr_terminal:
        with out_file.open("wb") as out:
            done = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, env=env, timeout=300, check=False)
        return out_file.read_text(), done.stderr.decode()
    leader, follower = pty.openpty()
    with out_file.open("wb") as out, subprocess.Popen(command, stdout=out, stderr=follower, env=env) as child:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 1 << 16)
            except OSError:  # the child closed the terminal (EIO on Linux)
                break
            if not chunk:
                break
            shown += chunk
        child.wait(timeout=300)
    os.close(leader)
    return out_file.read_text(), shown.decode()


@pytest.mark.slow
def test_a_terminal_shows_the_line_with_worker_processes_and_the_cache(tmp_path):
    data = write_big(tmp_path / "train.jsonl")
    cache = {"FT_LINT_CACHE_DIR": str(tmp_path / "cache")}
    args = ("check", str(data), "-j", "2", "--exit-zero", "--select", "FT1,FT2")

    runs = [run_with_stderr_on(True, tmp_path, *args, environment=cache) for _ in range(2)]  # cold, then warm

    for out, shown in runs:
        assert BAR in shown
        assert last_line(shown).startswith(BAR + "#" * 24 + "]  100%  1/1 files  ")
        assert "MB/s" in shown and " left" in shown
        assert BAR not in out and "\r" not in out  # the report has none of it
        assert out.endswith("All checks passed (1 file, 6,000 records).\n")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("terminal", "extra", "environment"),
    [
        (False, (), {}),  # a pipe: a CI log, pre-commit's captured output
        (True, ("--no-progress",), {}),
        (True, ("--output-format", "json"), {}),
        (True, ("--output-format", "sarif", "-o", "{tmp}/report.sarif"), {}),
        (True, (), {"CI": "true"}),
    ],
)
def test_no_line_in_logs_or_machine_output(tmp_path, terminal, extra, environment):
    data = write_big(tmp_path / "train.jsonl", 300)

    extra = tuple(arg.format(tmp=tmp_path) for arg in extra)

    out, shown = run_with_stderr_on(
        terminal, tmp_path, "check", str(data), "--exit-zero", *extra, environment=environment
    )

    assert BAR not in shown and BAR not in out
    assert "\r" not in shown.replace("\r\n", "\n")
