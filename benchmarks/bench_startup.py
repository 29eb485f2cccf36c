"""The pre-commit case: ft-lint on a 1,000-line file, end to end, interpreter start included.

Takes the first lines of bench_speed.py's generated chat file (deterministic) and runs
`ft-lint check` on them as a hook would, each run a new process, and prints the fastest and
the median wall time of each case:

    python benchmarks/bench_startup.py
    python benchmarks/bench_startup.py --lines 1000 --repeat 20

Cases: `cold` (--no-cache: a file never seen), `warm, 1 line changed` (what a commit that
touches a line costs), `import only` (the floor: `python -c "import ft_lint.cli"`).
The child processes may write bytecode even where PYTHONDONTWRITEBYTECODE is set here, since
an installed package has its bytecode (pip compiles it); without it every run pays ~50 ms of
compiling.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_speed import data_file

CHECK = [sys.executable, "-m", "ft_lint", "check", "--output-format", "concise", "--exit-zero"]


def wall_times(command: list[str], env: dict[str, str], repeat: int, before=None) -> list[float]:
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--jobs", help="pass --jobs to ft-lint (default: its own, the cores available)")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ft-lint-startup-") as scratch:
        lines = data_file(10).read_bytes().splitlines(keepends=True)[: arguments.lines]
        target = Path(scratch) / "train.jsonl"
        target.write_bytes(b"".join(lines))
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["FT_LINT_CACHE_DIR"] = str(Path(scratch) / "cache")
        check = CHECK + (["--jobs", arguments.jobs] if arguments.jobs else []) + [str(target)]
        subprocess.run(check, env=env, stdout=subprocess.DEVNULL, check=True)  # bytecode written, cache filled
        edits = iter(range(10**9))

        def change_one_line() -> None:
            edited = lines[:]
            edited[len(edited) // 2] = edited[len(edited) // 2].replace(
                b'"content":"', f'"content":"edit {next(edits)} '.encode(), 1
            )
            target.write_bytes(b"".join(edited))

        cases = {
            "import only": wall_times([sys.executable, "-c", "import ft_lint.cli"], env, arguments.repeat),
            "cold (--no-cache)": wall_times([*check, "--no-cache"], env, arguments.repeat),
            "warm, 1 line changed": wall_times(check, env, arguments.repeat, before=change_one_line),
        }
    size = sum(map(len, lines))
    print(
        f"{len(lines):,} lines, {size / 1e6:.2f} MB, {arguments.repeat} runs each, jobs {arguments.jobs or 'default'}"
    )
    print("| case | fastest | median |")
    print("|---|---|---|")
    for name, times in cases.items():
        print(f"| {name} | {min(times):.3f} s | {statistics.median(times):.3f} s |")


if __name__ == "__main__":
    main()
