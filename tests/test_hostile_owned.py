"""ft-lint on a stranger's repository writes only what it owns and reads only what it was given:
the record cache lives in a folder ft-lint made and is trusted only when signed with the user's
key, a report never overwrites an input, and links out of a folder named are not followed."""

from __future__ import annotations

import errno
import json
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xxhash

from ft_lint import cache
from hostile_limits import run_limited
from support import run_cli

CLEAN = [
    {
        "messages": [
            {"role": "user", "content": f"Question {i} about topic {i * 7}?"},
            {"role": "assistant", "content": f"Answer {i}: the result is {i * 13} units."},
        ]
    }
    for i in range(12)
]
SECRET = '[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA==\n'
OPTIONS = ("--ignore", "FT006,FT3")  # the model's limits are not what these tests are about
HOUR = 3600


def write_clean(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record) + "\n" for record in CLEAN))
    return path


def lint(*args: str, cwd: Path):
    result = run_cli("check", *OPTIONS, *args, cwd=cwd)
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    return result


def lines_starting(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def old_file(path: Path, text: str = "partial") -> Path:
    """A file last written two hours ago: what a clean-up of stale temporary files would remove."""
    path.write_text(text)
    then = time.time() - 2 * HOUR
    os.utime(path, (then, then))
    return path


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A checkout with clean data and no $FT_LINT_CACHE_DIR: the cache goes where the repository says."""
    monkeypatch.delenv("FT_LINT_CACHE_DIR")
    write_clean(tmp_path / "repo" / "data.jsonl")
    return tmp_path / "repo"


# --- the cache folder -------------------------------------------------------------------------


@pytest.mark.parametrize("configured", [".", "~", "..", "data"])
def test_a_cache_dir_that_is_someone_elses_folder_is_left_alone(project, monkeypatch, configured):
    home = project.parent / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    (project / "ft-lint.toml").write_text(f'cache-dir = "{configured}"\n')
    for folder in (project, home, project.parent, project / "data"):
        folder.mkdir(exist_ok=True)
        (folder / ".gitignore").write_text("build/\n")
        old_file(folder / "notes.tmp")
    before = {path: path.read_bytes() for path in project.parent.rglob("*") if path.is_file()}

    result = lint("data.jsonl", cwd=project)

    # no .gitignore overwritten, no *.tmp removed, no CACHEDIR.TAG, no cache file
    assert {path: path.read_bytes() for path in project.parent.rglob("*") if path.is_file()} == before
    assert result.code == 0 and "All checks passed" in result.out
    [warning] = lines_starting(result.err, "ft-lint: warning:")
    assert "not used for the record cache" in warning and "linting without it" in warning


@pytest.mark.parametrize("target_holds", ["files", "nothing", "an ft-lint cache"])
def test_a_committed_cache_link_out_of_the_project_is_not_followed(project, monkeypatch, target_holds):
    other = project.parent / "other"
    other.mkdir()
    if target_holds == "files":
        (other / ".gitignore").write_text("secrets/\n")
        old_file(other / "work.tmp")
    elif target_holds == "an ft-lint cache":
        monkeypatch.setenv("FT_LINT_CACHE_DIR", str(other))  # the user's own cache, somewhere else
        assert lint("data.jsonl", cwd=project).code == 0 and list(other.glob("*.cache"))
        monkeypatch.delenv("FT_LINT_CACHE_DIR")
    (project / ".ft-lint-cache").symlink_to("../other")
    before = {path.name: path.read_bytes() for path in other.iterdir()}
    (project / "data.jsonl").write_text((project / "data.jsonl").read_text().replace("Question 3", "Query 3"))

    result = lint("data.jsonl", cwd=project)

    assert {path.name: path.read_bytes() for path in other.iterdir()} == before
    assert result.code == 0
    [warning] = lines_starting(result.err, "ft-lint: warning:")
    assert ".ft-lint-cache" in warning and "inside the project" in warning


def test_the_cache_folder_named_by_the_user_must_be_new_empty_or_ftlints(project, monkeypatch):
    busy = project.parent / "busy"
    busy.mkdir()
    (busy / "thesis.tex").write_text("x")
    monkeypatch.setenv("FT_LINT_CACHE_DIR", str(busy))
    result = lint("data.jsonl", cwd=project)
    assert result.code == 0 and "holds files ft-lint did not make" in result.err
    assert sorted(p.name for p in busy.iterdir()) == ["thesis.tex"]

    empty = project.parent / "empty"
    empty.mkdir()
    monkeypatch.setenv("FT_LINT_CACHE_DIR", str(empty))
    result = lint("data.jsonl", cwd=project)
    assert result.code == 0 and result.err.count("ft-lint:") == 0, result.err
    assert (empty / "CACHEDIR.TAG").read_bytes() == cache.CACHEDIR_TAG and list(empty.glob("*.cache"))


def test_the_default_cache_folder_is_made_inside_the_project(project):
    result = lint("data.jsonl", cwd=project)
    assert result.code == 0 and "ft-lint:" not in result.err, result.err
    assert (project / ".ft-lint-cache" / "CACHEDIR.TAG").read_bytes() == cache.CACHEDIR_TAG
    assert (project / ".ft-lint-cache" / ".gitignore").read_bytes() == cache.GITIGNORE


def test_only_temporary_files_ftlint_names_are_cleaned_up(tmp_path, cache_folder):
    write_clean(tmp_path / "data.jsonl")
    assert lint("data.jsonl", cwd=tmp_path).code == 0  # the folder is ft-lint's now
    left = old_file(cache_folder / ("0123456789abcdef-" + "0" * 32 + ".cache.abc_9xyz.tmp"))  # a killed run's
    someone_elses = old_file(cache_folder / "download.tmp")
    fresh = cache_folder / ("0123456789abcdef-" + "1" * 32 + ".cache.abc_9xyz.tmp")  # a run still writing
    fresh.write_text("partial")
    with (tmp_path / "data.jsonl").open("a") as data:  # a change, so the cache is written again
        data.write(json.dumps(CLEAN[0]).replace("Question", "Query") + "\n")

    assert lint("data.jsonl", cwd=tmp_path).code == 0

    assert not left.exists() and fresh.exists() and someone_elses.exists()


@pytest.mark.slow
def test_a_fifo_under_a_cache_files_name_neither_hangs_nor_is_kept(tmp_path, cache_folder):
    write_clean(tmp_path / "data.jsonl")
    assert lint("data.jsonl", cwd=tmp_path).code == 0
    [cache_file] = cache_folder.glob("*.cache")
    cache_file.unlink()
    os.mkfifo(cache_file)

    result = run_limited("check", *OPTIONS, "data.jsonl", cwd=tmp_path, seconds=30)

    assert not result.timed_out and result.code == 0, result.err
    assert cache_file.is_file()  # replaced by a real cache


# --- trusting the cache -----------------------------------------------------------------------


def forge(cache_file: Path, lines: dict[int, bytes]) -> None:
    """What anyone who can write the cache folder could do with an unkeyed checksum: give the
    lines at these positions the keys of other bytes, so they get the results of clean lines."""
    data = bytearray(cache_file.read_bytes())
    _magic, _version, header_size = struct.unpack_from("<4sHI", data)
    start = struct.calcsize("<4sHI") + header_size
    header = json.loads(data[struct.calcsize("<4sHI") : start])
    key = cache.key_function(bytes.fromhex(header["fingerprint"]))
    for position, line in lines.items():
        data[start + 16 * position : start + 16 * (position + 1)] = key(line)
    data[-16:] = xxhash.xxh3_128_digest(bytes(data[:-16]))
    cache_file.write_bytes(bytes(data))


def test_a_planted_cache_cannot_turn_errors_into_passes(project, monkeypatch):
    data = project / "data.jsonl"
    assert lint("data.jsonl", cwd=project).code == 0  # the cache is in the checkout: .ft-lint-cache
    [cache_file] = (project / ".ft-lint-cache").glob("*.cache")
    bad = b'{"messages": [{"role": "user", "content": "no answer"}'  # not JSON
    lines = data.read_bytes().splitlines(keepends=True)
    lines[3] = bad + b"\n"
    data.write_bytes(b"".join(lines))
    forge(cache_file, {3: bad})

    result = lint("--output-format", "json", "data.jsonl", cwd=project)

    assert result.code == 1 and [(f["code"], f["line"]) for f in json.loads(result.out)] == [("FT001", 4)]
    key = cache.user_key()
    assert len(cache.RecordCache.load(cache_file, bytes.fromhex(cache_file.stem.split("-")[1]), key)) == len(
        lines
    )  # rewritten, signed


def test_entry_keys_depend_on_the_users_key(tmp_path, monkeypatch, cache_folder):
    """A stranger who knows the settings (ft-lint's version, the configuration) still cannot
    compute the keys a line gets, so cannot craft a line whose key is that of a clean one."""
    write_clean(tmp_path / "data.jsonl")
    for user in ("alice", "bob"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / user))
        assert lint("data.jsonl", cwd=tmp_path).code == 0
    # a file name holds the fingerprint that seeds the keys: one file per user
    assert len(list(cache_folder.glob("*.cache"))) == 2


def test_the_users_key_is_private_and_made_once(tmp_path):
    write_clean(tmp_path / "data.jsonl")
    assert lint("data.jsonl", cwd=tmp_path).code == 0
    key_file = cache.user_cache_folder() / cache.USER_KEY_FILE
    assert (key_file.stat().st_mode & 0o777, key_file.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    key = key_file.read_bytes()
    assert lint("data.jsonl", cwd=tmp_path).code == 0
    assert key_file.read_bytes() == key and len(key) == cache.USER_KEY_BYTES


def test_no_place_for_the_key_means_no_cache_not_a_failure(tmp_path, monkeypatch, cache_folder):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    write_clean(tmp_path / "data.jsonl")
    result = lint("data.jsonl", cwd=tmp_path)
    assert result.code == 0 and "All checks passed" in result.out
    [warning] = lines_starting(result.err, "ft-lint: warning:")
    assert "cannot keep its key" in warning and str(blocker) in warning
    assert not list(cache_folder.iterdir())


def test_a_cache_that_cannot_be_written_is_a_note(tmp_path, monkeypatch, cache_folder):
    write_clean(tmp_path / "data.jsonl")
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    assert lint("data.jsonl", cwd=tmp_path).code == 0  # the folder is made and tagged
    write = cache.write_atomically

    def disk_fills_up(path, pieces):
        def pieces_then_full():
            yield next(iter(pieces))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        write(path, pieces_then_full())

    monkeypatch.setattr(cache, "write_atomically", disk_fills_up)
    result = lint("--output-format", "concise", "data.jsonl", "bad.jsonl", cwd=tmp_path)

    assert result.code == 1 and "bad.jsonl:1: FT001" in result.out
    [note] = lines_starting(result.err, "ft-lint: note:")
    assert "not saved" in note and "No space left on device" in note and str(cache_folder) in note
    assert not list(cache_folder.glob("*.tmp"))


# --- reports ----------------------------------------------------------------------------------


def test_a_report_never_overwrites_an_input(tmp_path):
    data = write_clean(tmp_path / "train.jsonl")
    write_clean(tmp_path / "valid.jsonl")  # read as train.jsonl's partner
    (tmp_path / "link.jsonl").symlink_to("train.jsonl")
    os.link(data, tmp_path / "hard.jsonl")
    (tmp_path / "ft-lint.toml").write_text('select = ["ALL"]\n')
    contents = {path: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()}

    for target in ("train.jsonl", "link.jsonl", "hard.jsonl", "valid.jsonl", "ft-lint.toml", str(data)):
        result = lint("-o", target, "train.jsonl", cwd=tmp_path)
        [line] = result.err.splitlines()
        assert result.code == 2 and line.startswith(
            f"ft-lint: error: {target}: the report would overwrite an input ("
        ), line
        assert {"valid.jsonl": "valid.jsonl)", "ft-lint.toml": "ft-lint.toml)"}.get(target, "(train.jsonl)") in line
    assert {path: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()} == contents
    assert lint("-o", "report.txt", "train.jsonl", cwd=tmp_path).code in (
        0,
        1,
    )  # the copies in valid.jsonl are findings
    assert "train.jsonl" in (tmp_path / "report.txt").read_text()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_while_writing_the_report_is_one_line(tmp_path):
    write_clean(tmp_path / "data.jsonl")
    to_file = run_limited("check", *OPTIONS, "-o", "/dev/full", "data.jsonl", cwd=tmp_path)
    assert to_file.code == 2
    assert to_file.err.splitlines() == ["ft-lint: error: /dev/full: cannot write the report: No space left on device"]

    with open("/dev/full", "w") as full:
        to_stdout = subprocess.run(
            [sys.executable, "-m", "ft_lint", "check", *OPTIONS, "data.jsonl"],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert to_stdout.returncode == 2
    assert to_stdout.stderr.splitlines() == [
        "ft-lint: error: standard output: cannot write the report: No space left on device"
    ]


# --- links out of the folders named -----------------------------------------------------------


def secret_outside(tmp_path: Path) -> Path:
    secret = tmp_path / "home" / ".gitconfig"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    return secret


def dataset_outside(tmp_path: Path) -> Path:
    """Someone else's data outside the repository, sharing one record with the repository's:
    read as a partner, the pair rules would tell the stranger so."""
    other = tmp_path / "private" / "valid.jsonl"
    other.parent.mkdir()
    other.write_text(
        json.dumps(CLEAN[5]) + "\n" + json.dumps({"messages": [{"role": "user", "content": SECRET}]}) + "\n"
    )
    return other


def test_a_data_file_linking_out_of_the_folder_named_is_skipped(tmp_path):
    secret = secret_outside(tmp_path)
    write_clean(tmp_path / "repo" / "data" / "train.jsonl")
    (tmp_path / "repo" / "data" / "x.jsonl").symlink_to(secret)
    (tmp_path / "repo" / "data" / "inside.jsonl").symlink_to("train.jsonl")  # stays in: read

    result = lint("--output-format", "json", "data", cwd=tmp_path / "repo")

    assert "extraheader" not in result.out and "AUTHORIZATION" not in result.out
    assert result.code == 0, result.out
    assert lines_starting(result.err, "ft-lint: note:") == [
        "ft-lint: note: skipped data/x.jsonl: a symbolic link out of data (name it to lint it)"
    ]

    named = lint("--output-format", "json", "data/x.jsonl", cwd=tmp_path / "repo")  # the user's own choice
    assert named.code == 1 and {f["filename"] for f in json.loads(named.out)} == {"data/x.jsonl"}


def test_a_subfolder_linking_out_of_the_folder_named_is_skipped_with_a_note(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "more.jsonl").write_text(SECRET)
    write_clean(tmp_path / "repo" / "data" / "train.jsonl")
    (tmp_path / "repo" / "data" / "extra").symlink_to(outside)

    result = lint("data", cwd=tmp_path / "repo")

    assert result.code == 0 and "(1 file," in result.out
    assert lines_starting(result.err, "ft-lint: note:") == [
        "ft-lint: note: skipped data/extra: a symbolic link out of data (name it to lint it)"
    ]


def test_a_partner_linking_out_is_not_read(tmp_path):
    repo = tmp_path / "repo"
    write_clean(repo / "data" / "train.jsonl")
    (repo / "data" / "valid.jsonl").symlink_to(dataset_outside(tmp_path))  # found by name as train.jsonl's partner

    result = lint("--output-format", "concise", "data/train.jsonl", cwd=repo)

    assert not re.search(r"valid\.jsonl:\d+: FT", result.out) and result.code == 0, result.out
    assert "(1 file, 12 records)" in result.out
    assert (
        "note: data/valid.jsonl: not read: it lies outside the project and the folders of the files given" in result.out
    )


def test_pairs_in_the_configuration_cannot_name_files_outside(tmp_path):
    repo = tmp_path / "repo"
    write_clean(repo / "train.jsonl")
    (repo / "ft-lint.toml").write_text(f'[pairs]\n"train.jsonl" = "{dataset_outside(tmp_path)}"\n')

    result = lint("--output-format", "concise", "train.jsonl", cwd=repo)

    assert not re.search(r"valid\.jsonl:\d+: FT", result.out) and result.code == 0, result.out
    assert "not read: it lies outside the project" in result.out
