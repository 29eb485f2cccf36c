"""Masking for print: what the detectors (ft_lint/detectors.py) find is never printed in
full. A find shows as its kind and its first few characters (`[GitHub token: ghp_…]`), and
it is masked in every text ft-lint prints, whichever rules are enabled: `redact` masks plain
text (messages), `redact_json` a record's line (excerpts, diffs) in its decoded strings,
`redact_pointer` the keys in a JSON Pointer.
"""

from __future__ import annotations

import json
import re

from ft_lint.detectors import ALL_PERSONAL_DETECTORS, SECRET_DETECTORS, Screen, find
from ft_lint.findings import pointer_keys, pointer_of

_EVERY_DETECTOR = Screen(SECRET_DETECTORS + ALL_PERSONAL_DETECTORS)


def redact(text: str) -> str:
    """The text with every secret and piece of personal data masked (for printing)."""
    detectors = _EVERY_DETECTOR(text.encode("utf-8", errors="surrogatepass"))
    if not detectors:
        return text
    found = find(text, detectors)
    for item in reversed(found):
        text = text[: item.start] + f"[{item.kind}: {item.shown}]" + text[item.end :]
    return text


# A JSON string literal; one the text ends in before its closing quote (an excerpt's window
# cuts it) too, without an escape cut short. Possessive: a 60 MB literal keeps no backtracking state.
_STRING_LITERAL = re.compile(r'"((?:[^"\\]++|\\(?:u[0-9a-fA-F]{4}|[^u]))*+)(")?', re.DOTALL)
_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))')
_ESCAPED = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def redact_json(text: str) -> str:
    """JSON text (a record's line, or the start of one) with every secret and piece of personal
    data masked. Each string literal, object keys included, is masked as decoded and escaped
    again, so no escape (`\\n` before a key, `\\u0067` for its `g`) hides what it holds; then
    the whole text as written, for what spans literals (an AWS secret key after the key
    `"aws_secret_access_key"`) or lies outside them (a line that is not JSON)."""
    if not _EVERY_DETECTOR(text.encode("utf-8", errors="surrogatepass")):
        return text  # escapes that could hide an anchor make the screen keep every detector
    return redact(_STRING_LITERAL.sub(_redact_literal, text))


def _redact_literal(literal: re.Match[str]) -> str:
    body, closed = literal.group(1), literal.group(2) is not None
    if "\\" not in body:
        return literal.group(0)  # it reads as written: the pass over the whole text masks it
    decoded = _decoded(literal)
    masked = redact(decoded)
    if masked == decoded:
        return literal.group(0)  # as written
    escaped = json.dumps(masked, ensure_ascii="\\u" in body)  # the literal's own style
    return escaped if closed else escaped[:-1]


def _decoded(literal: re.Match[str]) -> str:
    """The text of a JSON string literal; of one cut short or not JSON, its body with the valid
    escapes decoded and the rest kept as written. A surrogate is only ever written as a \\u
    escape, so it is escaped again as it was."""
    try:
        text: str = json.loads(literal.group(0))  # many times faster than the substitution on a long text
        return text
    except ValueError:
        return _ESCAPE.sub(
            lambda escape: chr(int(escape[1], 16)) if escape[1] else _ESCAPED[escape[2]], literal.group(1)
        )


def redact_pointer(pointer: str) -> str:
    """A JSON Pointer with its keys masked as decoded (`~1` for `/` hides no `://`)."""
    return pointer_of(*map(redact, pointer_keys(pointer)))
