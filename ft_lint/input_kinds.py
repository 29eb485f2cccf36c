"""The kinds of input file ft-lint reads, chosen by file name alone: the one catalog of suffixes.

Every place that asks "is this a data file?" or "how is it read?" or "can --fix rewrite it?"
asks here (folder walking, the reader, --fix, the docs). A kind names its reader (the reader
module maps that name to the code that turns the file into entries), whether `--fix` can
rewrite it in place, and the optional extra its reader needs (imported lazily: a missing one is
one line naming `pip install "ft-lint[EXTRA]"`).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import PurePath


@dataclass(frozen=True)
class InputKind:
    name: str  # what messages and docs call it
    suffixes: tuple[str, ...]  # lower case, the longest ones first where they overlap
    reader: str  # the reader that turns it into entries (reader.py's READERS)
    fixable: bool  # --fix can rewrite it in place, a line at a time
    extra: str | None = None  # the pip extra its reader needs
    module: str | None = None  # the module that extra provides (to tell whether it is installed)
    by_row: bool = False  # a record is located by its 0-based row, not a line (a binary file has none)

    @property
    def install_hint(self) -> str:
        return f'pip install "ft-lint[{self.extra}]"' if self.extra else ""

    def lacks_reader(self) -> bool:
        """Whether the package this kind's reader imports is missing (looked up, not imported)."""
        if self.module is None:
            return False
        try:
            return importlib.util.find_spec(self.module) is None
        except (ImportError, ValueError):  # a module blocked in sys.modules, or a broken install
            return True

    @property
    def missing_reader(self) -> str:
        """What a run says of a file of this kind when lacks_reader()."""
        return f"reading {self.name} needs {self.module}: {self.install_hint}"


JSONL = InputKind("JSONL", (".jsonl", ".ndjson"), "jsonl", fixable=True)
JSON = InputKind("JSON array", (".json",), "jsonl", fixable=True)  # an array, or JSONL named .json
JSONL_GZIP = InputKind("gzip-compressed JSONL", (".jsonl.gz", ".ndjson.gz"), "gzip", fixable=False)
JSONL_ZSTD = InputKind(
    "zstd-compressed JSONL", (".jsonl.zst", ".ndjson.zst"), "zstd", fixable=False, extra="zstd", module="zstandard"
)
CSV = InputKind("CSV", (".csv",), "csv", fixable=False)
TSV = InputKind("TSV", (".tsv",), "tsv", fixable=False)
PARQUET = InputKind("Parquet", (".parquet",), "parquet", fixable=False, extra="parquet", module="pyarrow", by_row=True)

KINDS: tuple[InputKind, ...] = (JSONL, JSON, JSONL_GZIP, JSONL_ZSTD, CSV, TSV, PARQUET)


def kind_of(path: PurePath) -> InputKind | None:
    """The kind a file's name says it is (None: no data file by its name)."""
    name = path.name.lower()
    return next((kind for kind in KINDS for suffix in kind.suffixes if name.endswith(suffix)), None)


def read_as(path: PurePath) -> InputKind:
    """How a file is read: by its kind, and as JSONL when its name says none (a file named is
    read whatever its name)."""
    return kind_of(path) or JSONL


def data_suffixes() -> tuple[str, ...]:
    """Every suffix of a data file, for folder walking and the hook's `files` pattern."""
    return tuple(suffix for kind in KINDS for suffix in kind.suffixes)
