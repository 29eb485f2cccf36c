"""Baselines (docs/baseline.md): the findings a repository had when it adopted ft-lint, recorded
by `--write-baseline FILE`, so that `--baseline FILE` (or the `baseline` key) reports only new ones.

A finding is known by its file (relative to the baseline's folder), its code and a fingerprint of
its record: a hash of the record's JSON value (keys sorted, spacing ignored), never a line number,
so lines inserted or deleted above a record do not change it, and never the record's text, so a
secret in it is not copied into the baseline. The baseline counts each (file, code, fingerprint):
three copies of an accepted duplicate stay hidden, a fourth is new. Findings about a file as a
whole (a FileRule's: too few examples, mixed formats...; a file that is not records) have no
record: they are known by file and code alone. A pair finding (FT401-FT405) is
reported at one record of the pair (the later copy, the validation example) and fingerprinted by
that record alone: the related lines move, and an edit to the other record leaves it what it was.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ft_lint.atomic import write_atomically
from ft_lint.digests import canonical_json
from ft_lint.errors import UsageError
from ft_lint.findings import Finding, Scope
from ft_lint.reader import Entry, Kind, UnreadableFile, WholeFileProblem, read_entries

KIND = "ft-lint-baseline"  # what tells a baseline from any other JSON file
VERSION = 1
FINGERPRINT_BYTES = 8  # 16 hex digits: no two records of a dataset share one by chance
MAX_BASELINE_BYTES = 256 << 20  # read whole: a baseline of millions of findings is still far below this

# (file relative to the baseline's folder, code, fingerprint or None for a file-level finding)
Key = tuple[str, str, str | None]


@dataclass
class Baseline:
    """The findings recorded in a baseline file, counted by key."""

    path: Path
    counts: Counter[Key] = field(default_factory=Counter)

    @property
    def folder(self) -> Path:
        return self.path.absolute().parent

    def hide(self, findings: list[Finding]) -> tuple[list[Finding], int]:
        """The findings this baseline does not hold, and how many it held. A key recorded N times
        hides its first N findings (in file order): copies added later are the new ones."""
        left = self.counts.copy()
        shown = []
        for finding, key in zip(findings, keys(findings, self.folder), strict=True):
            if left[key] > 0:
                left[key] -= 1
            else:
                shown.append(finding)
        return shown, len(findings) - len(shown)


def load(path: Path) -> Baseline:
    """The baseline in this file; a UsageError naming it when it is missing, unreadable or not one."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BASELINE_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(
            f"{path}: baseline file not found (write it with `ft-lint check --write-baseline {path}`)"
        ) from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read the baseline: {error.strerror or error}") from None
    if len(data) > MAX_BASELINE_BYTES:
        raise UsageError(f"{path}: not an ft-lint baseline (over {MAX_BASELINE_BYTES >> 20} MiB)")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not an ft-lint baseline (not UTF-8 text)") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}: not an ft-lint baseline: invalid JSON at line {error.lineno}: {error.msg}") from None
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise UsageError(f'{path}: not an ft-lint baseline (no "kind": "{KIND}")')
    if document.get("version") != VERSION:
        raise UsageError(
            f"{path}: baseline version {document.get('version')!r}; this ft-lint reads version {VERSION}"
            " (write it again with --write-baseline)"
        )
    entries = document.get("findings")
    if not isinstance(entries, list):
        raise UsageError(f'{path}: bad baseline: "findings" must be an array')
    baseline = Baseline(path)
    for number, entry in enumerate(entries, 1):
        baseline.counts[_entry_key(path, number, entry)] += entry["count"]
    return baseline


def _entry_key(path: Path, number: int, entry: object) -> Key:
    if (
        not isinstance(entry, dict)
        or set(entry) != {"file", "code", "fingerprint", "count"}
        or not isinstance(entry["file"], str)
        or not isinstance(entry["code"], str)
        or not (entry["fingerprint"] is None or isinstance(entry["fingerprint"], str))
        or isinstance(entry["count"], bool)
        or not isinstance(entry["count"], int)
        or entry["count"] < 1
    ):
        raise UsageError(
            f"{path}: bad baseline: finding {number} is not"
            ' {"file": TEXT, "code": TEXT, "fingerprint": TEXT or null, "count": 1 or more}'
        )
    return entry["file"], entry["code"], entry["fingerprint"]


def check_target(path: Path) -> Baseline | None:
    """Before the lint: the baseline a --write-baseline would replace (None: no file there yet).
    Only a baseline is replaced: any other file there is not ft-lint's to overwrite."""
    if not path.absolute().parent.is_dir():  # found now, not after the lint
        raise UsageError(f"{path}: its folder does not exist; the baseline is not written")
    if not path.exists() and not path.is_symlink():
        return None
    if not path.is_file():
        raise UsageError(f"{path}: not a file; the baseline is not written")
    try:
        return load(path)
    except UsageError as error:
        raise UsageError(f"{error}; not overwritten (remove it, or write the baseline to another file)") from None


def write(path: Path, findings: list[Finding], linted: Iterable[str], previous: Baseline | None) -> Baseline:
    """Record the findings in the baseline file; the number recorded. What `previous` holds of files
    this run did not lint, and that still exist, is kept: `--write-baseline B data/new.jsonl`
    records that one file again and no other. Written whole or not at all (a temporary file renamed);
    the baseline written is returned."""
    counts = Counter(keys(findings, path.absolute().parent))
    if previous is not None:
        folder = path.absolute().parent
        done = {_relative(name, folder) for name in linted}
        counts += Counter(
            {key: n for key, n in previous.counts.items() if key[0] not in done and (folder / key[0]).is_file()}
        )
    lines = [
        json.dumps({"file": file, "code": code, "fingerprint": fingerprint, "count": count}, ensure_ascii=False)
        for (file, code, fingerprint), count in sorted(counts.items(), key=lambda item: _sort_key(item[0]))
    ]
    text = (
        f'{{\n  "kind": "{KIND}",\n  "version": {VERSION},\n  "findings": ['
        + ",".join(f"\n    {line}" for line in lines)
        + ("\n  ]\n}\n" if lines else "]\n}\n")
    )
    try:
        # backslashreplace: a file name's byte that is not UTF-8 (a lone surrogate) stays a JSON \\udcXX escape
        write_atomically(path, [text.encode("utf-8", "backslashreplace")])
    except OSError as error:
        raise UsageError(f"{path}: cannot write the baseline: {error.strerror or error}") from None
    return Baseline(path, counts)


def _sort_key(key: Key) -> tuple[str, str, str]:
    file, code, fingerprint = key
    return file, code, fingerprint or ""


def keys(findings: list[Finding], folder: Path) -> list[Key]:
    """Each finding's key, reading again the records that findings are at (see the module's docstring)."""
    wanted: dict[str, set[int]] = {}
    for finding in findings:
        if finding.scope is Scope.RECORD:
            wanted.setdefault(finding.filename, set()).add(finding.line)
    prints = {filename: _fingerprints(Path(filename), lines) for filename, lines in wanted.items()}
    relative = {filename: _relative(filename, folder) for filename in {f.filename for f in findings}}
    return [
        (relative[finding.filename], finding.code, prints.get(finding.filename, {}).get(finding.line))
        for finding in findings
    ]


def _fingerprints(path: Path, lines: set[int]) -> dict[int, str]:
    """The fingerprint of the entry starting at each of these lines; none for a file that cannot
    be read as entries (its findings are about the whole file)."""
    try:
        return {entry.line: fingerprint(entry) for entry in read_entries(path, only_lines=lines) if entry.line in lines}
    except (UnreadableFile, WholeFileProblem, OSError):  # OSError: gone since the lint
        return {}


def fingerprint(entry: Entry) -> str:
    """A record by its JSON value (key order and spacing aside); another line by its bytes."""
    parsed = entry.kind in (Kind.RECORD, Kind.NOT_OBJECT)
    content = canonical_json(entry.value) if parsed else entry.raw.strip()
    return hashlib.blake2b(content, digest_size=FINGERPRINT_BYTES, person=b"ft-lint-baseline").hexdigest()


def _relative(filename: str, folder: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(filename), folder)).as_posix()
