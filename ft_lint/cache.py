"""The per-record result cache: a warm run lints only the records that changed, like ruff's cache.

What is cached. For every entry (line) of a data file: a 16-byte key, the hash of the entry's
bytes seeded with the *settings fingerprint*, and its result: its kind (one byte: not a record,
or the format it was detected as), the problems the entry and record rules found (without the
line, which is known on the way back) and the summaries the dataset rules made of it. A result
is a pure function of (entry bytes, fingerprint), so a key match is a correct result whatever
file, position or run it came from.

The fingerprint covers everything that can change a finding: ft-lint's version, the size and
modification time of every file of the installed code and the text of the schemas (so a
development checkout never reads results of older code), the cache format, every setting except the output-only
ones (rules selected and ignored, their options, model, format, ...), and whatever per-file
context the caller adds (the sniffed file format).

Storage. One file per (data file, fingerprint), written whole after each run and read with
one ``read()``: a header, the keys and kinds in file order, the positions and value offsets of
the few entries that have a value (most entries have nothing to say), one column per dataset
rule (each entry's summary length, then the summaries joined), the values and a checksum:
17 bytes per entry plus the summaries and the findings.
A warm run compares each span's keys with the old keys at the same positions by halving big
slices (memcmp speed: an unchanged span costs no Python work per entry), copies unchanged
stretches in bulk, and looks a changed entry up among the old entries of the span that changed
too (an entry that moved, below an inserted line, left its old position changed).

Trust. Each file ends with an HMAC-SHA256 of the rest under the user's own key, kept outside any
repository (see `user_key`): a file that does not verify (damaged, truncated, from another
machine or user, or planted by whoever can write the folder, e.g. committed to a repository)
is treated as empty and rewritten, so nobody but the user can turn a finding into a pass.

Sharing. Writers write a temporary file in the cache folder and ``os.replace`` it over the old
one, so a reader sees the old file or the new one, never a mix. Two runs that write the same
cache at once need no lock: the last writer wins, every file written is complete and every
entry in it is correct (it depends only on the key), so the loser's work is merely recomputed
next time.

Location: ``FT_LINT_CACHE_DIR`` if set, else ``cache-dir`` from the configuration (relative to
the configuration file's folder), else ``.ft-lint-cache`` next to the configuration file, or in
the current folder when there is none. The folder holds a ``CACHEDIR.TAG`` (backup tools skip
it) and a ``.gitignore`` of ``*``. Deleting it is always safe. ft-lint writes only in a folder
it made (see `open_folder`), and there only names it makes.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import hmac
import io
import itertools
import json
import mmap
import os
import re
import stat
import struct
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import xxhash

from ft_lint import __version__
from ft_lint.atomic import write_atomically
from ft_lint.edits import edit_as_row, edit_from_row
from ft_lint.findings import Location, Problem, Severity

CACHE_DIR_ENV = "FT_LINT_CACHE_DIR"
CACHE_DIR_NAME = ".ft-lint-cache"
FORMAT_VERSION = 4  # 2: a problem's fix edit is kept; 3: kinds, summaries of any length; 4: an HMAC, not a checksum
KEY_BYTES = 16
MAC_BYTES = 32  # HMAC-SHA256
USER_KEY_BYTES = 32
USER_KEY_FILE = "key"
FINGERPRINTS_KEPT = 4  # cache files kept per data file (one per recent set of settings)
STALE_TEMPORARY_SECONDS = 3600
CACHEDIR_TAG = (
    b"Signature: 8a477f597d28d172789f06886806bc55\n"
    b"# This file is a cache directory tag created by ft-lint.\n"
    b"# For information about cache directory tags see https://bford.info/cachedir/\n"
)
GITIGNORE = b"# Created by ft-lint automatically.\n*\n"

# Settings that change only how findings are shown or judged, or what happens after, never which are found.
OUTPUT_ONLY_SETTINGS = frozenset(
    {
        "paths",
        "output_format",
        "exit_zero",
        "fail_on",
        "config_file",
        "launch_network",
        "launch_settings",
        "cache_dir",
        "no_cache",
        "jobs",
        "baseline",
        "fireworks_account",
    }  # the run's options (fix, diff, output file, statistics, launch) are not Settings at all
)

_MAGIC = b"FTLC"
_PREAMBLE = struct.Struct("<4sHI")  # magic, format version, header length
_SUFFIX = ".cache"
# The names of the temporary files `write_atomically` and `_read_or_make_key` make (tempfile's 8
# random characters): the only files the clean-up of crashed runs ever removes.
_TEMPORARY_NAME = re.compile(r"(?:[0-9a-f]{16}-[0-9a-f]{32}\.cache|\.gitignore|CACHEDIR\.TAG|key)\.[a-z0-9_]{8}\.tmp")
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)  # not through a link; a FIFO does not block


class CacheRefused(Exception):
    """The record cache cannot be used in this run (one line saying why); the lint goes on without it."""


# --- where ------------------------------------------------------------------------------


def cache_directory(
    config_file: Path | None, configured: str | None = None, environ: Mapping[str, str] = os.environ
) -> Path:
    """The cache folder: $FT_LINT_CACHE_DIR, else `cache-dir` from the configuration file
    (relative to its folder), else .ft-lint-cache next to it (or in the current folder)."""
    if environ.get(CACHE_DIR_ENV):
        return Path(environ[CACHE_DIR_ENV]).expanduser()
    base = config_file.parent if config_file else Path.cwd()
    return base / Path(configured or CACHE_DIR_NAME).expanduser()


def open_folder(
    config_file: Path | None, configured: str | None = None, environ: Mapping[str, str] = os.environ
) -> CacheFolder:
    """The cache folder to use (see `cache_directory`), made ft-lint's, with the user's key.

    $FT_LINT_CACHE_DIR is the user's own choice and may be anywhere. `cache-dir` and the default
    come with the repository, which may be a stranger's: they must lead, symbolic links followed,
    to a folder of its own inside the project folder (the configuration file's, or the current
    one). Raises CacheRefused otherwise, or when the folder holds files ft-lint did not make.
    """
    location = cache_directory(config_file, configured, environ)
    try:
        folder = location.resolve()
        if not environ.get(CACHE_DIR_ENV):
            project = (config_file.parent if config_file else Path.cwd()).resolve()
            if not folder.is_relative_to(project) or folder == project:
                raise CacheRefused(
                    f"{location}: not used for the record cache: it is not a folder of its own inside the project "
                    f"folder {project} (set ${CACHE_DIR_ENV} for one elsewhere)"
                )
        key = user_key(environ)  # before the folder is made: no folder without a key to sign its files
        _claim(folder, location)
    except (OSError, RuntimeError) as error:  # RuntimeError: a loop of symbolic links
        raise CacheRefused(
            f"{location}: cannot be used for the record cache: {getattr(error, 'strerror', None) or error}"
        ) from None
    return CacheFolder(folder, key)


def _claim(folder: Path, shown: Path, mode: int = 0o777) -> None:
    """Use a folder ft-lint tagged as it is; create and tag a new or empty one; refuse one that
    holds anything else (the project's own folder, a home folder, another tool's cache), where
    writing a .gitignore and a CACHEDIR.TAG would do harm."""
    folder.mkdir(mode=mode, parents=True, exist_ok=True)
    if _read_regular(folder / "CACHEDIR.TAG", len(CACHEDIR_TAG) + 1) == CACHEDIR_TAG:
        return
    with os.scandir(folder) as entries:
        if any(not _made_while_claiming(entry.path) for entry in entries):
            raise CacheRefused(
                f"{shown}: not used for the record cache: the folder holds files ft-lint did not make "
                "(name a new or empty folder)"
            )
    # The .gitignore first and the tag last: a tagged folder is complete, and a run claiming the
    # folder at the same moment finds only what it would have made itself.
    write_atomically(folder / ".gitignore", [GITIGNORE])
    write_atomically(folder / "CACHEDIR.TAG", [CACHEDIR_TAG])


def _made_while_claiming(path: str) -> bool:
    name = os.path.basename(path)
    return bool(_TEMPORARY_NAME.fullmatch(name)) or (
        name == ".gitignore" and _read_regular(Path(path), len(GITIGNORE) + 1) == GITIGNORE
    )


def user_cache_folder(environ: Mapping[str, str] = os.environ) -> Path:
    """ft-lint's folder in the user's cache: $XDG_CACHE_HOME/ft-lint, else ~/.cache/ft-lint."""
    base = environ.get("XDG_CACHE_HOME", "")
    return (
        Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    ) / "ft-lint"  # XDG: a relative path is ignored


def user_key(environ: Mapping[str, str] = os.environ) -> bytes:
    """The secret that signs the user's cache files, made on first use and readable by the user
    only. It lives in the user's cache folder (a cache folder of ft-lint's like any other, so
    $FT_LINT_CACHE_DIR may name it), never in a repository: a stranger who can write the project
    (or its cache folder) cannot sign a file, and a fresh home (CI) just starts cold."""
    try:
        folder = user_cache_folder(environ)
    except RuntimeError:  # Path.home() without $HOME or a user entry
        raise CacheRefused("no record cache: there is no home folder to keep its key in") from None
    try:
        return _read_or_make_key(folder)
    except OSError as error:
        raise CacheRefused(f"no record cache: cannot keep its key in {folder}: {error.strerror or error}") from None


def _read_or_make_key(folder: Path) -> bytes:
    path = folder / USER_KEY_FILE
    if len(key := _read_regular(path, USER_KEY_BYTES + 1) or b"") == USER_KEY_BYTES:
        return key
    _claim(folder, folder, mode=0o700)
    key = os.urandom(USER_KEY_BYTES)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=USER_KEY_FILE + ".", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(key)
        try:
            os.link(temporary, path)  # never replaces the key another run made meanwhile
        except FileExistsError:
            if len(theirs := _read_regular(path, USER_KEY_BYTES + 1) or b"") == USER_KEY_BYTES:
                return theirs
            os.replace(temporary, path)  # a damaged key: nothing it signed could be read anyway
    finally:
        Path(temporary).unlink(missing_ok=True)
    return key


def _open_regular(path: Path) -> io.BufferedReader:
    """`path` opened for reading if it is a regular file: never through a symbolic link, nor a
    FIFO or device that a checkout may hold under a cache file's name (OSError otherwise)."""
    handle = open(os.open(path, os.O_RDONLY | _NO_FOLLOW), "rb")  # noqa: SIM115 (the caller's to close)
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise OSError(f"{path}: not a regular file")
    return handle


def _read_regular(path: Path, limit: int) -> bytes | None:
    """Up to `limit` bytes of a regular file (see `_open_regular`); None when there is none."""
    try:
        with _open_regular(path) as handle:
            return handle.read(limit)
    except OSError:
        return None


@dataclasses.dataclass(frozen=True)
class CacheFolder:
    """A cache folder ft-lint owns (see `open_folder`) and the key its files are signed with."""

    path: Path
    key: bytes

    def secret_fingerprint(self, fingerprint: bytes) -> bytes:
        """The fingerprint mixed with the user's key. Entry keys are xxh3 (fast, not
        cryptographic) seeded with the fingerprint: seeded with this, they cannot be predicted
        from ft-lint's version and the settings, so a stranger who writes data (but cannot read
        the user's cache) cannot craft a line whose key is that of a line cached as clean."""
        return hmac.digest(self.key, fingerprint, "sha256")[: len(fingerprint)]

    def load(self, data_file: Path, fingerprint: bytes) -> RecordCache:
        return RecordCache.load(cache_file(self.path, data_file, fingerprint), fingerprint, self.key)

    def save(self, writer: CacheWriter, data_file: Path) -> Path:
        """Write the cache of `data_file` atomically (`prune` drops old ones, once per run).
        OSError (a full disk, the folder deleted meanwhile) is the caller's: a cache is an
        optimisation, never a reason to fail a run."""
        path = cache_file(self.path, data_file, writer.fingerprint)
        write_atomically(path, writer.pieces(self.key))
        return path

    def prune(self) -> None:
        """Keep the newest caches of each data file, and remove the temporary files of crashed runs
        (only names `write_atomically` makes). Once per run, after its caches are saved: one
        listing of the folder, not one per file saved (a run over thousands of files would
        otherwise list a folder of thousands once for each). A folder that cannot be cleaned is
        left as it is, like one that cannot be written."""
        try:
            names = os.listdir(self.path)
            by_owner: dict[str, list[Path]] = {}
            for name in names:
                if name.endswith(_SUFFIX):
                    by_owner.setdefault(name.split("-", 1)[0], []).append(self.path / name)
            for caches in by_owner.values():
                for path in sorted(caches, key=_modified, reverse=True)[FINGERPRINTS_KEPT:]:
                    path.unlink(missing_ok=True)
            stale_before = time.time() - STALE_TEMPORARY_SECONDS
            for name in names:
                if _TEMPORARY_NAME.fullmatch(name) and _modified(self.path / name) < stale_before:
                    (self.path / name).unlink(missing_ok=True)
        except OSError:
            pass


def cache_file(directory: Path, data_file: Path, fingerprint: bytes) -> Path:
    """One file per data file and fingerprint, named so a data file's caches sort together."""
    owner = xxhash.xxh3_64_hexdigest(os.fsencode(Path(data_file).resolve()))
    return directory / f"{owner}-{fingerprint.hex()}{_SUFFIX}"


# --- what ---------------------------------------------------------------------------------


@functools.cache
def _code_fingerprint() -> str:
    """Size and modification time of every file of ft-lint's code and tables, and the schemas' text."""
    package = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(package)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for entry in sorted(resources.files("ft_lint.schemas").iterdir(), key=lambda e: e.name):
        if entry.is_file():
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()


def settings_fingerprint(settings: Any, **context: Any) -> bytes:
    """16 bytes that change whenever anything that can change a finding changes.

    `settings` is a dataclass (config.Settings): every field counts except OUTPUT_ONLY_SETTINGS,
    so a setting added later is covered without touching this function. `context` adds what
    the caller knows per file (e.g. file_format="openai-chat").
    """
    fields = {
        f.name: getattr(settings, f.name) for f in dataclasses.fields(settings) if f.name not in OUTPUT_ONLY_SETTINGS
    }
    described = {
        "version": __version__,
        "code": _code_fingerprint(),
        "format": FORMAT_VERSION,
        "settings": fields,
        "context": context,
    }
    text = orjson.dumps(described, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.blake2b(text, digest_size=16).digest()


# An entry's cache key from its bytes (see `key_function`).
KeyFunction = Callable[[bytes | memoryview], bytes]


def key_function(fingerprint: bytes) -> KeyFunction:
    """The key of an entry's bytes under these settings: xxh3-128 seeded with the fingerprint.

    xxh3 hashes at memory speed (blake2b would cost ~1.5 s per GB here); it is not a
    cryptographic hash, which a cache of one's own files does not need.
    """
    return functools.partial(xxhash.xxh3_128_digest, seed=int.from_bytes(fingerprint[:8], "little"))


# --- values -------------------------------------------------------------------------------


def encode_result(problems: Sequence[tuple[str, Problem]]) -> bytes:
    """The problems (rule code, Problem) the entry and record rules found in one entry, compact:
    b"" when there is nothing to say (the common case)."""
    if not problems:
        return b""
    return orjson.dumps(
        [
            [
                code,
                p.message,
                p.pointer,
                [[r.filename, r.line] for r in p.related],
                int(p.severity) if p.severity else 0,
                p.fix,
                p.line,
                edit_as_row(p.edit),
            ]
            for code, p in problems
        ]
    )


def decode_result(value: bytes) -> list[tuple[str, Problem]]:
    return [
        (
            code,
            Problem(
                message,
                pointer,
                tuple(Location(f, n) for f, n in related),
                Severity(severity) if severity else None,
                fix,
                line,
                edit_from_row(edit),
            ),
        )
        for code, message, pointer, related, severity, fix, line, edit in (orjson.loads(value) if value else ())
    ]


# --- reading ------------------------------------------------------------------------------


class RecordCache:
    """One data file's results under one fingerprint, as the last run left them (read-only).

    Positions are entry ordinals in the file (0-based; the line number minus one for JSONL).
    Every entry has a key, a kind (see `CacheWriter.append`) and a cell in each summary column
    (empty: no summary); only the entries with something to say have a value.
    """

    def __init__(
        self,
        fingerprint: bytes,
        keys: bytes | memoryview = b"",
        kinds: bytes | memoryview = b"",
        valued: Sequence[int] = (),
        offsets: Sequence[int] = (0,),
        values: bytes | memoryview = b"",
        columns: Mapping[str, tuple[memoryview, memoryview]] | None = None,
    ) -> None:
        self.fingerprint = fingerprint
        self.keys = memoryview(keys)
        self.kinds = memoryview(kinds)
        self.valued = valued  # sorted positions of the entries that have a value
        self.offsets = offsets  # value i (of the i-th valued entry) is values[offsets[i]:offsets[i + 1]]
        self.values = memoryview(values)
        self.columns = dict(columns or {})  # name -> (cell lengths, cells joined)
        self._column_ends: dict[str, Any] = {}  # name -> numpy array

    def __len__(self) -> int:
        return len(self.keys) // KEY_BYTES

    @classmethod
    def load(cls, path: Path, fingerprint: bytes, key: bytes) -> RecordCache:
        """The cache in `path`, or an empty one if it is missing, not signed with `key`, or for other settings."""
        try:
            with _open_regular(path) as handle:
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)  # an empty file: ValueError
            cache = cls._parse(data, fingerprint, key)
        except (OSError, ValueError, KeyError, TypeError, struct.error):
            return cls(fingerprint)
        if hasattr(data, "madvise"):
            # Mapped, not read: the pages stay in the OS's file cache, and this process lets go
            # of the ones the checksum touched, so worker processes (forked with the mapping)
            # each hold only the part of the cache their lines use.
            data.madvise(mmap.MADV_DONTNEED)
        return cache

    @classmethod
    def _parse(cls, data: bytes | mmap.mmap, fingerprint: bytes, key: bytes) -> RecordCache:
        view = memoryview(data)
        if len(data) < _PREAMBLE.size + MAC_BYTES or not hmac.compare_digest(
            hmac.digest(key, view[:-MAC_BYTES], "sha256"), data[-MAC_BYTES:]
        ):
            raise ValueError("damaged cache file, or not signed with this key")
        magic, version, header_size = _PREAMBLE.unpack_from(data)
        if magic != _MAGIC or version != FORMAT_VERSION:
            raise ValueError("not a cache file of this version")
        position = _PREAMBLE.size + header_size
        header = json.loads(bytes(view[_PREAMBLE.size : position]))
        if bytes.fromhex(header["fingerprint"]) != fingerprint:
            raise ValueError("cache of other settings")
        count, valued_count = header["count"], header["valued"]

        def take(size: int) -> memoryview:
            nonlocal position
            start, position = position, position + size
            if position > len(data) - MAC_BYTES:
                raise ValueError("truncated cache file")
            return view[start:position]

        keys = take(count * KEY_BYTES)
        kinds = take(count)
        valued = take(valued_count * 4).cast("I")
        offsets = take((valued_count + 1) * 8).cast("Q")
        columns = {name: (take(count * 4).cast("I"), take(size)) for name, size in header["columns"]}
        values = take(offsets[-1])
        return cls(fingerprint, keys, kinds, valued, offsets, values, columns)

    def changed(self, keys: bytes, first_position: int) -> dict[int, int | None]:
        """Compare the keys of consecutive entries with what the last run saw at their positions.

        Returns only the entries that differ: index in `keys` -> a position where the last run
        saw that key (the entry moved, e.g. lines were inserted above it), or None (it is new).
        Equal stretches are found by comparing big slices at memory speed, so an unchanged file
        costs no Python work per entry.
        """
        new = memoryview(keys)
        old = self.keys[first_position * KEY_BYTES : first_position * KEY_BYTES + len(new)]
        if not old:  # a first run, or lines past the old end of the file
            return dict.fromkeys(range(len(new) // KEY_BYTES))
        different: list[int] = []
        _differences(new, old, 0, len(new) // KEY_BYTES, different)
        if not different:
            return {}
        # Where did a changed entry go? Look among the old entries of this span that changed too
        # (an entry that moved left its old position changed); anything else is recomputed.
        moved = {
            bytes(old[i * KEY_BYTES : (i + 1) * KEY_BYTES]): first_position + i
            for i in different
            if (i + 1) * KEY_BYTES <= len(old)
        }
        return {i: moved.get(bytes(new[i * KEY_BYTES : (i + 1) * KEY_BYTES])) for i in different}

    def value(self, position: int) -> bytes:
        """The value of the entry at `position` (b"" if it has none)."""
        index = bisect.bisect_left(self.valued, position)
        if index == len(self.valued) or self.valued[index] != position:
            return b""
        return bytes(self.values[self.offsets[index] : self.offsets[index + 1]])

    def values_between(self, start: int, stop: int) -> Iterator[tuple[int, bytes]]:
        """(position, value) of the entries in [start, stop) that have a value."""
        first, last = bisect.bisect_left(self.valued, start), bisect.bisect_left(self.valued, stop)
        for index in range(first, last):
            yield self.valued[index], bytes(self.values[self.offsets[index] : self.offsets[index + 1]])

    def cell_span(self, name: str, start: int, stop: int) -> tuple[memoryview, tuple[int, int]]:
        """The cell lengths of entries [start, stop) in a summary column, and where their cells
        lie in the column's cells joined."""
        lengths, _ = self.columns[name]
        if (
            name not in self._column_ends
        ):  # where each cell starts (and, last, the end): computed once, by numpy (a cell per entry)
            import numpy as np

            self._column_ends[name] = np.concatenate(
                (np.array([0]), np.cumsum(np.frombuffer(lengths, dtype=np.uint32), dtype=np.uint64))
            )
        ends = self._column_ends[name]
        return memoryview(lengths)[start:stop], (int(ends[start]), int(ends[stop]))

    def cell(self, name: str, position: int) -> bytes | None:
        """One entry's summary (None: it has none)."""
        low, high = self.cell_span(name, position, position + 1)[1]
        return bytes(self.columns[name][1][low:high]) or None


def _differences(new: memoryview, old: memoryview, start: int, stop: int, found: list[int]) -> None:
    """Indexes in [start, stop) where the 16-byte keys of `new` and `old` differ, by halving."""
    low, high = start * KEY_BYTES, stop * KEY_BYTES
    if new[low:high] == old[low:high]:
        return
    if stop - start <= 16:
        found += [
            i
            for i in range(start, stop)
            if new[i * KEY_BYTES : (i + 1) * KEY_BYTES] != old[i * KEY_BYTES : (i + 1) * KEY_BYTES]
        ]
        return
    middle = (start + stop) // 2
    _differences(new, old, start, middle, found)
    _differences(new, old, middle, stop, found)


# --- writing ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    """What a run found for one entry: its kind (a small number the caller defines, kept in one
    byte), its encoded result (`encode_result`) and its summary per column (None: none)."""

    kind: int
    value: bytes = b""
    cells: dict[str, bytes | None] = dataclasses.field(default_factory=dict)


class CacheWriter:
    """The results of one run, in file order; workers fill one each and the parent joins them.

    The summaries copied from the last run (most of them, in a warm run) are kept as spans of
    the last run's cells, not copied: a worker sends back a few numbers instead of its share of
    the summaries, and the parent, which has the last run's cache too, copies them once
    (`resolve`) before they are read or saved."""

    def __init__(self, fingerprint: bytes, columns: Sequence[str] = ()):
        self.fingerprint = fingerprint
        self.columns = {
            name: (array("I"), bytearray()) for name in columns
        }  # name -> (cell lengths, cells joined), once resolved
        # the cells that follow each column's until `resolve`: new cells, or (start, stop) of the
        # last run's joined cells
        self._pending: dict[str, list[bytearray | tuple[int, int]]] = {name: [] for name in columns}
        self.keys = bytearray()
        self.kinds = bytearray()
        self.valued = array("I")
        self.lengths = array("Q")
        self.values = bytearray()

    def __len__(self) -> int:
        return len(self.keys) // KEY_BYTES

    def append(self, key: bytes, row: Row) -> None:
        """The next entry's key and result (a column the row leaves out gets no summary)."""
        if len(key) != KEY_BYTES:  # checked before anything is added, so nothing is torn
            raise ValueError(f"a key is {KEY_BYTES} bytes, not {len(key)}")
        if not set(row.cells) <= self.columns.keys():
            raise ValueError(f"no column for {sorted(set(row.cells) - self.columns.keys())}")
        if row.value:
            self.valued.append(len(self))
            self.lengths.append(len(row.value))
            self.values += row.value
        self.keys += key
        self.kinds.append(row.kind)
        for name, (lengths, data) in self.columns.items():
            cell = row.cells.get(name) or b""
            lengths.append(len(cell))
            pieces = self._pending[name]
            if not pieces:
                data += cell
            elif isinstance(pieces[-1], bytearray):
                pieces[-1] += cell
            else:
                pieces.append(bytearray(cell))

    def copy(self, cache: RecordCache, start: int, stop: int) -> None:
        """The next entries are the last run's entries [start, stop), unchanged (bulk copies)."""
        if stop <= start:
            return
        if not self.columns.keys() <= cache.columns.keys():
            raise ValueError(f"the cache has no column {sorted(self.columns.keys() - cache.columns.keys())}")
        base = len(self)
        self.keys += cache.keys[start * KEY_BYTES : stop * KEY_BYTES]
        self.kinds += cache.kinds[start:stop]
        for name, (lengths, _) in self.columns.items():
            old_lengths, span = cache.cell_span(name, start, stop)
            lengths.frombytes(old_lengths.cast("B"))
            pieces = self._pending[name]
            if pieces and isinstance(pieces[-1], tuple) and pieces[-1][1] == span[0]:
                span = (pieces.pop()[0], span[1])  # one span for consecutive copies
            pieces.append(span)
        first, last = bisect.bisect_left(cache.valued, start), bisect.bisect_left(cache.valued, stop)
        if first < last:
            self.valued.extend(position - start + base for position in cache.valued[first:last])
            self.lengths.extend(cache.offsets[i + 1] - cache.offsets[i] for i in range(first, last))
            self.values += cache.values[cache.offsets[first] : cache.offsets[last]]

    def extend(self, other: CacheWriter) -> None:
        """Append a later part of the file (a worker's byte range)."""
        if other.fingerprint != self.fingerprint or self.columns.keys() != other.columns.keys():
            raise ValueError("cannot join results of other settings")
        base = len(self)
        self.keys += other.keys
        self.kinds += other.kinds
        for name, (lengths, data) in self.columns.items():
            other_lengths, other_data = other.columns[name]
            lengths += other_lengths
            pieces = self._pending[name]
            if pieces:
                pieces.append(other_data)
            else:
                data += other_data
            pieces += other._pending[name]
        self.valued.extend(position + base for position in other.valued)
        self.lengths += other.lengths
        self.values += other.values

    def resolve(self, cache: RecordCache) -> None:
        """Copy the cells taken from `cache` (the last run's, which `copy` was given) into the
        columns: needed before the writer is read or saved, once anything was copied."""
        for name, (_, data) in self.columns.items():
            cells = cache.columns[name][1] if name in cache.columns else b""
            for piece in self._pending[name]:
                data += piece if isinstance(piece, bytearray) else cells[piece[0] : piece[1]]
            self._pending[name] = []

    def pieces(self, key: bytes) -> Iterator[bytes | bytearray | memoryview]:
        """The file's bytes in pieces, the MAC with `key` last (written one by one: no copy of it all)."""
        if any(self._pending.values()):
            raise ValueError("the writer has cells not resolved yet")
        header = {
            "fingerprint": self.fingerprint.hex(),
            "count": len(self),
            "valued": len(self.valued),
            "columns": [[name, len(data)] for name, (_, data) in self.columns.items()],
        }
        encoded = json.dumps(header).encode()
        offsets = array("Q", itertools.accumulate(self.lengths, initial=0))
        columns = (part for lengths, data in self.columns.values() for part in (memoryview(lengths).cast("B"), data))
        mac = hmac.new(key, digestmod="sha256")
        for piece in (
            _PREAMBLE.pack(_MAGIC, FORMAT_VERSION, len(encoded)),
            encoded,
            self.keys,
            self.kinds,
            memoryview(self.valued).cast("B"),
            memoryview(offsets).cast("B"),
            *columns,
            self.values,
        ):
            mac.update(piece)
            yield piece
        yield mac.digest()

    def to_bytes(self, key: bytes) -> bytes:
        return b"".join(self.pieces(key))


def update(
    cache: RecordCache,
    writer: CacheWriter,
    keys: bytes,
    first_position: int,
    changed: Mapping[int, int | None],
    computed: Callable[[int], Row],
) -> Iterator[tuple[int, bytes]]:
    """Carry a span of consecutive entries over to `writer`: unchanged ones from `cache` in bulk,
    the others as `changed` (from `cache.changed`) says: moved ones from where they were, new
    ones through `computed(index)`. Yields (index, value), in order, for every entry of the span
    that has a value (cached or computed): what the caller reports.

    `keys` are the span's entry keys joined; `first_position` is the first entry's position.
    """
    count = len(keys) // KEY_BYTES
    start = 0
    for index in [*sorted(changed), count]:
        writer.copy(cache, first_position + start, first_position + index)
        for position, value in cache.values_between(first_position + start, first_position + index):
            yield position - first_position, value
        if index < count:
            moved_from = changed[index]
            if moved_from is None:
                row = computed(index)
                writer.append(keys[index * KEY_BYTES : (index + 1) * KEY_BYTES], row)
                value = row.value
            else:
                writer.copy(cache, moved_from, moved_from + 1)
                value = cache.value(moved_from)
            if value:
                yield index, value
        start = index + 1


def _modified(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:  # removed by another run meanwhile
        return 0.0
