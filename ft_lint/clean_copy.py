"""--write-clean OUT: a copy of one data file holding only the records that passed, so a model
can be trained on them while the rest is fixed.

A record is left out when a finding at or above the failing severity is at its line (a pair
rule's finding is at the later copy, so the first copy stays). Findings about the file as a
whole (FT005 too large, FT006 too few examples, FT007 mixed formats, FT304, FT305) leave every
record in, and are named once the copy is written; a finding that stands for every line (a file
in another shape altogether) leaves every record out. Lines that are not records (blank, broken
JSON) are never copied. What is copied is the original bytes: each kept line with its own line
ending, and the byte order mark unless FT010 fails; a JSON array's kept elements as written, in
an array of their own (their text may span lines, which JSONL cannot hold); a Parquet file's kept
rows as Parquet, with its schema and compression. A compressed file (.jsonl.gz, .jsonl.zst) is
copied compressed the same way, its kept lines as they decompress. A CSV or TSV file's copy is its
header as written, then each kept row's lines as written (a quoted cell may span lines), so its
quoting, delimiter, line endings and byte order mark stay.

Only one file: the clean copy of several would need OUT to mirror their folders (two inputs
named `train.jsonl` in different folders would collide), and a provider trains on one file.

OUT is written safely: never over an input (the rules of `-o`), and through a temporary file in
its folder, made before the lint (a folder that cannot be written fails at once) and renamed
over OUT once complete, so OUT is never half written.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from ft_lint import parquet_rows
from ft_lint.decompress import METHODS, StreamStopped, open_decompressed
from ft_lint.errors import UsageError
from ft_lint.files import display_name
from ft_lint.findings import Finding, Scope, Severity
from ft_lint.input_kinds import CSV, PARQUET, TSV, InputKind, read_as
from ft_lint.reader import (
    BOM,
    Kind,
    UnreadableFile,
    WholeFileProblem,
    bounded_lines,
    file_size,
    is_json_array,
    open_data_file,
    parse_line,
    read_entries,
    row_entry,
    table_parts,
)

BYTE_ORDER_MARK_CODE = "FT010"
ARRAY_HEAD_BYTES = 1 << 16  # of a JSON array read to see its line endings (CRLF or LF)


@dataclass
class Copied:
    """What a clean copy holds."""

    kept: int  # records written
    records: int  # records in the file
    file_findings: list[str]  # the codes of the failing findings about the file as a whole


def source_file(files: list[Path], validation: Path | None) -> Path:
    """The one data file to copy: the files linted, less the --validation file."""
    sources = [path for path in files if validation is None or path.resolve() != validation.resolve()]
    if len(sources) != 1:
        named = ", ".join(map(display_name, sources[:5])) + (", ..." if len(sources) > 5 else "")
        raise UsageError(
            f"--write-clean copies one data file; the paths hold {len(sources)}"
            + (f" ({named})" if sources else "")
            + ": name one file (and --validation for its pair)"
        )
    return sources[0]


def _compressing(handle: BinaryIO, method: str) -> BinaryIO:
    """A writer compressing into `handle` as the source was ("gzip" or "zstd"); closing it leaves `handle` open."""
    if method == "gzip":
        return cast("BinaryIO", gzip.GzipFile(fileobj=handle, mode="wb", mtime=0))
    import zstandard  # the zstd extra: the source was read with it

    return cast("BinaryIO", zstandard.ZstdCompressor(write_checksum=True).stream_writer(handle, closefd=False))


class CleanCopy:
    """OUT, being written: a temporary file beside it until `commit`, removed at the end of the `with` otherwise."""

    def __init__(self, source: Path, target: Path):
        self.source, self.target = source, target
        if target.is_dir():
            raise UsageError(f"{target}: is a folder; --write-clean takes a file name")
        try:
            descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        except OSError as error:
            raise UsageError(f"{target}: cannot write the clean copy: {error.strerror or error}") from None
        self._temporary = Path(name)
        self._handle: BinaryIO = os.fdopen(descriptor, "wb")
        os.chmod(descriptor, 0o666 & ~_umask())  # as a file the user creates (mkstemp's are private)
        self._committed = False

    def __enter__(self) -> CleanCopy:
        return self

    def __exit__(self, *_: object) -> None:
        self._handle.close()
        if not self._committed:
            self._temporary.unlink(missing_ok=True)

    def commit(self, findings: list[Finding], fail_on: Severity) -> Copied:
        """Write the records of the source that no finding at or above FAIL_ON names, then put OUT in place."""
        failing = [f for f in findings if f.filename == display_name(self.source) and f.severity >= fail_on]
        dropped_lines = {f.line for f in failing if f.scope is Scope.RECORD and f.code != BYTE_ORDER_MARK_CODE}
        every_line = any(f.scope is Scope.EVERY_LINE for f in failing)
        keep_bom = not any(f.code == BYTE_ORDER_MARK_CODE for f in failing)
        try:
            if read_as(self.source) is PARQUET:
                kept, records = self._copy_rows(dropped_lines, every_line)
            else:
                kept, records = self._write_chunks(dropped_lines, every_line, keep_bom)
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            os.replace(self._temporary, self.target)
        except OSError as error:
            raise UsageError(f"{self.target}: cannot write the clean copy: {error.strerror or error}") from None
        self._committed = True
        file_codes = sorted({f.code for f in failing if f.scope is Scope.FILE})
        return Copied(kept, records, file_codes)

    def _write_chunks(self, dropped: set[int], every_line: bool, keep_bom: bool) -> tuple[int, int]:
        """Write the kept records' bytes as the source holds them; (records kept, records)."""
        kept = records = 0
        method = read_as(self.source).reader
        out = _compressing(self._handle, method) if method in METHODS else self._handle
        for is_kept, chunk in self._chunks(dropped, every_line, keep_bom):
            records += is_kept is not None
            kept += bool(is_kept)
            if is_kept is not False:
                out.write(chunk)
        if out is not self._handle:
            out.close()  # the compressed stream's end
        return kept, records

    def _copy_rows(self, dropped: set[int], every_line: bool) -> tuple[int, int]:
        """A Parquet source's kept rows, written as Parquet (its schema and compression): a
        row's findings are at its position, row + 1."""
        try:
            with open_data_file(self.source) as handle:
                return parquet_rows.copy_rows(
                    handle, self._handle, lambda row: not every_line and row + 1 not in dropped
                )
        except parquet_rows.BrokenParquet:
            return 0, 0  # no records (reported by the lint)
        except UnreadableFile as error:
            raise UsageError(f"--write-clean: {error}") from None

    def _chunks(self, dropped: set[int], every_line: bool, keep_bom: bool) -> Iterator[tuple[bool | None, bytes]]:
        """(kept, bytes) for each record of the source, (None, bytes) for what frames them (a BOM,
        an array's brackets); the bytes of a record left out are not written."""
        try:
            with open_data_file(self.source) as source:
                kind = read_as(self.source)
                if kind in (CSV, TSV):
                    yield from self._row_chunks(source, kind, dropped, every_line)
                    return
                method = kind.reader
                handle: BinaryIO
                if method in METHODS:
                    handle = open_decompressed(source, method, file_size(source))
                    head, array = handle.peek(len(BOM)), False
                else:
                    handle = source
                    head = handle.read(ARRAY_HEAD_BYTES)
                    handle.seek(0)
                    array = is_json_array(self.source, handle)
                    handle.seek(0)
                starts_with_bom = head.startswith(BOM)
                if starts_with_bom and keep_bom:
                    yield None, BOM
                if array:
                    yield from self._array_chunks(dropped, every_line, b"\r\n" if b"\r\n" in head else b"\n")
                    return
                for number, (line, whole) in enumerate(bounded_lines(handle), start=1):
                    if number == 1 and starts_with_bom:
                        line = line[len(BOM) :]
                    if whole and parse_line(number, line.rstrip(b"\r\n")).kind is Kind.RECORD:
                        yield not every_line and number not in dropped, line
        except (WholeFileProblem, StreamStopped):
            return  # no records (gzip, UTF-16, a JSON array over the size read), or none after a break: reported
        except UnreadableFile as error:
            raise UsageError(f"--write-clean: {error}") from None

    def _row_chunks(
        self, handle: BinaryIO, kind: InputKind, dropped: set[int], every_line: bool
    ) -> Iterator[tuple[bool | None, bytes]]:
        """A table's header, then its rows' bytes (a row's findings are at the line where it starts)."""
        for row, source in table_parts(handle, kind, with_bytes=True):
            if row is None:
                yield None, source
            elif row_entry(row).kind is Kind.RECORD:
                yield not every_line and row.line not in dropped, source

    def _array_chunks(self, dropped: set[int], every_line: bool, newline: bytes) -> Iterator[tuple[bool | None, bytes]]:
        yield None, b"["
        separator = newline
        for entry in read_entries(self.source):
            if entry.kind is not Kind.RECORD:
                continue
            is_kept = not every_line and entry.line not in dropped
            yield is_kept, separator + entry.raw
            if is_kept:
                separator = b"," + newline
        yield None, (newline if separator != newline else b"") + b"]" + newline


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
