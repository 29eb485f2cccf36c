"""The per-record cache: hits, misses, never a stale result, safe sharing, damage tolerated."""

from __future__ import annotations

import multiprocessing
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ft_lint import cache
from ft_lint.cache import (
    CacheFolder,
    CacheWriter,
    RecordCache,
    Row,
    decode_result,
    encode_result,
    key_function,
    settings_fingerprint,
)
from ft_lint.config import Settings
from ft_lint.edits import DeleteBlankLine, DeleteDuplicate, StripText
from ft_lint.findings import Location, Problem, Severity

DATA = Path("train.jsonl")
FINGERPRINT = settings_fingerprint(Settings(), file_format="openai-chat")
KEY = bytes(range(32))  # the user's key (see cache.user_key)


def _result_of(line: bytes) -> Row:
    """A stand-in for linting one line: a kind, findings and a summary (of a length) that depend on its bytes."""
    problems = [("FT201", Problem(f"line of {len(line)} bytes", "/messages/0/content"))] if b"!" in line else []
    summary = key_function(b"digest" * 3)(line)[: len(line) % 9] or None
    return Row(len(line) % 3, encode_result(problems), {"FT401": summary})


def _lint(lines: list[bytes], previous: RecordCache) -> tuple[CacheWriter, list[tuple[int, bytes]], list[int]]:
    """One run: (cache to save, (line index, value) reported, indexes actually computed)."""
    key = key_function(previous.fingerprint)
    writer = CacheWriter(previous.fingerprint, ["FT401"])
    computed: list[int] = []

    def compute(index: int):
        computed.append(index)
        return _result_of(lines[index])

    keys = b"".join(map(key, lines))
    reported = list(cache.update(previous, writer, keys, 0, previous.changed(keys, 0), compute))
    writer.resolve(previous)
    return writer, reported, computed


def _expected(lines: list[bytes]) -> list[tuple[int, bytes]]:
    return [(i, value) for i, line in enumerate(lines) if (value := _result_of(line).value)]


def _round_trip(writer: CacheWriter, directory: Path, fingerprint: bytes = FINGERPRINT) -> RecordCache:
    CacheFolder(directory, KEY).save(writer, DATA)
    return CacheFolder(directory, KEY).load(DATA, fingerprint)


def test_unchanged_file_is_served_from_the_cache(tmp_path):
    lines = [b'{"n": %d}' % i + (b"!" if i % 3 == 0 else b"") for i in range(50)]
    first, reported, computed = _lint(lines, RecordCache(FINGERPRINT))
    assert computed == list(range(50)) and reported == _expected(lines)

    loaded = _round_trip(first, tmp_path)
    second, reported, computed = _lint(lines, loaded)
    assert computed == []
    assert reported == _expected(lines)
    assert second.to_bytes(KEY) == first.to_bytes(KEY)
    assert [loaded.cell("FT401", i) for i in range(50)] == [_result_of(line).cells["FT401"] for line in lines]
    assert bytes(loaded.kinds) == bytes(_result_of(line).kind for line in lines)


def test_one_changed_byte_is_a_miss(tmp_path):
    lines = [b'{"n": %d}!' % i for i in range(20)]
    loaded = _round_trip(_lint(lines, RecordCache(FINGERPRINT))[0], tmp_path)
    lines[11] = lines[11].replace(b"1", b"2", 1)
    _, reported, computed = _lint(lines, loaded)
    assert computed == [11]
    assert reported == _expected(lines)


def test_moved_lines_are_found_where_they_were(tmp_path):
    lines = [b'{"n": %d}!' % i for i in range(20)]
    loaded = _round_trip(_lint(lines, RecordCache(FINGERPRINT))[0], tmp_path)
    lines.insert(5, b'{"new": true}')
    _, reported, computed = _lint(lines, loaded)
    assert computed == [5]
    assert reported == _expected(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=st.lists(
        st.sampled_from([b"{}", b"{}!", b"[1]", b"", b"x!", b'{"a": 1}']) | st.binary(max_size=6), max_size=40
    ),
    edits=st.lists(
        st.tuples(st.sampled_from(["insert", "delete", "replace"]), st.integers(0, 40), st.binary(max_size=4)),
        max_size=6,
    ),
)
def test_never_a_stale_result(tmp_path_factory, before, edits):
    directory = tmp_path_factory.mktemp("cache")
    loaded = _round_trip(_lint(before, RecordCache(FINGERPRINT))[0], directory)
    after = list(before)
    for action, where, text in edits:
        where = min(where, len(after))
        if action == "insert":
            after.insert(where, text + b"!")
        elif after and where < len(after):
            after[where : where + 1] = [] if action == "delete" else [after[where] + text]
    writer, reported, _ = _lint(after, loaded)
    assert reported == _expected(after)
    again = _lint(after, RecordCache(FINGERPRINT))[0]  # what a run without a cache saves
    assert writer.to_bytes(KEY) == again.to_bytes(KEY)


def test_other_settings_do_not_see_the_cache(tmp_path):
    lines = [b"{}!"] * 3
    _round_trip(_lint(lines, RecordCache(FINGERPRINT))[0], tmp_path)
    other = settings_fingerprint(Settings(model="gpt-4o-mini-2024-07-18"), file_format="openai-chat")
    assert len(CacheFolder(tmp_path, KEY).load(DATA, other)) == 0
    assert len(CacheFolder(tmp_path, KEY).load(DATA, FINGERPRINT)) == 3


@pytest.mark.parametrize(
    "change",
    [
        {"model": "gpt-4o-mini-2024-07-18"},
        {"rule_options": {"FT113": {"max_images": 3}}},
        {"select": ["FT2"]},
        {"ignore": ["FT202"]},
        {"format": "openai-chat"},
        {"per_file_models": {"*.jsonl": "gpt-4.1-2025-04-14"}},
    ],
)
def test_fingerprint_covers_what_changes_findings(change):
    assert settings_fingerprint(Settings(**change)) != settings_fingerprint(Settings())


def test_fingerprint_covers_the_per_file_context():
    assert settings_fingerprint(Settings(), file_format="openai-chat") != settings_fingerprint(
        Settings(), file_format="openai-preference"
    )


def test_fingerprint_ignores_how_findings_are_shown():
    shown = Settings(
        output_format="json", exit_zero=True, paths=[Path("a")]
    )  # the rest of how findings are shown is RunOptions, not settings
    assert settings_fingerprint(shown) == settings_fingerprint(Settings())


def test_results_round_trip():
    problems = [
        (
            "FT401",
            Problem("duplicate", "", (Location("a.jsonl", 3),), Severity.ERROR, "delete it", edit=DeleteDuplicate(3)),
        ),
        ("FT202", Problem("whitespace", "/messages/1/content", edit=StripText("/messages/1/content"))),
        ("FT004", Problem("blank", edit=DeleteBlankLine())),
        ("FT006", Problem("few", line=4)),
    ]
    assert decode_result(encode_result(problems)) == problems
    assert encode_result([]) == b"" and decode_result(b"") == []


def _damage(data: bytes) -> list[bytes]:
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    return [b"", data[:10], data[: len(data) // 2], bytes(flipped), b"\x00" * len(data), b"FTLC" + os.urandom(200)]


def test_a_damaged_cache_file_is_treated_as_empty(tmp_path):
    writer = _lint([b"{}!", b"{}"], RecordCache(FINGERPRINT))[0]
    path = CacheFolder(tmp_path, KEY).save(writer, DATA)
    good = path.read_bytes()
    for damaged in _damage(good):
        path.write_bytes(damaged)
        loaded = CacheFolder(tmp_path, KEY).load(DATA, FINGERPRINT)
        assert len(loaded) == 0
        assert list(cache.update(loaded, CacheWriter(FINGERPRINT, ["FT401"]), b"", 0, {}, _result_of)) == []


def test_cache_folder_is_tagged_and_ignored_by_git(tmp_path):
    cache.open_folder(
        None, environ={"FT_LINT_CACHE_DIR": str(tmp_path / "c"), "XDG_CACHE_HOME": str(tmp_path / "home")}
    )
    assert (tmp_path / "c" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (tmp_path / "c" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_oldest_caches_of_a_file_are_pruned(tmp_path):
    paths = []
    for model in ["a", "b", "c", "d", "e", "f"]:
        fingerprint = settings_fingerprint(Settings(model=model))
        path = CacheFolder(tmp_path, KEY).save(CacheWriter(fingerprint), DATA)
        os.utime(path, (len(paths), len(paths)))  # distinct ages
        paths.append(path)
    folder = CacheFolder(tmp_path, KEY)
    folder.save(CacheWriter(FINGERPRINT), Path("other.jsonl"))
    folder.prune()  # once per run, after the saves
    kept = sorted(p for p in tmp_path.glob("*.cache"))
    assert len(kept) == cache.FINGERPRINTS_KEPT + 1
    assert paths[0] not in kept and paths[-1] in kept


def test_unwritable_folder_is_an_error_for_the_caller(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError, match=re.escape(str(blocker))):  # the error names the path
        CacheFolder(blocker / "cache", KEY).save(CacheWriter(FINGERPRINT), DATA)
    assert not list(tmp_path.glob("**/*.tmp"))


def test_a_row_must_fit_the_writer():
    writer = CacheWriter(FINGERPRINT, ["FT401"])
    writer.append(b"k" * 16, Row(0))  # not a record: no summary
    refused = (
        (b"short", Row(0), "a key is 16 bytes, not 5"),
        (b"k" * 16, Row(2, b"", {"FT402": b"x"}), re.escape("no column for ['FT402']")),
    )
    for key, row, message in refused:
        with pytest.raises(ValueError, match=message):
            writer.append(key, row)
    assert len(writer) == 1  # a refused row adds nothing
    assert RecordCache._parse(writer.to_bytes(KEY), FINGERPRINT, KEY).cell("FT401", 0) is None


def test_parts_joined_equal_one_writer():
    lines = [b'{"n": %d}' % i + b"!" * (i % 2) for i in range(30)]
    whole = _lint(lines, RecordCache(FINGERPRINT))[0]
    joined = _lint(lines[:12], RecordCache(FINGERPRINT))[0]
    joined.extend(_lint(lines[12:], RecordCache(FINGERPRINT))[0])
    assert joined.to_bytes(KEY) == whole.to_bytes(KEY)
    with pytest.raises(ValueError, match="cannot join results of other settings"):
        joined.extend(CacheWriter(FINGERPRINT))  # no FT401 column: other settings


def test_parts_copied_from_the_last_run_join_and_resolve_to_one_writer(tmp_path):
    """Workers send back spans of the last run's summaries; the parent resolves them once."""
    lines = [b'{"n": %d}' % i + b"!" * (i % 2) for i in range(40)]
    previous = _round_trip(_lint(lines, RecordCache(FINGERPRINT))[0], tmp_path)
    lines[5], lines[30] = b'{"changed": 5}!', b'{"changed": 30}'
    key = key_function(FINGERPRINT)
    parts = []
    for start, stop in ((0, 12), (12, 40)):
        keys = b"".join(map(key, lines[start:stop]))
        part = CacheWriter(FINGERPRINT, ["FT401"])
        list(
            cache.update(
                previous,
                part,
                keys,
                start,
                previous.changed(keys, start),
                lambda i, start=start: _result_of(lines[start + i]),
            )
        )
        parts.append(part)
    joined = parts[0]
    joined.extend(parts[1])
    with pytest.raises(ValueError, match="the writer has cells not resolved yet"):
        joined.to_bytes(KEY)  # spans of the last run's cells not copied yet
    joined.resolve(previous)
    assert (
        joined.to_bytes(KEY)
        == _lint(lines, previous)[0].to_bytes(KEY)
        == _lint(lines, RecordCache(FINGERPRINT))[0].to_bytes(KEY)
    )


def test_cache_directory_location(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "project" / "pyproject.toml"
    assert cache.cache_directory(None, environ={}) == tmp_path / ".ft-lint-cache"
    assert cache.cache_directory(config, environ={}) == tmp_path / "project" / ".ft-lint-cache"
    assert (
        cache.cache_directory(config, "build/lint-cache", environ={}) == tmp_path / "project" / "build" / "lint-cache"
    )
    assert cache.cache_directory(config, "build", environ={"FT_LINT_CACHE_DIR": "/var/cache/x"}) == Path("/var/cache/x")
    assert cache.cache_directory(config, "/abs/cache", environ={}) == Path("/abs/cache")


def _write_repeatedly(directory: str, size: int, rounds: int) -> None:
    lines = [b'{"writer": %d, "n": %d}!' % (size, i) for i in range(size)]
    writer = _lint(lines, RecordCache(FINGERPRINT))[0]
    for _ in range(rounds):
        CacheFolder(Path(directory), KEY).save(writer, DATA)


@pytest.mark.slow
def test_two_processes_writing_at_once_leave_a_readable_cache(tmp_path):
    sizes = (300, 700)
    _write_repeatedly(str(tmp_path), sizes[0], 1)  # so a reader never has a reason to see nothing
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_repeatedly, args=(str(tmp_path), size, 40)) for size in sizes]
    for process in writers:
        process.start()
    seen = set()
    while any(process.is_alive() for process in writers):
        loaded = CacheFolder(tmp_path, KEY).load(DATA, FINGERPRINT)
        seen.add(len(loaded))
    for process in writers:
        process.join()
        assert process.exitcode == 0
    assert seen <= set(sizes)  # never a partial file (it would fail its checksum and read as 0)
    final = CacheFolder(tmp_path, KEY).load(DATA, FINGERPRINT)
    assert len(final) in sizes
    assert not list(tmp_path.glob("*.tmp"))


def test_the_settings_left_out_of_the_fingerprint_are_settings():
    """A name here that is no Settings field (an option moved to RunOptions) would leave nothing out."""
    import dataclasses

    assert {field.name for field in dataclasses.fields(Settings)} >= cache.OUTPUT_ONLY_SETTINGS
