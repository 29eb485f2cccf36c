"""FT0xx: reading the file (FT005 and FT006 are tested with the model table)."""

from __future__ import annotations

import gzip

from samples import CHAT, CHAT_MULTI_TURN, NO_FORMAT, PREFERENCE, PROMPT_COMPLETION
from support import codes, lint_paths, of, where

# FT001 invalid-json


def test_invalid_json_is_flagged_at_its_line_and_reading_goes_on(lint_records):
    findings = lint_records(CHAT, '{"messages": [', CHAT_MULTI_TURN, "not json at all")
    assert where(findings, "FT001") == [(2, ""), (4, "")]
    assert codes(findings) == {"FT001"}


def test_invalid_json_message_gives_the_column(lint_records):
    [finding] = of(lint_records('{"messages": [}'), "FT001")
    assert "column 15" in finding.message


def test_python_dict_gets_the_json_dumps_hint(lint_records):
    [finding] = of(lint_records("{'messages': [{'role': 'user', 'content': 'hi', 'ok': True}]}"), "FT001")
    assert "Python dict" in finding.message and "json.dumps" in finding.message


def test_broken_json_gets_no_python_hint(lint_records):
    [finding] = of(lint_records('{"messages": [{"role": "user"'), "FT001")
    assert "Python" not in finding.message


def test_nan_gets_its_own_hint(lint_records):
    [finding] = of(lint_records('{"prompt": "a", "completion": "b", "score": NaN}'), "FT001")
    assert "NaN" in finding.message


def test_valid_json_is_not_invalid_json(lint_records):
    assert not of(lint_records(CHAT, PREFERENCE, PROMPT_COMPLETION, '{"a": 1}'), "FT001")


# FT002 not-an-object


def test_values_that_are_not_objects_are_flagged(lint_records):
    findings = lint_records("[1, 2, 3]", CHAT, '"a string"', "42", "null", "true")
    assert where(findings, "FT002") == [(1, ""), (3, ""), (4, ""), (5, ""), (6, "")]
    messages = [f.message for f in of(findings, "FT002")]
    assert messages == [
        f"line holds {kind}, not a JSON object" for kind in ("an array", "a string", "a number", "null", "a boolean")
    ]


def test_objects_are_not_flagged_as_not_objects(lint_records):
    assert not of(lint_records(CHAT, NO_FORMAT, {}), "FT002")


# FT003 invalid-encoding


def test_invalid_utf8_is_flagged_with_line_and_column(lint_records):
    findings = lint_records(CHAT, b'{"prompt": "caf\xe9", "completion": "x"}', CHAT)
    assert where(findings, "FT003") == [(2, "")]
    assert "0xe9" in of(findings, "FT003")[0].message and "column 16" in of(findings, "FT003")[0].message
    assert codes(findings) == {"FT003", "FT401"}  # line 3 repeats line 1; nothing else


def test_gzip_file_is_one_encoding_finding(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(gzip.compress(b'{"prompt": "a", "completion": "b"}\n'))
    findings = lint_paths([path])
    assert where(findings, "FT003") == [(1, "")]
    assert "gzip" in findings[0].message and len(findings) == 1


def test_utf16_file_is_one_encoding_finding(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes('{"prompt": "a", "completion": "b"}\n'.encode("utf-16"))
    [finding] = lint_paths([path])
    assert (finding.code, finding.line) == ("FT003", 1) and "UTF-16" in finding.message


def test_non_ascii_utf8_is_not_an_encoding_problem(lint_records):
    assert not of(
        lint_records(b'{"prompt": "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "completion": " ok"}'), "FT003"
    )


# FT004 blank-line


def test_blank_and_whitespace_lines_are_flagged(lint_records):
    findings = lint_records(CHAT, "", "   \t", CHAT_MULTI_TURN, "")
    assert where(findings, "FT004") == [(2, ""), (3, ""), (5, "")]
    assert all(f.fix for f in of(findings, "FT004"))


def test_no_blank_line_finding_for_the_final_newline(lint_records):
    assert not of(lint_records(CHAT, CHAT_MULTI_TURN), "FT004")


# FT007 mixed-formats


def test_mixed_formats_is_flagged_at_the_first_stray_record(lint_records):
    findings = lint_records(CHAT, CHAT_MULTI_TURN, PROMPT_COMPLETION, CHAT, PREFERENCE)
    [finding] = of(findings, "FT007")
    assert (finding.line, finding.pointer) == (3, "")
    assert "openai-chat (3 records: lines 1, 2, 4)" in finding.message
    assert "openai-prompt-completion (1 records: lines 3)" in finding.message


def test_one_format_is_not_mixed(lint_records):
    assert not of(lint_records(CHAT, CHAT_MULTI_TURN, CHAT), "FT007")
    assert not of(lint_records(PREFERENCE, PREFERENCE), "FT007")


def test_unrecognised_records_do_not_make_a_file_mixed(lint_records):
    assert not of(lint_records(CHAT, NO_FORMAT, CHAT_MULTI_TURN), "FT007")
