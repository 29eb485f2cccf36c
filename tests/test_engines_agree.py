"""jsonschema-rs (the hot path) and python-jsonschema (the explanations) must give the same verdict."""

from __future__ import annotations

import pytest

from ft_lint.formats import all_formats
from samples import all_records

RECORDS = all_records()


def test_the_fixtures_hold_many_records_valid_and_invalid():
    chat = all_formats()["openai-chat"]
    verdicts = [chat.is_valid(record) for record in RECORDS]
    assert len(RECORDS) > 100 and verdicts.count(True) > 30 and verdicts.count(False) > 30


@pytest.mark.parametrize("format_name", sorted(all_formats()))
def test_engines_agree_on_every_fixture_record(format_name):
    fmt = all_formats()[format_name]
    # turn_errors: what a schema cannot say (RFT's last turn), checked alike on both sides
    disagreements = [
        record
        for record in RECORDS
        if fmt.is_valid(record) != (not fmt.explain(record) and not fmt.turn_errors(record))
    ]
    assert disagreements == []


@pytest.mark.parametrize(
    "value",
    [
        {"role": "assistant", "content": "x", "weight": True},
        {"role": "assistant", "content": "x", "weight": 1.0},
        {"role": "assistant", "content": "x", "weight": 0.0},
        {"role": "user", "content": "x", "name": "a" * 64},
        {"role": "user", "content": "x", "name": "a" * 65},
        {"role": "user", "content": "x", "name": "ünï"},
        {"role": "user", "content": "x", "name": ""},
    ],
)
def test_engines_agree_on_edge_values(value):
    record = {"messages": [value, {"role": "assistant", "content": "ok"}]}
    chat = all_formats()["openai-chat"]
    assert chat.is_valid(record) == (not chat.explain(record))
