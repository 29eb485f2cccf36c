"""The rule catalog and the format catalog: complete, consistent, documented, shipped."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from ft_lint.findings import Severity
from ft_lint.formats import _ADAPTERS, all_formats
from ft_lint.rules import DatasetRule, EntryRule, FileRule, RecordRule, catalog, find_rule

REPOSITORY = Path(__file__).resolve().parent.parent
SCHEMA_FILES = sorted((REPOSITORY / "schemas").glob("*.schema.json"))

# The part of docs/spec.md's rule catalog that issue 2 builds (FT005 and FT006 come with the model table).
SPEC_RULES = {
    "FT001": ("invalid-json", "error"),
    "FT002": ("not-an-object", "error"),
    "FT003": ("invalid-encoding", "error"),
    "FT004": ("blank-line", "warning"),
    "FT007": ("mixed-formats", "error"),
    "FT101": ("schema-violation", "error"),
    "FT102": ("unknown-key", "error"),
    "FT103": ("invalid-role", "error"),
    "FT104": ("no-assistant-message", "error"),
    "FT105": ("no-user-message", "warning"),
    "FT106": ("last-message-not-assistant", "warning"),
    "FT107": ("role-order", "warning"),  # docs/spec.md: a warning; a tool message out of place is an error
    "FT108": ("invalid-weight", "error"),
    "FT109": ("nothing-to-train", "error"),
    "FT110": ("tool-call-mismatch", "error"),
    "FT111": ("invalid-tool-arguments", "error"),
    "FT112": ("invalid-tool-definition", "error"),
    "FT113": ("invalid-image", "error"),
    "FT201": ("empty-content", "error"),
    "FT202": ("surrounding-whitespace", "info"),
    "FT203": ("chat-template-leak", "warning"),
    "FT204": ("mojibake", "warning"),
    "FT205": ("echo-answer", "warning"),
    "FT401": ("duplicate-example", "warning"),
}


def test_the_rules_of_the_spec_are_there_with_their_names_and_severities():
    rules = catalog()
    assert {code: (rules[code].name, rules[code].severity.label) for code in SPEC_RULES if code in rules} == SPEC_RULES


@pytest.mark.parametrize("rule", catalog().values(), ids=lambda rule: rule.code)
def test_each_rule_is_a_documented_unit(rule):
    assert re.fullmatch(r"FT\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert isinstance(rule.severity, Severity)
    assert sum(issubclass(rule, kind) for kind in (EntryRule, RecordRule, FileRule, DatasetRule)) >= 1
    doc = rule.documentation()
    assert rule.summary() and "Why:" in doc and "Example" in doc
    assert find_rule(rule.code) is rule and find_rule(rule.name) is rule
    for key, option in rule.OPTIONS.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", key) and option.help


def test_codes_and_names_are_unique():
    rules = list(catalog().values())
    assert len({rule.code for rule in rules}) == len({rule.name for rule in rules}) == len(rules)


def test_catalog_is_in_code_order():
    assert list(catalog()) == sorted(catalog())


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda path: path.name)
def test_each_schema_is_a_valid_draft_2020_12_schema_with_an_adapter(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    meta = schema["x-ft-lint"]
    assert path.name == f"{meta['format']}.schema.json"
    assert meta["conversation"] in _ADAPTERS
    assert schema["title"] and schema["description"] and schema["required"]


def test_every_schema_file_is_a_format_and_every_format_a_schema_file():
    assert sorted(f.schema_file for f in all_formats().values()) == [path.name for path in SCHEMA_FILES]
    assert len({f.schema["$id"] for f in all_formats().values()}) == len(SCHEMA_FILES)


@pytest.mark.slow
def test_the_wheel_ships_the_schemas_of_the_repository(tmp_path):
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the repository
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPOSITORY / name, source / name)
    for folder in ("ft_lint", "schemas"):
        shutil.copytree(REPOSITORY / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-q",
        "-w",
        str(tmp_path / "dist"),
        str(source),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    [wheel] = (tmp_path / "dist").glob("ft_lint-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {
            name: archive.read(name)
            for name in archive.namelist()
            if name.startswith("ft_lint/schemas/") and name.endswith(".json")
        }
    assert shipped == {f"ft_lint/schemas/{path.name}": path.read_bytes() for path in SCHEMA_FILES}
