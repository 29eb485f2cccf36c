"""The human formats: `full` (default) and `concise`. Each line goes through `terminal`: names,
pointers and excerpts come from the data, and a terminal or a CI log must not obey them."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from ft_lint.escaping import terminal
from ft_lint.findings import Finding, Severity, where
from ft_lint.reporters import RunSummary, summary_line


def report_full(findings: list[Finding], run: RunSummary, out: TextIO) -> None:
    """Each finding with its place, excerpt and fix; info findings only counted (a closing line
    says how many of each rule and how to list them) unless they fail the run."""
    shown = [f for f in findings if f.severity is not Severity.INFO or run.fail_on is Severity.INFO]
    for finding in shown:
        label = finding.severity.label
        _write_line(out, f"{finding.where()}: {finding.code} [{label}] {finding.name}: {finding.message}")
        if finding.pointer:
            _write_line(out, f"  at {finding.pointer}")
        if finding.excerpt:
            _write_line(out, f"  | {finding.excerpt}")
        for related in finding.related:
            _write_line(out, f"  = see {where(related.filename, related.line)}")
        if finding.fix:
            _write_line(out, f"  = fix: {finding.fix}")
    hidden = (
        Counter(f.code for f in findings if f.severity is Severity.INFO) if len(shown) < len(findings) else Counter()
    )
    if hidden:
        counts = ", ".join(f"{code} {count:,}" for code, count in sorted(hidden.items()))
        total = sum(hidden.values())
        _write_line(
            out,
            f"{total:,} info finding{'s' * (total != 1)} not shown ({counts}): `--output-format concise` lists them",
        )
    _close(findings, run, out, blank_line=bool(findings))


def report_concise(findings: list[Finding], run: RunSummary, out: TextIO) -> None:
    for finding in findings:
        _write_line(out, f"{finding.where()}: {finding.code} {finding.message}")
    _close(findings, run, out, blank_line=False)


def _close(findings: list[Finding], run: RunSummary, out: TextIO, blank_line: bool) -> None:
    if blank_line:
        out.write("\n")
    for note in run.notes:
        _write_line(out, f"note: {note}")
    out.write(summary_line(findings, run) + "\n")


def _write_line(out: TextIO, text: str) -> None:
    out.write(terminal(text) + "\n")
