"""`--fix`, `--diff` and `--unsafe-fixes`: what changes, and that nothing else does."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import stat
import subprocess

import pytest

from ft_lint import fixer, inplace
from ft_lint.edits import DeleteBlankLine, DeleteDuplicate, StripText
from ft_lint.fixer import _rewrite
from support import chat, run_cli

BOM = b"\xef\xbb\xbf"


def line(record: dict, ending: bytes = b"\n", spaced: bool = True) -> bytes:
    separators = (", ", ": ") if spaced else (",", ":")
    return json.dumps(record, separators=separators, ensure_ascii=False).encode() + ending


A, B, C = chat("Bonjour, ça va ?", "Oui, merci."), chat("What is 2+2?", "4"), chat("Name a colour.", "Teal.")
A_REORDERED = {
    "messages": [{"content": "Bonjour, ça va ?", "role": "user"}, {"content": "Oui, merci.", "role": "assistant"}]
}


def fixable_file() -> tuple[bytes, bytes]:
    """A file with every kind of safe fix and lines that must survive byte for byte, and
    the bytes expected after `--fix`, built from the same parts."""
    parts = [
        (BOM + line(A, b"\r\n"), line(A, b"\r\n")),  # BOM removed, CRLF kept
        (b"\r\n", b""),  # blank line
        (line(B, b"\r\n", spaced=False), None),  # kept as is (None: same bytes)
        (line(A_REORDERED, b"\n"), b""),  # a duplicate of line 1, keys reordered
        (b"{'messages': [1, 2]}\n", None),  # not JSON: left alone
        (b" \t \n", b""),  # whitespace only
        (b"\xff\xfe not utf-8\n", None),  # not UTF-8: left alone
        (line(C, b"\n"), None),
        (line(B, b"", spaced=False), b""),  # duplicate, last line, no final newline
    ]
    before = b"".join(old for old, _ in parts)
    after = b"".join(old if new is None else new for old, new in parts)
    return before, after


def test_fix_changes_only_what_it_fixes(tmp_path):
    before, expected = fixable_file()
    path = tmp_path / "train.jsonl"
    path.write_bytes(before)
    path.chmod(0o640)
    result = run_cli("check", "--fix", "--ignore", "FT006", "--output-format", "concise", str(path))
    assert path.read_bytes() == expected
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "fixed 5 problems in 1 file" in result.out  # BOM, 2 blank lines, 2 duplicates
    # what remains is reported, with the lines of the fixed file, and decides the exit code
    remaining = [text.split(": ")[:2] for text in result.out.splitlines() if ": FT" in text]
    assert [(where, what.split()[0]) for where, what in remaining] == [(f"{path}:3", "FT001"), (f"{path}:4", "FT003")]
    assert result.code == 1
    assert sorted(os.listdir(tmp_path)) == ["train.jsonl"]  # no temporary file left


def test_fix_is_idempotent_and_a_clean_file_is_not_rewritten(tmp_path):
    before, expected = fixable_file()
    path = tmp_path / "train.jsonl"
    path.write_bytes(before)
    run_cli("check", "--fix", str(path))
    inode = path.stat().st_ino
    result = run_cli("check", "--fix", str(path))
    assert path.read_bytes() == expected and path.stat().st_ino == inode
    assert "fixed" not in result.out


def test_fix_through_a_symbolic_link_keeps_the_link(tmp_path):
    before, expected = fixable_file()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "real.jsonl").write_bytes(before)
    (tmp_path / "train.jsonl").symlink_to(tmp_path / "data" / "real.jsonl")
    run_cli("check", "--fix", str(tmp_path / "train.jsonl"))
    assert (tmp_path / "train.jsonl").is_symlink()
    assert (tmp_path / "data" / "real.jsonl").read_bytes() == expected


def test_fix_respects_the_rule_selection(tmp_path):
    before, _ = fixable_file()
    path = tmp_path / "train.jsonl"
    path.write_bytes(before)
    run_cli("check", "--fix", "--ignore", "FT401,FT010", str(path))
    assert path.read_bytes() == before.replace(b"\r\n\r\n", b"\r\n", 1).replace(b" \t \n", b"")


def test_diff_shows_the_fix_without_writing(tmp_path):
    before, expected = fixable_file()
    path = tmp_path / "train.jsonl"
    path.write_bytes(before)
    result = run_cli("check", "--diff", str(path))
    assert path.read_bytes() == before
    assert result.code == 1
    assert "Would fix 5 problems in 1 file." in result.err
    # the same diff as difflib's, an independent implementation (the last line has no newline)
    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = expected.decode("utf-8", errors="replace").splitlines(keepends=True)
    reference = "".join(difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"))
    assert result.out == reference.replace("\n-" + old[-1], "\n-" + old[-1] + "\n\\ No newline at end of file\n")


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs patch(1)")
def test_diff_applies_with_patch(tmp_path):
    others = [line(chat(f"Question {i}?", f"Answer {i}.")) for i in range(10)]
    # changes at lines 3 and 5 share a hunk; line 13 is more than 6 lines further: its own
    before = line(A) + line(B) + line(A) + line(C) + line(B) + b"".join(others[:7]) + b"\n" + b"".join(others[7:])
    path = tmp_path / "train.jsonl"
    path.write_bytes(before)
    diff = run_cli("check", "--diff", "train.jsonl", cwd=tmp_path).out
    assert diff.count("@@ -") == 2
    subprocess.run(["patch", "-p1", "-s"], input=diff.encode(), cwd=tmp_path, check=True)
    assert path.read_bytes() == line(A) + line(B) + line(C) + b"".join(others)


def test_diff_of_a_clean_file_is_empty_with_exit_0(tmp_path):
    (tmp_path / "train.jsonl").write_bytes(line(A) + line(B))
    result = run_cli("check", "--diff", "train.jsonl", cwd=tmp_path)
    assert (result.code, result.out) == (0, "")


def test_unsafe_fixes_strip_and_reserialise_only_those_records(tmp_path):
    padded_spaced = chat("  Bonjour ", "Salut.\n\n")
    padded_compact = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": " hi "}]},
            {"role": "assistant", "content": "yo", "weight": 1},
        ],
        "n": 123456789012345678901234567890,
    }
    path = tmp_path / "train.jsonl"
    escaped = json.dumps(chat("é ", "ok")).encode()  # \u00e9 escapes: the line's own style
    path.write_bytes(line(padded_spaced, b"\r\n") + line(B) + line(padded_compact, spaced=False) + escaped + b"\n")

    safe_only = run_cli("check", "--fix", str(path))
    assert "4 more fixes available with --unsafe-fixes" in safe_only.out  # and none applied
    assert b"  Bonjour " in path.read_bytes()

    run_cli("check", "--fix", "--unsafe-fixes", str(path))
    stripped_compact = json.loads(json.dumps(padded_compact))
    stripped_compact["messages"][0]["content"][0]["text"] = "hi"
    assert path.read_bytes() == (
        line(chat("Bonjour", "Salut."), b"\r\n")
        + line(B)
        + line(stripped_compact, spaced=False)
        + json.dumps(chat("é", "ok")).encode()
        + b"\n"
    )
    assert b"123456789012345678901234567890" in path.read_bytes()  # big integers survive exactly


def test_records_with_duplicate_keys_are_neither_deduplicated_nor_reserialised(tmp_path):
    ambiguous = (
        b'{"messages": [{"role": "user", "content": " a "}, {"role": "assistant", "content": "b"}], '
        b'"messages": [{"role": "user", "content": " a "}, {"role": "assistant", "content": "b"}]}\n'
    )
    before = ambiguous + ambiguous.replace(b', "messages"', b', "messages" ', 1) + line(chat(" a ", "b"))
    path = tmp_path / "train.jsonl"
    path.write_bytes(before)
    result = run_cli("check", "--fix", "--unsafe-fixes", "--output-format", "concise", str(path))
    assert path.read_bytes() == before.replace(line(chat(" a ", "b")), line(chat("a", "b")))
    assert f"{path}:2: FT401" in result.out and f"{path}:1: FT008" in result.out


def test_in_a_json_array_file_only_the_byte_order_mark_is_removed(tmp_path):
    body = b"[\n" + line(A).rstrip() + b",\n\n" + line(A).rstrip() + b"\n]\n"
    path = tmp_path / "train.json"
    path.write_bytes(BOM + body)
    run_cli("check", "--fix", str(path))
    assert path.read_bytes() == body


def test_stale_edits_are_checked_against_the_bytes_they_change(tmp_path):
    """Edits computed from an older version of the file: only those still true apply."""
    path = tmp_path / "train.jsonl"
    path.write_bytes(line(A) + line(C) + line(B) + b"\n" + line(B))
    stale = {
        2: [DeleteDuplicate(1)],  # line 2 is no longer a copy of line 1
        4: [DeleteBlankLine()],  # still blank
        5: [DeleteDuplicate(3), StripText("/messages/0/content")],  # still a copy; nothing to strip
    }
    assert _rewrite(path, stale) == 2
    assert path.read_bytes() == line(A) + line(C) + line(B)


def test_a_file_changed_by_someone_else_during_the_fix_is_left_to_them(tmp_path, monkeypatch):
    path = tmp_path / "train.jsonl"
    path.write_bytes(line(A) + b"\n" + line(B))
    theirs = line(C) + b"\n\n"
    real_fsync = os.fsync

    def edited_meanwhile(descriptor):
        if path.read_bytes() != theirs:
            path.write_bytes(theirs)  # an editor saves after we read, before we rename
        real_fsync(descriptor)

    monkeypatch.setattr(fixer.os, "fsync", edited_meanwhile)
    assert _rewrite(path, {2: [DeleteBlankLine()]}) == 0
    assert path.read_bytes() == theirs
    assert sorted(os.listdir(tmp_path)) == ["train.jsonl"]


def test_a_folder_that_cannot_be_written_is_one_line_error(tmp_path, monkeypatch):
    path = tmp_path / "train.jsonl"
    path.write_bytes(line(A) + b"\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(inplace.tempfile, "mkstemp", refuse)  # tempfile's own: the record cache would note it too
    result = run_cli("check", "--fix", "--no-cache", str(path))
    assert result.code == 2 and result.err.count("\n") == 1 and "cannot write the fixed file" in result.err
    assert path.read_bytes() == line(A) + b"\n"


def test_rules_say_whether_their_fix_is_safe():
    listing = run_cli("rules").out
    assert [line.split()[0] for line in listing.splitlines() if " fix " in line] == ["FT004", "FT010", "FT401"]
    assert [line.split()[0] for line in listing.splitlines() if " fix* " in line] == ["FT202"]
    assert "Fixable: yes, with --unsafe-fixes" in run_cli("rule", "FT202").out
