"""The files a run reads: those named, and the data files in the folders named; how they are named in reports."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from ft_lint.errors import UsageError
from ft_lint.escaping import terminal
from ft_lint.input_kinds import JSON, InputKind, data_suffixes, kind_of
from ft_lint.reader import UnreadableFile, not_regular_reason, open_data_file

# What a folder's walk takes whatever it holds (`.json` files only when they hold an array of objects).
DATA_SUFFIXES = tuple(suffix for suffix in data_suffixes() if suffix not in JSON.suffixes)


def display_name(path: Path) -> str:
    return path.as_posix()


def collect_files(paths: list[Path], own: Iterable[Path] = ()) -> list[Path]:
    """Files named, and the data files inside folders named, in a stable order. `own` are files
    ft-lint itself writes there (the baseline): a folder's walk passes them by without a note.
    The `.json` files
    of a folder that hold no array of objects (package.json, a settings file, `[1, 2]`) are
    skipped, with one note for all of them: a file named is linted whatever it holds. A file
    whose kind needs an extra that is not installed is skipped in a folder, with a note naming
    the extra, and a usage error when named."""
    files: list[Path] = []
    not_records: list[Path] = []
    without_extra: dict[InputKind, list[Path]] = {}
    owned = {path.resolve() for path in own}
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if _stays_in(p, path)
                and _is_regular(p)
                and not (owned and p.resolve() in owned)  # no path resolved where there is nothing to pass by
                and _is_data_file(p, path, not_records, without_extra)
            )
            if not found and kind_of(path) is not None:
                raise UsageError(f"{path}: is a directory, not a data file")
            files += found
        elif path.exists():
            reason = not_regular_reason(path.stat().st_mode)
            if reason:  # /dev/zero never ends, a FIFO waits for a writer
                raise UsageError(f"{path}: {reason}")
            kind = kind_of(path)
            if kind is not None and kind.lacks_reader():
                raise UsageError(f"{path}: {kind.missing_reader}")
            files.append(path)
        elif path.is_symlink():
            raise UsageError(f"{path}: broken symbolic link")
        else:
            raise UsageError(f"{path}: no such file or directory")
    if not_records:
        _note_skipped(sorted(set(not_records)))
    for kind, skipped in without_extra.items():
        _note_without_extra(kind, sorted(set(skipped)))
    return list(dict.fromkeys(files))


SKIPPED_NAMED = 3  # .json files named in the note on those skipped; the rest are counted


def _note_skipped(skipped: list[Path]) -> None:
    names = ", ".join(display_name(path) for path in skipped[:SKIPPED_NAMED])
    more = f" and {len(skipped) - SKIPPED_NAMED:,} more" if len(skipped) > SKIPPED_NAMED else ""
    print(
        terminal(
            f"ft-lint: note: skipped {names}{more}: not a JSON array of objects, so not data"
            " (name a .json file to lint it)"
        ),
        file=sys.stderr,
    )


def _note_without_extra(kind: InputKind, skipped: list[Path]) -> None:
    names = ", ".join(display_name(path) for path in skipped[:SKIPPED_NAMED])
    more = f" and {len(skipped) - SKIPPED_NAMED:,} more" if len(skipped) > SKIPPED_NAMED else ""
    print(terminal(f"ft-lint: note: skipped {names}{more}: {kind.missing_reader}"), file=sys.stderr)


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
    if not _in_hidden_folder(path, folder) and (path.is_dir() or kind_of(path) is not None):
        print(
            terminal(
                f"ft-lint: note: skipped {display_name(path)}: a symbolic link out of {display_name(folder)} "
                "(name it to lint it)"
            ),
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
    if reason and kind_of(path) is not None and not path.is_dir():
        print(terminal(f"ft-lint: warning: skipped {display_name(path)}: it {reason}"), file=sys.stderr)
    return reason is None


def _is_data_file(
    path: Path, folder: Path, not_records: list[Path], without_extra: dict[InputKind, list[Path]]
) -> bool:
    """A data file by its suffix (input_kinds) whose reader is installed (else added to
    `without_extra`); a .json file only when its start is an array of objects (else added to
    `not_records`)."""
    if _in_hidden_folder(path, folder):
        return False
    kind = kind_of(path)
    if kind is None:
        return False
    if kind.lacks_reader():
        without_extra.setdefault(kind, []).append(path)
        return False
    if kind is not JSON:
        return True
    holds_records = _holds_records(path)
    if holds_records is False:
        not_records.append(path)
    return bool(holds_records)


_JSON_WHITESPACE = b" \t\r\n"
START_BYTES = 4096  # of a .json file, read to tell an array of objects (indentation included) from other JSON


def _holds_records(path: Path) -> bool | None:
    """Whether the file starts as a JSON array whose first item is an object (a byte order mark
    aside); None when it cannot be read (skipped without a note, as before it is named)."""
    try:
        with open_data_file(path) as handle:
            start = handle.read(START_BYTES).removeprefix(b"\xef\xbb\xbf").lstrip(_JSON_WHITESPACE)
    except (OSError, UnreadableFile):
        return None
    return start[:1] == b"[" and start[1:].lstrip(_JSON_WHITESPACE)[:1] == b"{"
