"""Byte ranges for workers: every line read once, in order, with the file's own line numbers."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from unittest import mock

import pytest
import xxhash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ft_lint import chunking, scanning
from ft_lint.chunking import BOM, MIN_RANGE_BYTES, ByteRange, count_newlines, numbered_ranges, range_bounds, read_blocks

# Lines made of the bytes that matter: line endings, a stray \r, BOM bytes, JSON-ish text.
_line = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")) | st.sampled_from(
    [b"", b"\r", b"{}", BOM, b"\xef", b" "]
)
_ending = st.sampled_from([b"\n", b"\r\n"])
_files = st.builds(
    lambda lines, endings, final, bom: (
        (BOM if bom else b"") + b"".join(line + ending for line, ending in zip(lines, endings, strict=False)) + final
    ),
    st.lists(_line, max_size=60),
    st.lists(_ending, min_size=60, max_size=60),
    _line,  # a last line with no newline (or nothing)
    st.booleans(),
)


def split_ranges(path: Path, parts: int, min_bytes: int = MIN_RANGE_BYTES) -> list[ByteRange]:
    return list(numbered_ranges(path, range_bounds(path, parts, min_bytes)))


def _whole(path: Path) -> list[tuple[int, bytes]]:
    with path.open("rb") as handle:
        lines = list(enumerate(handle, start=1))
    if lines and lines[0][1].startswith(BOM):
        lines[0] = (1, lines[0][1][len(BOM) :])
    return lines


def read_lines(path: Path, byte_range: ByteRange) -> list[tuple[int, bytes]]:
    """(line number, line) for the lines a range says it holds, read plainly: from its start,
    numbered from its first line, up to its end (the file's byte-order mark dropped)."""
    with path.open("rb") as handle:
        handle.seek(byte_range.start)
        data = handle.read(byte_range.end - byte_range.start)
    lines = list(enumerate(io.BytesIO(data), start=byte_range.first_line))  # split at \n only, endings kept
    if byte_range.start == 0 and lines and lines[0][1].startswith(BOM):
        lines[0] = (lines[0][0], lines[0][1][len(BOM) :])
    return lines


def _by_ranges(path: Path, ranges: list[ByteRange]) -> list[tuple[int, bytes]]:
    return [item for byte_range in ranges for item in read_lines(path, byte_range)]


def _by_blocks(path: Path, ranges: list[ByteRange], block_bytes: int) -> list[tuple[int, bytes]]:
    """(line number, line as keyed) from the scan's blocks, checking the blocks' keys on the way."""
    key = functools.partial(xxhash.xxh3_128_digest, seed=1)
    lines = []
    with mock.patch.object(
        scanning, "read_blocks", lambda path, byte_range: read_blocks(path, byte_range, block_bytes)
    ):
        for r in ranges:
            blocks = list(read_blocks(path, r, block_bytes))
            assert b"".join(block[:whole] for block, whole in blocks) == path.read_bytes()[r.start : r.end]
            assert all(block[:whole].endswith(b"\n") for block, whole in blocks[:-1])  # whole lines only
            for block in scanning.range_blocks(path, r, key):
                keyed = [block.keyed(index) for index in range(len(block.lines))]
                assert block.keys == b"".join(map(key, keyed))
                assert [
                    path.read_bytes()[offset : offset + len(line)]
                    for offset, line in zip(block.offsets, keyed, strict=True)
                ] == keyed
                lines += zip(block.lines, keyed, strict=True)
    return lines


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_files, parts=st.integers(1, 9), min_bytes=st.integers(1, 50), block_bytes=st.integers(1, 64))
def test_ranges_read_back_the_whole_file_with_exact_line_numbers(tmp_path, data, parts, min_bytes, block_bytes):
    path = tmp_path / "data.jsonl"
    path.write_bytes(data)
    ranges = split_ranges(path, parts, min_bytes=min_bytes)

    assert _by_ranges(path, ranges) == _whole(path)
    assert _by_blocks(path, ranges, block_bytes) == [
        (n, (BOM if n == 1 and data.startswith(BOM) else b"") + line.removesuffix(b"\n")) for n, line in _whole(path)
    ]
    assert len(ranges) <= parts
    assert [r.start for r in ranges[1:]] == [r.end for r in ranges[:-1]]  # contiguous
    if data:
        assert ranges[0].start == 0 and ranges[-1].end == len(data)
    assert all(r.end > r.start for r in ranges)
    assert all(data[r.start - 1 : r.start] == b"\n" for r in ranges[1:])  # no line is cut


def test_file_is_split_evenly_on_line_starts(tmp_path):
    path = tmp_path / "data.jsonl"
    data = b"".join(b'{"n": %d}\r\n' % i for i in range(10_000))
    path.write_bytes(data)
    ranges = split_ranges(path, 4, min_bytes=1)
    sizes = [r.end - r.start for r in ranges]
    assert len(ranges) == 4
    assert max(sizes) - min(sizes) < 40
    assert [r.first_line for r in ranges] == [data[: r.start].count(b"\n") + 1 for r in ranges]
    numbers = [n for r in ranges for n, _ in read_lines(path, r)]
    assert numbers == list(range(1, 10_001))


def test_small_file_is_one_range(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"{}\n" * 100)
    assert split_ranges(path, 8) == [ByteRange(0, 300, 1)]


def test_empty_file_has_no_ranges(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert split_ranges(path, 4, min_bytes=1) == []


def test_one_huge_line_is_never_cut(tmp_path):
    path = tmp_path / "huge.jsonl"
    huge = b'{"text": "' + b"x" * 300_000 + b'"}'
    path.write_bytes(b"{}\n" + huge + b"\n{}")
    ranges = split_ranges(path, 8, min_bytes=1)
    lines = _by_ranges(path, ranges)
    assert lines == [(1, b"{}\n"), (2, huge + b"\n"), (3, b"{}")]


def test_bom_is_dropped_only_at_the_start_of_the_file(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(BOM + b"{}\n" + BOM + b"{}\n")
    ranges = split_ranges(path, 2, min_bytes=1)
    assert len(ranges) == 2
    assert _by_ranges(path, ranges) == [(1, b"{}\n"), (2, BOM + b"{}\n")]


def test_each_range_is_given_before_the_lines_after_it_are_counted(tmp_path, monkeypatch):
    """A worker starts on the first range while the parent counts the lines of the others."""
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"{}\n" * 1_000)
    counted = []
    monkeypatch.setattr(chunking, "count_newlines", lambda handle, start, end: counted.append((start, end)) or 100)
    ranges = numbered_ranges(path, range_bounds(path, 3, min_bytes=1))
    assert next(ranges) == ByteRange(0, 1002, 1) and counted == []
    assert next(ranges) == ByteRange(1002, 2001, 101) and counted == [(0, 1002)]
    assert next(ranges).first_line == 201 and counted == [(0, 1002), (1002, 2001)]


@pytest.mark.parametrize(("start", "end"), [(0, 0), (0, 7), (3, 20), (5, 6)])
def test_count_newlines_in_a_span(tmp_path, start, end):
    path = tmp_path / "data"
    data = b"a\nb\n\n\ncc\r\nd\n" * 2
    path.write_bytes(data)
    with path.open("rb") as handle:
        assert count_newlines(handle, start, end) == data[start:end].count(b"\n")
