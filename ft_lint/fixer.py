"""`--fix` and `--diff`: apply the edits rules attach to their findings, line by line.

A file is streamed line by line into a journal in its own folder, then written over the
file in place (`ft_lint.inplace`: the file keeps its inode, links, mode and extended
attributes, and what another process appends meanwhile). Lines without an edit are copied
byte for byte, line endings included; a symbolic link stays a link to the fixed file. A
file that is read-only or has other hard links is left alone unless `--force`.

Every edit is checked against the bytes being rewritten, not trusted from the lint that
proposed it: a blank line must still be blank, a duplicate must still equal its first
copy (neither holding duplicate keys), a string must still need stripping. An edit from
a file that changed since it was linted thus fails its check and is skipped. Just before
it is rewritten the file must still hold the bytes that were read (appended to at most),
else the fix is abandoned. So two runs fixing one file at once leave it fixed once (the
second finds nothing left to change, or writes the same bytes) and never interleaved.

Line edits apply to JSONL files only; in a JSON array file only the byte order mark is
removed. Lines that are not valid JSON are left as they are, and the lines around them
can still be fixed.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import orjson

from ft_lint.config import RunOptions, Settings
from ft_lint.digests import canonical_digest
from ft_lint.edits import DeleteBlankLine, DeleteDuplicate, RemoveBom, StripText
from ft_lint.engine import LintState, lint
from ft_lint.errors import UsageError
from ft_lint.escaping import terminal
from ft_lint.files import display_name
from ft_lint.findings import Finding
from ft_lint.inplace import NotFixed, Rewrite, check_fixable, finish_interrupted
from ft_lint.input_kinds import read_as
from ft_lint.reader import BOM, duplicate_keys, is_json_array, non_text_reason
from ft_lint.redaction import redact_json
from ft_lint.reporters import RunSummary
from ft_lint.rules import catalog

MAX_PASSES = 10  # fixing can reveal more to fix (like ruff, re-lint and go again)
DIFF_CONTEXT = 3


def fix_and_lint(
    files: list[Path], settings: Settings, options: RunOptions, state: LintState | None = None
) -> tuple[list[Finding], RunSummary]:
    """Fix what can be fixed, then lint again: the findings returned are those remaining.
    Files it refuses or cannot finish are named in `run_summary.not_fixed`."""
    state = state if state is not None else LintState()
    notes: list[str] = []
    not_fixed: list[str] = []
    for folder in dict.fromkeys(path.resolve().parent for path in files):
        finish_interrupted(folder, notes, not_fixed)  # before the lint: it reads those files
    findings, run_summary = lint(files, settings, options, state)
    fixed: dict[str, int] = {}
    refused: set[Path] = set()
    for _ in range(MAX_PASSES):
        planned = [(path, edits) for path, edits in _edits_by_file(files, findings, options) if path not in refused]
        if not planned:
            break
        applied = 0
        for path, edits in planned:
            reason = cannot_rewrite(path)
            if reason:
                refused.add(path)
                not_fixed.append(f"{display_name(path)}: {reason}")
                continue
            try:
                count = _rewrite(path, edits, options.force)
            except NotFixed as error:
                refused.add(path)
                not_fixed.append(f"{display_name(path)}: {error}")
                continue
            applied += count
            if count:
                fixed[display_name(path)] = fixed.get(display_name(path), 0) + count
        # lint again even when nothing applied: the edits may have failed their checks
        # because another process changed the file, and the report must show it as it is
        findings, run_summary = lint(files, settings, options, state)
        if not applied:
            break
    run_summary.notes += notes
    run_summary.not_fixed += not_fixed
    if fixed:
        total = sum(fixed.values())
        run_summary.notes.append(
            f"fixed {total} problem{'s' * (total != 1)} in {len(fixed)} file{'s' * (len(fixed) != 1)}"
        )
    _note_unsafe(findings, options, run_summary.notes)
    return findings, run_summary


def show_diff(
    files: list[Path], settings: Settings, options: RunOptions, out: TextIO, state: LintState | None = None
) -> int:
    """Print the fixes as a unified diff without writing; exit code 1 when there are any."""
    findings, _ = lint(files, settings, options, state)
    would_fix = changed_files = 0
    notes: list[str] = []
    for path, edits in _edits_by_file(files, findings, options):
        reason = cannot_rewrite(path)
        if reason:
            notes.append(f"{display_name(path)}: {reason}")
            continue
        with _open(path) as handle:
            lines = _fixed_lines(path, handle, edits)
            printed = False
            for hunk in _hunks(lines):
                if not printed:
                    name = display_name(path)
                    out.write(f"--- a/{terminal(name)}\n+++ b/{terminal(name)}\n")
                    printed = True
                out.write(hunk)
        would_fix += lines.applied
        changed_files += printed
    _note_unsafe(findings, options, notes)
    summary = (
        f"Would fix {would_fix} problem{'s' * (would_fix != 1)} in {changed_files} file{'s' * (changed_files != 1)}."
        if would_fix
        else "No fixes available."
    )
    print("\n".join(map(terminal, [summary, *notes])), file=sys.stderr)
    return 1 if changed_files else 0


def cannot_rewrite(path: Path) -> str | None:
    """Why --fix cannot rewrite this file in place (its kind is not lines of JSON), else None."""
    kind = read_as(path)
    if kind.fixable:
        return None
    return (
        f"--fix cannot rewrite {kind.name} in place; its fixes are left undone "
        "(convert it to JSONL to fix it, or fix the data it is made from)"
    )


def _note_unsafe(findings: list[Finding], options: RunOptions, notes: list[str]) -> None:
    if options.unsafe_fixes:
        return
    hidden = sum(1 for f in findings if f.edit is not None and not catalog()[f.code].fix_is_safe)
    if hidden:
        notes.append(f"{hidden} more fix{'es' * (hidden != 1)} available with --unsafe-fixes")


def _edits_by_file(
    files: list[Path], findings: list[Finding], options: RunOptions
) -> Iterator[tuple[Path, dict[int, list[object]]]]:
    paths = {display_name(path): path for path in files}
    by_file: dict[str, dict[int, list[object]]] = {}
    for finding in findings:
        if finding.edit is not None and (options.unsafe_fixes or catalog()[finding.code].fix_is_safe):
            by_file.setdefault(finding.filename, {}).setdefault(finding.line, []).append(finding.edit)
    for filename, edits in by_file.items():
        if filename in paths:
            yield paths[filename], edits


def _open(path: Path) -> BinaryIO:
    try:
        return path.resolve().open("rb")
    except OSError as error:
        raise UsageError(f"{path}: cannot be read to fix it: {error.strerror or error}") from None


def _fixed_lines(
    path: Path, handle: BinaryIO, edits: dict[int, list[object]], lines: Iterable[bytes] | None = None
) -> _FixedLines:
    """The handle's lines with the edits applied (`lines`: the handle's lines as read by the caller)."""
    array_file = is_json_array(path, handle)
    handle.seek(0)
    return _FixedLines(handle if lines is None else lines, edits, array_file)


def _rewrite(path: Path, edits: dict[int, list[object]], force: bool = False) -> int:
    """Apply the edits to the file in place; returns how many were applied. Raises NotFixed
    for a file it refuses (see `inplace.check_fixable`) or cannot write."""
    target = path.resolve()  # fix the file a symbolic link points to, and keep the link
    with _open(path) as handle:
        status = os.fstat(handle.fileno())
        check_fixable(target, status, force)
        with Rewrite(target, handle, status) as rewrite:
            lines = _fixed_lines(target, handle, edits, rewrite.lines())
            new_start = b""
            for _, new in lines:
                if new is not None:
                    rewrite.write(new)
                    if len(new_start) < 4:
                        new_start = (new_start + new)[:4]
            handle.seek(0)
            if not lines.applied or _reads_differently(handle.read(4), new_start):
                return 0  # nothing to change, or unsafe
            if not rewrite.commit(force):
                return 0  # someone changed the file meanwhile: the next lint sees it as it is
    return lines.applied


def _reads_differently(old_start: bytes, new_start: bytes) -> bool:
    """Whether the fixed file would no longer be read as lines (leading lines removed, it
    now starts with bytes that look like gzip or UTF-16): then no fix is safe."""
    return non_text_reason(new_start) is not None and non_text_reason(old_start) is None


@dataclass
class _FixedLines:
    """The file's lines as (old, new) pairs: new is old itself when unchanged, None when
    the line is deleted. Counts the edits applied in `applied`."""

    lines: Iterable[bytes]
    edits: dict[int, list[object]]
    array_file: bool
    applied: int = 0
    _first_copies: dict[int, bytes | None] = field(default_factory=dict)

    def __iter__(self) -> Iterator[tuple[bytes, bytes | None]]:
        wanted = {
            e.first_line for line_edits in self.edits.values() for e in line_edits if isinstance(e, DeleteDuplicate)
        }
        # a BOM belongs to the file, reported at its first record's line
        remove_bom = any(isinstance(e, RemoveBom) for line_edits in self.edits.values() for e in line_edits)
        carried_bom = b""  # a kept BOM of a deleted first line goes to the next kept line
        for number, old in enumerate(self.lines, start=1):
            body = old.rstrip(b"\r\n")
            ending = old[len(body) :]
            bom = b""
            if number == 1 and body.startswith(BOM):
                bom, body = BOM, body[len(BOM) :]
            if number in wanted:
                self._first_copies[number] = _record_key(body)
            line_edits = [] if self.array_file else self.edits.get(number, [])
            if remove_bom and bom:
                bom = b""
                self.applied += 1
            if self._deletes(number, body, line_edits):
                self.applied += 1
                carried_bom = bom or carried_bom
                yield old, None
                continue
            body = self._stripped(body, line_edits)
            new = carried_bom + bom + body + ending
            carried_bom = b""
            yield old, (old if new == old else new)

    def _deletes(self, number: int, body: bytes, line_edits: list[object]) -> bool:
        for edit in line_edits:
            if isinstance(edit, DeleteBlankLine) and _is_blank(body):
                return True
            if isinstance(edit, DeleteDuplicate) and edit.first_line < number:
                first = self._first_copies.get(edit.first_line)
                if first is not None and _record_key(body) == first:
                    return True
        return False

    def _stripped(self, body: bytes, line_edits: list[object]) -> bytes:
        pointers = [e.pointer for e in line_edits if isinstance(e, StripText)]
        if not pointers:
            return body
        try:
            orjson.loads(body)  # rejects what the reader rejects (NaN, lone surrogates)
            # parsed again by the json module: it keeps big integers exact and key order
            value = json.loads(body, object_pairs_hook=_object_without_duplicates)
        except (ValueError, RecursionError):
            return body  # no longer valid JSON, or ambiguous: leave the line as it is
        stripped = 0
        for pointer in pointers:
            parent, key = _parent_of(value, pointer)
            text = parent[key] if parent is not None else None
            if isinstance(text, str) and text.strip() and text != text.strip():
                parent[key] = text.strip()
                stripped += 1
        if not stripped:
            return body
        serialised = _dumps_like(value, body)
        if len(serialised) > len(body):
            # longer only where numbers are spelt longer (1e5 -> 100000.0): left as it is, as a
            # fix must never lengthen the file (it is rewritten in place, see ft_lint.inplace)
            return body
        self.applied += stripped
        return serialised


def _is_blank(body: bytes) -> bool:
    """Blank as the reader judges it: UTF-8 text that is empty or whitespace only."""
    try:
        return not body.decode("utf-8").strip()
    except UnicodeDecodeError:
        return False


def _record_key(body: bytes) -> bytes | None:
    """What makes two lines the same record for FT401, or None when the line is not an
    unambiguous record (invalid, not an object, or holding a duplicate key)."""
    try:
        value = orjson.loads(body)
    except (orjson.JSONDecodeError, RecursionError):
        return None
    if not isinstance(value, dict) or duplicate_keys(body, value):
        return None
    return canonical_digest(value)


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) < len(pairs):
        raise ValueError("duplicate key")
    return value


def _parent_of(value: Any, pointer: str) -> tuple[Any, Any]:
    """The container holding the value at an RFC 6901 pointer, and its key (None, None if absent)."""
    parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]
    if not parts:
        return None, None
    node = value
    for depth, part in enumerate(parts):
        key: Any = part
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return None, None
            key = int(part)
        elif not isinstance(node, dict) or part not in node:
            return None, None
        if depth == len(parts) - 1:
            return node, key
        node = node[key]
    return None, None


_FIRST_KEY = re.compile(rb'\s*\{\s*"(?:[^"\\]|\\.)*"\s*:(\s?)')


def _dumps_like(value: Any, body: bytes) -> bytes:
    """The record serialised in the line's own style: spaced or compact separators, \\u
    escapes or raw UTF-8, and the line's leading and trailing spaces."""
    first_key = _FIRST_KEY.match(body)
    spaced = bool(first_key and first_key.group(1))
    text = json.dumps(
        value,
        ensure_ascii=body.isascii() and b"\\u" in body,
        separators=(", ", ": ") if spaced else (",", ":"),
    )
    stripped = body.strip()
    start = body.index(stripped[:1]) if stripped else 0
    return body[:start] + text.encode("utf-8") + body[start + len(stripped) :]


@dataclass
class _Hunk:
    old_start: int
    new_start: int
    lines: list[str] = field(default_factory=list)
    old_count: int = 0
    new_count: int = 0
    trailing: int = 0  # unchanged lines since the last change

    added: list[str] = field(default_factory=list)  # of the current run of changes

    def keep(self, line: bytes) -> None:
        self._end_changes()
        self.lines.append(" " + _printable(line))
        self.old_count += 1
        self.new_count += 1

    def change(self, old: bytes, new: bytes | None) -> None:
        self.lines.append("-" + _printable(old))
        self.old_count += 1
        if new is not None:
            self.added.append("+" + _printable(new))
            self.new_count += 1

    def _end_changes(self) -> None:
        self.lines += self.added
        self.added = []

    def text(self) -> str:
        self._end_changes()
        surplus = max(0, self.trailing - DIFF_CONTEXT)
        if surplus:
            del self.lines[-surplus:]
        old = _range(self.old_start, self.old_count - surplus)
        new = _range(self.new_start, self.new_count - surplus)
        return f"@@ -{old} +{new} @@\n" + "".join(self.lines)


def _range(start: int, count: int) -> str:
    """A hunk range as unified diffs write it: an empty range names the line before it."""
    if count == 1:
        return str(start)
    return f"{start if count else start - 1},{count}"


def _printable(line: bytes) -> str:
    """A line for the diff: decoded, secrets masked, and marked when it has no newline."""
    text = redact_json(line.decode("utf-8", errors="replace"))
    return text if text.endswith("\n") else text + "\n\\ No newline at end of file\n"


def _hunks(lines: Iterable[tuple[bytes, bytes | None]]) -> Iterator[str]:
    """Unified diff hunks, streamed: only the hunk being built is held in memory."""
    recent: deque[tuple[int, int, bytes]] = deque(maxlen=DIFF_CONTEXT)
    hunk: _Hunk | None = None
    old_number = new_number = 0
    for old, new in lines:
        old_number += 1
        if new is old:
            new_number += 1
            if hunk is not None:
                hunk.keep(old)
                hunk.trailing += 1
                if hunk.trailing > 2 * DIFF_CONTEXT:
                    yield hunk.text()
                    hunk = None
            recent.append((old_number, new_number, old))
            continue
        if hunk is None:
            first_old, first_new = (recent[0][0], recent[0][1]) if recent else (old_number, new_number + 1)
            hunk = _Hunk(first_old, first_new)
            for _, _, context in recent:
                hunk.keep(context)
        hunk.trailing = 0
        hunk.change(old, new)
        if new is not None:
            new_number += 1
    if hunk is not None:
        yield hunk.text()
