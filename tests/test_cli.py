"""The real console entry, run as a user runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import samples as s
from ft_lint.formats import all_formats
from ft_lint.rules import catalog
from support import assert_one_line_error, ft_lint, write_jsonl

pytestmark = pytest.mark.slow  # each test runs `python -m ft_lint` in a child process


@pytest.fixture
def clean(tmp_path):
    return write_jsonl(tmp_path / "clean.jsonl", [s.CHAT, s.CHAT_MULTI_TURN])


@pytest.fixture
def warnings_only(tmp_path):
    return write_jsonl(tmp_path / "warnings.jsonl", [s.CHAT, s.TRAILING_USER])  # FT106


@pytest.fixture
def info_only(tmp_path):
    return write_jsonl(tmp_path / "info.jsonl", [s.TRAILING_NEWLINES])  # FT202


@pytest.fixture
def bad(tmp_path):
    # line 1 FT201, line 2 FT104, line 3 FT201 and FT401 (a copy of line 1), line 4 FT202 and FT203
    return write_jsonl(
        tmp_path / "bad.jsonl", [s.ASSISTANT_EMPTY, s.NO_ASSISTANT, s.ASSISTANT_EMPTY, chat_with(" Paris.<|im_end|>")]
    )


def chat_with(answer: str) -> dict:
    return s.conversation(s.USER, s.msg("assistant", answer))


# exit codes


def test_clean_file_exits_0_with_a_summary(clean):
    result = ft_lint("check", clean)
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed (1 file, 2 records).\n", "")


def test_findings_exit_1(bad):
    assert ft_lint("check", bad).returncode == 1


def test_exit_zero_exits_0_with_findings(bad):
    result = ft_lint("check", "--exit-zero", bad)
    assert result.returncode == 0 and "FT201" in result.stdout


def test_fail_on_sets_the_lowest_failing_severity(warnings_only, info_only, bad):
    assert ft_lint("check", warnings_only).returncode == 1
    assert ft_lint("check", "--fail-on", "error", warnings_only).returncode == 0
    assert ft_lint("check", "--fail-on", "error", bad).returncode == 1
    assert ft_lint("check", info_only).returncode == 0
    assert ft_lint("check", "--fail-on", "info", info_only).returncode == 1


def test_missing_file_is_one_line_and_exit_2(tmp_path, clean):
    assert_one_line_error(ft_lint("check", clean, tmp_path / "missing.jsonl"), "missing.jsonl", "no such file")


def test_unknown_option_is_one_line_and_exit_2(clean):
    assert_one_line_error(ft_lint("check", "--colour", clean), "--colour")


def test_bad_option_values_are_one_line_and_exit_2(clean):
    assert_one_line_error(ft_lint("check", "--format", "csv-chat", clean), "--format", "csv-chat")
    assert_one_line_error(ft_lint("check", "--select", "FT999", clean), "--select", "FT999")
    assert_one_line_error(ft_lint("check", "--fail-on", "fatal", clean), "--fail-on")
    assert_one_line_error(ft_lint("check", "--output-format", "xml", clean), "--output-format")
    assert_one_line_error(ft_lint("rule", "FT999"), "FT999")


def test_no_paths_is_a_usage_error(clean):
    assert_one_line_error(ft_lint("check"), "no paths given")


def test_no_arguments_prints_the_help_and_exits_2():
    result = ft_lint()
    assert result.returncode == 2 and "Usage: ft-lint" in result.stderr and "check" in result.stderr


def test_unwritable_report_file_is_a_usage_error(tmp_path, clean):
    assert_one_line_error(
        ft_lint("check", "-o", tmp_path / "no" / "such" / "dir.txt", clean), "cannot write the report"
    )


def test_report_goes_to_the_output_file(tmp_path, bad):
    target = tmp_path / "report.json"
    result = ft_lint("check", "--output-format", "json", "-o", target, bad)
    assert result.returncode == 1 and result.stdout == ""
    assert [f["code"] for f in json.loads(target.read_text())][:2] == ["FT201", "FT104"]


def test_default_command_is_check(bad):
    direct, default = ft_lint("check", bad), ft_lint(bad)
    assert (default.returncode, default.stdout) == (direct.returncode, direct.stdout)
    assert ft_lint("--select", "FT104", bad).stdout == ft_lint("check", "--select", "FT104", bad).stdout


# output formats


def test_json_output_has_the_spec_shape_sorted_by_filename_then_line(tmp_path):
    second = write_jsonl(tmp_path / "b.jsonl", [s.NO_ASSISTANT, s.CHAT, s.CHAT])
    first = write_jsonl(tmp_path / "a.jsonl", [s.CHAT, s.ASSISTANT_EMPTY, s.TRAILING_NEWLINES])
    result = ft_lint("check", "--output-format", "json", second, first)
    findings = json.loads(result.stdout)
    assert result.returncode == 1
    for finding in findings:
        assert list(finding) == ["code", "name", "severity", "filename", "line", "pointer", "message", "related", "fix"]
        assert finding["severity"] in ("error", "warning", "info")
        assert isinstance(finding["line"], int) and isinstance(finding["related"], list)
        assert all(isinstance(finding[key], str) for key in ("code", "name", "filename", "pointer", "message"))
        assert finding["fix"] is None or isinstance(finding["fix"], str)
    assert [(f["filename"], f["line"], f["code"]) for f in findings] == [
        (str(first), 1, "FT401"),  # a copy of b.jsonl's line 2: b.jsonl was given first
        (str(first), 2, "FT201"),
        (str(first), 3, "FT202"),
        (str(second), 1, "FT104"),
        (str(second), 3, "FT401"),
    ]
    assert findings[0]["related"] == [{"filename": str(second), "line": 2}] and findings[0]["fix"] is None
    assert findings[1] == {
        "code": "FT201",
        "name": "empty-content",
        "severity": "error",
        "filename": str(first),
        "line": 2,
        "pointer": "/messages/1/content",
        "message": "assistant message 1 has empty content",
        "related": [],
        "fix": None,
    }
    assert findings[4]["related"] == [{"filename": str(second), "line": 2}]
    assert isinstance(findings[4]["fix"], str)


def test_json_output_of_a_clean_file_is_an_empty_array(clean):
    assert json.loads(ft_lint("check", "--output-format", "json", clean).stdout) == []


def test_concise_output_is_path_line_code_message(bad):
    lines = ft_lint("check", "--output-format", "concise", bad).stdout.splitlines()
    assert lines[0] == f"{bad}:1: FT201 assistant message 1 has empty content"
    assert all(re.fullmatch(rf"{re.escape(str(bad))}:\d+: FT\d{{3}} .+", line) for line in lines[:-1])
    assert lines[-1] == "Found 6 problems (3 errors, 2 warnings, 1 info) in 1 of 1 file, 4 records."


def test_full_output_shows_location_rule_message_pointer_and_excerpt(bad):
    out = ft_lint("check", bad).stdout
    assert (
        f"{bad}:1: FT201 [error] empty-content: assistant message 1 has empty content\n"
        "  at /messages/1/content\n"
        '  | {"role":"assistant","content":""}\n' in out
    )
    assert f"{bad}:3: FT401 [warning] duplicate-example: duplicate of the example at line 1\n" in out
    assert f"  = see {bad}:1\n" in out


def test_statistics_counts_findings_per_code(tmp_path):
    path = write_jsonl(
        tmp_path / "data.jsonl", [s.ASSISTANT_EMPTY, s.USER_WHITESPACE, s.NO_ASSISTANT, s.TRAILING_NEWLINES]
    )
    lines = ft_lint("check", "--statistics", path).stdout.splitlines()
    assert [line.split() for line in lines[:-1]] == [
        ["2", "FT201", "empty-content", "[error]"],
        ["1", "FT104", "no-assistant-message", "[error]"],
        ["1", "FT202", "surrounding-whitespace", "[info]"],
    ]
    assert lines[-1].startswith("Found 4 problems")


def test_github_output_is_annotations(bad):
    lines = ft_lint("check", "--output-format", "github", bad).stdout.splitlines()
    assert (
        lines[0] == f"::error file={bad},line=1,title=FT201 empty-content::"
        "assistant message 1 has empty content (at /messages/1/content)"
    )


def test_sarif_output_names_rules_and_locations(bad):
    document = json.loads(ft_lint("check", "--output-format", "sarif", bad).stdout)
    results = document["runs"][0]["results"]
    assert document["version"] == "2.1.0"
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results][:2] == [
        ("FT201", 1),
        ("FT104", 2),
    ]


# rule selection


@pytest.mark.parametrize("selector", ["FT201", "empty-content", "FT20", "FT201,FT104"])
def test_select_by_code_name_and_prefix(bad, selector):
    codes = {
        f["code"] for f in json.loads(ft_lint("check", "--output-format", "json", "--select", selector, bad).stdout)
    }
    assert "FT201" in codes and "FT401" not in codes
    assert ("FT203" in codes) == (selector == "FT20")
    assert ("FT104" in codes) == (selector == "FT201,FT104")


def test_ignore_by_code_name_and_prefix(bad):
    def codes(*args):
        return {f["code"] for f in json.loads(ft_lint("check", "--output-format", "json", *args, bad).stdout)}

    assert codes() == {"FT201", "FT104", "FT401", "FT202", "FT203"}
    assert codes("--ignore", "FT2") == {"FT104", "FT401"}
    assert codes("--ignore", "duplicate-example", "--ignore", "FT104") == {"FT201", "FT202", "FT203"}
    assert codes("--select", "FT1", "--extend-select", "FT401") == {"FT104", "FT401"}
    assert codes("--select", "ALL", "--ignore", "FT201,FT202") == {"FT104", "FT401", "FT203"}


# the other commands


def test_rule_prints_the_documentation_by_code_or_name():
    by_code, by_name = ft_lint("rule", "FT201"), ft_lint("rule", "empty-content")
    assert by_code.returncode == 0 and by_code.stdout == by_name.stdout
    assert by_code.stdout.startswith("# FT201 empty-content\n")
    assert "Default severity: error." in by_code.stdout
    assert catalog()["FT201"].__doc__.split("\n")[0] in by_code.stdout and "Example (flagged)" in by_code.stdout


def test_rule_lists_its_options():
    assert "\n  max-images = 0  # most images in one example" in ft_lint("rule", "FT113").stdout


def test_rules_lists_every_rule():
    lines = ft_lint("rules").stdout.splitlines()
    assert [line.split()[:3] for line in lines] == [
        [rule.code, rule.name, rule.severity.label] for rule in catalog().values()
    ]


def test_formats_lists_every_schema():
    lines = [line for line in ft_lint("formats").stdout.splitlines() if not line.startswith(" ")]
    assert [line.split()[:2] for line in lines] == [
        [f.name, f"schemas/{f.schema_file}"] for f in all_formats().values()
    ]
    assert {f.name for f in all_formats().values()} >= {"openai-chat", "openai-preference", "openai-prompt-completion"}


# folders


def test_folder_lints_jsonl_ndjson_and_json_arrays_but_not_hidden_folders(tmp_path):
    data = tmp_path / ".cache" / "data"  # a hidden folder the user names is linted
    (data / "sub").mkdir(parents=True)
    (data / ".git").mkdir()
    write_jsonl(data / "a.jsonl", [s.NO_ASSISTANT])
    write_jsonl(data / "sub" / "b.ndjson", [s.NO_ASSISTANT])
    (data / "c.json").write_text(json.dumps([s.NO_ASSISTANT]))
    (data / "config.json").write_text(json.dumps({"not": "data"}))
    write_jsonl(data / ".git" / "d.jsonl", [s.NO_ASSISTANT])
    write_jsonl(data / "notes.txt", ["not data"])
    result = ft_lint("check", "--select", "FT104", "--output-format", "concise", data)  # not the copies across files
    assert [line.split(":")[0] for line in result.stdout.splitlines()[:-1]] == [
        str(data / "a.jsonl"),
        str(data / "c.json"),
        str(data / "sub" / "b.ndjson"),
    ]
    assert result.stdout.splitlines()[-1] == "Found 3 problems (3 errors) in 3 of 3 files, 3 records."


def test_folder_without_data_files_fails_unless_allowed(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing to lint")
    result = ft_lint("check", tmp_path)
    assert_one_line_error(result, "no data files", str(tmp_path), "--allow-empty")
    allowed = ft_lint("check", "--allow-empty", tmp_path)
    assert allowed.returncode == 0 and allowed.stdout == "All checks passed (0 files, 0 records).\n"


def test_help_does_not_import_the_heavy_modules():
    probe = (
        "import sys; from ft_lint.cli import cli; cli.main(['--help'], standalone_mode=False); "
        "print(sorted(m for m in ('jsonschema', 'jsonschema_rs', 'tiktoken', 'orjson') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == "[]"
