"""What `ft-lint check` reads of the paths given: paths with no data file are a usage error (a
mistyped `paths:` in CI must not pass), unless --allow-empty; in folders, `.json` files that hold
no array of objects are skipped with a note, and a `.json` file named is linted all the same."""

from __future__ import annotations

import json

import samples as s
from ft_lint.files import DATA_SUFFIXES
from support import run_cli, write_jsonl

KINDS = ", ".join("*" + suffix for suffix in DATA_SUFFIXES)
NO_DATA = f"ft-lint: error: no data files ({KINDS}, *.json arrays of objects) in "


def test_a_folder_without_data_files_is_a_usage_error(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("nothing to lint")
    result = run_cli("check", "data", cwd=tmp_path)
    assert (result.code, result.out) == (2, "")
    assert result.err == NO_DATA + "data (--allow-empty lets a run without data pass)\n"


def test_allow_empty_lets_a_run_without_data_pass(tmp_path):
    (tmp_path / "data").mkdir()
    for paths in (["data"], []):  # no paths: pre-commit with `always_run` and nothing staged
        result = run_cli("check", "--allow-empty", *paths, cwd=tmp_path)
        assert (result.code, result.out, result.err) == (0, "All checks passed (0 files, 0 records).\n", "")


def test_allow_empty_changes_nothing_when_there_is_data(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [s.NO_ASSISTANT])
    assert run_cli("check", "--select", "FT104", "--allow-empty", "a.jsonl", cwd=tmp_path).code == 1


def test_no_paths_without_allow_empty_is_still_a_usage_error(tmp_path):
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2 and "no paths given" in result.err


def test_folders_skip_json_files_that_are_not_arrays_of_objects_with_one_note(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "records.json").write_text("\ufeff[\n    " + json.dumps(s.NO_ASSISTANT) + "\n]")  # a BOM, indented
    (data / "numbers.json").write_text("[1, 2, 3]")
    (data / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0"}))
    (data / "empty.json").write_text("[]")
    (data / "tags.json").write_text('["a", "b"]')
    write_jsonl(data / "a.jsonl", [s.NO_ASSISTANT])
    result = run_cli("check", "--select", "FT104", "--output-format", "concise", "data", cwd=tmp_path)
    assert result.code == 1
    assert [line.split(":")[0] for line in result.out.splitlines()[:-1]] == ["data/a.jsonl", "data/records.json"]
    assert result.err == (
        "ft-lint: note: skipped data/empty.json, data/numbers.json, data/package.json and 1 more:"
        " not a JSON array of objects, so not data (name a .json file to lint it)\n"
    )


def test_a_folder_of_only_other_json_files_is_an_error_after_the_note(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.json").write_text('{"debug": true}')
    result = run_cli("check", "config", cwd=tmp_path)
    assert result.code == 2
    assert result.err.splitlines()[0].startswith("ft-lint: note: skipped config/settings.json: ")
    assert result.err.splitlines()[1].startswith(NO_DATA + "config ")


def test_a_json_file_named_is_linted_whatever_it_holds(tmp_path):
    (tmp_path / "numbers.json").write_text("[1, 2, 3]")
    result = run_cli("check", "--select", "FT002", "--output-format", "concise", "numbers.json", cwd=tmp_path)
    assert result.code == 1 and result.err == ""
    assert result.out.splitlines()[0].startswith("numbers.json:1: FT002 ")
