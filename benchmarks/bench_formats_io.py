"""Linting speed per input kind: the same records as JSONL and as each other kind ft-lint reads.

    python3 benchmarks/bench_formats_io.py [RECORDS]

Writes RECORDS chat records (default 20,000; a system prompt, then one to four user/assistant
turns) to a temporary folder once per input kind, lints each file in this process on one core
(--jobs 1, no record cache) with the format and content rules (FT0, FT1, FT2: no token counting,
no duplicate search), and prints one row per kind: the file's size, the CPU seconds, and the MB/s
of text checked per core, the text being the records' JSONL bytes, so that every row divides the
same amount of text. A kind is a name and a function writing the records to a path (INPUT_KINDS).
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_formats import as_format, turns
from ft_lint.config import Settings
from ft_lint.engine import lint

RULES = ["FT0", "FT1", "FT2"]


def jsonl_bytes(records: list[dict]) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode()


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.write_bytes(jsonl_bytes(records))


def write_parquet(path: Path, records: list[dict]) -> None:
    """As Hugging Face `datasets` writes a split: pyarrow's defaults (snappy, row groups of up to 1M rows)."""
    import pyarrow
    import pyarrow.parquet

    pyarrow.parquet.write_table(pyarrow.Table.from_pylist(records), path)


def write_gzip(path: Path, records: list[dict]) -> None:
    """As `gzip` writes by default (level 6)."""
    path.write_bytes(gzip.compress(jsonl_bytes(records), compresslevel=6))


def write_zstd(path: Path, records: list[dict]) -> None:
    """As `zstd` writes by default (level 3, with a checksum)."""
    import zstandard

    path.write_bytes(zstandard.ZstdCompressor(level=3, write_checksum=True).compress(jsonl_bytes(records)))


def table_writer(delimiter: str) -> Callable[[Path, list[dict]], None]:
    """A header of the records' keys; the messages column holds JSON, as a spreadsheet export has it."""

    def write(path: Path, records: list[dict]) -> None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter)
            writer.writerow(["messages"])
            writer.writerows([json.dumps(record["messages"], ensure_ascii=False)] for record in records)

    return write


INPUT_KINDS: list[tuple[str, str, Callable[[Path, list[dict]], None]]] = [
    ("jsonl", "data.jsonl", write_jsonl),
    ("parquet", "data.parquet", write_parquet),
    ("jsonl.gz", "data.jsonl.gz", write_gzip),
    ("jsonl.zst", "data.jsonl.zst", write_zstd),
    ("csv", "data.csv", table_writer(",")),
    ("tsv", "data.tsv", table_writer("\t")),
]


def measure(path: Path) -> tuple[float, int]:
    """CPU seconds of one lint of the file, and the records it read."""
    settings = Settings(paths=[path], select=RULES, jobs=1, no_cache=True)
    started = time.process_time()
    _, summary = lint([path], settings)
    return time.process_time() - started, summary.records


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rng = random.Random(21)
    records = [as_format("openai-chat", turns(rng)) for _ in range(count)]
    text_bytes = sum(len(json.dumps(record, ensure_ascii=False).encode()) + 1 for record in records)
    print(f"{count:,} chat records, {text_bytes / 1e6:.1f} MB as JSONL; one core, rules {', '.join(RULES)}")
    print(f"{'kind':<10} {'file MB':>8} {'CPU s':>7} {'records':>8} {'MB/s of text per core':>22}")
    with tempfile.TemporaryDirectory(prefix="ft-lint-bench-") as folder:
        for kind, name, write in INPUT_KINDS:
            path = Path(folder) / name
            write(path, records)
            measure(path)  # warm: imports, schemas, the format's validator
            seconds, read = measure(path)
            assert read == count, f"{kind}: {read} records read of {count}"
            size = path.stat().st_size / 1e6
            print(f"{kind:<10} {size:>8.1f} {seconds:>7.2f} {read:>8,} {text_bytes / 1e6 / seconds:>22.1f}")


if __name__ == "__main__":
    main()
