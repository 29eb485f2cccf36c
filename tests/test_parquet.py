"""Parquet files (issue 21): the rows of a Parquet file written from the records of a JSONL fixture
give the same findings as the JSONL file, apart from the location (`row N`, 0-based, for `line
N + 1`); every report carries the row; --fix refuses Parquet; a missing extra or a broken file is
one clear line or one finding."""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import jsonschema
import pytest

from support import chat, findings_json, run_cli, write_jsonl, write_parquet

pytest.importorskip("pyarrow")

SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
SECRET = "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0" * 3


def tool_call(name: str) -> dict:
    return {"id": "call_1", "type": "function", "function": {"name": name, "arguments": '{"city": "Paris"}'}}


# Each set is one file's records. The records of a set have different keys (a weight on some
# messages, tool calls in one, an extra key in one), so the Parquet schema is their union and
# its rows hold nulls where a record had no key: they must read as the JSONL records did.
CHAT = [
    chat("What is 2+2?", "4"),
    chat("Name a colour.", ""),  # FT201
    {
        "messages": [
            {"role": "user", "content": "Hi", "weight": 0},
            {"role": "assistant", "content": "Hello", "weight": 1},
        ]
    },
    chat("What is 2+2?", "4"),  # FT401 of row 0
    {
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": "Let me look.", "tool_calls": [tool_call("get_weather")]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
            {"role": "assistant", "content": "18C in Paris."},
        ]
    },
    chat(f"My key is {SECRET}", "Noted."),  # FT501
    {"messages": [{"role": "user", "content": "Only a question?"}]},  # no answer
    chat("Tell me a joke.", "  Why did the chicken cross the road?  "),
    {**chat("Summarise.", "Done."), "metadata": {"source": "web"}},  # a key OpenAI does not take
    chat("What is 2+2?", "5"),  # FT403: another answer to row 0's question
]
PREFERENCE = [
    {"prompt": "Capital of France?", "chosen": "Paris", "rejected": "Lyon"},
    {"prompt": "Capital of Spain?", "chosen": "Madrid", "rejected": "Madrid"},
    {"prompt": "Capital of Italy?", "chosen": "", "rejected": "Milan"},
    {"prompt": "Capital of France?", "chosen": "Paris", "rejected": "Lyon"},
]
SHAREGPT = [
    {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]},
    {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": ""}]},
    {
        "conversations": [
            {"from": "system", "value": "Be brief."},
            {"from": "human", "value": "Why?"},
            {"from": "gpt", "value": "Because."},
        ]
    },
]
ALPACA = [
    {"instruction": "Translate to French.", "input": "cat", "output": "chat"},
    {"instruction": "Say hello.", "output": "Hello"},  # no input: a null in Parquet, no key here
    {"instruction": "", "input": "x", "output": "y"},
    {"instruction": "Say hello.", "output": "Hello"},
]
MIXED = [chat("Hi", "Hello"), {"prompt": "Capital of France?", "completion": "Paris"}, chat("Bye", "Goodbye")]

LINE = re.compile(r"\bline (\d+)\b")
LINES = re.compile(r"\blines ([\d, ]+)")


def as_rows(finding: dict, jsonl_name: str, parquet_name: str) -> dict:
    """A JSONL finding as the same finding of the Parquet file of its records would be."""

    def rows(match: re.Match[str]) -> str:
        return "rows " + ", ".join(str(int(n) - 1) for n in match.group(1).split(", "))

    message = LINES.sub(rows, LINE.sub(lambda m: f"row {int(m.group(1)) - 1}", finding["message"]))
    moved = {
        "filename": parquet_name,
        "line": None,
        "row": finding["line"] - 1,
        "message": message.replace(jsonl_name, parquet_name),
        "related": [
            {"filename": parquet_name, "line": None, "row": related["line"] - 1} for related in finding["related"]
        ],
    }
    return {**finding, **moved}


@pytest.mark.parametrize(
    ("records", "model"),
    [(CHAT, "gpt-4.1-mini-2025-04-14"), (PREFERENCE, None), (SHAREGPT, None), (ALPACA, None), (MIXED, None)],
    ids=["openai-chat", "preference", "sharegpt", "alpaca", "mixed"],
)
def test_a_parquet_file_has_the_findings_of_the_jsonl_of_its_records(records, model, tmp_path):
    write_jsonl(tmp_path / "data.jsonl", records)
    write_parquet(tmp_path / "data.parquet", records)
    options = ["--no-cache", *(["--model", model] if model else [])]
    from_jsonl = findings_json(*options, "data.jsonl", cwd=tmp_path)
    from_parquet = findings_json(*options, "data.parquet", cwd=tmp_path)
    assert len(from_jsonl) >= 2  # each set has something to find
    assert from_parquet == [as_rows(finding, "data.jsonl", "data.parquet") for finding in from_jsonl]


def test_rows_are_read_across_row_groups_and_batches(tmp_path):
    records = [chat(f"Question {n}?", "" if n % 700 == 0 else f"Answer {n}.") for n in range(2500)]
    write_parquet(tmp_path / "big.parquet", records, row_group_size=999)  # row groups of 999, batches of 1,024
    found = findings_json("--no-cache", "--select", "FT201", "big.parquet", cwd=tmp_path)
    assert [(f["row"], f["line"]) for f in found] == [(0, None), (700, None), (1400, None), (2100, None)]


def test_a_duplicate_across_a_parquet_file_and_a_jsonl_file_names_the_row(tmp_path):
    write_parquet(tmp_path / "train.parquet", CHAT[:3])
    write_jsonl(tmp_path / "more.jsonl", [chat("Another question?", "Another answer."), CHAT[2]])
    found = findings_json("--no-cache", "--select", "FT401", "train.parquet", "more.jsonl", cwd=tmp_path)
    assert [(f["filename"], f["line"], f["message"], f["related"]) for f in found] == [
        (
            "more.jsonl",
            2,
            "duplicate of the example at train.parquet:row 2",
            [{"filename": "train.parquet", "line": None, "row": 2}],
        )
    ]


def test_every_report_gives_the_row(tmp_path):
    write_parquet(tmp_path / "data.parquet", CHAT[:4])
    (tmp_path / ".git").mkdir()  # the repository root of github's and SARIF's paths
    common = ("check", "--no-cache", "--select", "FT201,FT401", "data.parquet")
    full = run_cli(*common, cwd=tmp_path).out
    assert "data.parquet:row 1: FT201 [error] empty-content" in full
    assert "data.parquet:row 3: FT401 [warning] duplicate-example: duplicate of the example at row 0" in full
    assert "  = see data.parquet:row 0" in full
    concise = run_cli(*common, "--output-format", "concise", cwd=tmp_path).out
    assert concise.startswith("data.parquet:row 1: FT201 assistant message 1 has empty content\n")
    github = run_cli(*common, "--output-format", "github", cwd=tmp_path).out.splitlines()
    assert github[0] == (
        "::error file=data.parquet,title=FT201 empty-content::row 1: assistant message 1 has empty content"
        " (at /messages/1/content)"
    )
    assert "::row 3: duplicate of the example at row 0%0Asee data.parquet:row 0%0A" in github[1]
    sarif = json.loads(run_cli(*common, "--output-format", "sarif", cwd=tmp_path).out)
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(sarif)
    empty, duplicate = sarif["runs"][0]["results"]
    [location] = empty["locations"]
    assert location["physicalLocation"]["region"] == {"startLine": 1}
    assert location["properties"] == {"row": 1}
    assert [logical["name"] for logical in location["logicalLocations"]] == ["row 1", "content"]
    assert location["logicalLocations"][1]["fullyQualifiedName"] == "row 1/messages/1/content"
    assert empty["message"]["text"].startswith("row 1: ")
    assert duplicate["relatedLocations"][0]["properties"] == {"row": 0}


def test_fix_refuses_parquet_and_leaves_it_as_it_was(tmp_path):
    path = write_parquet(tmp_path / "data.parquet", [CHAT[0], CHAT[0]])
    before = path.read_bytes()
    result = run_cli("check", "--no-cache", "--fix", "data.parquet", cwd=tmp_path)
    assert result.code == 2
    assert "ft-lint: error: data.parquet: --fix cannot rewrite Parquet in place" in result.err
    assert path.read_bytes() == before
    diff = run_cli("check", "--no-cache", "--diff", "data.parquet", cwd=tmp_path)
    assert diff.out == "" and "data.parquet: --fix cannot rewrite Parquet in place" in diff.err


def test_without_pyarrow_a_parquet_file_named_is_one_line_naming_the_extra(tmp_path, monkeypatch):
    write_parquet(tmp_path / "data.parquet", CHAT[:2])
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    result = run_cli("check", "--no-cache", "data.parquet", cwd=tmp_path)
    assert result.code == 2
    assert result.err == 'ft-lint: error: data.parquet: reading Parquet needs pyarrow: pip install "ft-lint[parquet]"\n'


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "too short to be Parquet"),
        (b'{"messages": []}\n' * 3, "does not end with PAR1"),
        (b"PAR1" + b"\x00" * 40 + b"\x10\x00\x00\x00PAR1", "not readable as Parquet"),
        (b"PAR1" + b"\x00" * 40 + b"\xff\xff\xff\x7fPAR1", "footer claims 2,147,483,647 bytes"),
    ],
    ids=["empty", "jsonl-named-parquet", "bad-footer", "huge-footer"],
)
def test_a_file_that_is_not_parquet_is_one_finding(content, words, tmp_path):
    (tmp_path / "data.parquet").write_bytes(content)
    found = findings_json("--no-cache", "data.parquet", cwd=tmp_path)
    assert [f["code"] for f in found if f["code"] in ("FT003", "FT009")] in (["FT003"], ["FT009"])
    assert words in next(f["message"] for f in found if f["code"] in ("FT003", "FT009"))


def test_a_warm_run_gives_the_cold_runs_findings(tmp_path, monkeypatch):
    write_parquet(tmp_path / "data.parquet", CHAT)
    monkeypatch.setenv("FT_LINT_CACHE_DIR", str(tmp_path / "cache"))
    cold = findings_json("data.parquet", cwd=tmp_path)
    assert list((tmp_path / "cache").glob("*.cache"))
    warm = findings_json("data.parquet", cwd=tmp_path)
    assert warm == cold and cold == findings_json("--no-cache", "data.parquet", cwd=tmp_path)


def test_pandas_index_columns_and_binary_text_read_as_the_records(tmp_path):
    import pyarrow
    import pyarrow.parquet

    table = pyarrow.table(
        {
            "prompt": pyarrow.array([b"Capital of France?", b"Capital of Spain?"], pyarrow.binary()),
            "completion": ["Paris", ""],
            "__index_level_0__": [10, 11],
        }
    ).replace_schema_metadata({b"pandas": json.dumps({"index_columns": ["__index_level_0__"]}).encode()})
    pyarrow.parquet.write_table(table, tmp_path / "data.parquet")
    write_jsonl(
        tmp_path / "data.jsonl",
        [{"prompt": "Capital of France?", "completion": "Paris"}, {"prompt": "Capital of Spain?", "completion": ""}],
    )
    from_jsonl = findings_json("--no-cache", "data.jsonl", cwd=tmp_path)
    assert findings_json("--no-cache", "data.parquet", cwd=tmp_path) == [
        as_rows(finding, "data.jsonl", "data.parquet") for finding in from_jsonl
    ]


# --- bounded memory on hostile files ---------------------------------------------------------


def test_a_row_group_is_read_in_batches_sized_from_its_own_figures(tmp_path, monkeypatch):
    from ft_lint import parquet_rows

    seen: list[int] = []
    batch_rows = parquet_rows._batch_rows

    def spy(batch, *args):
        seen.append(batch.num_rows)
        return batch_rows(batch, *args)

    monkeypatch.setattr(parquet_rows, "_batch_rows", spy)
    monkeypatch.setattr(parquet_rows, "BATCH_BYTES", 64 << 10)
    records = [chat(f"Question {n}? " + "word " * 200, f"Answer {n}.") for n in range(1000)]  # about 1 KB a row
    write_parquet(tmp_path / "data.parquet", records, row_group_size=1000, compression="zstd")
    assert findings_json("--no-cache", "--select", "FT201", "data.parquet", cwd=tmp_path) == []
    assert sum(seen) >= 1000 and max(seen) <= 64  # every row read; no batch of more than 64 KB of rows


def test_a_column_chunk_declaring_more_than_the_bound_is_one_finding_before_any_page_is_read(tmp_path, monkeypatch):
    from ft_lint import parquet_rows

    monkeypatch.setattr(parquet_rows, "MAX_COLUMN_CHUNK_BYTES", 1 << 20)
    monkeypatch.setattr(parquet_rows, "_batch_rows", None)  # reading a batch would fail the test
    write_parquet(tmp_path / "data.parquet", [chat("a" * (2 << 20), "b"), chat("Hi", "")], compression="zstd")
    found = findings_json("--no-cache", "data.parquet", cwd=tmp_path)
    assert [(f["code"], f["row"]) for f in found] == [("FT009", 0)]
    assert "row group 0 holds" in found[0]["message"] and "row_group_size" in found[0]["message"]


def test_nesting_deeper_than_pyarrow_reads_is_one_finding(tmp_path):
    import pyarrow
    import pyarrow.parquet

    data_type, value = pyarrow.string(), "x"
    for _ in range(150):
        data_type, value = pyarrow.list_(data_type), [value]
    pyarrow.parquet.write_table(pyarrow.table({"text": pyarrow.array([value], data_type)}), tmp_path / "deep.parquet")
    found = findings_json("--no-cache", "deep.parquet", cwd=tmp_path)
    assert [f["code"] for f in found] == ["FT003"]
    assert "nested" in found[0]["message"]


@pytest.mark.slow
def test_a_giant_cell_is_one_finding_at_its_row_and_memory_stays_bounded(tmp_path):
    """70 MB of text in one cell, zstd-compressed to a few KB: its row is over the record limit
    and never becomes Python text; the rows around it are checked; the child process, capped at
    1 GB of address space, finishes."""
    from hostile_limits import run_limited

    records = [chat("Hi", "Hello") for _ in range(5)]
    records[2] = chat("a" * (70 << 20), "Hello")
    write_parquet(tmp_path / "giant.parquet", records, compression="zstd")
    del records
    assert (tmp_path / "giant.parquet").stat().st_size < 1 << 20
    result = run_limited(
        "check", "--no-cache", "--output-format", "concise", "giant.parquet", cwd=tmp_path, memory_mb=1024
    )
    assert result.code == 1, result.err
    assert "giant.parquet:row 2: FT009 row holds more than 64 MiB of data" in result.out
    assert "giant.parquet:row 4: FT401 duplicate of the example at row 0" in result.out


def test_dataset_rules_read_rows_again_across_row_groups(tmp_path):
    """FT402 reads the candidate pairs again (only the row groups holding them): a near-copy
    in the third row group of the first row's example is found, at its row."""
    rng = random.Random(5)
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi".split()
    records = [chat(" ".join(rng.choices(words, k=40)), " ".join(rng.choices(words, k=40))) for _ in range(250)]
    question = records[1]["messages"][0]["content"]
    records[230] = chat(question, records[1]["messages"][1]["content"] + " again")
    write_parquet(tmp_path / "data.parquet", records, row_group_size=100)
    found = findings_json("--no-cache", "--select", "FT402", "data.parquet", cwd=tmp_path)
    assert [(f["row"], f["related"]) for f in found] == [(230, [{"filename": "data.parquet", "line": None, "row": 1}])]


def test_a_baseline_hides_a_parquet_rows_finding_until_another_row_has_it(tmp_path):
    write_parquet(tmp_path / "data.parquet", [chat("Hi", ""), chat("Bye", "Goodbye")])
    result = run_cli(
        "check", "--no-cache", "--select", "FT201", "--write-baseline", "base.json", "data.parquet", cwd=tmp_path
    )
    assert result.code == 0, result.err
    assert (
        findings_json("--no-cache", "--select", "FT201", "--baseline", "base.json", "data.parquet", cwd=tmp_path) == []
    )
    write_parquet(tmp_path / "data.parquet", [chat("Hi", ""), chat("Bye", "")])
    found = findings_json("--no-cache", "--select", "FT201", "--baseline", "base.json", "data.parquet", cwd=tmp_path)
    assert [(f["code"], f["row"]) for f in found] == [("FT201", 1)]


def test_write_clean_writes_the_parquet_rows_that_passed_as_parquet(tmp_path):
    import pyarrow.parquet

    write_parquet(tmp_path / "data.parquet", CHAT, compression="zstd")
    result = run_cli(
        "check", "--no-cache", "--select", "FT201,FT401", "--write-clean", "clean.parquet", "data.parquet", cwd=tmp_path
    )
    assert result.code == 1 and "wrote 8 of 10 records of data.parquet to clean.parquet" in result.err
    source, clean = (
        pyarrow.parquet.ParquetFile(tmp_path / "data.parquet"),
        pyarrow.parquet.ParquetFile(tmp_path / "clean.parquet"),
    )
    assert clean.schema_arrow == source.schema_arrow
    assert clean.metadata.row_group(0).column(0).compression == "ZSTD"
    rows = source.read().to_pylist()
    assert clean.read().to_pylist() == [row for number, row in enumerate(rows) if number not in (1, 3)]
