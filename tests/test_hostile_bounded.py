"""Every input ends, in bounded time and memory: files that never end or change under the reader,
lines too long to hold, texts too long to tokenize, and a record that breaks one check.

Cases that could hang or take all memory run in a child process under a time and memory cap
(hostile_limits.run_limited), or in this process under `hang_guard`."""

from __future__ import annotations

import json
import os
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest

from ft_lint import chunking, reader, scanning, tokens
from ft_lint.chunking import ByteRange, LongLine, read_blocks
from ft_lint.reader import Kind, UnreadableFile, read_entries
from ft_lint.rules import catalog
from hostile_limits import run_limited
from support import chat, run_cli, sparse_file

ROOT = Path(__file__).resolve().parent.parent
GOOD = json.dumps(chat("What is the capital of France?", "Paris."))
OLD_GPT35 = "gpt-3.5-turbo-0613"  # 4,096 tokens per example, cl100k_base


@contextmanager
def hang_guard(seconds: int):
    """Fail, rather than hang, when the block takes longer (SIGALRM interrupts Python code and
    blocking system calls alike)."""

    def expired(*_):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def limited(*args: str, cwd: Path, seconds: float = 60, memory_mb: int = 1536):
    return run_limited(
        *args, cwd=cwd, seconds=seconds, memory_mb=memory_mb, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )


def one_line_error(code: int, err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("ft-lint: error: "), (code, err)
    for word in words:
        assert word in lines[0], lines[0]


def concise(out: str) -> list[tuple[int, str]]:
    """(line, code) of each finding in `--output-format concise` output."""
    found = []
    for line in out.splitlines():
        place, _, rest = line.partition(": ")
        if place.count(":") and rest[:2] == "FT":
            found.append((int(place.rsplit(":", 1)[1]), rest.split()[0]))
    return found


# --- files that are not regular files ---------------------------------------------------------


@pytest.mark.slow
def test_dev_zero_is_refused_at_once(tmp_path):
    """A character device never ends: read, it took all memory (MemoryError after 20 s under a 2 GB cap)."""
    done = limited("check", "/dev/zero", cwd=tmp_path, seconds=60)
    one_line_error(done.code, done.err, "/dev/zero", "is a character device, not a regular file")


@pytest.mark.slow
def test_a_fifo_named_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "train.jsonl")
    for command in ("check", "stats"):
        done = limited(command, "train.jsonl", cwd=tmp_path, seconds=30)
        assert not done.timed_out, f"{command} waited for a writer"
        one_line_error(done.code, done.err, "train.jsonl", "is a FIFO (named pipe), not a regular file")


def test_a_fifo_in_a_folder_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "data").mkdir()
    os.mkfifo(tmp_path / "data" / "pipe.jsonl")
    os.mkfifo(tmp_path / "data" / "other.fifo")  # not named like data: skipped without a word
    (tmp_path / "data" / "train.jsonl").write_text("\n")
    with hang_guard(30):
        result = run_cli("check", "--output-format", "concise", "--select", "FT004", str(tmp_path / "data"))
    assert result.code == 1 and concise(result.out) == [(1, "FT004")]
    assert result.err.strip().splitlines() == [
        f"ft-lint: warning: skipped {(tmp_path / 'data' / 'pipe.jsonl').as_posix()}: "
        "it is a FIFO (named pipe), not a regular file"
    ]


def test_a_file_swapped_for_a_fifo_after_it_was_checked_is_refused_without_waiting(tmp_path, monkeypatch):
    """The race between looking at a file and opening it: the open must not wait for a writer."""
    os.mkfifo(tmp_path / "train.jsonl")
    regular = os.stat(__file__)
    real_stat = os.stat
    monkeypatch.setattr(
        os, "stat", lambda path, *a, **k: regular if Path(path).name == "train.jsonl" else real_stat(path, *a, **k)
    )
    with hang_guard(10), pytest.raises(UnreadableFile, match="is a FIFO"):
        next(read_entries(tmp_path / "train.jsonl"))


# --- files that change while they are read ----------------------------------------------------


def lines_file(path: Path, count: int, width: int = 100) -> Path:
    line = b'{"n": "' + b"x" * (width - 10) + b'"}\n'
    assert len(line) == width
    path.write_bytes(line * count)
    return path


def test_a_file_truncated_mid_line_while_its_blocks_are_read_is_an_error(tmp_path):
    """read_blocks read again and again the part of a line that the file no longer holds the end of."""
    path = lines_file(tmp_path / "train.jsonl", 10)
    blocks = read_blocks(path, ByteRange(0, path.stat().st_size, 1), block_bytes=256)
    next(blocks)
    os.truncate(path, 450)  # in the middle of line 5
    with hang_guard(10), pytest.raises(UnreadableFile, match=r"train\.jsonl: changed while it was being read"):
        list(blocks)


@pytest.mark.slow
def test_a_file_truncated_while_read_by_workers_is_an_error(tmp_path, monkeypatch):
    """The lines past the new end used to be missing without a word (exit 0)."""
    path = lines_file(tmp_path / "train.jsonl", 20_000)  # 2 MB: read by worker processes
    read = scanning.read_blocks

    def truncate_after_the_first_block(path, byte_range, *args):
        for number, item in enumerate(read(path, byte_range, *args)):
            yield item
            if byte_range.start == 0 and number == 0:
                os.truncate(path, 100 * 10_000)  # at a line's end: nothing hangs, lines go missing

    monkeypatch.setattr(scanning, "read_blocks", truncate_after_the_first_block)
    with hang_guard(60):
        result = run_cli("check", "--jobs", "2", "--no-cache", "--select", "FT0", str(path))
    one_line_error(result.code, result.err, "train.jsonl", "changed while it was being read")


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_appended_to_while_it_is_read_is_an_error(tmp_path, monkeypatch, jobs):
    """The findings would describe no version of the file (they used to pass without a word)."""
    path = lines_file(tmp_path / "train.jsonl", 20_000)
    read = scanning.read_blocks

    def append_after_the_first_block(path, byte_range, *args):
        for number, item in enumerate(read(path, byte_range, *args)):
            yield item
            if byte_range.start == 0 and number == 0:
                with open(path, "ab") as handle:
                    handle.write(b"{}\n" * 10)

    monkeypatch.setattr(scanning, "read_blocks", append_after_the_first_block)
    with hang_guard(60):
        result = run_cli("check", "--jobs", jobs, "--no-cache", "--select", "FT0", str(path))
    one_line_error(result.code, result.err, "train.jsonl", "changed while it was being read")


def test_a_file_truncated_while_stats_reads_it_is_an_error(tmp_path, monkeypatch):
    path = lines_file(tmp_path / "train.jsonl", 100)
    real_parse = reader.parse_line

    def truncate_at_line_50(number, raw):
        if number == 50:
            os.truncate(path, 100 * 60)
        return real_parse(number, raw)

    monkeypatch.setattr(reader, "parse_line", truncate_at_line_50)
    result = run_cli("stats", str(path))
    one_line_error(result.code, result.err, "train.jsonl", "changed while it was being read")


# --- lines too long to hold -------------------------------------------------------------------


def sparse_line(path: Path, before: bytes, length: int, after: bytes) -> Path:
    """`before`, then NUL bytes up to `length` bytes (a sparse hole: no disk, no time), then `after`."""
    with open(path, "wb") as handle:
        handle.write(before)
        handle.seek(length)
        handle.write(after)
    return path


@pytest.mark.slow
def test_a_10_gb_sparse_file_is_one_finding(tmp_path):
    """All NUL bytes (`truncate -s 10G`): reading it used to end in MemoryError."""
    sparse_file(tmp_path / "train.jsonl", 10 << 30)
    done = limited("check", "--output-format", "json", "train.jsonl", cwd=tmp_path, seconds=60)
    assert done.code == 1, done.err
    [finding] = json.loads(done.out)
    assert (finding["code"], finding["line"]) == ("FT003", 1) and "NUL bytes" in finding["message"]


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_line_over_the_cap_is_one_finding_and_read_past(tmp_path, jobs):
    """A 70 MB line (over 64 MiB) between good records, by one process and by workers: FT009 on
    it, and the lines after it are read with their own numbers (the blank line 5 is FT004)."""
    head = (GOOD + "\n") * 2 + '{"messages": [{"role": "user", "content": "'
    tail = '"}]}\n' + GOOD + "\n\n" + (GOOD + "\n") * 20_000  # workers need 512 KB or more
    sparse_line(tmp_path / "train.jsonl", head.encode(), 70 << 20, tail.encode())
    done = limited(
        "check",
        "--jobs",
        jobs,
        "--output-format",
        "concise",
        "--select",
        "FT0",
        "train.jsonl",
        cwd=tmp_path,
        seconds=90,
    )
    assert done.code == 1, done.err
    assert concise(done.out) == [(3, "FT009"), (5, "FT004")]
    assert "line is longer than 64 MiB, the most ft-lint reads as one record" in done.out


def test_a_line_over_the_cap_comes_out_of_the_block_reader_as_its_first_bytes(tmp_path, monkeypatch):
    """With the cap at 1,000 bytes: a 100,000-byte line, and a last line without a line break,
    come out as their first bytes and where they end; the blocks around them as they are."""
    monkeypatch.setattr(chunking, "MAX_RECORD_BYTES", 1_000)
    monkeypatch.setattr(chunking, "LONG_LINE_HEAD", 10)
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"a\n" + b"b" * 100_000 + b"\nc\n" + b"d" * 5_000)
    items = [
        item if isinstance(item, LongLine) else item[0][: item[1]]
        for item in read_blocks(path, ByteRange(0, path.stat().st_size, 1), block_bytes=64)
    ]
    assert items == [b"a\n", LongLine(b"b" * 10, 100_003), b"c\n", LongLine(b"d" * 10, 105_005)]


def test_a_line_over_the_cap_in_stats_is_an_invalid_example(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "MAX_RECORD_BYTES", 1_000)
    (tmp_path / "train.jsonl").write_text(GOOD + "\n" + json.dumps(chat("x" * 5_000, "ok")) + "\n" + GOOD + "\n")
    result = run_cli("stats", "--output-format", "json", str(tmp_path / "train.jsonl"))
    assert result.code == 0, result.err
    [stats] = json.loads(result.out)
    assert (stats["examples"], stats["invalid_examples"]) == (3, 1)


def test_a_long_first_line_is_one_entry_and_reading_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "MAX_RECORD_BYTES", 100)
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"x" * 10_000 + b"\n{}\n")
    entries = read_entries(path)
    first = next(entries)
    assert (first.line, first.kind) == (1, Kind.TOO_LONG)
    assert [(e.line, e.kind) for e in entries] == [(2, Kind.RECORD)]


@pytest.mark.slow
def test_a_json_array_file_too_big_to_parse_whole_is_one_finding(tmp_path):
    sparse_line(tmp_path / "train.json", b"[" + GOOD.encode() + b",", 300 << 20, b"]")
    done = limited("check", "--output-format", "json", "train.json", cwd=tmp_path, seconds=60)
    assert done.code == 1, done.err
    [finding] = json.loads(done.out)
    assert (finding["code"], finding["line"]) == ("FT009", 1) and "256 MiB" in finding["message"]


def test_record_too_long_is_in_the_catalog():
    rule = catalog()["FT009"]
    assert (rule.name, rule.severity.label) == ("record-too-long", "error")


# --- texts too long to tokenize ---------------------------------------------------------------


def test_the_longest_token_of_each_encoding(reference):
    for name, longest in tokens.LONGEST_TOKEN_BYTES.items():
        assert max(len(token) for token in reference[name]._mergeable_ranks) == longest


def test_a_text_over_the_limit_by_its_bytes_alone_is_never_tokenized(tmp_path, monkeypatch):
    """1 MB of one character for a 4,096-token model: 1 MB / 128 bytes is 8,192 tokens at least.
    A 100 MB line of it took 4 minutes and 5.4 GB to count exactly."""
    asked: list[int] = []
    count = tokens._TextCounter.__call__
    monkeypatch.setattr(
        tokens._TextCounter, "__call__", lambda self, text: asked.append(len(text)) or count(self, text)
    )
    (tmp_path / "train.jsonl").write_text(json.dumps(chat("x" * 1_000_000, "ok")) + "\n")
    result = run_cli(
        "check",
        "--output-format",
        "json",
        "--model",
        OLD_GPT35,
        "--select",
        "FT301,FT302",
        str(tmp_path / "train.jsonl"),
    )
    [finding] = json.loads(result.out)
    at_least = (
        3 + (3 + 1 + 1_000_000 // 128 + 1) + (3 + 1 + 1)
    )  # priming; per message 3, role, content: bytes / 128 rounded up
    assert finding["code"] == "FT301"
    assert finding["message"].startswith(f"example has at least {at_least:,} tokens, more than the 4,096")
    assert max(asked, default=0) < 1000


def test_a_text_the_bounds_cannot_decide_is_counted_in_pieces(tmp_path):
    """300,000 characters with no line break may be under 4,096 tokens (300,000 / 128): counted,
    in pieces cut where a token may change, so the count is about."""
    (tmp_path / "train.jsonl").write_text(json.dumps(chat("x" * 300_000, "ok")) + "\n")
    result = run_cli(
        "check", "--output-format", "json", "--model", OLD_GPT35, "--select", "FT301", str(tmp_path / "train.jsonl")
    )
    [finding] = json.loads(result.out)
    assert finding["message"].startswith("example has about ")


@pytest.mark.slow
def test_a_million_spaces_are_counted_without_overflowing_the_tokenizer():
    """tiktoken's regex overflows its stack on a run of about a million spaces: a Rust panic
    (a BaseException) that ended the run with a traceback."""
    record = chat("a" + " " * 1_100_000 + "b", "ok")
    for name in ("o200k_base", "cl100k_base"):
        count = tokens.count_chat(record, name)
        assert not count.exact and count.total >= 1_100_000 // 128


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_cutting_after_a_line_break_changes_no_token(name, monkeypatch):
    """Pieces of at most 64 characters, cut only after line breaks followed by a letter, a digit
    or punctuation other than "/": the same count as the whole text, and exact."""
    import random

    monkeypatch.setattr(tokens, "PIECE_CHARS", 64)
    counter = tokens._TextCounter(name)
    encode = tokens.get_encoding(name).encode_ordinary
    parts = [
        "word",
        "Wörter",
        "中文",
        "42",
        "1234",
        " ",
        "  ",
        "\t",
        ".",
        "'s",
        "=",
        "-",
        "😀",
        "/",
        "\r",
        "\n",
        " \n",
        "\u00a0",
    ]
    starts = ["a", "Z", "7", ".", "'", "é", "中", "("]
    generator = random.Random(16)
    for _ in range(300):
        lines = [
            "".join(
                generator.choice(starts) + "".join(generator.choice(parts) for _ in range(generator.randint(0, 6)))
            )[:30]
            for _ in range(generator.randint(3, 40))
        ]
        text = "\n".join(lines)
        assert counter(text) == len(encode(text)), repr(text)
    assert counter.texts_cut == 0


def test_the_lower_bound_never_exceeds_the_count():
    records = [
        chat("=" * 5000, "-" * 700 + " word" * 300),
        chat("日本語のテキスト" * 500, "ok"),
        {
            "messages": [
                {"role": "user", "content": "hi"},
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
                },
            ],
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "f",
                        "description": "d",
                        "parameters": {"type": "object", "properties": {"e": {"type": "string", "enum": []}}},
                    },
                }
            ],
        },
    ]
    for record in records:
        for name in ("o200k_base", "cl100k_base"):
            assert (
                tokens.tokens_at_least(record, "openai-chat", name)
                <= tokens.count_record(record, "openai-chat", name).total
            )


def test_stats_counts_a_long_text_in_pieces_and_says_so(tmp_path):
    (tmp_path / "train.jsonl").write_text(json.dumps(chat("x" * 300_000, "ok")) + "\n" + GOOD + "\n")
    text = run_cli("stats", "--model", OLD_GPT35, str(tmp_path / "train.jsonl"))
    assert text.code == 0 and "counted    in pieces: 1 text with no line break in 131,072 characters" in text.out
    as_json = run_cli("stats", "--model", OLD_GPT35, "--output-format", "json", str(tmp_path / "train.jsonl"))
    assert json.loads(as_json.out)[0]["tokens"]["exact"] is False


# --- one record that breaks a check -----------------------------------------------------------


def tool_with_pattern(pattern: str, arguments: str = "{}") -> dict:
    parameters = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"a": {"type": "string", "pattern": pattern}},
    }
    record = chat("hi", "ok")
    record["messages"][1] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": arguments}}],
    }
    record["tools"] = [{"type": "function", "function": {"name": "f", "parameters": parameters}}]
    return record


def test_a_pattern_nested_too_deep_is_one_finding_and_other_files_keep_theirs(tmp_path):
    """It raised RecursionError while the schema was checked, and every file's findings were lost."""
    (tmp_path / "a.jsonl").write_text(json.dumps(tool_with_pattern("(" * 5000 + ")" * 5000)) + "\n" + GOOD + "\n")
    (tmp_path / "b.jsonl").write_text(json.dumps(chat("hi", "")) + "\n")
    result = run_cli("check", "--output-format", "json", "--select", "FT112,FT201", str(tmp_path))
    assert result.code == 1, result.err
    found = [(Path(f["filename"]).name, f["line"], f["code"]) for f in json.loads(result.out)]
    assert found == [("a.jsonl", 1, "FT112"), ("b.jsonl", 1, "FT201")]
    assert "nest too deeply to check" in json.loads(result.out)[0]["message"]


def test_a_pattern_that_backtracks_catastrophically_is_never_run(tmp_path):
    (tmp_path / "train.jsonl").write_text(
        json.dumps(tool_with_pattern("^(a+)+$", json.dumps({"a": "a" * 40 + "!"}))) + "\n"
    )
    with hang_guard(60):
        result = run_cli("check", "--output-format", "json", "--select", "FT1", str(tmp_path / "train.jsonl"))
    assert result.code == 0 and json.loads(result.out) == []


class PanicException(BaseException):
    """What a Rust extension raises when it panics (pyo3's PanicException is a BaseException)."""


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad value"),
        RecursionError("maximum recursion depth exceeded"),
        PanicException("called unwrap on an Err"),
    ],
)
def test_a_rule_that_fails_on_one_record_is_one_finding_and_the_run_goes_on(tmp_path, monkeypatch, error):
    from ft_lint.rules.content import EmptyContent

    check = EmptyContent.check_record

    def fail_on_boom(self, record):
        if "boom" in record.raw.decode():
            raise error
        return check(self, record)

    monkeypatch.setattr(EmptyContent, "check_record", fail_on_boom)
    monkeypatch.delenv("FT_LINT_DEBUG", raising=False)
    records = [chat("boom", ""), chat("hi", ""), chat("boom", "")]
    (tmp_path / "train.jsonl").write_text("\n".join(map(json.dumps, records)) + "\n")
    result = run_cli(
        "check", "--output-format", "json", "--no-cache", "--select", "FT201,FT105", str(tmp_path / "train.jsonl")
    )
    assert result.code == 1, result.err
    found = [(f["line"], f["code"], f["message"]) for f in json.loads(result.out)]
    failed = (
        f"this check failed on the record ({type(error).__name__}: {error}), "
        "so the record was not checked for it; the other checks ran"
    )
    assert found == [(1, "FT201", failed), (2, "FT201", "assistant message 1 has empty content"), (3, "FT201", failed)]


def test_a_summary_that_fails_on_one_record_is_one_finding_and_the_others_are_compared(tmp_path, monkeypatch):
    from ft_lint.rules.dataset import DuplicateExample

    summarize = DuplicateExample.summarize_batch

    def fail_on_boom(self, records):
        if any("boom" in record.raw.decode() for record in records):
            raise ValueError("bad summary")
        return summarize(self, records)

    monkeypatch.setattr(DuplicateExample, "summarize_batch", fail_on_boom)
    monkeypatch.delenv("FT_LINT_DEBUG", raising=False)
    records = [chat("hi", "ok"), chat("boom", "ok"), chat("hi", "ok")]
    (tmp_path / "train.jsonl").write_text("\n".join(map(json.dumps, records)) + "\n")
    result = run_cli(
        "check", "--output-format", "json", "--no-cache", "--select", "FT401", str(tmp_path / "train.jsonl")
    )
    assert result.code == 1, result.err
    failed, duplicate = json.loads(result.out)
    assert (failed["line"], failed["code"]) == (2, "FT401") and failed["message"].startswith(
        "this check failed on the record (ValueError: bad summary)"
    )
    assert (duplicate["line"], duplicate["code"], duplicate["related"]) == (
        3,
        "FT401",
        [{"filename": (tmp_path / "train.jsonl").as_posix(), "line": 1}],
    )


def test_ctrl_c_in_a_rule_still_stops_the_run(tmp_path, monkeypatch):
    from ft_lint.rules.content import EmptyContent

    def interrupt(self, record):
        raise KeyboardInterrupt

    monkeypatch.setattr(EmptyContent, "check_record", interrupt)
    (tmp_path / "train.jsonl").write_text(GOOD + "\n")
    result = run_cli("check", "--no-cache", "--select", "FT201", str(tmp_path / "train.jsonl"))
    assert (result.code, result.err.strip(), result.out) == (2, "ft-lint: aborted", "")
