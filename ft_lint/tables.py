"""CSV and TSV files with a header row, as the JSON records their rows stand for.

Each row becomes the object of its cells keyed by the header's column names, in the header's
order, so that the formats' schemas and every rule check it exactly as they check a JSONL
record: columns `prompt,completion` make a prompt-completion record, `instruction,input,output`
an Alpaca one, a `messages` column holding JSON an OpenAI chat one. A header that fits no
format is reported as JSONL records of those keys are (no known format); a column the format
does not take is an unknown key (FT102), as in JSONL.

What a table cannot say as JSON does:
- A cell of a JSON column (JSON_COLUMNS) holds JSON, written into the record as it is (so a
  repeated key in it is still found); an empty one leaves the key out. Any other cell is a
  string; an empty one is "" (CSV cannot tell an empty string from a missing value).
- A row's line is the physical line where it starts, however many lines its quoted fields span.
  `parts` gives each row's bytes too (its lines, as in the file), for --write-clean's copy.
- A row with more or fewer fields than the header is no record (its cells would land under the
  wrong columns): it gets one finding, and reading goes on.
- Text is UTF-8; the byte order mark Excel writes is read past (it is no problem in a table).
  Bytes that are not UTF-8, a line over MAX_LINE_BYTES or a field over the csv module's limit
  stop reading at that line, with one finding.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import orjson

JSON_COLUMNS = frozenset({"messages", "tools", "functions", "conversations"})
BOM = b"\xef\xbb\xbf"
MAX_LINE_BYTES = 64 << 20  # as the JSONL reader's MAX_RECORD_BYTES; a row of more is no text a person wrote


@dataclass(frozen=True)
class Row:
    line: int  # where the row starts
    record: bytes = b""  # the record as JSON, with the cells of JSON columns as written
    problem: str = ""  # why the row is no record: `record` is then empty
    stops: str = ""  # why reading stops here ("encoding" or "too-long"): the last row


class _Stop(Exception):
    def __init__(self, line: int, problem: str, kind: str):
        super().__init__(problem)
        self.line, self.problem, self.kind = line, problem, kind


def parts(handle: BinaryIO, delimiter: str, with_bytes: bool) -> Iterator[tuple[Row | None, bytes]]:
    """(None, the header's bytes), then (row, the row's bytes) for each row after the header
    (blank lines skipped), as a record or a problem. The bytes are as in the file: the header's
    from the file's start (its byte order mark too) to the header's last line, a row's from its
    first line to its last, line endings included; blank lines between rows are in neither.
    Without `with_bytes` (the lint's reading), the bytes are b"" throughout."""
    if csv.field_size_limit() < MAX_LINE_BYTES:  # the module's 128 KiB default is less than a long example
        csv.field_size_limit(MAX_LINE_BYTES)
    lines = _Lines(handle, with_bytes)
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    start = 1  # where the row being read starts
    try:
        header = next((row for row in reader if row), None)
        if header is None:
            return
        yield None, lines.take()
        columns = [name.strip() for name in header]
        keys = [orjson.dumps(name) + b":" for name in columns]
        start = reader.line_num + 1
        for cells in reader:
            source = lines.take()  # a blank line's is dropped
            if cells:
                yield _row(start, columns, keys, cells, delimiter), source
            start = reader.line_num + 1
    except _Stop as stop:
        yield Row(stop.line, problem=stop.problem, stops=stop.kind), b""
    except csv.Error as error:  # a field over the limit, a NUL byte
        if "larger than field limit" in str(error):
            problem = f"the row has a cell over {MAX_LINE_BYTES >> 20} MiB: no example is so long (an unclosed quote?)"
            yield Row(start, problem=problem, stops="too-long"), b""
        else:
            yield Row(reader.line_num, problem=f"the row cannot be read: {error}", stops="encoding"), b""


def _row(line: int, columns: list[str], keys: list[bytes], cells: list[str], delimiter: str) -> Row:
    if len(cells) != len(columns):
        separator = "comma" if delimiter == "," else "tab"
        return Row(
            line,
            problem=f"the row has {len(cells)} fields and the header {len(columns)}: "
            f"a stray {separator} or an unclosed quote? Its cells cannot be matched to the columns",
        )
    parts = []
    for name, key, cell in zip(columns, keys, cells, strict=True):
        if name in JSON_COLUMNS:
            if not cell.strip():
                continue
            value = cell.encode()
            try:
                orjson.loads(value)
            except orjson.JSONDecodeError as error:
                return Row(line, problem=f"the {name} cell is not valid JSON: {error}")
            parts.append(key + value)
        else:
            parts.append(key + orjson.dumps(cell))
    return Row(line, b"{" + b",".join(parts) + b"}")


class _Lines:
    """The file's lines as text for the csv module, each with its ending (a quoted field may
    hold line breaks); with `keep`, their bytes too, held until taken."""

    def __init__(self, handle: BinaryIO, keep: bool):
        self._handle = handle
        self._number = 0
        self._kept: list[bytes] | None = [] if keep else None

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            raise StopIteration
        self._number += 1
        if len(line) > MAX_LINE_BYTES:
            raise _Stop(
                self._number, f"the line is longer than {MAX_LINE_BYTES >> 20} MiB: no row is so long", "too-long"
            )
        text = line.removeprefix(BOM) if self._number == 1 else line
        try:
            decoded = text.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise _Stop(
                self._number, f"byte 0x{text[bad.start]:02x} at column {bad.start + 1} is not valid UTF-8", "encoding"
            ) from None
        if self._kept is not None:
            self._kept.append(line)
        return decoded

    def take(self) -> bytes:
        """The bytes of the lines read since the last take (b"" without `keep`)."""
        if not self._kept:
            return b""
        taken = b"".join(self._kept)
        self._kept.clear()
        return taken
