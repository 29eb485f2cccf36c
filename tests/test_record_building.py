"""How a record's messages are built (shared paths) and its properties computed (once)."""

from __future__ import annotations

import pytest

from ft_lint.formats import SHARED_PATHS, all_formats
from ft_lint.record import Record, computed_once


def _chat(count: int) -> dict:
    return {"messages": [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}"} for i in range(count)]}


@pytest.mark.parametrize(
    ("format_name", "record", "holder", "content_key"),
    [
        ("openai-chat", _chat(SHARED_PATHS + 5), "messages", "content"),
        (
            "sharegpt",
            {"conversations": [{"from": "human", "value": f"turn {i}"} for i in range(SHARED_PATHS + 5)]},
            "conversations",
            "value",
        ),
        (
            "vertex-gemini",
            {"contents": [{"role": "user", "parts": [{"text": f"turn {i}"}]} for i in range(SHARED_PATHS + 5)]},
            "contents",
            "parts",
        ),
        (
            "bedrock-conversation",
            {
                "schemaVersion": "bedrock-conversation-2024",
                "messages": [{"role": "user", "content": [{"text": f"turn {i}"}]} for i in range(SHARED_PATHS + 5)],
            },
            "messages",
            "content",
        ),
    ],
)
def test_message_paths_are_right_within_and_beyond_the_shared_ones(format_name, record, holder, content_key):
    (conversation,) = all_formats()[format_name].conversations(record)
    assert len(conversation) == SHARED_PATHS + 5
    for index in (0, 1, SHARED_PATHS - 1, SHARED_PATHS, SHARED_PATHS + 4):
        message = conversation[index]
        assert message.path == (holder, index)
        assert message.content_path == (holder, index, content_key)
        assert message.pointer == f"/{holder}/{index}"


def test_records_share_the_path_tuples_of_their_messages():
    chat = all_formats()["openai-chat"]
    (first,), (second,) = chat.conversations(_chat(3)), chat.conversations(_chat(3))
    assert [m.path for m in first] == [m.path for m in second]
    assert all(a.path is b.path and a.content_path is b.content_path for a, b in zip(first, second, strict=True))


def test_items_that_are_not_objects_keep_the_paths_of_the_others():
    record = {
        "messages": [{"role": "user", "content": "Hi"}, "not a message", {"role": "assistant", "content": "Hello"}]
    }
    (conversation,) = all_formats()["openai-chat"].conversations(record)
    assert [m.path for m in conversation] == [("messages", 0), ("messages", 2)]


def test_a_computed_once_property_is_computed_on_first_read_only():
    calls = []

    class Thing:
        @computed_once
        def answer(self) -> int:
            """The answer."""
            calls.append(self)
            return 42

    thing, other = Thing(), Thing()
    assert calls == []
    assert thing.answer == 42 and thing.answer == 42
    assert calls == [thing]
    assert other.answer == 42 and calls == [thing, other]
    assert Thing.answer.__doc__ == "The answer."


def test_record_properties_are_kept_after_the_first_read():
    fmt = all_formats()["openai-chat"]
    record = Record("data.jsonl", 1, b"", _chat(2), fmt)
    assert record.messages is record.messages
    assert [m.role for m in record.messages] == ["user", "assistant"]
    assert "messages" in vars(record)
