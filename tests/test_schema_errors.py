"""Each schema error goes to the narrowest rule that names it, with the pointer of the offending value."""

from __future__ import annotations

import pytest

import samples as s
from ft_lint.formats import all_formats, detect
from ft_lint.record import Record


def openai_format(value: dict):
    """The OpenAI format a sample is written in (detection alone might pick TRL's for a lone record)."""
    name = (
        "openai-preference" if "input" in value else "openai-prompt-completion" if "prompt" in value else "openai-chat"
    )
    return all_formats()[name]


def schema_errors(value: dict) -> list[tuple[str, str]]:
    record_format = openai_format(value)
    record = Record("data.jsonl", 1, b"", value, record_format, record_format)
    return [(error.code, error.pointer) for error in record.schema_errors]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (s.UNKNOWN_KEY_MESSAGE, [("FT102", "/messages/1/id")]),
        (s.UNKNOWN_KEY_TOP, [("FT102", "/metadata")]),
        (s.TOOL_CALLS_ON_USER, [("FT102", "/messages/0/tool_calls")]),
        (s.ROLE_BOT, [("FT103", "/messages/1/role")]),
        (s.PREFERENCE_OUTPUT_ROLE, [("FT103", "/preferred_output/0/role")]),
        (s.WEIGHT_TWO, [("FT108", "/messages/1/weight")]),
        (s.WEIGHT_ON_USER, [("FT108", "/messages/0/weight")]),
        (s.ARGUMENTS_OBJECT, [("FT111", "/messages/1/tool_calls/0/function/arguments")]),
        (s.TOOL_NAME_SPACE, [("FT112", "/tools/0/function/name")]),
        (s.TOOL_TYPE_BAD, [("FT112", "/tools/0/type")]),
        (s.USER_NULL, [("FT201", "/messages/0/content")]),
        (s.USER_MISSING_CONTENT, [("FT201", "/messages/0/content")]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_error_goes_to_the_narrowest_rule(value, expected):
    assert schema_errors(value) == expected


@pytest.mark.parametrize(
    ("value", "pointer"),
    [
        (s.CONTENT_NUMBER, "/messages/0/content"),
        (s.MESSAGES_EMPTY, "/messages"),
        (s.MESSAGES_NOT_LIST, "/messages"),
        (s.MESSAGE_WITHOUT_ROLE, "/messages/0"),
        (s.PART_UNKNOWN_TYPE, "/messages/0/content/0/type"),
        (s.PARALLEL_NOT_BOOL, "/parallel_tool_calls"),
        (s.TOOL_WITHOUT_CALL_ID, "/messages/2"),
        ({"prompt": "Capital of France ->", "completion": 7}, "/completion"),
    ],
)
def test_everything_else_is_one_schema_violation(value, pointer):
    assert schema_errors(value) == [("FT101", pointer)]


def test_valid_records_have_no_schema_errors():
    for format_name, records in s.VALID_RECORDS.items():
        for value in records:
            assert openai_format(value).name == format_name and detect(value).name == format_name
            assert schema_errors(value) == []


def test_the_fast_engine_verdict_is_kept_when_the_explaining_engine_finds_nothing(monkeypatch):
    chat = all_formats()["openai-chat"]
    monkeypatch.setattr(type(chat), "explain", lambda self, value: [])
    assert schema_errors(s.CONTENT_NUMBER) == [("FT101", "")]
