"""vertex-gemini (contents / parts / systemInstruction) and vertex-chat (messages with role model)."""

from __future__ import annotations

from ft_lint.formats import all_formats
from support import FORMAT_TESTS, PNG, b64, found


def turn(role: str, *texts: str) -> dict:
    return {"role": role, "parts": [{"text": text} for text in texts]}


GEMINI = {
    "systemInstruction": {"role": "system", "parts": [{"text": "Answer briefly."}]},
    "contents": [turn("user", "Capital of France?"), turn("model", "Paris.")],
}


def test_valid_gemini_records_have_no_findings(lint_records):
    records = [
        GEMINI,
        {"contents": [turn("user", "Hi"), turn("model", "Hello!"), turn("user", "Bye"), turn("model", "Goodbye!")]},
        {
            "contents": [
                {
                    "role": "user",
                    "parts": [
                        {"text": "What is this?"},
                        {"fileData": {"mimeType": "image/png", "fileUri": "gs://bucket/cat.png"}},
                    ],
                },
                turn("model", "A cat."),
            ]
        },
        {
            "contents": [
                {
                    "role": "user",
                    "parts": [{"text": "What is this?"}, {"inlineData": {"mimeType": "image/png", "data": b64(PNG)}}],
                },
                turn("model", "A pixel."),
            ]
        },
        {
            "contents": [
                turn("user", "Weather in Paris?"),
                {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
                {
                    "role": "user",
                    "parts": [{"functionResponse": {"name": "get_weather", "response": {"sky": "sunny"}}}],
                },
                turn("model", "Sunny."),
            ],
            "tools": [{"functionDeclarations": [{"name": "get_weather"}]}],
        },
    ]
    assert lint_records(*records, defaults=FORMAT_TESTS) == []


def test_roles_are_mapped_so_conversation_rules_apply(lint_records):
    conversation = all_formats()["vertex-gemini"].conversations(GEMINI)[0]
    assert [m.role for m in conversation] == ["system", "user", "assistant"]
    records = [
        GEMINI,
        {"contents": [turn("user", "Hi")]},  # nothing to train on
        {"contents": [turn("model", "Hello!")]},  # no user turn (FT105 alone: "speaks first" would say it twice)
        {"contents": [turn("user", "Hi"), turn("model", "Hello!"), turn("user", "Thanks")]},  # a trailing user turn
        {"contents": [turn("user", "Hi"), turn("user", "Anyone?"), turn("model", "Yes.")]},
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (2, "FT104", "/contents"),
        (3, "FT105", "/contents"),
        (4, "FT106", "/contents/2"),
        (5, "FT107", "/contents/1"),
    }


def test_content_rules_point_inside_parts(lint_records):
    records = [
        GEMINI,
        {"contents": [turn("user", "Capital of France?"), turn("model", "Paris.", "   ")]},
        {
            "systemInstruction": {"parts": [{"text": "Be brief. "}]},
            "contents": [turn("user", "Hi"), turn("model", "Hello!")],
        },
        {"contents": [turn("user", "Hi"), turn("model", "<start_of_turn>model\nHello!")]},
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (2, "FT201", "/contents/1/parts/1/text"),
        (3, "FT202", "/systemInstruction/parts/0/text"),
        (4, "FT203", "/contents/1/parts/0/text"),
    }


def test_schema_errors(lint_records):
    records = [
        GEMINI,
        {"contents": [turn("user", "Hi"), turn("assistant", "Hello!")]},
        {"contents": [turn("user", "Hi"), {"role": "model", "text": "Hello!"}]},
        {
            "contents": [
                turn("user", "Hi"),
                {
                    "role": "model",
                    "parts": [{"text": "Hello!", "inlineData": {"mimeType": "image/png", "data": b64(PNG)}}],
                },
            ]
        },
        {"contents": [turn("user", "Hi"), turn("model", "Hello!")], "generation_config": {}},
        {"contents": []},
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (2, "FT103", "/contents/1/role"),
        (3, "FT101", "/contents/1"),  # parts missing
        (3, "FT102", "/contents/1/text"),
        (3, "FT201", "/contents/1"),  # parts missing: at the turn
        (4, "FT101", "/contents/1/parts/0"),  # a part holds one kind of data
        (4, "FT113", "/contents/1/parts/0/inlineData/data"),  # and the model writes no images
        (5, "FT102", "/generation_config"),
        (6, "FT101", "/contents"),
    }


def test_function_results_answer_the_call_before_them(lint_records):
    call = {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {}}}]}
    result = {"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {}}}]}
    records = [
        {"contents": [turn("user", "Go"), call, result, turn("model", "Done.")]},
        {"contents": [turn("user", "Go"), turn("model", "Calling."), result, turn("model", "Done.")]},
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {(2, "FT107", "/contents/2")}


# --- vertex-chat ---------------------------------------------------------------------------

VERTEX_CHAT = {
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "model", "content": "Hello!"},
    ]
}


def test_valid_vertex_chat_records_have_no_findings(lint_records):
    records = [
        VERTEX_CHAT,
        {
            "messages": [
                {"role": "user", "content": "Hi"},
                {"role": "model", "content": "Hello!"},
                {"role": "user", "content": "Bye"},
                {"role": "model", "content": "Bye!"},
            ]
        },
    ]
    assert lint_records(*records, defaults=FORMAT_TESTS) == []


def test_vertex_chat_errors_and_role_mapping(lint_records):
    records = [
        VERTEX_CHAT,
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "bot", "content": "Hello!"}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "model", "content": ""}]},
        {
            "messages": [
                {"role": "user", "content": "Hi"},
                {"role": "model", "content": "Hello!"},
                {"role": "system", "content": "Be brief."},
            ]
        },
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "model", "content": ["Hello!"]}]},
    ]
    assert found(lint_records(*records, defaults=FORMAT_TESTS)) == {
        (2, "FT103", "/messages/1/role"),
        (3, "FT201", "/messages/1/content"),
        (4, "FT106", "/messages/2"),
        (4, "FT107", "/messages/2"),
        (5, "FT101", "/messages/1/content"),
    }
