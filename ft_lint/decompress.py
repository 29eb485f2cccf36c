"""Compressed files (gzip, zstd) as a stream of their decompressed bytes, bounded.

Reading is streamed: memory holds a few blocks of output whatever the file. A compressed file
is trusted no more than a plain one, so two things stop it, each raised as `StreamStopped`
(the reader turns it into one finding at the line it reached, after the lines before it):

- Expansion: a file may decompress to at most EXPANSION_RATIO (1,000) times its size, and
  always to EXPANSION_FLOOR. JSONL datasets compress 3 to 20 times with gzip -9, and up to
  190 times with zstd -19 (measured: a Bedrock training file of one repeated system prompt);
  gzip's format cannot pass 1,032 times (one byte repeated), while zstd reaches 30,000 times.
  So a compressed file costs at most what gzip's worst case costs: a 1 MB zstd file that
  would expand to 30 GB stops after 1 GB.
- Lines: at most one line per compressed byte, and always LINES_FLOOR lines. What a line
  costs is its finding, not its bytes: a blank line is 1 byte of text, and a compressed byte
  holds a thousand of them. Real records compress to 10 bytes a line or more (measured: 10.6
  with zstd -19, short repetitive records); generated ones, numbered from a template, to 1.3.
- Corrupt or truncated data: a stream that ends before its end-of-stream marker (a download
  cut short), or bytes the decompressor rejects.

zstd needs the `zstandard` package (the `zstd` extra), imported only when such a file is read.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, NoReturn

METHODS = ("gzip", "zstd")  # the input kinds' readers that decompress
EXPANSION_RATIO = 1_000
EXPANSION_FLOOR = 64 << 20  # a small file may always expand this far (a few identical records compress very well)
LINES_FLOOR = 10_000  # lines a small file may always hold
_READ_BYTES = 64 << 10  # compressed bytes read at a time
_GZIP_OUTPUT = 256 << 10  # gzip output produced per call at most
# zstd's streaming decompressor returns all the output of what it is fed: 1 KiB of input
# expands to 32 MiB at most (a 4-byte block of one repeated byte stands for 128 KiB)
_ZSTD_FEED = 1 << 10
ZSTD_MAX_WINDOW = 1 << 27  # the window zstd's own decompressor accepts by default (zstd --long=27)


class StreamStopped(Exception):
    """Reading stops here: `code` is the rule that reports it, `detail` says why."""

    def __init__(self, detail: str, code: str):
        super().__init__(detail, code)
        self.detail = detail
        self.code = code


_Decoder = Any  # zlib's or zstandard's decompressobj: `eof`, `unused_data` and `decompress`


def open_decompressed(source: BinaryIO, method: str, compressed_size: int) -> io.BufferedReader:
    """The decompressed bytes of `source` ("gzip" or "zstd"), readable a line at a time."""
    chunks = _gzip_chunks(source) if method == "gzip" else _zstd_chunks(source)
    return io.BufferedReader(_Bounded(chunks, compressed_size), buffer_size=1 << 20)


class _Bounded(io.RawIOBase):
    """Decompressed chunks as a raw stream that stops at its limits of bytes and lines."""

    def __init__(self, chunks: Iterator[bytes], compressed_size: int):
        self._chunks = chunks
        self._byte_limit = max(EXPANSION_FLOOR, EXPANSION_RATIO * compressed_size)
        self._line_limit = max(LINES_FLOOR, compressed_size)
        self._bytes = self._lines = 0
        self._chunk = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._chunk:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._bytes += len(chunk)
            self._lines += chunk.count(b"\n")
            if self._bytes > self._byte_limit:
                _expands_too_far(f"more than {self._byte_limit >> 20:,} MiB, over {EXPANSION_RATIO} times its size")
            if self._lines > self._line_limit:
                _expands_too_far(f"more than {self._line_limit:,} lines, over one per compressed byte")
            self._chunk = memoryview(chunk)
        size = min(len(buffer), len(self._chunk))
        buffer[:size] = self._chunk[:size]
        self._chunk = self._chunk[size:]
        return size


def _expands_too_far(how: str) -> NoReturn:
    raise StreamStopped(
        f"the file decompresses to {how}: no dataset compresses so well (a decompression bomb?), "
        "so reading stopped here; a dataset this repetitive can be checked decompressed",
        "FT009",
    )


def _corrupt(method: str, reason: str) -> StreamStopped:
    return StreamStopped(f"the {method} data is corrupt ({reason}); nothing after it was read", "FT003")


def _truncated(method: str) -> StreamStopped:
    return StreamStopped(
        f"the {method} data ends before its end-of-stream marker: the file is truncated "
        "(cut short in a download or a copy?); nothing after it was read",
        "FT003",
    )


Feed = Callable[[_Decoder, bytes], tuple[bytes, bytes]]


def _members(source: BinaryIO, method: str, new_decoder: Callable[[], _Decoder], feed: Feed) -> Iterator[bytes]:
    """The output of every member (gzip) or frame (zstd) of the source, one after the other.
    `feed(decoder, data)` returns (output, input it did not consume yet)."""
    decoder, started, pending = new_decoder(), False, b""
    while True:
        if not pending:
            pending = source.read(_READ_BYTES)
            if not pending:
                break
        if not started:
            pending = pending.lstrip(b"\0")  # padding after the last member, which gzip itself ignores
            if not pending:
                continue
        started = True
        output, pending = feed(decoder, pending)
        if output:
            yield output
        if decoder.eof:
            pending = decoder.unused_data + pending
            decoder, started = new_decoder(), False
    while started and (output := feed(decoder, b"")[0]):  # what the last input still holds
        yield output
    if started and not decoder.eof:
        raise _truncated(method)


def _gzip_chunks(source: BinaryIO) -> Iterator[bytes]:
    def feed(decoder: _Decoder, data: bytes) -> tuple[bytes, bytes]:
        try:
            output = decoder.decompress(data, _GZIP_OUTPUT)
        except zlib.error as error:
            raise _corrupt("gzip", str(error).removeprefix("Error -3 while decompressing data: ")) from None
        return output, b"" if decoder.eof else decoder.unconsumed_tail

    return _members(source, "gzip", lambda: zlib.decompressobj(wbits=16 + zlib.MAX_WBITS), feed)


def _zstd_chunks(source: BinaryIO) -> Iterator[bytes]:
    import zstandard  # the zstd extra, only when such a file is read

    decompressor = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)

    def feed(decoder: _Decoder, data: bytes) -> tuple[bytes, bytes]:
        try:
            output: bytes = decoder.decompress(data[:_ZSTD_FEED])
        except zstandard.ZstdError as error:
            raise _corrupt("zstd", str(error).partition("error: ")[2] or str(error)) from None
        return output, data[_ZSTD_FEED:]  # at a frame's end, the rest of the piece is its unused_data

    return _members(source, "zstd", decompressor.decompressobj, feed)
