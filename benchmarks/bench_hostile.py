"""Hostile inputs: how long ft-lint takes and how much memory it holds on a repository built
to be slow, each run in a child process under a time and memory limit (tests/hostile_limits.py).

    python benchmarks/bench_hostile.py
    python benchmarks/bench_hostile.py --files 20000 --config-mb 4

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

from tests.hostile_limits import Limited, run_limited

LIMIT_SECONDS = 600


@dataclass
class Measured:
    run: Limited
    cpu_seconds: float


def measured(*args: str, cwd: Path, env: dict[str, str]) -> Measured:
    """run_limited, with the CPU time of the child (reaped by it, so counted in RUSAGE_CHILDREN)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = run_limited(*args, cwd=cwd, seconds=LIMIT_SECONDS, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Measured(run, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)


def most_files(scratch: Path, files: int = 10_000, folders: int = 4) -> dict[str, Measured]:
    """`ft-lint check DIR` on `files` tiny JSONL files in a few folders, named in training and
    validation pairs (shard-N-train.jsonl, shard-N-valid.jsonl) so pairing has every file to
    match: once cold (the record cache written) and once warm (read back)."""
    data = scratch / "most-files"
    record = json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}) + "\n"
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
    ignores = [f'"data/part{number:06d}/*.jsonl" = ["FT105", "FT202", "secret"]' for number in range(int(size * 0.6) // 55)]
    allow = [f'"user{number:06d}@acme.com"' for number in range(int(size * 0.4) // 22)]
    (folder / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.ft-lint.per-file-ignores]\n" + "\n".join(ignores)
        + "\n\n[tool.ft-lint.options.FT502]\nallow = [" + ", ".join(allow) + "]\n"
    )
    record = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Write to bob@gmail.com"}]}
    (folder / "train.jsonl").write_text(json.dumps(record) + "\n")
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    run = measured("check", "train.jsonl", "--no-cache", cwd=folder, env=env)
    return {f"largest configuration ({megabytes:g} MB)": run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="for `most files`")
    parser.add_argument("--config-mb", type=float, default=2, help="for `largest configuration`")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ft-lint-hostile-") as scratch:
        rows = {**most_files(Path(scratch), arguments.files), **largest_configuration(Path(scratch), arguments.config_mb)}
    print("| case | exit | seconds | CPU s | peak MB |")
    print("|---|---|---|---|---|")
    for name, row in rows.items():
        run = row.run
        print(f"| {name} | {'timeout' if run.timed_out else run.code} | {run.seconds:.1f} | {row.cpu_seconds:.1f} | {run.peak_mb:.0f} |")
        if run.code == 2:
            print(f"|  | {run.err.strip().splitlines()[-1][:200]} | | | |")


if __name__ == "__main__":
    main()
