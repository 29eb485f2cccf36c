"""Token counts of the formats other than OpenAI's: their messages, counted like chat messages."""

from __future__ import annotations

import pytest

from ft_lint.tokens import IMAGE_TOKENS_UPPER_BOUND, count_chat, count_record
from support import PNG, b64

CHAT = {
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
    ]
}


@pytest.mark.parametrize(
    ("record", "format_name"),
    [
        ({"system": "Be brief.", "instruction": "Capital of France?", "input": "", "output": "Paris."}, "alpaca"),
        (
            {
                "system": "Be brief.",
                "conversations": [{"from": "human", "value": "Capital of France?"}, {"from": "gpt", "value": "Paris."}],
            },
            "sharegpt",
        ),
        (
            {
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Capital of France?"},
                    {"role": "model", "content": "Paris."},
                ]
            },
            "vertex-chat",
        ),
        (
            {
                "systemInstruction": {"parts": [{"text": "Be brief."}]},
                "contents": [
                    {"role": "user", "parts": [{"text": "Capital of France?"}]},
                    {"role": "model", "parts": [{"text": "Paris."}]},
                ],
            },
            "vertex-gemini",
        ),
        (
            {
                "schemaVersion": "bedrock-conversation-2024",
                "system": [{"text": "Be brief."}],
                "messages": [
                    {"role": "user", "content": [{"text": "Capital of France?"}]},
                    {"role": "assistant", "content": [{"text": "Paris."}]},
                ],
            },
            "bedrock-conversation",
        ),
    ],
)
@pytest.mark.parametrize("encoding", ["o200k_base", None])
def test_other_formats_count_like_the_same_chat(record, format_name, encoding):
    expected = count_chat(CHAT, encoding)
    counted = count_record(record, format_name, encoding)
    assert (counted.total, counted.trained) == (expected.total, expected.trained)
    assert counted.total > 10 and not counted.exact  # OpenAI's framing stands in for the model's template


def test_a_shared_prompt_is_counted_once_and_both_replies():
    record = {
        "prompt": [CHAT["messages"][1]],
        "chosen": [{"role": "assistant", "content": "Paris."}],
        "rejected": [{"role": "assistant", "content": "Lyon."}],
    }
    one_reply = count_chat(
        {"messages": [CHAT["messages"][1], {"role": "assistant", "content": "Paris."}]}, "o200k_base"
    )
    other_reply = count_chat({"messages": [{"role": "assistant", "content": "Lyon."}]}, "o200k_base")
    counted = count_record(record, "trl-preference", "o200k_base")
    assert counted.total == one_reply.total + other_reply.total - 3  # the reply priming once
    assert counted.trained == one_reply.trained + other_reply.trained


def test_images_of_other_providers_count_at_most_what_an_openai_image_costs():
    image = {"inlineData": {"mimeType": "image/png", "data": b64(PNG)}}
    plain = {
        "contents": [
            {"role": "user", "parts": [{"text": "What is this?"}]},
            {"role": "model", "parts": [{"text": "A pixel."}]},
        ]
    }
    with_image = {"contents": [{"role": "user", "parts": [{"text": "What is this?"}, image]}, plain["contents"][1]]}
    assert (
        count_record(with_image, "vertex-gemini", "o200k_base").total
        == count_record(plain, "vertex-gemini", "o200k_base").total + IMAGE_TOKENS_UPPER_BOUND
    )
