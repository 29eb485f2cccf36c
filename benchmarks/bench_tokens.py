"""Token counting speed: the limit rules with and without the byte shortcut, and `stats`.

    python3 benchmarks/bench_tokens.py [MEGABYTES]

Generates chat data (a shared system prompt, varied user and assistant text) in a temporary
folder, then prints seconds and MB/s for:
  * check --select FT301,FT302 (examples under 90% of the limit by their bytes are not tokenized)
  * the same with the shortcut disabled (every example tokenized)
  * stats --model gpt-4.1-mini (every example tokenized, exact)
Each run starts from a fresh process state for the token cache; the encoding load is timed apart.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from ft_lint import tokens
from ft_lint.config import Settings
from ft_lint.engine import lint
from ft_lint.stats import collect_stats

WORDS = (
    "the of and to in is you that it he was for on are as with his they at be this have from or one had "
    "by word but not what all were we when your can said there use an each which she do how their if will "
    "up other about out many then them these so some her would make like him into time has look two more "
    "write go see number no way could people my than first been call who oil its now find long down day "
    "did get come made may part"
).split()
SYSTEM = "You are a careful assistant for a hardware store. Answer briefly, cite the aisle, never invent stock. " * 3


def generate(path: Path, megabytes: float) -> int:
    rng = random.Random(7)
    written = records = 0
    with path.open("w", encoding="utf-8") as out:
        while written < megabytes * 1_000_000:
            user = " ".join(rng.choices(WORDS, k=rng.randint(20, 400)))
            answer = " ".join(rng.choices(WORDS, k=rng.randint(10, 300)))
            line = (
                json.dumps(
                    {
                        "messages": [
                            {"role": "system", "content": SYSTEM},
                            {"role": "user", "content": user},
                            {"role": "assistant", "content": answer},
                        ]
                    }
                )
                + "\n"
            )
            out.write(line)
            written += len(line.encode())
            records += 1
    return records


def timed(label: str, size: int, work) -> None:
    tokens._counter.cache_clear()  # no warm text memory from the previous run
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    print(f"{label:<48} {seconds:7.2f} s  {size / seconds / 1e6:7.1f} MB/s")


def main() -> None:
    megabytes = float(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.jsonl"
        records = generate(path, megabytes)
        size = path.stat().st_size
        print(f"data: {records:,} chat examples, {size / 1e6:.1f} MB")
        start = time.perf_counter()
        tokens.get_encoding("o200k_base")
        print(f"{'load o200k_base (once per process)':<48} {time.perf_counter() - start:7.2f} s")
        limits = Settings(paths=[path], select=["FT301", "FT302"], model="gpt-4.1-mini")
        timed("check FT301,FT302 (byte shortcut)", size, lambda: lint([path], limits))
        original = tokens.upper_bound_applies
        import ft_lint.rules.limits as limits_module

        limits_module.upper_bound_applies = lambda raw: False
        try:
            timed("check FT301,FT302 (every example tokenized)", size, lambda: lint([path], limits))
        finally:
            limits_module.upper_bound_applies = original
        timed(
            "stats --model gpt-4.1-mini (exact counts)",
            size,
            lambda: collect_stats([path], Settings(model="gpt-4.1-mini")),
        )
        timed("check, all rules, default model", size, lambda: lint([path], Settings(paths=[path])))


if __name__ == "__main__":
    main()
