"""openai-chat, openai-preference, openai-prompt-completion: what this change touched."""

from __future__ import annotations

from support import FORMAT_TESTS, found

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}


def test_keys_forbidden_for_a_role_are_named_with_their_pointer(lint_records):
    records = [
        CHAT,
        CHAT,
        CHAT,
        {"messages": [{"role": "user", "content": "Hi", "weight": 1}, {"role": "assistant", "content": "Hello!"}]},
        {
            "messages": [
                {"role": "user", "content": "Hi", "tool_call_id": "c1"},
                {"role": "assistant", "content": "Hello!"},
            ]
        },
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "Hi", "image_url": {"url": "https://x.test/a.png"}}],
                },
                {"role": "assistant", "content": "Hello!"},
            ]
        },
    ]
    findings = lint_records(*records, defaults=FORMAT_TESTS)
    assert found(findings) == {
        (4, "FT108", "/messages/0/weight"),
        (5, "FT102", "/messages/0/tool_call_id"),
        (6, "FT102", "/messages/0/content/0/image_url"),
    }
    assert {f.message for f in findings} >= {
        "'weight' is not allowed in message 0",
        "'tool_call_id' is not allowed in message 0",
    }


def test_a_file_whose_records_all_break_one_openai_rule_is_still_openai_chat(lint_records):
    # TRL takes no `weight` either, so the records are no better as TRL: OpenAI chat wins.
    record = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!", "weight": 0.5}]
    }
    assert found(lint_records(*[record] * 3, defaults=FORMAT_TESTS)) == {
        (n, "FT108", "/messages/1/weight") for n in (1, 2, 3)
    }


def test_type_errors_name_the_type_not_the_whole_value(lint_records):
    (finding,) = lint_records(
        CHAT,
        {"messages": [{"role": "user", "content": {"text": "a long value " * 20}}, CHAT["messages"][1]]},
        defaults=FORMAT_TESTS,
    )
    assert (finding.code, finding.pointer) == ("FT101", "/messages/0/content")
    assert finding.message == "message 0 (content): must be string or array, not an object"


def test_legacy_completions_keep_their_leading_space_but_chat_replies_do_not(lint_records):
    assert (
        lint_records(*[{"prompt": "2+2 =", "completion": " 4"}] * 2, name="legacy.jsonl", defaults=FORMAT_TESTS) == []
    )
    chat = [CHAT, {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": " 4"}]}]
    assert found(lint_records(*chat, name="chat.jsonl", defaults=FORMAT_TESTS)) == {(2, "FT202", "/messages/1/content")}


def test_preference_echo_is_found_in_either_reply(lint_records):
    record = {
        "input": {"messages": [{"role": "user", "content": "Translate: good morning"}]},
        "preferred_output": [{"role": "assistant", "content": "Bonjour"}],
        "non_preferred_output": [{"role": "assistant", "content": "Translate: good morning"}],
    }
    assert found(lint_records(record, defaults=FORMAT_TESTS)) == {(1, "FT205", "/non_preferred_output/0")}
