"""What the tests share: build records and data files, lint them in this process, pick findings
apart, and run the CLI (in this process: run_cli; in a child, as users do: ft_lint). The fixtures
all tests can ask for (cache_folder, lint_records, reference, offline_pip) are in conftest.py.

Modules beside it serve one family of tests each: samples.py (the records the rule tests lint,
all of which test_engines_agree checks), reference.py (token counts and the near-duplicate measure
computed another way), launch_support.py and launch_server.py (fake provider APIs for --launch),
hostile_limits.py (ft-lint in a child under time and memory limits), support_repo.py and
wheelhouse.py (a copy of this repository and an offline wheelhouse, to install ft-lint as users do).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from ft_lint.cli import main
from ft_lint.config import Settings
from ft_lint.engine import lint
from ft_lint.findings import Finding

# --- records ------------------------------------------------------------------------------


def chat(user: str = "Hi", assistant: str = "Hello!", system: str | None = None, **top) -> dict:
    """A chat record (OpenAI's format): a user message and the answer, after SYSTEM if given;
    TOP keys beside `messages`."""
    messages = [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return {"messages": ([{"role": "system", "content": system}] if system else []) + messages, **top}


def chat_line(user: str, assistant: str) -> bytes:
    """chat(USER, ASSISTANT) as a JSONL line, without its line ending."""
    return json.dumps(chat(user, assistant)).encode()


def random_words(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 8))) for _ in range(count)]


# The first bytes of real image files: enough for every check that reads image headers.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
GIF = b"GIF89a\x10\x00\x10\x00\x80\x00\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{b64(data)}"


# --- data files ---------------------------------------------------------------------------


def encode(line: object) -> bytes:
    """A record (dict) as compact JSON; bytes and str lines as given."""
    if isinstance(line, bytes):
        return line
    if isinstance(line, str):
        return line.encode("utf-8")
    return json.dumps(line, ensure_ascii=False).encode("utf-8")


def write_jsonl(path: Path, lines: list | tuple) -> Path:
    """Records (compact JSON) and ready-made lines (str or bytes), one per line; folders are made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(encode(line) + b"\n" for line in lines))
    return path


def sparse_file(path: Path, size: int) -> Path:
    """A file of `size` NUL bytes that takes no disk space (`truncate -s`)."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def write_json_array(path: Path, records: list | tuple) -> Path:
    """Records as one JSON array (a `.json` data file); folders are made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(records), indent=2), encoding="utf-8")
    return path


def write_data_file(path: Path, records: list | tuple) -> Path:
    """A JSON array for a `.json` PATH, else JSONL (write_jsonl)."""
    return (write_json_array if path.suffix == ".json" else write_jsonl)(path, records)


def write_parquet(path: Path, records: list | tuple, **options) -> Path:
    """Records as one Parquet file, with the schema `datasets` and pandas give them: the union of
    every record's keys, every struct with every field any record's has (null where it had none).
    OPTIONS go to pyarrow.parquet.write_table (row_group_size, compression...)."""
    import pyarrow
    import pyarrow.parquet

    path.parent.mkdir(parents=True, exist_ok=True)
    table = pyarrow.Table.from_batches([pyarrow.RecordBatch.from_struct_array(pyarrow.array(list(records)))])
    pyarrow.parquet.write_table(table, path, **options)
    return path


def jsonl(*records: dict, ending: str = "\n") -> bytes:
    """The content of a JSONL file of RECORDS (json.dumps as is: non-ASCII escaped), each line ended by ENDING."""
    return "".join(json.dumps(record) + ending for record in records).encode()


def _awkward_words(
    rng: random.Random, count: int
) -> list[str]:  # not random_words: awkward_file's lines stay as they were
    return ["".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(3, 8))) for _ in range(count)]


def awkward_file(path, rng: random.Random):
    """Lines of every kind, with exact and near copies of early lines placed far below them."""
    originals = [(" ".join(_awkward_words(rng, 8)) + "?", " ".join(_awkward_words(rng, 120))) for _ in range(12)]
    lines = [chat_line(*original) for original in originals]
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    for number in range(1, 160):
        user, answer = (
            originals[number % len(originals)]
            if number % 23 == 0
            else (" ".join(_awkward_words(rng, 8)) + "?", " ".join(_awkward_words(rng, 40)))
        )
        if number % 29 == 0:  # near copy: one word of a long answer changed
            user, answer = originals[number % len(originals)]
            answer = answer.replace(answer.split()[60], "changed", 1)
        lines.append(chat_line(user, answer))
        if number % 17 == 0:
            lines.append(b"")
        if number % 31 == 0:
            lines.append(b"{'messages': [}")
        if number % 37 == 0:
            lines.append(b"[1, 2]")
    endings = [b"\r\n" if i % 5 == 0 else b"\n" for i in range(len(lines))]
    path.write_bytes(b"".join(line + ending for line, ending in zip(lines, endings, strict=True)))
    return path


# --- linting in this process ----------------------------------------------------------------

# Rules tested in files of their own, left out elsewhere so that small fixture files stay clean:
# those that check a file against a model (size, count, length, retirement: test_limits.py) and
# those that compare examples by similarity (test_similarity.py): fixtures are alike on purpose.
RULES_TESTED_ELSEWHERE = ["FT005", "FT006", "FT3", "FT402", "FT403"]
# The fixtures are OpenAI data, linted as for a user who names an OpenAI model: a file is then
# read as the OpenAI format its records have, even where another format (TRL's, which allows
# any extra key) would take a lone record too (see test_formats_detection.py for that).
OPENAI_MODEL = "gpt-4.1-mini-2025-04-14"
# The rules about a record's format and content; not the rules about file size, example
# counts, token lengths or duplicates, which tiny test files would trip.
FORMAT_RULES = ("FT001", "FT002", "FT003", "FT004", "FT007", "FT1", "FT2")

# Settings that lint_paths starts from (a test's own settings win):
# the rule tests' (an OpenAI model named, the rules tested elsewhere left out) ...
RULE_TESTS = {"ignore": RULES_TESTED_ELSEWHERE, "model": OPENAI_MODEL}
# ... and the format tests' (no model: each file is read as the format its records have).
FORMAT_TESTS = {"select": FORMAT_RULES}


def lint_paths(paths: list[Path], defaults: dict = RULE_TESTS, **settings) -> list[Finding]:
    """Findings of linting PATHS, with the Settings fields DEFAULTS updated by SETTINGS."""
    settings = {**defaults, **settings}
    for name in ("select", "ignore"):
        if isinstance(settings.get(name), tuple):
            settings[name] = list(settings[name])
    findings, _ = lint(paths, Settings(paths=list(paths), **settings))
    return findings


# --- findings -----------------------------------------------------------------------------


def codes(findings: list[Finding]) -> set[str]:
    """The rules that found something (where counts matter, a test lists `f.code` itself)."""
    return {f.code for f in findings}


def of(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def where(findings: list[Finding], code: str) -> list[tuple[int, str]]:
    """(line, pointer) of each finding of one rule, in report order."""
    return [(f.line, f.pointer) for f in findings if f.code == code]


def found(findings: list[Finding]) -> set[tuple[int, str, str]]:
    """(line, code, pointer) of each finding."""
    return {(f.line, f.code, f.pointer) for f in findings}


# --- the CLI in this process ----------------------------------------------------------------


class Result(NamedTuple):
    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path | None = None) -> Result:
    """`ft-lint ARGS` run in this process (so tests can monkeypatch what it calls), in CWD if given:
    its exit code (main() always ends in sys.exit), stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    previous, saved_argv = Path.cwd(), sys.argv
    sys.argv = ["ft-lint", *args]
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as done:
            main()
    finally:
        sys.argv = saved_argv
        os.chdir(previous)
    assert isinstance(done.value.code, int), f"exit code {done.value.code!r}"
    return Result(done.value.code, out.getvalue(), err.getvalue())


def findings_json(*args: str, cwd: Path | None = None) -> list[dict]:
    """The findings of `ft-lint check --output-format json ARGS` (which must not fail with a usage error)."""
    result = run_cli("check", "--output-format", "json", *args, cwd=cwd)
    assert result.code in (0, 1), result.err
    return json.loads(result.out)


# --- the CLI in a child process, as users run it ----------------------------------------------

OTHER_COMMANDS = ("rule", "rules", "formats", "models", "stats")


def ft_lint(*args, cwd=None, model_rules: bool = False) -> subprocess.CompletedProcess:
    """`python -m ft_lint ARGS` in a child process; a lint names OPENAI_MODEL and leaves out the rules
    tested elsewhere (RULES_TESTED_ELSEWHERE) unless MODEL_RULES. Tests that use it are `slow`."""
    extra = (
        []
        if model_rules or not args or args[0] in OTHER_COMMANDS
        else ["--model", OPENAI_MODEL, "--ignore", ",".join(RULES_TESTED_ELSEWHERE)]
    )
    return subprocess.run(
        [sys.executable, "-m", "ft_lint", *map(str, args), *extra], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2
    assert result.stderr.startswith("ft-lint: error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    for word in words:
        assert word in result.stderr
