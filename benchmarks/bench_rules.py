"""Where ft-lint's per-record time goes: the cost of each rule's per-record work, one rule at a time.

Reads a generated chat file (benchmarks/data/, see bench_speed.py; 10 MB by default), then for
every entry, record and dataset rule runs what the scan runs per record (`check_entry`,
`check_record`, `summarize_batch` in batches of SUMMARY_BATCH) over fresh records with only that
rule, and prints one table: CPU seconds (of this process: steadier than wall time on a shared
machine; the fastest of --repeat runs) and microseconds per record. A rule's row includes the record
work it is the only one to ask for (messages, schema errors, tokens): rules share that work in a
real run, so the rows add up to more than the last one: all the rules a single file gets (FT404
and FT405 compare paired files only), with that work done once. Encodings and lazy imports are
loaded before anything is timed. It prints numbers, nothing more.

    python benchmarks/bench_rules.py               # the 10 MB file
    python benchmarks/bench_rules.py --size 100 --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from bench_speed import data_file
from ft_lint.config import Settings
from ft_lint.formats import sniff_format
from ft_lint.models import resolve_model
from ft_lint.reader import Kind
from ft_lint.rules import PairRule
from ft_lint.scanning import SUMMARY_BATCH, RuleSet, make_record, parse_file_line

MODEL = "gpt-4o-mini-2024-07-18"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10, help="MB of generated chat data")
    parser.add_argument("--repeat", type=int, default=1, help="runs per row; the fastest is shown")
    args = parser.parse_args()

    path = Path(data_file(args.size))
    lines = path.read_bytes().splitlines()
    model = resolve_model(MODEL)
    rules = RuleSet.build(Settings(model=MODEL))
    entries = [parse_file_line(number, line, False) for number, line in enumerate(lines, start=1)]
    records_of = _record_maker(path.as_posix(), entries, sniff_format(path), model)
    count = sum(entry.kind is Kind.RECORD for entry in entries)

    warm_up = [entry for entry in entries if entry.kind is Kind.RECORD][:SUMMARY_BATCH]
    for rule in rules.entry:
        [list(rule.check_entry(entry)) for entry in warm_up]
    warm_records = [make_record(path.as_posix(), entry, None, None, model) for entry in warm_up]
    for rule in rules.record:
        [list(rule.check_record(record)) for record in warm_records]
    _summaries(rules.dataset, warm_records)

    rows: list[tuple[str, float]] = [
        (
            "parse lines (orjson)",
            _fastest(args.repeat, lambda: [parse_file_line(n, line, False) for n, line in enumerate(lines, start=1)]),
        ),
        ("detect format, make records", _fastest(args.repeat, lambda: records_of())),
    ]
    for rule in rules.entry:
        rows.append(
            (
                _label(rule),
                _fastest(args.repeat, lambda rule=rule: [list(rule.check_entry(entry)) for entry in entries]),
            )
        )
    for rule in rules.record:
        rows.append(
            (
                _label(rule),
                _timed_on_records(
                    args.repeat, records_of, lambda records, rule=rule: [list(rule.check_record(r)) for r in records]
                ),
            )
        )
    for rule in rules.dataset:
        label = _label(rule) + (" (paired files only)" if isinstance(rule, PairRule) else "")
        rows.append(
            (label, _timed_on_records(args.repeat, records_of, lambda records, rule=rule: _summaries([rule], records)))
        )
    one_file = rules.for_file(given=True, paired=False)

    def every_rule(records):
        for entry in entries:
            for rule in one_file.entry:
                list(rule.check_entry(entry))
        for record in records:
            for rule in one_file.record:
                list(rule.check_record(record))
        _summaries(one_file.dataset, records)

    rows.append(("all rules of an unpaired file", _timed_on_records(args.repeat, records_of, every_rule)))

    print(f"{path.name}: {len(lines)} lines, {count} records, {path.stat().st_size / 1e6:.1f} MB")
    print(f"{'what':<48} {'CPU s':>7} {'µs/record':>10}")
    for label, seconds in rows:
        print(f"{label:<48} {seconds:>7.3f} {seconds / count * 1e6:>10.1f}")


def _record_maker(filename: str, entries, file_format, model):
    def records():
        return [
            make_record(filename, entry, None, file_format, model) for entry in entries if entry.kind is Kind.RECORD
        ]

    return records


def _label(rule) -> str:
    return f"{rule.code} {rule.name}"


def _summaries(dataset_rules, records) -> None:
    for start in range(0, len(records), SUMMARY_BATCH):
        batch = records[start : start + SUMMARY_BATCH]
        for rule in dataset_rules:
            rule.summarize_batch(batch)


def _fastest(repeat: int, work) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def _timed_on_records(repeat: int, records_of, work) -> float:
    """The fastest run of `work` over records made fresh for each run (no property computed yet)."""
    best = float("inf")
    for _ in range(repeat):
        records = records_of()
        gc.collect()
        start = time.process_time()
        work(records)
        best = min(best, time.process_time() - start)
    return best


if __name__ == "__main__":
    main()
