"""FT0xx: reading the file: encoding, JSON, objects, blank lines, size, count, formats."""

from __future__ import annotations

from collections.abc import Iterator

from ft_lint.edits import DeleteBlankLine, RemoveBom
from ft_lint.findings import Problem, Severity, json_type, places, pointer_of
from ft_lint.reader import MAX_RECORD_BYTES, Entry, Kind, duplicate_keys
from ft_lint.rules import EntryRule, FileRule, FileSummary


class InvalidJson(EntryRule):
    """A line that is not valid JSON, or a CSV or TSV row that is no record.

    Why: the provider rejects the whole file at upload for one unparsable line, and
    reports only the first. ft-lint reports every one, and reading goes on after each.
    A line that parses as a Python dict (single quotes, True, None) gets a hint: the
    file was written with `str(record)` or `print(record)` instead of `json.dumps`.
    In a CSV or TSV file, a row whose fields do not match the header (a stray comma or an
    unclosed quote shifts every cell after it), or whose `messages` cell is not valid JSON,
    is reported the same way: it is not read as a record.

    Example (flagged):
        {'messages': [{'role': 'user', 'content': 'hi'}]}
    Fix: write each record with `json.dumps(record, ensure_ascii=False)`.
    """

    code = "FT001"
    name = "invalid-json"
    severity = Severity.ERROR

    def check_entry(self, entry: Entry) -> Iterator[Problem]:
        if entry.kind is Kind.BAD_JSON:
            yield Problem(f"line is not valid JSON: {entry.detail}")
        elif entry.kind is Kind.BAD_ROW:
            yield Problem(f"row is not a record: {entry.detail}")


class NotAnObject(EntryRule):
    """A JSON value that is not an object.

    Why: every fine-tuning format is one JSON object per line; an array, string or
    number on a line is not an example and the upload fails.

    Example (flagged):
        [{"role": "user", "content": "hi"}]
    Fix: wrap the value in the format's object, e.g. {"messages": [...]}.
    """

    code = "FT002"
    name = "not-an-object"
    severity = Severity.ERROR

    def check_entry(self, entry: Entry) -> Iterator[Problem]:
        if entry.kind is Kind.NOT_OBJECT:
            yield Problem(f"line holds {json_type(entry.value)}, not a JSON object")


class InvalidEncoding(EntryRule):
    """Bytes that are not UTF-8 text, or compressed data that is corrupt or truncated.

    Why: providers read fine-tuning files as UTF-8; a file saved as Latin-1, cp1252 or
    UTF-16, or compressed with gzip, is rejected or trains on garbled text. A .jsonl.gz or
    .jsonl.zst file whose compressed data is corrupt or cut short (a download interrupted)
    is reported at the line where it breaks: the lines before it are checked, none after.

    Example (flagged): a line containing the single byte 0xe9 for "é" (Latin-1).
    Fix: re-encode the file as UTF-8 (`iconv -f latin1 -t utf-8`).
    """

    code = "FT003"
    name = "invalid-encoding"
    severity = Severity.ERROR

    def check_entry(self, entry: Entry) -> Iterator[Problem]:
        if entry.kind is Kind.BAD_ENCODING:
            yield Problem(f"line is not UTF-8: {entry.detail}")
        elif entry.kind is Kind.BAD_DATA:
            yield Problem(entry.detail)


class BlankLine(EntryRule):
    """An empty or whitespace-only line.

    Why: some uploaders count a blank line as an invalid example and reject the file;
    others skip it silently. Either way it is not data.

    Example (flagged): an empty line between two records, or trailing blank lines.
    Fix: delete the line (`ft-lint check --fix` does this safely).
    """

    code = "FT004"
    name = "blank-line"
    severity = Severity.WARNING
    fixable = True

    def check_entry(self, entry: Entry) -> Iterator[Problem]:
        if entry.kind is Kind.BLANK:
            yield Problem("blank line", fix="delete the blank line", edit=DeleteBlankLine())


class DuplicateKey(EntryRule):
    """A key that appears twice in one JSON object.

    Why: JSON leaves the meaning open; most parsers (orjson, Python's json, the
    provider's) silently keep the last value, so the text you reviewed in the first
    one is not what trains. It usually comes from string templating or a merge gone
    wrong.

    Example (flagged):
        {"messages": [{"role": "user", "content": "draft", "content": "final"}, ...]}
    Fix: keep one of the keys.
    """

    code = "FT008"
    name = "duplicate-key"
    severity = Severity.ERROR

    def check_entry(self, entry: Entry) -> Iterator[Problem]:
        if entry.kind not in (Kind.RECORD, Kind.NOT_OBJECT):
            return
        for path, key, times in duplicate_keys(entry.raw, entry.value):
            where = f"the object at {pointer_of(*path)}" if path else "the record"
            if key is None:
                yield Problem("the record has a duplicate key (nested too deeply to say which)")
            else:
                yield Problem(
                    f"key {key!r} appears {times} times in {where}; "
                    "parsers keep only one value (most the last), so the others are silently lost",
                    pointer_of(*path, key),
                )


class RecordTooLong(EntryRule):
    """A line longer than 64 MiB, a JSON array file over 256 MiB, or a compressed file that expands too far.

    Why: no fine-tuning example needs so many bytes of text: the longest context any model
    in `ft-lint models` trains on (131,072 tokens) is a few MB. Such a line is a file written
    without line breaks, binary data, or a record whose embedded images add up to more than
    64 MiB (OpenAI takes up to 10 images of 10 MB each: link large images by https URL).
    ft-lint reads past such a line without holding it, so memory stays bounded whatever the
    file, and checks nothing else in it. A JSON array file is parsed whole, so one over
    256 MiB is not read at all. A compressed file (.jsonl.gz, .jsonl.zst) is read until it has
    expanded to 1,000 times its size (64 MiB at least), or to more lines than it has bytes
    (10,000 at least): datasets compress 3 to 200 times, and a record to a byte or more, so
    a file that expands further is a decompression bomb, and reading stops there with this finding.

    Example (flagged): a 10 GB file of records written without a newline between them.
    Fix: write one record per line; embed fewer or smaller images, or link them by https
    URL; convert a large JSON array to JSONL.
    """

    code = "FT009"
    name = "record-too-long"
    severity = Severity.ERROR

    def check_entry(self, entry: Entry) -> Iterator[Problem]:
        if entry.kind is Kind.TOO_LONG and entry.detail:
            yield Problem(entry.detail)
        elif entry.kind is Kind.TOO_LONG:
            yield Problem(
                entry.detail  # a Parquet row's
                or f"line is longer than {MAX_RECORD_BYTES >> 20} MiB, the most ft-lint reads as one record: "
                "it was read past, and nothing in it was checked"
            )


class ByteOrderMark(EntryRule):
    """A UTF-8 byte order mark (BOM) at the start of the file.

    Why: JSON text must not start with one (RFC 8259), and no provider needs it: every
    fine-tuning provider reads UTF-8. OpenAI does not document whether its upload
    accepts one; Windows editors add it silently. ft-lint reads past it; removing it
    is always safe.

    Example (flagged): a file whose first bytes are EF BB BF before `{"messages": ...`.
    Fix: `ft-lint check --fix` removes the three bytes and nothing else.
    """

    code = "FT010"
    name = "byte-order-mark"
    severity = Severity.INFO
    fixable = True

    def check_entry(self, entry: Entry) -> Iterator[Problem]:
        if entry.bom:
            yield Problem(
                "file starts with a UTF-8 byte order mark (BOM)", fix="remove the byte order mark", edit=RemoveBom()
            )


class MixedFormats(FileRule):
    """Records of different formats in one file.

    Why: a provider trains a file as one format; records of another format are
    rejected, or the whole upload fails. This usually means two exports were
    concatenated.

    Example (flagged): a chat file where line 7 is {"prompt": "...", "completion": "..."}.
    Fix: convert the stray records, or move them to a file of their own.
    """

    code = "FT007"
    name = "mixed-formats"
    severity = Severity.ERROR

    def check_file(self, summary: FileSummary) -> Iterator[Problem]:
        if len(summary.records_by_format) < 2:
            return
        by_size = sorted(summary.records_by_format.items(), key=lambda item: (-item[1], item[0]))
        parts = []
        for name, count in by_size:
            lines = summary.first_lines_by_format[name]
            shown = places(summary.filename, lines) + (", ..." if count > len(lines) else "")
            parts.append(f"{name} ({count} records: {shown})")
        first_stray = min(summary.first_lines_by_format[name][0] for name, _ in by_size[1:])
        yield Problem(f"file mixes formats: {'; '.join(parts)}", line=first_stray)
