"""Rules that skip a record by a cheap look at its bytes (tool rules, image rule, FT203) must
find exactly what they found without the shortcut, however the record spells its keys."""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest

import samples as s
from support import codes, of

FLAGGED = [
    s.TOOL_WITHOUT_CALL,  # FT110
    s.ARGUMENTS_NOT_JSON,  # FT111
    s.FUNCTION_CALL_ARGUMENTS_BAD,  # FT111
    s.TOOL_PARAMETERS_BAD_TYPE,  # FT112
    s.TOOL_NAME_DUPLICATE,  # FT112
    s.CALL_UNDECLARED,  # FT118
    s.IMAGE_HTTP,  # FT113
    s.IMAGE_GIF,  # FT113
]


def escaped(record: dict) -> bytes:
    """The same JSON value with every "o" and "i" written as a \\u escape: no key reads "tool",
    "function" or "image" in the bytes any more (JSON has no o or i outside strings)."""
    return orjson.dumps(record).replace(b"o", b"\\u006f").replace(b"i", b"\\u0069")


def summary(findings) -> list[tuple[str, int, str, str]]:
    return [(f.code, f.line, f.pointer, f.message) for f in findings]


def test_records_with_escaped_keys_get_the_same_findings(lint_records):
    plain = lint_records(*FLAGGED, name="plain.jsonl")
    spelled = lint_records(*(escaped(record).decode() for record in FLAGGED), name="escaped.jsonl")
    assert {"FT110", "FT111", "FT112", "FT113", "FT118"} <= codes(plain)
    assert summary(spelled) == summary(plain)


def test_template_markers_and_role_labels_are_still_found(lint_records):
    findings = lint_records(
        s.conversation(s.USER, s.msg("assistant", "Sure![/INST]")),
        s.conversation(s.USER, s.msg("assistant", "Fine.\nUser: and then?")),
        s.conversation(s.USER, s.msg("assistant", "a <b> tag, [1] and a: colon")),
    )
    assert [f.line for f in of(findings, "FT203")] == [1, 2]


@pytest.mark.slow
def test_valid_tool_parameters_are_checked_without_python_jsonschema():
    """python-jsonschema takes ~0.2 s to import: only an invalid schema needs it (to word the message)."""
    code = (
        "import sys\n"
        "from ft_lint.rules.structure import _schema_problem\n"
        'assert _schema_problem(\'{"type": "object", "properties": {"city": {"type": "string"}}}\') is None\n'
        "assert 'jsonschema' not in sys.modules\n"
        "assert 'not a valid JSON Schema' in _schema_problem('{\"type\": \"objet\"}')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_may_mention_answers_each_set_of_markers_asked_of_one_line():
    from ft_lint.rules import may_mention

    plain, spelled = b'{"a": "b"}', b'{"a": "\\u0062"}'
    for markers in ((b"tool", b"function"), (b"image", b"inlineData")):  # the escape test is kept between them
        assert may_mention(spelled, markers) and not may_mention(plain, markers)
    assert may_mention(b'{"tool": 1}', (b"tool",)) and not may_mention(b'{"tool": 1}', (b"image",))
    assert may_mention(b'{"a": "tools"}', (b"tool",)) and not may_mention(
        b'{"a": "my tools"}', (b"tool",)
    )  # a string that starts with it
    assert may_mention(b"", (b"tool",))  # no bytes: cannot tell


def _property_names(node) -> set[str]:
    """Every key a schema names under `properties`, however deep."""
    names: set[str] = set()
    if isinstance(node, dict):
        names |= set(node.get("properties", {}) if isinstance(node.get("properties"), dict) else ())
        for child in node.values():
            names |= _property_names(child)
    elif isinstance(node, list):
        for child in node:
            names |= _property_names(child)
    return names


def test_every_tool_and_image_key_of_every_schema_starts_with_a_marker():
    """The tool and image rules skip a record whose bytes hold no string starting with one of
    their words: a key that only holds the word further in would be skipped."""
    from ft_lint.formats import all_formats
    from ft_lint.rules.images import IMAGE_WORDS
    from ft_lint.rules.structure import _TOOL_WORDS

    keys = set().union(*(_property_names(fmt.schema) for fmt in all_formats().values()))
    words = ("tool", "function", "image", "inlinedata", "filedata")
    named = {key for key in keys if any(word in key.lower() for word in words)}
    assert {"tool_calls", "functionCall", "toolUse", "image_url", "inlineData"} <= named  # the walk finds them
    starts = [word.decode() for word in _TOOL_WORDS + IMAGE_WORDS]
    not_read_by_those_rules = {"parallel_tool_calls"}  # a flag; no tool rule looks at it
    assert {key for key in named if not key.startswith(tuple(starts))} == not_read_by_those_rules
