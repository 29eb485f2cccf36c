"""Streaming reader: turns a file into entries, one per line (JSONL) or per element (JSON array).

Memory stays flat for JSONL: one line is held at a time, and a line longer than
MAX_RECORD_BYTES is never held: it becomes a TOO_LONG entry with its first bytes, and reading
skips past the rest. A `.json` file holding an array is parsed whole (such files are small by
nature; JSONL is the streaming format), up to MAX_ARRAY_FILE_BYTES.

Only regular files are read (see `open_data_file`), and a file whose size changes while it is
read is an error (`file_changed`): its findings would describe no version of it.
"""

from __future__ import annotations

import ast
import enum
import io
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Collection, Container, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

import orjson

from ft_lint import parquet_rows, tables
from ft_lint.decompress import StreamStopped, open_decompressed
from ft_lint.input_kinds import PARQUET, InputKind, read_as

BOM = b"\xef\xbb\xbf"
_PY_DICT_HINT_LIMIT = 1 << 20  # don't try literal_eval on huge lines
# orjson parses 1,024 levels, but schema validation and serialising stop working near 200
MAX_DEPTH = 128
# The longest line read as a record (FT009 reports longer ones). No example needs this many bytes
# of text (the longest context any model in models.toml trains on, 131,072 tokens, is a few MB);
# such a line is a file written without line breaks, not text, or a record of many large embedded
# images. Longer lines are streamed past, never held.
MAX_RECORD_BYTES = 64 << 20
LONG_LINE_HEAD = 16 << 10  # bytes kept of a line over MAX_RECORD_BYTES, for its finding's excerpt
# A JSON array is parsed whole (about three times its size in memory): larger ones are not read.
MAX_ARRAY_FILE_BYTES = 256 << 20
_SIGNIFICANT_BYTE_SCAN = 1 << 20  # how far `is_json_array` looks for the first non-blank byte
_SKIP_BYTES = 1 << 20  # reads while skipping past a line over MAX_RECORD_BYTES


class Kind(enum.Enum):
    RECORD = "record"
    BLANK = "blank"
    BAD_ENCODING = "bad-encoding"
    BAD_JSON = "bad-json"
    NOT_OBJECT = "not-object"
    TOO_LONG = "too-long"  # a line over MAX_RECORD_BYTES: raw holds its first LONG_LINE_HEAD bytes
    # (or, with a detail, a compressed file that expands too far: reading stopped there)
    BAD_DATA = "bad-data"  # compressed data that is corrupt or truncated: reading stopped there
    BAD_ROW = "bad-row"  # a CSV or TSV row that is no record (its fields do not match the header)


@dataclass(slots=True)
class Entry:
    line: int  # 1-based line where the record starts
    kind: Kind
    raw: bytes  # the record's bytes, without line ending
    value: Any = None  # the parsed JSON value (RECORD and NOT_OBJECT)
    detail: str = ""  # what went wrong, for the rules that report it
    bom: bool = False  # the file starts with a UTF-8 byte order mark (first entry only)


class UnreadableFile(Exception):
    """The file cannot be read at all (a usage error when the user named it)."""


def file_changed(path: Path, size: int) -> UnreadableFile:
    """The error for a file whose size changed while it was read (written to, or truncated)."""
    return UnreadableFile(
        f"{path}: changed while it was being read (it is now {size:,} bytes); lint it once it is written"
    )


class WholeFileProblem(Exception):
    """The file as a whole is not JSONL text (gzip, UTF-16, binary), or too big to read: one
    finding, no records."""

    def __init__(self, message: str, code: str = "FT003"):  # by default reported as invalid-encoding
        super().__init__(message, code)  # both, so that it pickles whole
        self.message = message
        self.code = code


_NOT_REGULAR = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular_reason(mode: int) -> str | None:
    """Why a file of this st_mode is not read (None: a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory"
    kind = next((name for test, name in _NOT_REGULAR if test(mode)), "a special file")
    return f"is {kind}, not a regular file"


# What `open_data_file` returns: buffered, or raw with buffering=0; both have readinto.
DataFile = io.BufferedReader | io.FileIO


def open_data_file(path: Path, buffering: int = -1) -> DataFile:
    """`path` opened for reading, if it is a regular file (else UnreadableFile, one line).

    A FIFO or socket would wait for a writer and a device may never end (/dev/zero), so the
    type is checked before opening (opening a device can have effects of its own), and again on
    what was opened: a file swapped for a FIFO in between is refused, and O_NONBLOCK keeps that
    open from waiting for a writer (on a regular file the flag changes nothing)."""
    try:
        reason = not_regular_reason(os.stat(path).st_mode)
        if reason:
            raise UnreadableFile(f"{path}: {reason}")
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise UnreadableFile(f"{path}: {error.strerror or error}") from None
    try:
        reason = not_regular_reason(os.fstat(descriptor).st_mode)
        if reason:
            raise UnreadableFile(f"{path}: {reason}")
        return cast("DataFile", os.fdopen(descriptor, "rb", buffering=buffering))
    except BaseException:
        os.close(descriptor)
        raise


def file_size(handle: BinaryIO) -> int:
    return os.fstat(handle.fileno()).st_size


def _check_unchanged(path: Path, handle: BinaryIO, size: int, read_to: int) -> None:
    """An error unless the file read up to `read_to` is still `size` bytes long, as it was
    when it was opened: a file truncated or appended to meanwhile has no findings of its own."""
    now = file_size(handle)
    if read_to != size or now != size:
        raise file_changed(path, now)


def read_entries(path: Path, only_lines: Collection[int] | None = None) -> Iterator[Entry]:
    """Every entry of the file; with `only_lines`, JSONL lines (Parquet rows, by their 1-based
    position) not listed are skipped unparsed. Read to its end, a file whose size changed
    meanwhile is an UnreadableFile."""
    kind = read_as(path)
    if kind is PARQUET:
        yield from parquet_entries(path, only_lines)
        return
    if kind.reader != "jsonl":
        yield from _read_other(path, kind, only_lines)
        return
    with open_data_file(path) as handle:
        try:
            size = file_size(handle)
            reason = non_text_reason(handle.read(4))
            if reason:
                raise WholeFileProblem(reason)
            handle.seek(0)
            if is_json_array(path, handle):
                if size > MAX_ARRAY_FILE_BYTES:
                    raise WholeFileProblem(_array_too_big(size), code="FT009")
                handle.seek(0)
                data = handle.read(size + 1)
                _check_unchanged(path, handle, size, len(data))
                yield from _array_entries(data)
            else:
                handle.seek(0)
                yield from _jsonl_entries(handle, only_lines)
                _check_unchanged(path, handle, size, handle.tell())
        except OSError as error:  # an I/O error mid-read
            raise UnreadableFile(f"{path}: cannot be read: {error.strerror or error}") from None


def _read_other(path: Path, kind: InputKind, only_lines: Container[int] | None) -> Iterator[Entry]:
    """The entries of a compressed JSONL file, or of a CSV or TSV file's rows."""
    if kind.lacks_reader():
        raise UnreadableFile(f"{path}: {kind.missing_reader}")
    with open_data_file(path) as handle:
        try:
            size = file_size(handle)
            if kind.reader in ("csv", "tsv"):
                yield from (row_entry(row) for row, _ in table_parts(handle, kind, with_bytes=False) if row is not None)
            else:
                stream = open_decompressed(handle, kind.reader, size)
                yield from _decompressed_entries(stream, only_lines)
            _check_unchanged(path, handle, size, size)  # read to its end, or stopped where an entry says
        except OSError as error:  # an I/O error mid-read
            raise UnreadableFile(f"{path}: cannot be read: {error.strerror or error}") from None


def _decompressed_entries(stream: io.BufferedReader, only_lines: Container[int] | None) -> Iterator[Entry]:
    """A compressed file's lines, numbered as in the plain file; where the data stops (corrupt,
    truncated, or expanding too far), one entry saying so at the line it reached, and no more."""
    try:
        reason = non_text_reason(stream.peek(4)[:4])
    except StreamStopped as stopped:
        yield stopped_entry(1, stopped)
        return
    if reason:
        raise WholeFileProblem(f"decompressed, it is no JSONL text: {reason}")
    yield from _jsonl_entries(stream, only_lines, skip_long_first=True)


def table_parts(handle: BinaryIO, kind: InputKind, with_bytes: bool) -> Iterator[tuple[tables.Row | None, bytes]]:
    """A CSV or TSV file's header and rows (see tables.parts); one that is no text is a WholeFileProblem."""
    reason = non_text_reason(handle.read(4))
    if reason:
        raise WholeFileProblem(reason)
    handle.seek(0)
    return tables.parts(handle, "," if kind.reader == "csv" else "\t", with_bytes)


def row_entry(row: tables.Row) -> Entry:
    """A table's row as the entry a JSONL line of its record would be."""
    if row.stops:
        kind = Kind.TOO_LONG if row.stops == "too-long" else Kind.BAD_ENCODING
        return Entry(row.line, kind, b"", detail=row.problem)
    if row.problem:
        return Entry(row.line, Kind.BAD_ROW, b"", detail=row.problem)
    return parse_line(row.line, row.record)


def stopped_entry(number: int, stopped: StreamStopped) -> Entry:
    """The entry where reading stopped (see decompress.StreamStopped)."""
    return Entry(number, Kind.TOO_LONG if stopped.code == "FT009" else Kind.BAD_DATA, b"", detail=stopped.detail)


def parquet_entries(path: Path, only_lines: Collection[int] | None = None) -> Iterator[Entry]:
    """A Parquet file's rows as entries: row N (0-based) is the entry at position N + 1, which
    findings show as `row N` (see ft_lint.parquet_rows for how a row becomes a record)."""
    wanted = None if only_lines is None else frozenset(line - 1 for line in only_lines)
    with open_data_file(path) as handle:
        size = file_size(handle)
        try:
            for row in parquet_rows.rows(handle, wanted, MAX_RECORD_BYTES):
                if row.value is None:
                    yield Entry(row.index + 1, Kind.TOO_LONG, b"", detail=_ROW_TOO_BIG)
                else:
                    yield Entry(row.index + 1, Kind.RECORD, row.raw, row.value)
        except parquet_rows.MissingExtra:
            raise UnreadableFile(f"{path}: {PARQUET.missing_reader}") from None
        except parquet_rows.BrokenParquet as problem:
            raise WholeFileProblem(problem.message, problem.code) from None
        except OSError as error:
            raise UnreadableFile(f"{path}: cannot be read: {error.strerror or error}") from None
        _check_unchanged(path, handle, size, size)


def parquet_row_count(path: Path) -> int:
    """The rows of a Parquet file, by its footer (0 for one that cannot be read: reading it says why)."""
    with open_data_file(path) as handle:
        try:
            return parquet_rows.row_count(handle)
        except (parquet_rows.MissingExtra, parquet_rows.BrokenParquet):
            return 0


_ROW_TOO_BIG = (
    f"row holds more than {MAX_RECORD_BYTES >> 20} MiB of data, the most ft-lint reads as one record:"
    " it was read past, and nothing in it was checked"
)


def _array_too_big(size: int) -> str:
    return (
        f"the file is one JSON array of {size:,} bytes, "
        f"more than the {MAX_ARRAY_FILE_BYTES >> 20} MiB ft-lint parses whole; "
        "write the records as JSONL (one per line), which is read a line at a time"
    )


def is_json_array(path: Path, handle: BinaryIO) -> bool:
    """A `.json` file holding an array of records (else the file is read as JSONL)."""
    return path.suffix.lower() == ".json" and _first_significant_byte(handle) == b"["


def non_text_reason(head: bytes) -> str | None:
    """Why a file whose first 4 bytes are these is no JSONL text at all (else None)."""
    if head.startswith(b"\x1f\x8b\x08"):  # gzip magic and its only compression method
        return (
            "file is gzip-compressed; decompress it (gunzip) before uploading, or name it .jsonl.gz to lint it as it is"
        )
    if _looks_like_utf16(head):
        return "file is UTF-16 encoded; re-save it as UTF-8"
    if head == b"\x00" * 4:  # no text starts so; a sparse or preallocated file that was never written does
        return (
            "file starts with NUL bytes: it is binary, or space that was never written "
            "(a sparse or preallocated file), not JSONL text"
        )
    return None


def _looks_like_utf16(head: bytes) -> bool:
    """UTF-16, with or without a byte order mark: its first characters (a BOM, then `{`,
    `[` or a line break) are ASCII, so every other byte is zero."""
    if len(head) < 4:
        return False
    little = head[0] != 0 and head[1] == 0 and head[2] != 0 and head[3] == 0
    big = head[0] == 0 and head[1] != 0 and head[2] == 0 and head[3] != 0
    with_bom = (head[:2] == b"\xff\xfe" and head[3] == 0) or (head[:2] == b"\xfe\xff" and head[2] == 0)
    return little or big or with_bom


def _first_significant_byte(handle: BinaryIO) -> bytes:
    """The first byte that is not blank or a BOM, within the first _SIGNIFICANT_BYTE_SCAN bytes
    (a file of nothing but blanks is read as JSONL: a blank line, or one too long)."""
    for _ in range(_SIGNIFICANT_BYTE_SCAN // 4096):
        chunk = handle.read(4096)
        if not chunk:
            break
        stripped = chunk.lstrip(b" \t\r\n" + BOM)
        if stripped:
            return stripped[:1]
    return b""


def _jsonl_entries(
    handle: BinaryIO, only_lines: Container[int] | None = None, skip_long_first: bool = False
) -> Iterator[Entry]:
    number = 0
    try:
        for number, (raw, whole) in enumerate(bounded_lines(handle, skip_long_first), start=1):
            if only_lines is not None and number not in only_lines:
                continue
            bom = number == 1 and raw.startswith(BOM)
            if bom:
                raw = raw[len(BOM) :]
            entry = parse_line(number, raw.rstrip(b"\r\n")) if whole else too_long(number, raw)
            entry.bom = bom
            yield entry
    except StreamStopped as stopped:  # a decompressed stream: while reading the line after `number`
        yield stopped_entry(number + 1, stopped)


def bounded_lines(handle: BinaryIO, skip_long_first: bool = False) -> Iterator[tuple[bytes, bool]]:
    """(line, True) for each line of the file up to MAX_RECORD_BYTES long (with its ending);
    (its first LONG_LINE_HEAD bytes, False) for a longer one, whose rest is skipped without
    being held: after the caller had the entry (asking for a file's first entry stays cheap),
    or, with `skip_long_first`, before (a decompressed stream may stop in it: then that is the
    one entry of the line)."""
    while line := handle.readline(MAX_RECORD_BYTES + 1):
        if len(line) <= MAX_RECORD_BYTES or line.endswith(b"\n"):
            yield line, True
            continue
        head = line[:LONG_LINE_HEAD]
        del line  # not held while the caller works on the entry
        if not skip_long_first:
            yield head, False
        while (rest := handle.readline(_SKIP_BYTES)) and not rest.endswith(b"\n"):
            pass
        if skip_long_first:
            yield head, False


def too_long(number: int, head: bytes) -> Entry:
    """The entry of a line over MAX_RECORD_BYTES, of which `head` was read."""
    return Entry(number, Kind.TOO_LONG, head.rstrip(b"\r\n"))


def file_starts_with_bom(path: Path) -> bool:
    with open_data_file(path) as handle:
        return handle.read(len(BOM)) == BOM


def parse_line(number: int, raw: bytes) -> Entry:
    """One JSONL line to an entry; never raises."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return _diagnose(number, raw, error)
    except RecursionError:  # orjson raises this for very deep nesting
        return Entry(number, Kind.BAD_JSON, raw, detail="nesting is too deep to parse")
    if _nested_deeper_than(MAX_DEPTH, raw, value):
        detail = (
            f"nesting is deeper than {MAX_DEPTH} levels, more than ft-lint checks (no fine-tuning record nests so deep)"
        )
        return Entry(number, Kind.BAD_JSON, raw, detail=detail)
    if not isinstance(value, dict):
        return Entry(number, Kind.NOT_OBJECT, raw, value)
    return Entry(number, Kind.RECORD, raw, value)


def _nested_deeper_than(limit: int, raw: bytes, value: Any) -> bool:
    if raw.count(b"[") + raw.count(b"{") <= limit:  # brackets in strings count too: an upper bound
        return False
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack += [(child, depth + 1) for child in children if isinstance(child, (dict, list))]
    return False


def _diagnose(number: int, raw: bytes, error: Exception) -> Entry:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return Entry(
            number,
            Kind.BAD_ENCODING,
            raw,
            detail=f"byte 0x{raw[bad.start]:02x} at column {bad.start + 1} is not valid UTF-8",
        )
    if not text.strip():
        return Entry(number, Kind.BLANK, raw)
    message, column = _split_position(str(error))
    if "surrogate" in message:
        detail = (
            f"the \\u escape at column {column} is a lone surrogate (half of a UTF-16 pair): "
            "it stands for no character, so the text cannot be encoded as UTF-8"
        )
        return Entry(number, Kind.BAD_ENCODING, raw, detail=detail)
    return Entry(number, Kind.BAD_JSON, raw, detail=_json_error_detail(text, message, column))


_ORJSON_POSITION = re.compile(r": line \d+ column (\d+) \(char \d+\)$")


def _split_position(message: str) -> tuple[str, str]:
    found = _ORJSON_POSITION.search(message)
    return (message[: found.start()], found.group(1)) if found else (message, "")


def _json_error_detail(text: str, message: str, column: str) -> str:
    detail = message + (f" at column {column}" if column else "")
    if "\x00" in text:
        detail += f"; the line holds a NUL byte at column {text.index(chr(0)) + 1}: the file may be binary or UTF-16"
    elif "NaN" in text or "Infinity" in text:
        detail += "; NaN and Infinity are not JSON numbers"
    elif _looks_like_python_literal(text):
        detail += "; this looks like a Python dict written with str() or print(): write each record with json.dumps()"
    return detail


def _looks_like_python_literal(text: str) -> bool:
    stripped = text.strip()
    if len(stripped) > _PY_DICT_HINT_LIMIT or not stripped.startswith("{") or _is_lenient_json(stripped):
        return False
    try:
        return isinstance(ast.literal_eval(stripped), dict)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return False


def _is_lenient_json(text: str) -> bool:
    """JSON that orjson refuses but Python's json reads (a lone surrogate, a number beyond
    float range): it is JSON, so no Python-dict hint, however it literal_evals."""
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _array_entries(data: bytes) -> Iterator[Entry]:
    """Elements of a top-level JSON array, each with the line where it starts.

    The json module only finds where each element ends; its value is parsed again by
    `parse_line`, so an element is judged exactly like a JSONL line (NaN, Infinity and
    lone surrogates, which the json module accepts, are rejected the same way).
    """
    bom = data.startswith(BOM)
    if bom:
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data.count(b"\n", 0, bad.start) + 1
        yield Entry(line, Kind.BAD_ENCODING, b"", detail=f"byte 0x{data[bad.start]:02x} is not valid UTF-8")
        return
    decoder = json.JSONDecoder()
    line, counted_to = 1, 0

    def line_at(position: int) -> int:
        nonlocal line, counted_to
        line += text.count("\n", counted_to, position)
        counted_to = position
        return line

    def broken(position: int, detail: str) -> Entry:
        return Entry(line_at(position), Kind.BAD_JSON, b"", detail=detail)

    position = _skip_space(text, text.index("[") + 1)
    if text.startswith("]", position):
        position += 1
    else:
        while True:
            start = position
            try:
                _, end = decoder.raw_decode(text, start)
            except json.JSONDecodeError as error:
                yield broken(error.pos, error.msg)
                return
            except RecursionError:
                yield broken(start, "nesting is too deep to parse")
                return
            entry = parse_line(line_at(start), text[start:end].encode("utf-8"))
            entry.bom, bom = bom, False
            yield entry
            position = _skip_space(text, end)
            if text.startswith("]", position):
                position += 1
                break
            if not text.startswith(",", position):
                yield broken(position, "expected ',' or ']' after an array element")
                return
            position = _skip_space(text, position + 1)
            if text.startswith("]", position):
                yield broken(position, "trailing comma before ']' (JSON allows none)")
                return
    position = _skip_space(text, position)
    if position < len(text):
        yield broken(position, "unexpected text after the array's closing ']'")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


# A key ends with `"` then `:`; counting these in the raw line and in the parsed value
# re-serialised proves duplicates cheaply (strings holding `":` count the same in both).
_SPACED_KEY_END = re.compile(rb'"[ \t\r\n]+:')


def _key_ends(data: bytes) -> int:
    return data.count(b'":') + len(_SPACED_KEY_END.findall(data))


class _Object(dict[str, Any]):
    """A parsed object that remembers its repeated keys."""

    __slots__ = ("repeated",)

    def __init__(self, pairs: list[tuple[str, Any]]):
        super().__init__(pairs)
        self.repeated = (
            {k: n for k, n in Counter(k for k, _ in pairs).items() if n > 1} if len(self) < len(pairs) else {}
        )


def duplicate_keys(raw: bytes, value: Any) -> list[tuple[tuple[str | int, ...], str | None, int]]:
    """(path of the object, key, times) for every repeated key; [] in the common case, fast.

    The raw line has more key ends than its parsed value only when keys repeat; then the
    line is parsed again keeping every pair, to say which key and where.
    """
    dumped = orjson.dumps(value)
    if raw == dumped or _key_ends(raw) <= _key_ends(dumped):  # a line written compactly by orjson is its own proof
        return []
    try:
        parsed = json.loads(raw, object_pairs_hook=_Object)
    except (ValueError, RecursionError):
        return [((), None, 2)]
    found = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), parsed)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, _Object):
            found += [(path, key, times) for key, times in node.repeated.items()]
            stack += [((*path, key), child) for key, child in node.items()]
        elif isinstance(node, list):
            stack += [((*path, i), child) for i, child in enumerate(node)]
    return sorted(found, key=lambda item: (len(item[0]), [str(p) for p in item[0]]))
