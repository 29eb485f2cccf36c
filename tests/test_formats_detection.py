"""Format detection: overlapping shapes, the file's format, mixed files, records that fit no format."""

from __future__ import annotations

import jsonschema
import pytest
from click.testing import CliRunner

from ft_lint.cli import cli
from ft_lint.formats import _ADAPTERS, all_formats, closest_format, detect, sniff_format
from support import FORMAT_TESTS, codes, found, lint_paths, write_json_array, write_jsonl

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
VERTEX_CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "model", "content": "Hello!"}]}
TRL_CHAT = {
    "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
    "source": "forum",
}
RFT = {"messages": [{"role": "user", "content": "2+2?"}], "reference_answer": "4"}
PROMPT_COMPLETION = {"prompt": "2+2 =", "completion": " 4"}
TRL_PROMPT_COMPLETION = {
    "prompt": [{"role": "user", "content": "2+2?"}],
    "completion": [{"role": "assistant", "content": "4"}],
}
ALPACA = {"instruction": "Add the numbers.", "input": "2, 2", "output": "4"}
SHAREGPT = {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]}


def name_of(record: dict) -> str | None:
    fmt = detect(record)
    return fmt.name if fmt else None


def file_format(path) -> str | None:
    fmt = sniff_format(path)
    return fmt.name if fmt else None


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (CHAT, "openai-chat"),  # also valid TRL and RFT-shaped keys: OpenAI has the higher priority
        (VERTEX_CHAT, "vertex-chat"),  # role model: valid only as Vertex chat
        (TRL_CHAT, "trl-conversational"),  # an extra column: invalid OpenAI, valid TRL
        (RFT, "openai-rft"),  # grader field and no reply: valid only as RFT
        (PROMPT_COMPLETION, "openai-prompt-completion"),  # valid in both: OpenAI wins the tie
        (TRL_PROMPT_COMPLETION, "trl-prompt-completion"),  # message lists: TRL only
        ({"prompt": "q", "chosen": "a", "rejected": "b"}, "trl-preference"),
        ({"chosen": "The sky is blue.", "rejected": "The sky is green."}, "trl-preference"),
        (ALPACA, "alpaca"),
        (SHAREGPT, "sharegpt"),
        ({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}, "vertex-gemini"),
        (
            {
                "schemaVersion": "bedrock-conversation-2024",
                "messages": [
                    {"role": "user", "content": [{"text": "Hi"}]},
                    {"role": "assistant", "content": [{"text": "Hello"}]},
                ],
            },
            "bedrock-conversation",
        ),
        (
            {"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "Hi"}]}]},
            "bedrock-distillation",
        ),  # a prompt only
        ({"text": "The sky is blue."}, "generic-text"),
    ],
)
def test_each_record_is_detected_as_its_format(record, expected):
    assert name_of(record) == expected


def test_when_no_candidate_is_valid_the_one_with_fewest_errors_wins():
    # A Bedrock record without schemaVersion: one error as Bedrock, many as any messages format.
    record = {
        "system": [{"text": "Be brief."}],
        "messages": [
            {"role": "user", "content": [{"text": "Hi"}]},
            {"role": "assistant", "content": [{"text": "Hello"}]},
        ],
    }
    assert name_of(record) == "bedrock-conversation"
    # A chat record with one bad role stays OpenAI chat (TRL rejects the role as well, and ranks lower).
    assert name_of({"messages": [{"role": "bot", "content": "Hi"}]}) == "openai-chat"


def test_a_record_with_the_keys_of_the_file_format_is_that_format():
    chat = all_formats()["openai-chat"]
    assert detect(TRL_CHAT, preferred=chat) is chat
    assert detect(PROMPT_COMPLETION, preferred=chat).name == "openai-prompt-completion"


def test_every_schema_is_a_draft_2020_12_schema_with_an_adapter_and_a_title():
    for fmt in all_formats().values():
        jsonschema.Draft202012Validator.check_schema(fmt.schema)
        assert fmt.schema_file == f"{fmt.name}.schema.json"
        assert fmt.conversation in _ADAPTERS, fmt.name
        assert fmt.final_turn in ("answer", "prompt", "either"), fmt.name
        assert "https://" in fmt.schema.get("$comment", "") + fmt.description, f"{fmt.name} cites no documentation"


def test_priorities_break_every_tie_between_formats():
    priorities = {}
    for fmt in all_formats().values():
        for key in fmt.detect_keys:
            priorities.setdefault(key, []).append(fmt.priority)
    for key, values in priorities.items():
        assert len(values) == len(set(values)), f"formats detected by {key!r} share a priority"


# --- the file's format -------------------------------------------------------------------


def test_file_format_is_what_most_records_are_detected_as(tmp_path):
    # Most records are plain OpenAI chat (also valid TRL): the file is OpenAI chat, and the
    # stray record with an extra key is reported against it, not called TRL.
    path = write_jsonl(tmp_path / "chat.jsonl", [CHAT] * 4 + [TRL_CHAT])
    assert file_format(path) == "openai-chat"
    assert found(lint_paths([path], defaults=FORMAT_TESTS)) == {(5, "FT102", "/source")}


def test_a_file_of_trl_records_is_trl(tmp_path):
    path = write_jsonl(tmp_path / "trl.jsonl", [TRL_CHAT] * 3 + [CHAT])
    assert file_format(path) == "trl-conversational"
    assert lint_paths([path], defaults=FORMAT_TESTS) == []


def tool_conversation(arguments: object, call_id: str | None = "c1", **tool_message: str) -> dict:
    call = {"type": "function", "function": {"name": "weather", "arguments": arguments}}
    return {
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "tool_calls": [dict(call, id=call_id) if call_id else call]},
            {"role": "tool", "content": "sunny", **tool_message},
            {"role": "assistant", "content": "Sunny."},
        ]
    }


# TRL's tool calling: no call ids, arguments as an object, the tool message names the function.
# Valid TRL, invalid OpenAI, and nothing in it is OpenAI's own.
TRL_TOOLS = tool_conversation({"city": "Paris"}, call_id=None, name="weather")


@pytest.mark.parametrize(
    "record",
    [
        tool_conversation({"city": "Paris"}, tool_call_id="c1"),  # answered by id: OpenAI's
        tool_conversation('{"city": "Paris"}', name="weather"),  # arguments as a JSON string: OpenAI's
        dict(tool_conversation('{"city": "Paris"}', name="weather"), source="forum"),  # and a column OpenAI rejects
    ],
)
def test_records_with_openai_evidence_are_openai_chat_even_when_invalid(tmp_path, record):
    assert name_of(record) == "openai-chat"
    assert name_of(TRL_TOOLS) == "trl-conversational"
    path = write_jsonl(tmp_path / "tools.jsonl", [record] * 3)
    assert file_format(path) == "openai-chat"


def test_openai_tool_data_with_object_arguments_is_reported_without_a_model(tmp_path):
    # The tool_call_id makes it OpenAI data: its object arguments are OpenAI errors, found
    # with or without --model (a permissive format would otherwise hide them).
    path = write_jsonl(tmp_path / "tools.jsonl", [tool_conversation({"city": "Paris"}, tool_call_id="c1")] * 3)
    assert [f.code for f in lint_paths([path], defaults=FORMAT_TESTS)] == ["FT111"] * 3
    assert [f.code for f in lint_paths([path], model="gpt-4o-mini", defaults=FORMAT_TESTS)] == ["FT111"] * 3
    assert lint_paths([write_jsonl(tmp_path / "trl.jsonl", [TRL_TOOLS] * 3)], defaults=FORMAT_TESTS) == []


def test_the_chosen_models_formats_win_when_the_keys_fit(tmp_path):
    # TRL tool calls: with --model the file is checked as what the model trains on.
    path = write_jsonl(tmp_path / "tools.jsonl", [TRL_TOOLS] * 3)
    assert file_format(path) == "trl-conversational"
    assert sniff_format(path, {"openai-chat", "openai-preference"}).name == "openai-chat"
    # checked as OpenAI chat: the ids OpenAI requires are missing, and the arguments are objects
    assert (
        sorted(f.code for f in lint_paths([path], model="gpt-4o-mini", defaults=FORMAT_TESTS))
        == ["FT101"] * 6 + ["FT111"] * 3
    )
    # A model whose formats the records do not fit leaves detection as it was.
    assert sniff_format(path, {"openai-prompt-completion"}).name == "trl-conversational"


def test_a_file_of_another_format_stays_that_format_for_the_named_model(tmp_path):
    # Bedrock records have `messages` too, but their schemaVersion makes them Bedrock's: checked
    # for an OpenAI model the file is Bedrock data, which it does not train on (FT305), not
    # OpenAI chat whose records each happen to be read as Bedrock.
    bedrock = {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [
            {"role": "user", "content": [{"text": "Hi"}]},
            {"role": "assistant", "content": [{"text": "Hello"}]},
        ],
    }
    path = write_jsonl(tmp_path / "bedrock.jsonl", [bedrock] * 12)
    assert sniff_format(path, {"openai-chat", "openai-preference"}).name == "bedrock-conversation"
    assert [
        (f.code, f.message.split(" (")[0])
        for f in lint_paths([path], select=("FT305",), model="gpt-4o-mini", defaults=FORMAT_TESTS)
    ] == [("FT305", "gpt-4o-mini-2024-07-18 does not train on bedrock-conversation data")]
    chat = write_jsonl(tmp_path / "chat.jsonl", [CHAT] * 12)
    assert lint_paths([chat], select=("FT305",), model="gpt-4o-mini", defaults=FORMAT_TESTS) == []


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([ALPACA, {"instruction": "Say hi", "output": "hi"}], "alpaca"),
        ([SHAREGPT, dict(SHAREGPT, id="a1")], "sharegpt"),
        ([CHAT, CHAT], "openai-chat"),
    ],
)
def test_json_array_files_are_detected(tmp_path, records, expected):
    path = write_json_array(tmp_path / "data.json", records)
    assert file_format(path) == expected
    assert lint_paths([path], defaults=FORMAT_TESTS) == []


def test_json_array_findings_name_the_line_where_the_record_starts(tmp_path):
    path = write_json_array(tmp_path / "data.json", [ALPACA, {"instruction": "Say hi", "output": ""}])
    (finding,) = lint_paths([path], defaults=FORMAT_TESTS)
    assert (finding.code, finding.pointer) == ("FT201", "/output")
    assert path.read_text().splitlines()[finding.line - 1].strip() == "{"
    assert finding.line > 2


def test_files_that_are_not_records_have_no_format(tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{'messages': []}\nnot json\n", encoding="utf-8")
    assert file_format(broken) is None
    assert file_format(write_jsonl(tmp_path / "odd.jsonl", [{"colour": "red"}])) is None


# --- mixed files and records that fit no format ------------------------------------------


def test_mixed_file_names_the_lines_of_each_format(lint_records):
    records = [CHAT, CHAT, PROMPT_COMPLETION, CHAT, ALPACA, PROMPT_COMPLETION]
    findings = [f for f in lint_records(*records, defaults=FORMAT_TESTS) if f.code == "FT007"]
    (mixed,) = findings
    assert mixed.line == 3  # the first record that is not of the file's format
    assert "openai-chat (3 records: lines 1, 2, 4)" in mixed.message
    assert "openai-prompt-completion (2 records: lines 3, 6)" in mixed.message
    assert "alpaca (1 records: lines 5)" in mixed.message


def test_a_record_with_the_keys_another_format_adds_is_that_format(lint_records):
    bedrock = {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [
            {"role": "user", "content": [{"text": "Hi"}]},
            {"role": "assistant", "content": [{"text": "Hello"}]},
        ],
    }
    assert detect(bedrock, preferred=all_formats()["openai-chat"]).name == "bedrock-conversation"
    findings = lint_records(CHAT, CHAT, bedrock, defaults=FORMAT_TESTS)
    assert [(f.line, f.code) for f in findings] == [(3, "FT007")]
    assert "bedrock-conversation (1 records: lines 3)" in findings[0].message


def test_a_file_of_one_format_is_not_mixed(lint_records):
    assert "FT007" not in codes(lint_records(SHAREGPT, dict(SHAREGPT, system="Be kind."), defaults=FORMAT_TESTS))


def test_a_record_that_fits_no_format_gets_the_closest_formats_errors(lint_records):
    misspelt = {"mesages": [{"role": "user", "content": "Hi"}]}
    findings = lint_records(CHAT, misspelt, defaults=FORMAT_TESTS)
    (finding,) = findings
    assert (finding.line, finding.code, finding.pointer) == (2, "FT101", "")
    assert "fits no known format (it has mesages)" in finding.message
    assert "the closest is openai-chat" in finding.message
    assert "'messages' is a required property" in finding.message
    assert "unknown key 'mesages'" in finding.message


def test_closest_format_counts_the_keys_a_record_names():
    assert closest_format({"instruction": "x", "respone": "y"}).name == "alpaca"
    assert closest_format({"conversation": [{"from": "human", "value": "Hi"}]}).name == "sharegpt"
    chat = all_formats()["openai-chat"]
    # With no key to go by, the file's format is the closest.
    assert closest_format({"body": "hello"}, chat) is chat


def test_the_closest_formats_errors_are_capped(lint_records):
    record = {"prompt": {"role": "user"}, "a": 1, "b": 2, "c": 3, "d": 4}
    (finding,) = lint_records(record, defaults=FORMAT_TESTS)
    assert "the closest is openai-prompt-completion" in finding.message
    assert finding.message.endswith("and 3 more")


# --- ft-lint formats ----------------------------------------------------------------------


def test_formats_command_lists_every_format_with_who_trains_on_it():
    result = CliRunner().invoke(cli, ["formats"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for fmt in all_formats().values():
        (index,) = [i for i, line in enumerate(lines) if line.startswith(fmt.name + " ")]
        assert f"schemas/{fmt.schema_file}" in lines[index]
        takers = lines[index + 1]
        for user in fmt.used_by:
            assert user in takers
    chat_takers = lines[next(i for i, line in enumerate(lines) if line.startswith("openai-chat ")) + 1]
    assert "providers: " in chat_takers and "openai" in chat_takers
    sharegpt_takers = lines[next(i for i, line in enumerate(lines) if line.startswith("sharegpt ")) + 1]
    assert "providers" not in sharegpt_takers and "LLaMA-Factory" in sharegpt_takers


def test_provider_list_comes_from_the_model_table():
    from ft_lint.formats import providers_of
    from ft_lint.models import load_models

    for fmt in all_formats().values():
        expected = {m.provider for m in load_models().values() if fmt.name in m.formats}
        assert set(providers_of(fmt)) == expected
        assert fmt.used_by or expected, f"nobody is said to train on {fmt.name}"
