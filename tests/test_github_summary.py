"""The job summary's Markdown: text from the data stays text, tables keep their shape, and the
statistics section renders `ft-lint stats --output-format json` rows as docs/spec.md defines them."""

from __future__ import annotations

import re

import pytest

from ft_lint.findings import Finding, Severity
from ft_lint.github_action import ActionInputs, InputError
from ft_lint.github_summary import FIRST_FINDINGS, escape_markdown, render
from ft_lint.reporters import RunSummary


def finding(
    line: int,
    message: str = "m",
    severity: Severity = Severity.ERROR,
    code: str = "FT201",
    pointer: str = "/messages/1/content",
) -> Finding:
    return Finding(
        code=code,
        name="empty-content",
        severity=severity,
        filename="data/train.jsonl",
        line=line,
        pointer=pointer,
        message=message,
    )


def unescaped_pipes(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row))


def test_escaping_leaves_no_markup_from_the_data():
    hostile = "role '<img src=x onerror=alert(1)>' | [click](https://example.invalid) *bold* `code` &amp;\nnext"
    escaped = escape_markdown(hostile)
    assert "\n" not in escaped
    assert re.search(r"(?<!\\)[<>\[\]*`|&]", escaped) is None
    assert re.sub(r"\\(.)", r"\1", escaped) == " ".join(hostile.split())


def test_rows_keep_their_columns_whatever_the_message():
    summary = render([finding(3, "a | b | c"), finding(4, "<b>x</b>")], RunSummary(files=1, records=9), exit_code=1)
    rows = [line for line in summary.splitlines() if line.startswith("| data/")]
    assert len(rows) == 2
    assert all(unescaped_pipes(row) == 5 for row in rows)  # 4 columns


def test_counts_per_rule_and_the_first_findings_only():
    findings = [finding(n) for n in range(1, FIRST_FINDINGS + 6)] + [
        finding(99, severity=Severity.WARNING, code="FT004")
    ]
    summary = render(findings, RunSummary(files=1, records=200), exit_code=1)
    assert "| FT201 | empty-content | error | 25 |" in summary
    assert "| FT004 | empty-content | warning | 1 |" in summary
    assert summary.index("| FT201 |") < summary.index("| FT004 |")  # errors first
    assert f"### First {FIRST_FINDINGS} of 26 findings" in summary
    assert "6 more in the step log and the SARIF report." in summary
    assert "data/train.jsonl:20 /messages/1/content" in summary and "data/train.jsonl:21 " not in summary


def test_a_clean_run_has_no_tables():
    summary = render([], RunSummary(files=2, records=40, fail_on=Severity.ERROR), exit_code=0)
    assert summary.startswith("## ft-lint passed")
    assert "All checks passed (2 files, 40 records)." in summary
    assert "**error**" in summary and "|" not in summary


def test_statistics_rows_as_spec_defines_them():
    rows = [
        {
            "filename": "data/train.jsonl",
            "format": "openai-chat",
            "model": "gpt-4o-mini-2024-07-18",
            "examples": 1200,
            "invalid_examples": 3,
            "tokens": {
                "total": 812345,
                "min": 40,
                "p50": 512,
                "p95": 2100,
                "max": 9000,
                "trained": 300100,
                "exact": True,
            },
            "epochs": 3,
            "billed_tokens": 2437035,
            "cost_usd": 7.31,
        },
        {
            "filename": "data/other.jsonl",
            "format": "openai-chat",
            "model": "some-model",
            "model_chosen": False,
            "examples": 10,
            "tokens": {"total": 1000, "p50": 100, "p95": 150, "max": 200, "exact": False},
            "epochs": 3,
            "billed_tokens": 3000,
            "cost_usd": 0.5,
        },
    ]
    summary = render([], RunSummary(files=2, records=1210), exit_code=0, stats=rows)
    assert "### Token and cost statistics" in summary
    assert (
        "| data/train.jsonl | openai-chat | gpt-4o-mini-2024-07-18 | 1,200 | 812,345 "
        "| 512 / 2,100 / 9,000 | 3 | 2,437,035 | $7.31 |" in summary
    )
    assert (
        "| data/other.jsonl | openai-chat | some-model (default) | 10 | ≈1,000 "
        "| ≈100 / ≈150 / ≈200 | 3 | ≈3,000 | ≈$0.50 |" in summary
    )  # estimates are marked


def test_notes_reach_the_summary():
    run = RunSummary(files=1, records=1, notes=["no token statistics: data/x.jsonl: not <UTF-8>"])
    assert "Note: no token statistics: data/x.jsonl: not \\<UTF-8\\>" in render([], run, exit_code=0)


def test_inputs_become_check_arguments():
    inputs = ActionInputs.from_env(
        {
            "FT_LINT_PATHS": "data/\n'my file.jsonl'",
            "FT_LINT_ARGS": "--select FT1",
            "FT_LINT_CONFIG": "lint.toml",
            "FT_LINT_MODEL": "gpt-4o-mini-2024-07-18",
            "FT_LINT_FAIL_ON": "error",
            "FT_LINT_SUMMARY": "False",
        }
    )
    assert inputs.check_arguments() == [
        "--select",
        "FT1",
        "--config",
        "lint.toml",
        "--model",
        "gpt-4o-mini-2024-07-18",
        "--fail-on",
        "error",
        "--output-format",
        "full",
        "--",
        "data/",
        "my file.jsonl",
    ]
    assert inputs.summary is False
    assert ActionInputs.from_env({}).check_arguments() == ["--output-format", "full", "--", "."]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FT_LINT_SUMMARY": "yes"}, "'summary' must be true or false"),
        ({"FT_LINT_ARGS": "-ofile.txt"}, "-o is set by the action"),
        ({"FT_LINT_ARGS": "--output-format=json"}, "--output-format is set by the action"),
        ({"FT_LINT_ARGS": "--statistics"}, "--statistics is set by the action"),
        ({"FT_LINT_PATHS": "'unclosed"}, "input 'paths'"),
    ],
)
def test_unusable_inputs_are_named(env, message):
    with pytest.raises(InputError, match=re.escape(message)):
        ActionInputs.from_env(env)


def test_histograms_are_text_in_code_blocks_against_the_limit():
    from ft_lint.histogram import against_limit

    hostile = "data/```</details><script>x</script>.jsonl"
    rows = [
        {"filename": hostile, "model": "gpt-3.5-turbo-0613", "examples": 8, "tokens": {"exact": True}},
        {"filename": "data/short.jsonl", "model": "m", "examples": 3, "tokens": {"exact": False}},
    ]
    charts = {
        hostile: against_limit([10, 10, 10, 10, 2000, 4096, 5000, 9000], 4096, bins=4),
        "data/short.jsonl": against_limit([10, 20, 30], 4096, bins=3),
    }
    summary = render([], RunSummary(files=2, records=11), exit_code=0, stats=rows, histograms=charts)
    assert summary.index("### Token and cost statistics") < summary.index("<details>")
    blocks = re.findall(r"```text\n(.*?)\n```", summary, re.DOTALL)
    assert len(blocks) == 2
    for block in blocks:  # numbers and bars only: no name can end the block or open markup
        assert re.fullmatch(r"[\d,\- |█+.%():a-z\n]*", block), block
    near, far = (block.splitlines() for block in blocks)
    assert near == [
        "    0 - 1,024 | ████████████████████████████████████████ 4",
        "1,025 - 2,048 | ██████████ 1",
        "2,049 - 3,072 | 0",
        "3,073 - 4,096 | ██████████ 1",
        "------------- + limit 4,096 tokens",
        "         over | ████████████████████ 2",
    ]
    assert far[-1] == "limit 4,096 tokens: off the scale (the longest example is 0.7% of it)"
    assert [line.split("|")[1].strip() for line in far[:-1]] == ["█" * 40 + " 1"] * 3
    assert "\\`\\`\\`\\</details\\>\\<script\\>x\\</script\\>.jsonl" in summary  # the name, escaped, outside
    assert "**data/short.jsonl**: m (estimated)" in summary
