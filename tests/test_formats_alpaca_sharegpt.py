"""Alpaca (instruction / input / output) and ShareGPT (conversations of from / value), as JSONL or JSON arrays."""

from __future__ import annotations

import pytest

from ft_lint.formats import all_formats, text_turns
from support import FORMAT_TESTS

ALPACA = {"instruction": "Give the capital.", "input": "France", "output": "Paris."}


@pytest.mark.parametrize("name", ["data.jsonl", "data.json"])
def test_valid_alpaca_records_have_no_findings(lint_records, name):
    records = [
        ALPACA,
        {"instruction": "Say hello.", "input": "", "output": "Hello!"},  # an empty input is no input
        {
            "instruction": "Say hello.",
            "output": "Hello!",
            "system": "Be cheerful.",
            "text": "a column TRL-style tools keep",
        },
        {
            "instruction": "And Spain?",
            "input": "",
            "output": "Madrid.",
            "history": [["Capital of France?", "Paris."], ["And Italy?", "Rome."]],
        },
    ]
    assert lint_records(*records, name=name, defaults=FORMAT_TESTS) == []


def test_the_user_turn_is_the_instruction_then_the_input():
    (conversation,) = all_formats()["alpaca"].conversations(dict(ALPACA, system="Be brief.", history=[["Hi", "Hello"]]))
    assert [(m.role, m.pointer) for m in conversation] == [
        ("system", "/system"),
        ("user", "/history/0/0"),
        ("assistant", "/history/0/1"),
        ("user", "/instruction"),
        ("assistant", "/output"),
    ]
    assert [(t.text, t.pointer) for t in text_turns(conversation[3:4])] == [
        ("Give the capital.", "/instruction"),
        ("France", "/input"),
    ]


@pytest.mark.parametrize("name", ["data.jsonl", "data.json"])
def test_alpaca_errors(lint_records, name):
    records = [
        ALPACA,
        {"instruction": "Give the capital.", "input": "France", "output": ""},
        {"instruction": "", "input": "France", "output": "Paris."},
        {"instruction": "Give the capital.", "input": "### Input: France", "output": "Paris."},
        {"instruction": "Give the capital.", "input": "France", "output": "Paris.", "history": [["Hi"]]},
        {"instruction": "Give the capital.", "input": 7, "output": "Paris."},
        {"instruction": "Translate.", "input": "", "output": "Translate."},
    ]
    findings = lint_records(*records, name=name, defaults=FORMAT_TESTS)
    by_record = sorted({f.line for f in findings})
    assert len(by_record) == 6  # a finding on every record but the first
    assert {(f.code, f.pointer) for f in findings} == {
        ("FT201", "/output"),
        ("FT201", "/instruction"),
        ("FT203", "/input"),
        ("FT101", "/history/0"),
        ("FT201", "/history/0"),  # the pair's reply is missing (pointers resolve: at the pair)
        ("FT101", "/input"),
        ("FT205", "/output"),
    }


SHAREGPT = {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]}


@pytest.mark.parametrize("name", ["data.jsonl", "data.json"])
def test_valid_sharegpt_records_have_no_findings(lint_records, name):
    records = [
        SHAREGPT,
        dict(SHAREGPT, id="identity_1"),
        {"conversations": [{"from": "system", "value": "Be brief."}, *SHAREGPT["conversations"]]},
        {
            "conversations": [
                {"from": "human", "value": "Recipes with rice?"},
                {"from": "function_call", "value": '{"name": "search", "arguments": {"q": "rice"}}'},
                {"from": "observation", "value": '{"recipes": ["risotto"]}'},
                {"from": "gpt", "value": "Try a risotto."},
            ],
            "system": "You can search recipes.",
            "tools": '[{"name": "search", "parameters": {"type": "object"}}]',
        },
    ]
    assert lint_records(*records, name=name, defaults=FORMAT_TESTS) == []


def test_sharegpt_roles_are_mapped():
    fmt = all_formats()["sharegpt"]
    record = {
        "system": "Be brief.",
        "conversations": [{"from": f, "value": "x"} for f in ("human", "function_call", "observation", "gpt")],
    }
    (conversation,) = fmt.conversations(record)
    assert [(m.role, m.calls_tools, m.pointer) for m in conversation] == [
        ("system", False, "/system"),
        ("user", False, "/conversations/0"),
        ("assistant", True, "/conversations/1"),
        ("tool", False, "/conversations/2"),
        ("assistant", False, "/conversations/3"),
    ]


@pytest.mark.parametrize("name", ["data.jsonl", "data.json"])
def test_sharegpt_errors(lint_records, name):
    records = [
        SHAREGPT,
        {"conversations": [{"from": "user", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]},
        {
            "conversations": [
                {"from": "human", "value": "Hi"},
                {"from": "gpt", "value": "Hello!"},
                {"from": "human", "value": "Thanks"},
                {"from": "gpt", "value": "  "},
            ]
        },
        {
            "conversations": [
                {"from": "human", "value": "Hi"},
                {"from": "observation", "value": "42"},
                {"from": "gpt", "value": "42."},
            ]
        },
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!", "weight": 1}]},
        {
            "conversations": [
                {"from": "human", "value": "Hi"},
                {"from": "gpt", "value": "Hello!"},
                {"from": "human", "value": "Bye"},
            ]
        },
    ]
    findings = lint_records(*records, name=name, defaults=FORMAT_TESTS)
    assert {(f.code, f.pointer) for f in findings} == {
        ("FT103", "/conversations/0/from"),  # "user" is taken as meant: no cascade of user-turn findings
        ("FT107", "/conversations/1"),
        ("FT201", "/conversations/3/value"),
        ("FT102", "/conversations/1/weight"),
        ("FT106", "/conversations/2"),
    }
    assert len({f.line for f in findings}) == 5
