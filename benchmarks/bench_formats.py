"""Linting speed per format, and the cost of records that fit no format.

    python3 benchmarks/bench_formats.py [RECORDS]

Writes RECORDS records (default 20,000) of each format to a temporary folder, the same
conversations in every format (a system prompt, then one to four user/assistant turns), and
prints for each: records per second and CPU seconds for `check` with the format and content
rules (FT0, FT1, FT2: no token counting, no duplicate search), plus the time to sniff the
file's format. A last file holds records that fit no format, which take the closest-format path.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from ft_lint.config import Settings
from ft_lint.engine import lint
from ft_lint.formats import sniff_format

WORDS = (
    "the of and to in is you that it he was for on are as with his they at be this have from or one had "
    "by word but not what all were we when your can said there use an each which she do how their if will "
    "up other about out many then them"
).split()
SYSTEM = "You are a careful assistant for a hardware store. Answer briefly."


def turns(rng: random.Random) -> list[tuple[str, str]]:
    return [
        (" ".join(rng.choices(WORDS, k=rng.randint(5, 60))), " ".join(rng.choices(WORDS, k=rng.randint(5, 120))))
        for _ in range(rng.randint(1, 4))
    ]


def as_format(name: str, pairs: list[tuple[str, str]]) -> dict:
    chat = [{"role": "system", "content": SYSTEM}] + [
        m for q, a in pairs for m in ({"role": "user", "content": q}, {"role": "assistant", "content": a})
    ]
    if name == "openai-chat":
        return {"messages": chat}
    if name == "vertex-gemini":
        contents = [{"role": r, "parts": [{"text": t}]} for q, a in pairs for r, t in (("user", q), ("model", a))]
        return {"systemInstruction": {"parts": [{"text": SYSTEM}]}, "contents": contents}
    if name == "bedrock-conversation":
        messages = [{"role": r, "content": [{"text": t}]} for q, a in pairs for r, t in (("user", q), ("assistant", a))]
        return {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": SYSTEM}], "messages": messages}
    if name == "sharegpt":
        return {
            "system": SYSTEM,
            "conversations": [{"from": f, "value": t} for q, a in pairs for f, t in (("human", q), ("gpt", a))],
        }
    if name == "alpaca":
        *history, (question, answer) = pairs
        return {
            "system": SYSTEM,
            "history": [list(pair) for pair in history],
            "instruction": question,
            "input": "",
            "output": answer,
        }
    if name == "no-format":
        return {"dialogue": chat, "meta": {"source": "bench"}}
    raise ValueError(name)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    settings = Settings(select=["FT0", "FT1", "FT2"], ignore=["FT005", "FT006"])
    with tempfile.TemporaryDirectory() as folder:
        for name in ("openai-chat", "vertex-gemini", "bedrock-conversation", "sharegpt", "alpaca", "no-format"):
            rng = random.Random(7)
            path = Path(folder) / f"{name}.jsonl"
            path.write_text(
                "".join(json.dumps(as_format(name, turns(rng))) + "\n" for _ in range(count)), encoding="utf-8"
            )
            started = time.process_time()
            detected = sniff_format(path)
            sniffed = time.process_time() - started
            started = time.process_time()
            findings, summary = lint([path], settings)
            seconds = time.process_time() - started
            print(
                f"{name:<22} detected {detected.name if detected else None!s:<22} {summary.records:,} records, "
                f"{len(findings):,} findings: {summary.records / seconds:,.0f} records/s "
                f"({seconds:.2f} s CPU; sniff {sniffed * 1000:.0f} ms)"
            )


if __name__ == "__main__":
    main()
