"""Reading one file's entries and running the entry and record rules on them, through the record cache.

A file is read in blocks of entries (many lines at once). Every entry is keyed by its bytes
(see ft_lint/cache.py); the entries the last run saw unchanged are carried over in bulk, with
what it found in them, and only the others are parsed and checked. Whether an entry came from
the cache or was checked now, the block's results end up in one `CacheWriter`: the problems
to report, each entry's kind (not a record, or the format it was detected as) from which the
file rules' counts are made, and the dataset rules' summaries. So a cold run, a warm run and
`--no-cache` (an empty cache, not saved) are the same code.

Big JSONL files are split into byte ranges read by worker processes, each with its own
writer; the parent joins them in range order, so the result is exactly one process's.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import multiprocessing
import os
import pickle
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ft_lint import cache
from ft_lint.cache import CacheWriter, KeyFunction, RecordCache, Row
from ft_lint.chunking import MIN_RANGE_BYTES, ByteRange, LongLine, numbered_ranges, range_bounds, read_blocks
from ft_lint.config import Settings
from ft_lint.findings import Finding, Problem
from ft_lint.formats import Format, all_formats, detect
from ft_lint.input_kinds import JSON, JSONL, PARQUET, read_as
from ft_lint.reader import (
    BOM,
    MAX_RECORD_BYTES,
    Entry,
    Kind,
    UnreadableFile,
    file_starts_with_bom,
    is_json_array,
    open_data_file,
    parquet_row_count,
    parse_line,
    read_entries,
    too_long,
)
from ft_lint.record import Record
from ft_lint.rules import DatasetRule, EntryRule, FileRule, RecordRule, Rule

if TYPE_CHECKING:
    from ft_lint.config import Settings
    from ft_lint.local_tokenizer import LocalModel
    from ft_lint.models import Model

_SomeRule = TypeVar("_SomeRule", bound=Rule)

SUMMARY_BATCH = 512  # records checked and summarised at once (numpy's cost is per call; memory is per record)
PENDING_BLOCKS = 8  # at most this many blocks wait for their new entries to be checked together
FIRST_LINES_KEPT = 5
PARALLEL_MIN_BYTES = 512 << 10  # smaller JSONL files are read in this process: forking workers costs more than it saves
RANGES_PER_WORKER = 4  # a worker done early takes the next range; the parent counts lines ahead of the workers
NOT_A_RECORD, NO_FORMAT = (
    0,
    1,
)  # entry kinds; a record of a format has kind FIRST_FORMAT_KIND + its index in FORMAT_NAMES
FIRST_FORMAT_KIND = 2


@functools.cache
def format_names() -> list[str]:
    """The formats in the order of their kinds."""
    return sorted(all_formats())


@functools.cache
def _format_kinds() -> dict[str, int]:
    return {name: FIRST_FORMAT_KIND + index for index, name in enumerate(format_names())}


@dataclass
class RuleSet:
    entry: list[EntryRule] = field(default_factory=list)
    record: list[RecordRule] = field(default_factory=list)
    file: list[FileRule] = field(default_factory=list)
    dataset: list[DatasetRule] = field(default_factory=list)
    uses_model: bool = False  # some rule checks against the model's figures

    @classmethod
    def build(cls, settings: Settings) -> RuleSet:
        rules = cls()
        for rule_class in settings.enabled_rules():
            rule = rule_class(settings.rule_options.get(rule_class.code))
            rules.uses_model |= rule.uses_model
            # a rule of more than one kind goes in each of their lists
            if isinstance(rule, EntryRule):
                rules.entry.append(rule)
            if isinstance(rule, RecordRule):
                rules.record.append(rule)
            if isinstance(rule, FileRule):
                rules.file.append(rule)
            if isinstance(rule, DatasetRule):
                rules.dataset.append(rule)
        return rules

    def for_file(self, given: bool, paired: bool) -> RuleSet:
        """A file given gets every rule (pair rules when it is paired); a partner read only for its
        pair, pair rules alone."""
        from ft_lint.rules import PairRule

        dataset = [rule for rule in self.dataset if (paired if isinstance(rule, PairRule) else given)]
        if not given:
            return RuleSet(dataset=dataset)
        return replace(self, dataset=dataset)

    def codes(self) -> list[str]:
        return [rule.code for rules in (self.entry, self.record, self.file, self.dataset) for rule in rules]


@dataclass(frozen=True)
class FileScope:
    """What checking one file's entries needs besides the entries."""

    path: Path
    filename: str
    forced: Format | None
    file_format: Format | None
    model: Any
    rules: RuleSet
    fingerprint: bytes  # of the settings and this file's context: the cache keys' seed
    hash_bytes: bool = False  # --launch: hash the bytes read, so that exactly those are sent (Scan.digests)
    local: LocalModel | None = None  # --tokenizer's model folder

    def record(self, entry: Entry) -> Record:
        return make_record(self.filename, entry, self.forced, self.file_format, self.model, self.local)


def make_record(
    filename: str,
    entry: Entry,
    forced: Format | None,
    file_format: Format | None,
    model: Model | None = None,
    local: LocalModel | None = None,
) -> Record:
    record_format = forced or detect(entry.value, preferred=file_format)
    return Record(filename, entry.line, entry.raw, entry.value, record_format, file_format, model=model, local=local)


@dataclass
class Block:
    """Consecutive entries of a file: their line numbers, their cache keys, and how to get one's
    bytes and parse it (only the entries the cache does not know are ever looked at)."""

    first_position: int  # the first entry's ordinal in the file
    lines: Sequence[int]
    keys: bytes  # each entry's key (cache.key_function), joined
    keyed: Callable[
        [int], bytes
    ]  # an entry's bytes as keyed: its line ending but the final \n (a change of line ending is a change)
    entry: Callable[[int], Entry]
    offsets: Sequence[int] = ()  # JSONL: where each line starts in the file
    data: bytes | memoryview = b""  # JSONL: the block's lines as read from the file
    excerpt: Callable[[int], bytes] | None = None  # the entries' bytes, when they are not what is keyed

    def raw(self, index: int) -> bytes:
        """The entry's bytes as a finding's excerpt shows them."""
        if self.excerpt is not None:
            return self.excerpt(index)
        return self.keyed(index).removeprefix(BOM).rstrip(b"\r\n")


@dataclass
class Scan:
    """What reading a file's entries (or one range of them) gathers for the file and dataset rules."""

    records: int = 0
    unrecognised: int = 0
    first_unrecognised: tuple[int, Any] | None = None
    records_by_format: Counter[str] = field(default_factory=Counter)
    first_lines: dict[str, list[int]] = field(default_factory=dict)
    lines: array[int] = field(default_factory=lambda: array("Q"))  # every entry's line number
    offsets: array[int] = field(default_factory=lambda: array("Q"))  # JSONL: where each line starts
    digests: list[tuple[int, int, str]] = field(
        default_factory=list
    )  # FileScope.hash_bytes: (start, end, sha256) of the bytes read, in file order

    def count(self, block: Block, kinds: bytes) -> None:
        """Count a block's records from their kinds (bulk byte counts, no work per entry)."""
        self.lines.extend(block.lines)
        self.offsets.extend(block.offsets)
        self.records += len(kinds) - kinds.count(NOT_A_RECORD)
        unrecognised = kinds.count(NO_FORMAT)
        if unrecognised and self.first_unrecognised is None:
            index = kinds.find(NO_FORMAT)
            self.first_unrecognised = (block.lines[index], block.entry(index).value)
        self.unrecognised += unrecognised
        names = format_names()
        for kind in set(kinds) - {NOT_A_RECORD, NO_FORMAT}:
            name = names[kind - FIRST_FORMAT_KIND]
            self.records_by_format[name] += kinds.count(kind)
            first = self.first_lines.setdefault(name, [])
            index = -1
            while len(first) < FIRST_LINES_KEPT and (index := kinds.find(kind, index + 1)) >= 0:
                first.append(block.lines[index])

    def extend(self, later: Scan) -> None:
        """Add the scan of the range that follows this one."""
        self.records += later.records
        self.unrecognised += later.unrecognised
        self.first_unrecognised = self.first_unrecognised or later.first_unrecognised
        self.records_by_format.update(later.records_by_format)
        for name, lines in later.first_lines.items():
            self.first_lines[name] = (self.first_lines.get(name, []) + lines)[:FIRST_LINES_KEPT]
        self.lines += later.lines
        self.offsets += later.offsets
        self.digests += later.digests


Report = Callable[[Rule, int, Problem, bytes], None]  # (rule, line, problem, the entry's bytes)


def scan_blocks(
    scope: FileScope,
    blocks: Iterator[Block],
    previous: RecordCache,
    report: Report,
    advance: Callable[[int], None] | None = None,
) -> tuple[Scan, CacheWriter]:
    """Check these blocks (the entries the last run saw unchanged come from `previous`), report
    every problem, and return what the file rules need and the results to cache; `advance(n)`
    is told of the JSONL bytes done, block by block (a progress line's).

    A block's new entries wait for those of the next blocks until SUMMARY_BATCH are there (or
    PENDING_BLOCKS blocks): in a warm run a block has only a few, and the dataset rules'
    summaries cost per call."""
    writer = CacheWriter(scope.fingerprint, [rule.code for rule in scope.rules.dataset])
    by_code = {
        rule.code: rule for rule in (*scope.rules.entry, *scope.rules.record, *scope.rules.dataset)
    }  # dataset rules: a summary that failed
    scan = Scan()
    pending: list[
        tuple[Block, bytes, dict[int, int | None], list[int]]
    ] = []  # (block, its keys, its changed entries, the new ones)
    waiting = 0  # new entries in the pending blocks
    digest = hashlib.sha256() if scope.hash_bytes else None
    start = end = None  # the bytes hashed

    def check_pending() -> None:
        entries = [(number, block, index) for number, (block, _, _, new) in enumerate(pending) for index in new]
        rows = _check(scope, entries) if entries else {}
        for number, (block, keys, changed, _) in enumerate(pending):
            start = len(writer)
            for index, value in cache.update(
                previous, writer, keys, block.first_position, changed, functools.partial(_row, rows, number)
            ):
                for code, problem in cache.decode_result(value):
                    report(by_code[code], block.lines[index], problem, block.raw(index))
            scan.count(block, bytes(writer.kinds[start:]))
        if advance is not None:
            advance(sum(len(block.data) for block, *_ in pending))
        pending.clear()

    for block in blocks:
        if digest is not None and block.offsets:  # JSONL (the only launchable files)
            digest.update(block.data)
            start = block.offsets[0] if start is None else start
            end = block.offsets[0] + len(block.data)
        keys = block.keys
        changed = previous.changed(keys, block.first_position)
        new = [index for index, moved_from in changed.items() if moved_from is None]
        pending.append((block, keys, changed, new))
        waiting += len(new)
        if waiting >= SUMMARY_BATCH or len(pending) >= PENDING_BLOCKS:
            check_pending()
            waiting = 0
    check_pending()
    if digest is not None and start is not None and end is not None:  # some bytes were hashed
        scan.digests.append((start, end, digest.hexdigest()))
    return scan, writer


def _row(rows: dict[tuple[int, int], Row], number: int, index: int) -> Row:
    return rows[number, index]


def _check(scope: FileScope, entries: list[tuple[int, Block, int]]) -> dict[tuple[int, int], Row]:
    """Run the entry and record rules on these entries (number of their block, block, index in
    it), and the dataset rules' summaries; their rows by (block number, index)."""
    rules = scope.rules
    rows: dict[tuple[int, int], Row] = {}
    for chunk in (entries[i : i + SUMMARY_BATCH] for i in range(0, len(entries), SUMMARY_BATCH)):
        records: list[tuple[tuple[int, int], Record]] = []
        for number, block, index in chunk:
            entry = block.entry(index)
            try:
                problems = [(rule.code, problem) for rule in rules.entry for problem in rule.check_entry(entry)]
            except BaseException as error:
                problems = _one_by_one(error, rules.entry, lambda rule: rule.check_entry(entry))  # noqa: B023 (called at once)
            kind = NOT_A_RECORD
            if entry.kind is Kind.RECORD:
                record = scope.record(entry)
                kind = NO_FORMAT if record.format is None else _format_kinds()[record.format.name]
                try:
                    problems += [(rule.code, problem) for rule in rules.record for problem in rule.check_record(record)]
                except BaseException as error:
                    problems += _one_by_one(error, rules.record, lambda rule: rule.check_record(record))  # noqa: B023 (called at once)
                records.append(((number, index), record))
            rows[number, index] = Row(kind, cache.encode_result(problems), {})
        batch = [record for _, record in records]
        for rule in rules.dataset if batch else ():
            try:
                summaries = rule.summarize_batch(batch)
            except BaseException as error:
                summaries = _summaries_one_by_one(error, rule, records, rows)
            for (place, _), summary in zip(records, summaries, strict=True):
                rows[place].cells[rule.code] = summary
    return rows


# --- a check that fails on one record -------------------------------------------------------
# A rule that raises on one record (a RecursionError on a pathological value, a bug) must not
# end the run and lose every other finding: the record gets one finding of that rule's code
# saying so, and its other checks run. The fast path pays nothing: the rules run one by one,
# each on its own, only after something failed. FT_LINT_DEBUG=1 lets the error through.


def _is_check_failure(error: BaseException) -> bool:
    """An error of the check itself: any Exception, or a panic in a Rust extension (pyo3 raises
    PanicException, which is a BaseException), but never KeyboardInterrupt or SystemExit."""
    if os.environ.get("FT_LINT_DEBUG"):
        return False
    return isinstance(error, Exception) or type(error).__name__ == "PanicException"


def _check_failed(error: BaseException) -> Problem:
    text = " ".join(str(error).split())
    text = f": {text[:200]}{'…' * (len(text) > 200)}" if text else ""
    return Problem(
        f"this check failed on the record ({type(error).__name__}{text}), "
        "so the record was not checked for it; the other checks ran"
    )


def _one_by_one(
    error: BaseException, rules: Sequence[_SomeRule], check: Callable[[_SomeRule], Iterator[Problem]]
) -> list[tuple[str, Problem]]:
    if not _is_check_failure(error):
        raise error
    found: list[tuple[str, Problem]] = []
    for rule in rules:
        try:
            found += [(rule.code, problem) for problem in check(rule)]
        except BaseException as failure:
            if not _is_check_failure(failure):
                raise
            found.append((rule.code, _check_failed(failure)))
    return found


def _summaries_one_by_one(
    error: BaseException,
    rule: DatasetRule,
    records: list[tuple[tuple[int, int], Record]],
    rows: dict[tuple[int, int], Row],
) -> list[bytes | None]:
    """Each record's summary on its own; one that fails gets none (it is compared with no other
    record) and a finding in its row."""
    if not _is_check_failure(error):
        raise error
    summaries: list[bytes | None] = []
    for place, record in records:
        try:
            [summary] = rule.summarize_batch([record])
        except BaseException as failure:
            if not _is_check_failure(failure):
                raise
            summary = None
            row = rows[place]
            rows[place] = replace(
                row, value=cache.encode_result([*cache.decode_result(row.value), (rule.code, _check_failed(failure))])
            )
        summaries.append(summary)
    return summaries


# --- where the blocks come from -------------------------------------------------------------


def file_blocks(path: Path, key: KeyFunction) -> Iterator[Block]:
    """A whole file's blocks, keyed with `key`: a JSON array's elements as one block, JSONL
    lines in big blocks read straight from the file, or the entries of the other input kinds
    (compressed, CSV, TSV, Parquet rows) in blocks of ENTRIES_PER_BLOCK, as they are read."""
    if read_as(path) is not JSONL:  # a .json file, or another kind
        with open_data_file(path) as handle:
            array_file = read_as(path) is JSON and is_json_array(path, handle)
        if array_file or read_as(path) is not JSON:
            entries = read_entries(path)
            first = next(entries, None)  # a file that is not text is reported here, before any block
            return entry_blocks(itertools.chain([first] if first else [], entries), key)
    next(read_entries(path), None)  # a file that is not JSONL text is reported here, before any block
    return range_blocks(path, ByteRange(0, os.path.getsize(path), 1), key)


ENTRIES_PER_BLOCK = 1024  # a Parquet row can be large


def entry_blocks(entries: Iterator[Entry], key: KeyFunction) -> Iterator[Block]:
    """Entries read by the reader, in blocks. An entry is keyed as its bytes (with the file's
    byte-order mark on the first); one where reading stopped, or a line too long to hold, as its
    bytes, a \n and why (no line's bytes hold a \n, so no line shares its cached result)."""
    position = 0
    while batch := list(itertools.islice(entries, ENTRIES_PER_BLOCK)):
        keyed = [_entry_key_bytes(entry) for entry in batch]
        yield Block(
            position,
            [entry.line for entry in batch],
            b"".join(map(key, keyed)),
            keyed.__getitem__,
            batch.__getitem__,
            excerpt=[entry.raw for entry in batch].__getitem__,
        )
        position += len(batch)


def _entry_key_bytes(entry: Entry) -> bytes:
    stopped = entry.kind is Kind.BAD_ENCODING and not entry.raw  # a table's bytes that are not UTF-8
    if stopped or entry.kind in (Kind.TOO_LONG, Kind.BAD_DATA, Kind.BAD_ROW):
        return entry.raw + b"\n" + entry.detail.encode()
    return (BOM if entry.bom else b"") + entry.raw


def range_blocks(path: Path, byte_range: ByteRange, key: KeyFunction) -> Iterator[Block]:
    """The JSONL lines of a byte range in blocks, keyed with `key` (a line keeps its ending but
    the \\n; the file's byte-order mark stays on its first line, so that adding or removing it
    is a change)."""
    bom = byte_range.start == 0 and file_starts_with_bom(path)
    offset, first = byte_range.start, byte_range.first_line
    try:
        for item in read_blocks(path, byte_range):
            if isinstance(item, LongLine):
                yield _long_line_block(item, offset, first, bom, key)
                offset, first = item.end, first + 1
                continue
            data, whole = item
            starts, ends, keys = _lines_and_keys(data, whole, key)
            keyed = _line_bytes(data, starts, ends)
            offsets = array("Q", map(offset.__add__, starts))
            yield Block(
                first - 1,
                range(first, first + len(starts)),
                keys,
                keyed,
                _line_parser(keyed, first, bom),
                offsets,
                memoryview(data)[:whole],
            )
            offset += whole
            first += len(starts)
    except OSError as error:  # a file truncated or removed under us mid-read
        raise UnreadableFile(f"{path}: cannot be read: {error.strerror or error}") from None


def _long_line_block(line: LongLine, offset: int, number: int, file_has_bom: bool, key: KeyFunction) -> Block:
    """A block of the one line over MAX_RECORD_BYTES, known by its first bytes. It is keyed as
    those bytes and a \\n, which no line's bytes hold: no other line shares its cached result."""
    keyed = line.head + b"\n"
    has_bom = file_has_bom and number == 1
    entry = too_long(number, line.head[len(BOM) if has_bom else 0 :])
    entry.bom = has_bom
    return Block(
        number - 1, range(number, number + 1), key(keyed), lambda _: keyed, lambda _: entry, array("Q", [offset])
    )


def _lines_and_keys(data: bytes, whole: int, key: KeyFunction) -> tuple[list[int], list[int], bytes]:
    """Where each line of data[:whole] starts and ends (at its \\n), and the lines' keys joined.
    The warm path's loop over every line: one pass, and no line copied (a split would make a
    bytes object of every line, most of which the cache already knows)."""
    view, find = memoryview(data), data.find
    starts: list[int] = []
    ends: list[int] = []
    keys: list[bytes] = []
    start = 0
    while start < whole:
        end = find(b"\n", start, whole)
        if end < 0:  # the range's last line, without a line ending
            end = whole
        starts.append(start)
        ends.append(end)
        keys.append(key(view[start:end]))
        start = end + 1
    return starts, ends, b"".join(keys)


def _line_bytes(data: bytes, starts: list[int], ends: list[int]) -> Callable[[int], bytes]:
    return lambda index: data[starts[index] : ends[index]]


def _line_parser(keyed: Callable[[int], bytes], first: int, bom: bool) -> Callable[[int], Entry]:
    return lambda index: parse_file_line(first + index, keyed(index), bom)


def parse_file_line(number: int, line: bytes, file_has_bom: bool) -> Entry:
    """The entry of a JSONL line as read from the file (its ending and, on the first line, the
    file's byte-order mark still on it)."""
    has_bom = file_has_bom and number == 1
    entry = parse_line(number, line[len(BOM) if has_bom else 0 :].rstrip(b"\r\n"))
    entry.bom = has_bom
    return entry


def entries_at(path: Path, offsets: Sequence[int], lines: Collection[int]) -> Iterator[Entry]:
    """The entries of these lines of a JSONL file, in file order, read where the scan saw them
    start (`offsets`, per line): a seek each, no pass over the file."""
    bom = file_starts_with_bom(path)
    with open_data_file(path) as handle:
        for number in sorted(lines):
            handle.seek(offsets[number - 1])
            yield parse_file_line(
                number, handle.readline(MAX_RECORD_BYTES + 1), bom
            )  # a record the scan read: no longer, unless the file changed


def spread_entries(path: Path, count: int, max_bytes: int) -> list[Entry]:
    """Up to `count` entries from all over a file, of `max_bytes` at most (a line that does not
    fit what is left is passed over). A big JSONL file's lines are read where evenly spaced
    offsets fall, in an order whose every start is spread over the whole file (0, 1/2, 1/4,
    3/4, ...), so that a budget spent early still samples all of it; a Parquet file's rows are
    taken evenly spaced (row groups holding none are not read); other kinds are read once and
    sampled as they come (see _stride_sample), a JSON array whole, and every so many entries kept."""
    if read_as(path) is PARQUET:
        rows = parquet_row_count(path)
        kept = min(count, rows)
        return list(read_entries(path, only_lines={1 + number * rows // kept for number in range(kept)}))
    if read_as(path) not in (JSONL, JSON):
        return _stride_sample(read_entries(path), count, max_bytes)
    with open_data_file(path) as handle:
        array_file = is_json_array(path, handle)
        size = handle.seek(0, os.SEEK_END)
        if array_file or size <= max_bytes:
            entries = list(read_entries(path))
            kept = min(count, len(entries))
            return [entries[number * len(entries) // kept] for number in range(kept)]
        bits = max(count - 1, 1).bit_length()
        starts: set[int] = set()
        sample = []
        for number in sorted(range(count), key=lambda k: int(f"{k:0{bits}b}"[::-1], 2)):
            offset = size * number // count
            handle.seek(max(offset - 1, 0))
            if offset and len(handle.readline(max_bytes + 1)) > max_bytes:  # the rest of the line before the offset's
                continue
            start = handle.tell()
            line = handle.readline(max_bytes + 1)
            if start not in starts and len(line) <= max_bytes:
                starts.add(start)
                sample.append(parse_line(0, line.removeprefix(BOM).rstrip(b"\r\n")))
                max_bytes -= len(line)
        return sample


def _stride_sample(entries: Iterator[Entry], count: int, max_bytes: int) -> list[Entry]:
    """Up to `count` entries of `max_bytes` at most, spread over a stream read once (its length
    unknown until its end): every entry is kept at first, and whenever too many are, every other
    one is dropped, and only every other one of those still to come is kept."""
    kept: list[Entry] = []
    stride, used = 1, 0
    for index, entry in enumerate(entries):
        if index % stride or len(entry.raw) > max_bytes:
            continue
        kept.append(entry)
        used += len(entry.raw)
        while len(kept) > count or used > max_bytes:
            kept, stride = kept[::2], stride * 2
            used = sum(len(kept_entry.raw) for kept_entry in kept)
    return kept


# --- worker processes -----------------------------------------------------------------------


def default_jobs() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def jobs_to_use(requested: int | None) -> int:
    """Worker processes (or threads) to run at once: as many as asked (--jobs, `jobs`), but no
    more than the cores available, where more would only take turns on them, each process with
    its own memory. Capped quietly: one `jobs` serves a laptop and a two-core CI runner alike,
    and the findings are the same whatever the number."""
    cores = default_jobs()
    return min(requested, cores) if requested else cores


def worker_ranges(path: Path, jobs: int) -> list[tuple[int, int]]:
    """The byte ranges (start, end) worker processes read, a few per worker; one range (or
    none): read in this process, as are JSON files (one array, or small) and every file where
    processes cannot fork (Windows)."""
    splittable = read_as(path) is JSONL  # lines can be found from any offset
    if jobs < 2 or not splittable or "fork" not in multiprocessing.get_all_start_methods():
        return []
    try:
        if os.path.getsize(path) < PARALLEL_MIN_BYTES:
            return []
        next(read_entries(path), None)  # a file that is not JSONL text is reported here, before any worker starts
        return range_bounds(path, jobs * RANGES_PER_WORKER, MIN_RANGE_BYTES)
    except OSError:
        return []  # read in this process, which reports why it cannot be read


def _prepare(scope: FileScope) -> None:
    """Check the file's first entry here, before forking: what checking loads on first use
    (numpy, the format's schema validator, hash tables) is then shared by the workers rather
    than loaded again in each. What it finds is dropped (a worker finds it again)."""
    first = next(read_entries(scope.path), None)
    if first is not None:
        _check(scope, [(0, Block(0, [first.line], b"", lambda _: first.raw, lambda _: first), 0)])


_worker_scope: tuple[FileScope, RecordCache, Callable[[], Any]] | None = (
    None  # set in the parent just before it forks the workers
)


def _scan_range(byte_range: ByteRange, output: str) -> None:
    """A worker's scan of one range, written to a file: pickled straight to disk, the results
    are never held twice in the worker, and the parent reads them once the workers are gone."""
    if _worker_scope is None:
        raise RuntimeError("a range is scanned by a worker that _scan_in_workers forked")
    scope, previous, new_collector = _worker_scope
    collector = new_collector()
    scan, writer = scan_blocks(
        scope,
        range_blocks(scope.path, byte_range, cache.key_function(scope.fingerprint)),
        previous,
        collector.reporter(scope.filename),
    )
    with open(output, "wb") as handle:  # an OSError (a small or full temporary folder) reaches the parent as it is
        pickle.dump((scan, collector.findings, writer), handle, protocol=pickle.HIGHEST_PROTOCOL)


class WorkerDied(Exception):
    """A worker process ended without finishing its range (killed: out of memory, a signal)."""


def scan_in_workers(
    scope: FileScope,
    ranges: list[tuple[int, int]],
    jobs: int,
    previous: RecordCache,
    new_collector: Callable[[], Any],
    advance: Callable[[int], None] | None = None,
) -> tuple[Scan, list[Finding], CacheWriter] | None:
    """The same scan as `scan_blocks` over the whole file, the byte ranges (start, end) shared
    by `jobs` worker processes, joined in line order: findings, counts and results are exactly
    those of one process. `new_collector()` makes what a worker reports to (its findings are
    sent back). None when the workers' results cannot be written to the temporary folder (too
    small, full, read-only): the caller then reads the file in one process. WorkerDied when a
    worker is killed (never a wait for a range nobody reads). `advance(n)`: told of each range
    done, in order."""
    try:
        return _scan_in_workers(scope, ranges, jobs, previous, new_collector, advance)
    except OSError:  # not UnreadableFile: the data file's own errors are reported
        return None


def _scan_in_workers(
    scope: FileScope,
    ranges: list[tuple[int, int]],
    jobs: int,
    previous: RecordCache,
    new_collector: Callable[[], Any],
    advance: Callable[[int], None] | None,
) -> tuple[Scan, list[Finding], CacheWriter]:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _worker_scope
    _prepare(scope)
    _worker_scope = (scope, previous, new_collector)
    with tempfile.TemporaryDirectory(prefix="ft-lint-") as folder:
        outputs = [os.path.join(folder, f"{number}.pickle") for number in range(len(ranges))]
        try:
            # An executor, not a multiprocessing.Pool: a Pool waits forever for the range of a
            # worker that was killed. Each range is submitted as soon as the lines before it are
            # counted; the workers (forked at the first) start on the first ones meanwhile.
            with ProcessPoolExecutor(min(jobs, len(ranges)), mp_context=multiprocessing.get_context("fork")) as pool:
                done = pool.map(_scan_range, numbered_ranges(scope.path, ranges), outputs)
                for (start, end), _ in zip(ranges, done, strict=True):
                    if advance is not None:
                        advance(end - start)
        except BrokenProcessPool:
            raise WorkerDied(
                f"{scope.path}: a worker process was killed (out of memory?); --jobs 1 reads the file in one process"
            ) from None
        finally:
            _worker_scope = None
        scan, findings, writer = _load(outputs[0])
        for output in outputs[1:]:
            part, part_findings, part_writer = _load(output)
            scan.extend(part)
            findings += part_findings
            writer.extend(part_writer)
            del part_writer  # before the next part is read
    return scan, findings, writer


def _load(path: str) -> Any:
    with open(path, "rb") as handle:
        result = pickle.load(handle)
    os.remove(path)  # its disk space back before the next part is read
    return result
