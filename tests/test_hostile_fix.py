"""`--fix` rewrites a file in place or refuses it: it keeps the inode (hard links, mode, owner,
extended attributes), loses nothing another process appends, and a killed run leaves nothing
behind once ft-lint fixes that folder again (see ft_lint/inplace.py)."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import stat
import subprocess
import sys

import pytest

from ft_lint import inplace
from support import chat, run_cli
from support_repo import ROOT


def line(record: dict) -> bytes:
    return json.dumps(record).encode() + b"\n"


A, B, C, D, E = (line(chat(f"Question {n}?", f"Answer {n}.")) for n in "ABCDE")
DATA = A + b"\n" + B + A + C  # a blank line (FT004) and a duplicate (FT401)
FIXED = A + B + C


def data_file(tmp_path, content: bytes = DATA):
    path = tmp_path / "train.jsonl"
    path.write_bytes(content)
    return path


def test_the_fixed_file_keeps_its_inode_mode_owner_and_extended_attributes(tmp_path):
    path = data_file(tmp_path)
    path.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(path, 1234, 5678)  # another user's file, which a new file could not be given back
    try:
        os.setxattr(path, "user.origin", b"crawl 2024-05")
    except OSError:
        pytest.skip("this file system has no user extended attributes")
    before = path.stat()
    run_cli("check", "--fix", str(path))
    after = path.stat()
    assert path.read_bytes() == FIXED
    assert (after.st_ino, stat.S_IMODE(after.st_mode), after.st_uid, after.st_gid) == (
        before.st_ino,
        0o640,
        before.st_uid,
        before.st_gid,
    )
    assert os.getxattr(path, "user.origin") == b"crawl 2024-05"
    assert sorted(os.listdir(tmp_path)) == ["train.jsonl"]


def test_a_file_with_other_hard_links_is_refused_unless_forced(tmp_path):
    path = data_file(tmp_path)
    os.link(path, tmp_path / "snapshot.bin")  # e.g. DVC's cache, or `cp -al` backups
    other = tmp_path / "other.jsonl"
    other.write_bytes(D + b"\n" + E)
    result = run_cli("check", "--fix", "--output-format", "concise", str(path), str(other))
    assert result.code == 2
    assert (
        result.err == f"ft-lint: error: {path}: has 2 hard links and a fix would change it under every name; "
        "not fixed (--force fixes it)\n"
    )
    assert path.read_bytes() == DATA and other.read_bytes() == D + E  # the others are still fixed
    assert f"{path}:2: FT004" in result.out  # and what remains in the refused one is reported

    forced = run_cli("check", "--fix", "--force", str(path))
    assert forced.code in (0, 1), forced.err
    assert path.read_bytes() == (tmp_path / "snapshot.bin").read_bytes() == FIXED
    assert path.stat().st_nlink == 2


def test_a_read_only_file_is_refused_unless_forced(tmp_path):
    path = data_file(tmp_path)
    path.chmod(0o444)
    inode = path.stat().st_ino
    result = run_cli("check", "--fix", str(path))
    assert (result.code, result.err) == (2, f"ft-lint: error: {path}: is read-only; not fixed (--force fixes it)\n")
    assert path.read_bytes() == DATA

    run_cli("check", "--fix", "--force", str(path))
    assert path.read_bytes() == FIXED
    assert (path.stat().st_ino, stat.S_IMODE(path.stat().st_mode)) == (inode, 0o444)


def test_force_opens_a_file_its_owner_may_not_write_through_a_moment_of_write_permission(tmp_path, monkeypatch):
    path = data_file(tmp_path)
    path.chmod(0o444)

    def open_as_its_owner(file, mode="r", *args, **kwargs):  # not as root, who may write anything
        if "+" in mode and not os.stat(file).st_mode & stat.S_IWUSR:
            raise PermissionError(13, "Permission denied", str(file))
        return open(file, mode, *args, **kwargs)

    monkeypatch.setattr(inplace, "open", open_as_its_owner, raising=False)
    result = run_cli("check", "--fix", "--force", str(path))
    assert result.code in (0, 1), result.err
    assert path.read_bytes() == FIXED and stat.S_IMODE(path.stat().st_mode) == 0o444


def test_force_is_only_for_fix(tmp_path):
    result = run_cli("check", "--force", str(data_file(tmp_path)))
    assert (result.code, result.err) == (2, "ft-lint: error: --force only applies with --fix\n")


def test_a_program_appending_to_the_file_keeps_appending_to_it(tmp_path):
    path = data_file(tmp_path)
    with open(path, "ab") as collector:  # a process that keeps its output file open
        collector.write(D)
        collector.flush()
        run_cli("check", "--fix", str(path))
        collector.write(E)
    assert path.read_bytes() == FIXED + D + E


def _append_after(monkeypatch, path, method: str, data: bytes) -> None:
    """Another process appends `data` to the file once, just after the fix's `Journal.method`."""
    real = getattr(inplace.Journal, method)
    appended = []

    def append_once():
        if not appended:
            appended.append(True)
            with open(path, "ab") as appender:
                appender.write(data)

    if method == "chunks":  # while the fixed bytes are being written over the file

        def hooked(self):
            for chunk in real(self):
                yield chunk
                append_once()

    else:

        def hooked(self, *args, **kwargs):
            real(self, *args, **kwargs)
            append_once()

    monkeypatch.setattr(inplace.Journal, method, hooked)


@pytest.mark.parametrize("moment", ["finish", "seal", "chunks"])  # before the file is checked, after, while writing
def test_bytes_appended_during_the_fix_are_kept(tmp_path, monkeypatch, moment):
    path = data_file(tmp_path)
    _append_after(monkeypatch, path, moment, D + E)
    result = run_cli("check", "--fix", str(path))
    assert path.read_bytes() == FIXED + D + E
    assert "fixed 2 problems in 1 file" in result.out
    assert sorted(os.listdir(tmp_path)) == ["train.jsonl"]


def test_an_append_that_continues_the_last_line_read_leaves_the_file_to_its_writer(tmp_path, monkeypatch):
    """The fix read a line still being written: it is dropped, as for any other change."""
    path = data_file(tmp_path, DATA + b'{"messages": [')
    _append_after(
        monkeypatch, path, "finish", b'{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}\n'
    )
    result = run_cli("check", "--fix", "--output-format", "concise", str(path))
    assert path.read_bytes() == DATA + line(chat("Hi", "Yo"))
    assert f"{path}:2: FT004" in result.out and "fixed" not in result.out


def test_ctrl_c_during_the_rewrite_takes_effect_once_the_file_is_whole(tmp_path, monkeypatch):
    path = data_file(tmp_path)
    real_seal = inplace.Journal.seal

    def seal_then_interrupt(self):
        real_seal(self)
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(inplace.Journal, "seal", seal_then_interrupt)
    result = run_cli("check", "--fix", str(path))
    assert result.code == 2 and result.err.endswith("ft-lint: aborted\n")
    assert path.read_bytes() == FIXED
    assert sorted(os.listdir(tmp_path)) == ["train.jsonl"]


def run_killed(patch: str, *args: str, cwd) -> None:
    """`ft-lint ARGS` in a child process that `patch` (Python code) SIGKILLs half way."""
    code = f"import os, signal, sys\n{patch}\nfrom ft_lint.cli import main\nmain(sys.argv[1:])"
    child = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()


@pytest.mark.slow
def test_a_run_killed_before_writing_the_file_leaves_it_and_the_next_fix_removes_its_journal(tmp_path):
    path = data_file(tmp_path)
    run_killed(
        "os.fsync = lambda descriptor: os.kill(os.getpid(), signal.SIGKILL)",
        "check",
        "--fix",
        "--no-cache",
        "train.jsonl",
        cwd=tmp_path,
    )
    assert path.read_bytes() == DATA
    assert len(os.listdir(tmp_path)) == 2  # its journal, with the fixed bytes
    run_cli("check", "--fix", str(path))
    assert path.read_bytes() == FIXED
    assert sorted(os.listdir(tmp_path)) == ["train.jsonl"]


KILLED_WHILE = {
    "copying": """
from ft_lint import inplace
inplace.CHUNK = 64
copy = inplace.Journal.chunks
def chunks(self):
    for number, chunk in enumerate(copy(self)):
        if number == 4:
            os.kill(os.getpid(), signal.SIGKILL)
        yield chunk
inplace.Journal.chunks = chunks
""",
    "cutting": "os.ftruncate = lambda descriptor, length: os.kill(os.getpid(), signal.SIGKILL)",
}


@pytest.mark.slow
@pytest.mark.parametrize("moment", KILLED_WHILE)
def test_a_rewrite_killed_half_way_is_completed_by_the_next_fix(tmp_path, moment):
    path = data_file(tmp_path, DATA * 3)
    run_killed(KILLED_WHILE[moment], "check", "--fix", "--no-cache", "--select", "FT004", "train.jsonl", cwd=tmp_path)
    assert path.read_bytes() not in (DATA * 3, (A + B + A + C) * 3)  # half rewritten
    with open(path, "ab") as collector:  # and a process appended to it since
        collector.write(D)
    result = run_cli("check", "--fix", "--select", "FT004", str(path))
    assert path.read_bytes() == (A + B + A + C) * 3 + D
    assert f"note: completed the fix of {path} that an interrupted run had begun" in result.out
    assert sorted(os.listdir(tmp_path)) == ["train.jsonl"]


def journal_bytes(inode: int, removed: int, name: bytes = b"train.jsonl", payload: bytes = b"") -> bytes:
    """A journal as ft-lint writes them: header (the file's inode, bytes removed, name), then the fixed bytes."""
    return inplace.MAGIC + inplace._HEADER.pack(inode, removed, len(name)) + name + payload


def test_only_the_journals_of_dead_runs_are_removed(tmp_path):
    path = data_file(tmp_path)
    others = {
        ".train.jsonl.ft-lint-fix-1-abcdefgh.tmp": b"not a journal, only named like one",
        ".train.jsonl.swp": b"an editor's",
        "notes.tmp": b"the user's",
    }
    for name, content in others.items():
        (tmp_path / name).write_bytes(content)
    live = tmp_path / ".train.jsonl.ft-lint-fix-2-abcdefgh.tmp"
    live.write_bytes(inplace.MAGIC)
    with open(live, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as the run writing it does
        run_cli("check", "--fix", str(path))
    assert path.read_bytes() == FIXED
    assert sorted(os.listdir(tmp_path)) == sorted([*others, live.name, "train.jsonl"])
    assert all((tmp_path / name).read_bytes() == content for name, content in others.items())


def test_a_planted_journal_writes_to_no_file(tmp_path):
    (tmp_path / "data").mkdir()
    path = data_file(tmp_path / "data", FIXED)
    victim = tmp_path / "victim.jsonl"
    victim.write_bytes(FIXED)
    # one for a file outside the folder, one with the name of a file but not its inode
    (tmp_path / "data" / ".x.ft-lint-fix-1-abcdefgh.redo").write_bytes(
        journal_bytes(victim.stat().st_ino, 0, b"../victim.jsonl", b"evil\n")
    )
    (tmp_path / "data" / ".train.jsonl.ft-lint-fix-1-abcdefgh.redo").write_bytes(
        journal_bytes(path.stat().st_ino + 1, 0, payload=b"evil\n")
    )
    run_cli("check", "--fix", str(path))
    assert path.read_bytes() == victim.read_bytes() == FIXED
    assert sorted(os.listdir(tmp_path / "data")) == [
        ".x.ft-lint-fix-1-abcdefgh.redo",
        "train.jsonl",
    ]  # not ft-lint's: left


def test_diff_writes_nothing_not_even_to_clear_a_dead_runs_journal(tmp_path):
    path = data_file(tmp_path)
    (tmp_path / ".train.jsonl.ft-lint-fix-1-abcdefgh.redo").write_bytes(
        journal_bytes(path.stat().st_ino, 3, payload=FIXED)
    )

    def snapshot():
        return {
            name: ((tmp_path / name).read_bytes(), (tmp_path / name).stat().st_mtime_ns)
            for name in os.listdir(tmp_path)
        }

    before = snapshot()
    assert run_cli("check", "--diff", str(path)).code == 1
    assert snapshot() == before


def test_an_unsafe_fix_that_would_lengthen_a_line_leaves_it(tmp_path):
    longer = (
        b'{"messages": [{"role": "user", "content": "Hi "}, {"role": "assistant", "content": "Yo"}], "weight": 1e5}\n'
    )
    path = data_file(tmp_path, longer + line(chat("Hi ", "Yo!")))
    run_cli("check", "--fix", "--unsafe-fixes", str(path))
    assert path.read_bytes() == longer + line(chat("Hi", "Yo!"))  # 1e5 would be written 100000.0


def test_a_full_disk_leaves_the_file_and_no_journal_and_the_other_files_are_fixed(tmp_path, monkeypatch):
    path = data_file(tmp_path)
    other = tmp_path / "other.jsonl"
    other.write_bytes(D + b"\n" + E)
    real_fsync = os.fsync
    full = []

    def full_once(descriptor):
        if not full:
            full.append(True)
            raise OSError(28, "No space left on device")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", full_once)
    result = run_cli("check", "--fix", str(other), str(path))
    assert (result.code, result.err) == (
        2,
        f"ft-lint: error: {other}: cannot write the fixed file next to it: No space left on device\n",
    )
    assert other.read_bytes() == D + b"\n" + E and path.read_bytes() == FIXED
    assert sorted(os.listdir(tmp_path)) == ["other.jsonl", "train.jsonl"]
