"""Rewriting a data file in place, for `--fix`.

The file keeps its inode: its hard links, owner, mode, extended attributes (ACLs, SELinux
labels) and the handles other programs hold on it all stay, and a program appending to it
keeps appending to it. (A new file renamed over the old one would lose all of that, and
whatever an appender writes after the rename.)

1. The fixed bytes go to a journal next to the file, `.NAME.ft-lint-fix-PID-XXXXXXXX.tmp`:
   a full disk shows before the file is touched.
2. Holding an exclusive flock(2) on the file (ft-lint's checks take a shared one while they
   read, so they see the file before or after, never half rewritten), the file must still
   start with the very bytes the fix read: same inode, same SHA-256. Bytes appended after
   them are kept; any other change and the fix is dropped.
3. The journal is renamed `.redo`, copied over the start of the file, the bytes appended
   meanwhile are moved after it (through the journal), and the file is cut to its length.

A fix only ever shortens a file, so the fixed bytes land where the bytes they replace were
read, never past them where an appender writes. A run killed in step 1 or 2 left the file
as it was: the next `--fix` of that folder deletes its journal. Killed in step 3, it may
have left the file half rewritten: the next `--fix` completes the rewrite from the journal.
A run holds a lock on its journal while it lives, so only the journals of dead runs are
touched, and only files with ft-lint's own name and header.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import stat
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import IO

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the file is still checked against the bytes read
    fcntl = None

MAGIC = b"ft-lint fix journal 1\n"
_HEADER = struct.Struct("<QQH")  # the file's inode, how many bytes the fix removes, its name's length
_JOURNAL_NAME = re.compile(r"\..*\.ft-lint-fix-\d+-\w+\.(tmp|redo)", re.DOTALL)
CHUNK = 1 << 20
_HELD_SIGNALS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]


class NotFixed(Exception):
    """Why a file was not fixed, or its fix not finished: one line, to follow its name."""


def check_fixable(target: Path, status: os.stat_result, force: bool) -> None:
    """Refuse what a fix should not write to unless the user insists (`--force`)."""
    if not stat.S_ISREG(status.st_mode):
        raise NotFixed("not a regular file; not fixed")
    if force:
        return
    if status.st_nlink > 1:
        raise NotFixed(
            f"has {status.st_nlink} hard links and a fix would change it under every name; not fixed (--force fixes it)"
        )
    if not status.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise NotFixed("is read-only; not fixed (--force fixes it)")


@contextlib.contextmanager
def reading_lock(path: Path) -> Iterator[None]:
    """A shared lock on the file while it is read: a fix in progress finishes first."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block here
    except OSError:
        yield  # the reader reports why it cannot be read
        return
    with open(descriptor, "rb") as handle:
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            _lock(handle, _LOCK_SH)
        yield


class Rewrite:
    """A file's fixed bytes, written to its journal, then over the file (see the module's docstring)."""

    def __init__(self, target: Path, handle: IO[bytes], status: os.stat_result):
        self.target, self.handle, self.status = target, handle, status
        self.journal = Journal.create(target, status)
        self._read = hashlib.sha256()
        self.read_size = self.written = 0
        self._last_byte = b""

    def __enter__(self) -> Rewrite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.journal.close(keep=self.journal.sealed)

    def lines(self) -> Iterator[bytes]:
        """The file's lines, from its handle, remembered (as a digest) to check the file against before writing."""
        for line in self.handle:
            self._read.update(line)
            self.read_size += len(line)
            self._last_byte = line[-1:]
            yield line

    def write(self, data: bytes) -> None:
        self.journal.write(data)
        self.written += len(data)

    def commit(self, force: bool) -> bool:
        """Rewrite the file with the journal's bytes; False, leaving it as it is, when it is
        no longer what was read."""
        assert self.written <= self.read_size, "a fix never lengthens a file"
        self.journal.finish(removed=self.read_size - self.written)
        _lock(self.handle, _LOCK_EX)  # waits for other ft-lint runs reading or fixing it
        with _held_signals(), _open_for_writing(self.target, self.status, force) as file:
            if not self._unchanged(file):
                return False
            self.journal.seal()
            try:
                complete(file, self.journal)
            except OSError as error:
                raise NotFixed(
                    f"rewriting it failed ({error.strerror or error}), it may be half rewritten: "
                    f"the next `ft-lint check --fix` completes it from {self.journal.path.name}"
                ) from None
            self.journal.close(keep=False)
        return True

    def _unchanged(self, file: IO[bytes]) -> bool:
        """Whether the file still starts with the bytes read (the fix's input): only appended to, if changed."""
        now = os.fstat(file.fileno())
        if (now.st_dev, now.st_ino) != (self.status.st_dev, self.status.st_ino) or now.st_size < self.read_size:
            return False
        if now.st_size > self.read_size and self._last_byte != b"\n":
            return False  # what was appended continues the last line the fix read
        digest = hashlib.sha256()
        self.handle.seek(0)
        remaining = self.read_size
        while remaining:
            chunk = self.handle.read(min(CHUNK, remaining))
            if not chunk:
                return False
            digest.update(chunk)
            remaining -= len(chunk)
        return digest.digest() == self._read.digest()


def complete(file: IO[bytes], journal: Journal) -> None:
    """Make the file the journal's bytes, followed by what was appended after the bytes they
    replace. Run again after it was interrupted, it ends the same."""
    written = journal.data_size
    end = written + journal.removed  # where the bytes the journal does not hold start
    if os.fstat(file.fileno()).st_size < end:
        return  # already cut to its new length: the run that was interrupted had finished
    for offset, chunk in journal.chunks():
        file.seek(offset)
        file.write(chunk)
    file.flush()
    os.fsync(file.fileno())  # the bulk, now: cutting the file and removing the journal then follow closely
    while True:
        file.seek(end)
        appended = file.read(CHUNK)
        if not appended:
            break
        journal.append(appended)  # first: if this run is killed, the journal still holds them
        file.seek(written)
        file.write(appended)
        written += len(appended)
        end += len(appended)
    file.flush()
    if end > written:
        os.ftruncate(file.fileno(), written)
    os.fsync(file.fileno())


def finish_interrupted(folder: Path, notes: list[str], problems: list[str]) -> None:
    """Clear the journals that dead runs left in the folder, completing the rewrites they had
    begun: a note for each file completed, a problem for each that could not be."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return
    for name in names:
        journal = Journal.of_dead_run(folder / name) if _JOURNAL_NAME.fullmatch(name) else None
        if journal is None:
            continue
        target = folder / journal.target_name
        try:
            if journal.sealed and _is_the_file(target, journal.inode):
                with open(target, "rb") as handle:
                    _lock(handle, _LOCK_EX)
                    with _held_signals(), _open_for_writing(target, os.fstat(handle.fileno()), force=True) as file:
                        complete(file, journal)
                notes.append(f"completed the fix of {target} that an interrupted run had begun")
        except (OSError, NotFixed) as error:
            detail = error.strerror if isinstance(error, OSError) and error.strerror else error
            problems.append(
                f"{target}: an interrupted fix left it half rewritten and completing it failed ({detail}); "
                f"its fixed bytes are in {journal.path}"
            )
            journal.close(keep=True)
            continue
        journal.close(keep=False)  # unsealed, the file was not touched yet; else it was removed or replaced since


def _is_the_file(path: Path, inode: int) -> bool:
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return False
    return stat.S_ISREG(status.st_mode) and status.st_ino == inode


class Journal:
    """The bytes a file is to hold, in a file next to it: a header (the file's inode, name,
    and how many bytes the fix removes), then the bytes. `.tmp` while written, `.redo`
    once they are being written over the file."""

    def __init__(self, path: Path, file: IO[bytes], inode: int, removed: int, target_name: str, header_size: int):
        self.path, self.file = path, file
        self.inode, self.removed, self.target_name = inode, removed, target_name
        self.header_size = header_size

    @classmethod
    def create(cls, target: Path, status: os.stat_result) -> Journal:
        prefix = f".{target.name[:48]}.ft-lint-fix-{os.getpid()}-"  # short enough for any file system
        while True:
            try:
                descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=".tmp")
            except OSError as error:
                raise _not_written(error) from None
            file = os.fdopen(descriptor, "r+b")
            _lock(file, _LOCK_EX)  # held while this run lives: its journal is not a dead run's
            if os.fstat(descriptor).st_nlink:
                break
            file.close()  # another run took it for a dead run's in the moment before it was locked
        encoded = os.fsencode(target.name)
        journal = cls(Path(name), file, status.st_ino, 0, target.name, len(MAGIC) + _HEADER.size + len(encoded))
        file.write(MAGIC + journal._fields() + encoded)
        return journal

    @classmethod
    def of_dead_run(cls, path: Path) -> Journal | None:
        """The journal at this path if a run that is gone left it (its lock is free), else None.
        None also for a file that only looks like one by its name."""
        try:
            file = open(os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0)), "r+b")  # noqa: SIM115 (the journal's)
        except OSError:
            return None
        if not _lock(file, _LOCK_EX | _LOCK_NB) or not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            file.close()
            return None
        head = file.read(len(MAGIC) + _HEADER.size)
        if path.suffix == ".tmp" and head[: len(MAGIC)] == MAGIC[: len(head)]:
            return cls(path, file, 0, 0, "", 0)  # only its path matters: it is deleted (its header may be cut short)
        if not head.startswith(MAGIC) or len(head) < len(MAGIC) + _HEADER.size:
            file.close()
            return None
        inode, removed, name_size = _HEADER.unpack(head[len(MAGIC) :])
        encoded = file.read(name_size)
        if len(encoded) != name_size or b"/" in encoded or encoded in (b"", b".", b".."):
            file.close()
            return None
        return cls(path, file, inode, removed, os.fsdecode(encoded), len(head) + name_size)

    @property
    def sealed(self) -> bool:
        return self.path.suffix == ".redo"

    @property
    def data_size(self) -> int:
        return os.fstat(self.file.fileno()).st_size - self.header_size

    def write(self, data: bytes) -> None:
        try:
            self.file.write(data)
        except OSError as error:
            raise _not_written(error) from None

    def finish(self, removed: int) -> None:
        """Record how many bytes the fix removes, and make the journal durable."""
        self.removed = removed
        try:
            self.file.seek(len(MAGIC))
            self.file.write(self._fields())
            self.file.flush()
            os.fsync(self.file.fileno())
        except OSError as error:  # a full disk, say: the file is not touched
            raise _not_written(error) from None

    def seal(self) -> None:
        """From now on the file may be half rewritten: the journal is what completes it."""
        sealed = self.path.with_suffix(".redo")
        os.rename(self.path, sealed)
        self.path = sealed
        _sync_folder(sealed.parent)

    def chunks(self) -> Iterator[tuple[int, bytes]]:
        """The bytes the file is to start with, and where each chunk goes."""
        for offset in range(0, self.data_size, CHUNK):
            self.file.seek(self.header_size + offset)
            yield offset, self.file.read(CHUNK)

    def append(self, data: bytes) -> None:
        self.file.seek(0, os.SEEK_END)
        self.file.write(data)
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self, keep: bool) -> None:
        if self.file.closed:
            return
        if not keep:
            with contextlib.suppress(OSError):  # gone already, or its folder is no longer writable
                os.unlink(self.path)
        with contextlib.suppress(OSError):  # the bytes it could not write (a full disk) are not wanted
            self.file.close()  # last: the lock keeps other runs off it until it is gone

    def _fields(self) -> bytes:
        return _HEADER.pack(self.inode, self.removed, len(os.fsencode(self.target_name)))


def _not_written(error: OSError) -> NotFixed:
    return NotFixed(f"cannot write the fixed file next to it: {error.strerror or error}")


_LOCK_SH, _LOCK_EX, _LOCK_NB = (fcntl.LOCK_SH, fcntl.LOCK_EX, fcntl.LOCK_NB) if fcntl is not None else (0, 0, 0)


def _lock(file: IO[bytes], operation: int) -> bool:
    """flock(2) the file; False only when a non-blocking lock is held by another process.
    Where there are no locks (Windows, some network file systems) there is nothing to wait for."""
    if fcntl is None:
        return not operation & _LOCK_NB
    try:
        fcntl.flock(file.fileno(), operation)
    except BlockingIOError:
        return False
    except OSError:
        return not operation & _LOCK_NB  # a journal whose lock cannot be tested is left alone
    return True


@contextlib.contextmanager
def _open_for_writing(target: Path, status: os.stat_result, force: bool) -> Iterator[IO[bytes]]:
    file: IO[bytes]
    try:
        file = open(target, "r+b")  # noqa: SIM115 (closed by the `with` below)
    except OSError as error:
        if not (force and isinstance(error, PermissionError)):
            raise NotFixed(f"cannot be opened for writing ({error.strerror or error}); not fixed") from None
        file = _open_read_only(target, status)
    with file:
        yield file


def _open_read_only(target: Path, status: os.stat_result) -> IO[bytes]:
    """`--force` on a file its owner may not write: opened for writing through a moment's
    u+w, its mode restored at once (as vim's `:w!` does)."""
    mode = stat.S_IMODE(status.st_mode)
    try:
        os.chmod(target, mode | stat.S_IWUSR)
        try:
            return open(target, "r+b")
        finally:
            os.chmod(target, mode)
    except OSError as error:
        raise NotFixed(f"cannot be opened for writing ({error.strerror or error}); not fixed") from None


@contextlib.contextmanager
def _held_signals() -> Iterator[None]:
    """Ctrl-C, a hang-up or a `kill` wait until the file is rewritten (only SIGKILL or a
    power cut can stop it half way; the next `--fix` then completes it)."""
    received: list[int] = []
    try:
        previous = {
            number: signal.signal(number, lambda number, frame: received.append(number)) for number in _HELD_SIGNALS
        }
    except ValueError:  # not the main thread, where signals are handled anyway
        previous = {}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        if received:
            signal.raise_signal(received[0])


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (where the platform allows opening a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
