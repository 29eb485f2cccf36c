"""Hugging Face TRL: conversational, prompt-completion and preference datasets."""

from __future__ import annotations

from ft_lint.formats import all_formats
from support import FORMAT_TESTS, found

USER = {"role": "user", "content": "What color is the sky?"}
ASSISTANT = {"role": "assistant", "content": "It is blue."}


# --- trl-conversational --------------------------------------------------------------------


def test_conversational_records_with_extra_columns_are_valid(lint_records):
    records = [
        {"messages": [USER, ASSISTANT], "id": 1, "source": "forum"},
        {"messages": [{"role": "system", "content": "Be brief."}, USER, ASSISTANT], "id": 2},
        {
            "messages": [
                {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is this?"}]},
                ASSISTANT,
            ],
            "images": ["cat.png"],
        },
        {
            "messages": [
                USER,
                {
                    "role": "assistant",
                    "tool_calls": [{"type": "function", "function": {"name": "look", "arguments": {"where": "up"}}}],
                },
                {"role": "tool", "name": "look", "content": "blue"},
                ASSISTANT,
            ],
            "tools": [{"type": "function", "function": {"name": "look", "parameters": {"type": "object"}}}],
        },
    ]
    assert lint_records(*records, defaults=FORMAT_TESTS) == []


def test_conversational_errors(lint_records):
    records = [
        {"messages": [USER, ASSISTANT], "id": 1},
        {"messages": [USER, {"role": "bot", "content": "It is blue."}], "id": 2},
        {"messages": [USER, {"role": "assistant", "contnet": "It is blue."}], "id": 3},
        {"messages": [USER, {"role": "assistant", "content": "<|im_start|>assistant\nIt is blue."}], "id": 4},
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (2, "FT103", "/messages/1/role"),
        (3, "FT102", "/messages/1/contnet"),
        (3, "FT201", "/messages/1"),  # the content is missing: at its message
        (4, "FT203", "/messages/1/content"),
    }


# --- trl-prompt-completion -------------------------------------------------------------------


def test_prompt_completion_records_are_valid_as_text_or_as_messages(lint_records):
    records = [
        {"prompt": [USER], "completion": [ASSISTANT]},
        {"prompt": [{"role": "system", "content": "Be brief."}, USER], "completion": [ASSISTANT], "id": "b"},
        {"prompt": "The sky is", "completion": " blue.", "id": "c"},  # TRL's leading-space convention
    ]
    assert lint_records(*records, defaults=FORMAT_TESTS) == []


def test_prompt_completion_errors_point_into_the_right_list(lint_records):
    records = [
        {"prompt": [USER], "completion": [ASSISTANT]},
        {"prompt": [USER], "completion": "It is blue."},  # one a list, the other text
        {"prompt": [USER], "completion": [{"role": "assistant", "content": " It is blue."}]},
        {
            "prompt": [USER, {"role": "assistant", "content": "Hm."}],
            "completion": [{"role": "user", "content": "Well?"}],
        },
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (2, "FT101", ""),
        (3, "FT202", "/completion/0/content"),  # in a chat message, whitespace is not a convention
        (4, "FT106", "/completion/0"),
    }


# --- trl-preference ----------------------------------------------------------------------------


def test_preference_records_in_every_documented_shape_are_valid(lint_records):
    records = [
        {"prompt": "The sky is", "chosen": " blue.", "rejected": " green."},
        {"chosen": "The sky is blue.", "rejected": "The sky is green."},
        {"prompt": [USER], "chosen": [ASSISTANT], "rejected": [{"role": "assistant", "content": "It is green."}]},
        {"chosen": [USER, ASSISTANT], "rejected": [USER, {"role": "assistant", "content": "It is green."}]},
        {
            "prompt": "What color is the sky?",
            "chosen": [ASSISTANT],
            "rejected": [{"role": "assistant", "content": "Green."}],
            "score": 0.7,
        },
    ]
    assert lint_records(*records, defaults=FORMAT_TESTS) == []


def test_an_implicit_text_prompt_counts_as_the_users_turn():
    fmt = all_formats()["trl-preference"]
    chosen, rejected = fmt.conversations({"chosen": "The sky is blue.", "rejected": "The sky is green."})
    assert [m.role for m in chosen] == [m.role for m in rejected] == ["user", "assistant"]
    assert chosen[0].content is None and chosen[1].pointer == "/chosen" and rejected[1].pointer == "/rejected"


def test_preference_errors(lint_records):
    records = [
        {"prompt": "Q: sky colour?", "chosen": "Blue.", "rejected": "Green."},
        {"prompt": "Q: sky colour?", "chosen": "Blue.", "rejected": [ASSISTANT]},  # mixed shapes
        {"prompt": "Q: sky colour?", "chosen": "", "rejected": "Green."},
        {"prompt": "Q: sky colour?", "chosen": "Blue.", "rejected": "Q: sky colour?"},
        {"prompt": [USER], "chosen": [{"role": "model", "content": "Blue."}], "rejected": [ASSISTANT]},
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (2, "FT101", ""),
        (3, "FT201", "/chosen"),
        (4, "FT205", "/rejected"),
        (5, "FT103", "/chosen/0/role"),
    }
