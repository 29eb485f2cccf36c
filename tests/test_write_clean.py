"""--write-clean OUT: the records that passed, byte for byte, in their order; the rest left out."""

from __future__ import annotations

import json
import os

import pytest

from support import chat, chat_line, run_cli

RULES = ("--select", "FT0,FT1,FT2,FT4", "--ignore", "FT006")  # record rules, without the model's limits


def clean(tmp_path, data, *args):
    out = tmp_path / "clean.out"
    result = run_cli("check", str(data), "--write-clean", str(out), *RULES, *args)
    return result, out


def test_a_clean_file_is_copied_byte_for_byte(tmp_path):
    data = tmp_path / "train.jsonl"
    content = (
        b"\xef\xbb\xbf" + chat_line("Caf\u00e9 ?", "Oui \u2014 \u00e9t\u00e9 \U0001f600") + b"\r\n"
        b'{"messages": [{"role": "user", "content": "\\u00e9"}, {"role": "assistant", "content": "ok"}]}\r\n'
        + chat_line("last", "line without an ending")
    )
    data.write_bytes(content)

    result, out = clean(tmp_path, data, "--fail-on", "warning")

    assert result.code == 0, result.out
    assert out.read_bytes() == content
    assert "wrote 3 of 3 records" in result.err


def test_failing_records_and_lines_that_are_no_records_are_left_out_the_rest_is_unchanged(tmp_path):
    kept = [
        b"\xef\xbb\xbf" + chat_line("first", "\u00e9t\u00e9") + b"\r\n",
        chat_line("second", "fine") + b"\n",
        chat_line("\u4f60\u597d", "\u518d\u89c1") + b"\r\n",
    ]
    data = tmp_path / "train.jsonl"
    data.write_bytes(
        kept[0]
        + b"\r\n"  # blank: FT004
        + json.dumps(chat("empty", "")).encode() + b"\n"  # FT201
        + kept[1]
        + b"{'messages': []}\n"  # not JSON: FT001
        + kept[2]
        + b"   \n"
        + chat_line("second", "fine") + b"\n"  # a later copy: FT401
    )  # fmt: skip

    result, out = clean(tmp_path, data)

    assert result.code == 1
    assert out.read_bytes() == b"".join(kept)
    assert "wrote 3 of 5 records of " in result.err and "(2 left out: findings at or above warning)" in result.err


def test_only_findings_at_the_failing_severity_leave_a_record_out(tmp_path):
    data = tmp_path / "train.jsonl"
    with_warning = json.dumps(chat("Hi", "Hello <br> there")).encode() + b"\n"  # FT208, a warning
    with_error = json.dumps(chat("Hi", "")).encode() + b"\n"
    data.write_bytes(with_warning + with_error)

    result, out = clean(tmp_path, data, "--fail-on", "error")

    assert result.code == 1
    assert out.read_bytes() == with_warning


def test_a_duplicate_leaves_out_the_later_copy_only(tmp_path):
    first, other = chat_line("a", "b") + b"\n", chat_line("c", "d") + b"\n"
    data = tmp_path / "train.jsonl"
    data.write_bytes(first + other + first)

    result, out = clean(tmp_path, data)

    assert result.code == 1
    assert out.read_bytes() == first + other


def test_findings_about_the_whole_file_leave_every_record_in_and_are_named(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_bytes(chat_line("a", "b") + b"\n" + chat_line("c", "d") + b"\n")
    out = tmp_path / "clean.jsonl"

    result = run_cli("check", str(data), "--write-clean", str(out), "--select", "FT006")

    assert result.code == 1  # 2 examples: fewer than the provider takes
    assert out.read_bytes() == data.read_bytes()
    assert "FT006 (about the whole file) may apply to it too" in result.err


def test_a_byte_order_mark_is_kept_unless_its_finding_fails(tmp_path):
    line = chat_line("a", "b") + b"\n"
    data = tmp_path / "train.jsonl"
    data.write_bytes(b"\xef\xbb\xbf" + line)

    kept, out = clean(tmp_path, data, "--fail-on", "warning")
    with_bom = out.read_bytes()
    failing, out = clean(tmp_path, data, "--fail-on", "info")

    assert (kept.code, with_bom) == (0, b"\xef\xbb\xbf" + line)
    assert (failing.code, out.read_bytes()) == (1, line)  # FT010 is about those three bytes, not the record


def test_a_file_whose_every_line_fails_one_way_gives_an_empty_copy(tmp_path):
    data = tmp_path / "train.jsonl"
    lines = [
        {"messages": [{"role": "user", "content": f"q{n}", "id": n}, {"role": "assistant", "content": "a"}]}
        for n in range(12)
    ]  # an unknown key (FT102) in every record
    data.write_bytes(b"".join(json.dumps(line).encode() + b"\n" for line in lines))

    result, out = clean(tmp_path, data)

    assert "every line of the file" in result.out  # one finding stands for the twelve
    assert out.read_bytes() == b""
    assert "wrote 0 of 12 records" in result.err


def test_a_json_array_gives_an_array_of_the_records_that_passed_as_written(tmp_path):
    good = (
        '{\r\n    "messages": [{"role": "user", "content": "caf\\u00e9"},'
        '\r\n {"role": "assistant", "content": "ok"}]\r\n  }'
    )
    other = json.dumps(chat("x", "y"))
    data = tmp_path / "train.json"
    data.write_bytes(f"[\r\n  {good},\r\n  {json.dumps(chat('Hi', ''))},\r\n  {other}\r\n]\r\n".encode())

    result, out = clean(tmp_path, data)

    assert result.code == 1
    assert out.read_bytes() == f"[\r\n{good},\r\n{other}\r\n]\r\n".encode()
    assert json.loads(out.read_bytes()) == [json.loads(good), json.loads(other)]


def test_a_json_array_with_nothing_that_passed_gives_an_empty_array(tmp_path):
    data = tmp_path / "train.json"
    data.write_text(json.dumps([chat("Hi", "")]))

    _, out = clean(tmp_path, data)

    assert out.read_bytes() == b"[]\n"


def test_the_copy_replaces_an_earlier_one_and_leaves_no_temporary_file(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_bytes(chat_line("a", "b") + b"\n")
    (tmp_path / "clean.out").write_bytes(b"old and longer than the new copy\n" * 10)

    _, out = clean(tmp_path, data)

    assert out.read_bytes() == data.read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clean.out", "train.jsonl"]
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_the_copy_never_replaces_an_input(tmp_path):
    data = tmp_path / "train.jsonl"
    content = chat_line("a", "") + b"\n"
    data.write_bytes(content)
    (tmp_path / "link.jsonl").symlink_to(data)

    for target in ("train.jsonl", "link.jsonl"):
        result = run_cli("check", "train.jsonl", "--write-clean", target, cwd=tmp_path)
        assert result.code == 2
        assert result.err == (
            f"ft-lint: error: {target}: the clean copy would overwrite an input (train.jsonl);"
            " write it to another file\n"
        )
    assert data.read_bytes() == content


def test_the_copy_and_the_report_cannot_share_a_file(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_bytes(chat_line("a", "b") + b"\n")

    result = run_cli("check", str(data), "-o", str(tmp_path / "x"), "--write-clean", str(tmp_path / "x"))

    assert result.code == 2
    assert "named by both -o and --write-clean" in result.err
    assert not (tmp_path / "x").exists() or (tmp_path / "x").read_bytes() == b""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["second.jsonl"], "--write-clean copies one data file; the paths hold 2 (train.jsonl, second.jsonl)"),
        (["--diff"], "--write-clean does not go with --diff"),
    ],
)
def test_usage_errors(tmp_path, extra, message):
    for name in ("train.jsonl", "second.jsonl"):
        (tmp_path / name).write_bytes(chat_line("a", "b") + b"\n")

    result = run_cli("check", "train.jsonl", "--write-clean", "out.jsonl", *extra, cwd=tmp_path)

    assert result.code == 2
    assert message in result.err
    assert not (tmp_path / "out.jsonl").exists()


def test_the_validation_file_is_linted_and_the_training_file_copied(tmp_path):
    train, valid = tmp_path / "train.jsonl", tmp_path / "valid.jsonl"
    train.write_bytes(chat_line("a", "b") + b"\n" + chat_line("c", "d") + b"\n")
    valid.write_bytes(chat_line("a", "b") + b"\n")  # a leak: reported in the validation file

    result = run_cli(
        "check", "train.jsonl", "--validation", "valid.jsonl", "--write-clean", "out.jsonl", *RULES, cwd=tmp_path
    )

    assert result.code == 1 and "FT404" in result.out
    assert (tmp_path / "out.jsonl").read_bytes() == train.read_bytes()


def test_a_folder_that_cannot_be_written_fails_before_the_lint(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_bytes(chat_line("a", "b") + b"\n")
    target = tmp_path / "missing" / "out.jsonl"

    result = run_cli("check", str(data), "--write-clean", str(target))

    assert result.code == 2
    assert result.err == f"ft-lint: error: {target}: cannot write the clean copy: No such file or directory\n"
    assert result.out == ""  # nothing was linted
