"""FT402-FT405: near-duplicates, conflicting answers, and validation examples found in the training data.

Memory: per record only 8-byte digests and LSH band hashes are kept (about a hundred bytes),
never its text. The exact similarity of a near-duplicate candidate pair needs both shingle sets,
so once every file was read the candidates are read again (`_best_matches`): one streaming pass
over the files that parses only the candidates' lines and holds a record's shingles only while a
later candidate still needs them, at most SHINGLE_BUDGET of them at once (more passes if needed).

The measure of "nearly the same" is in ft_lint/minhash.py; numpy is imported only when it runs.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any, ClassVar

from ft_lint.digests import SHORT_DIGEST_SIZE as DIGEST_BYTES
from ft_lint.digests import canonical_json as _json_bytes
from ft_lint.digests import short_digest as _digest
from ft_lint.digests import short_hash as _hash
from ft_lint.findings import Location, Problem, Severity, place, where
from ft_lint.formats import Message, text_turns
from ft_lint.record import Record
from ft_lint.rules import Dataset, DatasetRule, Option, PairRule, Summaries
from ft_lint.rules.dataset import ACROSS_FILES, PEERS_DOCUMENTATION

if TYPE_CHECKING:
    import numpy as np

    from ft_lint.minhash import ShingleSet

SYSTEM_ROLES = frozenset({"system", "developer"})  # the system prompt: left out of what is compared
IGNORED_KEYS = frozenset({"weight", "tool_call_id"})  # with tool calls' ids: change nothing a conversation says
SHINGLE_BUDGET = 4_000_000  # shingle hashes (8 bytes each) held at once while comparing candidates
REREAD_BATCH = 256  # candidates shingled per numpy call
IDENTITY_BYTES = 2 * DIGEST_BYTES  # a whole example's digest, then its conversation's
TOOL_KEYS = ("tools", "functions", "toolConfig")  # where records (or a preference record's input) define tools
# FT402's boilerplate (see its doc): a passage of BOILERPLATE_WORDS in the input of BOILERPLATE_SHARE
# of BOILERPLATE_SAMPLE examples from all over a file, and of at least BOILERPLATE_EXAMPLES (so a
# few near-copies in a small file are never taken for boilerplate).
BOILERPLATE_WORDS = 20
BOILERPLATE_SHARE = 0.1
BOILERPLATE_EXAMPLES = 10
BOILERPLATE_SAMPLE = 500

MEASURE_OPTIONS = {
    "threshold": Option(
        0.8, "lowest similarity reported: Jaccard index of the two examples' shingle sets", minimum=0.3, maximum=1.0
    ),
    "shingle-size": Option(
        5, "words per shingle (a character is a word in Chinese, Japanese, Thai)", minimum=1, maximum=20
    ),
}
MEASURE_DOCUMENTATION = """\
    The measure: the text of every message but the system prompt (tool calls included) is
    lowercased and cut into words (in Chinese, Japanese, Thai and other scripts written without
    spaces, every character is a word); its shingles are the runs of `shingle-size` consecutive
    words, and two examples are as similar as the Jaccard index of their shingle sets. Candidates
    are found with MinHash and LSH, then compared exactly: no pair under the threshold is reported."""


# --- what is compared ----------------------------------------------------------------------------


def example_text(record: Record) -> str:
    """The words of an example: every message but the system prompt, tool calls included."""
    return _text_of(_spoken(record.messages))


def input_text(record: Record) -> str:
    """The words of an example's input: its messages but the system prompt and the assistant's."""
    return _text_of([message for message in _spoken(record.messages) if message.role != "assistant"])


def example_parts(record: Record) -> list[str]:
    """What the exact comparison compares part by part: the example's text; for a preference
    record, its prompt and each of its outputs (a start the outputs share is the prompt's: an
    implicit prompt written into each output)."""
    conversations = record.conversations
    if len(conversations) < 2:
        return [example_text(record)]
    shared = set.intersection(*({message.path for message in conversation} for conversation in conversations))
    prompt = _text_of(_spoken([message for message in conversations[0] if message.path in shared]))
    outputs = [
        _text_of(_spoken([message for message in conversation if message.path not in shared]))
        for conversation in conversations
    ]
    start = _PARTIAL_WORD.sub("", _common_start(outputs))
    if start and all(len(output) > len(start) for output in outputs):
        prompt = f"{prompt}\n{start}" if prompt else start
        outputs = [output[len(start) :] for output in outputs]
    return [prompt, *outputs]


_PARTIAL_WORD = re.compile(r"\w+\Z")  # a common start may end inside a word: the word belongs to the outputs


def _common_start(texts: list[str]) -> str:
    """The longest start all the texts share, by binary search over slices (no loop per character)."""
    low, high = 0, min(map(len, texts))
    while low < high:
        middle = (low + high + 1) // 2
        if all(text[:middle] == texts[0][:middle] for text in texts[1:]):
            low = middle
        else:
            high = middle - 1
    return texts[0][:low]


def _text_of(messages: Sequence[Message]) -> str:
    """The words of these messages, tool calls included."""
    pieces: list[str] = []
    for message in messages:
        if (
            isinstance(message.content, str) and not message.texts
        ):  # most messages: text_turns would make one turn of it
            if message.content:
                pieces.append(message.content)
        else:
            pieces += [turn.text for turn in text_turns([message]) if turn.text]
        if "tool_calls" not in message.data and "function_call" not in message.data:
            continue
        calls = message.data.get("tool_calls")
        functions = (
            [call.get("function") for call in calls if isinstance(call, dict)] if isinstance(calls, list) else []
        )
        functions.append(message.data.get("function_call"))
        for function in functions:
            if isinstance(function, dict):
                pieces += [
                    part if isinstance(part, str) else _json(part)
                    for part in (function.get("name"), function.get("arguments"))
                    if part is not None
                ]
    return "\n".join(pieces)


def _spoken(messages: Sequence[Message]) -> list[Message]:
    return [message for message in messages if message.role not in SYSTEM_ROLES]


def _json(value: Any) -> str:
    return _json_bytes(value).decode("utf-8", "surrogatepass")


def _conversation_digest(messages: Sequence[Message], ignore_whitespace: bool = False, tools: Any = None) -> bytes:
    """The same digest for messages (and tools) that say the same: weights and tool-call ids aside."""
    said = _json_bytes(
        [tools, [[message.role, _without_ids(message.data), _separate_texts(message)] for message in messages]]
    )
    if ignore_whitespace:
        said = _ESCAPED_WHITESPACE.sub(b"", said).translate(None, b" \t\n\r\f\v")
    return _hash(said)


# Whitespace inside JSON strings as orjson writes it. One pass that starts at each backslash (a
# literal first byte: found like memchr) costs less than three substring passes.
_ESCAPED_WHITESPACE = re.compile(rb"\\[ntr]")


def _separate_texts(message: Message) -> list[Any]:
    """The texts of a message whose text is not all in its content (an Alpaca instruction and input)."""
    return [text for _, text in message.texts] if message.texts else []  # most have none: no comprehension to run


def _without_ids(message: dict[str, Any]) -> dict[str, Any]:
    if "weight" not in message and "tool_call_id" not in message and "tool_calls" not in message:
        return message
    cleaned = {key: value for key, value in message.items() if key not in IGNORED_KEYS}
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        cleaned["tool_calls"] = [
            {key: value for key, value in call.items() if key != "id"} if isinstance(call, dict) else call
            for call in calls
        ]
    return cleaned


class _Batch:
    """What FT402, FT404 and FT405 compute of one batch of records, which the engine hands to
    each of them in turn: computed once, for the last batch only."""

    records: ClassVar[list[Record] | None] = None
    texts: ClassVar[list[str]] = []
    identities: ClassVar[list[bytes | None]] = []
    measure: ClassVar[tuple[object, ...]] = ()
    fingerprints: ClassVar[list[bytes | None]] = []
    # what training sees: see _input_and_output
    parts: ClassVar[list[tuple[list[Message], list[Message]] | None] | None] = None
    leak_digests: ClassVar[list[bytes | None]] = []

    @classmethod
    def of(cls, records: list[Record]) -> type[_Batch]:
        if cls.records is not records:
            cls.records, cls.measure, cls.parts = records, (), None
            cls.texts = [example_text(record) for record in records]
            cls.identities = [
                _identity(record) if text else None for record, text in zip(records, cls.texts, strict=True)
            ]
        return cls

    @classmethod
    def with_parts(cls, records: list[Record]) -> type[_Batch]:
        """The batch, with the input and output of each record and FT404's digests (for FT404 and FT405)."""
        batch = cls.of(records)
        if batch.parts is None:
            batch.parts = [
                _input_and_output(record) if identity else None
                for record, identity in zip(records, batch.identities, strict=True)
            ]
            batch.leak_digests = [
                identity + _part_digests(record, parts) if identity else None
                for record, identity, parts in zip(records, batch.identities, batch.parts, strict=True)
            ]
        return batch


def _identity(record: Record) -> bytes:
    """Digests of the whole example (key order aside) and of its conversation without the system prompt."""
    return _digest(record.value) + _conversation_digest(_spoken(record.messages))


def _input_and_output(record: Record) -> tuple[list[Message], list[Message]] | None:
    """What training sees of an example: its trained output, the last assistant message with a
    weight (in preference data, each conversation's: both outputs are in the loss), and its
    input, every message before it (the system prompt included). None: nothing is trained."""
    conversations = record.conversations
    trained = [_last_trained(conversation) for conversation in conversations]
    answers = [at for at in trained if at is not None]
    if not answers or len(answers) < len(trained):
        return None
    return conversations[0][: answers[0]], [
        conversation[at] for conversation, at in zip(conversations, answers, strict=True)
    ]


def _last_trained(conversation: list[Message]) -> int | None:
    for at in range(len(conversation) - 1, -1, -1):
        if conversation[at].trained:
            return at
    return None


def _part_digests(record: Record, parts: tuple[list[Message], list[Message]] | None) -> bytes:
    """Digests of the input (with the tools offered) and of the output, apart from whitespace as
    FT403 compares them; zero bytes for an input that says nothing (a TRL record's implicit
    prompt, empty messages: they would all be one input) and for no output."""
    if parts is None:
        return bytes(2 * DIGEST_BYTES)
    prompt, outputs = parts
    says_something = any(message.content or message.texts or message.calls_tools for message in prompt)
    input_digest = (
        _conversation_digest(prompt, ignore_whitespace=True, tools=_tools_offered(record.value))
        if says_something
        else bytes(DIGEST_BYTES)
    )
    return input_digest + _conversation_digest(outputs, ignore_whitespace=True)


def _fingerprints(
    records: list[Record], options: dict[str, Any], boilerplate: ShingleSet | None = None
) -> list[bytes | None]:
    """Per record: its identity digests, then its LSH band hashes without the `boilerplate`
    shingles (None: a record without words, or only those)."""
    batch = _Batch.of(records)
    measure = (
        options["shingle-size"],
        options["threshold"],
        id(boilerplate),
    )  # the file's set lives as long as the run
    if batch.measure != measure:
        from ft_lint import minhash

        bands, rows = minhash.lsh_shape(options["threshold"])
        hashes, has_words = minhash.band_hashes(batch.texts, options["shingle-size"], bands, rows, boilerplate)
        batch.measure = measure
        batch.fingerprints = [
            identity + hashes[i].tobytes() if has_words[i] else None for i, identity in enumerate(batch.identities)
        ]
    return batch.fingerprints


_Field = tuple[str, str] | tuple[str, str, tuple[int]]  # a numpy table's field: name, type, [shape]


class _Rows:
    """The records with a summary, in reading order (file by file, then by line), held compactly:
    file numbers, lines and the summaries as a uint8 table in numpy arrays, no object per record."""

    def __init__(self, summaries: Summaries, width: int):
        self.filenames, self.files, self.lines, self.cells = summaries.table(width)
        self._numbers = _positions(self.filenames)

    def __len__(self) -> int:
        return len(self.lines)

    def filename(self, row: int) -> str:
        return self.filenames[int(self.files[row])]

    def location(self, row: int) -> Location:
        return Location(self.filename(row), int(self.lines[row]))

    def peer_groups(self, dataset: Dataset, across_files: bool) -> np.ndarray:
        """Each row's peer group (see Dataset.peer_groups): rows of one group are compared with each other."""
        import numpy as np

        return np.take(np.array(dataset.peer_groups(self.filenames, across_files), dtype=np.int64), self.files)

    def of(self, filenames: Sequence[str]) -> np.ndarray:
        """The rows of these files, file by file in this order."""
        import numpy as np

        numbers = [self._numbers[name] for name in filenames if name in self._numbers]
        # A file's rows are consecutive (files are numbered in reading order): two binary searches,
        # not a pass over every row.
        starts, ends = (
            np.searchsorted(self.files, numbers, side="left"),
            np.searchsorted(self.files, numbers, side="right"),
        )
        return np.concatenate(
            [np.arange(start, end, dtype=np.intp) for start, end in zip(starts, ends, strict=True)]
            or [np.zeros(0, dtype=np.intp)]
        )

    @functools.cached_property
    def wholes(self) -> np.ndarray:
        """Every row's whole-record digest (how a record read again is told from others on its line),
        made once: the table is copied to make it."""
        return self.table()["whole"]

    def table(self, bands: int = 0) -> np.ndarray:
        """The identities (whole and conversation digests), then `bands` band hashes, as a numpy table."""

        fields: list[_Field] = [("whole", "<u8"), ("conversation", "<u8")]
        return self.view(fields + ([("bands", "<u4", (bands,))] if bands else []))

    def view(self, fields: list[_Field]) -> np.ndarray:
        """The first bytes of the summaries as a numpy table of these fields."""
        import numpy as np

        dtype = np.dtype(fields)
        return np.ascontiguousarray(self.cells[:, : dtype.itemsize]).view(dtype).reshape(-1)


# --- the exact comparison of candidates --------------------------------------------------------


class _Measure:
    """How the exact comparison shingles records read again and compares them: the `text` of each
    (the whole example, or FT405's input or output) with `shingle-size`, without each file's
    `boilerplate` shingles; `by_part`: a preference record's prompt and outputs each compared
    with the other record's (see example_parts), the least similar part deciding."""

    def __init__(
        self,
        options: dict[str, Any],
        boilerplate: dict[str, ShingleSet] | None = None,
        by_part: bool = False,
        text: Callable[[Record], str] = example_text,
    ):
        self.shingle_size, self.threshold = options["shingle-size"], options["threshold"]
        self.boilerplate = boilerplate or {}
        self.by_part = by_part
        self.text = text

    def shingles(self, filename: str, records: list[Record]) -> list[list[np.ndarray]]:
        """Per record, the shingle set of each of its parts (one part: the whole example)."""
        from ft_lint import minhash

        parts = [example_parts(record) if self.by_part else [self.text(record)] for record in records]
        sets = iter(
            minhash.shingle_sets(
                [text for texts in parts for text in texts], self.shingle_size, self.boilerplate.get(filename)
            )
        )
        return [[next(sets) for _ in texts] for texts in parts]

    @staticmethod
    def similarity(parts: list[np.ndarray], other: list[np.ndarray]) -> float:
        """The least Jaccard index of the parts with the other's (parts empty in both are the same);
        0 for records of different shapes (a preference record and a conversation), and for
        records with no words to compare at all (an output under FT405's floor)."""
        from ft_lint import minhash

        if len(parts) != len(other) or not any(part.size or twin.size for part, twin in zip(parts, other, strict=True)):
            return 0.0
        return min(
            minhash.jaccard(part, twin) if part.size or twin.size else 1.0
            for part, twin in zip(parts, other, strict=True)
        )


def _best_matches(
    rows: _Rows, pairs: np.ndarray, files: list[str], measure: _Measure, dataset: Dataset
) -> dict[int, tuple[float, int, int]]:
    """For each target row of the (target, source) pairs, its most similar source at or above the
    threshold (the earliest among equals: by file in `files`, then line), by the exact Jaccard
    index of their shingle sets (see _Measure): (similarity, source, parts compared)."""
    comparison = _Comparison(rows, pairs, files, measure)
    while comparison.open_pairs.any():
        comparison.one_pass(dataset)
    return comparison.best


class _Comparison:
    """Candidate pairs compared in passes over the files, in the order given, so that each source
    is met before its targets. A source's shingles are held from then until its last target,
    within SHINGLE_BUDGET; a pair whose source did not fit waits for the next pass."""

    def __init__(self, rows: _Rows, pairs: np.ndarray, files: list[str], measure: _Measure):
        import numpy as np

        order = np.lexsort((pairs[:, 1], pairs[:, 0]))
        self.targets, self.sources = pairs[order, 0], pairs[order, 1]
        self.open_pairs = np.ones(len(self.targets), dtype=bool)
        self.uses = Counter(self.sources.tolist())  # open pairs per source
        self.rows, self.files, self.measure = rows, files, measure
        self.file_order = _positions(files)
        self.best: dict[int, tuple[float, int, int]] = {}
        self.live: dict[int, list[np.ndarray]] = {}  # shingles of the sources held in this pass, by part
        self.held = 0  # shingle hashes in self.live

    def one_pass(self, dataset: Dataset) -> None:
        import numpy as np

        still_open = np.count_nonzero(self.open_pairs)
        wanted: dict[str, dict[int, list[int]]] = {}  # filename -> line -> rows (a one-line JSON array has many)
        for row in sorted(set(self.targets[self.open_pairs].tolist()) | set(self.sources[self.open_pairs].tolist())):
            wanted.setdefault(self.rows.filename(row), {}).setdefault(int(self.rows.lines[row]), []).append(row)
        self.live.clear()
        self.held = 0
        seen: set[int] = set()
        for filename in self.files:
            for row, shingles in _shingled(dataset, filename, wanted.get(filename, {}), self.rows.wholes, self.measure):
                seen.add(row)
                self._compare(row, shingles)
                size = sum(part.size for part in shingles)
                if self.uses[row] and (not self.live or self.held + size <= SHINGLE_BUDGET):
                    self.live[row] = shingles
                    self.held += size
        gone = [
            row for lines in wanted.values() for rows in lines.values() for row in rows if row not in seen
        ]  # the file changed since
        self.open_pairs &= ~(np.isin(self.targets, gone) | np.isin(self.sources, gone))
        if np.count_nonzero(self.open_pairs) == still_open:
            raise RuntimeError("a source read after its target")  # a caller's bug: never loop forever

    def _compare(self, row: int, shingles: list[np.ndarray]) -> None:
        """Compare a target with its sources held now; let go of sources with no open pair left."""
        import numpy as np

        for i in range(np.searchsorted(self.targets, row), np.searchsorted(self.targets, row, side="right")):
            source = int(self.sources[i])
            if not self.open_pairs[i] or source not in self.live:
                continue
            self.open_pairs[i] = False
            similarity = self.measure.similarity(shingles, self.live[source])
            if similarity >= self.measure.threshold and (
                row not in self.best or self._rank(similarity, source) > self._rank(*self.best[row])
            ):
                self.best[row] = (similarity, source, len(shingles))
            self.uses[source] -= 1
            if not self.uses[source]:
                self.held -= sum(part.size for part in self.live.pop(source))

    def _rank(self, similarity: float, source: int, *_: object) -> tuple[float, int, int]:
        return similarity, -self.file_order[self.rows.filename(source)], -int(self.rows.lines[source])


def _positions(names: Sequence[str]) -> dict[str, int]:
    """Each name's position in the list (its first): a look-up, where list.index is a pass over the list."""
    return {name: number for number, name in reversed(list(enumerate(names)))}


def _shingled(
    dataset: Dataset, filename: str, rows_by_line: dict[int, list[int]], wholes: np.ndarray, measure: _Measure
) -> Iterator[tuple[int, list[np.ndarray]]]:
    """(row, shingle sets of its parts) of the wanted records of a file, in file order;
    `rows_by_line` gives the rows wanted at each line, `wholes` every row's whole-record digest."""
    batch: list[tuple[int, Record]] = []
    for row, record in _read_again(dataset, filename, rows_by_line, wholes):
        batch.append((row, record))
        if len(batch) == REREAD_BATCH:
            yield from _shingle_batch(batch, filename, measure)
            batch = []
    yield from _shingle_batch(batch, filename, measure)


def _read_again(
    dataset: Dataset, filename: str, rows_by_line: dict[int, list[int]], wholes: np.ndarray
) -> Iterator[tuple[int, Record]]:
    """(row, record) of the wanted records of a file, in file order (see _shingled)."""
    for record in dataset.reread(filename, rows_by_line.keys()) if rows_by_line else ():
        row = _wanted_row(record, rows_by_line[record.line], wholes)
        if row is not None:
            yield row, record


def _wanted_row(record: Record, rows: list[int], wholes: np.ndarray) -> int | None:
    """The row among those wanted at the record's line that is this record, by its digest (a line
    of a JSON array holds several records; a line changed since the scan is none of them);
    each row is taken once."""
    digest = int.from_bytes(_digest(record.value), "little")
    for row in rows:
        if wholes[row] == digest:
            rows.remove(row)
            return row
    return None


def _shingle_batch(
    batch: list[tuple[int, Record]], filename: str, measure: _Measure
) -> Iterator[tuple[int, list[np.ndarray]]]:
    sets = measure.shingles(filename, [record for _, record in batch])
    return ((row, shingles) for (row, _), shingles in zip(batch, sets, strict=True))


# --- the rules -------------------------------------------------------------------------------------


class _Batched:
    """Summaries computed a batch at a time (`summarize_batch`), one record too."""

    def summarize(self, record: Record) -> bytes | None:
        return self.summarize_batch([record])[0]

    def summarize_batch(self, records: list[Record]) -> list[bytes | None]:
        raise NotImplementedError


class _Similar(_Batched):
    """FT402's summaries: identities and whole-text band hashes (fingerprints), with the measure's options."""

    OPTIONS: ClassVar[dict[str, Option]] = MEASURE_OPTIONS
    options: dict[str, Any]

    def summarize_batch(self, records: list[Record]) -> list[bytes | None]:
        return _fingerprints(records, self.options)

    def _rows_and_table(self, summaries: Summaries) -> tuple[_Rows, np.ndarray]:
        from ft_lint import minhash

        bands = minhash.lsh_shape(self.options["threshold"])[0]
        rows = _Rows(summaries, IDENTITY_BYTES + 4 * bands)
        return rows, rows.table(bands)


class NearDuplicateExample(_Similar, DatasetRule):
    __doc__ = f"""An example nearly the same as an earlier one, in the file or another file of the run.

    Why: near-copies (a template filled twice the same way, an answer pasted with a typo fixed)
    weigh their content several times, like exact duplicates, but no byte comparison finds them.
    The finding sits on the later example, the most similar earlier one in `related`, and the
    message gives their similarity. Exact copies are FT401's and are not reported again.

{PEERS_DOCUMENTATION}
    Each file's boilerplate (below) is its own: an example is compared without its file's, so
    two files that share a preamble only one of them has learned as boilerplate read as less
    similar, and the rule stays silent where it would have to guess.

{MEASURE_DOCUMENTATION}

    What varies is compared, not what many examples share:
    - Boilerplate is set aside: a passage of at least {BOILERPLATE_WORDS} words of input (a message other
      than the assistant's: a preamble, instructions, a tool list written into the prompt) that
      at least {BOILERPLATE_SHARE:.0%} of the file's examples share, and at least {BOILERPLATE_EXAMPLES} of them,
      judged on up to {BOILERPLATE_SAMPLE:,} examples spread over the file before it is read. Its shingles are left
      out of every example of the file, and the message then gives the similarity of what varies.
      Answers are not learned from: the same answer under many prompts is what this rule is
      for. Where it must guess, the rule stays silent: near-copies of one long input in that
      many examples are compared on the rest (their answers).
    - Preference data may hold several pairs of outputs for one prompt, so a preference example
      is a near-duplicate only if its prompt and each of its outputs (the preferred with the
      preferred, the other with the other) are each at least `threshold` similar to the other
      example's; the message gives the lowest of the three. A start both outputs share (an
      implicit prompt) counts as the prompt.

    Example (flagged, similarity 0.85): line 7 is line 2 with one word at the end changed.
    Fix: delete one of the two, or make them say different things.
    """

    code = "FT402"
    name = "near-duplicate-example"
    severity = Severity.WARNING
    sample_records = BOILERPLATE_SAMPLE
    OPTIONS: ClassVar[dict[str, Option]] = {**MEASURE_OPTIONS, "across-files": ACROSS_FILES}

    def __init__(self, options: dict[str, Any] | None = None):
        super().__init__(options)
        self.boilerplate: dict[str, ShingleSet] = {}  # filename -> the shingles set aside, learned before its scan

    def learn(self, filename: str, sample: list[Record]) -> bytes:
        """The file's boilerplate: the passages of inputs that many of the sampled examples share."""
        from ft_lint import minhash

        inputs = list(dict.fromkeys(text for text in map(input_text, sample) if text))  # a copy counts once
        size = self.options["shingle-size"]
        min_texts = max(BOILERPLATE_EXAMPLES, math.ceil(BOILERPLATE_SHARE * len(inputs)))
        found = minhash.shared_passages(inputs, size, min_texts, max(BOILERPLATE_WORDS - size + 1, 1))
        self.boilerplate[filename] = minhash.ShingleSet(found)
        return found.tobytes()

    def summarize_batch(self, records: list[Record]) -> list[bytes | None]:
        return _fingerprints(records, self.options, self.boilerplate.get(records[0].filename) if records else None)

    def check_dataset(self, summaries: Summaries, dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        import numpy as np

        from ft_lint import minhash

        rows, table = self._rows_and_table(summaries)
        peers = rows.peer_groups(dataset, self.options["across-files"])
        originals = np.flatnonzero(_first_of_each(peers, table["whole"]))  # copies are FT401's
        everything = np.ones(len(originals), dtype=bool)
        pairs = originals[
            minhash.candidate_pairs(table["bands"], originals, peers[originals], everything, everything, dataset.jobs)
        ]
        measure = _Measure(self.options, self.boilerplate, by_part=True)
        for target, (similarity, source, parts) in sorted(
            _best_matches(rows, pairs, rows.filenames, measure, dataset).items()
        ):
            earlier, location = rows.location(source), rows.location(target)
            boilerplate = len(self.boilerplate.get(earlier.filename, ())) > 0
            yield (
                location,
                Problem(
                    f"nearly the same as the example at {_place(earlier, location)} "
                    f"({_similarity(similarity, parts > 1, boilerplate)})",
                    related=(earlier,),
                ),
            )


def _place(other: Location, here: Location) -> str:
    """Where the other example is, as a message says it: its line, and its file if it is another."""
    return place(other.filename, other.line) if other.filename == here.filename else where(other.filename, other.line)


def _similarity(value: float, by_part: bool = False, boilerplate: bool = False) -> str:
    """The similarity as a message says it: of what (a preference example's parts, the least
    similar deciding) and apart from what (the file's boilerplate)."""
    from ft_lint import minhash

    said = f"similarity {minhash.floor_similarity(value)}"
    if by_part:
        said += " for the prompt and each output" if value == 1.0 else " or more for the prompt and each output"
    if boilerplate:
        said += " (of what varies)" if by_part else " of what varies"
    shared = "the text many of the file's examples share"
    if value == 1.0:
        aside = ["case", "punctuation", "the system prompt", "the tools defined", *([shared] if boilerplate else [])]
        return f"{said}: the same words, apart from {', '.join(aside[:-1])} or {aside[-1]}"
    return said + (f": {shared} is set aside" if boilerplate else "")


def _first_of_each(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """True for the first row of each (group, key)."""
    import numpy as np

    from ft_lint.grouping import shared_groups

    order, first = shared_groups(groups, keys)  # a row left out is alone in its (group, key): its first
    result = np.ones(len(keys), dtype=bool)
    result[order[~first]] = False
    return result


class ConflictingAnswers(DatasetRule):
    __doc__ = f"""The same input as an earlier example of the run, with an answer that disagrees.

    The input is every message before the final assistant message (a prompt/completion record's
    prompt; a preference record's `input`) with the tools the record defines, compared apart
    from whitespace, weights and tool-call ids; the answer is that final message (the completion).

    Answers disagree, rather than say one thing two ways, when:
    - both are labels or short answers (at most 3 words, case and punctuation aside) and differ:
      `True`/`False`, ` 1`/` 2`, `Canberra`/`Sydney`; a leading yes or no decides for both
      (`Yes` and `Yes, it is` agree);
    - both are longer and say the same thing but for their facts: the same words once numbers
      and yes/no words are set aside, with other numbers or the opposite yes/no
      ("The test failed 3 times" / "The test failed 5 times");
    - both are tool calls, and the calls differ (another function or other arguments).
    Anything else is not reported: rewordings of one answer ("I am trained by LMSYS" / "LMSYS
    trained me") and different valid answers to an open prompt (two greetings, two poems). So
    a long answer that states another fact in other words is not found: the rule guesses on
    the side of silence.

    Preference data may hold several pairs of outputs for one input, so there the conflict is
    the same two outputs with the preference reversed.

    Why: the model is taught two answers to one question and learns neither well; in a
    classifier's data it is a labelling error.
    The finding sits on each later example, with the earliest one answering otherwise in `related`.

{PEERS_DOCUMENTATION}

    Example (flagged): line 3 {{"prompt": "Is the sky green? ->", "completion": " no"}}
    and line 8 {{"prompt": "Is the sky green? ->", "completion": " yes"}}.
    Fix: keep the right answer, or make the inputs say what makes the answers differ.
    """

    code = "FT403"
    name = "conflicting-answers"
    severity = Severity.WARNING
    OPTIONS: ClassVar[dict[str, Option]] = {"across-files": ACROSS_FILES}

    def summarize(self, record: Record) -> bytes | None:
        """The whole record's digest (to find it again), the input's digest, then the answer's
        digest and 8 zero bytes; for preference data the preferred and the non-preferred
        answer's digests (one length for all: a numpy table)."""
        found = [_final_answer(conversation) for conversation in record.conversations]
        finals = [final for final in found if final is not None]
        if not 1 <= len(found) <= 2 or len(finals) < len(found) or not finals[0][0]:
            return None
        prompt = _conversation_digest(finals[0][0], ignore_whitespace=True, tools=_tools_offered(record.value))
        answers = b"".join(_conversation_digest([answer], ignore_whitespace=True) for _, answer in finals)
        return _digest(record.value) + (prompt + answers).ljust(3 * DIGEST_BYTES, b"\0")

    def check_dataset(self, summaries: Summaries, dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        import numpy as np

        rows = _Rows(summaries, 4 * DIGEST_BYTES)
        peers = rows.peer_groups(dataset, self.options["across-files"])
        all_digests = rows.cells.view("<u8")
        wholes, digests = all_digests[:, 0], all_digests[:, 1:]
        preference = digests[:, 2] != 0  # a real digest of 0 has a chance of 2**-64
        pairs = np.flatnonzero(
            preference
        )  # a pair conflicts with the same pair reversed: group by the pair, compare the preferred
        earlier = _earliest_different(
            [
                peers[pairs],
                digests[pairs, 0],
                np.minimum(digests[pairs, 1], digests[pairs, 2]),
                np.maximum(digests[pairs, 1], digests[pairs, 2]),
            ],
            digests[pairs, 1],
        )
        conflicts = [
            (pairs[row], pairs[earlier[row]], "with the same two outputs and the preference reversed")
            for row in np.flatnonzero(earlier >= 0)
        ]
        conflicts += self._disagreements(rows, peers, np.flatnonzero(~preference), digests, wholes, dataset)
        for target, other, what in sorted(conflicts):
            answered, location = rows.location(other), rows.location(target)
            yield (
                location,
                Problem(f"the same input as the example at {_place(answered, location)}, {what}", related=(answered,)),
            )

    def _disagreements(
        self,
        rows: _Rows,
        peers: np.ndarray,
        single: np.ndarray,
        digests: np.ndarray,
        wholes: np.ndarray,
        dataset: Dataset,
    ) -> list[tuple[int, int, str]]:
        """(row, earlier row, how) for answers that disagree with an earlier answer to the same
        input. Only the inputs answered in more than one way are read again, for their answers'
        shapes (see _answer_shape): a few records, where computing shapes for all would cost
        more than the rest of the rule."""
        import numpy as np

        answered_otherwise = _earliest_different([peers[single], digests[single, 0]], digests[single, 1]) >= 0
        inputs = np.unique(digests[single[answered_otherwise], 0])
        candidates = single[np.isin(digests[single, 0], inputs)]
        if not candidates.size:
            return []
        wanted: dict[str, dict[int, list[int]]] = {}
        for row in candidates.tolist():
            wanted.setdefault(rows.filename(row), {}).setdefault(int(rows.lines[row]), []).append(row)
        shapes = {}
        for filename, rows_by_line in wanted.items():
            for row, record in _read_again(dataset, filename, rows_by_line, wholes):
                final = _final_answer(record.conversations[0])
                if final is not None:  # always: the record has a summary, so a final answer
                    shapes[row] = _answer_shape(final[1])
        candidates = np.array(
            [row for row in candidates.tolist() if row in shapes], dtype=np.intp
        )  # a record changed since is left out
        frames = np.array([int.from_bytes(shapes[row][0], "little") for row in candidates.tolist()], dtype=np.uint64)
        facts = np.array([int.from_bytes(shapes[row][1], "little") for row in candidates.tolist()], dtype=np.uint64)
        earlier = _earliest_different([peers[candidates], digests[candidates, 0], frames], facts)
        return [
            (
                candidates[row],
                candidates[earlier[row]],
                _DISAGREEMENTS.get(int(frames[row]), "with the same answer but other numbers or the opposite yes/no"),
            )
            for row in np.flatnonzero(earlier >= 0)
        ]


SHORT_ANSWER_WORDS = 3  # an answer of at most this many words is a label: any other label disagrees
_POLARITY = {
    "yes": "+",
    "true": "+",
    "correct": "+",
    "right": "+",
    "no": "-",
    "false": "-",
    "incorrect": "-",
    "wrong": "-",
}
_FACT = re.compile(r"\d+|\b(?:" + "|".join(_POLARITY) + r")\b")
_NOT_WORDS = re.compile(r"[\W_]+")
_LABEL_FRAME, _TOOL_CALL_FRAME = _hash(b"label"), _hash(b"tool call")
_DISAGREEMENTS = {
    int.from_bytes(_LABEL_FRAME, "little"): "with a different label",
    int.from_bytes(_TOOL_CALL_FRAME, "little"): "with a different tool call",
}


def _answer_shape(answer: Message) -> tuple[bytes, bytes]:
    """(frame, facts) digests of an answer: two answers to one input disagree when their frames
    are equal and their facts are not (see ConflictingAnswers). A label's frame is the same for
    every label, its facts its words (or its leading yes/no); a tool call's frame is the same
    for every call, its facts the call; a longer answer's frame is its words with numbers and
    yes/no words set aside, its facts those numbers and words. Regular expressions over the
    whole text, not a loop over words: this runs for every record."""
    if "tool_calls" in answer.data or "function_call" in answer.data:
        return _TOOL_CALL_FRAME, _conversation_digest([answer], ignore_whitespace=True)
    text = (
        answer.content
        if isinstance(answer.content, str) and not answer.texts
        else " ".join(turn.text for turn in text_turns([answer]) if turn.text)
    )
    lowered = text.lower()
    frame = _NOT_WORDS.sub(" ", _FACT.sub("0", lowered)).strip()
    if frame.count(" ") < SHORT_ANSWER_WORDS:
        words = _NOT_WORDS.sub(" ", lowered).strip()
        polarity = _POLARITY.get(words.partition(" ")[0])
        return _LABEL_FRAME, _hash((polarity or words).encode())
    facts = " ".join(_POLARITY.get(fact, fact) for fact in _FACT.findall(lowered))
    return _hash(frame.encode()), _hash(facts.encode())


def _tools_offered(value: dict[str, Any]) -> list[Any]:
    """The tool definitions of a record: part of what the model answers to."""
    source = value.get("input")
    if not isinstance(source, dict):
        source = {}
    return [container.get(key) for container in (value, source) for key in TOOL_KEYS]


def _final_answer(conversation: list[Message]) -> tuple[list[Message], Message] | None:
    """(the messages before the final assistant message, that message)."""
    for last in range(len(conversation) - 1, -1, -1):
        if conversation[last].role == "assistant":
            return conversation[:last], conversation[last]
    return None


def _earliest_different(groups: list[np.ndarray], answer: np.ndarray) -> np.ndarray:
    """Per row: the earliest row of its group with another answer, if that row comes before it; else -1."""
    import numpy as np

    from ft_lint.grouping import shared_groups

    result = np.full(len(answer), -1)
    order, new_group = shared_groups(*groups)  # a row left out is alone in its group: no earlier one
    count = len(order)
    if not count:
        return result
    starts = np.flatnonzero(new_group)
    group_of = np.cumsum(new_group) - 1
    start = starts[group_of]
    answers = answer[order]
    differs = answers != answers[start]
    positions = np.arange(count)
    first_different = np.minimum.reduceat(np.where(differs, positions, count), starts)[group_of]
    related = np.where(differs, start, np.where(first_different < positions, first_different, -1))
    found = related >= 0
    result[order[found]] = order[related[found]]
    return result


ANSWER_FLOOR_WORDS = 8  # a shorter trained output repeats by nature (a label, yes or no, one short fact): not a leak
CANNED_INPUTS = (
    3  # an answer the training data gives to this many different inputs is the task's own (a template, a refusal)
)
LEAK_FIELDS: list[_Field] = [
    ("whole", "<u8"),
    ("conversation", "<u8"),
    ("input", "<u8"),
    ("output", "<u8"),
]  # FT404's summary
LEAK_BYTES = 4 * DIGEST_BYTES
LEAK_DOCUMENTATION = """\
    What training sees of an example is its input, every message before the trained answer (the
    last assistant message with a weight; a prompt/completion record's prompt, a preference
    record's `input` or `prompt`), with the system prompt and the tools it offers; and its
    trained output: that answer (the completion; both outputs of a preference record, which are
    both in the loss)."""


class ValidationLeak(_Batched, PairRule):
    __doc__ = f"""A validation example whose whole, input or trained output is in the training data it is paired with.

    Three kinds, the strongest named when several hold:
    - the whole example (key order aside), its conversation apart from the system prompt (weights
      and tool-call ids aside), or its input and answer apart from whitespace;
    - its input (apart from whitespace), whatever the answer: the message says that the training
      example answers it differently (another label, another sample, a contradiction). The
      system prompt is part of the input: the same question in another user's session or
      with another context is another input;
    - its trained output (apart from whitespace) as the answer to another input: a reworded
      question with the training answer. Loss is measured on those tokens, so it reads too good.
      An output shorter than {ANSWER_FLOOR_WORDS} words (as FT402's measure cuts words: `$9.50` is two) is
      left out: labels, yes or no and short facts repeat by nature (" positive", "The capital
      of France is Paris."); so is an answer the training data gives to
      {CANNED_INPUTS} or more different inputs, a template or fixed reply (a refusal, "Your order was
      cancelled.") that a new input gets too. A reworded question whose answer the training
      data also gives to {CANNED_INPUTS - 1} other inputs is therefore not found.

{LEAK_DOCUMENTATION}

    Validation and training files are paired by `--validation`, `pairs` in the configuration, or
    their names (`train.jsonl` with `valid.jsonl`, `x_train.jsonl` with `x_val.jsonl`: see
    docs/training-and-validation.md). Near copies of any kind are FT405's.

    Why: the validation loss is then measured on what the model was trained on, and looks better
    than the model is: overfitting goes unseen.
    The finding sits in the validation file, the training example in `related`.

    Example (flagged): valid.jsonl line 4 has the conversation of train.jsonl line 120 under
    another system prompt; line 9 asks the question of train.jsonl line 30, which answers it
    otherwise.
    Fix: remove the example from one of the two files.
    """

    code = "FT404"
    name = "validation-leak"
    severity = Severity.ERROR

    def summarize_batch(self, records: list[Record]) -> list[bytes | None]:
        """The identity digests, then the input's and the output's (computed once for FT404 and FT405)."""
        return _Batch.with_parts(records).leak_digests

    def check_dataset(self, summaries: Summaries, dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        rows = _Rows(summaries, LEAK_BYTES)
        table = rows.view(LEAK_FIELDS)
        for _, targets, sources in _paired_rows(rows, dataset):
            for target, source, what in _exact_leaks(rows, table, targets, sources, dataset):
                training = rows.location(source)
                yield (
                    rows.location(target),
                    Problem(f"{what}: {where(training.filename, training.line)}", related=(training,)),
                )


def _exact_leaks(
    rows: _Rows, table: np.ndarray, targets: np.ndarray, sources: np.ndarray, dataset: Dataset
) -> list[tuple[int, int, str]]:
    """The validation rows (targets) found in the training rows (sources) as FT404 reports them:
    (target, the first source found, what), each target once by its strongest kind."""
    import numpy as np

    from ft_lint.grouping import combined_key

    has_input = table["input"] != 0
    found: list[tuple[int, int, str]] = []
    left = targets
    for key, eligible, what in (
        (table["whole"], None, "this example is in the training data"),
        (table["conversation"], None, "this conversation is in the training data (system prompt or formatting aside)"),
        (
            combined_key(table["input"], table["output"]),
            None,
            "this example is in the training data (whitespace aside)",
        ),
        (table["input"], has_input, "this example's input is in the training data, answered differently there"),
    ):
        candidates = left if eligible is None else left[eligible[left]]
        match = _first_match(key[sources], key[candidates])
        found += [
            (target, sources[at], what)
            for target, at in zip(candidates[match >= 0].tolist(), match[match >= 0].tolist(), strict=True)
        ]
        left = np.setdiff1d(left, candidates[match >= 0])
    match = _first_match(table["output"][sources], table["output"][left])
    canned = _canned_outputs(table, sources) if np.any(match >= 0) else np.zeros(0, dtype=np.uint64)
    same_answer = (match >= 0) & ~np.isin(table["output"][left], canned)
    words = _answer_words(rows, left[same_answer], table["whole"], dataset)
    for target, at in zip(left[same_answer].tolist(), match[same_answer].tolist(), strict=True):
        if words.get(target, 0) >= ANSWER_FLOOR_WORDS:
            found.append(
                (
                    target,
                    sources[at],
                    f"this example's answer ({words[target]} words) is in the training data, "
                    "answering another input there",
                )
            )
    return sorted(found)


def _canned_outputs(table: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """The output digests that the training rows give to CANNED_INPUTS different inputs or more."""
    import numpy as np

    from ft_lint.grouping import combined_key

    outputs = table["output"][sources]
    _, first_of_each_input = np.unique(combined_key(outputs, table["input"][sources]), return_index=True)
    values, inputs = np.unique(outputs[first_of_each_input], return_counts=True)
    return values[inputs >= CANNED_INPUTS]


def _answer_words(rows: _Rows, targets: np.ndarray, wholes: np.ndarray, dataset: Dataset) -> dict[int, int]:
    """The words of the trained output of these rows of one file, read again (a few: the
    outputs found in the training data), as the measure counts them."""
    from ft_lint import minhash

    if not targets.size:
        return {}
    rows_by_line: dict[int, list[int]] = {}
    for row in targets.tolist():
        rows_by_line.setdefault(int(rows.lines[row]), []).append(row)
    read = list(_read_again(dataset, rows.filename(int(targets[0])), rows_by_line, wholes))
    counts = minhash.word_counts([_output_text(record) for _, record in read])
    return {row: int(count) for (row, _), count in zip(read, counts.tolist(), strict=True)}


def _input_text(record: Record) -> str:
    parts = _input_and_output(record)
    return _text_of(_spoken(parts[0])) if parts else ""


def _output_text(record: Record) -> str:
    parts = _input_and_output(record)
    return _text_of(_spoken(parts[1])) if parts else ""


def _long_output_text(record: Record) -> str:
    """The trained output's words, or none when they are fewer than ANSWER_FLOOR_WORDS."""
    from ft_lint import minhash

    text = _output_text(record)
    return text if minhash.word_counts([text])[0] >= ANSWER_FLOOR_WORDS else ""


def _paired_rows(rows: _Rows, dataset: Dataset) -> Iterator[tuple[list[str], np.ndarray, np.ndarray]]:
    """Per validation file: the files of the pair (training files as paired, then the validation
    file), the validation rows, and the training rows (by file, then line)."""
    for validation, trainings in dataset.training_of.items():
        targets, sources = rows.of([validation]), rows.of(trainings)
        if targets.size and sources.size:
            yield [*trainings, validation], targets, sources


def _first_match(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Per needle, the index of its first occurrence in the haystack, or -1."""
    import numpy as np

    values, first = np.unique(haystack, return_index=True)
    at = np.searchsorted(values, needles).clip(0, len(values) - 1)
    return np.where(values[at] == needles, first[at], -1)


class ValidationNearLeak(_Batched, PairRule):
    __doc__ = f"""A validation example whose whole, input or trained output is nearly in the training data
    it is paired with.

    The kinds of FT404, nearly: the whole example, or its input whatever the answer (the message
    says whether the training example answers it the same), or its trained output as the
    answer to another input, with FT404's exceptions for outputs (shorter than
    {ANSWER_FLOOR_WORDS} words, or given by the training data to {CANNED_INPUTS} or more inputs). The strongest kind
    is named when several hold, and the most similar training example of that kind.
    Exact leaks are FT404's and are not reported again. Files are paired as for FT404.

{LEAK_DOCUMENTATION}

    Why: a validation example the model has nearly seen measures memory, not generalisation.
    The finding sits in the validation file, the training example in `related`, and the
    message gives their similarity.

{MEASURE_DOCUMENTATION}
    The whole text, the input and the output are each compared this way (the system prompt
    aside). Candidates come from MinHash signatures of the input and of the output (a whole
    example that is nearly the same has a nearly same input or output), each with half the LSH
    bands of FT402 to keep the memory per example: at the default threshold, an input or output
    pair exactly at 0.8 is found 96% of the time, one at 0.85 99% of the time.

    Example (flagged, similarity 0.90): valid.jsonl line 9 is train.jsonl line 77 with a name changed.
    Fix: remove the example from one of the two files.
    """

    code = "FT405"
    name = "validation-near-leak"
    severity = Severity.WARNING
    OPTIONS = MEASURE_OPTIONS

    def summarize_batch(self, records: list[Record]) -> list[bytes | None]:
        """FT404's digests, then the band hashes of the input and of the output (zero: no words)."""
        from ft_lint import minhash

        batch = _Batch.with_parts(records)
        bands, rows = self._part_shape()
        assert batch.parts is not None, "with_parts computes them"
        texts = [_text_of(_spoken(part)) for parts in batch.parts for part in (parts or ([], []))]
        hashes, has_words = minhash.band_hashes(texts, self.options["shingle-size"], bands, rows)
        hashes[~has_words] = 0
        hashes = hashes.reshape(len(records), 2 * bands)
        return [digests + hashes[i].tobytes() if digests else None for i, digests in enumerate(batch.leak_digests)]

    def _part_shape(self) -> tuple[int, int]:
        from ft_lint import minhash

        bands, rows = minhash.lsh_shape(self.options["threshold"])
        return (bands + 1) // 2, rows

    def check_dataset(self, summaries: Summaries, dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        import numpy as np

        bands = self._part_shape()[0]
        rows = _Rows(summaries, LEAK_BYTES + 2 * 4 * bands)
        table = rows.view([*LEAK_FIELDS, ("input_bands", "<u4", (bands,)), ("output_bands", "<u4", (bands,))])
        paired = []
        for files, targets, sources in _paired_rows(rows, dataset):
            exact = _exact_leaks(rows, table, targets, sources, dataset)
            targets = np.setdiff1d(targets, [target for target, _, _ in exact])  # FT404's
            own = np.isin(table["output"], _canned_outputs(table, sources))
            paired.append((files, (targets, sources), (targets[~own[targets]], sources[~own[sources]])))
        near_inputs = _near_pairs(table["input_bands"], [inputs for _, inputs, _ in paired], dataset.jobs)
        near_outputs = _near_pairs(table["output_bands"], [outputs for _, _, outputs in paired], dataset.jobs)
        for (files, _, _), inputs, outputs in zip(paired, near_inputs, near_outputs, strict=True):
            found: dict[int, tuple[int, str]] = {}
            for pairs, text, what in (
                (
                    np.unique(np.concatenate((inputs, outputs)), axis=0),
                    example_text,
                    "nearly the same as training example {training} ({similarity})",
                ),
                (
                    inputs,
                    _input_text,
                    "its input is nearly that of training example {training} ({similarity}), answered {answered} there",
                ),
                (
                    outputs,
                    _long_output_text,
                    "its answer is nearly that of training example {training} ({similarity}), answering another input",
                ),
            ):
                pairs = pairs[~np.isin(pairs[:, 0], list(found))]
                for target, (similarity, source, _) in _best_matches(
                    rows, pairs, files, _Measure(self.options, text=text), dataset
                ).items():
                    training = rows.location(source)
                    answered = "the same" if table["output"][target] == table["output"][source] else "differently"
                    found[target] = (
                        source,
                        what.format(
                            training=where(training.filename, training.line),
                            similarity=_similarity(similarity),
                            answered=answered,
                        ),
                    )
            for target, (source, message) in sorted(found.items()):
                yield rows.location(target), Problem(message, related=(rows.location(source),))


def _near_pairs(bands: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray]], jobs: int) -> list[np.ndarray]:
    """For each pair of files' (targets, sources): the (target, source) rows that share an LSH
    bucket of these band hashes (rows without words left out). One search for every pair, a
    group per pair: a search per pair costs milliseconds however small the pair, seconds for
    thousands of pairs."""
    import numpy as np

    from ft_lint import minhash

    with_words = [
        tuple(chosen[bands[chosen].any(axis=1)] for chosen in (sources, targets)) for targets, sources in pairs
    ]
    sizes = [len(sources) + len(targets) for sources, targets in with_words]
    both = np.concatenate([np.zeros(0, dtype=np.intp), *(np.concatenate(chosen) for chosen in with_words)])
    groups = np.repeat(np.arange(len(pairs), dtype=np.int64), sizes)
    is_source = np.concatenate(
        [
            np.zeros(0, dtype=bool),
            *(np.arange(size) < len(sources) for size, (sources, _) in zip(sizes, with_words, strict=True)),
        ]
    )
    found = (
        minhash.candidate_pairs(bands, both, groups, is_source, ~is_source, jobs)
        if both.size
        else np.zeros((0, 2), dtype=np.intp)
    )
    ends = np.searchsorted(groups[found[:, 0]], np.arange(len(pairs) + 1))  # found is in position order, so by group
    return [both[found[start:end]].reshape(-1, 2) for start, end in pairwise(ends)]
