"""FT4xx: rules that compare records with each other."""

from __future__ import annotations

import hashlib
from array import array
from typing import Any, Iterable, Iterator

import orjson

from ft_lint.edits import DeleteDuplicate
from ft_lint.findings import Location, Problem, Severity
from ft_lint.record import Record
from ft_lint.rules import Dataset, DatasetRule


DIGEST_SIZE = 16


def canonical_digest(value: Any) -> bytes:
    """The same digest for the same JSON value, whatever its key order or spacing."""
    return hashlib.blake2b(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), digest_size=DIGEST_SIZE).digest()


class DigestTable:
    """A set of digests, each with the line where it was first seen, in two flat arrays.

    Open addressing over 24-byte slots: about 50 bytes a record where a dict of bytes
    would take about 150, which matters on files of millions of records.
    """

    def __init__(self, capacity: int = 1024):
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        self.capacity = capacity  # a power of two
        self.digests = bytearray(DIGEST_SIZE * capacity)
        self.lines = array("Q", bytes(8 * capacity))  # 0: empty slot (lines start at 1)
        self.size = 0

    def add(self, digest: bytes, line: int) -> int | None:
        """None if the digest is new (it is stored with `line`), else the line stored for it."""
        if 4 * (self.size + 1) > 3 * self.capacity:
            self._grow()
        slot = self._slot(digest)
        if self.lines[slot]:
            return self.lines[slot]
        self._store(slot, digest, line)
        return None

    def _slot(self, digest: bytes) -> int:
        """The slot holding this digest, or the empty slot where it belongs."""
        mask = self.capacity - 1
        slot = int.from_bytes(digest[:8], "little") & mask
        while self.lines[slot] and _digest_at(self.digests, slot) != digest:
            slot = (slot + 1) & mask
        return slot

    def _store(self, slot: int, digest: bytes, line: int) -> None:
        self.digests[slot * DIGEST_SIZE : (slot + 1) * DIGEST_SIZE] = digest
        self.lines[slot] = line
        self.size += 1

    def _grow(self) -> None:
        digests, lines = self.digests, self.lines
        self._allocate(self.capacity * 2)
        for slot, line in enumerate(lines):
            if line:
                digest = _digest_at(digests, slot)
                self._store(self._slot(digest), digest, line)


def _digest_at(digests: bytearray, slot: int) -> bytes:
    return bytes(digests[slot * DIGEST_SIZE : (slot + 1) * DIGEST_SIZE])


class DuplicateExample(DatasetRule):
    """The same example again in one file (key order and JSON spacing ignored).

    Why: a copy weighs its example twice: the model over-learns it, and you pay for it
    twice. The finding sits on each later copy, with the first copy in `related`.

    Example (flagged): line 9 is {"messages": [...]} and line 3 is the same record
    with its keys in another order.
    Fix: delete the later copies (`ft-lint check --fix` keeps the first).
    """

    code = "FT401"
    name = "duplicate-example"
    severity = Severity.WARNING
    fixable = True

    def summarize(self, record: Record) -> bytes:
        return canonical_digest(record.value)

    def check_dataset(self, items: Iterable[tuple[Location, bytes]], dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        seen, filename = DigestTable(), None
        for location, digest in items:
            if location.filename != filename:  # duplicates are looked for within one file
                seen, filename = DigestTable(), location.filename
            first = seen.add(digest, location.line)
            if first is not None:
                yield location, Problem(
                    f"duplicate of the example at line {first}",
                    related=(Location(location.filename, first),),
                    fix="delete this copy (the first is kept)",
                    edit=DeleteDuplicate(first),
                )
