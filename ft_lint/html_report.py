"""The HTML report of `ft-lint stats --html FILE`: one self-contained page to look at.

Per file, a histogram of tokens per example against the model's limit (ft_lint.histogram) and
the cost per model; for the run, the findings per rule and per file, and the first findings.
The page loads nothing: inline CSS and SVG, no script, no font, no image, and a Content Security
Policy that forbids all of them, so a page that an escaping slip let markup into could still
fetch and run nothing. Every text from the data (file names, messages, rule names, pointers)
goes through `_text`: HTML-escaped, with control characters shown as `terminal` shows them.
The findings' messages are already masked (ft_lint.redaction); excerpts of records are not shown.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from typing import TYPE_CHECKING

from ft_lint import __version__
from ft_lint.escaping import terminal
from ft_lint.findings import Severity
from ft_lint.histogram import LimitHistogram, against_limit
from ft_lint.reporters import summary_line
from ft_lint.stats import same_cost_groups

if TYPE_CHECKING:
    from ft_lint.findings import Finding
    from ft_lint.reporters import RunSummary
    from ft_lint.stats import Cost, FileStats

FIRST_FINDINGS = 200
# Nothing from anywhere but the page: inline <style> and style attributes only.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
       margin: 24px auto; max-width: 1040px; padding: 0 16px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 15px; margin-top: 24px; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eaeef2; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.wrap { overflow-wrap: anywhere; }
.meter { width: 220px; }
.meter span { display: inline-block; height: 12px; vertical-align: middle; }
.error { background: #cf222e; } .warning { background: #d4a72c; } .info { background: #8c959f; }
.cost { background: #4a78c2; }
.sev-error { color: #cf222e; font-weight: 600; }
.facts { color: #57606a; }
svg { display: block; margin: 8px 0; max-width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: #57606a; }
svg .bar { fill: #4a78c2; } svg .bar.over { fill: #cf222e; }
svg .axis { stroke: #8c959f; } svg .grid { stroke: #eaeef2; }
svg .limit { stroke: #cf222e; stroke-width: 2; stroke-dasharray: 6 4; }
svg text.limit-label { fill: #cf222e; font-weight: 600; }
"""


def _text(value: object) -> str:
    """Data as HTML text or an attribute value: escaped, control characters visible."""
    return html.escape(terminal(str(value)), quote=True)


def render(stats: list[FileStats], findings: list[Finding], run: RunSummary) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>ft-lint report</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>ft-lint report</h1><p>{_text(summary_line(findings, run))}</p>",
        *(f'<p class="facts">Note: {_text(note)}</p>' for note in run.notes),
    ]
    parts += _findings_sections(findings)
    parts += ["<h2>Tokens and cost per file</h2>", *(_file_section(item) for item in stats)]
    parts.append(f'<p class="facts">Made by ft-lint {_text(__version__)}.</p></body></html>')
    return "\n".join(parts) + "\n"


# --- findings ---------------------------------------------------------------------------------


def _findings_sections(findings: list[Finding]) -> list[str]:
    if not findings:
        return ["<h2>Findings</h2><p>No findings.</p>"]
    per_rule = Counter((f.code, f.name, f.severity) for f in findings)
    most = max(per_rule.values())
    rule_rows = [
        f"<tr><td>{_text(code)}</td><td>{_text(name)}</td><td>{_severity(severity)}</td>"
        f'<td class="n">{count:,}</td><td class="meter">{_meter([(severity.label, count)], most)}</td></tr>'
        for (code, name, severity), count in sorted(per_rule.items(), key=lambda i: (-i[0][2], -i[1], i[0][0]))
    ]
    per_file: dict[str, Counter[Severity]] = {}
    for finding in findings:
        per_file.setdefault(finding.filename, Counter())[finding.severity] += 1
    most_in_a_file = max(sum(counts.values()) for counts in per_file.values())
    file_rows = [
        f'<tr><td class="wrap">{_text(name)}</td>'
        + "".join(f'<td class="n">{counts[s]:,}</td>' for s in reversed(Severity))
        + f'<td class="meter">{_meter([(s.label, counts[s]) for s in reversed(Severity)], most_in_a_file)}</td></tr>'
        for name, counts in sorted(per_file.items(), key=lambda i: (-sum(i[1].values()), i[0]))
    ]
    shown = sorted(findings, key=lambda f: -f.severity)[:FIRST_FINDINGS]  # errors first, then by file and line
    finding_rows = [
        f'<tr><td class="wrap">{_text(f.where())}'
        + (f"<br><code>{_text(f.pointer)}</code>" if f.pointer else "")
        + f"</td><td>{_text(f.code)} {_text(f.name)}</td><td>{_severity(f.severity)}</td>"
        f'<td class="wrap">{_text(f.message)}</td></tr>'
        for f in shown
    ]
    more = len(findings) - len(shown)
    return [
        '<h2>Findings per rule</h2><table id="per-rule"><tr><th>Rule</th><th>Name</th><th>Severity</th>'
        '<th class="n">Findings</th><th></th></tr>',
        *rule_rows,
        "</table>",
        '<h2>Findings per file</h2><table id="per-file"><tr><th>File</th><th class="n">Errors</th>'
        '<th class="n">Warnings</th><th class="n">Infos</th><th></th></tr>',
        *file_rows,
        "</table>",
        f"<h2>First {len(shown):,} of {len(findings):,} findings, errors first</h2>"
        '<table id="findings"><tr><th>Location</th><th>Rule</th><th>Severity</th><th>Message</th></tr>',
        *finding_rows,
        "</table>",
        *([f"<p>{more:,} more: run <code>ft-lint check</code> for every one.</p>"] if more else []),
    ]


def _severity(severity: Severity) -> str:
    return f'<span class="sev-{severity.label}">{severity.label}</span>'


def _meter(segments: list[tuple[str, float]], most: float) -> str:
    """A horizontal bar, one coloured span per (class, amount), scaled so `most` fills the cell."""
    return "".join(
        f'<span class="{css}" style="width:{100 * amount / most:.2f}%"></span>' for css, amount in segments if amount
    )


# --- per file ---------------------------------------------------------------------------------


def _file_section(item: FileStats) -> str:
    model = item.choice.model
    tokens = item.tokens
    about = "" if tokens.exact else "about "
    assumed = "" if item.choice.chosen else " (assumed: no model named)"
    facts = [
        f"{item.examples:,} examples ({item.invalid_examples:,} invalid), {item.messages:,} messages",
        f"format {item.format or 'unknown'}; model {model.id}{assumed}",
    ]
    if tokens.min is not None:
        facts.append(
            f"tokens {about}{tokens.total:,} in all; per example min {tokens.min:,}, p50 {tokens.p50:,}, "
            f"p95 {tokens.p95:,}, max {tokens.max:,}"
        )
    body = [f"<h3>{_text(item.filename)}</h3>", *(f'<p class="facts">{_text(fact)}</p>' for fact in facts)]
    if len(item.per_example):  # else no example was counted: nothing to draw or price
        body.append(_histogram_svg(against_limit(item.per_example, model.context_tokens), model.id, tokens.exact))
        body.append(_cost_table(item.costs))
    return f'<section class="file">{"".join(body)}</section>'


def _cost_table(costs: list[Cost]) -> str:
    priced = [c.cost_usd for c in costs if c.cost_usd is not None]
    dearest = max(priced, default=0.0)
    rows = [
        f"<tr><td>{_text(c.model)}{f' (+{alike} alike)' if alike else ''}</td><td>{_text(c.provider)}</td>"
        f'<td class="n">{"" if c.exact else "~"}{c.tokens:,}</td><td class="n">{c.epochs}</td>'
        f'<td class="n">{c.billed_tokens:,}</td><td class="n">{_usd(c)}</td>'
        f'<td class="meter">{_meter([("cost", c.cost_usd)], dearest) if c.cost_usd and dearest else ""}</td></tr>'
        for c, alike in same_cost_groups(costs)
    ]
    return (
        '<table class="costs"><tr><th>Model</th><th>Provider</th><th class="n">Tokens</th><th class="n">Epochs</th>'
        '<th class="n">Billed tokens</th><th class="n">Cost (USD)</th><th></th></tr>' + "".join(rows) + "</table>"
    )


def _usd(cost: Cost) -> str:
    if not cost.trains_on_format:
        return "not this format"
    if cost.cost_usd is None:
        return "n/a"
    return f"${cost.cost_usd:,.2f}" if cost.cost_usd >= 0.01 or cost.cost_usd == 0 else f"${cost.cost_usd:.4f}"


# --- the histogram ----------------------------------------------------------------------------

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 36, 52  # margins around the plot
GAP = 14  # between the limit line and the bar of examples over it


def _histogram_svg(chart: LimitHistogram, model_id: str, exact: bool) -> str:
    """Bars of examples per token range; the limit as a dashed line at the scale's end, and the
    examples over it as a red bar past the line (or, off the scale, the limit in words)."""
    slots = len(chart.bins) + (1 if chart.over else 0)  # the bar over the limit takes a bin's width, past a gap
    bin_width = (WIDTH - LEFT - RIGHT - (GAP if chart.over else 0)) / slots
    plot_right = LEFT + bin_width * len(chart.bins)  # the scale's end
    bottom = HEIGHT - BOTTOM
    y_step = _nice_step(chart.tallest, 4)
    y_top = max(y_step * math.ceil(chart.tallest / y_step), 1)

    def x(tokens: float) -> float:
        return LEFT + (plot_right - LEFT) * tokens / chart.end

    def height(count: int) -> float:
        return (bottom - TOP) * count / y_top

    about = "" if exact else "about "
    out = [
        f'<svg class="histogram" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="tokens per example against the limit of '
        f'{_text(model_id)}">'
    ]
    for count in range(0, y_top + 1, y_step):
        y = bottom - height(count)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{plot_right:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{count:,}</text>')
    x_step = _nice_step(chart.end, 5)
    for tokens in range(0, chart.end + 1, x_step):
        if chart.end - tokens >= x_step / 2 or not chart.limit_on_scale:  # the limit's own label stands there
            out.append(f'<text x="{x(tokens):.1f}" y="{bottom + 16}" text-anchor="middle">{tokens:,}</text>')
    for i, b in enumerate(chart.bins):
        start = x(b.low - (i > 0))
        out.append(_bar("bar", start, x(b.high) - start - 1, height(b.count), bottom, b.count, b.low, b.high, about))
    if chart.limit_on_scale:
        out.append(f'<line class="limit" x1="{plot_right:.1f}" x2="{plot_right:.1f}" y1="{TOP - 14}" y2="{bottom}"/>')
        out.append(
            f'<text class="limit-label" x="{plot_right:.1f}" y="{TOP - 20}" text-anchor="end">'
            f"limit {chart.limit:,} tokens ({_text(model_id)})</text>"
        )
        out.append(
            f'<text class="limit-label" x="{plot_right - 2:.1f}" y="{bottom + 16}" text-anchor="end">'
            f"{chart.limit:,}</text>"
        )
    else:
        share = f"{100 * chart.longest / chart.limit:.1f}%" if chart.longest * 1000 >= chart.limit else "under 0.1%"
        out.append(
            f'<text class="limit-label" x="{plot_right:.1f}" y="{TOP - 20}" text-anchor="end">'
            f"limit {chart.limit:,} tokens ({_text(model_id)}): off the scale, the longest example is {share} of it"
            " \u2192</text>"
        )
    if chart.over:
        start = plot_right + GAP
        out.append(
            _bar("bar over", start, bin_width, height(chart.over), bottom, chart.over, chart.limit + 1, None, about)
        )
        out.append(f'<text class="limit-label" x="{start:.1f}" y="{bottom + 16}">over</text>')
    out.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}"/>')
    out.append(
        f'<text x="{(LEFT + plot_right) / 2:.1f}" y="{HEIGHT - 12}" text-anchor="middle">'
        f"{about}tokens per example</text>"
    )
    out.append(
        f'<text x="14" y="{(TOP + bottom) / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(TOP + bottom) / 2:.1f})">examples</text>'
    )
    out.append("</svg>")
    return "".join(out)


def _bar(
    css: str, x: float, width: float, height: float, bottom: float, count: int, low: int, high: int | None, about: str
) -> str:
    span = f"{low:,}-{high:,}" if high is not None else f"over {low - 1:,}"
    label = (
        f'<text x="{x + width / 2:.1f}" y="{bottom - height - 4:.1f}" text-anchor="middle">{count:,}</text>'
        if count
        else ""
    )
    return (
        f'<rect class="{css}" data-count="{count}" data-low="{low}" data-high="{"" if high is None else high}" '
        f'x="{x:.2f}" y="{bottom - height:.2f}" width="{max(width, 1):.2f}" height="{height:.2f}">'
        f"<title>{about}{span} tokens: {count:,} example{'s' * (count != 1)}</title></rect>{label}"
    )


def _nice_step(span: float, parts: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50... at least span / parts: a step for round axis labels."""
    rough = max(span / parts, 1)
    power = 10 ** math.floor(math.log10(rough))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= rough))
