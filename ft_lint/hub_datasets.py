"""Hugging Face dataset repositories, cloned: which split of which configuration a data file holds.

A split is found, for each file, the first of these ways that applies:

1. the `configs` of the dataset card (the YAML front matter of a README.md in the file's folder or
   up to MAX_CARD_LEVELS above it): the first configuration, in the card's order, one of whose
   splits' `data_files` patterns (relative to the card's folder, or to the configuration's
   `data_dir`) match the file;
2. the file's name, written as the Hub writes shards: `<split>-00000-of-00003.<suffix>`: the
   shards of one split in one folder are one split (`data/` of the default configuration,
   `<config>/` of another);
3. with a dataset card but no `configs`: the Hub's default layout: a folder on the way from the
   card down (`train/`, `data/validation/`), else the file's name (`train.jsonl`,
   `my_test_file.csv`), names the split: train (train, training), validation (validation,
   valid, dev, val) or test (test, testing, eval, evaluation), the word set apart by `-._ `,
   a digit or the name's ends.

A file none of these places is in no split (ft_lint.pairing then pairs it by its name). Nothing is
downloaded: the files on disk are the dataset. The card is read safely and within bounds: a
README.md is a dataset card when its front matter (at most MAX_FRONT_MATTER_BYTES) has a key only
dataset cards have (CARD_KEYS); of it only the top-level `configs` entry, in block style as the Hub
writes it, is parsed: YAML's safe subset, at most MAX_CONFIGS_BYTES, nested at most MAX_YAML_DEPTH
deep, with at most MAX_PATTERNS patterns. A card over these bounds, or whose `configs` are not
valid, is set aside with a note (the layouts of 2 and 3 still apply).
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ft_lint.input_kinds import kind_of
from ft_lint.reader import UnreadableFile, open_data_file

CARD_NAME = "README.md"
MAX_CARD_LEVELS = 4  # data/<config>/<split>/file.parquet: the card is 3 folders up
MAX_FRONT_MATTER_BYTES = 1 << 20  # cards with many configurations and features run to a few hundred KB
MAX_CONFIGS_BYTES = 256 << 10  # of the `configs` entry, the one part parsed: 300 configurations take 30 KB
MAX_YAML_DEPTH = 64  # dataset_info's nested features go about 10 deep
MAX_PATTERNS = 2_000  # data_files patterns in all the configurations of one card
MAX_PATTERN_LENGTH = 1024
MAX_LISTED_FILES = 200_000  # files looked at under one dataset's folder to find a split's shards
# Keys only a dataset card's front matter has (a model card's or a web page's have none of them).
CARD_KEYS = frozenset(
    {
        "configs",
        "dataset_info",
        "task_categories",
        "task_ids",
        "size_categories",
        "source_datasets",
        "pretty_name",
        "annotations_creators",
        "language_creators",
        "multilinguality",
        "paperswithcode_id",
    }
)
SPLIT_KEYWORDS = {  # the Hub's default layout (the `datasets` library's data_files.py)
    "train": ("train", "training"),
    "validation": ("validation", "valid", "dev", "val"),
    "test": ("test", "testing", "eval", "evaluation"),
}
_SEPARATOR = "[-._ 0-9]"
_IN_FOLDER = {
    split: re.compile("|".join(rf"(?:^|{_SEPARATOR}){word}(?:$|{_SEPARATOR})" for word in words))
    for split, words in SPLIT_KEYWORDS.items()
}
_IN_NAME = {
    split: re.compile("|".join(rf"(?:^|{_SEPARATOR}){word}{_SEPARATOR}" for word in words))
    for split, words in SPLIT_KEYWORDS.items()
}
# as the Hub names shards, older ones with a hash after the count (train-00000-of-00002-5f9a8c)
_SHARD = re.compile(r"(?P<split>\w+(?:\.\w+)*?)-[0-9]{5}-of-[0-9]{5}(?:$|[-_.])")


@dataclass(frozen=True)
class Split:
    """One split of one configuration of a dataset: its files are the shards of one split."""

    dataset: Path  # the dataset's folder (absolute): the card's, or the shards' own
    config: str
    name: str


@dataclass(frozen=True)
class _Config:
    name: str
    base: PurePosixPath  # data_dir, relative to the card's folder
    splits: tuple[tuple[str, _Glob], ...]  # (split, its patterns); () for the default layout


@dataclass
class _Card:
    folder: Path
    configs: tuple[_Config, ...] = ()


class CardError(Exception):
    """A dataset card whose `configs` cannot be used (the message says why)."""


@dataclass
class Layout:
    """The splits of the files of one run, with what it read cached (a card once per folder)."""

    notes: list[str] = field(default_factory=list)
    _cards: dict[Path, _Card | None] = field(default_factory=dict)
    _listed: dict[Path, list[Path]] = field(default_factory=dict)
    _splits: dict[Path, Split | None] = field(default_factory=dict)
    _by_config: dict[Path, dict[str, dict[Split, list[Path]]]] = field(default_factory=dict)  # dataset's files

    def split_of(self, path: Path) -> Split | None:
        """The split the file is in (see the module's docstring), or None."""
        absolute = Path(os.path.abspath(path))
        if absolute not in self._splits:
            self._splits[absolute] = self._find_split(absolute)
        return self._splits[absolute]

    def _find_split(self, absolute: Path) -> Split | None:
        card = self._card_above(absolute.parent)
        if card is not None:
            relative = PurePosixPath(absolute.relative_to(card.folder).as_posix())
            for config in card.configs:
                split = _config_split(config, relative)
                if split is not None:
                    return Split(card.folder, config.name, split)
        shard = _SHARD.match(_stem(absolute.name))
        if shard is not None:
            dataset = card.folder if card is not None else absolute.parent
            return Split(dataset, absolute.parent.relative_to(dataset).as_posix(), shard["split"])
        if card is not None:
            split = _default_split(PurePosixPath(absolute.relative_to(card.folder).as_posix()))
            if split is not None:
                return Split(card.folder, "default", split)
        return None

    def splits_beside(self, split: Split) -> dict[Split, list[Path]]:
        """The splits of the same dataset and configuration, with their files on disk (absolute,
        in name order), `split` itself included."""
        if split.dataset not in self._by_config:
            found: dict[str, dict[Split, list[Path]]] = {}
            # a card's dataset spans its folders; shards without one lie in their folder alone
            for path in self._data_files(split.dataset, within=self._cards.get(split.dataset) is not None):
                other = self.split_of(path)
                if other is not None and other.dataset == split.dataset:
                    found.setdefault(other.config, {}).setdefault(other, []).append(path)
            self._by_config[split.dataset] = found
        return self._by_config[split.dataset].get(split.config, {})

    def _card_above(self, folder: Path) -> _Card | None:
        """The nearest dataset card at or above the folder (not past a repository's root)."""
        for level, candidate in enumerate((folder, *folder.parents)):
            if level > MAX_CARD_LEVELS:
                return None
            if candidate not in self._cards:
                self._cards[candidate] = self._read_card(candidate)
            if self._cards[candidate] is not None or (candidate / ".git").exists():
                return self._cards[candidate]
        return None

    def _read_card(self, folder: Path) -> _Card | None:
        readme = folder / CARD_NAME
        if not readme.is_file():
            return None
        try:
            front = _front_matter(readme)
            configs = _configs_of_card(front) if front is not None else None
            return _Card(folder, configs) if configs is not None else None
        except CardError as error:
            self.notes.append(f"{_shown(readme)}: {error}; its `configs` are not used")
            return _Card(folder)

    def _data_files(self, folder: Path, within: bool) -> list[Path]:
        """The data files in the folder (`within`: and the folders within it, hidden ones aside),
        in name order; the first MAX_LISTED_FILES files looked at, with a note beyond."""
        if folder not in self._listed:
            found: list[Path] = []
            looked_at = 0
            for current, folders, names in os.walk(folder):
                folders[:] = sorted(name for name in folders if within and not name.startswith("."))
                found += (Path(current) / name for name in sorted(names) if kind_of(Path(name)) is not None)
                looked_at += len(names)
                if looked_at > MAX_LISTED_FILES:
                    self.notes.append(
                        f"{_shown(folder)}: over {MAX_LISTED_FILES:,} files; the splits were paired"
                        " with the data files among the first of them only"
                    )
                    break
            self._listed[folder] = found
        return self._listed[folder]


def _shown(path: Path) -> str:
    """The path as notes name it: relative to the working folder when inside it."""
    try:
        relative = Path(os.path.relpath(path))
    except ValueError:  # another drive
        return path.as_posix()
    return path.as_posix() if relative.parts[:1] == ("..",) else relative.as_posix()


def _stem(name: str) -> str:
    """The name without its data suffix (`train-00000-of-00002.jsonl.gz` -> `train-00000-of-00002`)."""
    kind = kind_of(Path(name))
    suffix = next((s for s in kind.suffixes if name.lower().endswith(s)), "") if kind else ""
    return name[: len(name) - len(suffix)]


def _config_split(config: _Config, relative: PurePosixPath) -> str | None:
    if not relative.is_relative_to(config.base):
        return None
    inside = relative.relative_to(config.base)
    if not config.splits:
        return _default_split(inside)
    return next((split for split, glob in config.splits if glob.matches(inside)), None)


def _default_split(relative: PurePosixPath) -> str | None:
    """The split the Hub's default layout gives the file: by a folder's name, else by its own."""
    for folder in relative.parts[:-1]:
        split = next((split for split, pattern in _IN_FOLDER.items() if pattern.search(folder)), None)
        if split is not None:
            return split
    return next((split for split, pattern in _IN_NAME.items() if pattern.search(relative.name)), None)


def _front_matter(readme: Path) -> str | None:
    """The text between the `---` lines that open the file (None without front matter)."""
    try:
        with open_data_file(readme) as handle:
            head = handle.read(MAX_FRONT_MATTER_BYTES + 1)
    except (OSError, UnreadableFile):
        return None
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
    opening = re.match(r"---[ \t]*\r?\n", text)
    if opening is None:
        return None
    closing = re.compile(r"^---[ \t]*$", re.M).search(text, opening.end())
    if closing is None:
        if len(head) > MAX_FRONT_MATTER_BYTES:
            raise CardError(f"the front matter is longer than {MAX_FRONT_MATTER_BYTES:,} bytes")
        return None
    return text[opening.end() : closing.start()]


_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?=[ \t]|\r?$)", re.M)
_NEXT_TOP_LEVEL_LINE = re.compile(r"^[^\s#-]", re.M)  # a top-level sequence's items start with `-`


def _configs_of_card(front: str) -> tuple[_Config, ...] | None:
    """The card's configurations (None: the front matter is no dataset card's). Only the
    top-level `configs` entry is parsed as YAML: the rest (dataset_info's features and sizes,
    often hundreds of KB) is never needed, and parsing it would cost seconds."""
    keys = {match[1]: match for match in _TOP_LEVEL_KEY.finditer(front)}
    if not CARD_KEYS & keys.keys():
        return None
    if "configs" not in keys:
        return ()
    start = keys["configs"].start()
    following = _NEXT_TOP_LEVEL_LINE.search(front, keys["configs"].end())
    block = front[start : following.start() if following else len(front)]
    if len(block) > MAX_CONFIGS_BYTES:
        raise CardError(f"`configs` is longer than {MAX_CONFIGS_BYTES:,} bytes")
    first_line = front.count("\n", 0, start) + 2  # the README's line: after its `---` line
    parsed = _safe_yaml(block, first_line)
    return _configs(parsed.get("configs") if isinstance(parsed, dict) else None)


def _safe_yaml(text: str, first_line: int) -> Any:
    """YAML's safe subset (no Python objects), refusing nesting over MAX_YAML_DEPTH before it is
    built (a deep document would overflow the parser's recursion). Aliases are kept: the safe
    loader makes them references, and `configs` is walked strictly typed and counted. Errors
    name the README's line (`first_line`: the text's first)."""
    import yaml  # only when a README.md has front matter

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.depth += 1
            if self.depth > MAX_YAML_DEPTH:
                raise CardError(f"the front matter nests deeper than {MAX_YAML_DEPTH} levels")
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {first_line + mark.line})" if mark is not None else ""
        raise CardError(f"the front matter is not valid YAML{where}") from None


def _configs(configs: Any) -> tuple[_Config, ...]:
    """The card's `configs`, as the `datasets` library reads them: each a `config_name` (default
    "default"), an optional `data_dir`, and `data_files`: a pattern, a list of them (the train
    split), a list of {split, path} with path a pattern or a list, or a mapping split -> patterns."""
    if configs is None:
        return ()
    if not isinstance(configs, list):
        raise CardError("`configs` is not a list")
    counted = [0]
    found = []
    for config in configs:
        if not isinstance(config, dict):
            raise CardError("an item of `configs` is not a mapping")
        name = config.get("config_name", "default")
        data_dir = config.get("data_dir", "")
        if not isinstance(name, str) or not isinstance(data_dir, str):
            raise CardError("a `config_name` or `data_dir` is not a string")
        base = _inside(data_dir) if data_dir else PurePosixPath()
        splits = _data_files(config.get("data_files"), counted)
        found.append(_Config(name, base, tuple((split, _Glob(patterns)) for split, patterns in splits.items())))
    return tuple(found)


def _data_files(data_files: Any, counted: list[int]) -> dict[str, list[str]]:
    if data_files is None:
        return {}
    listed = isinstance(data_files, list)
    if isinstance(data_files, str) or (listed and not any(isinstance(item, dict) for item in data_files)):
        return {"train": _patterns(data_files, counted)}  # the `datasets` library's default split
    if isinstance(data_files, dict):
        return {str(split): _patterns(paths, counted) for split, paths in data_files.items()}
    if isinstance(data_files, list):
        splits: dict[str, list[str]] = {}
        for item in data_files:
            if not (isinstance(item, dict) and isinstance(item.get("split"), str) and "path" in item):
                raise CardError("a `data_files` item has no `split` and `path`")
            splits.setdefault(item["split"], []).extend(_patterns(item["path"], counted))
        return splits
    raise CardError("`data_files` is neither a pattern, a list nor a mapping")


def _patterns(paths: Any, counted: list[int]) -> list[str]:
    patterns = [paths] if isinstance(paths, str) else paths
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise CardError("a `path` of `data_files` is not a pattern or a list of them")
    counted[0] += len(patterns)
    if counted[0] > MAX_PATTERNS:
        raise CardError(f"`configs` holds more than {MAX_PATTERNS:,} patterns")
    for pattern in patterns:
        _inside(pattern)
    return patterns


def _inside(pattern: str) -> PurePosixPath:
    """The pattern as a path inside the card's folder (a card cannot reach out of its dataset)."""
    path = PurePosixPath(pattern)
    if len(pattern) > MAX_PATTERN_LENGTH or path.is_absolute() or ".." in path.parts or "://" in pattern:
        raise CardError(f"the pattern {pattern[:80]!r} is not a path inside the dataset")
    return path


class _Glob:
    """Patterns as the Hub globs them (fsspec): `*`, `?` and `[...]` within a folder's name (as
    fnmatch, case and all), `**` as a whole part of the path for any number of folders; a leading
    `./` is the dataset's folder. Matched part by part: no regex over the whole path, whose
    backtracking a card's pattern could make take forever."""

    def __init__(self, patterns: list[str]):
        self.patterns = [
            tuple(None if part == "**" else re.compile(fnmatch.translate(part)).match for part in pattern.split("/"))
            for pattern in (p.removeprefix("./") for p in patterns)
        ]

    def matches(self, path: PurePosixPath) -> bool:
        return any(_matches(pattern, path.parts) for pattern in self.patterns)


def _matches(pattern: tuple[Callable[[str], Any] | None, ...], parts: tuple[str, ...]) -> bool:
    if None not in pattern:  # no `**`: one name for each part (most patterns, and the quick case)
        return len(pattern) == len(parts) and all(
            part is not None and part(name) is not None for part, name in zip(pattern, parts, strict=True)
        )

    @functools.cache
    def match(i: int, j: int) -> bool:  # pattern[i:] matches parts[j:]
        if i == len(pattern):
            return j == len(parts)
        if pattern[i] is None:  # **: no folder, or one more
            return match(i + 1, j) or (j < len(parts) and match(i, j + 1))
        part = pattern[i]
        return j < len(parts) and part is not None and part(parts[j]) is not None and match(i + 1, j + 1)

    return match(0, 0)
