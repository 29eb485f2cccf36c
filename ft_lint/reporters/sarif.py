"""`--output-format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Paths inside the repository are relative URIs against `%SRCROOT%` (the repository root, given
as an absolute URI in `originalUriBaseIds`), which is how code scanning maps results to files;
files outside it get absolute `file:` URIs; both percent-encode the bytes of the name, so a name
that is not UTF-8 keeps its bytes. The JSON Pointer of a finding is its logical location. Text is
valid UTF-8 (see `json_text`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from ft_lint import __version__
from ft_lint.escaping import json_text
from ft_lint.findings import Finding, Location, Severity
from ft_lint.reporters import RunSummary, located_message, path_under, repository_root

if TYPE_CHECKING:
    from ft_lint.rules import Rule

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def report_sarif(findings: list[Finding], run: RunSummary, out: TextIO) -> None:
    from ft_lint.rules import catalog

    rules = list(catalog().values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    root = repository_root()
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ft-lint",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/ft-lint/",
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(finding, index[finding.code], root) for finding in findings],
            }
        ],
    }
    out.write(json_text(json.dumps(document, ensure_ascii=False, indent=2)) + "\n")


def _rule(rule: type[Rule]) -> dict[str, Any]:
    documentation = rule.documentation()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": documentation},
        # The docstrings are written in Markdown (backticks, indented examples).
        "help": {"text": documentation, "markdown": f"**{rule.code} {rule.name}**\n\n{documentation}"},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"fixable": rule.fixable},
    }


def _artifact(filename: str, root: Path) -> dict[str, Any]:
    relative = path_under(filename, root)
    if relative is None:
        return {"uri": Path(filename).absolute().as_uri()}
    return {"uri": quote(os.fsencode(relative)), "uriBaseId": SOURCE_ROOT}  # as Path.as_uri does


def _physical(location: Location, root: Path) -> dict[str, Any]:
    """A line is the region's; a Parquet row, which has none, is the logical location `row N`
    and `properties.row`, with the region at line 1 (code scanning needs a region)."""
    row = location.row
    physical: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": _artifact(location.filename, root),
            "region": {"startLine": max(location.line, 1) if row is None else 1},
        }
    }
    if row is not None:
        physical["logicalLocations"] = [{"name": f"row {row}", "kind": "element"}]
        physical["properties"] = {"row": row}
    return physical


def _logical(pointer: str, row: int | None) -> dict[str, Any]:
    """The JSON Pointer inside the record: a property, or an element of an array (in a Parquet
    file, qualified by its row: `row 12/messages/1/content`)."""
    last = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    qualified = pointer if row is None else f"row {row}{pointer}"
    return {"name": last, "fullyQualifiedName": qualified, "kind": "value" if last.isdigit() else "property"}


def _result(finding: Finding, rule_index: int, root: Path) -> dict[str, Any]:
    location = _physical(Location(finding.filename, finding.line), root)
    row = finding.row
    if finding.pointer:
        location["logicalLocations"] = [*location.get("logicalLocations", ()), _logical(finding.pointer, row)]
    message = located_message(finding)
    result = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": message if row is None else f"row {row}: {message}"},
        "locations": [location],
    }
    if finding.related:
        result["relatedLocations"] = [
            {"id": i, **_physical(related, root), "message": {"text": "related example"}}
            for i, related in enumerate(finding.related)
        ]
    if finding.fix:
        result["properties"] = {"fix": finding.fix}
    return result
