"""Names are data, never instructions: file names, keys and record text that would be options,
terminal escapes or GitHub workflow commands reach every output escaped for it (ft_lint.escaping).

The GitHub runner is modelled on actions/runner's ActionCommand: `::name props::data` once leading
blanks are stripped, the legacy `##[name props]data` anywhere in a line, and nothing but the token
while `::stop-commands::TOKEN` is in force."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path
from urllib.parse import unquote_to_bytes

import jsonschema
import pytest

from ft_lint.github_action import run_action
from support import run_cli
from test_github_format import unescape_data, unescape_property
from test_precommit import BAD, GOOD, dataset_repository, hook_repository, pre_commit  # noqa: F401 (a fixture)

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
SELECT = ("--select", "FT001,FT102,FT201")

# name on disk -> how the terminal formats show it
NAMES = {
    "evil\n::error file=x::pwned\n::add-mask::secret.jsonl": "evil\\n::error file=x::pwned\\n::add-mask::secret.jsonl",
    "\x1b]0;title\x07\x1b[2J.jsonl": "\\x1b]0;title\\x07\\x1b[2J.jsonl",
    "::add-mask::y.jsonl": "\\x3a:add-mask::y.jsonl",
    "##[set-output name=z]w.jsonl": "##\\x5bset-output name=z]w.jsonl",
    os.fsdecode(b"\xff.jsonl"): "\\xff.jsonl",  # not UTF-8: os.fsdecode makes it "\udcff.jsonl"
}
KEY = "k\x1b]0;t\x07\x9b\n::error::k"  # a key with control characters (ESC, BEL, CSI, LF): FT102 points at it
RECORD = {"messages": [{"role": "user", "content": "Hi", KEY: 1}, {"role": "assistant", "content": ""}]}
BROKEN = '{"x\x1b[2J##[add-mask]y": '  # not JSON (a raw ESC in a string): FT001, with its excerpt
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")  # any but "\n"


@pytest.fixture
def hostile(tmp_path) -> Path:
    """A repository whose every data file has a hostile name and the same hostile records."""
    (tmp_path / ".git").mkdir()
    for name in NAMES:
        (tmp_path / name).write_text(json.dumps(RECORD) + "\n" + BROKEN + "\n", encoding="utf-8")
    return tmp_path


def runner_commands(lines: list[str]) -> list[tuple[str, dict[str, str], str]]:
    """The workflow commands GitHub's runner reads in these lines of a step's log."""
    commands, stop_token = [], None
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith("::") and "::" in stripped[2:]:
            head, data = stripped[2:].split("::", 1)
        elif "##[" in line and "]" in line.split("##[", 1)[1]:
            head, data = line.split("##[", 1)[1].split("]", 1)
        else:
            continue
        name, _, props = head.partition(" ")
        if stop_token is not None:
            stop_token = None if name == stop_token else stop_token
            continue
        if name == "stop-commands":
            stop_token = data
        properties = dict(item.split("=", 1) for item in props.split(",") if "=" in item)
        commands.append(
            (name, {key: unescape_property(value) for key, value in properties.items()}, unescape_data(data))
        )
    return commands


def assert_shown_not_obeyed(text: str) -> None:
    """Terminal text: no control character but line ends, no workflow command."""
    assert CONTROLS.search(text) is None, repr(CONTROLS.search(text))
    assert runner_commands(text.splitlines()) == []


@pytest.mark.parametrize("output_format", ["full", "concise"])
def test_terminal_formats_show_names_pointers_and_excerpts_escaped(hostile, output_format):
    result = run_cli("check", *SELECT, "--output-format", output_format, ".", cwd=hostile)
    assert result.code == 1, result.err
    assert_shown_not_obeyed(result.out)
    for shown in NAMES.values():
        assert f"{shown}:1: FT201" in result.out and f"{shown}:2: FT001" in result.out
    if output_format == "full":
        assert "  at /messages/0/k\\x1b]0;t\\x07\\x9b\\n::error::k\n" in result.out
        assert '  | {"x\\x1b[2J##\\x5badd-mask]y": \n' in result.out


def test_statistics_and_stats_show_names_escaped(hostile):
    statistics = run_cli("check", *SELECT, "--statistics", ".", cwd=hostile)
    assert statistics.code == 1
    assert_shown_not_obeyed(statistics.out)
    stats = run_cli("stats", "--model", "gpt-4.1-mini-2025-04-14", ".", cwd=hostile)
    assert stats.code == 0, stats.err
    assert_shown_not_obeyed(stats.out)
    for shown in NAMES.values():
        assert f"\n{shown}: openai-chat" in "\n" + stats.out
    rows = json.loads(run_cli("stats", "--output-format", "json", ".", cwd=hostile).out.encode("utf-8"))
    assert sorted(row["filename"] for row in rows) == sorted(name.replace("\udcff", "\\xff") for name in NAMES)


@pytest.mark.parametrize(
    "args",
    [
        ["check", "gone\n::add-mask::x\x1b]0;t\x07.jsonl"],
        ["check", "--config", "c\n::error::x\x1b]0;t\x07.toml", "."],
    ],
)
def test_errors_on_stderr_are_one_escaped_line(hostile, args):
    result = run_cli(*args, cwd=hostile)
    assert result.code == 2
    assert result.err.startswith("ft-lint: error: ") and result.err.count("\n") == 1, result.err
    assert "\\n::" in result.err and "\\x1b]0;t\\x07" in result.err
    assert_shown_not_obeyed(result.err)


def test_error_about_a_folder_without_data_is_one_escaped_line(tmp_path):
    (tmp_path / "empty\n::add-mask::x").mkdir()
    result = run_cli("check", "empty\n::add-mask::x", cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("ft-lint: error: no data files (")
    assert "arrays of objects) in empty\\n::add-mask::x (" in result.err
    assert result.err.count("\n") == 1


def test_note_about_skipped_json_files_is_one_escaped_line(tmp_path):
    (tmp_path / "package\n::add-mask::x.json").write_text("{}")
    result = run_cli("check", "--allow-empty", ".", cwd=tmp_path)
    assert result.err == (
        "ft-lint: note: skipped package\\n::add-mask::x.json: not a JSON array of objects, so not data"
        " (name a .json file to lint it)\n"
    )


def test_notes_about_files_a_folder_skips_are_escaped_lines(tmp_path):
    os.mkfifo(tmp_path / "pipe\x1b[2J\n::add-mask::x.jsonl")  # not a regular file: skipped with a warning
    (tmp_path / "outside.jsonl").write_text("{}\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "link\x1b]0;t\x07.jsonl").symlink_to(tmp_path / "outside.jsonl")  # leads out: a note
    result = run_cli("check", "--allow-empty", ".", "data", cwd=tmp_path)
    assert "skipped pipe\\x1b[2J\\n::add-mask::x.jsonl: it is a FIFO" in result.err
    assert "skipped data/link\\x1b]0;t\\x07.jsonl: a symbolic link out of data" in result.err
    assert_shown_not_obeyed(result.err)


def test_diff_headers_show_names_escaped(tmp_path):
    name = "evil\n::add-mask::x.jsonl"
    (tmp_path / name).write_text(GOOD + "\n" + GOOD)  # a blank line: a safe fix
    result = run_cli("check", "--diff", name, cwd=tmp_path)
    assert result.code == 1, result.err
    assert result.out.startswith("--- a/evil\\n::add-mask::x.jsonl\n+++ b/evil\\n::add-mask::x.jsonl\n@@ ")
    assert runner_commands(result.out.splitlines() + result.err.splitlines()) == []


def test_github_annotations_carry_names_as_data(hostile):
    result = run_cli("check", *SELECT, "--output-format", "github", ".", cwd=hostile)
    assert result.code == 1
    commands = runner_commands(result.out.splitlines())
    assert len(commands) == 3 * len(NAMES)  # FT001, FT102, FT201 in each file
    assert {name for name, _, _ in commands} == {"error"}
    assert {properties["file"] for _, properties, _ in commands} == set(NAMES.values())
    for _, properties, data in commands:
        assert CONTROLS.search(properties["file"] + data) is None
    assert (
        "(at /messages/0/k\\x1b]0;t\\x07\\x9b\\n::error::k)"
        in {data for _, _, data in commands if data.startswith("unknown key")}.pop()
    )


def test_the_action_runs_no_command_from_the_data(hostile, monkeypatch):
    """Everything the action writes to the log: annotations, the full report, errors on stderr."""
    summary, outputs = hostile / "summary.md", hostile / "outputs"
    env = {
        "FT_LINT_PATHS": ".",
        "FT_LINT_ARGS": " ".join(SELECT),
        "FT_LINT_SARIF_FILE": "ft-lint.sarif",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
    }
    monkeypatch.chdir(hostile)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        assert run_action(env, out) == 1
    commands = runner_commands(out.getvalue().splitlines() + err.getvalue().splitlines())
    names = [name for name, _, _ in commands]
    assert names == ["error"] * 3 * len(NAMES) + ["group", "stop-commands", "endgroup"]
    assert err.getvalue() == ""
    summary_text = summary.read_bytes().decode("utf-8")  # the runner reads it as UTF-8
    assert CONTROLS.search(summary_text) is None
    assert "\\\\xff.jsonl" in summary_text  # `\xff`, its backslash escaped for Markdown

    missing = {**env, "FT_LINT_PATHS": "'gone\n::add-mask::x ##[add-mask]y.jsonl'"}
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        assert run_action(missing, out) == 2
    assert err.getvalue().startswith("ft-lint: error: gone\\n::add-mask::x ##\\x5badd-mask]y.jsonl")
    assert runner_commands((out.getvalue() + err.getvalue()).splitlines()) == []


def test_json_is_valid_utf8_and_keeps_keys_exactly(hostile):
    result = run_cli("check", *SELECT, "--output-format", "json", "-o", "report.json", ".", cwd=hostile)
    assert result.code == 1, result.err
    raw = (hostile / "report.json").read_bytes()
    assert CONTROLS.search(raw.decode("utf-8")) is None  # every control character is a JSON escape
    assert runner_commands(raw.decode("utf-8").splitlines()) == []
    findings = json.loads(raw)
    assert {f["filename"] for f in findings} == {name.replace("\udcff", "\\xff") for name in NAMES}
    assert {f["pointer"] for f in findings if f["code"] == "FT102"} == {"/messages/0/" + KEY}


def test_sarif_is_valid_utf8_and_its_uris_keep_the_bytes_of_names(hostile):
    result = run_cli("check", *SELECT, "--output-format", "sarif", "-o", "report.sarif", ".", cwd=hostile)
    assert result.code == 1, result.err
    raw = (hostile / "report.sarif").read_bytes()
    assert CONTROLS.search(raw.decode("utf-8")) is None
    assert runner_commands(raw.decode("utf-8").splitlines()) == []
    sarif = json.loads(raw)
    jsonschema.Draft7Validator(SCHEMA).validate(sarif)
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in sarif["runs"][0]["results"]
    }
    assert {unquote_to_bytes(uri) for uri in uris} == {os.fsencode(name) for name in NAMES}
    assert "%FF.jsonl" in uris
    pointers = {
        location["fullyQualifiedName"]
        for result in sarif["runs"][0]["results"]
        for location in result["locations"][0].get("logicalLocations", [])
    }
    assert "/messages/0/" + KEY in pointers


@pytest.mark.slow
def test_precommit_takes_a_staged_name_that_looks_like_an_option_as_a_file(hook_repository, offline_pip, tmp_path):  # noqa: F811 (the fixture imported from test_precommit, requested by name)
    """The real pre-commit, the hook as its manifest declares it, the files a commit would stage."""
    data = dataset_repository(tmp_path / "dataset", {"--output-file=x.jsonl": BAD, "data/good.jsonl": GOOD})
    done = pre_commit("try-repo", str(hook_repository[0]), "ft-lint", cwd=data, env=offline_pip)
    assert not (data / "x.jsonl").exists()  # no report written over a file of the repository
    assert done.returncode == 1, done.stdout
    assert "--output-file=x.jsonl:1: FT201 [error] empty-content" in done.stdout
