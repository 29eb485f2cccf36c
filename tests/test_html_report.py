"""`ft-lint stats --html FILE`: the bins against the model's limit, a page that loads nothing and
obeys nothing from the data, the rules of -o for the file it writes, and the page as a real
browser draws it (headless chromium driven by Playwright; docs/development.md says how CI gets it)."""

from __future__ import annotations

import math
import os
import random
import re
import shutil
import string
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ft_lint.histogram import LIMIT_IN_VIEW, against_limit
from support import chat, run_cli, write_jsonl

MODEL = "gpt-3.5-turbo-0613"  # a limit of 4,096 tokens per example, counted exactly (cl100k_base)
LIMIT = 4096
HOSTILE_NAME = "<svg onload=alert(1)><img src=x onerror=alert(2)>&lt;.jsonl"  # no slash: one file
HOSTILE_KEY = "<img src=x onerror=alert(3)>"
SECRET = "sk-proj-" + "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=74))
SHORT, LONG = 40, 3  # examples of a few tokens; examples over the limit


def dataset(folder: Path) -> Path:
    """SHORT short examples, LONG examples over the limit (a reply of 5,000 words, a token each),
    one with a key no format allows (its finding quotes it) and one holding an API key."""
    records = [chat(f"Question {i}?", f"Answer {i}.") for i in range(SHORT)]
    records += [chat(f"Long {i}", "word " * 5000) for i in range(LONG)]
    records[0] = {**records[0], HOSTILE_KEY: 1}
    records[1] = chat("My key?", f"It is {SECRET} keep it safe")
    return write_jsonl(folder / HOSTILE_NAME, records)


# --- the bins ---------------------------------------------------------------------------------


def test_bins_end_at_the_limit_and_count_what_is_over_it():
    values = [0, 1, 100, 204, 205, 2000, 4095, 4096, 4097, 9000]
    chart = against_limit(values, LIMIT, bins=20)
    assert chart.limit_on_scale and chart.end == LIMIT and chart.over == 2
    assert chart.bins[0].low == 0 and chart.bins[-1].high == LIMIT
    assert all(b.low == a.high + 1 for a, b in zip(chart.bins, chart.bins[1:], strict=False))  # no gap, no overlap
    for value in values:
        if value <= LIMIT:
            [holder] = [b for b in chart.bins if b.low <= value <= b.high]
            assert holder.count >= 1
    assert sum(b.count for b in chart.bins) == 8
    assert chart.tallest == max(2, *(b.count for b in chart.bins))


def test_bins_follow_the_data_when_the_limit_is_far_off():
    far = against_limit([10, 20, 30], LIMIT)
    assert not far.limit_on_scale and far.end == 30 and far.over == 0
    assert sum(b.count for b in far.bins) == 3
    near = against_limit([10, math.ceil(LIMIT_IN_VIEW * LIMIT)], LIMIT)
    assert near.limit_on_scale and near.end == LIMIT


def test_a_tiny_limit_has_no_empty_bins():
    chart = against_limit([1, 2, 3, 9], 5, bins=20)
    assert len(chart.bins) == 5 and [b.high for b in chart.bins] == [1, 2, 3, 4, 5] and chart.over == 1


# --- the page ---------------------------------------------------------------------------------


def make_report(tmp_path: Path) -> tuple[Path, str]:
    dataset(tmp_path / "data")
    report = tmp_path / "report.html"
    result = run_cli("stats", "--model", MODEL, "--html", str(report), "data", cwd=tmp_path)
    assert result.code == 0, result.err
    return report, report.read_text(encoding="utf-8")


class Elements(HTMLParser):
    """The tags and attribute names of a page, as a browser's parser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


def test_the_page_loads_nothing_and_obeys_nothing_from_the_data(tmp_path):
    _, page = make_report(tmp_path)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    elements = Elements()
    elements.feed(page)
    assert {"html", "head", "body", "style", "svg", "rect", "table"} <= elements.tags
    assert not elements.tags & {"script", "link", "img", "iframe", "object", "embed", "image", "use", "foreignobject"}
    assert not {name for name in elements.attributes if name in ("src", "href", "srcset") or name.startswith("on")}
    assert "url(" not in page and "@import" not in page
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg"]  # a namespace, never fetched
    assert "&lt;svg onload=alert(1)&gt;&lt;img src=x onerror=alert(2)&gt;&amp;lt;.jsonl" in page
    assert "&lt;img src=x onerror=alert(3)&gt;" in page  # FT102's message names the key
    assert SECRET not in page and SECRET[:12] not in page  # FT501's message masks it
    assert "FT501" in page and "FT102" in page


def test_control_characters_in_names_are_shown_not_written(tmp_path):
    data = write_jsonl(tmp_path / "bell\x07\x1b[31m.jsonl", [chat()])
    report = tmp_path / "report.html"
    assert run_cli("stats", "--html", str(report), str(data)).code == 0
    page = report.read_text(encoding="utf-8")
    assert "bell\\x07\\x1b[31m.jsonl" in page and "\x07" not in page and "\x1b" not in page


def test_the_report_names_findings_per_rule_and_per_file(tmp_path):
    _, page = make_report(tmp_path)
    per_rule = page.split('id="per-rule"')[1].split("</table>")[0]
    assert re.search(r"<td>FT301</td><td>example-too-long</td>.*?<td class=\"n\">3</td>", per_rule)
    per_file = page.split('id="per-file"')[1].split("</table>")[0]
    assert "onerror=alert(2)&gt;&amp;lt;.jsonl</td>" in per_file


def test_stats_output_is_unchanged_by_html(tmp_path):
    data = dataset(tmp_path / "data")
    plain = run_cli("stats", "--model", MODEL, "--output-format", "json", str(data))
    with_page = run_cli(
        "stats", "--model", MODEL, "--output-format", "json", "--html", str(tmp_path / "r.html"), str(data)
    )
    assert plain.code == with_page.code == 0 and plain.out == with_page.out  # findings do not change the exit code


def test_the_folders_are_walked_once_so_what_they_skip_is_noted_once(tmp_path):
    write_jsonl(tmp_path / "data" / "train.jsonl", [chat()])
    (tmp_path / "data" / "settings.json").write_text('{"not": "records"}')
    result = run_cli("stats", "--html", str(tmp_path / "r.html"), "data", cwd=tmp_path)
    assert result.code == 0
    assert result.err.count("skipped data/settings.json") == 1


def test_the_report_never_overwrites_an_input(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [chat()])
    (tmp_path / "link.jsonl").symlink_to("train.jsonl")
    before = data.read_bytes()
    for target in ("train.jsonl", "link.jsonl"):
        result = run_cli("stats", "--html", target, "train.jsonl", cwd=tmp_path)
        assert result.code == 2 and result.out == ""  # refused before any work
        assert result.err.startswith(f"ft-lint: error: {target}: the report would overwrite an input (train.jsonl)")
    assert data.read_bytes() == before


def test_a_report_that_cannot_be_written_fails_before_the_work(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [chat()])
    result = run_cli("stats", "--html", str(tmp_path / "no" / "such" / "r.html"), str(data))
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and "cannot write the report" in result.err


# --- in a browser -----------------------------------------------------------------------------

CHROMIUM = os.environ.get("FT_LINT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def browser_or_skip():
    """Playwright's sync API with Debian's chromium; missing, a skip locally, a failure in CI (CI set)."""
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "playwright (the dev extra)"
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        missing = f"{CHROMIUM} (scripts/install_browser.sh)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the browser test needs {missing}, which the CI install provides")
        pytest.skip(f"needs {missing}")
    return sync_playwright


@pytest.mark.slow
def test_a_browser_draws_the_histogram_against_the_limit(tmp_path):
    sync_playwright = browser_or_skip()
    report, _ = make_report(tmp_path)
    url = report.as_uri()
    console, requests, dialogs = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
            page.on("request", lambda request: requests.append(request.url))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(url)
            page.wait_for_load_state("load")
            section = page.locator("section.file")
            assert section.locator("h3").inner_text() == f"data/{HOSTILE_NAME}"  # shown as text, not made markup
            bars = section.locator("svg.histogram rect.bar").evaluate_all(
                """rects => rects.map(r => {
                    const box = r.getBoundingClientRect();
                    return {count: +r.dataset.count, over: r.classList.contains('over'),
                            x: box.left, right: box.right, height: box.height};
                })"""
            )
            limit = section.locator("svg.histogram line.limit").bounding_box()
            section.screenshot(path=str(tmp_path / "histogram.png"))
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert console == [] and dialogs == []
    assert requests == [url]  # the page itself, nothing else

    regular = [bar for bar in bars if not bar["over"]]
    [over] = [bar for bar in bars if bar["over"]]
    assert len(regular) == 20 and sum(bar["count"] for bar in regular) == SHORT
    assert regular[0]["count"] == SHORT  # every short example is in the first bin
    assert over["count"] == LONG
    tallest = max(bars, key=lambda bar: bar["count"])
    for bar in bars:  # heights in proportion to the counts, to a pixel
        assert abs(bar["height"] - tallest["height"] * bar["count"] / tallest["count"]) <= 1, bar
    assert over["height"] > 0 and regular[1]["height"] == 0
    # the limit is the line at the end of the scale, the examples over it past the line
    line_x = limit["x"] + limit["width"] / 2
    assert abs(line_x - regular[-1]["right"]) <= 2
    assert over["x"] > line_x
    assert (tmp_path / "histogram.png").stat().st_size > 0
