"""What rules produce (problems) and what reporters print (findings)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


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


class Scope(enum.Enum):
    """What a finding is about, beyond its line (what --write-clean leaves out)."""

    RECORD = "record"  # the record (or line) at its line
    FILE = "file"  # the file as a whole (a file rule's: too large, too few examples); its line only points
    EVERY_LINE = "every-line"  # stands for the same finding on every line of the file


@dataclass(frozen=True, slots=True)
class Location:
    filename: str
    line: int


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

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "filename": self.filename,
            "line": self.line,
            "pointer": self.pointer,
            "message": self.message,
            "related": [{"filename": r.filename, "line": r.line} for r in self.related],
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
