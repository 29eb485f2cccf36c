"""Splitting a JSONL file into byte ranges for worker processes, with exact line numbers.

A range starts at the start of a line and ends just after a newline (or at the end of the
file), so no line is ever cut, whatever its ending (``\\n`` or ``\\r\\n``). Each range knows the
1-based number of its first line, counted once over the bytes before it, so the lines read
from all ranges, in range order, are exactly the file's lines with the file's line numbers.

Only JSONL is split this way; a JSON-array file is one record stream and is read whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ft_lint.reader import LONG_LINE_HEAD, MAX_RECORD_BYTES, DataFile, file_changed, file_size, open_data_file

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
    with open_data_file(path, buffering=0) as handle:
        size = file_size(handle)
        parts = max(1, min(parts, size // max(min_bytes, 1)))
        starts = [0]
        for part in range(1, parts):
            offset = size * part // parts
            if starts[-1] >= offset:  # the last search went past this cut: it found the line start after it
                continue
            start = _next_line_start(handle, offset, min(size, offset + MAX_RECORD_BYTES + 1))
            if start is not None:  # else the cut is in a line over MAX_RECORD_BYTES: no range starts there
                starts.append(start)
    return [(start, end) for start, end in zip(starts, [*starts[1:], size], strict=True) if start < end]


def numbered_ranges(path: Path, bounds: list[tuple[int, int]]) -> Iterator[ByteRange]:
    """The ranges with their first line numbers, each yielded as soon as its number is known:
    the first at once, each later one after the newlines of the one before it are counted
    (so a worker can read the first ranges while the later ones are counted)."""
    with open_data_file(path, buffering=0) as handle:
        line = 1
        for number, (start, end) in enumerate(bounds):
            if number:
                line += count_newlines(handle, bounds[number - 1][0], start)
            yield ByteRange(start, end, line)


def _next_line_start(handle: DataFile, offset: int, limit: int) -> int | None:
    """The offset of the first line that starts at or after `offset` and before `limit` (None if
    none: the search reads no further)."""
    if offset == 0:
        return 0
    position = offset - 1  # a newline just before `offset` means a line starts at `offset`
    handle.seek(position)
    while position < limit - 1:
        block = handle.read(min(_SCAN, limit - 1 - position))
        if not block:
            break
        found = block.find(b"\n")
        if found >= 0:
            return position + found + 1
        position += len(block)
    return None


def count_newlines(handle: DataFile, start: int, end: int) -> int:
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


@dataclass(frozen=True, slots=True)
class LongLine:
    """A line over MAX_RECORD_BYTES, which `read_blocks` read past without holding it."""

    head: bytes  # its first LONG_LINE_HEAD bytes
    end: int  # the offset just past it (past its \\n)


def read_blocks(path: Path, byte_range: ByteRange, block_bytes: int = _BLOCK) -> Iterator[tuple[bytes, int] | LongLine]:
    """The range's bytes in big blocks of whole lines, for the paths that touch most lines only
    in bulk (keys for the cache): (bytes read, how many of them are whole lines: up to just
    after a b"\\n", or all where the range ends); a line over MAX_RECORD_BYTES as a LongLine.

    The next read starts where the block's last whole line ended (the line cut off is read
    again, rather than every block copied to cut or join it). A line longer than a block is
    read with reads of twice the size until it fits, or until MAX_RECORD_BYTES + 1 bytes hold
    no line end: then the rest of the line is skipped. A file shorter than the range (truncated
    meanwhile) is an UnreadableFile (unbuffered, every read sees the file as it is now)."""
    with open_data_file(path, buffering=0) as handle:
        position, size = byte_range.start, block_bytes
        while position < byte_range.end:
            handle.seek(position)
            wanted = min(size, byte_range.end - position)
            block = handle.read(wanted)
            if len(block) < wanted:
                raise file_changed(path, file_size(handle))
            if len(block) > MAX_RECORD_BYTES and block.find(b"\n", 0, MAX_RECORD_BYTES + 1) < 0:
                head = block[:LONG_LINE_HEAD]
                del block  # not held while the rest of the line is skipped
                position = _past_line(path, handle, byte_range.end)
                size = block_bytes
                yield LongLine(head, position)
                continue
            whole = len(block)
            if position + len(block) < byte_range.end:
                whole = block.rfind(b"\n") + 1
                if not whole:  # no line ends in this block
                    del block
                    size = min(size * 2, MAX_RECORD_BYTES + 1)
                    continue
            position += whole
            size = block_bytes
            yield block, whole


def _past_line(path: Path, handle: DataFile, end: int) -> int:
    """The offset just past the line the handle is in (past its b"\\n"), or `end`."""
    position = handle.tell()
    buffer = bytearray(_BLOCK)
    while position < end:
        read = handle.readinto(memoryview(buffer)[: min(len(buffer), end - position)])
        if not read:
            raise file_changed(path, file_size(handle))
        found = buffer.find(b"\n", 0, read)
        if found >= 0:
            return position + found + 1
        position += read
    return end
