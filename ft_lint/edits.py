"""What a rule's fix changes: small, picklable descriptions that `ft_lint.fixer` applies by line.

A rule attaches one to its `Problem` (`edit=`); the fixer re-checks each edit against the
bytes it is about to rewrite, so an edit computed from a file that changed since it was
read is skipped rather than applied to the wrong line.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@dataclass(frozen=True, slots=True)
class DeleteBlankLine:
    """Drop the line, if it is still empty or whitespace only."""


@dataclass(frozen=True, slots=True)
class DeleteDuplicate:
    """Drop the line, if it still holds the same record as `first_line` (which stays)."""

    first_line: int


@dataclass(frozen=True, slots=True)
class RemoveBom:
    """Drop the UTF-8 byte order mark at the start of the file."""


@dataclass(frozen=True, slots=True)
class StripText:
    """Strip surrounding whitespace from the string at `pointer` (re-serialises the record)."""

    pointer: str


EDITS = {kind.__name__: kind for kind in (DeleteBlankLine, DeleteDuplicate, RemoveBom, StripText)}


def edit_as_row(edit: object | None) -> list[Any] | None:
    """An edit as a JSON value (for the result cache), and back with `edit_from_row`."""
    return None if edit is None else [type(edit).__name__, *astuple(cast("DataclassInstance", edit))]


def edit_from_row(row: list[Any] | None) -> object | None:
    return None if row is None else EDITS[row[0]](*row[1:])
