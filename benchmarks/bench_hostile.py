"""Hostile input: seconds and peak memory of `ft-lint check` on the longest lines.

Each row is one `ft-lint check --no-cache` in a child process, on a file made in a temporary
folder: wall seconds, and the peak resident memory of the child (wait4's ru_maxrss, which
covers the worker processes it waited for). Rows:

* a 100 MB single-line file (one character repeated in a message): over the 64 MiB a record
  may have, so FT009, read past without being held;
* a line of 64 MiB + 1 byte between records: the same, and the records after it are checked;
* a 60 MB line: under the cap, so it is parsed and checked, and FT301 decides by the lower
  bound on its tokens without tokenizing it.

    python benchmarks/bench_hostile.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOOD = json.dumps({"messages": [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "Paris."}]})


def long_line(path: Path, content_bytes: int, records_after: int = 0) -> Path:
    """One chat record whose user message is `content_bytes` of "x", then good records."""
    with open(path, "w") as handle:
        handle.write('{"messages": [{"role": "user", "content": "')
        for _ in range(content_bytes // (1 << 20)):
            handle.write("x" * (1 << 20))
        handle.write("x" * (content_bytes % (1 << 20)) + '"}, {"role": "assistant", "content": "ok"}]}\n')
        handle.write((GOOD + "\n") * records_after)
    return path


def timed_check(path: Path) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of `ft-lint check` on the file, in a child process."""
    start = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "ft_lint", "check", "--no-cache", "--output-format", "concise", str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped above
    return time.monotonic() - start, usage.ru_maxrss / 1024, child.returncode


def longest_line_rows() -> list[tuple[str, float, float, int]]:
    cases = [
        ("one 100 MB line (the whole file)", 100_000_000, 0),
        ("a 64 MiB + 1 byte line, 10,000 records after", (64 << 20) + 1 - len('{"messages": [{"role": "user", "content": "') - len('"}, {"role": "assistant", "content": "ok"}]}'), 10_000),
        ("a 60 MB line (parsed; FT301 by its bound)", 60_000_000, 0),
    ]
    rows = []
    with tempfile.TemporaryDirectory(prefix="ft-lint-bench-") as folder:
        for name, content_bytes, after in cases:
            path = long_line(Path(folder) / "train.jsonl", content_bytes, after)
            rows.append((name, *timed_check(path)))
            path.unlink()
    return rows


def main() -> None:
    print(f"{'case':<48} {'seconds':>8} {'peak MB':>8} {'exit':>5}")
    for name, seconds, peak_mb, code in longest_line_rows():
        print(f"{name:<48} {seconds:>8.1f} {peak_mb:>8.0f} {code:>5}")


if __name__ == "__main__":
    main()
