"""The files a run reads: those named, and the data files in the folders named; how they are named in reports."""

from __future__ import annotations

import sys
from pathlib import Path

from ft_lint.errors import UsageError
from ft_lint.reader import UnreadableFile, not_regular_reason, open_data_file

DATA_SUFFIXES = (".jsonl", ".ndjson")


def display_name(path: Path) -> str:
    return path.as_posix()


def collect_files(paths: list[Path]) -> list[Path]:
    """Files named, and the data files inside folders named, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if _stays_in(p, path) and _is_regular(p) and _is_data_file(p, path)
            )
            if not found and path.suffix.lower() in (*DATA_SUFFIXES, ".json"):
                raise UsageError(f"{path}: is a directory, not a data file")
            files += found
        elif path.exists():
            reason = not_regular_reason(path.stat().st_mode)
            if reason:  # /dev/zero never ends, a FIFO waits for a writer
                raise UsageError(f"{path}: {reason}")
            files.append(path)
        elif path.is_symlink():
            raise UsageError(f"{path}: broken symbolic link")
        else:
            raise UsageError(f"{path}: no such file or directory")
    return list(dict.fromkeys(files))


def _stays_in(path: Path, folder: Path) -> bool:
    """False, with a note, for a symbolic link in a folder named that leads out of it (to a file,
    or to a folder, which is not walked either): in a stranger's repository, data/x.jsonl ->
    ~/.gitconfig would print that file's lines in excerpts. A file named itself is read."""
    if not path.is_symlink():
        return True
    try:
        if path.resolve().is_relative_to(folder.resolve()):
            return True
    except (OSError, RuntimeError):  # a loop of links: nothing to read
        return False
    if not _in_hidden_folder(path, folder) and (path.is_dir() or path.suffix.lower() in (*DATA_SUFFIXES, ".json")):
        print(
            f"ft-lint: note: skipped {display_name(path)}: a symbolic link out of {display_name(folder)} "
            "(name it to lint it)",
            file=sys.stderr,
        )
    return False


def _in_hidden_folder(path: Path, folder: Path) -> bool:
    """In .git, .venv and the like inside the folder named."""
    return any(part.startswith(".") for part in path.relative_to(folder).parts[:-1])


def _is_regular(path: Path) -> bool:
    """A regular file (or a link to one). A FIFO, socket or device named like a data file is
    skipped with a warning: reading it could wait forever, or never end."""
    try:
        reason = not_regular_reason(path.stat().st_mode)
    except OSError:  # a broken link
        return False
    if reason and path.suffix.lower() in (*DATA_SUFFIXES, ".json") and not path.is_dir():
        print(f"ft-lint: warning: skipped {display_name(path)}: it {reason}", file=sys.stderr)
    return reason is None


def _is_data_file(path: Path, folder: Path) -> bool:
    if _in_hidden_folder(path, folder):
        return False
    suffix = path.suffix.lower()
    if suffix in DATA_SUFFIXES:
        return True
    return suffix == ".json" and _holds_array(path)


def _holds_array(path: Path) -> bool:
    try:
        with open_data_file(path) as handle:
            return handle.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"["
    except (OSError, UnreadableFile):
        return False
