"""Baselines (docs/baseline.md): --write-baseline records today's findings, --baseline and the
`baseline` key hide them, and only new findings are reported and fail the run."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from ft_lint.github_action import run_action
from launch_support import write_records
from support import chat, run_cli, write_json_array, write_jsonl

CONFIG = '[tool.ft-lint]\nselect = ["FT001", "FT002", "FT004", "FT1", "FT2", "FT4", "FT501"]\n'
SECRET = "sk-proj-" + "Zq8xT3vR9wLm2Kp7Yb4Nc6Hd1Jf5Gs0A"  # an OpenAI-shaped key, FT501


def good(n: int) -> dict:
    return chat(f"What is {n} plus {n}?", f"{n} plus {n} is {n + n}.")


def bad(n: int) -> dict:
    return chat(f"Say something about {n}.", "")  # FT201 empty-content


def project(tmp_path: Path, config: str = CONFIG) -> Path:
    (tmp_path / "pyproject.toml").write_text(config)
    (tmp_path / "data").mkdir()
    return tmp_path


def check(folder: Path, *args: str) -> tuple[int, list[dict], str]:
    """`ft-lint check --output-format json ARGS data` in FOLDER: exit code, findings, stderr."""
    result = run_cli("check", "--output-format", "json", *args, "data", cwd=folder)
    assert result.code in (0, 1), result.err
    return result.code, json.loads(result.out), result.err


def baseline_entries(path: Path) -> list[dict]:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["kind"] == "ft-lint-baseline" and document["version"] == 1
    return document["findings"]


def test_written_baseline_hides_todays_findings_and_survives_lines_inserted_above(tmp_path):
    folder = project(tmp_path)
    train = folder / "data" / "train.jsonl"
    write_jsonl(train, [good(1), bad(2), good(3), bad(4), bad(5)])
    written = run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    assert written.code == 0, written.out + written.err
    assert "3 known problems hidden by the baseline" in written.out
    assert "wrote known.json: 3 findings recorded" in written.err

    write_jsonl(train, [good(10), good(11), good(1), bad(2), good(3), bad(5), bad(4)])  # moved, not changed
    code, findings, _ = check(folder, "--baseline", "known.json")
    assert (code, findings) == (0, [])

    train.write_text(train.read_text().replace(json.dumps(good(3)), json.dumps(bad(3))))  # a record made bad
    code, findings, _ = check(folder, "--baseline", "known.json")
    assert code == 1
    assert [(f["code"], f["line"]) for f in findings] == [("FT201", 5)]


def test_the_summary_line_counts_what_the_baseline_hid(tmp_path):
    folder = project(tmp_path)
    write_jsonl(folder / "data" / "train.jsonl", [good(1), bad(2), bad(3)])
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    write_jsonl(folder / "data" / "train.jsonl", [good(1), bad(2), bad(3), bad(4)])
    result = run_cli("check", "--baseline", "known.json", "data", cwd=folder)
    assert result.code == 1
    assert (
        "Found 1 new problem (1 error) in 1 of 1 file, 4 records; 2 known problems hidden by the baseline."
        in result.out
    )
    assert "data/train.jsonl:4: FT201" in result.out and "data/train.jsonl:2:" not in result.out


def test_fixed_findings_drop_out_of_the_next_baseline(tmp_path):
    folder = project(tmp_path)
    train = folder / "data" / "train.jsonl"
    write_jsonl(train, [bad(1), bad(2), good(3)])
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    assert [entry["count"] for entry in baseline_entries(folder / "known.json")] == [1, 1]

    write_jsonl(train, [good(1), bad(2), good(3)])  # record 1 fixed
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    assert len(baseline_entries(folder / "known.json")) == 1

    write_jsonl(train, [bad(1), bad(2), good(3)])  # the fixed problem, back: new again
    code, findings, _ = check(folder, "--baseline", "known.json")
    assert code == 1 and [f["line"] for f in findings] == [1]


def test_copies_count_so_one_more_copy_of_a_known_duplicate_is_new(tmp_path):
    folder = project(tmp_path)
    train = folder / "data" / "train.jsonl"
    write_jsonl(train, [good(1), good(2), good(1), good(3), good(1)])  # FT401 twice, same fingerprint
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    [entry] = [e for e in baseline_entries(folder / "known.json") if e["code"] == "FT401"]
    assert entry["count"] == 2

    write_jsonl(train, [good(0), good(1), good(2), good(1), good(3), good(1)])  # lines moved: still known
    assert check(folder, "--baseline", "known.json")[:2] == (0, [])

    write_jsonl(train, [good(1), good(2), good(1), good(3), good(1), good(4), good(1)])  # a third copy
    code, findings, _ = check(folder, "--baseline", "known.json")
    assert code == 1
    assert [(f["code"], f["line"]) for f in findings] == [("FT401", 7)]  # the last copy is the new one


def test_a_validation_leak_stays_known_when_the_training_file_moves_its_lines(tmp_path):
    folder = project(tmp_path, CONFIG + '[tool.ft-lint.pairs]\n"data/train.jsonl" = "data/valid.jsonl"\n')
    leaked = good(7)
    write_jsonl(folder / "data" / "train.jsonl", [good(n) for n in range(1, 12)])
    write_jsonl(folder / "data" / "valid.jsonl", [good(40), leaked])
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    assert {e["code"] for e in baseline_entries(folder / "known.json")} >= {"FT404"}

    write_jsonl(folder / "data" / "train.jsonl", [good(n) for n in range(12, 0, -1)])  # related line moves
    assert check(folder, "--baseline", "known.json")[:2] == (0, [])

    write_jsonl(folder / "data" / "valid.jsonl", [good(40), leaked, good(3)])  # a second leak
    code, findings, _ = check(folder, "--baseline", "known.json")
    assert code == 1 and [(f["code"], f["line"]) for f in findings] == [("FT404", 3)]


def test_records_of_a_json_array_file_are_known_by_their_value(tmp_path):
    folder = project(tmp_path)
    write_json_array(folder / "data" / "train.json", [good(1), bad(2), good(3)])  # pretty-printed, a record on lines
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    write_json_array(folder / "data" / "train.json", [good(0), good(1), good(3), bad(2)])
    assert check(folder, "--baseline", "known.json")[:2] == (0, [])
    write_json_array(folder / "data" / "train.json", [good(0), bad(1), good(3), bad(2)])
    code, findings, _ = check(folder, "--baseline", "known.json")
    assert code == 1 and [f["line"] for f in findings] == [14]


def test_a_file_level_finding_matches_by_file_and_code(tmp_path):
    folder = project(tmp_path, '[tool.ft-lint]\nselect = ["FT006"]\nfail-on = "info"\n')
    train = folder / "data" / "train.jsonl"
    write_jsonl(train, [good(1), good(2)])  # FT006: too few examples
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    assert baseline_entries(folder / "known.json") == [
        {"file": "data/train.jsonl", "code": "FT006", "fingerprint": None, "count": 1}
    ]
    write_jsonl(train, [good(5), good(1), good(2)])  # still too few, with another count in the message
    assert check(folder, "--baseline", "known.json")[:2] == (0, [])
    write_jsonl(folder / "data" / "other.jsonl", [good(1)])  # another file: new
    code, findings, _ = check(folder, "--baseline", "known.json")
    assert code == 1 and [f["filename"] for f in findings] == ["data/other.jsonl"]


def test_a_rule_with_record_and_file_findings_fingerprints_only_the_record_ones(tmp_path):
    """FT101 reports records of a format (record-level) and files of none (file-level)."""
    folder = project(tmp_path, '[tool.ft-lint]\nselect = ["FT101"]\nformat = "openai-chat"\n')
    odd = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "name": 5}]}
    write_jsonl(folder / "data" / "train.jsonl", [good(1), odd])
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    [entry] = baseline_entries(folder / "known.json")
    assert entry["code"] == "FT101" and entry["fingerprint"] is not None
    write_jsonl(folder / "data" / "train.jsonl", [good(1), {**odd, "messages": odd["messages"][::-1]}, odd])
    code, findings, _ = check(folder, "--baseline", "known.json")
    assert code == 1 and [f["line"] for f in findings] == [2]  # the new record, not the last in the file


def test_the_configuration_key_is_relative_to_the_configuration_file(tmp_path):
    folder = project(tmp_path, CONFIG + 'baseline = "lint/known.json"\n')
    (folder / "lint").mkdir()
    write_jsonl(folder / "data" / "train.jsonl", [good(1), bad(2)])
    assert run_cli("check", "--write-baseline", "lint/known.json", "data", cwd=folder).code == 0
    assert baseline_entries(folder / "lint" / "known.json")[0]["file"] == "../data/train.jsonl"
    # from another folder, the configuration (found upwards) names the same baseline and files
    result = run_cli("check", "train.jsonl", cwd=folder / "data")
    assert result.code == 0 and "1 known problem hidden by the baseline" in result.out
    write_jsonl(folder / "data" / "train.jsonl", [good(1), bad(2), bad(3)])
    result = run_cli("check", "--output-format", "concise", "train.jsonl", cwd=folder / "data")
    assert result.code == 1 and "train.jsonl:3: FT201" in result.out and "train.jsonl:2:" not in result.out


def test_the_action_takes_the_baseline_from_the_configuration(tmp_path, monkeypatch):
    folder = project(tmp_path, CONFIG + 'baseline = "known.json"\n')
    write_jsonl(folder / "data" / "train.jsonl", [good(1), bad(2)])
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    write_jsonl(folder / "data" / "train.jsonl", [bad(0), good(1), bad(2)])
    outputs = tmp_path / "outputs.txt"
    monkeypatch.chdir(folder)
    env = {"FT_LINT_PATHS": "data", "FT_LINT_SARIF_FILE": "", "GITHUB_OUTPUT": str(outputs)}
    out = io.StringIO()
    assert run_action(env, out) == 1
    assert "findings=1\n" in outputs.read_text() and "exit-code=1\n" in outputs.read_text()
    assert "data/train.jsonl,line=1" in out.getvalue() and "line=3" not in out.getvalue()
    assert "1 known problem hidden by the baseline" in out.getvalue()


def test_the_baseline_holds_no_record_text(tmp_path):
    folder = project(tmp_path)
    write_jsonl(folder / "data" / "train.jsonl", [good(1), chat("my key?", f"Use {SECRET} for it.")])
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    text = (folder / "known.json").read_text()
    assert [e["code"] for e in baseline_entries(folder / "known.json")] == ["FT501"]
    assert SECRET not in text and SECRET[:12] not in text and "Use" not in text


def test_the_file_is_sorted_one_finding_a_line_and_the_same_when_written_again(tmp_path):
    folder = project(tmp_path)
    write_jsonl(folder / "data" / "b.jsonl", [bad(1), good(2), good(2)])
    write_jsonl(folder / "data" / "a.jsonl", [bad(3), bad(4)])
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    first = (folder / "known.json").read_bytes()
    lines = first.decode().splitlines()
    assert lines[:4] == ["{", '  "kind": "ft-lint-baseline",', '  "version": 1,', '  "findings": [']
    entries = baseline_entries(folder / "known.json")
    assert len(lines) == len(entries) + 6  # each finding on a line of its own
    keys = [(e["file"], e["code"], e["fingerprint"]) for e in entries]
    assert keys == sorted(keys) and {e["file"] for e in entries} == {"data/a.jsonl", "data/b.jsonl"}
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    assert (folder / "known.json").read_bytes() == first


def test_writing_one_file_keeps_what_the_baseline_holds_of_the_others(tmp_path):
    folder = project(tmp_path)
    write_jsonl(folder / "data" / "a.jsonl", [bad(1)])
    write_jsonl(folder / "data" / "b.jsonl", [bad(2)])
    write_jsonl(folder / "data" / "gone.jsonl", [bad(3)])
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    (folder / "data" / "gone.jsonl").unlink()
    write_jsonl(folder / "data" / "b.jsonl", [bad(2), bad(5)])
    run_cli("check", "--write-baseline", "known.json", "data/b.jsonl", cwd=folder)
    # a.jsonl, not linted, kept; b.jsonl recorded again (both findings); gone.jsonl dropped
    assert [e["file"] for e in baseline_entries(folder / "known.json")] == ["data/a.jsonl", *["data/b.jsonl"] * 2]
    assert check(folder, "--baseline", "known.json")[:2] == (0, [])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", ("invalid JSON at line 1",)),
        ("[]", ('no "kind": "ft-lint-baseline"',)),
        ('{"kind": "eslint-suppressions", "findings": []}', ("not an ft-lint baseline",)),
        ('{"kind": "ft-lint-baseline", "version": 2, "findings": []}', ("baseline version 2", "reads version 1")),
        ('{"kind": "ft-lint-baseline", "version": 1, "findings": {}}', ('"findings" must be an array',)),
        (
            '{"kind": "ft-lint-baseline", "version": 1, "findings": [{"file": "a", "code": "FT201", "count": 1}]}',
            ("finding 1 is not",),
        ),
        (
            '{"kind": "ft-lint-baseline", "version": 1, "findings":'
            ' [{"file": "a", "code": "FT201", "fingerprint": null, "count": 0}]}',
            ("finding 1 is not",),
        ),
        (b"\xff\xfe{".decode("latin-1"), ("not UTF-8",)),
    ],
)
def test_a_broken_or_foreign_baseline_is_exit_2_naming_the_file(tmp_path, text, words):
    folder = project(tmp_path, CONFIG + 'baseline = "known.json"\n')
    write_jsonl(folder / "data" / "train.jsonl", [good(1)])
    (folder / "known.json").write_bytes(text.encode("latin-1" if "\xff" in text else "utf-8"))
    result = run_cli("check", "data", cwd=folder)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("ft-lint: error: ") and result.err.count("\n") == 1
    assert "known.json" in result.err and "Traceback" not in result.err
    for word in words:
        assert word in result.err
    # --write-baseline does not overwrite it either
    before = (folder / "known.json").read_bytes()
    result = run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    assert result.code == 2 and "not overwritten" in result.err
    assert (folder / "known.json").read_bytes() == before


def test_a_missing_baseline_is_exit_2_saying_how_to_write_it(tmp_path):
    folder = project(tmp_path, CONFIG + 'baseline = "known.json"\n')
    write_jsonl(folder / "data" / "train.jsonl", [good(1)])
    result = run_cli("check", "data", cwd=folder)
    assert result.code == 2 and "known.json: baseline file not found" in result.err
    assert "--write-baseline" in result.err


@pytest.mark.parametrize("target", ["data/train.jsonl", "pyproject.toml", "link.json"])
def test_write_baseline_never_overwrites_an_input(tmp_path, target):
    folder = project(tmp_path)
    write_jsonl(folder / "data" / "train.jsonl", [bad(1)])
    (folder / "link.json").symlink_to(folder / "data" / "train.jsonl")
    before = {path: path.read_bytes() for path in (folder / "data" / "train.jsonl", folder / "pyproject.toml")}
    result = run_cli("check", "--write-baseline", target, "data", cwd=folder)
    assert result.code == 2 and "would overwrite an input" in result.err
    assert {path: path.read_bytes() for path in before} == before


def test_the_report_file_never_overwrites_a_baseline(tmp_path):
    folder = project(tmp_path, CONFIG + 'baseline = "known.json"\n')
    write_jsonl(folder / "data" / "train.jsonl", [bad(1)])
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    before = (folder / "known.json").read_bytes()
    for args in (["-o", "known.json"], ["-o", "known.json", "--write-baseline", "known.json"]):
        result = run_cli("check", *args, "data", cwd=folder)
        assert result.code == 2 and ("would overwrite an input" in result.err or "same file" in result.err)
        assert (folder / "known.json").read_bytes() == before
    assert run_cli("check", "-o", "new.txt", "--write-baseline", "new.txt", "data", cwd=folder).code == 2


def test_write_baseline_refuses_diff_and_a_missing_folder_before_the_lint(tmp_path):
    folder = project(tmp_path)
    write_jsonl(folder / "data" / "train.jsonl", [bad(1)])
    assert run_cli("check", "--diff", "--write-baseline", "known.json", "data", cwd=folder).code == 2
    assert not (folder / "known.json").exists()
    result = run_cli("check", "--write-baseline", "lint/known.json", "data", cwd=folder)
    assert result.code == 2 and result.out == "" and "its folder does not exist" in result.err


# --- a broken pyproject.toml --------------------------------------------------------------


def test_a_broken_pyproject_with_our_table_is_exit_2_naming_file_and_line(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.ft-lint]\nselect = ["FT2"\nfail-on = "error"\n'
    )
    write_jsonl(tmp_path / "train.jsonl", [good(1)])
    result = run_cli("check", "train.jsonl", cwd=tmp_path)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("ft-lint: error: ") and result.err.count("\n") == 1
    assert "pyproject.toml: invalid TOML" in result.err and "line 6" in result.err
    (tmp_path / "pyproject.toml").write_text('[tool.ft-lint]\nselect = ["FT2"\n')  # broken at its very end
    result = run_cli("check", "train.jsonl", cwd=tmp_path)
    assert result.code == 2 and "(at end of document, line 2)" in result.err


@pytest.mark.parametrize(
    "table",
    ['[tool."ft-lint".options.FT113]\nmax-images = 5', "[tool]\nft-lint = { select = [1, }", "tool.ft-lint.select = ["],
)
def test_every_spelling_of_our_table_counts(tmp_path, table):
    (tmp_path / "pyproject.toml").write_text(f"{table}\n")
    write_jsonl(tmp_path / "train.jsonl", [good(1)])
    (tmp_path / "pyproject.toml").write_text((tmp_path / "pyproject.toml").read_text() + "= broken\n")
    result = run_cli("check", "train.jsonl", cwd=tmp_path)
    assert result.code == 2 and "pyproject.toml: invalid TOML" in result.err


def test_a_broken_pyproject_without_our_table_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "ft-lint.toml").write_text('select = ["FT201"]\n')  # the configuration, one folder up
    inner = tmp_path / "package"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["ft-lint>=0.1",\n')
    write_jsonl(inner / "train.jsonl", [good(1), bad(2)])
    result = run_cli("check", "--output-format", "concise", "train.jsonl", cwd=inner)
    assert result.code == 1
    assert "ft-lint: warning: " in result.err and "pyproject.toml: invalid TOML" in result.err
    assert "no [tool.ft-lint] table" in result.err
    assert "train.jsonl:2: FT201" in result.out and "FT006" not in result.out  # the configuration above applied


# --- --statistics --output-format json ----------------------------------------------------


def test_statistics_as_json(tmp_path):
    folder = project(tmp_path)
    write_jsonl(folder / "data" / "train.jsonl", [bad(1), "", bad(2), chat("Hi", " Hello "), bad(3)])
    result = run_cli("check", "--statistics", "--output-format", "json", "--fail-on", "info", "data", cwd=folder)
    assert result.code == 1
    rows = json.loads(result.out)
    assert rows == [
        {"code": "FT201", "name": "empty-content", "count": 3, "fixable": False},
        {"code": "FT004", "name": "blank-line", "count": 1, "fixable": True},
        {"code": "FT202", "name": "surrounding-whitespace", "count": 1, "fixable": False},  # an unsafe fix
    ]
    unsafe = run_cli("check", "--statistics", "--output-format", "json", "--unsafe-fixes", "data", cwd=folder)
    assert {row["code"]: row["fixable"] for row in json.loads(unsafe.out)}["FT202"] is True


def test_statistics_json_counts_what_the_baseline_leaves(tmp_path):
    folder = project(tmp_path)
    write_jsonl(folder / "data" / "train.jsonl", [bad(1), bad(2)])
    run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    result = run_cli("check", "--statistics", "--output-format", "json", "--baseline", "known.json", "data", cwd=folder)
    assert (result.code, json.loads(result.out)) == (0, [])
    write_jsonl(folder / "data" / "train.jsonl", [bad(1), bad(2), bad(3)])
    result = run_cli("check", "--statistics", "--output-format", "json", "--baseline", "known.json", "data", cwd=folder)
    assert json.loads(result.out) == [{"code": "FT201", "name": "empty-content", "count": 1, "fixable": False}]


def test_launch_sends_no_file_with_a_known_finding(openai_api, tmp_path):
    """The baseline quiets the report; the provider would still get the whole file."""
    train = write_records(tmp_path / "train.jsonl")
    with train.open("a") as handle:
        handle.write(json.dumps(bad(1)) + "\n")
    args = ["--select", "FT1,FT2", "--model", "gpt-4o-mini"]
    assert run_cli("check", str(train), *args, "--write-baseline", str(tmp_path / "known.json")).code == 0
    code, out, err = run_cli(
        "check", str(train), *args, "--baseline", str(tmp_path / "known.json"), "--launch", "--dry-run"
    )
    assert code == 1 and "nothing sent: 1 finding" in out + err
    assert openai_api.requests == []


def test_a_baseline_kept_among_the_data_is_passed_by_quietly_and_other_json_is_still_noted(tmp_path):
    folder = project(tmp_path)
    write_jsonl(folder / "data" / "train.jsonl", [good(1), bad(2)])
    (folder / "data" / "settings.json").write_text('{"not": "records"}')
    written = run_cli("check", "--write-baseline", "data/known.json", "data", cwd=folder)
    assert written.code == 0, written.err
    assert "known.json" not in written.err.replace("wrote data/known.json", "")

    code, findings, err = check(folder, "--baseline", "data/known.json")
    assert (code, findings) == (0, [])
    assert "skipped data/settings.json" in err and "known.json" not in err
    named = run_cli("check", "--output-format", "json", "data/known.json", cwd=folder)
    assert named.code == 1  # named, ft-lint's own file is linted like any .json: it holds no records


def test_writing_the_baseline_never_writes_through_a_planted_link(tmp_path):
    folder = project(tmp_path)
    write_jsonl(folder / "data" / "train.jsonl", [good(1), bad(2)])
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    # the name a temporary file beside the baseline could take, planted by a stranger's commit
    (folder / f".known.json.{os.getpid()}.tmp").symlink_to(outside)
    written = run_cli("check", "--write-baseline", "known.json", "data", cwd=folder)
    assert written.code == 0, written.err
    assert outside.read_text() == "keep me\n"
    assert baseline_entries(folder / "known.json")
