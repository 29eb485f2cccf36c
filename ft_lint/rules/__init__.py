"""The rule catalog.

Each rule is one small class with a code, a kebab-case name, a default severity and a
docstring (what it finds, why it matters, an example) that `ft-lint rule CODE` prints.
Rules yield `Problem`s and never print. A rule subclasses one of the kinds below by
the unit it looks at; every module in this package is imported to fill the catalog.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
from array import array
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from ft_lint.findings import Location, Problem, Severity

if TYPE_CHECKING:
    import datetime as dt

    import numpy as np

    from ft_lint.models import Model
    from ft_lint.reader import Entry
    from ft_lint.record import Record


SHOWN_CHARS = 60  # of a bad value, in an error message


@dataclass(frozen=True)
class Option:
    """A rule option: its default, what it does, and for a number the values it may take
    (inclusive; `ft-lint rule CODE` shows them, and a value outside them is a configuration error)."""

    default: Any
    help: str
    minimum: Any = None
    maximum: Any = None

    def __post_init__(self) -> None:
        if _is_number(self.default) and (self.minimum is None or self.maximum is None):
            raise TypeError(f"a number option needs its range (minimum and maximum): {self.help!r}")

    @property
    def allowed(self) -> str:
        """The values it may take, for people: "a number from 0.0 to 1.0"; empty when any value of its type will do."""
        if self.minimum is None:
            return ""
        kind = "a whole number" if isinstance(self.default, int) else "a number"
        return f"{kind} from {self.minimum:_} to {self.maximum:_}"

    def coerce(self, value: Any) -> Any:
        expected = type(self.default)
        if expected is float and _is_number(value):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ValueError(f"expected {self.allowed or expected.__name__}, got {shown(value)}")
        # NaN fails every comparison, so it would pass a range test written as "below or above".
        if self.minimum is not None and not (self.minimum <= value <= self.maximum):
            raise ValueError(f"expected {self.allowed}, got {shown(value)}")
        return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def shown(value: Any) -> str:
    """A value for a one-line message: its repr, cut short (a value in a configuration file can be megabytes)."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


@dataclass
class FileSummary:
    """What a file rule sees once the whole file was read."""

    filename: str
    size_bytes: int
    records: int  # JSON objects read, valid or not
    format: str | None  # the file's format
    records_by_format: dict[str, int]  # format name -> records detected as it
    first_lines_by_format: dict[str, list[int]]  # format name -> its first few lines
    unrecognised_records: int = 0  # records of no known format
    first_unrecognised: tuple[int, dict[str, Any]] | None = None  # line and value of the first of them
    model: Model | None = None  # the model the file is checked against (see context.file_context)
    model_chosen: bool = False  # False: no model was named; model is the format's default
    today: dt.date | None = None  # the date retirement is measured from
    is_validation: bool = False  # paired with training files as their validation data


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    fixable: ClassVar[bool] = False
    # Safe fixes (`--fix`) only drop or trim bytes and keep every other byte; unsafe ones
    # (`--fix --unsafe-fixes`, marked `fix*` by `ft-lint rules`) change content.
    fix_is_safe: ClassVar[bool] = True
    OPTIONS: ClassVar[dict[str, Option]] = {}
    uses_model: ClassVar[bool] = False  # True: checks against the model's figures (the report names the model)

    def __init__(self, options: dict[str, Any] | None = None):
        """`options`: the rule's own, from [tool.ft-lint.options.FTxxx]; the defaults of OPTIONS otherwise."""
        self.options = {key: option.default for key, option in self.OPTIONS.items()}
        self.options.update(options or {})

    @classmethod
    def summary(cls) -> str:
        return " ".join(cls.documentation().split("\n\n", 1)[0].split())

    @classmethod
    def documentation(cls) -> str:
        return inspect.getdoc(cls) or ""


class EntryRule(Rule):
    """Looks at every line of the file as read, parsed or not."""

    def check_entry(self, entry: Entry) -> Iterator[Problem]:
        raise NotImplementedError


class RecordRule(Rule):
    """Looks at one record (a JSON object) at a time."""

    def check_record(self, record: Record) -> Iterator[Problem]:
        raise NotImplementedError


class FileRule(Rule):
    """Looks at a file once it has been read whole."""

    def check_file(self, summary: FileSummary) -> Iterator[Problem]:
        raise NotImplementedError


@dataclass(frozen=True)
class Dataset:
    """What a dataset rule knows besides the summaries: which files are paired, and the way back to records."""

    training_of: Mapping[str, tuple[str, ...]]  # validation filename -> the training filenames paired with it
    reread: Callable[[str, Collection[int]], Iterator[Record]]  # a file's records starting at these lines, read again
    jobs: int = 1  # the cores the comparison may use (--jobs)
    # filename -> its peer group: files of one format and one split (training, or validation)
    # whose records FT401-FT403 compare with each other. A file not named is compared with itself alone.
    peers: Mapping[str, int] = field(default_factory=dict)

    def peer_groups(self, filenames: Sequence[str], across_files: bool = True) -> list[int]:
        """The peer group of each of these files: files in one group are compared with each other
        (`across_files` false: each file alone)."""
        if not across_files:
            return list(range(len(filenames)))
        alone = max(self.peers.values(), default=-1) + 1
        return [self.peers.get(name, alone + number) for number, name in enumerate(filenames)]


class Summaries:
    """One dataset rule's summaries of every record read: file by file in reading order, by line
    within a file. Kept compactly (this is the only per-record state of a run, so it is what
    memory grows with): per file its records' lines and summary lengths in arrays and the
    summaries joined; a summary of length 0 is None."""

    def __init__(self) -> None:
        self.files: list[
            tuple[str, array[int], array[int], bytes | bytearray]
        ] = []  # (filename, lines, lengths, summaries joined)

    def add(self, filename: str, lines: array[int], lengths: array[int], joined: bytes | bytearray) -> None:
        self.files.append((filename, lines, lengths, joined))

    def __iter__(self) -> Iterator[tuple[Location, bytes | None]]:
        for filename, lines, lengths, joined in self.files:
            view, start = memoryview(joined), 0
            for line, length in zip(lines, lengths, strict=True):  # one length per line, as added
                yield Location(filename, line), bytes(view[start : start + length]) if length else None
                start += length

    def table(self, width: int) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """The records that have a summary, for a rule whose summaries are all `width` bytes long:
        (filenames, each record's file number and line, its summary as a row of a uint8 table)."""
        import numpy as np

        filenames = [filename for filename, *_ in self.files]
        lengths = np.concatenate(
            [np.frombuffer(lengths, dtype=np.uint32) for _, _, lengths, _ in self.files] or [np.zeros(0, np.uint32)]
        )
        if np.any((lengths != 0) & (lengths != width)):
            raise ValueError(
                f"summaries of {sorted(set(lengths.tolist()) - {0, width})} bytes in a table {width} bytes wide"
            )
        kept = lengths != 0
        files = np.repeat(np.arange(len(self.files), dtype=np.uint32), [len(lines) for _, lines, _, _ in self.files])[
            kept
        ]
        lines = np.concatenate(
            [np.frombuffer(lines, dtype=np.uint64) for _, lines, _, _ in self.files] or [np.zeros(0, np.uint64)]
        )[kept]
        joined = self.files[0][3] if len(self.files) == 1 else b"".join(joined for *_, joined in self.files)
        return filenames, files, lines, np.frombuffer(joined, dtype=np.uint8).reshape(-1, width)


class DatasetRule(Rule):
    """Looks across records: each record is summarised, then all are compared.

    A summary is a few bytes (or None: nothing to compare). Summaries are the one thing kept
    for every record of the run, and the record cache keeps them: keep them small, and make
    them depend on the record alone. `check_dataset` gets them all (see `Summaries`): one
    object per record is too slow for a warm run over millions of records, so rules whose
    summaries have one length compare them as a numpy table.
    """

    sample_records: ClassVar[int] = 0  # records from all over a file that `learn` reads before its scan (0: none)

    def learn(self, filename: str, sample: list[Record]) -> bytes:
        """Learn, from a sample of a file's records spread over it, what summarising its records
        needs to know of the whole file (a rule keeps it, by filename); returns it as bytes, which
        are part of the record cache's fingerprint, so that summaries made knowing something
        else are not reused. Called before the file's scan when `sample_records` is set."""
        return b""

    def summarize(self, record: Record) -> bytes | None:
        raise NotImplementedError

    def summarize_batch(self, records: list[Record]) -> list[bytes | None]:
        """Summaries of consecutive records of one file; rules whose cost is per call (numpy) override it."""
        return [self.summarize(record) for record in records]

    def check_dataset(self, summaries: Summaries, dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        """Compare the records by their summaries."""
        raise NotImplementedError


class PairRule(DatasetRule):
    """A dataset rule that compares each validation file with its training files (see ft_lint/pairing.py).

    Records are summarised only in paired files, partners found on disk included; findings sit in
    validation files, even a partner that was not given.
    """


class SchemaRule(RecordRule):
    """Reports the schema errors that name this rule (see `record.classify`)."""

    def check_record(self, record: Record) -> Iterator[Problem]:
        for error in record.schema_errors:
            if error.code == self.code:
                yield Problem(error.message, error.pointer)


@functools.lru_cache(
    maxsize=64
)  # the rules ask about one record in turn; unbounded, it would keep every record's bytes
def may_mention(raw: bytes, words: tuple[bytes, ...]) -> bool:
    """False only when the record's bytes cannot hold a string (a key or a value) that starts
    with one of these words: none is right after a quote, and there is no \\u escape that could
    spell one (no bytes: cannot tell). Not the words anywhere: prose says "function" or "image"
    in many lines. A cheap test that lets a rule skip the records it has nothing to say about,
    before any per-message work."""
    return not raw or _has_unicode_escape(raw) or _string_start(words)(raw) is not None


@functools.lru_cache(maxsize=64)  # asked once per set of words (tools, images) of one record in turn
def _has_unicode_escape(raw: bytes) -> bool:
    return _UNICODE_ESCAPE.search(raw) is not None


# A regex whose first byte is a literal finds it as fast as memchr: twice as fast as `b"\\u" in raw`.
_UNICODE_ESCAPE = re.compile(rb"\\u")


@functools.cache
def _string_start(words: tuple[bytes, ...]) -> Callable[[bytes], re.Match[bytes] | None]:
    """One pass for all the words, as a regex that starts with its literal quote: a substring
    test per word would be a pass each, and an alternation without a literal start is ten
    times slower."""
    return re.compile(b'"(?:' + b"|".join(map(re.escape, words)) + b")").search


@functools.cache  # asked for every rule selector and option of the configuration
def catalog() -> Mapping[str, type[Rule]]:
    """Every rule, by code, in code order."""
    found: dict[str, type[Rule]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, Rule) and "code" in vars(obj):
                if obj.code in found and found[obj.code] is not obj:
                    raise RuntimeError(f"rule code {obj.code} defined twice")
                found[obj.code] = obj
    return MappingProxyType(dict(sorted(found.items())))  # shared by every caller: read-only


def find_rule(code_or_name: str) -> type[Rule] | None:
    wanted = code_or_name.strip()
    for rule in catalog().values():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            return rule
    return None
