"""The Markdown job summary the GitHub Action writes to `$GITHUB_STEP_SUMMARY`.

Sections: the verdict, findings per rule, token and cost statistics (the rows of
`ft-lint stats --output-format json`, docs/spec.md), and the first findings with their
locations. Every piece of text from the data is escaped: a summary renders Markdown and HTML,
and a dataset must not be able to inject either.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Container, Mapping
from typing import Any

from ft_lint.escaping import terminal
from ft_lint.findings import Finding, Severity
from ft_lint.histogram import LimitHistogram
from ft_lint.reporters import RunSummary, summary_line

FIRST_FINDINGS = 20
BAR_WIDTH = 40  # characters of the longest bar in a histogram
# What can open Markdown or HTML mid-line: emphasis, code, links, images, tags, entities, table cells.
_MARKUP = re.compile(r"([\\`*_\[\]<>|~&])")


def escape_markdown(text: str) -> str:
    """Literal text inside Markdown (and table cells): no markup, links, HTML or line breaks, and
    the other control characters and undecodable bytes shown as `terminal` shows them."""
    return _MARKUP.sub(r"\\\1", terminal(" ".join(text.split())))


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], numeric: Container[int] = frozenset()) -> list[str]:
    aligns = ["---:" if i in numeric else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(aligns) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def render(
    findings: list[Finding],
    run: RunSummary,
    exit_code: int,
    stats: list[dict[str, Any]] | None = None,
    histograms: Mapping[str, LimitHistogram] | None = None,
) -> str:
    """The summary; `stats`: rows of `ft-lint stats --output-format json`; `histograms`: per file
    name, its tokens per example against its model's limit."""
    verdict = "passed" if exit_code == 0 else "failed"
    lines = [
        f"## ft-lint {verdict}",
        "",
        escape_markdown(summary_line(findings, run)),
        f"Exit code {exit_code}; findings at **{run.fail_on.label}** or above fail the check.",
        "",
    ]
    lines += [f"Note: {escape_markdown(note)}" for note in run.notes] + ([""] if run.notes else [])
    if findings:
        lines += ["### Findings per rule", ""]
        lines += _table(("Rule", "Name", "Severity", "Findings"), _per_rule(findings), numeric={3})
    if stats:
        lines += ["### Token and cost statistics", ""]
        lines += _table(
            (
                "File",
                "Format",
                "Model",
                "Examples",
                "Tokens",
                "p50 / p95 / max",
                "Epochs",
                "Billed tokens",
                "Cost (USD)",
            ),
            [_stats_row(row) for row in stats],
            numeric={3, 4, 6, 7, 8},
        )
        lines += _histograms(stats, histograms or {})
    if findings:
        shown = sorted(findings, key=lambda f: -f.severity)[
            :FIRST_FINDINGS
        ]  # errors first; stable: by file and line within each
        lines += [f"### First {len(shown)} of {len(findings)} findings, errors first", ""]
        lines += _table(("Location", "Rule", "Severity", "Message"), [_finding_row(f) for f in shown])
        if len(findings) > len(shown):
            lines += [f"{len(findings) - len(shown)} more in the step log and the SARIF report.", ""]
    return "\n".join(lines)


def _per_rule(findings: list[Finding]) -> list[tuple[str, ...]]:
    counts = Counter((f.code, f.name, f.severity) for f in findings)
    ordered = sorted(counts.items(), key=lambda item: (-item[0][2], -item[1], item[0][0]))
    return [(code, name, severity.label, str(count)) for (code, name, severity), count in ordered]


def _finding_row(finding: Finding) -> tuple[str, ...]:
    where = escape_markdown(finding.where())
    if finding.pointer:
        where += " " + escape_markdown(finding.pointer)
    return (
        where,
        f"{finding.code} {finding.name}",
        _severity_label(finding.severity),
        escape_markdown(finding.message),
    )


def _severity_label(severity: Severity) -> str:
    return f"**{severity.label}**" if severity is Severity.ERROR else severity.label


def _stats_row(row: dict[str, Any]) -> tuple[str, ...]:
    tokens = row.get("tokens") or {}
    approximate = "" if tokens.get("exact", True) else "≈"

    def number(value: int | None) -> str:
        return "" if value is None else f"{approximate}{value:,}"

    cost = row.get("cost_usd")
    return (
        escape_markdown(str(row.get("filename", ""))),
        escape_markdown(str(row.get("format") or "")),
        escape_markdown(str(row.get("model") or "")) + ("" if row.get("model_chosen", True) else " (default)"),
        f"{row.get('examples', 0):,}",
        number(tokens.get("total")),
        " / ".join(number(tokens.get(key)) for key in ("p50", "p95", "max")),
        str(row.get("epochs") or ""),
        number(row.get("billed_tokens")),
        "" if cost is None else f"{approximate}${cost:,.2f}",
    )


def _histograms(stats: list[dict[str, Any]], histograms: Mapping[str, LimitHistogram]) -> list[str]:
    """Tokens per example against the limit, per file, as text in code blocks: a job summary shows
    no SVG or script, and a code block shows the same everywhere. Only numbers go inside the
    blocks; names stay outside, escaped. Collapsed: a section of 23 lines per file."""
    shown = [(row, histograms[row["filename"]]) for row in stats if row.get("filename") in histograms]
    if not shown:
        return []
    lines = ["<details><summary>Tokens per example against the model's limit</summary>", ""]
    for row, chart in shown:
        about = "" if (row.get("tokens") or {}).get("exact", True) else " (estimated)"
        lines += [
            f"**{escape_markdown(row['filename'])}**: {escape_markdown(str(row.get('model') or ''))}{about}",
            "",
            "```text",
            *histogram_lines(chart),
            "```",
            "",
        ]
    return [*lines, "</details>", ""]


def histogram_lines(chart: LimitHistogram, width: int = BAR_WIDTH) -> list[str]:
    """One line per bin (`from - to | bar count`), the limit, and a line for the examples over it."""
    digits = len(f"{max(chart.end, chart.longest):,}")
    tallest = max(chart.tallest, 1)

    def bar(count: int) -> str:
        return "█" * math.ceil(width * count / tallest) + " " if count else ""

    lines = [f"{b.low:>{digits},} - {b.high:>{digits},} | {bar(b.count)}{b.count:,}" for b in chart.bins]
    if not chart.limit_on_scale:
        share = f"{100 * chart.longest / chart.limit:.1f}%" if chart.longest * 1000 >= chart.limit else "under 0.1%"
        return [*lines, f"limit {chart.limit:,} tokens: off the scale (the longest example is {share} of it)"]
    return [
        *lines,
        f"{'-' * (2 * digits + 3)} + limit {chart.limit:,} tokens",
        f"{'over':>{2 * digits + 3}} | {bar(chart.over)}{chart.over:,}",
    ]
