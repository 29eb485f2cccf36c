"""Provider profiles (ft_lint/profiles.toml) and the rules that read them: FT102 and FT113 as a
provider restricts them, FT114-FT117, and FT118 (every format). Each rule's true cases sit next to
the look-alikes that must stay silent, and the same data is linted for models of different
providers: what one provider's profile flags, another's does not."""

from __future__ import annotations

import json

import pytest

from ft_lint.findings import Severity
from ft_lint.models import resolve_model
from ft_lint.profiles import NO_PROFILE, ProfileTableError, load_profiles, parse_profiles, profile_for
from support import JPEG, PNG, chat, data_url, of, where

TOGETHER = "meta-llama/Llama-3.3-70B-Instruct-Reference"
MISTRAL = "open-mistral-nemo"
OPENAI = "gpt-4.1-mini"


def parts(*texts: str) -> list[dict]:
    return [{"type": "text", "text": text} for text in texts]


def image_part(url: str) -> dict:
    return {"type": "image_url", "image_url": {"url": url}}


def call(call_id: str, name: str = "get_weather") -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": "{}"}}


def tool(name: str) -> dict:
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": {}}}}


def tool_chat(call_id: str = "call_abc123", name: str = "get_weather", content: str | None = None, **top) -> dict:
    """A user asks, the assistant calls NAME (with CONTENT beside the call), the tool answers, the assistant replies."""
    return {
        **top,
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": content, "tool_calls": [call(call_id, name)]},
            {"role": "tool", "tool_call_id": call_id, "content": "sunny"},
            {"role": "assistant", "content": "It is sunny."},
        ],
    }


def preference(*input_messages: dict) -> dict:
    return {
        "input": {"messages": list(input_messages)},
        "preferred_output": [{"role": "assistant", "content": "Good."}],
        "non_preferred_output": [{"role": "assistant", "content": "Bad."}],
    }


def captioned(part: dict) -> dict:
    """A user message holding PART, and the assistant's caption (both as lists of parts)."""
    return {"messages": [{"role": "user", "content": [part]}, {"role": "assistant", "content": parts("A cat.")}]}


USER = {"role": "user", "content": "Hi"}
ASSISTANT = {"role": "assistant", "content": "Hello"}


# --- the profile table ----------------------------------------------------------------------


def test_each_provider_gets_its_own_profile_and_openai_none():
    assert profile_for(resolve_model(TOGETHER), "openai-chat").provider == "together"
    assert profile_for(resolve_model(MISTRAL), "openai-chat").provider == "mistral"
    assert profile_for(resolve_model(OPENAI), "openai-chat") is NO_PROFILE
    assert profile_for(None, "openai-chat") is NO_PROFILE


def test_a_format_the_model_does_not_train_on_gets_no_profile(lint_records):
    """ShareGPT tool turns have no call ids: Mistral's id rule is for its own (OpenAI-shaped) data,
    and FT305 already says that a Mistral model does not train on ShareGPT."""
    assert profile_for(resolve_model(MISTRAL), "sharegpt") is NO_PROFILE
    sharegpt = {
        "conversations": [
            {"from": "human", "value": "Weather?"},
            {"from": "function_call", "value": json.dumps({"name": "get_weather", "arguments": {}})},
            {"from": "observation", "value": "sunny"},
            {"from": "gpt", "value": "Sunny."},
        ]
    }
    assert not of(lint_records(sharegpt, model=MISTRAL), "FT116")


def test_every_shipped_setting_names_a_source():
    for profile in load_profiles().values():
        assert profile.sources and all(s.url.startswith("https://") for s in profile.sources.values())


SOURCE = 'url = "https://example.com"\nread = 2026-12-07\nverified = true'


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (f'[x]\nmax-images = "ten"\n[x.sources.images]\n{SOURCE}', "must be a whole number"),
        ("[x]\nmax-images = 3", "has no source"),
        ("[x]\nmax-imgs = 3", "is not a setting"),
        (f'[x]\ntool-call-id-pattern = "("\n[x.sources.tool-call-id-pattern]\n{SOURCE}', "not a valid regex"),
        ('[x]\n[x.sources.images]\nurl = "u"', "needs url"),
    ],
)
def test_a_malformed_profile_table_names_the_provider_and_setting(text, says):
    with pytest.raises(ProfileTableError, match=says) as error:
        parse_profiles(text)
    assert "[x]" in str(error.value)


# --- FT102: the top-level keys a provider takes ---------------------------------------------


def test_together_takes_only_messages_and_tools_at_the_top_of_chat_data(lint_records):
    records = [chat(parallel_tool_calls=False), tool_chat(tools=[tool("get_weather")])]
    assert where(lint_records(*records, model=TOGETHER), "FT102") == [(1, "/parallel_tool_calls")]
    assert not of(lint_records(*records, model=OPENAI), "FT102")  # OpenAI's schema takes it


def test_a_key_outside_the_schema_is_reported_once_for_together(lint_records):
    assert where(lint_records(chat(id=7), model=TOGETHER), "FT102") == [(1, "/id")]


# --- FT113: Together's images -----------------------------------------------------------------


def test_together_takes_only_base64_data_urls_spelt_as_its_validator_reads_them(lint_records):
    records = [
        captioned(image_part("https://example.com/cat.png")),
        captioned(image_part(data_url(JPEG, "image/jpg"))),
        captioned(image_part(data_url(PNG))),
        captioned(image_part(data_url(JPEG, "image/jpeg"))),
    ]
    together = of(lint_records(*records, model=TOGETHER), "FT113")
    assert [f.line for f in together] == [1, 2]
    assert "base64 data: URL" in together[0].message and "exactly" in together[1].message
    assert not of(lint_records(*records, model=OPENAI), "FT113")  # https and image/jpg are fine for OpenAI


def test_together_takes_images_only_in_user_messages(lint_records):
    record = {
        "messages": [
            {"role": "system", "content": [image_part(data_url(PNG))]},
            {"role": "user", "content": [image_part(data_url(PNG))]},
            {"role": "assistant", "content": parts("Two cats.")},
        ]
    }
    assert [f.pointer for f in of(lint_records(record, model=TOGETHER), "FT113")] == [
        "/messages/0/content/0/image_url/url"
    ]
    assert not of(lint_records(record, model=OPENAI), "FT113")


# --- FT114 mixed-content-forms --------------------------------------------------------------


def test_together_rejects_an_example_mixing_strings_and_lists_of_parts(lint_records):
    mixed = {"messages": [{"role": "user", "content": parts("Hi")}, {"role": "assistant", "content": "Hello"}]}
    found = of(lint_records(mixed, model=TOGETHER), "FT114")
    assert [(f.pointer, f.severity) for f in found] == [("/messages/1/content", Severity.ERROR)]
    assert "user message 0 has a list of parts" in found[0].message
    assert not of(lint_records(mixed, model=OPENAI), "FT114")
    assert not of(lint_records(mixed, model=MISTRAL), "FT114")


def test_uniform_content_and_missing_content_are_not_mixed(lint_records):
    all_lists = {
        "messages": [{"role": "user", "content": parts("Hi")}, {"role": "assistant", "content": parts("Hello")}]
    }
    all_strings = chat()
    null_beside_strings = tool_chat()  # the call's null content is neither form
    empty_beside_lists = captioned({"type": "text", "text": "Hi"})
    empty_beside_lists["messages"].insert(1, {"role": "assistant", "content": "", "tool_calls": [call("call_1")]})
    # a preference record's replies are checked apart from its input
    lists_then_string_reply = preference({"role": "user", "content": parts("Hi")})
    findings = lint_records(all_lists, all_strings, null_beside_strings, empty_beside_lists, model=TOGETHER)
    assert not of(findings, "FT114")
    assert not of(lint_records(lists_then_string_reply, model=TOGETHER), "FT114")


# --- FT115 preference-input-ends-with-assistant --------------------------------------------


def test_together_rejects_a_preference_input_ending_with_the_assistant(lint_records):
    records = [preference(USER, ASSISTANT), preference(USER, ASSISTANT, USER), preference(USER)]
    assert where(lint_records(*records, model=TOGETHER), "FT115") == [(1, "/input/messages/1")]
    assert not of(lint_records(*records, model=OPENAI), "FT115")


# --- FT116 invalid-tool-call ------------------------------------------------------------------


def test_mistral_takes_tool_call_ids_of_nine_letters_or_digits(lint_records):
    openai_ids, mistral_ids = tool_chat("call_abc123"), tool_chat("TX92Jm8Zi")
    assert where(lint_records(openai_ids, mistral_ids, model=MISTRAL), "FT116") == [
        (1, "/messages/1/tool_calls/0/id"),
        (1, "/messages/2/tool_call_id"),
    ]
    assert not of(lint_records(openai_ids, model=OPENAI), "FT116")
    assert not of(lint_records(openai_ids, model=TOGETHER), "FT116")


def test_mistral_needs_an_id_on_every_call_but_the_last_messages(lint_records):
    last_call = {
        "messages": [
            USER,
            {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        ]
    }
    earlier = tool_chat("null")
    found = lint_records(last_call, earlier, model=MISTRAL)
    assert (1, "/messages/1/tool_calls/0") not in where(found, "FT116")
    assert (2, "/messages/1/tool_calls/0") in where(found, "FT116")


def test_mistral_checks_called_function_names(lint_records):
    found = lint_records(
        tool_chat("TX92Jm8Zi", name="get.weather"), tool_chat("TX92Jm8Zi", name="get-weather_2"), model=MISTRAL
    )
    assert where(found, "FT116") == [(1, "/messages/1/tool_calls/0/function/name")]


# --- FT117 content-with-tool-calls ----------------------------------------------------------


def test_mistral_rejects_text_beside_tool_calls(lint_records):
    records = [
        tool_chat("TX92Jm8Zi", content="Let me check."),
        tool_chat("TX92Jm8Zi", content=""),
        tool_chat("TX92Jm8Zi"),
    ]
    found = of(lint_records(*records, model=MISTRAL), "FT117")
    assert [(f.line, f.pointer, f.severity) for f in found] == [(1, "/messages/1", Severity.ERROR)]
    assert not of(lint_records(*records, model=TOGETHER), "FT117")
    assert not of(lint_records(*records, model=OPENAI), "FT117")


# --- FT118 undeclared-function, every format --------------------------------------------------


def test_a_call_to_an_undeclared_function_is_flagged_with_the_close_name(lint_records):
    found = of(lint_records(tool_chat(name="get_wether", tools=[tool("get_weather")]), model=OPENAI), "FT118")
    assert [f.pointer for f in found] == ["/messages/1/tool_calls/0/function/name"]
    assert "did you mean 'get_weather'" in found[0].message


def test_declared_calls_and_examples_declaring_no_tools_are_not_flagged(lint_records):
    records = [
        tool_chat(tools=[tool("get_weather")]),
        tool_chat(name="anything"),  # no tools declared: nothing to compare with
        tool_chat(name="anything", tools=[]),
    ]
    assert not of(lint_records(*records, model=OPENAI), "FT118")


def test_undeclared_functions_in_sharegpt_vertex_bedrock_and_trl(lint_records):
    sharegpt = {
        "conversations": [
            {"from": "human", "value": "Weather?"},
            {"from": "function_call", "value": json.dumps({"name": "get_wether", "arguments": {}})},
            {"from": "observation", "value": "sunny"},
            {"from": "gpt", "value": "Sunny."},
        ],
        "tools": json.dumps([{"name": "get_weather", "description": "", "parameters": {}}]),
    }
    assert where(lint_records(sharegpt, name="sharegpt.jsonl"), "FT118") == [(1, "/conversations/1/value")]
    sharegpt["conversations"][1]["value"] = json.dumps({"name": "get_weather", "arguments": {}})
    assert not of(lint_records(sharegpt, name="sharegpt_ok.jsonl"), "FT118")

    gemini = {
        "contents": [
            {"role": "user", "parts": [{"text": "Weather?"}]},
            {"role": "model", "parts": [{"functionCall": {"name": "get_wether", "args": {}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "get_wether", "response": {}}}]},
            {"role": "model", "parts": [{"text": "Sunny."}]},
        ],
        "tools": [{"functionDeclarations": [{"name": "get_weather"}]}],
    }
    assert where(lint_records(gemini, name="gemini.jsonl"), "FT118") == [(1, "/contents/1/parts/0/functionCall/name")]

    bedrock = {
        "schemaVersion": "bedrock-conversation-2024",
        "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {}}}}]},
        "messages": [
            {"role": "user", "content": [{"text": "Weather?"}]},
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "get_wether", "input": {}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "sunny"}]}}]},
            {"role": "assistant", "content": [{"text": "Sunny."}]},
        ],
    }
    assert where(lint_records(bedrock, name="bedrock.jsonl"), "FT118") == [(1, "/messages/1/content/0/toolUse/name")]

    trl = tool_chat(name="get_wether", tools=[tool("get_weather")])
    trl["messages"][1]["tool_calls"][0]["function"]["arguments"] = {}  # TRL's: an object, so read as TRL
    assert where(lint_records(trl, name="trl.jsonl", format="trl-conversational"), "FT118") == [
        (1, "/messages/1/tool_calls/0/function/name")
    ]


# --- the profile follows --model ---------------------------------------------------------------


def test_the_cli_switches_profile_with_the_model(tmp_path):
    from support import findings_json, write_jsonl

    path = write_jsonl(tmp_path / "train.jsonl", [tool_chat(content="Checking.", parallel_tool_calls=False)])
    by_model = {
        model: {f["code"] for f in findings_json("--no-cache", "--model", model, str(path))}
        for model in (OPENAI, TOGETHER, MISTRAL)
    }
    assert {"FT102"} <= by_model[TOGETHER] and not {"FT116", "FT117"} & by_model[TOGETHER]
    assert {"FT116", "FT117"} <= by_model[MISTRAL] and "FT102" not in by_model[MISTRAL]
    assert not {"FT102", "FT114", "FT115", "FT116", "FT117"} & by_model[OPENAI]
