"""Throughput and peak memory of `ft-lint check` on generated chat data.

    python3 benchmarks/bench_lint.py                      # 100 MB
    python3 benchmarks/bench_lint.py --size-mb 10 100     # memory at 10 MB vs 100 MB
    python3 benchmarks/bench_lint.py --size-mb 100 -- --ignore FT401

The data (valid, distinct OpenAI chat records, so a clean run must find nothing) is written
once per size to benchmarks/data/ (git-ignored) and reused. Each lint runs in its own child
process; its peak RSS comes from that child's resource usage.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
WORDS = (
    "order invoice refund parcel account password delivery address payment card label return exchange warranty "
    "store discount coupon subscription shipping tracking customer support product size colour stock price"
).split()
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "track_order",
            "description": "Where an order is.",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "integer"}}, "required": ["order_id"]},
        },
    }
]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def record(rng: random.Random, number: int) -> dict:
    """One valid chat example; `number` makes every record distinct."""
    messages = [{"role": "system", "content": "You are a helpful support assistant for an online store."}]
    for turn in range(rng.choice((1, 1, 2, 3))):
        messages.append({"role": "user", "content": f"Question {number}.{turn}: {sentence(rng, rng.randint(8, 60))}"})
        messages.append(
            {
                "role": "assistant",
                "content": " ".join(sentence(rng, rng.randint(5, 25)) for _ in range(rng.randint(1, 6))),
            }
        )
    if number % 10 == 0:  # one in ten calls a tool
        arguments = json.dumps({"order_id": number})
        messages[-1:] = [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{number}",
                        "type": "function",
                        "function": {"name": "track_order", "arguments": arguments},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": f"call_{number}", "content": json.dumps({"status": "shipped"})},
            messages[-1],
        ]
        return {"messages": messages, "tools": TOOLS}
    return {"messages": messages}


def generate(size_mb: int) -> tuple[Path, int]:
    """The data file of about `size_mb` MB and its number of records (made once, then reused)."""
    path = DATA / f"chat-{size_mb}mb.jsonl"
    count_file = path.with_suffix(".count")
    if path.exists() and count_file.exists():
        return path, int(count_file.read_text())
    DATA.mkdir(exist_ok=True)
    rng = random.Random(size_mb)
    target, written, count = size_mb * 1_000_000, 0, 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            line = json.dumps(record(rng, count), ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
            count += 1
    count_file.write_text(str(count))
    return path, count


def lint(path: Path, extra_args: list[str]) -> tuple[float, float, int, int, str]:
    """Wall seconds, CPU seconds, exit code, peak RSS in bytes of the child, and its output."""
    command = [sys.executable, "-m", "ft_lint", "check", "--statistics", *extra_args, str(path)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = child.stdout.read().decode("utf-8", errors="replace")
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, child.returncode, usage.ru_maxrss * 1024, output  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size-mb", type=int, nargs="+", default=[100], help="size(s) of the generated file, in MB (default: 100)"
    )
    parser.add_argument("ft_lint_args", nargs="*", help="extra arguments for ft-lint check (after --)")
    args = parser.parse_args()
    # Rates are per CPU second: on a shared machine, wall time also counts other people's work.
    print(f"{'size':>8} {'records':>9} {'wall s':>7} {'cpu s':>7} {'MB/s':>6} {'records/s':>10} {'peak RSS':>9}")
    for size_mb in args.size_mb:
        path, records = generate(size_mb)
        seconds, cpu, code, peak, output = lint(path, args.ft_lint_args)
        if code != 0:
            print(f"ft-lint exited {code} on clean generated data:\n{output}", file=sys.stderr)
            return 1
        size = path.stat().st_size / 1e6
        speeds = f"{size / cpu:>6.1f} {records / cpu:>10,.0f}"
        print(f"{size:>6.0f}MB {records:>9,} {seconds:>7.1f} {cpu:>7.1f} {speeds} {peak / 2**20:>7.0f}MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
