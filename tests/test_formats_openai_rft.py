"""openai-rft: prompts for reinforcement fine-tuning, with the fields graders read."""

from __future__ import annotations

from support import FORMAT_TESTS, found

PROMPT = [{"role": "developer", "content": "Answer with a number."}, {"role": "user", "content": "2+2?"}]
VALID = [{"messages": PROMPT, "reference_answer": "4"}] * 2  # a file's first records, so that it is detected as RFT


def test_valid_records_have_no_findings(lint_records):
    records = [
        {"messages": PROMPT, "reference_answer": "4"},
        {"messages": PROMPT, "reference_answer": {"value": 4, "unit": None}, "difficulty": 1},
        # Earlier turns may include the assistant's; the last message is the prompt.
        {
            "messages": [*PROMPT, {"role": "assistant", "content": "4"}, {"role": "user", "content": "And 3+3?"}],
            "reference_answer": "6",
        },
        {
            "messages": [{"role": "user", "content": "Weather in Paris?"}],
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                    },
                }
            ],
            "expected_call": "get_weather",
        },
    ]
    assert lint_records(*records, defaults=FORMAT_TESTS) == []


def test_no_reply_is_expected_so_ft104_and_ft106_stay_quiet(lint_records):
    # The same prompts in an OpenAI chat file are examples with nothing to train on.
    rft = lint_records(*[{"messages": PROMPT, "answer": "4"}] * 2, name="rft.jsonl", defaults=FORMAT_TESTS)
    assert rft == []
    chat = lint_records(
        {"messages": [*PROMPT[1:], {"role": "assistant", "content": "4"}]},
        {"messages": PROMPT[1:]},
        name="chat.jsonl",
        defaults=FORMAT_TESTS,
    )
    assert found(chat) == {(2, "FT104", "/messages")}


def test_a_last_assistant_message_is_an_error(lint_records):
    records = [*VALID, {"messages": [*PROMPT, {"role": "assistant", "content": "4"}], "answer": "4"}]
    findings = lint_records(*records, defaults=FORMAT_TESTS)
    assert found(findings) == {(3, "FT101", "/messages/2")}
    assert "ends with the prompt the model answers" in findings[0].message


def test_roles_rft_does_not_take(lint_records):
    records = [
        *VALID,
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}], "answer": "4"},
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {(3, "FT103", "/messages/0/role")}


def test_weights_are_for_supervised_data_only(lint_records):
    records = [
        *VALID,
        {
            "messages": [
                {"role": "user", "content": "2+2?"},
                {"role": "assistant", "content": "4", "weight": 1},
                {"role": "user", "content": "3+3?"},
            ],
            "answer": "6",
        },
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {(3, "FT108", "/messages/1/weight")}


def test_content_rules_apply_to_the_prompt(lint_records):
    records = [
        *VALID,
        {"messages": [{"role": "user", "content": "  "}], "answer": "4"},
        {"messages": [{"role": "user", "content": "CafÃ© prices?"}], "answer": "4"},
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (3, "FT201", "/messages/0/content"),
        (4, "FT204", "/messages/0/content"),
    }


def test_messages_must_be_a_list_of_messages(lint_records):
    records = [*VALID, {"messages": "2+2?", "answer": "4"}, {"messages": [], "answer": "4"}]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (3, "FT101", "/messages"),
        (4, "FT101", "/messages"),
    }
