"""FT1xx: the structure of a record."""

from __future__ import annotations

import pytest

import samples as s
from ft_lint.findings import Severity
from support import codes, of, where

ALL_VALID = [record for records in s.VALID_RECORDS.values() for record in records]


@pytest.mark.parametrize(
    "code",
    [
        "FT101",
        "FT102",
        "FT103",
        "FT104",
        "FT105",
        "FT106",
        "FT107",
        "FT108",
        "FT109",
        "FT110",
        "FT111",
        "FT112",
        "FT113",
        "FT114",
        "FT115",
        "FT116",
        "FT117",
        "FT118",
    ],
)
def test_valid_records_of_every_format_are_not_flagged(lint_records, code):
    assert not of(lint_records(*ALL_VALID), code)


# FT101 schema-violation


def test_wrong_type_is_one_schema_violation_at_the_value(lint_records):
    findings = lint_records(s.CONTENT_NUMBER)
    assert where(findings, "FT101") == [(1, "/messages/0/content")]
    assert "must be string or array, not a number" in findings[0].message
    assert codes(findings) == {"FT101"}


def test_empty_and_non_list_messages_are_schema_violations(lint_records):
    findings = lint_records(s.MESSAGES_EMPTY, s.MESSAGES_NOT_LIST)
    assert where(findings, "FT101") == [(1, "/messages"), (2, "/messages")]


def test_message_without_role_is_a_schema_violation(lint_records):
    findings = lint_records(s.MESSAGE_WITHOUT_ROLE)
    [finding] = of(findings, "FT101")
    assert finding.pointer == "/messages/0" and "'role'" in finding.message
    assert codes(findings) == {"FT101"}


def test_bad_part_type_image_detail_and_flag_type_are_schema_violations(lint_records):
    findings = lint_records(s.PART_UNKNOWN_TYPE, s.IMAGE_DETAIL_BAD, s.PARALLEL_NOT_BOOL)
    assert where(findings, "FT101") == [
        (1, "/messages/0/content/0/type"),
        (2, "/messages/0/content/0/image_url/detail"),
        (3, "/parallel_tool_calls"),
    ]


def test_record_of_no_known_format_in_a_known_format_file_names_what_is_missing(lint_records):
    findings = lint_records(s.CHAT, s.NO_FORMAT, s.CHAT_MULTI_TURN)
    [finding] = of(findings, "FT101")
    assert (finding.line, finding.pointer) == (2, "")
    assert "the closest is openai-chat" in finding.message and "'messages' is a required property" in finding.message


def test_file_of_no_known_format_is_one_finding_not_one_per_record(lint_records):
    findings = lint_records(s.NO_FORMAT, {"query": "Say bye", "reply": "Bye"}, {"query": "Count", "reply": "1 2 3"})
    [finding] = of(findings, "FT101")
    assert (finding.line, finding.pointer) == (1, "")
    assert finding.message.startswith("none of the 3 records matches a known format")
    assert "the first: record fits no known format (it has query, reply); the closest is" in finding.message
    assert "ft-lint formats" in finding.message


def test_unrecognised_records_of_a_file_with_no_format_so_far_are_counted(lint_records):
    others = [{"query": f"Say {n}", "reply": str(n)} for n in range(60)]  # more than format sniffing reads
    findings = lint_records(*others, s.NO_ASSISTANT)
    [finding] = of(findings, "FT101")
    assert finding.line == 1 and finding.message.startswith("60 of the 61 records match no known format")
    assert where(findings, "FT104") == [(61, "/messages")]  # the chat record is still checked as chat


def test_forced_format_reports_each_record_against_it(lint_records):
    findings = lint_records(s.PROMPT_COMPLETION, format="openai-chat")
    assert where(findings, "FT101") == [(1, "")]
    assert where(findings, "FT102") == [(1, "/completion"), (1, "/prompt")]


# FT102 unknown-key


def test_unknown_key_in_a_message_points_at_the_key(lint_records):
    findings = lint_records(s.UNKNOWN_KEY_MESSAGE)
    [finding] = of(findings, "FT102")
    assert finding.pointer == "/messages/1/id"
    assert "'id'" in finding.message and "allowed keys" in finding.message
    assert codes(findings) == {"FT102"}


def test_unknown_top_level_key_and_each_of_several_keys(lint_records):
    findings = lint_records(s.UNKNOWN_KEY_TOP, s.UNKNOWN_KEY_TWO)
    assert where(findings, "FT102") == [(1, "/metadata"), (2, "/messages/0/lang"), (2, "/messages/0/ts")]


def test_keys_of_another_role_are_unknown_keys(lint_records):
    findings = lint_records(s.TOOL_CALLS_ON_USER, s.TOOL_CALL_ID_ON_ASSISTANT)
    assert where(findings, "FT102") == [(1, "/messages/0/tool_calls"), (2, "/messages/1/tool_call_id")]
    assert of(findings, "FT102")[0].message == "'tool_calls' is not allowed in message 0"
    assert "FT101" not in codes(findings)


def test_tool_message_without_its_call_id_is_a_schema_violation(lint_records):
    assert where(lint_records(s.TOOL_WITHOUT_CALL_ID), "FT101") == [(1, "/messages/2")]


# FT103 invalid-role


def test_invalid_role_points_at_the_role_and_lists_the_allowed_ones(lint_records):
    findings = lint_records(s.ROLE_BOT)
    [finding] = of(findings, "FT103")
    assert finding.pointer == "/messages/1/role"
    assert "'bot'" in finding.message and "assistant" in finding.message


def test_invalid_role_suggests_the_openai_role(lint_records):
    findings = lint_records(s.ROLE_MODEL, s.ROLE_HUMAN)
    assert ["'model'" in f.message and "use 'assistant'" in f.message for f in of(findings, "FT103")] == [True, False]
    assert "use 'user'" in of(findings, "FT103")[1].message


def test_invalid_role_does_not_cascade_into_conversation_findings(lint_records):
    assert codes(lint_records(s.ROLE_MODEL, s.ROLE_HUMAN)) == {"FT103"}


def test_preference_output_must_be_an_assistant(lint_records):
    findings = lint_records(s.PREFERENCE_OUTPUT_ROLE)
    assert where(findings, "FT103") == [(1, "/preferred_output/0/role")]
    assert codes(findings) == {"FT103"}


# FT104 no-assistant-message


def test_conversation_without_assistant_is_flagged(lint_records):
    findings = lint_records(s.NO_ASSISTANT)
    assert where(findings, "FT104") == [(1, "/messages")]
    assert codes(findings) == {"FT104"}


def test_conversation_with_an_assistant_is_not_flagged(lint_records):
    assert not of(lint_records(s.NO_USER, s.TRAILING_USER, s.CHAT_TARGET_CALL), "FT104")


# FT105 no-user-message


def test_conversation_without_user_is_flagged_once(lint_records):
    findings = lint_records(s.NO_USER)
    assert where(findings, "FT105") == [(1, "/messages")]
    assert codes(findings) == {"FT105"}  # not also "assistant before any user" (FT107)


def test_preference_input_without_user_is_flagged(lint_records):
    findings = lint_records(s.PREFERENCE_NO_USER)
    assert where(findings, "FT105") == [(1, "/input/messages")]
    assert codes(findings) == {"FT105"}


def test_conversation_with_a_user_is_not_flagged(lint_records):
    assert not of(lint_records(s.ASSISTANT_GREETS_FIRST, s.NO_ASSISTANT), "FT105")


# FT106 last-message-not-assistant


def test_turns_after_the_last_assistant_are_flagged(lint_records):
    findings = lint_records(s.TRAILING_USER, s.TRAILING_TOOL)
    assert where(findings, "FT106") == [(1, "/messages/2"), (2, "/messages/2")]
    assert of(findings, "FT106")[0].message.startswith("user message 2 comes after the last assistant message")


def test_conversation_ending_with_the_assistant_or_without_one_is_not_flagged(lint_records):
    assert not of(lint_records(s.CHAT, s.NO_ASSISTANT, s.CHAT_TARGET_CALL), "FT106")


# FT107 role-order


def test_system_message_not_first_is_flagged(lint_records):
    findings = lint_records(s.SYSTEM_NOT_FIRST)
    assert where(findings, "FT107") == [(1, "/messages/1")]
    assert of(findings, "FT107")[0].severity is Severity.WARNING


def test_assistant_before_the_first_user_is_flagged(lint_records):
    assert where(lint_records(s.ASSISTANT_GREETS_FIRST), "FT107") == [(1, "/messages/1")]


def test_same_role_twice_in_a_row_is_flagged(lint_records):
    findings = lint_records(s.TWO_USERS, s.TWO_ASSISTANTS)
    assert where(findings, "FT107") == [(1, "/messages/1"), (2, "/messages/2")]
    assert "two user messages in a row" in of(findings, "FT107")[0].message


def test_tool_message_without_a_call_before_it_is_an_error(lint_records):
    [finding] = of(lint_records(s.TOOL_WITHOUT_CALL), "FT107")
    assert finding.pointer == "/messages/1" and finding.severity is Severity.ERROR


def test_usual_orders_are_not_flagged(lint_records):
    assert not of(
        lint_records(s.SYSTEM_THEN_DEVELOPER, s.CHAT_PARALLEL_CALLS, s.CHAT_WEIGHTS, s.CHAT_FUNCTIONS), "FT107"
    )


# FT108 invalid-weight


def test_weight_other_than_0_or_1_is_flagged_at_the_weight(lint_records):
    findings = lint_records(s.WEIGHT_TWO, s.WEIGHT_HALF, s.WEIGHT_STRING)
    assert where(findings, "FT108") == [(1, "/messages/1/weight"), (2, "/messages/1/weight"), (3, "/messages/1/weight")]
    assert "not 2" in of(findings, "FT108")[0].message
    assert codes(findings) == {"FT108"}


def test_weight_on_a_user_message_is_flagged(lint_records):
    findings = lint_records(s.WEIGHT_ON_USER)
    [finding] = of(findings, "FT108")
    assert (finding.pointer, finding.message) == ("/messages/0/weight", "'weight' is not allowed in message 0")
    assert codes(findings) == {"FT108"}


# FT109 nothing-to-train


def test_all_assistant_weights_zero_is_flagged(lint_records):
    assert where(lint_records(s.ALL_WEIGHTS_ZERO), "FT109") == [(1, "/messages")]


def test_one_trained_assistant_message_is_enough(lint_records):
    assert not of(lint_records(s.CHAT_WEIGHTS, s.CHAT, s.NO_ASSISTANT), "FT109")


# FT110 tool-call-mismatch


def test_tool_result_for_an_unknown_call_is_flagged_at_its_id(lint_records):
    findings = lint_records(s.TOOL_ANSWERS_UNKNOWN_ID)
    assert where(findings, "FT110") == [(1, "/messages/3/tool_call_id")]
    assert "'call_9'" in of(findings, "FT110")[0].message


def test_call_never_answered_is_flagged_at_the_assistant_message(lint_records):
    findings = lint_records(s.CALL_NEVER_ANSWERED)
    assert where(findings, "FT110") == [(1, "/messages/1")]
    assert "'call_2'" in of(findings, "FT110")[0].message


def test_call_answered_twice_and_id_reused_are_flagged(lint_records):
    findings = lint_records(s.CALL_ANSWERED_TWICE, s.CALL_ID_REUSED, s.CALL_ID_TWICE_IN_TARGET)
    assert where(findings, "FT110") == [(1, "/messages/3/tool_call_id"), (2, "/messages/3"), (3, "/messages/1")]


def test_answered_calls_and_the_final_target_call_are_not_flagged(lint_records):
    assert not of(lint_records(s.CHAT_TOOLS, s.CHAT_PARALLEL_CALLS, s.CHAT_TARGET_CALL), "FT110")


def test_a_call_in_the_last_assistant_message_may_be_answered(lint_records):
    assert not of(lint_records(s.TRAILING_TOOL), "FT110")


# FT111 invalid-tool-arguments


def test_arguments_as_an_object_is_flagged_once_at_the_arguments(lint_records):
    findings = lint_records(s.ARGUMENTS_OBJECT)
    assert where(findings, "FT111") == [(1, "/messages/1/tool_calls/0/function/arguments")]
    assert "json.dumps" in findings[0].message
    assert codes(findings) == {"FT111"}


def test_arguments_that_are_not_a_json_object_are_flagged(lint_records):
    findings = lint_records(s.ARGUMENTS_NOT_JSON, s.ARGUMENTS_ARRAY, s.FUNCTION_CALL_ARGUMENTS_BAD)
    assert where(findings, "FT111") == [
        (1, "/messages/1/tool_calls/0/function/arguments"),
        (2, "/messages/1/tool_calls/0/function/arguments"),
        (3, "/messages/1/function_call/arguments"),
    ]
    assert "not valid JSON" in of(findings, "FT111")[0].message
    assert "an array, not an object" in of(findings, "FT111")[1].message


def test_json_object_arguments_are_not_flagged(lint_records):
    assert not of(lint_records(s.CHAT_TOOLS, s.CHAT_FUNCTIONS, s.CHAT_TARGET_CALL), "FT111")


# FT112 invalid-tool-definition


def test_bad_tool_name_is_flagged_at_the_name(lint_records):
    findings = lint_records(s.TOOL_NAME_SPACE, s.TOOL_NAME_NEWLINE, s.FUNCTIONS_NAME_BAD)
    assert where(findings, "FT112") == [
        (1, "/tools/0/function/name"),
        (2, "/tools/0/function/name"),
        (3, "/functions/0/name"),
    ]
    assert "'get weather'" in of(findings, "FT112")[0].message and "letters, digits" in of(findings, "FT112")[0].message
    assert codes(findings) == {"FT112"}


def test_bad_tool_name_in_a_preference_record_is_flagged(lint_records):
    findings = lint_records(s.PREFERENCE_TOOL_NAME_BAD)
    assert where(findings, "FT112") == [(1, "/input/tools/0/function/name")]
    assert codes(findings) == {"FT112"}


def test_duplicate_tool_name_is_flagged_at_the_second(lint_records):
    assert where(lint_records(s.TOOL_NAME_DUPLICATE), "FT112") == [(1, "/tools/1/function/name")]


def test_parameters_that_are_not_an_object_schema_are_flagged(lint_records):
    findings = lint_records(s.TOOL_PARAMETERS_BAD_TYPE, s.TOOL_PARAMETERS_NOT_OBJECT, s.TOOL_TYPE_BAD)
    assert where(findings, "FT112") == [
        (1, "/tools/0/function/parameters"),
        (2, "/tools/0/function/parameters"),
        (3, "/tools/0/type"),
    ]
    assert "not a valid JSON Schema" in of(findings, "FT112")[0].message
    assert "must describe an object" in of(findings, "FT112")[1].message


def test_valid_tool_definitions_are_not_flagged(lint_records):
    assert not of(lint_records(s.CHAT_TOOLS, s.PREFERENCE_TOOLS, s.CHAT_FUNCTIONS), "FT112")


# FT113 invalid-image


def test_valid_images_are_not_flagged(lint_records):
    assert not of(lint_records(s.IMAGES_OK, s.CHAT_TEXT_PARTS, s.IMAGE_ONLY), "FT113")


def test_bad_image_urls_are_flagged_at_the_url(lint_records):
    findings = lint_records(
        s.IMAGE_HTTP, s.IMAGE_GIF, s.IMAGE_WRONG_BYTES, s.IMAGE_NOT_IMAGE, s.IMAGE_BAD_BASE64, s.IMAGE_NOT_BASE64_URL
    )
    assert where(findings, "FT113") == [(line, "/messages/0/content/1/image_url/url") for line in range(1, 7)]
    messages = [f.message for f in of(findings, "FT113")]
    assert "https" in messages[0]
    assert "image/gif" in messages[1]
    assert "declared image/png but its bytes are JPEG" in messages[2]
    assert "its bytes are not a JPEG, PNG, GIF or WEBP image" in messages[3]
    assert "base64" in messages[4] and "base64" in messages[5]


def test_image_in_an_assistant_message_is_flagged(lint_records):
    [finding] = of(lint_records(s.IMAGE_IN_ASSISTANT), "FT113")
    assert finding.pointer == "/messages/1/content/0/image_url/url" and "assistant" in finding.message


def test_image_count_and_size_limits_are_options(lint_records):
    options = {"FT113": {"max-images": 2, "max-image-bytes": 1000}}
    findings = lint_records(s.THREE_IMAGES, s.BIG_IMAGE, rule_options=options)
    assert where(findings, "FT113") == [
        (1, "/messages/0/content/3/image_url/url"),
        (2, "/messages/0/content/1/image_url/url"),
    ]
    assert "example has 3 images; openai-chat takes at most 2" in of(findings, "FT113")[0].message
    assert not of(lint_records(s.THREE_IMAGES, s.BIG_IMAGE), "FT113")  # within the defaults
