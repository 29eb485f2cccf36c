"""Token counting speed: the limit rules with and without the byte shortcut, and `stats`.

    python3 benchmarks/bench_tokens.py [MEGABYTES]

Generates chat data (a shared system prompt, varied user and assistant text) in a temporary
folder, then prints seconds and MB/s for:
  * check --select FT301,FT302 (examples under 90% of the limit by their bytes are not tokenized)
  * the same with the shortcut disabled (every example tokenized)
  * stats --model gpt-4.1-mini (every example tokenized, exact)
  * per tokenizer (OpenAI's shipped encodings and the open models' of ft_lint/open_tokenizers.py,
    each counting as its chat template renders the example): load time and MB/s of count_record
    over every example; open tokenizers whose package is missing (ft-lint[open-models]) are skipped.
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
        import ft_lint.rules.limits as limits_module

        original = limits_module.proven_at_most
        limits_module.proven_at_most = lambda raw, images, threshold: False
        try:
            timed("check FT301,FT302 (every example tokenized)", size, lambda: lint([path], limits))
        finally:
            limits_module.proven_at_most = original
        timed(
            "stats --model gpt-4.1-mini (exact counts)",
            size,
            lambda: collect_stats([path], Settings(model="gpt-4.1-mini")),
        )
        timed("check, all rules, default model", size, lambda: lint([path], Settings(paths=[path])))
        per_tokenizer(path, size)


def per_tokenizer(path: Path, size: int) -> None:
    """count_record over every example, once per tokenizer, with a model of the table using it."""
    from ft_lint import open_tokenizers
    from ft_lint.models import load_models

    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    users = {model.encoding: model.id for model in reversed(load_models().values()) if model.encoding}
    for encoding in (*tokens.ENCODING_SHA256, *open_tokenizers.CATALOG):
        if open_tokenizers.is_open(encoding) and not open_tokenizers.available(encoding):
            print(f"{encoding:<16} skipped: {open_tokenizers.EXTRA_HINT}")
            continue
        model_id = users.get(encoding, "")
        start = time.perf_counter()
        tokens.count_record(records[0], "openai-chat", encoding, model_id)  # loads the tokenizer
        loaded = time.perf_counter() - start
        timed(
            f"{encoding} (load {loaded:.2f} s) {model_id or ''}"[:48],
            size,
            lambda encoding=encoding, model_id=model_id: [
                tokens.count_record(record, "openai-chat", encoding, model_id) for record in records
            ],
        )


if __name__ == "__main__":
    main()
