"""Together's tokenized Parquet (the together-tokenized format): FT124 unequal token lists, FT125
labels not masked with -100; a row's tokens counted exactly, so FT301 and FT302 hold it to the
model's context; look-alikes stay silent."""

from __future__ import annotations

import json

import pytest

from support import chat, findings_json, run_cli, write_jsonl, write_parquet

pytest.importorskip("pyarrow")

TOGETHER = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"  # 131,072 tokens per example
CONTEXT = 131_072
PROMPT, ANSWER, PAD = [128000, 791, 6864], [9906, 1917, 128009], 128004


def row(prompt=PROMPT, answer=ANSWER, padding=0, labels=True, **changes) -> dict:
    """A row as a careful tokenizer writes it: the prompt and the padding labelled -100."""
    ids = prompt + answer + [PAD] * padding
    record = {"input_ids": ids, "attention_mask": [1] * (len(ids) - padding) + [0] * padding}
    if labels:
        record["labels"] = [-100] * len(prompt) + answer + [-100] * padding
    return {**record, **changes}


def check(tmp_path, rows: list[dict], *codes: str) -> list[tuple[int, str, str, str]]:
    write_parquet(tmp_path / "tokens.parquet", rows)
    found = findings_json("--no-cache", "--model", TOGETHER, "tokens.parquet", cwd=tmp_path)
    return [(f["row"], f["code"], f["pointer"], f["message"]) for f in found if not codes or f["code"] in codes]


def test_well_made_rows_pass_every_rule(tmp_path):
    rows = [
        row(),
        row(padding=3),
        row(labels=False),  # Together trains on input_ids: nothing is padding
        row(labels=True, position_ids=[0, 1, 2, 3, 4, 5]),
        row(prompt=[1] * (CONTEXT // 2)),
    ]
    assert check(tmp_path, rows) == []


def test_lists_of_another_length_than_input_ids(tmp_path):
    good = row()
    rows = [
        {**good, "labels": good["labels"][:-1]},
        {**good, "attention_mask": [*good["attention_mask"], 1]},
        {**good, "position_ids": [0, 1]},
    ]
    assert check(tmp_path, rows, "FT124", "FT125") == [
        (0, "FT124", "/labels", "labels has 5 values for 6 input_ids"),
        (1, "FT124", "/attention_mask", "attention_mask has 7 values for 6 input_ids"),
        (2, "FT124", "/position_ids", "position_ids has 2 values for 6 input_ids"),
    ]


def test_labels_must_be_the_token_or_minus_100_and_padding_minus_100(tmp_path):
    shifted = row()
    shifted["labels"] = [-100, -100, *ANSWER, -100]  # the answer one position early
    other = row()
    other["labels"] = [-100, -100, -100, 9906, 42, 128009]
    padded_trained = row(padding=2)
    padded_trained["labels"][-1] = PAD
    assert check(
        tmp_path, [shifted, other, padded_trained, row(padding=2, labels=False), row(labels=False)], "FT125"
    ) == [
        (
            0,
            "FT125",
            "/labels/2",
            "label 9906 at position 2 is neither -100 nor the input id there (6864);"
            " the labels are input_ids shifted by one, which Together does itself",
        ),
        (1, "FT125", "/labels/4", "label 42 at position 4 is neither -100 nor the input id there (1917)"),
        (2, "FT125", "/labels/7", "a position with attention_mask 0 is trained; label padding -100"),
        (
            3,
            "FT125",
            "/input_ids/6",
            "2 positions with attention_mask 0 are trained (no labels: Together trains on input_ids);"
            " label padding -100",
        ),
    ]


def test_a_row_that_trains_nothing_is_a_warning(tmp_path):
    nothing = row()
    nothing["labels"] = [-100] * 6
    found = findings_json(
        "--no-cache",
        "--model",
        TOGETHER,
        "t.parquet",
        cwd=write_parquet(tmp_path / "t.parquet", [nothing, row()]).parent,
    )
    assert [(f["row"], f["code"], f["severity"]) for f in found] == [(0, "FT125", "warning")]


def test_a_rows_tokens_are_its_input_ids_against_the_models_context(tmp_path):
    rows = [row(prompt=[1] * (CONTEXT - 2)), row(prompt=[1] * (CONTEXT - 3)), row(prompt=[1] * 1000)]
    assert check(tmp_path, rows, "FT301", "FT302") == [
        (
            0,
            "FT301",
            "",
            f"example has at least 131,073 tokens, more than the 131,072 a training example of {TOGETHER} may hold",
        ),
        (1, "FT302", "", f"example has 131,072 tokens, 100% of the 131,072 a training example of {TOGETHER} may hold"),
    ]


def test_stats_count_a_rows_input_ids_and_its_trained_labels(tmp_path):
    write_parquet(tmp_path / "tokens.parquet", [row(), row(padding=2), row(labels=False)])
    [stats] = json.loads(
        run_cli("stats", "--output-format", "json", "--model", TOGETHER, "tokens.parquet", cwd=tmp_path).out
    )
    assert stats["tokens"]["total"] == 6 + 8 + 6 and stats["tokens"]["exact"] is True
    assert stats["tokens"]["trained"] == 3 + 3 + 6  # labels other than -100; without labels, every input id


def test_look_alikes_of_other_formats_are_not_tokenized_rows(tmp_path):
    """A chat record with a `labels` key and a text record with token counts are their own
    formats: the tokenized rules do not read them."""
    records = [
        {**chat("Hi", "Hello"), "labels": [1, 2, 3]},
        {"text": "The sky is blue.", "input_ids": [1, 2], "labels": [5]},
    ]
    write_jsonl(tmp_path / "data.jsonl", records)
    found = findings_json("--no-cache", "data.jsonl", cwd=tmp_path)
    assert not {f["code"] for f in found} & {"FT124", "FT125"}
