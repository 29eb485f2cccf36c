"""Which files are training data, which are validation data, and which go together.

`--validation FILE` pairs that file with every other file given, and nothing else is paired.
Without it, `pairs` in the configuration (training file = validation file or files) pair the
files they name, and every other file given is paired by its name: `train.jsonl` goes with
`valid.jsonl` in the same folder, `x_train.jsonl` with `x_val.jsonl`, `training_set.jsonl` with
`validation_set.jsonl`: the same name with one word swapped (see TRAINING_WORDS and
VALIDATION_WORDS; words are separated by `_`, `-`, `.` or spaces; case is ignored).
When only one file of a pair is given (pre-commit passes only the changed files), its partner is
read from disk all the same.

Before its name, a file's split in a Hugging Face dataset (ft_lint.hub_datasets: the card's
`configs`, shards named `train-00000-of-00003.parquet`, the Hub's default layout) pairs it: the
files of a validation split (`validation`, `test`, `test_sft`: a validation word) with those of the
training split of the same configuration whose name is the same with the word swapped (`train`,
`train_sft`), read from disk when not given. The files of one split are peers (see `Plan.split_of`).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ft_lint.hub_datasets import Layout, Split

TRAINING_WORDS = frozenset({"train", "training"})
VALIDATION_WORDS = frozenset({"validation", "valid", "val", "dev", "test", "eval"})
_WORD_SEPARATORS = re.compile(r"([_.\-\s]+)")


class PairingError(Exception):
    """A pair that cannot be made: a usage error."""


@dataclass
class Plan:
    """The files to read, and the pairs among them."""

    files: list[Path]  # the files given, then the partners found on disk
    given: set[Path] = field(default_factory=set)
    training_of: dict[Path, tuple[Path, ...]] = field(default_factory=dict)  # validation file -> its training files
    split_of: dict[Path, Split] = field(default_factory=dict)  # a file given -> its split of a Hugging Face dataset
    notes: list[str] = field(default_factory=list)  # about dataset cards that could not be used

    @functools.cached_property
    def _paired(self) -> set[Path]:
        return {path for validation, trainings in self.training_of.items() for path in (validation, *trainings)}

    def is_paired(self, path: Path) -> bool:
        return path in self._paired


def plan(
    files: Sequence[Path], validation: Path | None = None, pairs: Mapping[Path, Sequence[Path]] | None = None
) -> Plan:
    """Pair the files given: by `validation` (against every other file), by `pairs`
    (training file -> validation files, from the configuration), else by name."""
    identity = functools.cache(Path.resolve)  # each path resolved once: a file is named in many pairs
    given = list(files)
    if validation is not None and not any(identity(validation) == identity(path) for path in given):
        given.append(validation)
    known = {identity(path): path for path in given}  # a partner that was also given keeps its given name

    def as_given(path: Path) -> Path:
        return known.setdefault(identity(path), path)

    training_of: dict[Path, dict[Path, None]] = {}  # the training files as an ordered set: one pair is one step
    layout = Layout()
    split_of: dict[Path, Split] = {}

    def pair(validation_file: Path, training_file: Path) -> None:
        training_of.setdefault(as_given(validation_file), {})[as_given(training_file)] = None

    if validation is not None:
        trainings = [path for path in given if identity(path) != identity(validation)]
        if not trainings:
            raise PairingError(f"--validation {validation}: no training files given to pair it with")
        for path in trainings:
            pair(validation, path)
    else:
        given_ids = set(known)
        configured: set[Path] = set()
        for training_file, validation_files in (pairs or {}).items():
            for validation_file in validation_files:
                ends = {identity(training_file), identity(validation_file)}
                if not ends & given_ids:
                    continue
                for path in (training_file, validation_file):
                    if not path.is_file():
                        raise PairingError(f"{path}: no such file (named in `pairs` of the configuration)")
                pair(validation_file, training_file)
                configured |= ends
        folders: dict[Path, dict[str, list[tuple[str, bool]]]] = {}
        for path in given:
            if identity(path) in configured:
                continue
            split = layout.split_of(path)
            if split is not None:
                split_of[path] = split
            found = _split_partners(path, split, layout) if split is not None else _named_partners(path, folders)
            for partner, partner_is_validation in found:
                if partner_is_validation:
                    pair(partner, path)
                else:
                    pair(path, partner)
    given_set = set(given)
    partners = [path for path in dict.fromkeys(known.values()) if path not in given_set]
    return Plan(
        files=given + partners,
        given=given_set,
        training_of={v: tuple(t) for v, t in training_of.items()},
        split_of=split_of,
        notes=layout.notes,
    )


def role_and_key(name: str) -> tuple[bool, str] | None:
    """(is validation, the file name with its role word blanked out), or None for a name with no role word."""
    stem, dot, suffix = name.lower().rpartition(".")
    if not dot:
        return None
    role = _role_and_key_of_words(stem)
    return (role[0], role[1] + "." + suffix) if role else None


def _role_and_key_of_words(words: str) -> tuple[bool, str] | None:
    """(is validation, the words with their last role word blanked out), or None without one."""
    parts = _WORD_SEPARATORS.split(words.lower())
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] in TRAINING_WORDS or parts[i] in VALIDATION_WORDS:
            return parts[i] in VALIDATION_WORDS, "".join([*parts[:i], "\0", *parts[i + 1 :]])
    return None


def _split_partners(path: Path, split: Split, layout: Layout) -> list[tuple[Path, bool]]:
    """The files of the splits this file's split pairs with: (partner, partner is the validation
    file), named as the file is (relative to the working folder, or absolute)."""
    mine = _role_and_key_of_words(split.name)
    if mine is None:
        return []
    is_validation, key = mine
    partners = []
    for other, files in layout.splits_beside(split).items():
        theirs = _role_and_key_of_words(other.name)
        if theirs is not None and theirs[1] == key and theirs[0] != is_validation:
            partners += [(file if path.is_absolute() else Path(os.path.relpath(file)), theirs[0]) for file in files]
    return partners


def _named_partners(path: Path, folders: dict[Path, dict[str, list[tuple[str, bool]]]]) -> list[tuple[Path, bool]]:
    """Files in the same folder whose name pairs with this one's: (partner, partner is the validation file).
    `folders` keeps each folder's names by key, read once: a look-up per file, not a pass over its folder."""
    mine = role_and_key(path.name)
    if mine is None:
        return []
    is_validation, key = mine
    if path.parent not in folders:
        folders[path.parent] = _names_by_key(path.parent)
    return [
        (path.parent / name, theirs) for name, theirs in folders[path.parent].get(key, ()) if theirs != is_validation
    ]


def _names_by_key(folder: Path) -> dict[str, list[tuple[str, bool]]]:
    """The folder's files with a role word, in name order: key -> [(name, is validation)]."""
    by_key: dict[str, list[tuple[str, bool]]] = {}
    for name in _file_names(folder):
        role = role_and_key(name)
        if role is not None:
            by_key.setdefault(role[1], []).append((name, role[0]))
    return by_key


def _file_names(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entry.name for entry in entries if entry.is_file())
    except OSError:
        return []
