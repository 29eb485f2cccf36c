"""Which model a file is checked against: --model, `model =`, per-file settings, the default."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ft_lint.config import Settings, load_settings
from ft_lint.model_choice import choose_model, human_bytes
from support import chat, run_cli, write_jsonl

TODAY = dt.date(2026, 12, 7)

RETIRING = [
    "--select",
    "FT304",
    "--fail-on",
    "info",
]  # the rule that names the model only when it was chosen (info: shown when it fails the run)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FT_LINT_TODAY", "2026-11-22")
    write_jsonl(tmp_path / "data" / "train.jsonl", [chat()])
    write_jsonl(tmp_path / "data" / "llama" / "train.jsonl", [chat()])
    return tmp_path


def configure(project, text: str) -> None:
    (project / "ft-lint.toml").write_text(text, encoding="utf-8")


def test_model_from_the_command_line(project):
    code, out, _ = run_cli("check", "data/train.jsonl", "--model", "gpt-4o-mini", *RETIRING)
    assert code == 1
    assert "data/train.jsonl:1: FT304 [info] model-retiring: gpt-4o-mini-2024-07-18 takes no new" in out
    assert "assumed" not in out


def test_model_from_the_configuration(project):
    configure(project, 'model = "gpt-4o"\n')
    code, out, _ = run_cli("check", "data/train.jsonl", *RETIRING)
    assert code == 1 and "gpt-4o-2024-08-06 takes no new" in out


def test_per_file_settings_last_matching_glob_wins(project):
    configure(
        project,
        'model = "gpt-4o"\n'
        '[per-file-settings."data/*.jsonl"]\nmodel = "gpt-4.1-nano"\n'
        '[per-file-settings."data/llama/*.jsonl"]\nmodel = "Qwen/Qwen3-8B"\n',
    )
    settings = load_settings(None, project)
    chosen = {
        name: choose_model(settings, name, "openai-chat", TODAY).model.id
        for name in ("data/train.jsonl", "data/llama/train.jsonl", "other.jsonl")
    }
    assert chosen == {
        "data/train.jsonl": "gpt-4.1-nano-2025-04-14",
        "data/llama/train.jsonl": "Qwen/Qwen3-8B",
        "other.jsonl": "gpt-4o-2024-08-06",
    }


def test_per_file_model_in_a_report(project):
    configure(project, '[per-file-settings."data/llama/*.jsonl"]\nmodel = "google/gemma-3-27b-it"\n')
    _code, out, _ = run_cli("check", "data", "--select", "FT301,FT304", "--output-format", "concise")
    notes = [line for line in out.splitlines() if line.startswith("note: ")]
    assert len(notes) == 2
    assert "gemma-3-27b-it are estimates" in notes[1]
    assert "gpt-4.1-mini-2025-04-14 was assumed (65,536 tokens per example" in notes[0]  # for data/train.jsonl


def test_command_line_wins_over_per_file_settings(project):
    configure(project, '[per-file-settings."data/llama/*.jsonl"]\nmodel = "Qwen/Qwen3-8B"\n')
    _code, out, _ = run_cli("check", "data", "--model", "gpt-4.1", *RETIRING, "--output-format", "concise")
    assert out.count("gpt-4.1-2025-04-14 takes no new") == 2


def test_fine_tuned_model_ids_resolve_to_their_base(project):
    _code, out, _ = run_cli("check", "data/train.jsonl", "--model", "ft:gpt-4o-mini-2024-07-18:acme::abc123", *RETIRING)
    assert "gpt-4o-mini-2024-07-18 takes no new" in out


@pytest.mark.parametrize(
    ("args", "config", "expected"),
    [
        (
            ["--model", "gpt-4o-mni"],
            "",
            "ft-lint: error: Invalid value for --model: unknown model 'gpt-4o-mni'; did you mean gpt-4o-mini",
        ),
        (
            [],
            'model = "gpt4o"\n',
            "ft-lint.toml: bad value for 'model' in ft-lint.toml: unknown model 'gpt4o'; did you mean",
        ),
        (
            [],
            '[per-file-settings."*.jsonl"]\nmodel = "llama-3"\n',
            "bad value for 'per-file-settings' in ft-lint.toml: unknown model 'llama-3'",
        ),
        ([], '[per-file-settings."*.jsonl"]\nmodle = "gpt-4o"\n', "'*.jsonl': unknown key 'modle' (known: model)"),
        ([], '[per-file-settings]\nmodel = "gpt-4o"\n', "expected a table per glob"),
    ],
)
def test_unknown_models_and_keys_are_one_line_and_exit_2(project, args, config, expected):
    configure(project, config)
    code, out, err = run_cli("check", "data/train.jsonl", *args)
    assert code == 2 and out == ""
    assert expected in err and err.count("\n") == 1


def test_bad_today_is_a_usage_error(project, monkeypatch):
    monkeypatch.setenv("FT_LINT_TODAY", "22/11/2026")
    code, _, err = run_cli("check", "data/train.jsonl")
    assert code == 2 and "FT_LINT_TODAY='22/11/2026' is not a date like 2026-11-22" in err


def test_default_model_note_in_full_and_concise_but_not_json(project):
    for output_format in ("full", "concise"):
        _, out, _ = run_cli("check", "data/train.jsonl", "--output-format", output_format)
        assert "note: no model named, so gpt-4.1-mini-2025-04-14 was assumed" in out
    _code, out, _ = run_cli("check", "data/train.jsonl", "--output-format", "json")
    findings = json.loads(out)
    assert isinstance(findings, list) and {f["code"] for f in findings} == {"FT006"}


def test_no_model_note_when_no_rule_uses_the_model(project):
    code, out, _ = run_cli("check", "data/train.jsonl", "--select", "FT10")
    assert code == 0 and "note:" not in out


def test_default_model_depends_on_the_format():
    settings = Settings()
    assert choose_model(settings, "a.jsonl", "openai-prompt-completion", TODAY).model.id == "davinci-002"
    assert not choose_model(settings, "a.jsonl", "openai-chat", TODAY).chosen
    assert choose_model(settings, "a.jsonl", "vertex-gemini", TODAY).model.provider == "vertex"
    assert choose_model(settings, "a.jsonl", "bedrock-conversation", TODAY).model.provider == "bedrock"


def test_once_openai_takes_no_jobs_openai_shaped_files_are_checked_against_together():
    settings = Settings()
    last_day, after = dt.date(2027, 1, 6), dt.date(2027, 1, 7)
    for format_name in ("openai-chat", "openai-preference", "openai-prompt-completion"):
        assert choose_model(settings, "a.jsonl", format_name, last_day).model.provider == "openai"
        later = choose_model(settings, "a.jsonl", format_name, after)
        assert later.model.id == "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
        assert not later.chosen and later.limits_model is later.model
    # no other provider takes OpenAI's RFT layout: its OpenAI default stays, retired or not
    assert choose_model(settings, "a.jsonl", "openai-rft", after).model.id == "o4-mini-2025-04-16"
    # a model named on the command line is kept, retired or not (FT304 reports it)
    named = Settings(model="gpt-4.1-mini")
    assert choose_model(named, "a.jsonl", "openai-chat", after).model.id == "gpt-4.1-mini-2025-04-14"


def test_the_default_after_openai_retires_is_in_the_note(tmp_path, monkeypatch):
    monkeypatch.setenv("FT_LINT_TODAY", "2027-02-01")
    data = write_jsonl(tmp_path / "train.jsonl", [chat()] * 12)
    _, out, _ = run_cli("check", str(data), "--no-cache")
    assert "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference was assumed" in out


def test_models_command_table_and_json(tmp_path):
    from importlib import resources

    import tomllib

    raw = tomllib.loads(resources.files("ft_lint").joinpath("models.toml").read_text(encoding="utf-8"))["model"]
    _code, out, _ = run_cli("models")
    rows = {
        line.split()[0]: line.split()
        for line in out.splitlines()[1:]
        if line and not line.startswith(("tokens", "Every"))
    }
    assert set(rows) == {entry["id"] for entry in raw}
    assert rows["gpt-4o-mini-2024-07-18"][1:] == [
        "openai",
        "chat,preference",
        "65,536",
        "o200k_base",
        "exact",
        "3.00",
        "2027-01-06",
        "2027-01-14",
    ]
    assert rows["Qwen/Qwen3-8B"][4:6] == ["qwen2", "exact"]  # the open-models extra is in `dev`
    assert rows["google/gemma-3-27b-it"][4:6] == ["none", "estimate"]
    _code, out, _ = run_cli("models", "--output-format", "json")
    table = json.loads(out)
    assert [m["id"] for m in table] == [entry["id"] for entry in raw]
    assert all(m["sources"]["dates"]["url"].startswith("https://") for m in table)


def test_models_command_filters_by_provider():
    _code, out, _ = run_cli("models", "--provider", "bedrock", "--provider", "vertex")
    rows = [line for line in out.splitlines()[1:] if line and not line.startswith(("tokens", "Every"))]
    providers = {row.split()[1] for row in rows}
    assert providers == {"bedrock", "vertex"}
    _code, out, _ = run_cli("models", "--provider", "vertex", "--output-format", "json")
    assert {m["provider"] for m in json.loads(out)} == {"vertex"}
    assert next(m for m in json.loads(out) if m["id"] == "gemini-2.5-flash")["max_validation_examples"] == 5_000
    code, _, err = run_cli("models", "--provider", "mistral-ai")
    assert code == 2 and "'fireworks'" in err  # the choices come from the table's providers


@pytest.mark.parametrize(
    ("size", "text"),
    [(512_000_000, "512 MB"), (600_123_456, "600.1 MB"), (100_000_000_000, "100 GB"), (999, "999 bytes")],
)
def test_human_bytes(size, text):
    assert human_bytes(size) == text


def test_note_when_a_file_is_read_as_a_format_the_assumed_model_does_not_train_on(project):
    # tool-call arguments as an object: TRL's convention, not OpenAI's, so the file reads as TRL
    call = {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": {"order": 7}}}
    record = {
        "messages": [{"role": "user", "content": "Where is order 7?"}, {"role": "assistant", "tool_calls": [call]}]
    }
    write_jsonl(project / "data" / "tools.jsonl", [record])
    _, out, _ = run_cli("check", "data/tools.jsonl")
    assert (
        "note: data/tools.jsonl was read as trl-conversational, "
        "which no model in ft-lint's table trains on, so no provider's limits" in out
    )
    assert "was assumed" not in out  # no OpenAI figure was applied to it
    _, out, _ = run_cli("check", "data/tools.jsonl", "--model", "gpt-4.1-mini")
    assert "was read as" not in out and "FT111" in out
    _, out, _ = run_cli("check", "data/train.jsonl")
    assert "was read as" not in out


def test_an_assumed_model_sets_no_limits_for_a_format_it_does_not_train_on(project):
    # 36 examples: below OpenAI's recommended 50. A Vertex file is not held to OpenAI's figures
    # when nobody named a model; an OpenAI chat file is, and so is the Vertex file for a model named.
    vertex = {"messages": [{"role": "user", "content": "Hi"}, {"role": "model", "content": "Hello!"}]}
    chat = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
    write_jsonl(
        project / "data" / "vertex.jsonl",
        [
            dict(vertex, messages=[*vertex["messages"][:1], dict(vertex["messages"][1], content=f"Hello {n}")])
            for n in range(36)
        ],
    )
    write_jsonl(
        project / "data" / "chat.jsonl",
        [
            dict(chat, messages=[*chat["messages"][:1], dict(chat["messages"][1], content=f"Hello {n}")])
            for n in range(36)
        ],
    )
    _, out, _ = run_cli("check", "--output-format", "concise", "data/vertex.jsonl")
    assert "FT006" not in out and "was read as vertex-chat" in out
    _, out, _ = run_cli("check", "--output-format", "concise", "data/chat.jsonl")
    assert "FT006" in out and "openai recommends at least 50" in out
    # named, the model's figures apply, and its format: `model` is no OpenAI role
    _, out, _ = run_cli("check", "--output-format", "concise", "--model", "gpt-4.1-mini", "data/vertex.jsonl")
    assert "FT006" in out and "FT103" in out
    # stats count the tokens but price no format the model does not train on
    _, out, _ = run_cli("stats", "--output-format", "json", "data/vertex.jsonl", "data/chat.jsonl")
    vertex_stats, chat_stats = json.loads(out)
    assert vertex_stats["tokens"]["total"] > 0 and vertex_stats["cost_usd"] is None
    assert chat_stats["cost_usd"] > 0
