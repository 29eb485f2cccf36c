"""Hostile inputs: how long ft-lint takes and how much memory it holds on inputs built to be
slow or endless, each run in a child process under a time and memory limit (tests/hostile_limits.py).

Rows: the most files (10,000 tiny files in training/validation pairs, cold then warm), the
largest configuration (a 2 MB pyproject.toml), the longest lines (a 100 MB single-line file and
a line of 64 MiB + 1 byte among records: over the cap a record may have, read past without
being held; a 60 MB line: parsed, and FT301 decides by the lower bound on its tokens), and the
inputs that never end or take all memory (/dev/zero, a FIFO with no writer, a 10 GB sparse
file, a tool whose `parameters` nest a `pattern` 5,000 levels deep, `-j 1000`).

    python benchmarks/bench_hostile.py
    python benchmarks/bench_hostile.py --files 20000 --config-mb 4
    python benchmarks/bench_hostile.py --only lines,endless

Prints one row per case: the exit code (`timeout` when killed at the limit), wall seconds
(interpreter start included), CPU seconds (user + system of ft-lint and its workers: steadier
than wall time on a busy machine) and the peak resident memory of its largest process.
The ft-lint run is this checkout's (PYTHONPATH), whatever is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))  # tests.hostile_limits

from tests.hostile_limits import Limited, run_limited  # noqa: E402 (after the path it is found on)

limit_seconds = 600  # each run's; --limit sets it


@dataclass
class Measured:
    run: Limited
    cpu_seconds: float


def measured(*args: str, cwd: Path, env: dict[str, str], memory_mb: int = 4096) -> Measured:
    """run_limited, with the CPU time of the child (reaped by it, so counted in RUSAGE_CHILDREN)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = run_limited(*args, cwd=cwd, seconds=limit_seconds, memory_mb=memory_mb, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Measured(run, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)


def most_files(scratch: Path, files: int = 10_000, folders: int = 4) -> dict[str, Measured]:
    """`ft-lint check DIR` on `files` tiny JSONL files in a few folders, named in training and
    validation pairs (shard-N-train.jsonl, shard-N-valid.jsonl) so pairing has every file to
    match: once cold (the record cache written) and once warm (read back)."""
    data = scratch / "most-files"
    record = (
        json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}) + "\n"
    )
    for number in range(files):
        folder = data / f"folder{number % folders}"
        folder.mkdir(parents=True, exist_ok=True)
        role = "train" if number // folders % 2 == 0 else "valid"
        (folder / f"shard-{number // folders // 2}-{role}.jsonl").write_text(record)
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY), "FT_LINT_CACHE_DIR": str(scratch / "cache")}
    check = ("check", str(data), "--output-format", "concise", "-o", str(scratch / "report.txt"))
    cold = measured(*check, cwd=scratch, env=env)
    warm = measured(*check, cwd=scratch, env=env)
    return {f"most files ({files:,}), cold": cold, f"most files ({files:,}), warm": warm}


def largest_configuration(scratch: Path, megabytes: float = 2) -> dict[str, Measured]:
    """`ft-lint check FILE` on a one-record file under a pyproject.toml of `megabytes`: per-file-ignores
    globs for 60% of it, an FT502 allow-list of e-mail addresses for the rest, and a record with
    an address on none of them (so the allow-list is asked)."""
    folder = scratch / "largest-configuration"
    folder.mkdir()
    size = int(megabytes * 1_000_000)
    ignores = [
        f'"data/part{number:06d}/*.jsonl" = ["FT105", "FT202", "secret"]' for number in range(int(size * 0.6) // 55)
    ]
    allow = [f'"user{number:06d}@acme.com"' for number in range(int(size * 0.4) // 22)]
    (folder / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.ft-lint.per-file-ignores]\n"
        + "\n".join(ignores)
        + "\n\n[tool.ft-lint.options.FT502]\nallow = ["
        + ", ".join(allow)
        + "]\n"
    )
    record = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Write to bob@gmail.com"}]
    }
    (folder / "train.jsonl").write_text(json.dumps(record) + "\n")
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    run = measured("check", "train.jsonl", "--no-cache", cwd=folder, env=env)
    return {f"largest configuration ({megabytes:g} MB)": run}


GOOD = json.dumps(
    {
        "messages": [
            {"role": "user", "content": "What is the capital of France?"},
            {"role": "assistant", "content": "Paris."},
        ]
    }
)
RECORD_START, RECORD_END = '{"messages": [{"role": "user", "content": "', '"}, {"role": "assistant", "content": "ok"}]}'


def long_line(path: Path, content_bytes: int, records_after: int = 0) -> Path:
    """One chat record whose user message is `content_bytes` of "x", then good records."""
    with open(path, "w") as handle:
        handle.write(RECORD_START)
        for _ in range(content_bytes // (1 << 20)):
            handle.write("x" * (1 << 20))
        handle.write("x" * (content_bytes % (1 << 20)) + RECORD_END + "\n")
        handle.write((GOOD + "\n") * records_after)
    return path


def longest_lines(scratch: Path) -> dict[str, Measured]:
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    cases = {
        "one 100 MB line (the whole file)": (100_000_000, 0),
        "a 64 MiB + 1 byte line, 10,000 records after": ((64 << 20) + 1 - len(RECORD_START) - len(RECORD_END), 10_000),
        "a 60 MB line (parsed; FT301 by its bound)": (60_000_000, 0),
    }
    rows = {}
    for name, (content_bytes, after) in cases.items():
        path = long_line(scratch / "train.jsonl", content_bytes, after)
        rows[name] = measured("check", "--no-cache", "--output-format", "concise", str(path), cwd=scratch, env=env)
        path.unlink()
    return rows


def endless_inputs(scratch: Path) -> dict[str, Measured]:
    """Inputs that used to never end or take all memory, each capped at 4 GB of address space."""
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    fifo = scratch / "fifo.jsonl"
    os.mkfifo(fifo)
    sparse = scratch / "sparse.jsonl"
    with open(sparse, "wb") as handle:
        handle.truncate(10 << 30)
    nested = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"q": {"type": "string", "pattern": "(" * 5000 + ")" * 5000}},
    }
    tool = {"type": "function", "function": {"name": "f", "parameters": nested}}
    (scratch / "pattern.jsonl").write_text(
        "".join(
            json.dumps(
                {
                    "messages": [{"role": "user", "content": f"q{n}"}, {"role": "assistant", "content": "a"}],
                    "tools": [tool],
                }
            )
            + "\n"
            for n in range(3)
        )
    )
    (scratch / "many.jsonl").write_text(
        "".join(
            json.dumps(
                {
                    "messages": [
                        {"role": "user", "content": f"Question {n}?"},
                        {"role": "assistant", "content": f"Answer {n * 7919 % 100_003}."},
                    ]
                }
            )
            + "\n"
            for n in range(200_000)
        )
    )
    rows = {
        "/dev/zero": measured("check", "--no-cache", "/dev/zero", cwd=scratch, env=env),
        "a FIFO with no writer": measured("check", "--no-cache", str(fifo), cwd=scratch, env=env),
        "a 10 GB sparse file": measured("check", "--no-cache", str(sparse), cwd=scratch, env=env),
        "a tool pattern nested 5,000 deep": measured(
            "check", "--no-cache", str(scratch / "pattern.jsonl"), cwd=scratch, env=env
        ),
        "-j 1000 on a 20 MB file of 200,000 records": measured(
            "check", "--no-cache", "-j", "1000", str(scratch / "many.jsonl"), cwd=scratch, env=env
        ),
    }
    sparse.unlink()
    return rows


GROUPS = {"files": most_files, "config": largest_configuration, "lines": longest_lines, "endless": endless_inputs}


def main() -> None:
    global limit_seconds
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="for `most files`")
    parser.add_argument("--config-mb", type=float, default=2, help="for `largest configuration`")
    parser.add_argument(
        "--only", default=",".join(GROUPS), help=f"groups of rows, comma-separated: {', '.join(GROUPS)}"
    )
    parser.add_argument(
        "--limit", type=float, default=limit_seconds, help="seconds each run may take before it is killed"
    )
    arguments = parser.parse_args()
    limit_seconds = arguments.limit
    sizes = {"files": (arguments.files,), "config": (arguments.config_mb,)}
    rows: dict[str, Measured] = {}
    with tempfile.TemporaryDirectory(prefix="ft-lint-hostile-") as scratch:
        for group in arguments.only.split(","):
            rows.update(GROUPS[group](Path(scratch), *sizes.get(group, ())))
    print("| case | exit | seconds | CPU s | peak MB |")
    print("|---|---|---|---|---|")
    for name, row in rows.items():
        run = row.run
        outcome = "timeout" if run.timed_out else run.code
        print(f"| {name} | {outcome} | {run.seconds:.1f} | {row.cpu_seconds:.1f} | {run.peak_mb:.0f} |")
        if run.code == 2:
            print(f"|  | {run.err.strip().splitlines()[-1][:200]} | | | |")


if __name__ == "__main__":
    main()
