"""Configuration files: where they are found, what wins, and every way they can be wrong."""

from __future__ import annotations

import json

import pytest

import samples as s
from support import assert_one_line_error, ft_lint, write_jsonl

pytestmark = pytest.mark.slow  # each test runs `python -m ft_lint` in a child process

# line 1: FT201 (error); line 2: FT202 (info); line 3: FT106 (warning)
RECORDS = [s.ASSISTANT_EMPTY, s.TRAILING_NEWLINES, s.TRAILING_USER]


@pytest.fixture
def project(tmp_path):
    write_jsonl(tmp_path / "data.jsonl", RECORDS)
    return tmp_path


def codes_in(folder, *args, path="data.jsonl") -> set[str]:
    result = ft_lint("check", "--output-format", "json", *args, path, cwd=folder)
    assert result.returncode in (0, 1), result.stderr
    return {finding["code"] for finding in json.loads(result.stdout)}


def test_without_configuration_every_rule_runs(project):
    assert codes_in(project) == {"FT201", "FT202", "FT106"}


def test_pyproject_tool_table_is_read(project):
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.ft-lint]\nignore = ["FT201"]\n')
    assert codes_in(project) == {"FT202", "FT106"}


@pytest.mark.parametrize("name", ["ft-lint.toml", ".ft-lint.toml"])
def test_ft_lint_toml_files_are_read_at_the_top_level(project, name):
    (project / name).write_text('select = ["FT2"]\n')
    assert codes_in(project) == {"FT201", "FT202"}


def test_in_one_folder_dot_file_beats_ft_lint_toml_beats_pyproject(project):
    (project / "pyproject.toml").write_text('[tool.ft-lint]\nselect = ["FT106"]\n')
    assert codes_in(project) == {"FT106"}
    (project / "ft-lint.toml").write_text('select = ["FT202"]\n')
    assert codes_in(project) == {"FT202"}
    (project / ".ft-lint.toml").write_text('select = ["FT201"]\n')
    assert codes_in(project) == {"FT201"}


def test_the_closest_file_wins(project):
    (project / "ft-lint.toml").write_text('select = ["FT201"]\n')
    inner = project / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "no ft-lint table here"\n')
    assert codes_in(inner, path="../data.jsonl") == {"FT201"}  # a pyproject without [tool.ft-lint] does not count
    (inner / "pyproject.toml").write_text('[tool.ft-lint]\nselect = ["FT202"]\n')
    assert codes_in(inner, path="../data.jsonl") == {"FT202"}


def test_explicit_config_file_is_used(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("conf") / "lint.toml"
    elsewhere.write_text('ignore = ["FT2"]\n')
    (project / "ft-lint.toml").write_text('ignore = ["FT1"]\n')
    assert codes_in(project, "--config", elsewhere) == {"FT106"}


def test_command_line_beats_the_file(project):
    (project / "ft-lint.toml").write_text('select = ["FT1"]\nfail-on = "error"\noutput-format = "concise"\n')
    assert codes_in(project, "--select", "FT2") == {"FT201", "FT202"}
    assert (
        ft_lint("check", "--select", "FT106", "data.jsonl", cwd=project).returncode == 0
    )  # fail-on error from the file
    assert ft_lint("check", "--select", "FT106", "--fail-on", "warning", "data.jsonl", cwd=project).returncode == 1
    assert ft_lint("check", "data.jsonl", cwd=project).stdout.startswith(
        "data.jsonl:3: FT106 "
    )  # concise from the file


def test_exit_zero_and_format_from_the_file(project):
    (project / "ft-lint.toml").write_text('exit-zero = true\nformat = "openai-prompt-completion"\n')
    result = ft_lint("check", "--output-format", "json", "data.jsonl", cwd=project)
    assert result.returncode == 0
    assert {f["code"] for f in json.loads(result.stdout)} == {
        "FT101",
        "FT102",
    }  # every record read as prompt/completion


def test_per_file_ignores_match_paths_relative_to_the_config(project):
    legacy = project / "data" / "legacy"
    legacy.mkdir(parents=True)
    write_jsonl(legacy / "old.jsonl", RECORDS)
    (project / "ft-lint.toml").write_text(
        # FT401: the legacy file holds copies of data.jsonl's examples
        '[per-file-ignores]\n"data/legacy/*.jsonl" = ["FT201", "surrounding-whitespace", "FT401"]\n'
    )
    result = ft_lint("check", "--output-format", "json", "data.jsonl", "data/legacy/old.jsonl", cwd=project)
    found = {(f["filename"], f["code"]) for f in json.loads(result.stdout)}
    assert found == {
        ("data.jsonl", "FT201"),
        ("data.jsonl", "FT202"),
        ("data.jsonl", "FT106"),
        ("data/legacy/old.jsonl", "FT106"),
    }


@pytest.mark.parametrize("selector", ["FT113", "invalid-image"])
def test_rule_options_by_code_or_name(project, selector):
    write_jsonl(project / "images.jsonl", [s.THREE_IMAGES])
    assert codes_in(project, path="images.jsonl") == set()
    (project / "ft-lint.toml").write_text(f"[options.{selector}]\nmax-images = 2\n")
    assert codes_in(project, path="images.jsonl") == {"FT113"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('colour = "always"\n', ["unknown key 'colour'", "ft-lint.toml"]),
        ('select = "FT1"\n', ["'select'", "list"]),
        ('select = ["FT999"]\n', ["'select'", "FT999"]),
        ('ignore = ["no-such-rule"]\n', ["'ignore'", "no-such-rule"]),
        ('fail-on = "fatal"\n', ["'fail-on'", "info, warning, error"]),
        ('format = "csv-chat"\n', ["'format'", "openai-chat"]),
        ('output-format = "xml"\n', ["'output-format'"]),
        ("exit-zero = 1\n", ["'exit-zero'", "true or false"]),
        ('[per-file-ignores]\n"*.jsonl" = ["FT999"]\n', ["'per-file-ignores'", "FT999"]),
        ("[options.FT999]\nx = 1\n", ["'options'", "FT999"]),
        ("[options.FT113]\nmax-photos = 1\n", ["'options'", "max-photos", "max-images"]),
        (
            '[options.FT113]\nmax-images = "ten"\n',
            ["'options'", "max-images", "expected a whole number from 0 to 1_000, got 'ten'"],
        ),
        ("select = [\n", ["ft-lint.toml", "invalid TOML"]),
    ],
)
def test_configuration_errors_are_one_line_naming_the_key(project, text, words):
    (project / "ft-lint.toml").write_text(text)
    assert_one_line_error(ft_lint("check", "data.jsonl", cwd=project), *words)


def test_error_in_pyproject_names_the_table(project):
    (project / "pyproject.toml").write_text("[tool.ft-lint]\nselct = []\n")
    assert_one_line_error(
        ft_lint("check", "data.jsonl", cwd=project), "pyproject.toml", "unknown key 'selct' in [tool.ft-lint]"
    )


def test_missing_config_file_is_an_error(project):
    assert_one_line_error(
        ft_lint("check", "--config", "nope.toml", "data.jsonl", cwd=project), "nope.toml", "not found"
    )
