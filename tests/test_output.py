"""Output users can act on: info findings counted, not listed, in `full`; a file that fails the
same way on every line gets one finding; the job summary puts errors first; a retiring model
that still takes jobs is info and stops no launch."""

from __future__ import annotations

import json

from ft_lint.findings import Finding, Severity
from ft_lint.github_summary import render
from ft_lint.reporters import RunSummary
from support import chat, findings_json, jsonl, run_cli


def padded(n: int) -> dict:
    return chat(f"Question {n}? ", f"Answer {n}.")  # FT202 (info): a trailing space


def test_full_output_counts_info_findings_instead_of_listing_them(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_bytes(jsonl(*[padded(n) for n in range(3)], chat("Empty?", "")))
    result = run_cli("check", "--select", "FT201,FT202", str(data))
    assert "FT201 [error]" in result.out and "FT202" not in result.out.split("3 info findings")[0]
    assert "3 info findings not shown (FT202 3): `--output-format concise` lists them" in result.out
    assert result.out.rstrip().endswith("Found 4 problems (1 error, 3 infos) in 1 of 1 file, 4 records.")
    assert result.out.count(": FT202 ") == 0
    # concise and json list every finding; when info fails the run, full shows them one by one
    assert (
        run_cli("check", "--select", "FT201,FT202", "--output-format", "concise", str(data)).out.count(": FT202 ") == 3
    )
    assert [f["code"] for f in findings_json("--select", "FT201,FT202", str(data))].count("FT202") == 3
    failing_on_info = run_cli("check", "--select", "FT201,FT202", "--fail-on", "info", str(data)).out
    assert failing_on_info.count(": FT202 [info]") == 3 and "not shown" not in failing_on_info


def test_a_file_that_fails_the_same_way_on_every_line_gets_one_finding(tmp_path):
    dicts = tmp_path / "dicts.jsonl"
    dicts.write_text("".join(f"{{'messages': [{{'role': 'user', 'content': 'q{n}'}}]}}\n" for n in range(12)))
    [finding] = list(findings_json("--select", "FT001", str(dicts)))
    assert (finding["line"], finding["code"]) == (1, "FT001")
    assert finding["message"].startswith(
        "every line of the file (12 lines, 1-12) fails this way; line 1: line is not valid JSON"
    )
    # look-alikes: one good line among them, or too short a file, and each line is its own finding
    mostly = tmp_path / "mostly.jsonl"
    mostly.write_text(dicts.read_text() + json.dumps(chat()) + "\n")
    assert len(findings_json("--select", "FT001", str(mostly))) == 12
    short = tmp_path / "short.jsonl"
    short.write_text("".join(dicts.read_text().splitlines(keepends=True)[:5]))
    assert len(findings_json("--select", "FT001", str(short))) == 5


def test_findings_with_a_fix_or_a_place_of_their_own_stay_one_per_line(tmp_path):
    # every line padded with trailing whitespace: FT202 on each, and --fix needs each edit;
    # every line with an e-mail address: each is its own place to anonymise
    data = tmp_path / "data.jsonl"
    data.write_bytes(jsonl(*[padded(n) for n in range(12)]))
    assert len(findings_json("--select", "FT202", str(data))) == 12
    data.write_bytes(jsonl(*[chat(f"Mail maria{n}@gmail.com", "Done.") for n in range(12)]))
    assert len(findings_json("--select", "FT502", str(data))) == 12


def test_the_job_summary_lists_errors_first():
    def finding(line: int, severity: Severity) -> Finding:
        return Finding(
            code="FT201",
            name="empty-content",
            severity=severity,
            filename="data/train.jsonl",
            line=line,
            pointer="",
            message=f"line {line}",
        )

    findings = [finding(line, Severity.WARNING) for line in range(1, 30)] + [
        finding(40, Severity.ERROR),
        finding(41, Severity.INFO),
    ]
    summary = render(findings, RunSummary(files=1, records=41), exit_code=1)
    rows = [row for row in summary.splitlines() if row.startswith("| data/train.jsonl:")]
    assert rows[0].startswith("| data/train.jsonl:40 ") and "**error**" in rows[0]
    assert rows[1].startswith("| data/train.jsonl:1 ")  # then by file and line


def test_a_retiring_model_that_still_takes_jobs_is_info(tmp_path, monkeypatch):
    monkeypatch.setenv("FT_LINT_TODAY", "2026-11-22")
    data = tmp_path / "train.jsonl"
    data.write_bytes(jsonl(*[chat(f"q{n}", f"a{n}") for n in range(60)]))
    [finding] = findings_json("--select", "FT304", "--model", "gpt-4o-mini", str(data))
    assert finding["severity"] == "info"
    assert run_cli("check", "--select", "FT304", "--model", "gpt-4o-mini", str(data)).code == 0
    monkeypatch.setenv("FT_LINT_TODAY", "2027-01-07")
    [finding] = findings_json("--select", "FT304", "--model", "gpt-4o-mini", str(data))
    assert finding["severity"] == "error"


def test_too_few_examples_is_info_below_the_recommended_count_and_an_error_below_the_minimum(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_bytes(jsonl(*[chat(f"q{n}", f"a{n}") for n in range(30)]))
    [finding] = findings_json("--select", "FT006", "--model", "gpt-4o-mini", str(data))
    assert finding["severity"] == "info"
    data.write_bytes(jsonl(*[chat(f"q{n}", f"a{n}") for n in range(5)]))
    [finding] = findings_json("--select", "FT006", "--model", "gpt-4o-mini", str(data))
    assert finding["severity"] == "error"


def test_too_few_examples_in_a_file_of_broken_lines_says_what_an_example_is(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text("{'messages': []}\n" * 3)
    [finding] = findings_json("--select", "FT006", "--model", "gpt-4o-mini", str(data))
    assert finding["message"].startswith("file has 0 examples (no line holds a JSON object); openai needs at least 10")
