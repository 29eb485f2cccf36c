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
import json
import re
from collections import Counter
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import orjson
import xxhash

from ft_lint.findings import Location, Problem, Severity
from ft_lint.formats import Message, text_turns
from ft_lint.record import Record
from ft_lint.rules import Dataset, DatasetRule, Option, PairRule, Summaries

if TYPE_CHECKING:
    import numpy as np

SYSTEM_ROLES = frozenset({"system", "developer"})  # the system prompt: left out of what is compared
IGNORED_KEYS = frozenset({"weight", "tool_call_id"})  # with tool calls' ids: change nothing a conversation says
SHINGLE_BUDGET = 4_000_000  # shingle hashes (8 bytes each) held at once while comparing candidates
REREAD_BATCH = 256  # candidates shingled per numpy call
DIGEST_BYTES = 8
IDENTITY_BYTES = 2 * DIGEST_BYTES  # a whole example's digest, then its conversation's
TOOL_KEYS = ("tools", "functions", "toolConfig")  # where records (or a preference record's input) define tools

MEASURE_OPTIONS = {
    "threshold": Option(0.8, "lowest similarity reported: Jaccard index of the two examples' shingle sets", minimum=0.3, maximum=1.0),
    "shingle-size": Option(5, "words per shingle (a character is a word in Chinese, Japanese, Thai)", minimum=1, maximum=20),
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
    pieces: list[str] = []
    for message in _spoken(record.messages):
        if isinstance(message.content, str) and not message.texts:  # most messages: text_turns would make one turn of it
            if message.content:
                pieces.append(message.content)
        else:
            pieces += [turn.text for turn in text_turns([message]) if turn.text]
        if "tool_calls" not in message.data and "function_call" not in message.data:
            continue
        calls = message.data.get("tool_calls")
        functions = [call.get("function") for call in calls if isinstance(call, dict)] if isinstance(calls, list) else []
        functions.append(message.data.get("function_call"))
        for function in functions:
            if isinstance(function, dict):
                pieces += [part if isinstance(part, str) else _json(part) for part in (function.get("name"), function.get("arguments")) if part is not None]
    return "\n".join(pieces)


def _spoken(messages: Sequence[Message]) -> list[Message]:
    return [message for message in messages if message.role not in SYSTEM_ROLES]


def _hash(data: bytes) -> bytes:
    """DIGEST_BYTES that tell data apart: xxh3, ~20 times faster than blake2b on a record, and
    as good at 64 bits (a digest this short is no defence against collisions made on purpose
    whatever the hash; FT401, whose fix deletes lines, keeps 16 bytes of blake2b)."""
    return xxhash.xxh3_64_digest(data)


def _json(value: Any) -> str:
    return _json_bytes(value).decode("utf-8", "surrogatepass")


def _json_bytes(value: Any) -> bytes:
    """The value as JSON with sorted keys, in UTF-8 (orjson's bytes as they come: no round trip through str)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):  # integers beyond 64 bits (from a .json array)
        return json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _digest(value: Any) -> bytes:
    """The same digest for the same JSON value, key order aside."""
    return _hash(_json_bytes(value))


def _conversation_digest(messages: Sequence[Message], ignore_whitespace: bool = False, tools: Any = None) -> bytes:
    """The same digest for messages (and tools) that say the same: weights and tool-call ids aside."""
    said = _json_bytes([tools, [[message.role, _without_ids(message.data), _separate_texts(message)] for message in messages]])
    if ignore_whitespace:
        said = _ESCAPED_WHITESPACE.sub(b"", said).translate(None, b" \t\n\r\f\v")
    return _hash(said)


# Whitespace inside JSON strings as orjson writes it. One pass that starts at each backslash (a
# literal first byte: found like memchr) costs less than three substring passes.
_ESCAPED_WHITESPACE = re.compile(rb"\\[ntr]")


def _separate_texts(message: Message) -> list:
    """The texts of a message whose text is not all in its content (an Alpaca instruction and input)."""
    return [text for _, text in message.texts] if message.texts else []  # most have none: no comprehension to run


def _without_ids(message: dict) -> dict:
    if "weight" not in message and "tool_call_id" not in message and "tool_calls" not in message:
        return message
    cleaned = {key: value for key, value in message.items() if key not in IGNORED_KEYS}
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        cleaned["tool_calls"] = [{key: value for key, value in call.items() if key != "id"} if isinstance(call, dict) else call for call in calls]
    return cleaned


class _Batch:
    """What FT402, FT404 and FT405 compute of one batch of records, which the engine hands to
    each of them in turn: computed once, for the last batch only."""

    records: list[Record] | None = None
    texts: list[str] = []
    identities: list[bytes | None] = []
    measure: tuple = ()
    fingerprints: list[bytes | None] = []

    @classmethod
    def of(cls, records: list[Record]) -> type[_Batch]:
        if cls.records is not records:
            cls.records, cls.measure = records, ()
            cls.texts = [example_text(record) for record in records]
            cls.identities = [_identity(record) if text else None for record, text in zip(records, cls.texts)]
        return cls


def _identity(record: Record) -> bytes:
    """Digests of the whole example (key order aside) and of its conversation without the system prompt."""
    return _digest(record.value) + _conversation_digest(_spoken(record.messages))


def _fingerprints(records: list[Record], settings: dict[str, Any]) -> list[bytes | None]:
    """Per record: its identity digests, then its LSH band hashes (None: a record without words)."""
    batch = _Batch.of(records)
    measure = (settings["shingle-size"], settings["threshold"])
    if batch.measure != measure:
        from ft_lint import minhash

        bands, rows = minhash.lsh_shape(settings["threshold"])
        hashes, has_words = minhash.band_hashes(batch.texts, settings["shingle-size"], bands, rows)
        batch.measure = measure
        batch.fingerprints = [identity + hashes[i].tobytes() if has_words[i] else None for i, identity in enumerate(batch.identities)]
    return batch.fingerprints


class _Rows:
    """The records with a summary, in reading order (file by file, then by line), held compactly:
    file numbers, lines and the summaries as a uint8 table in numpy arrays, no object per record."""

    def __init__(self, summaries: Summaries, width: int):
        self.filenames, self.files, self.lines, self.cells = summaries.table(width)
        self._numbers = _positions(self.filenames)

    def __len__(self) -> int:
        return len(self.lines)

    def filename(self, row: int) -> str:
        return self.filenames[self.files[row]]

    def location(self, row: int) -> Location:
        return Location(self.filename(row), int(self.lines[row]))

    def of(self, filenames: Sequence[str]) -> np.ndarray:
        """The rows of these files, file by file in this order."""
        import numpy as np

        numbers = [self._numbers[name] for name in filenames if name in self._numbers]
        # A file's rows are consecutive (files are numbered in reading order): two binary searches, not a pass over every row.
        starts, ends = np.searchsorted(self.files, numbers, side="left"), np.searchsorted(self.files, numbers, side="right")
        return np.concatenate([np.arange(start, end, dtype=np.intp) for start, end in zip(starts, ends)] or [np.zeros(0, dtype=np.intp)])

    @functools.cached_property
    def wholes(self) -> np.ndarray:
        """Every row's whole-record digest (how a record read again is told from others on its line),
        made once: the table is copied to make it."""
        return self.table()["whole"]

    def table(self, bands: int = 0) -> np.ndarray:
        """The identities (whole and conversation digests), then `bands` band hashes, as a numpy table."""
        import numpy as np

        fields = np.dtype([("whole", "<u8"), ("conversation", "<u8")] + ([("bands", "<u4", (bands,))] if bands else []))
        return np.ascontiguousarray(self.cells[:, :fields.itemsize]).view(fields).reshape(-1)


# --- the exact comparison of candidates --------------------------------------------------------


def _best_matches(rows: _Rows, pairs: np.ndarray, files: list[str], settings: dict[str, Any], dataset: Dataset) -> dict[int, tuple[float, int]]:
    """For each target row of the (target, source) pairs, its most similar source at or above the
    threshold (the earliest among equals: by file in `files`, then line), by the exact Jaccard
    index of their shingle sets."""
    comparison = _Comparison(rows, pairs, files, settings)
    while comparison.open_pairs.any():
        comparison.one_pass(dataset)
    return comparison.best


class _Comparison:
    """Candidate pairs compared in passes over the files, in the order given, so that each source
    is met before its targets. A source's shingles are held from then until its last target,
    within SHINGLE_BUDGET; a pair whose source did not fit waits for the next pass."""

    def __init__(self, rows: _Rows, pairs: np.ndarray, files: list[str], settings: dict[str, Any]):
        import numpy as np

        order = np.lexsort((pairs[:, 1], pairs[:, 0]))
        self.targets, self.sources = pairs[order, 0], pairs[order, 1]
        self.open_pairs = np.ones(len(self.targets), dtype=bool)
        self.uses = Counter(self.sources.tolist())  # open pairs per source
        self.rows, self.files, self.settings = rows, files, settings
        self.file_order = _positions(files)
        self.best: dict[int, tuple[float, int]] = {}
        self.live: dict[int, np.ndarray] = {}  # shingles of the sources held in this pass
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
            for row, shingles in _shingled(dataset, filename, wanted.get(filename, {}), self.rows.wholes, self.settings["shingle-size"]):
                seen.add(row)
                self._compare(row, shingles)
                if self.uses[row] and (not self.live or self.held + shingles.size <= SHINGLE_BUDGET):
                    self.live[row] = shingles
                    self.held += shingles.size
        gone = [row for lines in wanted.values() for rows in lines.values() for row in rows if row not in seen]  # the file changed since
        self.open_pairs &= ~(np.isin(self.targets, gone) | np.isin(self.sources, gone))
        if np.count_nonzero(self.open_pairs) == still_open:
            raise RuntimeError("a source read after its target")  # a caller's bug: never loop forever

    def _compare(self, row: int, shingles: np.ndarray) -> None:
        """Compare a target with its sources held now; let go of sources with no open pair left."""
        import numpy as np

        from ft_lint import minhash

        for i in range(np.searchsorted(self.targets, row), np.searchsorted(self.targets, row, side="right")):
            source = int(self.sources[i])
            if not self.open_pairs[i] or source not in self.live:
                continue
            self.open_pairs[i] = False
            similarity = minhash.jaccard(shingles, self.live[source])
            if similarity >= self.settings["threshold"] and (row not in self.best or self._rank(similarity, source) > self._rank(*self.best[row])):
                self.best[row] = (similarity, source)
            self.uses[source] -= 1
            if not self.uses[source]:
                self.held -= self.live.pop(source).size

    def _rank(self, similarity: float, source: int) -> tuple:
        return similarity, -self.file_order[self.rows.filename(source)], -int(self.rows.lines[source])


def _positions(names: Sequence[str]) -> dict[str, int]:
    """Each name's position in the list (its first): a look-up, where list.index is a pass over the list."""
    return {name: number for number, name in reversed(list(enumerate(names)))}


def _shingled(dataset: Dataset, filename: str, rows_by_line: dict[int, list[int]], wholes: np.ndarray, shingle_size: int) -> Iterator[tuple[int, np.ndarray]]:
    """(row, shingle set) of the wanted records of a file, in file order; `rows_by_line` gives
    the rows wanted at each line, `wholes` every row's whole-record digest."""
    batch: list[tuple[int, Record]] = []
    for record in dataset.reread(filename, rows_by_line.keys()) if rows_by_line else ():
        row = _wanted_row(record, rows_by_line[record.line], wholes)
        if row is not None:
            batch.append((row, record))
        if len(batch) == REREAD_BATCH:
            yield from _shingle_batch(batch, shingle_size)
            batch = []
    yield from _shingle_batch(batch, shingle_size)


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


def _shingle_batch(batch: list[tuple[int, Record]], shingle_size: int) -> Iterator[tuple[int, np.ndarray]]:
    from ft_lint import minhash

    sets = minhash.shingle_sets([example_text(record) for _, record in batch], shingle_size)
    return ((row, shingles) for (row, _), shingles in zip(batch, sets))


# --- the rules -------------------------------------------------------------------------------------


class _Batched:
    """Summaries computed a batch at a time (`summarize_batch`), one record too."""

    def summarize(self, record: Record) -> bytes | None:
        return self.summarize_batch([record])[0]


class _Similar(_Batched):
    """What FT402 and FT405 share: the measure's options, and fingerprints as summaries."""

    options = MEASURE_OPTIONS
    settings: dict[str, Any]

    def summarize_batch(self, records: list[Record]) -> list[bytes | None]:
        return _fingerprints(records, self.settings)

    def _rows_and_table(self, summaries: Summaries) -> tuple[_Rows, np.ndarray]:
        from ft_lint import minhash

        bands = minhash.lsh_shape(self.settings["threshold"])[0]
        rows = _Rows(summaries, IDENTITY_BYTES + 4 * bands)
        return rows, rows.table(bands)


class NearDuplicateExample(_Similar, DatasetRule):
    __doc__ = f"""An example nearly the same as an earlier one in the same file.

    Why: near-copies (a template filled twice the same way, an answer pasted with a typo fixed)
    weigh their content several times, like exact duplicates, but no byte comparison finds them.
    The finding sits on the later example, the most similar earlier one in `related`, and the
    message gives their similarity. Exact copies are FT401's and are not reported again.

{MEASURE_DOCUMENTATION}

    Example (flagged, similarity 0.85): line 7 is line 2 with one word at the end changed.
    Fix: delete one of the two, or make them say different things.
    """

    code = "FT402"
    name = "near-duplicate-example"
    severity = Severity.WARNING

    def check_dataset(self, summaries: Summaries, dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        import numpy as np

        from ft_lint import minhash

        rows, table = self._rows_and_table(summaries)
        originals = np.flatnonzero(_first_of_each(rows.files, table["whole"]))  # copies are FT401's
        everything = np.ones(len(originals), dtype=bool)
        pairs = originals[minhash.candidate_pairs(table["bands"], originals, rows.files[originals], everything, everything, dataset.jobs)]
        for target, (similarity, source) in sorted(_best_matches(rows, pairs, rows.filenames, self.settings, dataset).items()):
            earlier = rows.location(source)
            yield rows.location(target), Problem(
                f"nearly the same as the example at line {earlier.line} ({_similarity(similarity)})",
                related=(earlier,),
            )


def _similarity(value: float) -> str:
    from ft_lint import minhash

    if value == 1.0:
        return "similarity 1.00: the same words, apart from case, punctuation or the system prompt"
    return f"similarity {minhash.floor_similarity(value)}"


def _first_of_each(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """True for the first row of each (group, key)."""
    import numpy as np

    from ft_lint.grouping import shared_groups

    order, first = shared_groups(groups, keys)  # a row left out is alone in its (group, key): its first
    result = np.ones(len(keys), dtype=bool)
    result[order[~first]] = False
    return result


class ConflictingAnswers(DatasetRule):
    """The same input as an earlier example of the file, with a different answer.

    The input is every message before the final assistant message (a prompt/completion record's
    prompt; a preference record's `input`) with the tools the record defines, compared apart
    from whitespace, weights and tool-call ids; the answer is that final message (the completion). Preference data may hold
    several pairs of outputs for one input, so there the conflict is the same two outputs with
    the preference reversed.

    Why: the model is taught two answers to one question and learns neither well; in a
    classifier's data it is a labelling error.
    The finding sits on each later example, with the earliest one answering otherwise in `related`.

    Example (flagged): line 3 {"prompt": "Is the sky green? ->", "completion": " no"}
    and line 8 {"prompt": "Is the sky green? ->", "completion": " yes"}.
    Fix: keep the right answer, or make the inputs say what makes the answers differ.
    """

    code = "FT403"
    name = "conflicting-answers"
    severity = Severity.WARNING

    def summarize(self, record: Record) -> bytes | None:
        """The input's digest, then the answer's digest and 8 zero bytes; for preference data the
        preferred and the non-preferred answer's digests (one length for all: a numpy table)."""
        finals = [_final_answer(conversation) for conversation in record.conversations]
        if not 1 <= len(finals) <= 2 or None in finals or not finals[0][0]:
            return None
        prompt = _conversation_digest(finals[0][0], ignore_whitespace=True, tools=_tools_offered(record.value))
        answers = b"".join(_conversation_digest([answer], ignore_whitespace=True) for _, answer in finals)
        return (prompt + answers).ljust(3 * DIGEST_BYTES, b"\0")

    def check_dataset(self, summaries: Summaries, dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        import numpy as np

        rows = _Rows(summaries, 3 * DIGEST_BYTES)
        all_digests = rows.cells.view("<u8")
        preference = all_digests[:, 2] != 0  # a real digest of 0 has a chance of 2**-64
        for answers in (1, 2):
            chosen = np.flatnonzero(preference == (answers == 2))
            if not chosen.size:
                continue
            digests = all_digests[chosen]
            groups = [rows.files[chosen], digests[:, 0]]
            if answers == 2:  # a pair conflicts with the same pair reversed: group by the pair, compare the preferred
                groups += [np.minimum(digests[:, 1], digests[:, 2]), np.maximum(digests[:, 1], digests[:, 2])]
            earlier = _earliest_different(groups, digests[:, 1])
            for row in np.flatnonzero(earlier >= 0):
                target, other = rows.location(chosen[row]), rows.location(chosen[earlier[row]])
                what = "with a different answer" if answers == 1 else "with the same two outputs and the preference reversed"
                yield target, Problem(f"the same input as the example at line {other.line}, {what}", related=(other,))


def _tools_offered(value: dict) -> list:
    """The tool definitions of a record: part of what the model answers to."""
    source = value.get("input") if isinstance(value.get("input"), dict) else {}
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


class ValidationLeak(_Batched, PairRule):
    """A validation example that is also in the training data it is paired with.

    Either the whole example (key order aside), or its conversation apart from the system prompt
    (weights and tool-call ids aside; a difference in whitespace alone is FT405's, similarity
    1.00). Validation and training files are paired by `--validation`, `pairs` in the
    configuration, or their names (`train.jsonl` with `valid.jsonl`, `x_train.jsonl` with
    `x_val.jsonl`: see `ft-lint rule FT405` and the README).

    Why: the validation loss is then measured on examples the model was trained on, and looks
    better than the model is: overfitting goes unseen.
    The finding sits in the validation file, the training example in `related`.

    Example (flagged): valid.jsonl line 4 has the conversation of train.jsonl line 120 under
    another system prompt.
    Fix: remove the example from one of the two files.
    """

    code = "FT404"
    name = "validation-leak"
    severity = Severity.ERROR

    def summarize_batch(self, records: list[Record]) -> list[bytes | None]:
        """The identity digests (computed once for FT402, FT404 and FT405)."""
        return _Batch.of(records).identities

    def check_dataset(self, summaries: Summaries, dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        rows = _Rows(summaries, IDENTITY_BYTES)
        table = rows.table()
        for _, targets, sources in _paired_rows(rows, dataset):
            for key, what in (("whole", "this example is in the training data"), ("conversation", "this conversation is in the training data (system prompt or formatting aside)")):
                found = _first_match(table[key][sources], table[key][targets])
                for target, source in zip(targets, found):
                    if source >= 0:
                        training = rows.location(sources[source])
                        yield rows.location(target), Problem(f"{what}: {training.filename}:{training.line}", related=(training,))
                targets = targets[found < 0]


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


class ValidationNearLeak(_Similar, PairRule):
    __doc__ = f"""A validation example nearly the same as an example of the training data it is paired with.

    Why: a validation example the model has nearly seen measures memory, not generalisation.
    Exact leaks are FT404's and are not reported again. Files are paired as for FT404.
    The finding sits in the validation file, the most similar training example in `related`,
    and the message gives their similarity.

{MEASURE_DOCUMENTATION}

    Example (flagged, similarity 0.90): valid.jsonl line 9 is train.jsonl line 77 with a name changed.
    Fix: remove the example from one of the two files.
    """

    code = "FT405"
    name = "validation-near-leak"
    severity = Severity.WARNING

    def check_dataset(self, summaries: Summaries, dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        import numpy as np

        from ft_lint import minhash

        rows, table = self._rows_and_table(summaries)
        paired = [
            (files, sources, targets[~np.isin(table["conversation"][targets], table["conversation"][sources])])  # leaks are FT404's
            for files, targets, sources in _paired_rows(rows, dataset)
        ]
        if not paired:
            return
        # Every pair's candidates in one search, a group per pair (a search per pair costs
        # milliseconds however small the pair: seconds for thousands of pairs).
        sizes = [len(sources) + len(targets) for _, sources, targets in paired]
        both = np.concatenate([np.concatenate((sources, targets)) for _, sources, targets in paired])
        groups = np.repeat(np.arange(len(paired), dtype=np.int64), sizes)
        is_source = np.concatenate([np.arange(size) < len(sources) for size, (_, sources, _) in zip(sizes, paired)])
        found = minhash.candidate_pairs(table["bands"], both, groups, is_source, ~is_source, dataset.jobs)
        ends = np.searchsorted(groups[found[:, 0]], np.arange(len(paired) + 1))  # found is in position order, so by group
        for (files, _, _), start, end in zip(paired, ends, ends[1:]):
            if start == end:
                continue
            for target, (similarity, source) in sorted(_best_matches(rows, both[found[start:end]], files, self.settings, dataset).items()):
                training = rows.location(source)
                yield rows.location(target), Problem(
                    f"nearly the same as training example {training.filename}:{training.line} ({_similarity(similarity)})",
                    related=(training,),
                )
