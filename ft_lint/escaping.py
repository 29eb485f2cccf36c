"""Names and data are shown, never obeyed: escaping at the output boundary.

ft-lint prints text it does not control: file names (from folders, from pre-commit, from pull
requests), JSON Pointers made of record keys, excerpts of records, messages quoting them. The
reporters pass such text through one of these functions, chosen by where it goes:

- `terminal`: a terminal or a CI log. Control characters, line breaks and undecodable bytes are
  shown as escapes, so no name can move the cursor, recolour the screen or start a line of its own.
  GitHub's runner also obeys `##[command]` anywhere in a line and `::command::` at its start.
- `json_text`: JSON written by `json.dumps(..., ensure_ascii=False)`: valid UTF-8 that a CI log
  showing it does not obey either.

Backslashes are not doubled: the escapes are for reading, and a name rarely holds one.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, lone surrogates (what
# os.fsdecode makes of bytes that are not UTF-8, or a JSON "\ud800"), and GitHub's legacy prefix.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]|##\\[")
# json.dumps escapes C0 controls itself, not DEL, C1 or the separators
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]|##\\[")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "##[": "##\\x5b"}
_UNDECODABLE_BYTES = range(0xDC80, 0xDD00)  # surrogateescape: byte 0xNN is U+DCNN


def _escape(match: re.Match[str]) -> str:
    found = match.group()
    if found in _NAMED:
        return _NAMED[found]
    code = ord(found)
    if code in _UNDECODABLE_BYTES:
        return f"\\x{code - 0xDC00:02x}"  # the byte itself
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """Text for a terminal or a log: `\\x1b`, `\\n`, `\\xff` (a byte that is not UTF-8) instead of
    the characters themselves, and nothing GitHub's runner would take for a workflow command."""
    shown = _UNSAFE.sub(_escape, text)
    if shown.lstrip().startswith("::"):  # the runner strips leading blanks before looking for `::`
        shown = shown.replace(":", "\\x3a", 1)
    return shown


def json_text(text: str) -> str:
    """JSON text from `json.dumps(..., ensure_ascii=False)` as valid UTF-8 with no control character:
    a lone surrogate, which only a string can hold, becomes the string `\\xff` (or `\\ud800`);
    the other characters become JSON escapes (`##[` is `##\\u005b`), the same string to a reader."""
    return _JSON_UNSAFE.sub(_json_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    found = match.group()
    if found == "##[":
        return "##\\u005b"
    if "\ud800" <= found <= "\udfff":  # no JSON escape stands for it: its visible form, as a string
        return "\\" + _escape(match)
    return f"\\u{ord(found):04x}"
