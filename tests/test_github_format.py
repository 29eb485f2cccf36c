"""`--output-format github`: one workflow command per finding, escaped so that the runner
reads back exactly the file, line, title and message (the runner's unescaping is below)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from ft_lint.cli import cli
from ft_lint.findings import Finding, Location, Severity
from ft_lint.reporters.github import annotation

COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command as the runner reads it: `::name key=value,...::message`."""
    match = COMMAND.match(line)
    assert match, f"not a workflow command: {line!r}"
    properties = dict(item.split("=", 1) for item in match.group(2).split(","))
    return (
        match.group(1),
        {key: unescape_property(value) for key, value in properties.items()},
        unescape_data(match.group(3)),
    )


def test_annotation_escapes_what_the_runner_would_misread():
    finding = Finding(
        code="FT401",
        name="duplicate-example",
        severity=Severity.WARNING,
        filename="data/a,b:c%.jsonl",
        line=7,
        pointer="/messages/0",
        message="100% the same:\r\nagain",
        related=(Location("data/a,b:c%.jsonl", 3),),
        fix="delete this copy",
    )
    line = annotation(finding, finding.filename)
    assert "\n" not in line and "\r" not in line
    kind, properties, message = parse(line)
    assert kind == "warning"
    assert properties == {"file": "data/a,b:c%.jsonl", "line": "7", "title": "FT401 duplicate-example"}
    # the line breaks of the text show as escapes; those between the lines of the message are real
    assert message == "100% the same:\\r\\nagain (at /messages/0)\nsee data/a,b:c%.jsonl:3\nfix: delete this copy"


@pytest.mark.parametrize(
    ("severity", "command"), [(Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "notice")]
)
def test_severity_chooses_the_command(severity, command):
    finding = Finding(
        code="FT202",
        name="surrounding-whitespace",
        severity=severity,
        filename="d.jsonl",
        line=1,
        pointer="",
        message="m",
    )
    assert annotation(finding, "d.jsonl") == f"::{command} file=d.jsonl,line=1,title=FT202 surrounding-whitespace::m"


def test_github_output_names_files_from_the_repository_root(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    data = tmp_path / "data"
    data.mkdir()
    chat = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    empty = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}]}
    (data / "x,y.jsonl").write_text("\n".join(json.dumps(r) for r in (chat, empty, chat)) + "\n")
    monkeypatch.chdir(data)
    runner = CliRunner()
    result = runner.invoke(cli, ["check", "--output-format", "github", "x,y.jsonl"])
    findings = json.loads(runner.invoke(cli, ["check", "--output-format", "json", "x,y.jsonl"]).stdout)
    assert result.exit_code == 1
    commands = [parse(line) for line in result.stdout.splitlines() if line.startswith("::")]
    assert len(commands) == len(findings) >= 2  # FT201 and FT401 at least
    for (_, properties, message), finding in zip(commands, findings, strict=True):
        assert properties["file"] == "data/x,y.jsonl"  # relative to the root, not to where ft-lint ran
        assert properties["line"] == str(finding["line"])
        assert properties["title"] == f"{finding['code']} {finding['name']}"
        assert message.startswith(finding["message"])
    assert result.stdout.splitlines()[-1].startswith("Found ")
