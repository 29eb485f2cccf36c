"""FT005, FT006, FT123, FT301, FT302, FT304, FT305: the limits of the model, on both sides of each."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from ft_lint import tokens
from ft_lint.config import Settings
from ft_lint.engine import lint
from ft_lint.findings import Severity
from ft_lint.models import load_models
from ft_lint.rules import FileSummary
from ft_lint.rules.limits import FileTooLarge, TooManyExamples
from reference import ref_messages
from support import chat, write_jsonl

OLD_GPT35 = "gpt-3.5-turbo-0613"  # 4,096 tokens per example, cl100k_base: small records reach it
GEMMA_27B = "google/gemma-3-27b-it"  # 49,152, no tokenizer in any registry package: estimated


def findings_for(tmp_path, records, select, **settings):
    path = write_jsonl(tmp_path / "train.jsonl", records)
    found, summary = lint([path], Settings(paths=[path], select=select, **settings))
    return found, summary


def words(n: int) -> dict:
    return chat("Repeat the word.", "word" + " word" * (n - 1))


def largest_with_at_most(limit: int, count) -> int:
    """The largest n with count(n) <= limit (count grows with n)."""
    low, high = 1, limit
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if count(mid) <= limit else (low, mid - 1)
    return low


@pytest.fixture(scope="module")
def cl100k_words(reference):
    enc = reference["cl100k_base"]
    return lambda n: ref_messages(words(n)["messages"], enc)


# --- FT301 / FT302 ----------------------------------------------------------------------


def test_example_too_long_on_both_sides_of_the_limit(tmp_path, cl100k_words):
    limit = load_models()[OLD_GPT35].context_tokens
    fits = largest_with_at_most(limit, cl100k_words)
    assert cl100k_words(fits) == limit  # one token per word: the limit itself is reachable
    found, _ = findings_for(tmp_path, [words(fits), words(fits + 1)], ["FT301"], model=OLD_GPT35)
    assert [(f.code, f.line) for f in found] == [("FT301", 2)]
    assert found[0].message == (
        f"example has {limit + 1:,} tokens, more than the {limit:,} a training example of {OLD_GPT35} may hold"
    )


def test_example_near_limit_on_both_sides_of_the_threshold(tmp_path, cl100k_words):
    limit = load_models()[OLD_GPT35].context_tokens
    below = largest_with_at_most(math.floor(0.9 * limit), cl100k_words)
    at_limit = largest_with_at_most(limit, cl100k_words)
    records = [words(below), words(below + 1), words(at_limit), words(at_limit + 1)]
    found, _ = findings_for(tmp_path, records, ["FT301", "FT302"], model=OLD_GPT35)
    assert [(f.code, f.line) for f in found] == [("FT302", 2), ("FT302", 3), ("FT301", 4)]
    assert found[0].severity is Severity.WARNING
    share = round(100 * cl100k_words(below + 1) / limit)
    assert f"{cl100k_words(below + 1):,} tokens, {share}% of the {limit:,}" in found[0].message


def test_near_limit_threshold_is_an_option(tmp_path, cl100k_words):
    limit = load_models()[OLD_GPT35].context_tokens
    n = largest_with_at_most(limit // 2, cl100k_words)
    records = [words(n), words(n + 1)]
    found, _ = findings_for(tmp_path, records, ["FT302"], model=OLD_GPT35, rule_options={"FT302": {"threshold": 0.5}})
    assert [f.line for f in found] == [2]


def test_estimated_counts_say_about(tmp_path):
    """Gemma's tokenizer is not shipped: 3 UTF-8 bytes per token, rounded up per string."""
    limit = load_models()[GEMMA_27B].context_tokens

    def estimate(record) -> int:  # the formula, independently: 3 + per message 3 + role + content
        return 3 + sum(
            3 + math.ceil(len(m["role"]) / 3) + math.ceil(len(m["content"].encode()) / 3) for m in record["messages"]
        )

    fits = chat("hi", "a" * (3 * (limit - estimate(chat("hi", "")))))
    over = chat("hi", fits["messages"][1]["content"] + "a")
    assert (estimate(fits), estimate(over)) == (limit, limit + 1)
    found, summary = findings_for(tmp_path, [fits, over], ["FT301"], model=GEMMA_27B)
    assert [(f.line, f.message) for f in found] == [
        (
            2,
            f"example has about {limit + 1:,} tokens, "
            f"more than the {limit:,} a training example of {GEMMA_27B} may hold",
        )
    ]
    assert any("estimates" in note and GEMMA_27B in note for note in summary.notes)


def test_tool_definitions_count_toward_the_limit(tmp_path, reference):
    enc = reference["cl100k_base"]
    prop = {"type": "string", "description": "x"}
    tool = {
        "type": "function",
        "function": {
            "name": "f",
            "description": "d",
            "parameters": {"type": "object", "properties": {f"p{i}": prop for i in range(700)}},
        },
    }
    record = {**chat("a", "b"), "tools": [tool]}
    props = sum(3 + len(enc.encode(f"p{i}:string:x")) for i in range(700))
    expected = ref_messages(record["messages"], enc) + 10 + len(enc.encode("f:d")) + 3 + props + 12
    assert expected > 4096
    found, _ = findings_for(tmp_path, [record], ["FT301"], model=OLD_GPT35)
    assert [f.message.split(" tokens")[0] for f in found] == [f"example has {expected:,}"]


def test_short_examples_are_not_tokenized(tmp_path, monkeypatch):
    calls = []
    original = tokens.count_record
    monkeypatch.setattr(tokens, "count_record", lambda *args: calls.append(args) or original(*args))
    short, long = chat("x" * 3000, "y"), chat("x" * 3700, "y")  # bytes + framing: under / over 90% of 4,096
    tool = {
        "type": "function",
        "function": {
            "name": "f",
            "parameters": {"type": "object", "properties": {"p": {"type": "string", "enum": ["a", "b"]}}},
        },
    }
    with_tools = {**chat("x" * 2000, "y"), "tools": [tool]}
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    with_image = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "x" * 1500}, image]},
            {"role": "assistant", "content": "y"},
        ]
    }
    found, _ = findings_for(
        tmp_path, [chat(), short, with_tools, with_image, long], ["FT301", "FT302"], model=OLD_GPT35
    )
    assert found == [] and [args[0] for args in calls] == [long]


def test_images_that_push_a_short_example_over_the_limit_are_counted(tmp_path):
    """A few hundred bytes, three images of unknown size (up to 1,445 tokens each): over 4,096.
    Only what the images cost puts it over, so they must be seen before the byte test."""
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    record = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "What differs?"}, image, image, image]},
            {"role": "assistant", "content": "The colour."},
        ]
    }
    found, _ = findings_for(tmp_path, [record, chat()], ["FT301"], model=OLD_GPT35)
    assert [f.line for f in found] == [1] and "more than the 4,096" in found[0].message


# --- FT304 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "severity", "message"),
    [
        ("2026-11-06", None, None),  # 61 days before the last day for new jobs
        (
            "2026-11-07",
            "info",
            "takes no new fine-tuning jobs after 2027-01-06 (60 days left) and shuts down on 2027-01-14 (68 days left)",
        ),
        (
            "2026-11-22",
            "info",
            "takes no new fine-tuning jobs after 2027-01-06 (45 days left) and shuts down on 2027-01-14 (53 days left)",
        ),
        (
            "2027-01-06",
            "info",
            "takes no new fine-tuning jobs after 2027-01-06 (today is the last day) "
            "and shuts down on 2027-01-14 (8 days left)",
        ),
        (
            "2027-01-07",
            "error",
            "took its last new fine-tuning jobs on 2027-01-06 (1 day ago): a job for it will be rejected",
        ),
        ("2027-01-14", "error", "shut down on 2027-01-14 (0 days ago)"),
    ],
)
def test_model_retiring_with_a_fixed_today(tmp_path, today, severity, message):
    found, _ = findings_for(tmp_path, [chat()], ["FT304"], model="gpt-4o-mini", today=dt.date.fromisoformat(today))
    assert [f.severity.label for f in found] == ([severity] if severity else [])
    if message:
        assert found[0].message.startswith(f"gpt-4o-mini-2024-07-18 {message}")


def test_model_retiring_window_is_an_option(tmp_path):
    day = dt.date(2026, 11, 22)
    found, _ = findings_for(
        tmp_path, [chat()], ["FT304"], model="gpt-4o-mini", today=day, rule_options={"FT304": {"days": 44}}
    )
    assert found == []


def test_model_retiring_only_warns_about_a_chosen_model(tmp_path):
    day = dt.date(2026, 11, 22)
    found, summary = findings_for(tmp_path, [chat()], ["FT304"], today=day)
    assert found == []  # the default gpt-4.1-mini retires too, but nobody chose it
    assert any("gpt-4.1-mini-2025-04-14 was assumed" in note for note in summary.notes)
    assert findings_for(tmp_path, [chat()], ["FT304"], model="Qwen/Qwen3-8B", today=day)[0] == []


GEMINI = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Yo"}]}]}


@pytest.mark.parametrize(
    ("today", "severity", "message"),
    [
        ("2025-11-05", None, None),  # 61 days before its last day for new tuning jobs
        (
            "2025-12-20",
            "info",
            "takes no new fine-tuning jobs after 2026-01-05 (16 days left) and shuts down on 2026-02-05 (47 days left)",
        ),
        ("2026-01-06", "error", "took its last new fine-tuning jobs on 2026-01-05 (1 day ago)"),
        ("2026-12-07", "error", "shut down on 2026-02-05 (305 days ago)"),
    ],
)
def test_model_retiring_for_another_provider(tmp_path, today, severity, message):
    day = dt.date.fromisoformat(today)
    found, _ = findings_for(tmp_path, [GEMINI], ["FT304"], model="gemini-2.0-flash-001", today=day)
    assert [f.severity.label for f in found] == ([severity] if severity else [])
    if message:
        assert found[0].message.startswith(f"gemini-2.0-flash-001 {message}")


@pytest.mark.parametrize("model", ["amazon.nova-lite-v1:0", "accounts/fireworks/models/qwen3-8b", "gemini-2.5-flash"])
def test_model_retiring_is_silent_for_models_with_no_dates(tmp_path, model):
    found, _ = findings_for(tmp_path, [chat()], ["FT304"], model=model, today=dt.date(2030, 1, 1))
    assert found == []


def test_today_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FT_LINT_TODAY", "2027-02-01")
    found, _ = findings_for(tmp_path, [chat()], ["FT304"], model="gpt-4.1-nano")
    assert [f.severity for f in found] == [Severity.ERROR] and "(26 days ago)" in found[0].message


# --- FT305 ------------------------------------------------------------------------------

PREFERENCE = {
    "input": {"messages": [{"role": "user", "content": "Hi"}]},
    "preferred_output": [{"role": "assistant", "content": "Hello!"}],
    "non_preferred_output": [{"role": "assistant", "content": "What."}],
}


@pytest.mark.parametrize(
    ("record", "model", "flagged"),
    [
        (PREFERENCE, "gpt-3.5-turbo-0125", True),
        (PREFERENCE, "gpt-4o-mini", False),
        (chat(), "gpt-3.5-turbo-0125", False),
        (chat(), "davinci-002", True),
        ({"prompt": "2+2=", "completion": "4"}, "davinci-002", False),
        ({"prompt": "2+2=", "completion": "4"}, "gpt-4.1", True),
        ({"prompt": "2+2=", "completion": "4"}, None, False),  # the default for the format takes it
        (PREFERENCE, None, False),
    ],
)
def test_format_not_supported(tmp_path, record, model, flagged):
    found, _ = findings_for(tmp_path, [record], ["FT305"], model=model)
    assert len(found) == flagged


BEDROCK = {
    "schemaVersion": "bedrock-conversation-2024",
    "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}],
}


DISTILLATION = {  # prompts only: the teacher writes the answers
    "schemaVersion": "bedrock-conversation-2024",
    "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
}


@pytest.mark.parametrize(
    ("record", "model", "flagged"),
    [
        (PREFERENCE, "amazon.nova-lite-v1:0", True),
        (BEDROCK, "amazon.nova-lite-v1:0", False),
        ({"prompt": "2+2=", "completion": "4"}, "meta.llama3-1-8b-instruct-v1:0", False),  # Bedrock's Llama format
        ({"prompt": "2+2=", "completion": "4"}, "amazon.nova-lite-v1:0", True),
        (PREFERENCE, "accounts/fireworks/models/qwen3-8b", False),  # Fireworks DPO: OpenAI's layout
        (BEDROCK, "gemini-2.5-flash", True),
        (DISTILLATION, "amazon.nova-micro-v1:0", False),  # a distillation student
        (DISTILLATION, "gemini-2.5-flash", True),
    ],
)
def test_format_not_supported_for_other_providers(tmp_path, record, model, flagged):
    found, _ = findings_for(tmp_path, [record], ["FT305"], model=model)
    assert len(found) == flagged


def test_format_not_supported_says_when_no_model_of_the_provider_does(tmp_path):
    found, _ = findings_for(tmp_path, [PREFERENCE], ["FT305"], model="amazon.nova-micro-v1:0")
    assert found[0].message == (
        "amazon.nova-micro-v1:0:128k does not train on openai-preference data "
        "(it takes bedrock-conversation, bedrock-distillation); no bedrock model does"
    )


def test_format_not_supported_names_models_that_do(tmp_path):
    found, _ = findings_for(tmp_path, [PREFERENCE], ["FT305"], model="gpt-3.5-turbo-0125")
    assert found[0].message.startswith(
        "gpt-3.5-turbo-0125 does not train on openai-preference data (it takes openai-chat)"
    )
    assert "gpt-4o-mini-2024-07-18" in found[0].message


# --- FT005 / FT006 ----------------------------------------------------------------------


@pytest.mark.parametrize(("size", "flagged"), [(512_000_001, False), (8_000_000_000, False), (8_000_000_001, True)])
def test_file_too_large(size, flagged):
    model = load_models()["gpt-4.1-mini-2025-04-14"]
    summary = FileSummary("big.jsonl", size, 100, "openai-chat", {"openai-chat": 100}, {}, model=model)
    found = list(FileTooLarge().check_file(summary))
    assert len(found) == flagged
    if flagged:
        assert (
            found[0].message == "file is 8 GB (8,000,000,001 bytes); "
            "openai takes training files of up to 8 GB for gpt-4.1-mini-2025-04-14"
        )


def test_file_size_is_not_checked_without_a_published_limit():
    model = load_models()["accounts/fireworks/models/qwen3-8b"]
    assert model.upload_limit_bytes is None
    summary = FileSummary("big.jsonl", 10**12, 100, "openai-chat", {"openai-chat": 100}, {}, model=model)
    assert list(FileTooLarge().check_file(summary)) == []


def test_file_size_is_checked_against_the_files_model(tmp_path):
    small_limit = load_models()["gpt-4o-mini-2024-07-18"].upload_limit_bytes
    path = write_jsonl(tmp_path / "train.jsonl", [chat()] * 20)
    assert path.stat().st_size < small_limit
    assert lint([path], Settings(paths=[path], select=["FT005"]))[0] == []


@pytest.mark.parametrize(
    ("count", "model", "severity"),
    [
        (9, None, "error"),
        (10, None, "info"),
        (49, None, "info"),
        (50, None, None),
        (0, GEMMA_27B, "error"),
        (1, GEMMA_27B, None),  # Together: at least 1, nothing recommended
    ],
)
def test_too_few_examples(tmp_path, count, model, severity):
    records = [chat(f"question {i}", "answer") for i in range(count)]
    found, _ = findings_for(tmp_path, records, ["FT006"], model=model)
    assert [f.severity.label for f in found] == ([severity] if severity else [])


def test_too_few_examples_message_names_the_model(tmp_path):
    found, _ = findings_for(tmp_path, [chat()] * 3, ["FT006"], model="gpt-4o-mini")
    assert found[0].message == "file has 3 examples; openai needs at least 10 to fine-tune gpt-4o-mini-2024-07-18"


def test_too_few_examples_leaves_validation_files_alone(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat(f"question {i}") for i in range(12)])
    valid = write_jsonl(tmp_path / "valid.jsonl", [chat("held out")])
    settings = Settings(paths=[train, valid], select=["FT006"], model="gpt-4.1-mini-2025-04-14")
    found, _ = lint([train, valid], settings)
    assert [(f.filename, f.severity) for f in found] == [(train.as_posix(), Severity.INFO)]
    alone, _ = lint([valid], Settings(paths=[valid], select=["FT006"], model="gpt-4.1-mini-2025-04-14"))
    assert alone == []  # paired by name with train.jsonl on disk, even when given alone


# --- FT123 ------------------------------------------------------------------------------


def _summary(model_id: str, records: int, *, validation: bool = False) -> FileSummary:
    return FileSummary(
        "data.jsonl", 1_000, records, None, {}, {}, model=load_models()[model_id], is_validation=validation
    )


@pytest.mark.parametrize(
    ("model", "records", "validation", "flagged"),
    [
        ("amazon.nova-lite-v1:0:300k", 20_000, False, False),
        ("amazon.nova-lite-v1:0:300k", 20_001, False, True),
        ("meta.llama3-1-8b-instruct-v1:0:128k", 10_001, False, True),
        ("gemini-2.5-flash", 5_000, True, False),
        ("gemini-2.5-flash", 5_001, True, True),
        ("gemini-2.5-flash", 5_001, False, False),  # a training file: its maximum is 1,000,000
        ("amazon.nova-lite-v1:0:300k", 25_000, True, False),  # no validation maximum published
        ("gpt-4.1-mini-2025-04-14", 10_000_000, False, False),  # no maximum published
        ("Qwen/Qwen3-8B", 10_000_000, False, False),
    ],
)
def test_too_many_examples_on_both_sides_of_the_limit(model, records, validation, flagged):
    found = list(TooManyExamples().check_file(_summary(model, records, validation=validation)))
    assert len(found) == flagged


def test_too_many_examples_message_names_the_file_kind_and_model():
    (training,) = TooManyExamples().check_file(_summary("amazon.nova-lite-v1:0:300k", 20_001))
    assert training.message == (
        "file has 20,001 examples; bedrock takes at most 20,000 in a training file for amazon.nova-lite-v1:0:300k"
    )
    (validation,) = TooManyExamples().check_file(_summary("gemini-2.5-flash", 5_001, validation=True))
    assert validation.message == (
        "file has 5,001 examples; vertex takes at most 5,000 in a validation file for gemini-2.5-flash"
    )


def test_too_many_examples_holds_a_paired_validation_file_to_the_validation_maximum(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [GEMINI] * 5_001)
    valid = write_jsonl(tmp_path / "valid.jsonl", [GEMINI] * 5_001)
    found, _ = lint([train, valid], Settings(paths=[train, valid], select=["FT123"], model="gemini-2.5-flash"))
    assert [f.filename for f in found] == [valid.as_posix()]
