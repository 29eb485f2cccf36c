"""bedrock-conversation: schemaVersion, system blocks, messages with content blocks."""

from __future__ import annotations

from support import FORMAT_TESTS, JPEG, PNG, b64, found


def message(role: str, *texts: str) -> dict:
    return {"role": role, "content": [{"text": text} for text in texts]}


BEDROCK = {
    "schemaVersion": "bedrock-conversation-2024",
    "system": [{"text": "You are brief."}],
    "messages": [message("user", "Capital of France?"), message("assistant", "Paris.")],
}


def image(source: dict, fmt: str = "png") -> dict:
    return {"image": {"format": fmt, "source": source}}


def test_valid_records_have_no_findings(lint_records):
    records = [
        BEDROCK,
        {
            "schemaVersion": "bedrock-conversation-2024",
            "messages": [
                message("user", "Hi"),
                message("assistant", "Hello!"),
                message("user", "Bye"),
                message("assistant", "Bye!"),
            ],
        },
        {
            "schemaVersion": "bedrock-conversation-2024",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"text": "What is this?"},
                        image({"s3Location": {"uri": "s3://bucket/cat.png", "bucketOwner": "123456789012"}}),
                    ],
                },
                message("assistant", "A cat."),
            ],
        },
        {
            "schemaVersion": "bedrock-conversation-2024",
            "messages": [
                {"role": "user", "content": [image({"bytes": b64(JPEG)}, "jpeg"), {"text": "What is this?"}]},
                message("assistant", "A photo."),
            ],
        },
        {
            "schemaVersion": "bedrock-conversation-2024",
            "messages": [
                message("user", "Weather in Paris?"),
                {
                    "role": "assistant",
                    "content": [{"toolUse": {"toolUseId": "t1", "name": "weather", "input": {"city": "Paris"}}}],
                },
                {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "sunny"}]}}]},
                message("assistant", "Sunny."),
            ],
        },
    ]
    assert lint_records(*records, defaults=FORMAT_TESTS) == []


def test_content_rules_point_inside_blocks(lint_records):
    records = [
        BEDROCK,
        {
            "schemaVersion": "bedrock-conversation-2024",
            "system": [{"text": " Be brief."}],
            "messages": [message("user", "Hi"), message("assistant", "Hello!")],
        },
        {"schemaVersion": "bedrock-conversation-2024", "messages": [message("user", "Hi"), message("assistant", "")]},
        {
            "schemaVersion": "bedrock-conversation-2024",
            "messages": [message("user", "Translate: good morning"), message("assistant", "Translate: good morning")],
        },
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (2, "FT202", "/system/0/text"),
        (3, "FT201", "/messages/1/content/0/text"),
        (4, "FT205", "/messages/1"),
    }


def test_turn_order(lint_records):
    # answered records make most of the file, so it is fine-tuning data (not distillation prompts)
    records = [
        BEDROCK,
        {
            "schemaVersion": "bedrock-conversation-2024",
            "messages": [message("assistant", "Hello!"), message("user", "Hi")],
        },
        {"schemaVersion": "bedrock-conversation-2024", "messages": [message("user", "Hi")]},
        BEDROCK | {"system": [{"text": "Other."}]},
        BEDROCK | {"system": [{"text": "Third."}]},
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (2, "FT106", "/messages/1"),
        (2, "FT107", "/messages/0"),
        (3, "FT104", "/messages"),
    }


def test_schema_errors(lint_records):
    records = [
        BEDROCK,
        {"system": [{"text": "Be brief."}], "messages": BEDROCK["messages"]},  # no schemaVersion: still Bedrock
        {
            "schemaVersion": "bedrock-conversation-2024",
            "messages": [{"role": "user", "content": "Hi"}, message("assistant", "Hello!")],
        },
        {"schemaVersion": "bedrock-conversation-2024", "messages": [message("user", "Hi"), message("model", "Hello!")]},
        {
            "schemaVersion": "bedrock-conversation-2024",
            "messages": [{"role": "user", "content": [{"text": "Hi", "image": {}}]}, message("assistant", "Hello!")],
        },
        {"schemaVersion": "bedrock-conversation-2024", "system": "Be brief.", "messages": BEDROCK["messages"]},
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (2, "FT101", ""),
        (3, "FT101", "/messages/0/content"),
        (4, "FT103", "/messages/1/role"),
        (5, "FT101", "/messages/0/content/0"),
        (5, "FT101", "/messages/0/content/0/image"),
        (6, "FT101", "/system"),
    }


def test_images_come_from_s3_or_inline_bytes(lint_records):
    def with_image(block: dict) -> dict:
        return {
            "schemaVersion": "bedrock-conversation-2024",
            "messages": [
                {"role": "user", "content": [block, {"text": "What is this?"}]},
                message("assistant", "A cat."),
            ],
        }

    records = [
        BEDROCK,
        with_image(image({"s3Location": {"uri": "https://example.com/cat.png"}})),
        with_image(image({"bytes": b64(PNG)}, "jpeg")),
        with_image(image({"bytes": "not base64!"})),
        with_image(image({"bytes": b64(PNG)}, "bmp")),
    ]
    findings = lint_records(*records, defaults=FORMAT_TESTS)
    assert found(findings) == {
        (2, "FT113", "/messages/0/content/0/image/source/s3Location/uri"),
        (3, "FT113", "/messages/0/content/0/image/source/bytes"),
        (4, "FT113", "/messages/0/content/0/image/source/bytes"),
        (5, "FT101", "/messages/0/content/0/image/format"),
        (5, "FT113", "/messages/0/content/0/image/source/bytes"),
    }
    messages = {f.line: f.message for f in findings if f.code == "FT113"}
    assert messages[2] == "image URL must be s3://, not 'https://example.com/cat.png'"
    assert messages[3] == "image is declared image/jpeg but its bytes are PNG"
    assert messages[4] == "image data is not valid base64"


# --- model distillation: prompts only, the teacher writes the answers ------------------------

DISTILLATION = {
    "schemaVersion": "bedrock-conversation-2024",
    "system": [{"text": "You are brief."}],
    "messages": [message("user", "Capital of France?")],
}


def test_a_file_of_prompts_is_distillation_data_with_nothing_missing(lint_records):
    records = [
        DISTILLATION,
        {"schemaVersion": "bedrock-conversation-2024", "messages": [message("user", "Capital of Peru?")]},
    ]
    assert lint_records(*records, defaults=FORMAT_TESTS) == []
    # the look-alike: a fine-tuning file (answers given) whose one record lost its answer
    assert found(
        lint_records(
            BEDROCK,
            BEDROCK | {"system": [{"text": "Other."}]},
            DISTILLATION,
            name="tuning.jsonl",
            defaults=FORMAT_TESTS,
        )
    ) == {(3, "FT104", "/messages")}


def test_distillation_prompts_are_text_and_end_with_the_user(lint_records):
    answered = DISTILLATION | {"messages": [message("user", "Capital of Peru?"), message("assistant", "Lima.")]}
    wrong_key = DISTILLATION | {"messages": [{"role": "user", "content": [{"txt": "Capital of Chile?"}]}]}
    findings = found(
        lint_records(DISTILLATION, DISTILLATION | {"system": [{"text": "Terse."}]}, wrong_key, defaults=FORMAT_TESTS)
    )
    assert [(line, code) for line, code, _ in findings] == [(3, "FT102")]
    # a file of prompts where one record carries its answer: still valid (Bedrock takes an optional desired response)
    assert (
        lint_records(
            DISTILLATION,
            DISTILLATION | {"system": [{"text": "Terse."}]},
            answered,
            name="mixed.jsonl",
            defaults=FORMAT_TESTS,
        )
        == []
    )
