"""The documentation says what the code does: README's and docs/spec.md's rules tables are the rule
catalog, the contract names every format, option and configuration key, every link between the
pages leads somewhere, and no file cites a Markdown document the repository does not have."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from ft_lint.cli import cli
from ft_lint.config import _KEYS
from ft_lint.formats import all_formats

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]
SPEC = ROOT / "docs" / "spec.md"


def load_generator():
    spec = importlib.util.spec_from_file_location("rules_table", ROOT / "scripts" / "rules_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["README.md", "docs/spec.md"])
def test_the_rules_table_is_the_catalog(name):
    generator = load_generator()
    text = (ROOT / name).read_text(encoding="utf-8")
    assert generator.with_table(text, generator.rules_table()) == text, (
        f"{name}'s rules table is not the rule catalog's: run `python3 scripts/rules_table.py` to regenerate it"
    )


def test_the_table_lists_every_rule_once():
    generator = load_generator()
    from ft_lint.rules import catalog

    rows = [line for line in generator.rules_table().splitlines() if line.startswith("| FT")]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == list(catalog())
    assert all(row.count(" | ") == 4 for row in rows)  # a `|` in a summary is escaped


def test_the_generator_refuses_a_file_without_markers():
    generator = load_generator()
    with pytest.raises(ValueError, match="markers"):
        generator.with_table("# no table here\n", generator.rules_table())


def section(text: str, title: str) -> str:
    return re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S).group(1)


def test_the_contract_names_every_format():
    listed = set(re.findall(r"`([a-z0-9][a-z0-9-]*)`", section(SPEC.read_text(encoding="utf-8"), "Formats")))
    assert listed == set(all_formats())


def test_the_contract_names_every_command_option_and_configuration_key():
    text = SPEC.read_text(encoding="utf-8")
    commands = section(text, "Commands")
    assert set(cli.commands) <= set(re.findall(r"`ft-lint ([a-z]+)", commands))
    options = {opt for param in cli.commands["check"].params for opt in param.opts if opt.startswith("--")}
    assert sorted(option for option in options if f"`{option}" not in commands and f"/{option}" not in commands) == []
    assert sorted(key for key in _KEYS if f"`{key}`" not in commands) == []


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {slug(heading) for heading in re.findall(r"^#+ (.+)$", text, re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_links_lead_to_pages_and_headings_that_exist(page):
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []


TEXT_SUFFIXES = {".py", ".md", ".toml", ".yml", ".yaml", ".json", ".txt", ".cfg", ""}
SKIPPED = {".git", "__pycache__", ".ft-lint-cache", "data", ".pytest_cache", ".hypothesis", "build", "dist"}
URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+")
CITED = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]*\w\.md)\b")


def cited_documents(text: str) -> set[str]:
    """The Markdown files a text names, outside web addresses and string literals of code (the
    "summary.md" a test writes is no citation; a docstring's opening quote is not closed after it)."""
    text = URL.sub("", text)
    found = set()
    for match in CITED.finditer(text):
        before, after = text[match.start() - 1 : match.start()], text[match.end() : match.end() + 1]
        if before in ("'", '"') and after == before:
            continue
        first = match.group(1).split("/", 1)[0]
        if "/" in match.group(1) and "." in first.strip("."):  # a host name: a web address without its scheme
            continue
        found.add(match.group(1))
    return found


def repository_files():
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if (
            path.is_file()
            and not SKIPPED & set(relative.parts[:-1])
            and path.suffix in TEXT_SUFFIXES
            and ".egg-info" not in str(relative)
        ):
            yield path


def test_citations_are_found_where_code_and_pages_make_them():
    docstring = '"' * 3 + "README.md's example" + '"' * 3
    assert cited_documents(docstring + "\n# rows (docs/spec.md)\n") == {"README.md", "docs/spec.md"}
    assert (
        cited_documents('path / "summary.md"\nhttps://github.com/a/b/blob/main/README.md\ngithub.com/a/README.md')
        == set()
    )


def test_no_file_cites_a_document_the_repository_does_not_have():
    missing = []
    for path in repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for cited in cited_documents(text):
            if not ((path.parent / cited).exists() or (ROOT / cited).exists()):
                missing.append(f"{path.relative_to(ROOT)}: {cited}")
    assert missing == []
