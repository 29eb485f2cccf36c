"""The speed benchmark's own pieces: its data is deterministic and valid, its baseline counts right."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import orjson
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bench = _load("bench_speed")
cookbook = _load("cookbook_method")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "chat.jsonl"
    bench.generate(path, 2_000_000)
    return path


@pytest.mark.slow
def test_generated_data_is_deterministic_and_valid(generated, tmp_path):
    again, other = tmp_path / "again.jsonl", tmp_path / "other.jsonl"
    bench.generate(again, 2_000_000)
    bench.generate(other, 2_000_000, seed=7)
    assert again.read_bytes() == generated.read_bytes()
    assert other.read_bytes() != generated.read_bytes()
    lines = generated.read_bytes().splitlines()
    records = [orjson.loads(line) for line in lines]
    assert generated.stat().st_size >= 2_000_000
    assert all(r["messages"][-1]["role"] == "assistant" for r in records)
    assert any("tools" in r for r in records)
    assert any(m["role"] == "system" for r in records for m in r["messages"])
    assert len(set(lines)) < len(lines)  # planted duplicates
    lengths = sorted(len(line) for line in lines)
    assert lengths[-1] > 5 * lengths[len(lengths) // 2]  # a long tail


@pytest.mark.slow
def test_change_lines_edits_about_one_percent_in_place(generated, tmp_path):
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(generated.read_bytes())
    changed = bench.change_lines(copy)
    before, after = generated.read_bytes().splitlines(), copy.read_bytes().splitlines()
    assert len(after) == len(before)
    assert sum(a != b for a, b in zip(before, after, strict=True)) == changed
    assert 0.003 * len(before) < changed < 0.03 * len(before)
    assert all(isinstance(orjson.loads(line), dict) for line in after)


@pytest.mark.slow
def test_cookbook_counts_plain_chat_like_ft_lint(generated):
    from ft_lint.tokens import count_chat, get_encoding

    encoding = get_encoding("o200k_base")
    records = [orjson.loads(line) for line in generated.read_bytes().splitlines()[:200]]
    plain = [r for r in records if "tools" not in r]
    assert plain
    for record in plain:
        assert cookbook.num_tokens_from_messages(encoding, record["messages"]) == count_chat(record, "o200k_base").total


def test_cookbook_format_checks():
    dataset = [
        [1],
        {"prompt": "x"},
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello", "extra": 1}]},
        {"messages": [{"role": "robot", "content": ""}]},
    ]
    assert cookbook.format_errors(dataset) == {
        "data_type": 1,
        "missing_messages_list": 1,
        "message_unrecognized_key": 1,
        "unrecognized_role": 1,
        "missing_content": 1,
        "example_missing_assistant_message": 1,
    }
