"""`--output-format github`: workflow commands that GitHub shows as annotations.

`::error file=PATH,line=N,title=CODE name::message`, escaped as the runner expects, with paths
relative to the repository root (where GitHub looks for them). Each piece of text is first shown
as `terminal` shows it (a name's control characters and line breaks as escapes): only the lines
of the message (`see ...`, `fix: ...`) are real line breaks. GitHub shows at most a few
annotations of each kind per step, so the action prints the full report as well.
"""

from __future__ import annotations

from typing import TextIO

from ft_lint.escaping import terminal
from ft_lint.findings import Finding, Severity, where
from ft_lint.reporters import RunSummary, located_message, path_under, repository_root, summary_line

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow command's message (what follows `::`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (`file=`, `title=`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, filename: str) -> str:
    """A Parquet row has no line: its annotation is on the file, and its message starts with `row N: `."""
    row = finding.row
    lines = [located_message(finding) if row is None else f"row {row}: {located_message(finding)}"]
    lines += [f"see {where(related.filename, related.line)}" for related in finding.related]
    if finding.fix:
        lines.append(f"fix: {finding.fix}")
    title = escape_property(f"{finding.code} {finding.name}")
    line = f",line={finding.line}" if row is None else ""
    properties = f"file={escape_property(terminal(filename))}{line},title={title}"
    return f"::{_COMMAND[finding.severity]} {properties}::{escape_data(chr(10).join(map(terminal, lines)))}"


def report_github(findings: list[Finding], run: RunSummary, out: TextIO) -> None:
    root = repository_root()
    for finding in findings:
        out.write(annotation(finding, path_under(finding.filename, root) or finding.filename) + "\n")
    out.write(summary_line(findings, run) + "\n")
