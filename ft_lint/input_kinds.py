"""The input kinds: which reader a data file's suffix selects, whether `--fix` can rewrite it in
place, how a finding locates a record in it, and the extra its reader needs. The one place a
file's kind is chosen; everything else asks `kind_of`."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import PurePath


@dataclass(frozen=True)
class InputKind:
    name: str
    title: str  # as messages name it
    suffixes: tuple[str, ...]
    fixable: bool  # --fix rewrites such a file in place
    by_row: bool = False  # a record is located by its 0-based row (a binary file has no lines)
    extra: str = ""  # the ft-lint extra its reader imports ("": none)


TEXT = InputKind("jsonl", "JSONL", (".jsonl", ".ndjson", ".json"), fixable=True)
PARQUET = InputKind("parquet", "Parquet", (".parquet",), fixable=False, by_row=True, extra="parquet")
KINDS = (TEXT, PARQUET)


@functools.cache
def _by_suffix() -> dict[str, InputKind]:
    return {suffix: kind for kind in KINDS for suffix in kind.suffixes}


def kind_of(name: str | PurePath) -> InputKind:
    """The kind of the file of this name (by its suffix, case aside); JSONL text by default: a
    file named explicitly is linted whatever its name."""
    return _by_suffix().get(PurePath(name).suffix.lower(), TEXT)


def install_hint(kind: InputKind) -> str:
    return f'pip install "ft-lint[{kind.extra}]"'
