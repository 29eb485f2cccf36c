"""What rules produce (problems) and what reporters print (findings)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from ft_lint.input_kinds import read_as


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (choose info, warning or error)") from None


def row_of(filename: str, line: int) -> int | None:
    """The 0-based row of the entry at 1-based position `line` of a file located by row
    (Parquet), else None: a text file's entries are located by their line."""
    return line - 1 if read_as(PurePath(filename)).by_row else None


def place(filename: str, line: int) -> str:
    """How a message names a record's place in its file: `line 12`, or `row 11` in Parquet."""
    row = row_of(filename, line)
    return f"line {line}" if row is None else f"row {row}"


def where(filename: str, line: int) -> str:
    """A record's file and place, as reports print them: `data.jsonl:12`, `data.parquet:row 11`."""
    row = row_of(filename, line)
    return f"{filename}:{line}" if row is None else f"{filename}:row {row}"


def places(filename: str, lines: list[int]) -> str:
    """Several places of one file: `lines 1, 4, 9`, or `rows 0, 3, 8` in Parquet."""
    if read_as(PurePath(filename)).by_row:
        return "rows " + ", ".join(str(line - 1) for line in lines)
    return "lines " + ", ".join(map(str, lines))


class Scope(enum.Enum):
    """What a finding is about, beyond its line (what --write-clean leaves out)."""

    RECORD = "record"  # the record (or line) at its line
    FILE = "file"  # the file as a whole (a file rule's: too large, too few examples); its line only points
    EVERY_LINE = "every-line"  # stands for the same finding on every line of the file


@dataclass(frozen=True, slots=True)
class Location:
    filename: str
    line: int  # 1-based: the line, or the position of a Parquet row (its 0-based row + 1)

    @property
    def row(self) -> int | None:
        return row_of(self.filename, self.line)

    def as_json(self) -> dict[str, Any]:
        """`line`; in a file located by row, `line` null and `row` (the key only there)."""
        row = self.row
        if row is None:
            return {"filename": self.filename, "line": self.line}
        return {"filename": self.filename, "line": None, "row": row}


@dataclass(frozen=True, slots=True)
class Problem:
    """What a rule yields: where inside the record, and what is wrong."""

    message: str
    pointer: str = ""
    related: tuple[Location, ...] = ()
    severity: Severity | None = None  # None: the rule's default severity
    fix: str | None = None
    line: int | None = None  # file rules only: the line to report at (else the file's first)
    edit: object | None = None  # what `--fix` changes (an edit from ft_lint.fixer), or None


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem placed in a file, with the rule that found it."""

    code: str
    name: str
    severity: Severity
    filename: str
    line: int
    pointer: str
    message: str
    related: tuple[Location, ...] = field(default=())
    fix: str | None = None
    excerpt: str = ""
    edit: object | None = None  # not part of the JSON output: the fixer's instructions
    scope: Scope = Scope.RECORD  # not part of the JSON output

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.filename, self.line, self.code, self.pointer)

    @property
    def row(self) -> int | None:
        return row_of(self.filename, self.line)

    def where(self) -> str:
        return where(self.filename, self.line)

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            **Location(self.filename, self.line).as_json(),
            "pointer": self.pointer,
            "message": self.message,
            "related": [related.as_json() for related in self.related],
            "fix": self.fix,
        }


def pointer_of(*parts: str | int) -> str:
    """RFC 6901 JSON Pointer for a path of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def pointer_keys(pointer: str) -> list[str]:
    """The keys and indexes (as text) an RFC 6901 JSON Pointer is made of."""
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]


def json_type(value: object) -> str:
    """The JSON name of a parsed value's type, with its article, for messages: 'an array'."""
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def existing_pointer(value: object, pointer: str) -> str:
    """The longest start of the pointer that resolves in the value: where a missing key
    would go is reported at the object that lacks it."""
    resolved = ""
    for key in pointer_keys(pointer):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            break
        resolved += pointer_of(key)
    return resolved
