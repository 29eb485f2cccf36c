"""The excerpt `full` output shows under a finding: the record's text around what the finding
points at, with secrets and personal data masked.

A finding that points into the record (`/messages/1/content`) shows the object or array that
holds that place, written as compact JSON from the parsed record, from the member before the
one pointed at, so the role of a message shows with its empty content, whatever else the
record holds first and however a `.json` array file indents it. A finding about the record as a
whole, or about bytes that are not JSON, shows the start of the line as written.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from ft_lint.findings import pointer_keys
from ft_lint.redaction import redact_json

EXCERPT_CHARS = 100
REDACTED_WINDOW = 8 * 1024  # characters masked before an excerpt is cut (longer than a secret)
LEAD_CHARS = 24  # of the holder shown before the member pointed at


def excerpt(raw: bytes, pointer: str) -> str:
    """Up to EXCERPT_CHARS characters of the record around `pointer`, masked; `…` where cut."""
    place = _holder_and_member(raw, pointer)
    if place is None:
        return _cut(redact_json(raw[:REDACTED_WINDOW].decode("utf-8", errors="replace")), 0, len(raw) > REDACTED_WINDOW)
    holder, member = place
    members = _members(holder)
    first = max(0, member - 1)  # one member before, for context (a message's role)
    opening, closing = ("{", "}") if isinstance(holder, dict) else ("[", "]")
    text = opening if first == 0 else "…"
    target = 0  # where the member starts, set when the loop reaches it (`member` is in `members`)
    for index in range(first, len(members)):
        if index == member:
            target = len(text)
        text += ("" if index == first else ",") + _masked_piece(*members[index])
        if index >= member and len(text) - target >= EXCERPT_CHARS:
            return _cut(text, max(0, target - LEAD_CHARS), True)
    return _cut(text + closing, max(0, target - LEAD_CHARS) if target > EXCERPT_CHARS - LEAD_CHARS else 0, False)


def _holder_and_member(raw: bytes, pointer: str) -> tuple[Any, int] | None:
    """The object or array holding the place pointed at, and the index of that member in it;
    None when the pointer names the whole record or no member of a parsed record."""
    keys = pointer_keys(pointer)
    if not keys:
        return None
    try:
        holder = orjson.loads(raw)
    except orjson.JSONDecodeError:  # not JSON (FT001), or integers past 64 bits
        return None
    for key in keys[:-1]:
        holder = _child(holder, key)
    last = keys[-1]
    if isinstance(holder, dict) and last in holder:
        return holder, list(holder).index(last)
    if isinstance(holder, list) and last.isdigit() and int(last) < len(holder):
        return holder, int(last)
    return None


def _child(holder: Any, key: str) -> Any:
    if isinstance(holder, dict):
        return holder.get(key)
    if isinstance(holder, list) and key.isdigit() and int(key) < len(holder):
        return holder[int(key)]
    return None


def _members(holder: dict[str, Any] | list[Any]) -> list[tuple[str | None, Any]]:
    return list(holder.items()) if isinstance(holder, dict) else [(None, item) for item in holder]


def _masked_piece(key: str | None, value: Any) -> str:
    """One member as compact JSON, masked over a window wider than any excerpt shows."""
    try:
        text = orjson.dumps(value).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):  # integers past 64 bits
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if key is not None:
        text = orjson.dumps(key).decode("utf-8") + ":" + text
    return redact_json(text[:REDACTED_WINDOW])


def _cut(text: str, start: int, longer: bool) -> str:
    """EXCERPT_CHARS of the text from `start`, with `…` where text was left out."""
    shown = text[start : start + EXCERPT_CHARS]
    return (
        ("…" if start and not shown.startswith("…") else "")
        + shown
        + ("…" if longer or start + EXCERPT_CHARS < len(text) else "")
    )
