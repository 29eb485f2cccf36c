"""The sample data in examples/ does what README.md says it does (run as README runs it: every rule, no model named)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support import ft_lint

pytestmark = pytest.mark.slow  # each test runs `python -m ft_lint` in a child process

REPOSITORY = Path(__file__).resolve().parent.parent


def readme_console_example() -> tuple[str, list[str]]:
    """The command and the output lines of README's console example (without its '...')."""
    block = re.search(r"```console\n\$ (.+?)\n(.*?)```", (REPOSITORY / "README.md").read_text(), re.DOTALL)
    return block.group(1), [line for line in block.group(2).splitlines() if line != "..."]


def test_good_sample_passes():
    result = ft_lint("check", "examples/good.jsonl", cwd=REPOSITORY, model_rules=True)
    assert result.returncode == 0 and result.stdout.endswith("All checks passed (1 file, 60 records).\n")


def test_bad_sample_gives_the_output_the_readme_shows():
    command, shown = readme_console_example()
    assert command == "ft-lint check examples/bad.jsonl"
    result = ft_lint(*command.split()[1:], cwd=REPOSITORY, model_rules=True)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == shown[-1]  # the summary
    start = lines.index(shown[0])
    assert lines[start : start + len(shown) - 1] == shown[:-1]


def test_bad_sample_shows_one_problem_of_each_kind_per_line():
    result = ft_lint("check", "--output-format", "concise", "examples/bad.jsonl", cwd=REPOSITORY, model_rules=True)
    found = [
        re.match(r"examples/bad\.jsonl:(\d+): (FT\d{3}) ", line).groups()
        for line in result.stdout.splitlines()
        if line.startswith("examples/")
    ]
    assert found == [
        ("1", "FT006"),
        ("2", "FT104"),
        ("3", "FT201"),
        ("4", "FT001"),
        ("5", "FT004"),
        ("6", "FT102"),
        ("6", "FT103"),
        ("7", "FT111"),
        ("8", "FT108"),
        ("8", "FT203"),
        ("9", "FT204"),
        ("10", "FT402"),
        ("10", "FT403"),
        ("11", "FT106"),
        ("11", "FT107"),
        ("12", "FT002"),
        ("13", "FT401"),
        ("13", "FT403"),
    ]


def test_linting_the_examples_folder_fails_on_the_bad_file_only():
    result = ft_lint("check", "--output-format", "concise", "examples/", cwd=REPOSITORY, model_rules=True)
    assert result.returncode == 1
    assert {line.split(":")[0] for line in result.stdout.splitlines() if line.startswith("examples/")} == {
        "examples/bad.jsonl"
    }
    assert (
        result.stdout.splitlines()[-1]
        == "Found 18 problems (8 errors, 9 warnings, 1 info) in 1 of 2 files, 70 records."
    )
