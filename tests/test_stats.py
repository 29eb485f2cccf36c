"""`ft-lint stats`: token counts, epochs, billed tokens and cost, against independent references."""

from __future__ import annotations

import json
import math
from importlib import resources

import pytest
import tomllib

from ft_lint.config import Settings
from ft_lint.stats import collect_stats, histogram, nearest_rank
from reference import ref_assistant, ref_messages
from support import chat, run_cli, write_jsonl

TEXTS = [
    "Hello there!",
    "Grüße aus Köln — naïve café.",
    "日本語のテキストと中文文本。",
    "def f(x):\n    return x ** 2\n",
    "Здравствуйте! Как дела?",
    "emoji 👩‍💻🚀 and tabs\t\tand newlines\n\n",
]
RECORDS = [chat(TEXTS[i % 6] * (i + 1), TEXTS[(i + 2) % 6] * (2 * i + 1)) for i in range(12)]
INVALID_RECORD = {"messages": [{"role": "user", "content": "Hi"}, {"role": "bot", "content": "Hello"}]}


@pytest.fixture(scope="module")
def raw_models() -> dict[str, dict]:
    text = resources.files("ft_lint").joinpath("models.toml").read_text(encoding="utf-8")
    return {entry["id"]: entry for entry in tomllib.loads(text)["model"]}


def expected_epochs(provider: str, n: int) -> int:
    """OpenAI: 3, raised so that examples x epochs >= 100 or lowered to <= 25,000, within 1..25.
    Together: 1."""
    if provider == "together":
        return 1
    if 3 * n < 100:
        return min(25, math.ceil(100 / n))
    if 3 * n > 25_000:
        return max(1, 25_000 // n)
    return 3


def estimate(messages) -> int:
    return 3 + sum(3 + sum(math.ceil(len(v.encode()) / 3) for v in m.values()) for m in messages)


def stats_json(args, capsys, monkeypatch) -> list[dict]:
    code, out, err = run_cli("stats", "--output-format", "json", *args)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def train(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return write_jsonl(tmp_path / "train.jsonl", [*RECORDS, INVALID_RECORD, "{not json", ""])


def test_stats_json_matches_the_reference(train, reference, raw_models, capsys, monkeypatch):
    enc = reference["o200k_base"]
    counted = [*RECORDS, INVALID_RECORD]
    totals = sorted(ref_messages(r["messages"], enc) for r in counted)
    [item] = stats_json(["train.jsonl", "--model", "gpt-4.1-mini"], capsys, monkeypatch)
    model = raw_models["gpt-4.1-mini-2025-04-14"]
    epochs = expected_epochs("openai", 14)  # 13 records and an unparsable line; the blank line is none
    billed = epochs * sum(totals)
    assert item == {
        "filename": "train.jsonl",
        "format": "openai-chat",
        "model": "gpt-4.1-mini-2025-04-14",
        "model_chosen": True,
        "examples": 14,
        "invalid_examples": 2,
        "messages": 26,
        "tokens": {
            "total": sum(totals),
            "min": totals[0],
            "p50": totals[6],  # nearest rank: ceil(0.5 * 13) = 7th
            "p95": totals[12],  # ceil(0.95 * 13) = 13th
            "max": totals[-1],
            "trained": sum(ref_assistant(r["messages"], enc) for r in counted),
            "exact": True,
        },
        "epochs": epochs,
        "billed_tokens": billed,
        "cost_usd": round(billed * model["price_per_1m_training_tokens"] / 1e6, 4),
        "costs": [
            {
                "model": "gpt-4.1-mini-2025-04-14",
                "provider": "openai",
                "tokens": sum(totals),
                "exact": True,
                "epochs": epochs,
                "billed_tokens": billed,
                "cost_usd": round(billed * model["price_per_1m_training_tokens"] / 1e6, 4),
                "price_per_1m_training_tokens": model["price_per_1m_training_tokens"],
            }
        ],
    }


def test_billing_counts_each_example_up_to_the_models_limit(tmp_path, reference, capsys, monkeypatch):
    enc = reference["cl100k_base"]
    records = [chat("word " * 5000, "ok"), *RECORDS]
    path = write_jsonl(tmp_path / "train.jsonl", records)
    [item] = stats_json([str(path), "--model", "gpt-3.5-turbo-0613"], capsys, monkeypatch)
    totals = [ref_messages(r["messages"], enc) for r in records]
    assert totals[0] > 4096 and item["tokens"]["max"] == totals[0]
    assert item["billed_tokens"] == expected_epochs("openai", 13) * (4096 + sum(totals[1:]))


def test_comparison_over_every_model_that_trains_on_the_format(train, reference, raw_models, capsys, monkeypatch):
    counted = [*RECORDS, INVALID_RECORD]
    [item] = stats_json([str(train)], capsys, monkeypatch)
    assert item["model"] == "gpt-4.1-mini-2025-04-14" and item["model_chosen"] is False
    costs = {c["model"]: c for c in item["costs"]}
    assert set(costs) == {i for i, m in raw_models.items() if "openai-chat" in m["formats"]}
    for model_id, cost in costs.items():
        raw = raw_models[model_id]
        if raw["encoding"] not in ("none", *reference):  # an open model's: tests/test_open_tokenizers.py
            continue
        if raw["encoding"] == "none":
            totals = [estimate(r["messages"]) for r in counted]
        else:
            totals = [ref_messages(r["messages"], reference[raw["encoding"]]) for r in counted]
        epochs = expected_epochs(raw["provider"], 14)
        billed = epochs * sum(min(t, raw["context_tokens"]) for t in totals)
        price = raw["price_per_1m_training_tokens"]
        assert (cost["tokens"], cost["exact"], cost["epochs"], cost["billed_tokens"]) == (
            sum(totals),
            raw["encoding"] != "none",
            epochs,
            billed,
        ), model_id
        assert cost["cost_usd"] == (None if price == "none" else round(billed * price / 1e6, 4)), model_id


def test_estimated_counts_are_marked_not_exact(train, capsys, monkeypatch):
    [item] = stats_json([str(train), "--model", "google/gemma-3-4b-it"], capsys, monkeypatch)
    assert item["tokens"]["exact"] is False
    assert item["tokens"]["total"] == sum(estimate(r["messages"]) for r in [*RECORDS, INVALID_RECORD])
    assert item["epochs"] == 1
    _code, out, _ = run_cli("stats", str(train), "--model", "google/gemma-3-4b-it")
    assert "tokens     about " in out and "note: token counts for google/gemma-3-4b-it are estimates" in out


@pytest.mark.parametrize(
    ("model", "rule"),
    [
        ("amazon.nova-lite-v1:0", "2 (bedrock's default"),
        ("accounts/fireworks/models/qwen3-8b", "(OpenAI's rule: fireworks publishes no default"),
    ],
)
def test_stats_say_whose_epochs_rule_applies(train, model, rule):
    _code, out, _ = run_cli("stats", str(train), "--model", model)
    assert rule in out


def test_prompt_completion_defaults_to_a_completion_model(tmp_path, reference, capsys, monkeypatch):
    enc = reference["cl100k_base"]
    records = [{"prompt": f"Q{i}: capital of Peru?\nA:", "completion": " Lima\n" * (i + 1)} for i in range(20)]
    path = write_jsonl(tmp_path / "pc.jsonl", records)
    [item] = stats_json([str(path)], capsys, monkeypatch)
    assert (item["format"], item["model"]) == ("openai-prompt-completion", "davinci-002")
    assert item["tokens"]["total"] == sum(
        len(enc.encode(r["prompt"])) + len(enc.encode(r["completion"])) for r in records
    )
    assert item["tokens"]["trained"] == sum(len(enc.encode(r["completion"])) for r in records)


def test_human_output_has_a_histogram_and_a_cost_table(train):
    code, out, _ = run_cli("stats", str(train))
    assert code == 0
    bars = [line for line in out.splitlines() if " | " in line]
    assert sum(int(line.rsplit(" ", 1)[1]) for line in bars) == 13
    assert "cost per model that trains on openai-chat" in out and "gpt-4o-mini-2024-07-18" in out
    assert "note: no model named, so gpt-4.1-mini-2025-04-14 was assumed" in out


def test_cost_table_shows_models_billed_alike_once(train, capsys, monkeypatch):
    [item] = stats_json([str(train)], capsys, monkeypatch)
    _code, out, _ = run_cli("stats", str(train))
    table = out.split("cost per model that trains on openai-chat", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    together = [line for line in table if " together " in line]
    costs = {c["model"]: c for c in item["costs"]}
    # one line per distinct set of figures: Together bills its 60-odd models by a few size brackets,
    # and the models of one tokenizer count alike
    together_costs = [c for c in costs.values() if c["provider"] == "together"]
    figures = {(c["tokens"], c["exact"], c["epochs"], c["billed_tokens"], c["cost_usd"]) for c in together_costs}
    assert 1 < len(together) == len(figures) < len(together_costs)
    counted = sum(1 + int(line.split("(+", 1)[1].split(" ", 1)[0]) if "(+" in line else 1 for line in table)
    assert counted == len(item["costs"])  # every model of the JSON output stands in the table


def test_collect_stats_is_callable_from_python(train):
    [item] = collect_stats([train.parent], Settings())
    assert item.examples == 14 and item.as_json()["examples"] == 14
    assert len(item.per_example) == 13


def test_empty_file_has_no_distribution(tmp_path, capsys, monkeypatch):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    [item] = stats_json([str(path)], capsys, monkeypatch)
    assert item["examples"] == 0 and item["tokens"]["min"] is None and item["epochs"] == 0 and item["cost_usd"] == 0


def test_unreadable_input_is_a_usage_error(tmp_path):
    code, _, err = run_cli("stats", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "missing.jsonl: no such file or directory" in err
    gz = tmp_path / "data.jsonl"
    gz.write_bytes(b"\x1f\x8b\x08\x00rest")
    code, _, err = run_cli("stats", str(gz))
    assert code == 2 and "gzip-compressed" in err


def test_nearest_rank():
    values = list(range(1, 101))
    assert (nearest_rank(values, 50), nearest_rank(values, 95), nearest_rank(values, 100)) == (50, 95, 100)
    assert nearest_rank([7], 95) == 7


def test_histogram_covers_min_to_max_and_counts_every_value():
    values = [1, 2, 2, 3, 50, 99, 100]
    lines = histogram(values, bins=4, width=10)
    assert lines[0].startswith("  1 -  25 | ") and lines[-1].startswith(" 76 - 100 | ")
    assert [int(line.rsplit(" ", 1)[1]) for line in lines] == [4, 1, 0, 2]
    assert lines[0].count("█") == 10 and lines[2].endswith("| 0")
