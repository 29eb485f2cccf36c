"""`--output-format json`: a JSON array, one object per finding (docs/spec.md), in valid UTF-8 (see
`json_text`: a byte of a file name that is not UTF-8 is the text `\\xff`)."""

from __future__ import annotations

import json
from typing import TextIO

from ft_lint.escaping import json_text
from ft_lint.findings import Finding
from ft_lint.reporters import RunSummary


def report_json(findings: list[Finding], run: RunSummary, out: TextIO) -> None:
    """One finding per line, written as it goes (no second copy of every finding in memory)."""
    out.write("[")
    for number, finding in enumerate(findings):
        out.write(("," if number else "") + "\n  " + json_text(json.dumps(finding.as_json(), ensure_ascii=False)))
    out.write("\n]\n" if findings else "]\n")
