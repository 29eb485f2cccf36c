"""Splitting a JSONL file into byte ranges for worker processes, with exact line numbers.

A range starts at the start of a line and ends just after a newline (or at the end of the
file), so no line is ever cut, whatever its ending (``\\n`` or ``\\r\\n``). Each range knows the
1-based number of its first line, counted once over the bytes before it, so the lines read
from all ranges, in range order, are exactly the file's lines with the file's line numbers.

Only JSONL is split this way; a JSON-array file is one record stream and is read whole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

BOM = b"\xef\xbb\xbf"
MIN_RANGE_BYTES = 256 << 10  # below this (about 50 ms of checking), a worker costs more than it saves
_BLOCK = 4 << 20  # big enough that per-read costs vanish; a worker holds about three times this while splitting
_SCAN = 64 << 10  # reads while looking for the end of a line


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int  # offset of the first byte of the range's first line
    end: int  # offset just past the range's last line
    first_line: int  # 1-based line number of the line at `start`


def range_bounds(path: Path, parts: int, min_bytes: int = MIN_RANGE_BYTES) -> list[tuple[int, int]]:
    """(start, end) of at most `parts` ranges of about equal size covering the file, each
    starting at a line's start; none smaller than `min_bytes` unless the file is; none empty
    (an empty file has no ranges). Only the bytes around each cut are read."""
    size = os.path.getsize(path)
    parts = max(1, min(parts, size // max(min_bytes, 1)))
    with open(path, "rb", buffering=0) as handle:
        starts = [0]
        for part in range(1, parts):
            start = _next_line_start(handle, size * part // parts, size)
            if starts[-1] < start < size:
                starts.append(start)
    return [(start, end) for start, end in zip(starts, [*starts[1:], size]) if start < end]


def numbered_ranges(path: Path, bounds: list[tuple[int, int]]) -> Iterator[ByteRange]:
    """The ranges with their first line numbers, each yielded as soon as its number is known:
    the first at once, each later one after the newlines of the one before it are counted
    (so a worker can read the first ranges while the later ones are counted)."""
    with open(path, "rb", buffering=0) as handle:
        line = 1
        for number, (start, end) in enumerate(bounds):
            if number:
                line += count_newlines(handle, bounds[number - 1][0], start)
            yield ByteRange(start, end, line)


def _next_line_start(handle: BinaryIO, offset: int, size: int) -> int:
    """The offset of the first line that starts at or after `offset` (`size` if none)."""
    if offset == 0:
        return 0
    position = offset - 1  # a newline just before `offset` means a line starts at `offset`
    handle.seek(position)
    while position < size:
        block = handle.read(_SCAN)
        if not block:
            break
        found = block.find(b"\n")
        if found >= 0:
            return position + found + 1
        position += len(block)
    return size


def count_newlines(handle: BinaryIO, start: int, end: int) -> int:
    """The number of b"\\n" bytes in [start, end) of an open binary file (numpy counts them
    about four times as fast as bytearray.count: 500 MB in 0.12 s rather than 0.45 s)."""
    import numpy as np

    handle.seek(start)
    buffer = bytearray(min(_BLOCK, max(end - start, 0)))
    view = memoryview(buffer)
    count = 0
    remaining = end - start
    while remaining > 0:
        read = handle.readinto(view[: min(remaining, len(buffer))])
        if not read:
            break
        count += int(np.count_nonzero(np.frombuffer(buffer, dtype=np.uint8, count=read) == 10))
        remaining -= read
    return count


def read_blocks(path: Path, byte_range: ByteRange, block_bytes: int = _BLOCK) -> Iterator[tuple[bytes, int]]:
    """The range's bytes in big blocks of whole lines, for the paths that touch most lines only
    in bulk (keys for the cache): (bytes read, how many of them are whole lines: up to just
    after a b"\\n", or all where the range ends).

    The next read starts where the block's last whole line ended (the line cut off is read
    again, rather than every block copied to cut or join it). A line longer than a block is
    read with reads of twice the size until it fits."""
    with open(path, "rb") as handle:
        position, size = byte_range.start, block_bytes
        while position < byte_range.end:
            handle.seek(position)
            block = handle.read(min(size, byte_range.end - position))
            if not block:
                break
            whole = len(block)
            if position + len(block) < byte_range.end:
                whole = block.rfind(b"\n") + 1
                if not whole:  # no line ends in this block
                    size *= 2
                    continue
            position += whole
            size = block_bytes
            yield block, whole
