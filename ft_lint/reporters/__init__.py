"""Reporters: turn findings into text. One function per output format; the catalog is REPORTERS."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ft_lint.findings import Finding, Severity


@dataclass
class RunSummary:
    """What a reporter may say about the run besides the findings."""

    files: int = 0
    records: int = 0
    fail_on: Severity = Severity.WARNING
    notes: list[str] = field(default_factory=list)  # e.g. "token counts are estimates for model X"
    not_fixed: list[str] = field(default_factory=list)  # --fix: "FILE: why", files it refused or could not finish
    read: dict[str, list[tuple[int, int, str]]] = field(
        default_factory=dict
    )  # --launch: the bytes linted of each file (scanning.Scan.digests)
    baselined: int = 0  # findings the baseline hid


Reporter = Callable[[list[Finding], RunSummary, TextIO], None]

# name -> module in this package defining `report(findings, summary, out)`
REPORTERS = {
    "full": "text",
    "concise": "text",
    "json": "json_reporter",
    "github": "github",
    "sarif": "sarif",
}


def get_reporter(name: str) -> Reporter:
    module = importlib.import_module(f"{__name__}.{REPORTERS[name]}")
    reporter: Reporter = getattr(module, f"report_{name}")
    return reporter


def count_by_severity(findings: list[Finding]) -> dict[Severity, int]:
    counts = dict.fromkeys(Severity, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def summary_line(findings: list[Finding], run: RunSummary) -> str:
    scope = f"{run.files} file{'s' * (run.files != 1)}, {run.records:,} record{'s' * (run.records != 1)}"
    known = f"; {run.baselined:,} known problem{'s' * (run.baselined != 1)} hidden by the baseline" * bool(
        run.baselined
    )
    if not findings:
        return f"No new problems ({scope}){known}." if known else f"All checks passed ({scope})."
    counts = count_by_severity(findings)
    parts = [f"{n} {s.label}{'s' * (n != 1)}" for s, n in sorted(counts.items(), reverse=True) if n]
    files = len({f.filename for f in findings})
    return (
        f"Found {len(findings)} {'new ' * bool(known)}problem{'s' * (len(findings) != 1)} ({', '.join(parts)})"
        f" in {files} of {scope}{known}."
    )


def repository_root(start: Path | None = None) -> Path:
    """The closest folder holding `.git` (GitHub resolves annotation and SARIF paths against it), else `start`."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def path_under(filename: str, root: Path) -> str | None:
    """`filename` as a POSIX path relative to `root`, or None when it lies outside."""
    try:
        return Path(os.path.abspath(filename)).relative_to(root).as_posix()
    except ValueError:
        return None


def located_message(finding: Finding) -> str:
    """The message with the JSON Pointer, for formats that have no place of their own for it."""
    return f"{finding.message} (at {finding.pointer})" if finding.pointer else finding.message
