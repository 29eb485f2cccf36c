"""The streaming reader on hostile input: every problem is an entry at its line, and reading goes on."""

from __future__ import annotations

import gzip
import json

import pytest

from ft_lint.reader import Kind, UnreadableFile, WholeFileProblem, read_entries

RECORD = b'{"prompt": "a", "completion": "b"}'


def entries(tmp_path, data: bytes, name: str = "data.jsonl") -> list[tuple[int, Kind]]:
    path = tmp_path / name
    path.write_bytes(data)
    return [(entry.line, entry.kind) for entry in read_entries(path)]


def read(tmp_path, data: bytes, name: str = "data.jsonl"):
    path = tmp_path / name
    path.write_bytes(data)
    return list(read_entries(path))


def test_plain_jsonl_gives_one_record_per_line(tmp_path):
    [first, second] = read(tmp_path, RECORD + b"\n" + b'{"x": [1, 2]}\n')
    assert (first.line, first.kind, first.raw, first.value) == (
        1,
        Kind.RECORD,
        RECORD,
        {"prompt": "a", "completion": "b"},
    )
    assert (second.line, second.value) == (2, {"x": [1, 2]})


def test_bom_is_accepted(tmp_path):
    [entry] = read(tmp_path, b"\xef\xbb\xbf" + RECORD + b"\n")
    assert (entry.kind, entry.raw) == (Kind.RECORD, RECORD)


def test_crlf_line_ends_are_accepted(tmp_path):
    found = read(tmp_path, RECORD + b"\r\n" + RECORD + b"\r\n")
    assert [(e.line, e.kind, e.raw) for e in found] == [(1, Kind.RECORD, RECORD), (2, Kind.RECORD, RECORD)]


def test_bom_and_crlf_together_are_accepted(tmp_path):
    assert entries(tmp_path, b"\xef\xbb\xbf" + RECORD + b"\r\n" + RECORD + b"\r\n") == [
        (1, Kind.RECORD),
        (2, Kind.RECORD),
    ]


def test_missing_final_newline_is_accepted(tmp_path):
    assert entries(tmp_path, RECORD + b"\n" + RECORD) == [(1, Kind.RECORD), (2, Kind.RECORD)]


def test_invalid_utf8_is_an_entry_with_line_and_column_and_reading_goes_on(tmp_path):
    found = read(tmp_path, RECORD + b'\n{"prompt": "caf\xe9", "completion": "b"}\n' + RECORD + b"\n")
    assert [(e.line, e.kind) for e in found] == [(1, Kind.RECORD), (2, Kind.BAD_ENCODING), (3, Kind.RECORD)]
    assert found[1].detail == "byte 0xe9 at column 16 is not valid UTF-8"


def test_blank_lines_are_entries_and_reading_goes_on(tmp_path):
    assert entries(tmp_path, RECORD + b"\n\n  \t\n" + RECORD + b"\n\n") == [
        (1, Kind.RECORD),
        (2, Kind.BLANK),
        (3, Kind.BLANK),
        (4, Kind.RECORD),
        (5, Kind.BLANK),
    ]


def test_non_json_line_is_an_entry_and_reading_goes_on(tmp_path):
    found = read(tmp_path, b"hello\n" + RECORD + b"\n")
    assert [(e.line, e.kind) for e in found] == [(1, Kind.BAD_JSON), (2, Kind.RECORD)]
    assert "column 1" in found[0].detail and "Python" not in found[0].detail


def test_python_dict_gets_a_hint(tmp_path):
    [entry] = read(tmp_path, b"{'prompt': 'a', 'completion': None}\n")
    assert entry.kind is Kind.BAD_JSON
    assert "looks like a Python dict" in entry.detail and "json.dumps()" in entry.detail


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (b'{"prompt": "\\ud800", "completion": "x"}', Kind.BAD_ENCODING),
        (b'{"prompt": "a", "completion": "b", "n": 1e400}', Kind.BAD_JSON),
    ],
)
def test_json_that_orjson_refuses_gets_no_python_hint(tmp_path, line, kind):
    [entry] = read(tmp_path, line + b"\n")  # a lone surrogate is no character: an encoding problem
    assert entry.kind is kind and "Python" not in entry.detail


def test_bom_in_the_middle_of_a_file_gets_a_hint(tmp_path):
    found = read(tmp_path, RECORD + b"\n\xef\xbb\xbf" + RECORD + b"\n")
    assert [(e.line, e.kind) for e in found] == [(1, Kind.RECORD), (2, Kind.BAD_JSON)]
    assert "byte order mark" in found[1].detail


def test_values_that_are_not_objects_are_entries_and_reading_goes_on(tmp_path):
    found = read(tmp_path, b'[1]\n"s"\n3\nnull\n' + RECORD + b"\n")
    assert [(e.line, e.kind) for e in found] == [
        (1, Kind.NOT_OBJECT),
        (2, Kind.NOT_OBJECT),
        (3, Kind.NOT_OBJECT),
        (4, Kind.NOT_OBJECT),
        (5, Kind.RECORD),
    ]
    assert [e.value for e in found[:4]] == [[1], "s", 3, None]


def test_every_kind_of_problem_in_one_file_is_reported(tmp_path):
    data = b"\n".join([RECORD, b"", b"{'a': 1}", b"\xff\xfe", b"[]", b"{bad", RECORD]) + b"\n"
    assert [kind for _, kind in entries(tmp_path, data)] == [
        Kind.RECORD,
        Kind.BLANK,
        Kind.BAD_JSON,
        Kind.BAD_ENCODING,
        Kind.NOT_OBJECT,
        Kind.BAD_JSON,
        Kind.RECORD,
    ]


def test_deep_nesting_is_bad_json_not_a_crash(tmp_path):
    [entry] = read(tmp_path, b"[" * 100_000 + b"]" * 100_000 + b"\n")
    assert entry.kind is Kind.BAD_JSON


# JSON array files


def test_json_array_records_report_the_line_where_each_starts(tmp_path):
    records = [
        {"prompt": "a", "completion": "b"},
        {"prompt": "c\nd", "completion": "e"},
        {"prompt": "f", "completion": "g"},
    ]
    text = json.dumps(records, indent=2)
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line == "  {"]
    found = read(tmp_path, text.encode(), "data.json")
    assert [(e.line, e.kind, e.value) for e in found] == [
        (line, Kind.RECORD, record) for line, record in zip(starts, records, strict=True)
    ]
    assert json.loads(found[1].raw) == records[1]


def test_json_array_on_one_line_and_with_bom_and_crlf(tmp_path):
    data = b'\xef\xbb\xbf\r\n[{"a": 1}, {"b": 2},\r\n 7,\r\n{"c": 3}]\r\n'
    assert entries(tmp_path, data, "data.json") == [
        (2, Kind.RECORD),
        (2, Kind.RECORD),
        (3, Kind.NOT_OBJECT),
        (4, Kind.RECORD),
    ]


def test_empty_json_array_has_no_entries(tmp_path):
    assert entries(tmp_path, b"[ ]\n", "data.json") == []


def test_broken_json_array_reports_where_it_breaks(tmp_path):
    assert entries(tmp_path, b'[\n{"a": 1},\n{"b": }\n]\n', "data.json") == [(2, Kind.RECORD), (3, Kind.BAD_JSON)]


def test_json_array_missing_a_comma_or_its_end(tmp_path):
    assert entries(tmp_path, b'[\n{"a": 1}\n{"b": 2}\n]\n', "data.json") == [(2, Kind.RECORD), (3, Kind.BAD_JSON)]
    assert entries(tmp_path, b'[\n{"a": 1},\n{"b": 2}\n', "data.json") == [
        (2, Kind.RECORD),
        (3, Kind.RECORD),
        (4, Kind.BAD_JSON),
    ]


def test_json_array_with_a_trailing_comma_or_text_after_it(tmp_path):
    trailing = read(tmp_path, b'[\n{"a": 1},\n]\n', "data.json")
    assert [(e.line, e.kind) for e in trailing] == [(2, Kind.RECORD), (3, Kind.BAD_JSON)]
    assert "trailing comma" in trailing[1].detail
    after = read(tmp_path, b'[{"a": 1}]\n{"b": 2}\n', "data.json")
    assert [(e.line, e.kind) for e in after] == [(1, Kind.RECORD), (2, Kind.BAD_JSON)]


def test_json_array_with_invalid_utf8_names_its_line(tmp_path):
    [entry] = read(tmp_path, b'[\n{"a": 1},\n{"b": "\xe9"}\n]\n', "data.json")
    assert (entry.line, entry.kind) == (3, Kind.BAD_ENCODING) and "0xe9" in entry.detail


def test_json_file_holding_an_object_is_read_as_jsonl(tmp_path):
    assert entries(tmp_path, RECORD + b"\n", "data.json") == [(1, Kind.RECORD)]


# files that cannot be read as text at all


def test_gzip_and_utf16_are_whole_file_problems(tmp_path):
    with pytest.raises(WholeFileProblem, match="gzip"):
        read(tmp_path, gzip.compress(RECORD))
    with pytest.raises(WholeFileProblem, match="UTF-16"):
        read(tmp_path, RECORD.decode().encode("utf-16"))


def test_missing_file_and_directory_are_unreadable(tmp_path):
    with pytest.raises(UnreadableFile, match="is a directory"):
        list(read_entries(tmp_path))
    with pytest.raises(UnreadableFile, match="No such file"):
        list(read_entries(tmp_path / "missing.jsonl"))
