"""Hugging Face dataset folders (ft_lint.hub_datasets): the shards of one split are compared with
each other (FT401-FT403), different splits are not, and the validation and test splits are checked
for leaks from the training split of their configuration (FT404, FT405); the dataset card's
`configs` say which files are which split, read safely and within bounds."""

from __future__ import annotations

import gzip
import importlib.util
import json
import random
import re
from pathlib import Path

import pytest

from ft_lint import hub_datasets
from ft_lint.fixer import cannot_rewrite
from ft_lint.hub_datasets import Layout, Split
from support import chat, random_words, run_cli, write_jsonl, write_parquet

ACROSS = "FT401,FT402,FT403,FT404,FT405"


def examples(seed: int, count: int) -> list[dict]:
    rng = random.Random(seed)
    return [chat(" ".join(random_words(rng, 30)) + "?", " ".join(random_words(rng, 30)) + ".") for _ in range(count)]


def said(folder: Path, *args: str, cwd: Path | None = None) -> list[tuple[str, str, int, list[tuple[str, int]]]]:
    """(code, file, line, related (file, line)) of each finding of `ft-lint check ARGS`, names relative to `folder`."""
    result = run_cli("check", "--no-cache", "--select", ACROSS, "--output-format", "json", *args, cwd=cwd or folder)
    assert result.code in (0, 1), result.err
    return [
        (f["code"], f["filename"], f["line"], [(r["filename"], r["line"]) for r in f.get("related", [])])
        for f in json.loads(result.out)
    ]


def card(folder: Path, front_matter: str) -> None:
    (folder / "README.md").write_text(f"---\n{front_matter}---\n\n# A dataset\n", encoding="utf-8")


@pytest.fixture
def records() -> list[dict]:
    return examples(7, 12)


@pytest.fixture
def sharded(tmp_path, records) -> Path:
    """A dataset pushed to the Hub and cloned: two train shards, one validation and one test shard.
    Train shard 1 line 3 copies shard 0 line 2; validation line 2 is train shard 0 line 3; the
    validation and test splits share an example."""
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "train-00000-of-00002.jsonl", records[0:4])
    write_jsonl(data / "train-00001-of-00002.jsonl", [records[4], records[5], records[1]])
    write_jsonl(data / "validation-00000-of-00001.jsonl", [records[8], records[2]])
    write_jsonl(data / "test-00000-of-00001.jsonl", [records[9], records[8]])
    return tmp_path


def test_a_copy_in_another_shard_of_the_split_is_a_duplicate_and_a_validation_example_in_training_a_leak(sharded):
    assert said(sharded, ".") == [
        ("FT401", "data/train-00001-of-00002.jsonl", 3, [("data/train-00000-of-00002.jsonl", 2)]),
        ("FT404", "data/validation-00000-of-00001.jsonl", 2, [("data/train-00000-of-00002.jsonl", 3)]),
    ]  # the example shared by the validation and test splits is no duplicate: they are different splits


def test_the_test_split_is_checked_for_leaks_from_the_training_split(sharded, records):
    write_jsonl(sharded / "data" / "test-00000-of-00001.jsonl", [records[9], records[5]])
    assert ("FT404", "data/test-00000-of-00001.jsonl", 2, [("data/train-00001-of-00002.jsonl", 2)]) in said(
        sharded, "."
    )


def test_a_validation_shard_given_alone_is_checked_against_every_training_shard_on_disk(sharded, records):
    write_jsonl(sharded / "data" / "validation-00000-of-00001.jsonl", [records[2], records[5]])
    assert said(sharded, "data/validation-00000-of-00001.jsonl") == [
        ("FT404", "data/validation-00000-of-00001.jsonl", 1, [("data/train-00000-of-00002.jsonl", 3)]),
        ("FT404", "data/validation-00000-of-00001.jsonl", 2, [("data/train-00001-of-00002.jsonl", 2)]),
    ]


def test_shards_of_two_configurations_are_not_compared(tmp_path, records):
    for config in ("en", "fr"):
        (tmp_path / config).mkdir()
        write_jsonl(tmp_path / config / "train-00000-of-00001.jsonl", records[:3])
    assert said(tmp_path, ".") == []
    write_jsonl(tmp_path / "fr" / "train-00001-of-00001.jsonl", [records[0]])  # a second shard of fr's train split
    assert said(tmp_path, ".") == [
        ("FT401", "fr/train-00001-of-00001.jsonl", 1, [("fr/train-00000-of-00001.jsonl", 1)])
    ]


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("train-00000-of-00002.jsonl", "train"),
        ("train-00000-of-00002-5f9a8c.parquet", "train"),  # as the Hub named shards before
        ("test_sft-00001-of-00003.jsonl.gz", "test_sft"),
        ("train-00000-of-000021.jsonl", None),
        ("my-train-00000-of-00002.jsonl", None),  # a split's name has no `-`
        ("train-0-of-2.jsonl", None),
    ],
)
def test_a_shards_name_says_its_split(tmp_path, name, split):
    found = Layout().split_of(tmp_path / "data" / name)
    assert found == (Split(tmp_path / "data", ".", split) if split else None)


def test_the_cards_configs_say_which_files_are_which_split(tmp_path, records):
    """The split names of the card (train_sft, test_sft) pair by their role word; a file the
    configs do not name is paired by its name as elsewhere."""
    (tmp_path / "sft").mkdir()
    write_jsonl(tmp_path / "sft" / "part_a.jsonl", records[0:3])
    write_jsonl(tmp_path / "sft" / "part_b.jsonl", [records[3], records[0]])
    write_jsonl(tmp_path / "sft" / "held_out.jsonl", [records[8], records[1]])
    write_jsonl(tmp_path / "sft" / "extra.jsonl", [records[10]])
    card(
        tmp_path,
        "license: mit\n"
        "configs:\n"
        "- config_name: sft\n"
        "  data_files:\n"
        "  - split: train_sft\n"
        '    path: "sft/part_[ab].jsonl"\n'
        "  - split: test_sft\n"
        "    path: [sft/held_out.jsonl]\n"
        "dataset_info:\n  features:\n  - name: messages\n",
    )
    assert said(tmp_path, ".") == [
        ("FT404", "sft/held_out.jsonl", 2, [("sft/part_a.jsonl", 2)]),
        ("FT401", "sft/part_b.jsonl", 2, [("sft/part_a.jsonl", 1)]),
    ]
    layout = Layout()
    assert layout.split_of(tmp_path / "sft" / "part_b.jsonl") == Split(tmp_path, "sft", "train_sft")
    assert layout.split_of(tmp_path / "sft" / "extra.jsonl") is None
    assert layout.notes == []


def test_without_configs_the_hubs_default_layout_names_the_splits(tmp_path, records):
    for split, rows in (("train", records[:3]), ("validation", [records[1]]), ("test", [records[9], records[1]])):
        (tmp_path / "data" / split).mkdir(parents=True)
        write_jsonl(tmp_path / "data" / split / "part-0.jsonl", rows)
    card(tmp_path, "task_categories:\n- text-generation\n")
    assert said(tmp_path, ".") == [
        ("FT404", "data/test/part-0.jsonl", 2, [("data/train/part-0.jsonl", 2)]),
        ("FT404", "data/validation/part-0.jsonl", 1, [("data/train/part-0.jsonl", 2)]),
    ]
    assert Layout().split_of(tmp_path / "my_valid_set.jsonl") == Split(tmp_path, "default", "validation")
    assert Layout().split_of(tmp_path / "trainer.jsonl") is None  # no word of its own


def test_folders_that_are_no_dataset_stay_as_they_were(tmp_path, records):
    """Without a dataset card, folders of a split's name are no split: the three files are peers
    (a copy between the two later ones is a duplicate), and a README whose front matter is a web
    page's is no dataset card."""
    for split in ("train", "validation"):
        (tmp_path / split).mkdir()
    write_jsonl(tmp_path / "train" / "all.jsonl", records[:3])
    write_jsonl(tmp_path / "validation" / "all.jsonl", [records[2]])
    (tmp_path / "README.md").write_text("---\nlayout: page\ntitle: Data\n---\n", encoding="utf-8")
    assert said(tmp_path, ".") == [("FT401", "validation/all.jsonl", 1, [("train/all.jsonl", 3)])]


def test_a_card_that_reaches_out_of_its_dataset_is_set_aside_with_a_note(tmp_path, records):
    (tmp_path / "data").mkdir()
    write_jsonl(tmp_path / "data" / "train-00000-of-00001.jsonl", records[:2])
    card(tmp_path, "configs:\n- config_name: x\n  data_files: ../../home/*.jsonl\n")
    result = run_cli("check", "--no-cache", "--select", ACROSS, ".", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "README.md: the pattern '../../home/*.jsonl' is not a path inside the dataset" in result.out
    assert Layout().split_of(tmp_path / "data" / "train-00000-of-00001.jsonl") == Split(tmp_path, "data", "train")


@pytest.mark.parametrize(
    ("front_matter", "why"),
    [
        ("configs: " + "[" * 100_000 + "]" * 100_000 + "\n", "nests deeper than 64 levels"),
        ("configs:\n- data_files: {\n", "is not valid YAML (line 5)"),
        ("configs: " + "x" * (2 << 20) + "\n", "front matter is longer than 1,048,576 bytes"),
        ("configs:\n" + "- data_files: a\n" * (hub_datasets.MAX_PATTERNS + 1), "more than 2,000 patterns"),
        (  # a billion laughs: nine aliases of nine aliases, 30 deep
            "configs:\n- data_files: &a0 [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"- data_files: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]\n" for n in range(1, 30)),
            "is not a pattern or a list of them",
        ),
        ("configs:\n- data_files: *elsewhere\ndataset_info: &elsewhere [x]\n", "is not valid YAML (line 4)"),
    ],
    ids=["deep", "broken", "huge", "many-patterns", "aliases", "alias-outside-configs"],
)
def test_a_hostile_card_is_read_within_bounds_and_set_aside(tmp_path, records, front_matter, why):
    (tmp_path / "data").mkdir()
    write_jsonl(tmp_path / "data" / "train-00000-of-00001.jsonl", records[:2])
    write_jsonl(tmp_path / "data" / "validation-00000-of-00001.jsonl", [records[1]])
    card(tmp_path, "pretty_name: x\n" + front_matter)
    layout = Layout()
    assert layout.split_of(tmp_path / "data" / "validation-00000-of-00001.jsonl") == Split(
        tmp_path, "data", "validation"
    )  # the shards' names still say their split
    assert len(layout.notes) == 1 and why in layout.notes[0], layout.notes


def test_a_cards_patterns_are_matched_without_backtracking(tmp_path):
    """A pattern of many stars against a long name that misses at its end, and many `**`: matched
    part by part, each name as fnmatch does (as one regex over the path, this would not finish)."""
    name = "a" * 200 + ".jsonl"
    pattern = "*a" * 40 + "b.jsonl"
    card(tmp_path, f"configs:\n- data_files:\n  - split: train\n    path: ['**/{pattern}', 'x/**/**/**/*.jsonl']\n")
    assert Layout().split_of(tmp_path / "x" / "y" / name) == Split(tmp_path, "default", "train")
    assert Layout().split_of(tmp_path / "y" / "x" / name) is None


def test_folder_walking_takes_every_kind_and_skips_one_whose_extra_is_missing(tmp_path, monkeypatch, records):
    """A Parquet shard without pyarrow: in a folder a note naming the extra, named an error (exit 2)."""
    write_jsonl(tmp_path / "train.jsonl", records[:1])
    (tmp_path / "train-00000-of-00001.parquet").write_bytes(b"PAR1")
    original = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else original(name, *a))
    folder = run_cli("check", "--no-cache", "--select", "FT001", ".", cwd=tmp_path)
    assert folder.code == 0, folder.err
    needs = 'reading Parquet needs pyarrow: pip install "ft-lint[parquet]"'
    assert f"ft-lint: note: skipped train-00000-of-00001.parquet: {needs}" in folder.err
    named = run_cli("check", "--no-cache", "train-00000-of-00001.parquet", cwd=tmp_path)
    assert named.code == 2
    assert named.err == f"ft-lint: error: train-00000-of-00001.parquet: {needs}\n"


def test_parquet_shards_of_a_dataset_with_a_card_are_compared_by_split(tmp_path, records):
    """The layout README.md shows: Parquet shards under data/, the card's configs naming them; a
    copy across the train shards and a test example in training are found, by row (0-based)."""
    pytest.importorskip("pyarrow")
    data = tmp_path / "data"
    write_parquet(data / "train-00000-of-00002.parquet", records[0:4])
    write_parquet(data / "train-00001-of-00002.parquet", [records[4], records[1]])
    write_parquet(data / "test-00000-of-00001.parquet", [records[9], records[3]])
    card(
        tmp_path,
        "configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*\n"
        "  - split: test\n    path: data/test-*\n",
    )
    result = run_cli("check", "--no-cache", "--select", ACROSS, "--output-format", "json", ".", cwd=tmp_path)
    assert result.code == 1, result.err
    assert [
        (f["code"], f["filename"], f["row"], [(r["filename"], r["row"]) for r in f["related"]])
        for f in json.loads(result.out)
    ] == [
        ("FT404", "data/test-00000-of-00001.parquet", 1, [("data/train-00000-of-00002.parquet", 3)]),
        ("FT401", "data/train-00001-of-00002.parquet", 1, [("data/train-00000-of-00002.parquet", 1)]),
    ]


def test_gzip_shards_are_compared_across_the_split_and_fix_leaves_them_alone(tmp_path, records):
    """Runs once the compressed reader is in (ft_lint.decompress, branch `compressed`)."""
    pytest.importorskip("ft_lint.decompress")
    data = tmp_path / "data"
    data.mkdir()
    shards = {
        "train-00000-of-00002.jsonl.gz": records[0:4],
        "train-00001-of-00002.jsonl.gz": [records[4], records[1], records[4]],
        "validation-00000-of-00001.jsonl.gz": [records[8], records[2]],
    }
    for name, rows in shards.items():
        (data / name).write_bytes(gzip.compress(b"".join(json.dumps(row).encode() + b"\n" for row in rows)))
    assert said(tmp_path, ".") == [
        ("FT401", "data/train-00001-of-00002.jsonl.gz", 2, [("data/train-00000-of-00002.jsonl.gz", 2)]),
        ("FT401", "data/train-00001-of-00002.jsonl.gz", 3, [("data/train-00001-of-00002.jsonl.gz", 1)]),
        ("FT404", "data/validation-00000-of-00001.jsonl.gz", 2, [("data/train-00000-of-00002.jsonl.gz", 3)]),
    ]
    before = (data / "train-00001-of-00002.jsonl.gz").read_bytes()
    fixed = run_cli("check", "--no-cache", "--select", "FT401", "--fix", ".", cwd=tmp_path)
    assert fixed.code == 2
    assert re.search(
        r"^ft-lint: error: data/train-00001-of-00002\.jsonl\.gz: --fix cannot rewrite .* in place;",
        fixed.err,
        re.M,
    ), fixed.err
    assert (data / "train-00001-of-00002.jsonl.gz").read_bytes() == before


@pytest.mark.parametrize("name", ["train.jsonl.gz", "train.csv", "train.parquet"])
def test_fix_refuses_a_kind_it_cannot_rewrite_in_place(name):
    assert cannot_rewrite(Path("data") / name).startswith("--fix cannot rewrite ")
    assert cannot_rewrite(Path("data") / "train.jsonl") is None
