"""Hostile input: each case gives findings, or one clear line and exit code 2; never a
traceback, never a hang."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ft_lint import reader, scanning, session
from support import chat, run_cli

GOOD = json.dumps(chat())


def check(path: Path, *options: str):
    # the model's limits (FT006 too few examples, FT3xx) are not what these tests are about
    result = run_cli("check", "--output-format", "json", "--ignore", "FT006,FT3", *options, str(path))
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    return result


def findings(path: Path, *options: str) -> list[dict]:
    result = check(path, *options)
    assert result.code in (0, 1), result.err
    return json.loads(result.out)


def codes_at(path: Path) -> list[tuple[str, int]]:
    return [(f["code"], f["line"]) for f in findings(path)]


def one_line_error(result, *words: str) -> None:
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ft-lint: error: "), result.err
    for word in words:
        assert word in lines[0]


def test_empty_file_is_a_finding(tmp_path):
    (tmp_path / "train.jsonl").write_bytes(b"")
    result = run_cli("check", "--output-format", "json", str(tmp_path / "train.jsonl"))
    assert result.code == 1
    [finding] = json.loads(result.out)
    assert (finding["code"], finding["line"]) == ("FT006", 1) and "0 examples" in finding["message"]


def test_nesting_200000_levels_deep(tmp_path):
    deep = "[" * 200_000 + "]" * 200_000
    (tmp_path / "train.jsonl").write_text(GOOD + "\n" + '{"messages": ' + deep + "}\n" + GOOD + "\n")
    (tmp_path / "train.json").write_text("[" + GOOD + ",\n" + deep + "]\n")
    assert [f for f in codes_at(tmp_path / "train.jsonl") if f[0] == "FT001"] == [("FT001", 2)]
    assert [f for f in codes_at(tmp_path / "train.json") if f[0] == "FT001"] == [("FT001", 2)]


def test_nesting_that_parses_but_is_too_deep_to_check(tmp_path):
    """orjson parses 1,024 levels; validating and serialising break near 200: the reader stops at 128."""

    def nested(depth: int) -> str:  # a record `depth` levels deep, in a place every rule reads
        return (
            '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok", "x": '
            + "[" * (depth - 3)
            + "]" * (depth - 3)
            + "}]}"
        )

    schema = '{"type": "object", "properties": {"a": ' * 120 + "{}" + "}}" * 120
    deep_tool = (
        '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}], '
        '"tools": [{"type": "function", "function": {"name": "f", "parameters": ' + schema + "}}]}"
    )
    (tmp_path / "train.jsonl").write_text("\n".join([nested(128), nested(129), nested(1000), deep_tool]) + "\n")
    found = [f for f in findings(tmp_path / "train.jsonl") if f["code"] == "FT001"]
    assert [f["line"] for f in found] == [2, 3, 4]
    assert all("deeper than 128 levels" in f["message"] for f in found)


def test_nan_and_infinity_are_invalid_json_with_a_hint(tmp_path):
    (tmp_path / "train.jsonl").write_text('{"messages": [], "w": NaN}\n{"x": -Infinity}\n')
    (tmp_path / "train.json").write_text('[{"messages": [], "w": NaN}]\n')  # the json module would accept it
    for path, expected in ((tmp_path / "train.jsonl", [1, 2]), (tmp_path / "train.json", [1])):
        found = [f for f in findings(path) if f["code"] == "FT001"]
        assert [f["line"] for f in found] == expected
        assert all("NaN and Infinity are not JSON numbers" in f["message"] for f in found)


def test_duplicate_keys_name_the_key_line_and_place(tmp_path):
    (tmp_path / "train.jsonl").write_text(
        GOOD + "\n"
        '{"messages": [{"role": "user", "content": "draft", "content": "final"}, '
        '{"role": "assistant", "content": "ok"}]}\n'
        '{"messages": [{"role": "user", "content": "a"}], '
        '"messages" : [{"role": "user", "content": "b"}, {"role": "assistant", "content": "c"}]}\n'
        '{"messages": [{"role": "user", "content": "say \\"content\\": twice"}, '
        '{"role": "assistant", "content": "\\"a\\":\\"b\\":"}]}\n'
    )
    found = [f for f in findings(tmp_path / "train.jsonl") if f["code"] == "FT008"]
    assert [(f["line"], f["pointer"]) for f in found] == [(2, "/messages/0/content"), (3, "/messages")]
    assert "'content' appears 2 times in the object at /messages/0" in found[0]["message"]
    assert "'messages' appears 2 times in the record" in found[1]["message"]


def test_duplicate_keys_in_a_json_array_file(tmp_path):
    (tmp_path / "train.json").write_text("[\n" + GOOD + ',\n{"a": 1, "a": 2}\n]\n')
    assert [(f["line"], f["pointer"]) for f in findings(tmp_path / "train.json") if f["code"] == "FT008"] == [(3, "/a")]


def test_lone_surrogate_escapes_are_an_encoding_problem(tmp_path):
    bad = '{"messages": [{"role": "user", "content": "x\\ud800"}, {"role": "assistant", "content": "ok"}]}'
    (tmp_path / "train.jsonl").write_text(GOOD + "\n" + bad + "\n")
    (tmp_path / "train.json").write_text("[" + GOOD + ",\n" + bad + "]")
    for path in (tmp_path / "train.jsonl", tmp_path / "train.json"):
        found = findings(path)
        assert [(f["code"], f["line"]) for f in found] == [("FT003", 2)]
        assert "lone surrogate" in found[0]["message"] and "Python dict" not in found[0]["message"]


def test_nul_bytes(tmp_path):
    (tmp_path / "train.jsonl").write_bytes(
        GOOD.encode() + b"\n" + GOOD[:30].encode() + b"\x00" + GOOD[30:].encode() + b"\n\x00\x00\x00\n"
    )
    found = findings(tmp_path / "train.jsonl")
    assert [(f["code"], f["line"]) for f in found] == [("FT001", 2), ("FT001", 3)]
    assert "NUL byte at column 31" in found[0]["message"]


def test_gzip_file_named_jsonl(tmp_path):
    (tmp_path / "train.jsonl").write_bytes(gzip.compress((GOOD + "\n").encode()))
    found = findings(tmp_path / "train.jsonl")
    assert [(f["code"], f["line"]) for f in found] == [("FT003", 1)] and "gzip" in found[0]["message"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_byte_order_mark(tmp_path, encoding):
    (tmp_path / "train.jsonl").write_bytes((GOOD + "\n" + GOOD + "\n").encode(encoding))
    found = findings(tmp_path / "train.jsonl")
    assert [(f["code"], f["line"]) for f in found] == [("FT003", 1)] and "UTF-16" in found[0]["message"]


def test_utf8_byte_order_mark_is_read_and_reported_as_info(tmp_path):
    (tmp_path / "train.jsonl").write_bytes(b"\xef\xbb\xbf" + (GOOD + "\n").encode())
    result = check(tmp_path / "train.jsonl")
    assert [(f["code"], f["severity"]) for f in json.loads(result.out)] == [("FT010", "info")]
    assert result.code == 0  # info does not fail the default run


def test_a_directory_named_like_a_data_file(tmp_path):
    (tmp_path / "train.jsonl").mkdir()
    one_line_error(run_cli("check", str(tmp_path / "train.jsonl")), "train.jsonl", "is a directory")


def test_broken_symbolic_link(tmp_path):
    (tmp_path / "train.jsonl").symlink_to(tmp_path / "gone.jsonl")
    one_line_error(run_cli("check", str(tmp_path / "train.jsonl")), "train.jsonl", "broken symbolic link")


def test_file_that_disappears_between_listing_and_reading(tmp_path, monkeypatch):
    (tmp_path / "train.jsonl").write_text(GOOD + "\n")
    listed = session.collect_files

    def list_then_delete(paths, own=()):
        files = listed(paths, own)
        (tmp_path / "train.jsonl").unlink()
        return files

    monkeypatch.setattr(session, "collect_files", list_then_delete)
    one_line_error(run_cli("check", str(tmp_path)), "train.jsonl")


def test_file_that_disappears_while_being_read(tmp_path, monkeypatch):
    (tmp_path / "train.jsonl").write_text(GOOD + "\n")
    read_blocks = scanning.read_blocks

    def read_then_delete(path, byte_range):
        yield from read_blocks(path, byte_range)
        path.unlink()

    monkeypatch.setattr(scanning, "read_blocks", read_then_delete)
    one_line_error(run_cli("check", str(tmp_path / "train.jsonl")), "train.jsonl", "disappeared")


def test_unreadable_file(tmp_path, monkeypatch):
    # tests run as root, which reads a chmod 000 file anyway: refuse the open instead
    (tmp_path / "train.jsonl").write_text(GOOD + "\n")
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if Path(path).name == "train.jsonl":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    one_line_error(run_cli("check", str(tmp_path / "train.jsonl")), "train.jsonl", "Permission denied")


def test_io_error_in_the_middle_of_reading(tmp_path, monkeypatch):
    (tmp_path / "train.jsonl").write_text((GOOD + "\n") * 3)
    real_open = reader.open_data_file

    class FailingReads:
        def __init__(self, handle):
            self.handle = handle
            self.lines = 0

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def readline(self, *args):
            self.lines += 1
            if self.lines > 1:
                raise OSError(5, "Input/output error")
            return self.handle.readline(*args)

    monkeypatch.setattr(
        reader,
        "open_data_file",
        lambda path, *a, **k: (
            FailingReads(real_open(path, *a, **k)) if path.name == "train.jsonl" else real_open(path, *a, **k)
        ),
    )
    one_line_error(run_cli("check", str(tmp_path / "train.jsonl")), "train.jsonl", "Input/output error")


@pytest.mark.slow
def test_a_60_mb_single_line_finishes(tmp_path):
    """In a child process with a time limit: a hang fails the test instead of the suite."""
    record = chat("Summarise this: " + "lorem ipsum dolor sit amet " * 2_300_000 + "end", "It repeats.")
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps(record) + "\n" + '{"messages": "' + "x" * 1000 + "\n")
    assert path.stat().st_size > 60_000_000
    done = subprocess.run(
        [sys.executable, "-m", "ft_lint", "check", "--output-format", "json", "--ignore", "FT006,FT3", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert [(f["code"], f["line"]) for f in json.loads(done.stdout)] == [("FT001", 2)]
