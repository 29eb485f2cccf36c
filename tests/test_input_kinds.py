"""Input kinds besides plain JSONL (issue 21): .jsonl.gz and .jsonl.zst streamed, CSV and TSV
with a header. Each is built from the same records as a JSONL fixture, and must be found to
have the same problems: only the file name, and for tables the line numbers (the header, and
rows whose quoted fields span lines), may differ. Bombs and broken data stop with one finding."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import json
import random
import re
from pathlib import Path

import pytest

from ft_lint import input_kinds
from ft_lint.decompress import EXPANSION_FLOOR, LINES_FLOOR
from ft_lint.findings import Finding
from support import OPENAI_MODEL, awkward_file, chat, lint_paths, run_cli, write_jsonl

zstandard = pytest.importorskip("zstandard")

EVERY_RULE = {"ignore": ["FT005", "FT006", "FT3"], "model": OPENAI_MODEL}  # similarity rules included


def compress(data: bytes, kind: str) -> bytes:
    return gzip.compress(data) if kind == "gz" else zstandard.ZstdCompressor(write_checksum=True).compress(data)


def comparable(findings: list[Finding], filename: str, lines: dict[int, int] | None = None) -> list[tuple]:
    """The findings without their file's name; with `lines`, their line numbers (in locations and
    in messages) mapped to the record's number in the file, which a table and JSONL share."""

    def line(number: int) -> int:
        return lines[number] if lines else number

    def text(message: str) -> str:
        message = message.replace(filename, "FILE")
        return re.sub(r"line (\d+)", lambda found: f"line {line(int(found.group(1)))}", message) if lines else message

    return sorted(
        (
            f.code,
            line(f.line),
            f.pointer,
            text(f.message),
            tuple((r.filename.replace(filename, "FILE"), line(r.line)) for r in f.related),
            f.excerpt,
        )
        for f in findings
    )


# --- compressed JSONL -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_compressed_file_has_the_findings_of_its_plain_file(tmp_path, kind):
    """Every kind of line (a BOM, CRLF endings, blank lines, broken JSON, arrays, duplicates and
    near copies far apart): the same findings, at the same lines, as the plain file."""
    plain = awkward_file(tmp_path / "awkward.jsonl", random.Random(7))
    packed = tmp_path / f"awkward.jsonl.{kind}"
    packed.write_bytes(compress(plain.read_bytes(), kind))
    expected = lint_paths([plain], EVERY_RULE)
    assert {"FT001", "FT002", "FT004", "FT010", "FT401"} <= {f.code for f in expected}
    assert comparable(lint_paths([packed], EVERY_RULE), packed.name) == comparable(expected, plain.name)


def test_a_compressed_file_is_checked_with_its_plain_partner(tmp_path):
    """A record of the training file repeated in the validation file is a leak, whichever is compressed."""
    shared = chat("What is the capital of France?", "Paris.")
    write_jsonl(tmp_path / "train.jsonl", [chat(f"Question {n}?", f"Answer {n}.") for n in range(5)] + [shared])
    valid = tmp_path / "valid.jsonl.gz"
    valid.write_bytes(gzip.compress(json.dumps(shared).encode() + b"\n"))
    findings = lint_paths([tmp_path / "train.jsonl", valid], EVERY_RULE, validation=valid)
    leaks = [f for f in findings if f.filename.endswith("valid.jsonl.gz") and f.related]
    assert leaks and leaks[0].line == 1 and leaks[0].related[0].filename.endswith("train.jsonl")


@pytest.mark.parametrize("kind", ["gz", "zst"])
@pytest.mark.parametrize("cut", ["truncated", "corrupt"])
def test_broken_compressed_data_is_one_finding_at_its_line(tmp_path, kind, cut):
    """The records before the break are checked; the break is one FT003 at the line it reached."""
    text = b"".join(json.dumps(chat(f"Question {n}?", f"Answer {n}.")).encode() + b"\n" for n in range(20_000))
    data = compress(text, kind)
    if cut == "truncated":
        data = data[: len(data) // 2]
    else:  # found by the blocks' structure, or the checksum (gzip's CRC-32, zstd's as its CLI writes it)
        middle = len(data) // 2
        data = data[:middle] + bytes(byte ^ 0xFF for byte in data[middle : middle + 64]) + data[middle + 64 :]
    path = tmp_path / f"broken.jsonl.{kind}"
    path.write_bytes(data)
    result = run_cli("check", "--no-cache", "--output-format", "json", "--model", OPENAI_MODEL, str(path))
    assert result.code == 1 and "Traceback" not in result.err
    [broken] = [f for f in json.loads(result.out) if f["code"] == "FT003"]
    assert broken["filename"] == path.as_posix() and 1 < broken["line"] <= 20_001
    assert ("truncated" if cut == "truncated" else "corrupt") in broken["message"]
    assert not [f for f in json.loads(result.out) if f["line"] > broken["line"]]


def test_gzip_members_and_padding_are_read_as_one_file(tmp_path):
    """`cat a.gz b.gz` is one gzip file; NUL padding after the last member is ignored, as gzip does."""
    first, second = (json.dumps(chat(f"Q{n}?", f"A{n}.")).encode() + b"\n" for n in range(2))
    path = tmp_path / "joined.jsonl.gz"
    path.write_bytes(gzip.compress(first) + gzip.compress(second) + b"\0" * 16)
    findings = lint_paths([path], EVERY_RULE)
    assert not [f for f in findings if f.code in ("FT001", "FT003")]


def test_decompressed_utf16_is_one_whole_file_finding(tmp_path):
    path = tmp_path / "wide.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps(chat()).encode("utf-16")))
    [finding] = [f for f in lint_paths([path], EVERY_RULE) if f.code == "FT003"]
    assert "decompressed" in finding.message and "UTF-16" in finding.message


def test_missing_zstandard_is_one_line_naming_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "data.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(json.dumps(chat()).encode() + b"\n"))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *args: None if name == "zstandard" else real_find_spec(name, *args)
    )
    result = run_cli("check", "--no-cache", str(path))
    assert result.code == 2 and result.err.count("\n") == 1
    assert 'pip install "ft-lint[zstd]"' in result.err and "data.jsonl.zst" in result.err


# --- bombs -----------------------------------------------------------------------------------


def _zstd_of(block: bytes, size: int) -> bytes:
    out = io.BytesIO()
    with zstandard.ZstdCompressor(level=1).stream_writer(out, closefd=False) as writer:
        for _ in range(size // len(block)):
            writer.write(block)
    return out.getvalue()


def _gzip_of(block: bytes, size: int) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as writer:
        for _ in range(size // len(block)):
            writer.write(block)
    return out.getvalue()


MIB = 1 << 20


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("long.jsonl.gz", lambda: _gzip_of(b"x" * MIB, 256 * MIB), "FT009"),  # one line of 256 MiB
        ("blank.jsonl.gz", lambda: _gzip_of(b"\n" * MIB, 256 * MIB), "FT009"),  # 268 million blank lines
        ("long.jsonl.zst", lambda: _zstd_of(b"x" * MIB, 4096 * MIB), "FT009"),  # 4 GiB from a few hundred KB
        ("zeros.jsonl.zst", lambda: _zstd_of(b"\0" * MIB, 4096 * MIB), "FT003"),  # binary, not text: at once
    ],
)
def test_a_bomb_stops_early_with_one_finding(tmp_path, name, make, code):
    """A small file that expands far beyond any dataset: one finding (FT009 at the line reached),
    none of its lines', in bounded time and memory (the child is killed past them)."""
    from hostile_limits import run_limited

    path = tmp_path / name
    path.write_bytes(make())
    assert path.stat().st_size < MIB
    result = run_limited(
        "check", "--no-cache", "--output-format", "json", "--model", OPENAI_MODEL, "--ignore", "FT006,FT3", name,
        cwd=tmp_path, seconds=60, memory_mb=1024,
        env={"PYTHONPATH": str(Path(input_kinds.__file__).parents[1]), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert not result.timed_out and result.code == 1, result.err
    [finding] = json.loads(result.out)
    assert finding["code"] == code
    assert "decompression bomb" in finding["message"] if code == "FT009" else "NUL bytes" in finding["message"]


def test_expansion_limits_leave_real_data_alone(tmp_path):
    """Repetitive but real records (a system prompt in each, sequential questions) compress far
    less than the limits allow, and a small file expands to the floor whatever its ratio."""
    system = "You are a support agent for Example Corp. Answer briefly and politely. " * 4
    records = [chat(f"Where is order {n}?", f"Order {n} ships on day {n % 7}.", system=system) for n in range(3_000)]
    text = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    assert len(text) < EXPANSION_FLOOR and len(records) < LINES_FLOOR
    path = tmp_path / "repetitive.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor(level=19).compress(text))
    assert len(text) / path.stat().st_size > 50  # as repetitive as data gets
    assert not [f for f in lint_paths([path], EVERY_RULE) if f.code in ("FT003", "FT009")]


# --- CSV and TSV -------------------------------------------------------------------------------


def write_table(path: Path, records: list[dict], delimiter: str = ",", bom: bool = False) -> dict[int, int]:
    """The records as a table with a header of their keys (JSON for the JSON columns); returns the
    line of each row mapped to the record's line in a JSONL file of them."""
    columns = list(records[0])
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if delimiter == "," else "\n")
    writer.writerow(columns)
    lines, line = {}, 2
    for number, record in enumerate(records, start=1):
        cells = [json.dumps(record[c]) if c in ("messages", "tools") else record[c] for c in columns]
        before = out.tell()
        writer.writerow(cells)
        lines[line] = number
        line += out.getvalue()[before:].count("\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode())
    return lines


CHATS = [
    {"messages": chat(f"Question {n}?", f"Answer {n}.")["messages"], "metadata": f"batch {n % 3}"} for n in range(8)
]
CHATS[2]["messages"][1]["content"] = "  "  # FT201
CHATS[4]["messages"][0]["role"] = "human"  # FT103
CHATS[6] = CHATS[5]  # FT401
PROMPTS = [{"prompt": f"Summarise:\nline one\nline two {n}\n", "completion": f" Summary {n}."} for n in range(8)]
PROMPTS[3]["completion"] = ""  # FT201
PROMPTS[7] = PROMPTS[1]
ALPACA = [
    {"instruction": f"Translate item {n}", "input": "" if n % 2 else f"text {n}", "output": f"out {n}"}
    for n in range(8)
]
ALPACA[5]["output"] = " "


@pytest.mark.parametrize("records", [CHATS, PROMPTS, ALPACA], ids=["messages", "prompt-completion", "alpaca"])
@pytest.mark.parametrize(("suffix", "delimiter", "bom"), [(".csv", ",", True), (".tsv", "\t", False)])
def test_table_has_the_findings_of_its_records_as_jsonl(tmp_path, records, suffix, delimiter, bom):
    """The column layouts, multi-line quoted cells, Excel's BOM: the same findings as the JSONL
    of the same records, at the lines where their rows start."""
    plain = write_jsonl(tmp_path / "data.jsonl", records)
    table = tmp_path / f"data{suffix}"
    lines = write_table(table, records, delimiter, bom)
    expected = lint_paths([plain], EVERY_RULE)
    assert expected
    found = lint_paths([table], EVERY_RULE)
    assert comparable(found, table.name, lines) == comparable(expected, plain.name)


def test_rows_keep_the_line_where_they_start(tmp_path):
    """A quoted cell spanning lines moves the next rows' lines; blank lines between rows count."""
    path = tmp_path / "spans.csv"
    path.write_text('prompt,completion\n"one\ntwo\nthree", fine\n\nsecond,\n')
    [empty] = [f for f in lint_paths([path], EVERY_RULE) if f.code == "FT201"]
    assert empty.line == 6


def test_a_row_that_does_not_match_the_header_is_one_finding(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("prompt,completion\na, b\nc, d, e\nf\ng, h\nbad,\n")
    findings = lint_paths([path], EVERY_RULE)
    rows = [f for f in findings if f.code == "FT001"]
    assert [f.line for f in rows] == [3, 4] and "has 3 fields and the header 2" in rows[0].message
    assert [f.line for f in findings if f.code == "FT201"] == [6]  # reading went on


def test_a_messages_cell_that_is_not_json_is_one_finding(tmp_path):
    path = tmp_path / "chat.csv"
    good = json.dumps(chat()["messages"])
    path.write_text(f"messages\n\"{good.replace(chr(34), chr(34) * 2)}\"\n\"[{{'role': 'user'}}]\"\n")
    [bad] = [f for f in lint_paths([path], EVERY_RULE) if f.code == "FT001"]
    assert bad.line == 3 and "messages cell is not valid JSON" in bad.message


def test_a_header_of_no_format_is_reported_as_such_records_are(tmp_path):
    """Columns question,answer: the one finding JSONL records of those keys get."""
    table, plain = tmp_path / "qa.csv", tmp_path / "qa.jsonl"
    table.write_text("question,answer\nWhat?,That.\nWho?,Them.\n")
    write_jsonl(plain, [{"question": "What?", "answer": "That."}, {"question": "Who?", "answer": "Them."}])
    found = lint_paths([table], EVERY_RULE)
    assert [f.code for f in found] == ["FT101"] and "answer, question" in found[0].message
    assert comparable(found, table.name, {2: 1, 3: 2}) == comparable(lint_paths([plain], EVERY_RULE), plain.name)


def test_an_extra_column_is_an_unknown_key_and_a_repeated_one_a_duplicate_key(tmp_path):
    path = tmp_path / "chat.csv"
    cell = '"' + json.dumps(chat()["messages"]).replace('"', '""') + '"'
    path.write_text(f"messages,score,score\n{cell},1,2\n")
    found = {f.code: f for f in lint_paths([path], EVERY_RULE)}
    assert "score" in found["FT102"].message and "score" in found["FT008"].message


def test_bytes_that_are_not_utf8_stop_the_table_at_their_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"prompt,completion\nfine, yes\ncaf\xe9, no\nlater, yes\n")
    [bad] = [f for f in lint_paths([path], EVERY_RULE) if f.code == "FT003"]
    assert bad.line == 3 and "0xe9" in bad.message


@pytest.mark.slow
def test_an_unclosed_quote_over_the_cell_limit_is_one_finding_at_its_row(tmp_path):
    """A quote never closed takes the rest of the file into one cell: past 64 MiB, one FT009 at
    the line where its row starts, and nothing held beyond the limit."""
    path = tmp_path / "unclosed.csv"
    path.write_text('prompt,completion\nfine, yes\n"never closed, no\n' + ("x" * 1023 + "\n") * (70 << 10))
    found = [(f.line, f.code) for f in lint_paths([path], EVERY_RULE) if f.code.startswith("FT0")]
    assert found == [(3, "FT009")]


# --- --fix and the catalog ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["data.jsonl.gz", "data.csv"])
def test_fix_is_refused_with_one_line_and_the_file_left_alone(tmp_path, name):
    records = [chat("Hi", "Hello!"), chat("Hi", "Hello!")]  # a duplicate: FT401 has a fix
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in records)))
    else:
        write_table(path, records)
    before = path.read_bytes()
    result = run_cli("check", "--no-cache", "--fix", "--unsafe-fixes", str(path))
    assert result.code == 2 and path.read_bytes() == before
    [refusal] = [line for line in result.err.splitlines() if "--fix cannot rewrite" in line]
    assert refusal.startswith(f"ft-lint: error: {path.as_posix()}: ")


@pytest.mark.parametrize(("suffix", "delimiter"), [(".csv", b","), (".tsv", b"\t")])
def test_write_clean_of_a_table_is_its_header_and_the_rows_that_passed_as_written(tmp_path, suffix, delimiter):
    """Byte for byte: Excel's BOM, CRLF, the quoting, a quoted cell spanning lines; the rows
    with a failing finding, the rows that are no record and blank lines are left out."""

    def row(*cells: bytes) -> bytes:
        return delimiter.join(cells) + b"\r\n"

    header = b"\xef\xbb\xbf" + row(b"prompt", b"completion")
    spanning = row(b'"Summarise:\r\nline one\r\n""line"" two\r\n"', b'" Summary, in ""one""."')
    cell_with_delimiter = row(b'"a ' + delimiter + b' b"', b" fine")
    empty_completion = row(b"Question?", b"")  # FT201
    too_many_fields = row(b"one", b"two", b"three")  # FT001: no record
    last = b"last" + delimiter + b" row without a line ending"
    source, copy = tmp_path / f"data{suffix}", tmp_path / f"clean{suffix}"
    source.write_bytes(header + spanning + empty_completion + b"\r\n" + cell_with_delimiter + too_many_fields + last)

    rules = ("--no-cache", "--ignore", "FT005,FT006,FT3")
    result = run_cli("check", *rules, "--write-clean", str(copy), str(source))

    assert result.code == 1, result.err
    assert copy.read_bytes() == header + spanning + cell_with_delimiter + last
    assert "wrote 3 of 4 records" in result.err
    relinted = run_cli("check", *rules, str(copy))
    assert relinted.code == 0, relinted.out


def test_write_clean_of_a_table_with_no_row_that_passed_is_its_header(tmp_path):
    source, copy = tmp_path / "data.csv", tmp_path / "clean.csv"
    source.write_bytes(b"\n\nprompt,completion\nQuestion?,\n")
    result = run_cli("check", "--no-cache", "--ignore", "FT006", "--write-clean", str(copy), str(source))
    assert result.code == 1 and copy.read_bytes() == b"\n\nprompt,completion\n"


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_write_clean_of_a_compressed_file_is_compressed_the_same_way(tmp_path, kind):
    """The kept lines as they decompress, byte for byte (CRLF and the BOM kept), compressed again."""
    good = [json.dumps(chat(f"Question {n}?", f"Answer {n}.")).encode() for n in range(12)]
    bad = json.dumps(chat("Question?", "")).encode()  # FT201
    text = b"\xef\xbb\xbf" + b"\r\n".join([*good[:6], bad, *good[6:]]) + b"\r\n"
    source, clean = tmp_path / f"data.jsonl.{kind}", tmp_path / f"clean.jsonl.{kind}"
    source.write_bytes(compress(text, kind))
    result = run_cli("check", "--no-cache", "--model", OPENAI_MODEL, "--write-clean", str(clean), str(source))
    assert result.code == 1, result.err
    packed = clean.read_bytes()
    restored = (
        gzip.decompress(packed) if kind == "gz" else zstandard.ZstdDecompressor().decompressobj().decompress(packed)
    )
    assert restored == text.replace(bad + b"\r\n", b"")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.jsonl", input_kinds.JSONL),
        ("A.NDJSON", input_kinds.JSONL),
        ("train.jsonl.gz", input_kinds.JSONL_GZIP),
        ("train.ndjson.zst", input_kinds.JSONL_ZSTD),
        ("sheet.csv", input_kinds.CSV),
        ("sheet.tsv", input_kinds.TSV),
        ("notes.txt", None),
        ("archive.gz", None),
    ],
)
def test_the_catalog_names_kinds_by_suffix(name, kind):
    assert input_kinds.kind_of(Path(name)) is kind
    assert input_kinds.read_as(Path(name)) is (kind or input_kinds.JSONL)


# --- the record cache ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["awkward.jsonl.gz", "awkward.jsonl.zst", "chats.csv"])
def test_a_warm_run_checks_only_what_changed(tmp_path, monkeypatch, name):
    """The cache keys each record by what is checked (the decompressed line, the row's record):
    a warm run of the same file checks nothing and reports what a cold run reports; after one
    record changes (recompressed, or the table rewritten) it checks that one alone."""
    from ft_lint import scanning

    counts: list[int] = []
    check = scanning._check

    def counting(scope, entries):
        counts[-1] += len(entries)
        return check(scope, entries)

    monkeypatch.setattr(scanning, "_check", counting)
    path = tmp_path / name
    records = [chat(f"Question {n}?", f"Answer {n} in a few words.") for n in range(40)]

    def write(rows: list[dict]) -> None:
        if name.endswith(".csv"):
            write_table(path, [{"messages": r["messages"]} for r in rows])
        else:
            path.write_bytes(compress(b"".join(json.dumps(r).encode() + b"\n" for r in rows), name[-2:]))

    def run(**settings) -> list[tuple]:
        counts.append(0)
        return comparable(lint_paths([path], EVERY_RULE, **settings), name)

    write(records)
    cold = run(no_cache=True)
    assert run() == cold and run() == cold
    records[7]["messages"][1]["content"] = ""
    write(records)
    changed = run()
    assert [(code, line) for code, line, *_ in changed if code == "FT201"] == [
        ("FT201", 9 if name.endswith(".csv") else 8)
    ]
    assert counts[1:] == [40, 0, 1]
