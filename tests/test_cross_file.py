"""FT401-FT403 across the files of one run: the files of one format and one split are compared
with each other (a commit's files, for the pre-commit hook); a validation file with its training
files only as leaks (FT404, FT405); files of other formats not at all."""

from __future__ import annotations

import json
import random
from pathlib import Path

import jsonschema

from ft_lint.config import Settings
from ft_lint.engine import lint
from ft_lint.findings import Finding
from support import chat, random_words, run_cli, write_jsonl

SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
ACROSS = ["FT401", "FT402", "FT403", "FT404", "FT405"]


def examples(seed: int, count: int, system: str | None = None) -> list[dict]:
    """`count` conversations of their own words (a question and an answer of 30 words each)."""
    rng = random.Random(seed)
    return [
        chat(" ".join(random_words(rng, 30)) + "?", " ".join(random_words(rng, 30)) + ".", system=system)
        for _ in range(count)
    ]


def reworded(record: dict) -> dict:
    """The record with one word of its answer changed (a near-copy: similarity about 0.85)."""
    messages = [dict(message) for message in record["messages"]]
    messages[-1]["content"] = messages[-1]["content"].replace(" ", " indeed ", 1)
    return {"messages": messages}


def findings(*paths: Path, **settings) -> list[Finding]:
    found, _ = lint(list(paths), Settings(paths=list(paths), select=ACROSS, **settings))
    return found


def said(found: list[Finding]) -> list[tuple[str, str, int, list[tuple[str, int]]]]:
    """(code, file name, line, related (file name, line)) of each finding, names without folders."""
    return [
        (f.code, Path(f.filename).name, f.line, [(Path(r.filename).name, r.line) for r in f.related]) for f in found
    ]


def test_copies_in_another_file_of_the_run_name_their_first_copy(tmp_path):
    records = examples(1, 8)
    first = write_jsonl(tmp_path / "d.jsonl", records[:5])
    second = write_jsonl(tmp_path / "e.jsonl", [*records[:5], *records[5:], records[0]])
    found = findings(first, second)
    assert said(found) == [
        *[("FT401", "e.jsonl", line, [("d.jsonl", line)]) for line in range(1, 6)],
        ("FT401", "e.jsonl", 9, [("e.jsonl", 1)]),  # a copy in its own file names the one there: --fix deletes it
    ]
    assert found[0].message == f"duplicate of the example at {first.as_posix()}:1"
    assert [f.edit is not None for f in found] == [False] * 5 + [True]
    assert found[-1].message == "duplicate of the example at line 1"


def test_the_first_file_given_keeps_the_first_copy(tmp_path):
    records = examples(2, 3)
    first = write_jsonl(tmp_path / "a.jsonl", records)
    second = write_jsonl(tmp_path / "b.jsonl", records[::-1])
    assert [(f.filename, f.line) for f in findings(second, first)] == [(first.as_posix(), line) for line in (1, 2, 3)]


def test_fix_never_deletes_a_copy_whose_first_copy_is_in_another_file(tmp_path):
    records = examples(3, 4)
    first = write_jsonl(tmp_path / "d.jsonl", records[:2])
    second = write_jsonl(tmp_path / "e.jsonl", [records[0], records[2], records[2], records[3]])
    before = first.read_bytes()
    result = run_cli("check", "--select", "FT401", "--fix", "--output-format", "concise", str(first), str(second))
    assert result.code == 1, result.err
    assert first.read_bytes() == before
    assert [json.loads(line) for line in second.read_text().splitlines()] == [records[0], records[2], records[3]]
    assert result.out.splitlines()[0] == f"{second}:1: FT401 duplicate of the example at {first}:1"


def test_json_and_sarif_give_the_twin_in_the_other_file(tmp_path):
    records = examples(4, 3)
    write_jsonl(tmp_path / "d.jsonl", records)
    write_jsonl(tmp_path / "e.jsonl", [records[1]])
    (tmp_path / ".git").mkdir()  # the repository root SARIF's URIs are relative to
    arguments = ("check", "--select", "FT401", "d.jsonl", "e.jsonl")
    as_json = json.loads(run_cli(*arguments, "--output-format", "json", cwd=tmp_path).out)
    assert [(f["filename"], f["line"], f["related"]) for f in as_json] == [
        ("e.jsonl", 1, [{"filename": "d.jsonl", "line": 2}])
    ]
    sarif = json.loads(run_cli(*arguments, "--output-format", "sarif", cwd=tmp_path).out)
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(sarif)
    (result,) = sarif["runs"][0]["results"]
    (related,) = result["relatedLocations"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "e.jsonl"
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "d.jsonl"
    assert related["physicalLocation"]["region"]["startLine"] == 2


def test_near_copies_and_conflicting_answers_across_files(tmp_path):
    records = examples(5, 4)
    question = chat("Is the parcel insured against loss in transit?", "Yes")
    first = write_jsonl(tmp_path / "f.jsonl", [*records[:3], question])
    second = write_jsonl(
        tmp_path / "g.jsonl", [reworded(records[1]), *examples(6, 2), chat(question["messages"][0]["content"], "No")]
    )
    found = findings(first, second)
    assert said(found) == [("FT402", "g.jsonl", 1, [("f.jsonl", 2)]), ("FT403", "g.jsonl", 4, [("f.jsonl", 4)])]
    assert found[0].message.startswith(f"nearly the same as the example at {first.as_posix()}:2 (similarity 0.")
    assert found[1].message == f"the same input as the example at {first.as_posix()}:4, with a different label"


def test_files_that_share_a_system_prompt_and_answers_stay_silent(tmp_path):
    """Two files of one assistant: the same long system prompt, the same short answers to other
    questions, the same question asked with other context: nothing is a duplicate."""
    system = "You are the support assistant of Example Shop. " + " ".join(random_words(random.Random(7), 60))
    first = write_jsonl(
        tmp_path / "shop_a.jsonl",
        [*examples(8, 5, system=system), chat("Can I return shoes?", "Yes"), chat("Where is order 1?", "On its way")],
    )
    second = write_jsonl(
        tmp_path / "shop_b.jsonl",
        [*examples(9, 5, system=system), chat("Can I return hats?", "Yes"), chat("Where is order 2?", "On its way")],
    )
    assert findings(first, second) == []


def test_a_validation_file_paired_with_its_training_file_gives_leaks_not_duplicates(tmp_path):
    records = examples(10, 4)
    training = write_jsonl(tmp_path / "data.jsonl", records)
    validation = write_jsonl(tmp_path / "heldout.jsonl", [records[0], reworded(records[2])])
    found = findings(training, validation=validation)
    assert said(found) == [
        ("FT404", "heldout.jsonl", 1, [("data.jsonl", 1)]),
        ("FT404", "heldout.jsonl", 2, [("data.jsonl", 3)]),
    ]
    assert "input is in the training data" in found[1].message  # the same question: a leak, not a near-copy
    by_name = [write_jsonl(tmp_path / "train.jsonl", records), write_jsonl(tmp_path / "valid.jsonl", [records[0]])]
    assert said(findings(*by_name)) == [("FT404", "valid.jsonl", 1, [("train.jsonl", 1)])]


def test_two_training_files_paired_with_one_validation_file_are_compared_with_each_other(tmp_path):
    records = examples(11, 3)
    first, second = write_jsonl(tmp_path / "a.jsonl", records), write_jsonl(tmp_path / "b.jsonl", records[:1])
    validation = write_jsonl(tmp_path / "v.jsonl", examples(12, 2))
    assert said(findings(first, second, validation=validation)) == [("FT401", "b.jsonl", 1, [("a.jsonl", 1)])]


def test_files_of_different_formats_are_not_compared(tmp_path):
    """The same words as a conversation in one file and a prompt and completion in another:
    different kinds of examples, so not near-copies; within one format they are."""
    records = examples(13, 3)
    completions = [
        {"prompt": record["messages"][0]["content"], "completion": record["messages"][1]["content"]}
        for record in records
    ]
    chats = write_jsonl(tmp_path / "chat.jsonl", records)
    prompts = write_jsonl(tmp_path / "completions.jsonl", completions)
    assert findings(chats, prompts) == []
    more_chats = write_jsonl(tmp_path / "more_chat.jsonl", [reworded(records[0])])
    assert said(findings(chats, prompts, more_chats)) == [("FT402", "more_chat.jsonl", 1, [("chat.jsonl", 1)])]


def test_a_cached_file_is_compared_as_one_read_now(tmp_path):
    records = examples(14, 3)
    first = write_jsonl(tmp_path / "d.jsonl", records)
    second = write_jsonl(tmp_path / "e.jsonl", [records[2], reworded(records[0])])
    cold = said(findings(first, second))
    assert [code for code, *_ in cold] == ["FT401", "FT402"]
    third = write_jsonl(tmp_path / "f.jsonl", [records[1]])  # d and e come from the cache now
    assert said(findings(first, second, third)) == [*cold, ("FT401", "f.jsonl", 1, [("d.jsonl", 2)])]


def test_a_file_named_twice_through_a_link_is_not_a_copy_of_itself(tmp_path):
    records = examples(15, 3)
    first = write_jsonl(tmp_path / "train.jsonl", records)
    (tmp_path / "inside.jsonl").symlink_to("train.jsonl")
    second = write_jsonl(tmp_path / "more.jsonl", records[:1])
    assert said(findings(tmp_path / "inside.jsonl", first, second)) == [
        ("FT401", "more.jsonl", 1, [("inside.jsonl", 1)])
    ]


def test_across_files_false_compares_each_file_alone(tmp_path):
    """Files that are not trained on together (an old version kept next to the new one)."""
    records = examples(16, 4)
    question = chat("Is the parcel insured?", "Yes")
    old = write_jsonl(tmp_path / "v1.jsonl", [*records[:3], question])
    new = write_jsonl(
        tmp_path / "v2.jsonl",
        [*records[:2], reworded(records[2]), chat("Is the parcel insured?", "No"), records[3], records[3]],
    )
    assert [code for code, *_ in said(findings(old, new))] == ["FT401", "FT401", "FT402", "FT403", "FT401"]
    (tmp_path / "ft-lint.toml").write_text(
        "".join(f"[options.{code}]\nacross-files = false\n" for code in ("FT401", "FT402", "FT403"))
    )
    result = run_cli(
        "check", "--select", ",".join(ACROSS), "--output-format", "concise", "v1.jsonl", "v2.jsonl", cwd=tmp_path
    )
    assert result.out.splitlines()[:-1] == ["v2.jsonl:6: FT401 duplicate of the example at line 5"]
