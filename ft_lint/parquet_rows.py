"""Parquet files as the records the JSONL path checks, read in bounded record batches (pyarrow,
the `ft-lint[parquet]` extra, imported only when a Parquet file is read).

A row becomes the JSON object its columns spell: a `messages` column of list<struct<role,
content>> is {"messages": [{"role": ..., "content": ...}]}. Parquet cannot tell a missing key
from a null one, and a file written from records with different keys (Hugging Face `datasets`,
pandas) gives every struct the union of their fields, null where a record had none: so a null
field of a struct, or a null column, is read as absent, as the JSONL the rows came from had
it; a null inside a list stays. Binary is read as UTF-8 text where it is (writers store text so),
else as base64; dates and times as ISO 8601 text; NaN and infinities as null (JSON has none).
Pandas' index columns are not part of the records and are not read.

Memory is bounded by what the footer declares: a footer over MAX_FOOTER_BYTES, more than
MAX_LEAF_COLUMNS columns, or a column of a row group declaring more than MAX_COLUMN_CHUNK_BYTES
uncompressed is refused (one finding) before any page is decompressed, and pyarrow refuses a
schema nested over 100 levels; each row group is read in batches sized from its own figures to
about BATCH_BYTES (MAX_BATCH_ROWS rows at most), and a row whose data exceeds the record limit
is never turned into Python objects: it is reported as too long, as a JSONL line over the
limit is. A footer that understates its pages can make pyarrow allocate more: an allocation
that fails is one finding, not a crash.
"""

from __future__ import annotations

import base64
import bisect
import math
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

if TYPE_CHECKING:
    import pyarrow

MAGIC = b"PAR1"
MAX_FOOTER_BYTES = 64 << 20  # a footer describes the columns and row groups: KBs, even for big files
MAX_LEAF_COLUMNS = 10_000  # no record has this many fields; a footer claiming more is not data
MAX_COLUMN_CHUNK_BYTES = 512 << 20  # uncompressed, as the footer declares it
BATCH_BYTES = 16 << 20  # uncompressed column bytes per batch, by the row group's own figures
MAX_BATCH_ROWS = 1024


class MissingExtra(Exception):
    """pyarrow is not installed."""


class BrokenParquet(Exception):
    """The file cannot be read as Parquet, or is beyond the bounds above: one finding, of `code`."""

    def __init__(self, message: str, code: str = "FT003"):
        super().__init__(message, code)
        self.message = message
        self.code = code


@dataclass(slots=True)
class Row:
    index: int  # 0-based, across the file's row groups
    value: dict[str, Any] | None  # None: the row is over the record limit, never converted
    raw: bytes  # the value as compact JSON (b"" for a row over the limit)


def _pyarrow() -> Any:
    try:
        import pyarrow.parquet
    except ImportError:
        raise MissingExtra from None
    return pyarrow.parquet


def row_count(handle: BinaryIO) -> int:
    """The rows the file's footer declares."""
    return int(_open(handle).metadata.num_rows)


def _open(handle: BinaryIO) -> Any:
    """The Parquet file in `handle`, its footer read (and bounded); BrokenParquet if it is none."""
    parquet = _pyarrow()
    import pyarrow

    _check_footer(handle)
    try:
        return parquet.ParquetFile(handle, buffer_size=1 << 20, pre_buffer=False)
    except (pyarrow.ArrowException, OSError) as error:
        raise BrokenParquet(f"the file is not readable as Parquet: {_first_line(error)}") from None


def rows(handle: BinaryIO, wanted: frozenset[int] | None, max_row_bytes: int) -> Iterator[Row]:
    """Every row of the Parquet file open in `handle` (with `wanted`, only the rows of those
    0-based indexes, the row groups holding none not even read)."""
    file = _open(handle)
    import pyarrow  # installed: _open has read the file with it

    metadata = file.metadata
    if metadata.num_columns > MAX_LEAF_COLUMNS:
        raise BrokenParquet(
            f"the file has {metadata.num_columns:,} columns, more than the {MAX_LEAF_COLUMNS:,} ft-lint reads", "FT009"
        )
    _check_column_chunks(metadata)
    schema = file.schema_arrow
    pandas_index = (schema.pandas_metadata or {}).get("index_columns", ())
    columns = [name for name in schema.names if name not in pandas_index]
    ordered = sorted(wanted or ())
    first = 0
    try:
        for group in range(metadata.num_row_groups):
            figures = metadata.row_group(group)
            count = figures.num_rows
            if wanted is None or _any_between(ordered, first, first + count):
                start = first
                for batch in _batches(file, group, columns):
                    yield from _batch_rows(batch, start, wanted, max_row_bytes)
                    start += batch.num_rows
            first += count
    except MemoryError:  # pyarrow's ArrowMemoryError too: an allocation a page's header asked for failed
        raise BrokenParquet(
            f"a page of the file past row {first:,} expands beyond the memory ft-lint may use", "FT009"
        ) from None
    except (pyarrow.ArrowException, OSError) as error:
        raise BrokenParquet(f"the file is not readable as Parquet past row {first:,}: {_first_line(error)}") from None


def _batches(file: Any, group: int, columns: list[str] | None = None) -> Iterator[pyarrow.RecordBatch]:
    """A row group's rows in batches of about BATCH_BYTES by its own figures (MAX_BATCH_ROWS at most)."""
    figures = file.metadata.row_group(group)
    per_row = max(figures.total_byte_size // max(figures.num_rows, 1), 1)
    batch_rows = max(1, min(MAX_BATCH_ROWS, BATCH_BYTES // per_row))
    return file.iter_batches(batch_rows, row_groups=[group], columns=columns, use_threads=False)  # type: ignore[no-any-return]


def copy_rows(handle: BinaryIO, out: BinaryIO, keep: Callable[[int], bool]) -> tuple[int, int]:
    """Write to `out` a Parquet file of the rows of the one in `handle` that `keep` takes (by
    0-based row), a batch at a time, with its schema (metadata included) and its compression:
    --write-clean's copy of a Parquet file. (rows written, rows read)."""
    file = _open(handle)
    import pyarrow.parquet  # installed: _open has read the file with it

    metadata = file.metadata
    _check_column_chunks(metadata)
    compression = metadata.row_group(0).column(0).compression.lower() if metadata.num_row_groups else "snappy"
    kept = first = 0
    with pyarrow.parquet.ParquetWriter(out, file.schema_arrow, compression=compression) as writer:
        for group in range(metadata.num_row_groups):
            for batch in _batches(file, group):
                chosen = batch.filter(pyarrow.array([keep(first + i) for i in range(batch.num_rows)]))
                if chosen.num_rows:
                    writer.write_batch(chosen)
                kept += chosen.num_rows
                first += batch.num_rows
    return kept, first


def _any_between(ordered: list[int], start: int, end: int) -> bool:
    """Whether a number of the sorted list lies in [start, end)."""
    at = bisect.bisect_left(ordered, start)
    return at < len(ordered) and ordered[at] < end


def _check_footer(handle: BinaryIO) -> None:
    """A Parquet file ends with its footer's length and PAR1; a footer this size is read whole."""
    size = handle.seek(0, 2)
    if size < 12:
        raise BrokenParquet(f"the file is {size} bytes long, too short to be Parquet")
    handle.seek(size - 8)
    tail = handle.read(8)
    (length,) = struct.unpack("<I", tail[:4])
    if tail[4:] != MAGIC:
        raise BrokenParquet("the file does not end with PAR1: it is not Parquet, or was cut short")
    if length > MAX_FOOTER_BYTES or length > size - 12:
        raise BrokenParquet(
            f"the file's footer claims {length:,} bytes, more than the file or the {MAX_FOOTER_BYTES >> 20} MiB"
            " ft-lint reads",
            "FT009",
        )
    handle.seek(0)


def _check_column_chunks(metadata: Any) -> None:
    """pyarrow holds a page whole, decompressed, and a cell is never split across pages: a row
    group whose column declares more than MAX_COLUMN_CHUNK_BYTES uncompressed is refused before
    anything of it is decompressed (a few KB of zstd can declare gigabytes)."""
    for group in range(metadata.num_row_groups):
        figures = metadata.row_group(group)
        for number in range(figures.num_columns):
            column = figures.column(number)
            if column.total_uncompressed_size > MAX_COLUMN_CHUNK_BYTES:
                raise BrokenParquet(
                    f"row group {group} holds {column.total_uncompressed_size:,} bytes of column"
                    f" {column.path_in_schema!r} uncompressed, more than the {MAX_COLUMN_CHUNK_BYTES >> 20} MiB"
                    " ft-lint reads at once; write the file with smaller row groups (row_group_size)",
                    "FT009",
                )


def _batch_rows(
    batch: pyarrow.RecordBatch, start: int, wanted: frozenset[int] | None, max_row_bytes: int
) -> Iterator[Row]:
    indexes = range(batch.num_rows) if wanted is None else [i for i in range(batch.num_rows) if start + i in wanted]
    as_json = _json_object if any(map(_needs_mapping, batch.columns)) else dict
    if batch.nbytes <= max_row_bytes:  # no row of it can be over the limit
        chosen = batch if wanted is None else batch.take(indexes)
        for i, value in zip(indexes, chosen.to_pylist(maps_as_pydicts="lossy"), strict=True):
            yield _row(start + i, as_json(value))
        return
    for i in indexes:
        one = batch.slice(i, 1)
        if one.nbytes > max_row_bytes:
            yield Row(start + i, None, b"")
        else:
            yield _row(start + i, as_json(one.to_pylist(maps_as_pydicts="lossy")[0]))


def _needs_mapping(array: pyarrow.Array) -> bool:
    """Whether pyarrow's Python values of the array may differ from JSON's (see `_json`): a null
    at any depth, a float (NaN), or a type JSON has not (binary, dates). Most batches of text
    records have none, and skip the walk over every value."""
    import pyarrow

    data_type = array.type
    if array.null_count:
        return True
    if pyarrow.types.is_struct(data_type):
        return any(_needs_mapping(array.field(i)) for i in range(data_type.num_fields))
    if pyarrow.types.is_list(data_type) or pyarrow.types.is_large_list(data_type):
        return _needs_mapping(array.values)
    return not (
        pyarrow.types.is_string(data_type)
        or pyarrow.types.is_large_string(data_type)
        or pyarrow.types.is_integer(data_type)
        or pyarrow.types.is_boolean(data_type)
    )


def _row(index: int, record: dict[str, Any]) -> Row:
    return Row(index, record, orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS))


def _json_object(value: dict[Any, Any]) -> dict[str, Any]:
    return {str(key): _json(item) for key, item in value.items() if item is not None}


def _json(value: Any) -> Any:
    """A value pyarrow made, as the JSON value a JSONL file would hold (see the module's docstring)."""
    if isinstance(value, str | bool | int):
        return value
    if isinstance(value, dict):
        return _json_object(value)
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(value).decode("ascii")
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if isoformat else str(value)  # dates and times; decimals as their digits


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
