"""FT2xx: the text inside messages."""

from __future__ import annotations

import pytest

import samples as s
from support import codes, of, where

ALL_VALID = [record for records in s.VALID_RECORDS.values() for record in records]


@pytest.mark.parametrize("code", ["FT201", "FT202", "FT203", "FT204", "FT205"])
def test_valid_records_of_every_format_are_not_flagged(lint_records, code):
    assert not of(lint_records(*ALL_VALID), code)


# FT201 empty-content


def test_empty_and_whitespace_content_is_flagged_at_the_text(lint_records):
    findings = lint_records(s.ASSISTANT_EMPTY, s.USER_WHITESPACE, s.TEXT_PART_EMPTY)
    assert where(findings, "FT201") == [
        (1, "/messages/1/content"),
        (2, "/messages/0/content"),
        (3, "/messages/0/content/0/text"),
    ]
    assert [f.message for f in of(findings, "FT201")] == [
        "assistant message 1 has empty content",
        "user message 0 has only whitespace as content",
        "user message 0 has empty content",
    ]
    assert codes(findings) == {"FT201"}


def test_missing_or_null_content_is_flagged_once_by_empty_content(lint_records):
    findings = lint_records(
        s.ASSISTANT_NULL, s.ASSISTANT_MISSING_CONTENT, s.USER_NULL, s.USER_MISSING_CONTENT, s.CONTENT_EMPTY_LIST
    )
    assert where(findings, "FT201") == [
        (1, "/messages/1/content"),
        (2, "/messages/1"),  # missing content: the pointer resolves, at its message
        (3, "/messages/0/content"),
        (4, "/messages/0"),
        (5, "/messages/0/content"),
    ]
    assert [f.message for f in findings] == [
        f"{who} has no content"
        for who in ("assistant message 1", "assistant message 1", "user message 0", "user message 0", "user message 0")
    ]
    assert codes(findings) == {"FT201"}  # not also a schema violation


def test_empty_completion_and_preference_reply_are_flagged(lint_records):
    [completion] = lint_records(s.COMPLETION_EMPTY)
    assert (completion.code, completion.pointer, completion.message) == (
        "FT201",
        "/completion",
        "completion has empty content",
    )
    [reply] = lint_records(s.PREFERENCE_EMPTY_REPLY)
    assert (reply.code, reply.pointer) == ("FT201", "/non_preferred_output/0/content")
    assert reply.message == "assistant message of non_preferred_output has only whitespace as content"


def test_tool_calls_images_and_wrong_types_are_not_empty_content(lint_records):
    findings = lint_records(s.CHAT_TOOLS, s.CHAT_FUNCTIONS, s.CHAT_TARGET_CALL, s.IMAGE_ONLY, s.CONTENT_NUMBER)
    assert not of(findings, "FT201")


# FT202 surrounding-whitespace


def test_surrounding_whitespace_is_flagged_with_a_fix(lint_records):
    findings = lint_records(s.TRAILING_NEWLINES, s.LEADING_SPACE_USER, s.LEADING_SPACE_PART)
    assert where(findings, "FT202") == [
        (1, "/messages/1/content"),
        (2, "/messages/0/content"),
        (3, "/messages/0/content/0/text"),
    ]
    assert [f.message for f in of(findings, "FT202")] == [
        "assistant message 1 has trailing whitespace",
        "user message 0 has leading whitespace",
        "user message 0 has trailing whitespace",
    ]
    assert all(f.fix for f in of(findings, "FT202"))


def test_findings_in_a_preference_input_name_the_message(lint_records):
    [finding] = lint_records(s.PREFERENCE_INPUT_SPACE)
    assert (finding.code, finding.pointer, finding.message) == (
        "FT202",
        "/input/messages/0/content",
        "user message 0 of input has trailing whitespace",
    )


def test_inner_whitespace_blank_text_and_legacy_completions_are_not_flagged(lint_records):
    assert not of(lint_records(s.INNER_WHITESPACE, s.USER_WHITESPACE), "FT202")
    assert not of(lint_records(s.PROMPT_COMPLETION, {"prompt": "Hi\n\n###\n\n", "completion": " Hello\n"}), "FT202")


# FT203 chat-template-leak


def test_template_tokens_and_role_prefixes_are_flagged(lint_records):
    findings = lint_records(s.LEAK_IM_END, s.LEAK_INST, s.LEAK_ROLE_PREFIX, s.LEAK_ALPACA, s.LEAK_EOS)
    assert where(findings, "FT203") == [
        (1, "/messages/1/content"),
        (2, "/messages/0/content"),
        (3, "/messages/1/content"),
        (4, "/messages/0/content"),
        (5, "/messages/1/content"),
    ]
    assert [f.message.split(" contains ")[1].split(",")[0] for f in of(findings, "FT203")] == [
        "'<|im_end|>'",
        "'[INST]'",
        "'User:'",
        "'### Instruction:'",
        "'</s>'",
    ]


def test_html_and_ordinary_labels_are_not_template_leaks(lint_records):
    assert not of(lint_records(s.HTML_STRIKE, s.USERNAME_LINE, s.CHAT_MULTI_TURN), "FT203")


# FT204 mojibake


def test_mis_decoded_text_is_flagged_with_the_repair(lint_records):
    findings = lint_records(s.MOJIBAKE_LATIN1, s.MOJIBAKE_CP1252, s.MOJIBAKE_MAC)
    assert where(findings, "FT204") == [
        (1, "/messages/1/content"),
        (2, "/messages/0/content"),
        (3, "/messages/1/content"),
    ]
    assert ["'é'" in findings[0].message, "'’'" in findings[1].message, "'é'" in findings[2].message] == [
        True,
        True,
        True,
    ]


def test_replacement_character_is_flagged(lint_records):
    [finding] = of(lint_records(s.REPLACEMENT_CHAR), "FT204")
    assert finding.pointer == "/messages/1/content" and "U+FFFD" in finding.message


def test_correct_accents_are_not_mojibake(lint_records):
    assert not of(lint_records(s.ACCENTS_OK), "FT204")


# FT205 echo-answer


def test_answer_equal_to_the_prompt_is_flagged(lint_records):
    findings = lint_records(s.ECHO_SAME, s.ECHO_PREFIX)
    assert where(findings, "FT205") == [(1, "/messages/1"), (2, "/messages/1")]
    assert "same text" in findings[0].message and "starts by repeating" in findings[1].message


def test_echoed_completion_is_flagged(lint_records):
    assert where(lint_records(s.COMPLETION_ECHO), "FT205") == [(1, "/completion")]


def test_echoes_are_found_however_the_words_are_spaced_or_split_into_parts(lint_records):
    """FT205 first compares the first words: a prompt of one long word that the answer's first
    word extends, text parts that start empty or with whitespace, all still echo."""
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis-like"
    parts = [
        {"type": "text", "text": ""},
        {"type": "text", "text": "  \n Repeat"},
        {"type": "text", "text": "after me, please: the quick brown fox"},
    ]
    findings = lint_records(
        s.conversation(s.msg("user", word), s.msg("assistant", word + "s are rare.")),
        s.conversation(s.msg("user", parts), s.msg("assistant", "Repeat after me,\tplease: the quick brown fox")),
        s.conversation(
            s.msg("user", "\n\nRepeat after me"),
            s.msg("assistant", [{"type": "text", "text": " "}, {"type": "text", "text": "Repeat  after me"}]),
        ),
        s.conversation(s.msg("user", word), s.msg("assistant", "Pneumono is not " + word)),
    )
    assert where(findings, "FT205") == [(1, "/messages/1"), (2, "/messages/1"), (3, "/messages/1")]


def test_short_quoted_prompt_and_different_answers_are_not_echoes(lint_records):
    assert not of(lint_records(s.SHORT_QUOTE, s.CHAT, s.CHAT_TOOLS), "FT205")


@pytest.mark.parametrize(
    ("garbled", "meant"), [("Â°", "°"), ("Ã©", "é"), ("Ä…", "ą"), ("Å›", "ś"), ("â€™", "’"), ("√©", "é")]
)
def test_mojibake_is_repaired_whichever_character_it_starts_with(garbled, meant):
    from ft_lint.rules.content import _repair

    assert _repair(f"Le texte {garbled} est là") == (garbled, meant)
    assert _repair(f"Le texte {meant} est là") is None
