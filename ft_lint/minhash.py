"""Near-duplicate text at numpy speed: shingles, one-permutation MinHash, LSH banding, exact Jaccard.

The measure. A text is lowercased and cut into words: a word is a run of letters, marks, digits
and underscores (Unicode categories L, M, N), except that every character of a script written
without spaces (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar) is a word of its own, so such
text is compared by character n-grams. The shingles of a text are its runs of `size` consecutive
words (a text of fewer words has one shingle: all of them), and two texts are as similar as the
Jaccard index of their shingle sets. Each shingle is kept as a 64-bit hash; the hashes are
deterministic, so a run finds the same pairs every time.

The search. Comparing every pair is quadratic, so each text gets a MinHash signature of
SIGNATURE_BINS values (one-permutation hashing: a shingle's hash picks its bin by its low bits and
offers its high bits as the bin's minimum; empty bins borrow from a pseudo-random full bin, the
"optimal densification" of Shrivastava, 2017), and the signature is cut into bands: texts that
agree on a whole band are candidates. Everything is vectorised over a batch of texts, since numpy's
cost per call, not per element, dominates short examples. Candidates are then compared exactly
(`jaccard`), so nothing under the threshold is ever reported.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Sequence

import numpy as np

from ft_lint.grouping import may_repeat

SIGNATURE_BINS = 128  # a power of two: the bin is the low bits of a shingle hash
MAX_TEXT_CHARS = 1 << 18  # text beyond this in one example is not compared (no provider trains on it)
THREADED_MIN_ROWS = 20_000  # fewer rows take milliseconds: starting threads costs more than it saves
RECALL_AT_THRESHOLD = 0.995  # LSH bands are chosen to find a pair exactly at the threshold this often

_U64 = np.uint64
_EMPTY = np.uint32(0xFFFFFFFF)
_TOKEN_MULTIPLIER = 0x9E3779B97F4A7C15  # odd: powers of it are invertible modulo 2**64
# Unicode blocks of scripts written without spaces between words: one character, one word.
_UNSPACED_BLOCKS = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)
_SEPARATOR, _WORD, _UNSPACED = 0, 1, 2


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit reaches every output bit."""
    x = x ^ (x >> _U64(30))
    x = x * _U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U64(27))
    x = x * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


def _constants(count: int, salt: int) -> np.ndarray:
    """`count` fixed pseudo-random odd 64-bit multipliers."""
    return _mix(np.arange(count, dtype=_U64) + _U64(salt)) | _U64(1)


@functools.cache
def _char_classes() -> np.ndarray:
    """Class of each code point up to plane 3 (higher planes are clipped to the last entry, a word character)."""
    table = np.full(0x40000, _WORD, dtype=np.uint8)
    for code in range(0x10000):
        char = chr(code)
        if char != "_" and unicodedata.category(char)[0] not in "LMN":
            table[code] = _SEPARATOR
    for low, high in _UNSPACED_BLOCKS:
        table[low : high + 1] = _UNSPACED
    return table


@functools.cache
def _powers(count: int) -> tuple[np.ndarray, np.ndarray]:
    """M**i and M**-i modulo 2**64 for i < count, M the token multiplier."""
    return _geometric(_TOKEN_MULTIPLIER, count), _geometric(pow(_TOKEN_MULTIPLIER, -1, 1 << 64), count)


def _geometric(base: int, count: int) -> np.ndarray:
    """base**i modulo 2**64 for i < count, by doubling (a few whole-array products, not a cumprod)."""
    result = np.ones(max(count, 1), dtype=_U64)
    filled, step = 1, base
    while filled < count:
        take = min(filled, count - filled)
        np.multiply(result[:take], _U64(step), out=result[filled : filled + take])
        filled, step = filled + take, step * step % (1 << 64)
    return result[:count]


def _prepared(texts: Sequence[str]) -> list[str]:
    """The texts as compared: cut at MAX_TEXT_CHARS (`_words` lowercases them)."""
    return [text[:MAX_TEXT_CHARS] for text in texts]


def _batches(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Index ranges of `texts` holding about MAX_TEXT_CHARS characters each (fewer numpy calls per text)."""
    ranges, start, chars = [], 0, 0
    for i, text in enumerate(texts):
        chars += len(text) + 1
        if chars >= MAX_TEXT_CHARS:
            ranges.append((start, i + 1))
            start, chars = i + 1, 0
    if start < len(texts):
        ranges.append((start, len(texts)))
    return ranges


def _words(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hash of every word of the (prepared) texts in order, the index of the text each belongs to,
    and the number of words of each text."""
    codes, texts = _lowercase_codes(texts)
    ascii_only = codes.dtype == np.uint8
    # The classes with a separator before and after: words start and end where the class changes.
    classes = np.empty(len(codes) + 2, dtype=np.uint8)
    classes[0] = classes[-1] = _SEPARATOR
    _char_classes().take(codes, mode="clip", out=classes[1:-1])
    is_word = classes == _WORD
    edges = np.flatnonzero(is_word[1:] != is_word[:-1])
    starts, ends = edges[0::2], edges[1::2]
    if not ascii_only:
        single = np.flatnonzero(classes == _UNSPACED) - 1
        if (
            single.size
        ):  # each a word of one character, put in place (no word starts where one is): no sort of all words
            places = np.searchsorted(starts, single)
            starts, ends = np.insert(starts, places, single), np.insert(ends, places, single + 1)
    # Polynomial hash of each word from prefix sums: sum(code[j] * M**j) over the word, divided by M**start.
    powers, inverses = _powers(max(2 * MAX_TEXT_CHARS, 1 << len(codes).bit_length()))
    prefix = np.empty(len(codes) + 1, dtype=_U64)
    prefix[0] = 0
    np.multiply(codes, powers[: len(codes)], out=prefix[1:])  # in place: no temporary array as long as the text
    np.cumsum(prefix[1:], out=prefix[1:])
    words = _mix((prefix[ends] - prefix[starts]) * inverses[starts])
    # Words are in order, so each text's are a run: its first is found by a search per text, not per word.
    text_starts = np.cumsum([0] + [len(text) + 1 for text in texts[:-1]])
    per_text = np.diff(np.searchsorted(starts, text_starts), append=len(starts))
    return words, np.repeat(np.arange(len(texts)), per_text), per_text


def _lowercase_codes(texts: Sequence[str]) -> tuple[np.ndarray, Sequence[str]]:
    """The code points of the texts lowercased (as str.lower does) and joined by a newline (a
    separator between texts: no word spans two), uint8 when all are ASCII; and the texts whose
    lengths place them (those lowercased where str.lower lowercased them)."""
    joined = "\n".join(texts)
    if joined.isascii():
        return np.frombuffer(joined.encode("ascii").lower(), dtype=np.uint8), texts
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    # One table lookup per character costs a fraction of str.lower, whose result it is for every
    # character of the BMP but two: it makes two of U+0130 (İ), and U+03A3 (Σ) depends on its neighbours.
    if codes.max() < len(_lowercase_bmp()) and "\u0130" not in joined and "\u03a3" not in joined:
        return _lowercase_bmp().take(codes), texts
    lowered = [text.lower() for text in texts]
    return np.frombuffer("\n".join(lowered).encode("utf-32-le", "surrogatepass"), dtype=np.uint32), lowered


@functools.cache
def _lowercase_bmp() -> np.ndarray:
    """str.lower of each character of the BMP (of U+0130 and U+03A3: themselves; see _lowercase_codes)."""
    every = "".join(map(chr, range(0x10000))).replace("\u0130", "\0").replace("\u03a3", "\0")
    table = np.frombuffer(every.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    table[[0x130, 0x3A3]] = [0x130, 0x3A3]
    return table


def _shingle_hashes(texts: Sequence[str], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Hash of every shingle of the (prepared) texts, repeats included, and the index of the text each belongs to."""
    words, owner, per_text = _words(texts)
    count = len(words)
    multipliers = _constants(size, salt=size)
    full = max(count - size + 1, 0)  # shingles starting here span `size` words, maybe across two texts
    combined = words[:full] * multipliers[0]
    for j in range(1, size):
        combined += words[j : j + full] * multipliers[j]
    keep = owner[:full] == owner[size - 1 : size - 1 + full]
    hashes, texts_of = [combined[keep]], [owner[:full][keep]]
    # A text of fewer than `size` words has one shingle of all its words.
    short = np.flatnonzero((per_text > 0) & (per_text < size))
    if short.size:
        first = (np.cumsum(per_text) - per_text)[short]
        lengths = per_text[short]
        combined = np.zeros(short.size, dtype=_U64)
        for j in range(size - 1):
            present = j < lengths
            combined[present] += words[first[present] + j] * multipliers[j]
        hashes.append(combined)
        texts_of.append(short)
    return _mix(np.concatenate(hashes)), np.concatenate(texts_of)


def _kept_shingle_hashes(texts: Sequence[str], size: int, ignored: ShingleSet | None) -> tuple[np.ndarray, np.ndarray]:
    """_shingle_hashes without the shingles in `ignored` (None: none)."""
    hashes, owner = _shingle_hashes(texts, size)
    if ignored is None or not len(ignored):
        return hashes, owner
    kept = ~ignored.contains(hashes)
    return hashes[kept], owner[kept]


class ShingleSet:
    """A set of shingle hashes asked about many hashes at once, at one table lookup each: the
    hashes are well mixed, so their low bits index a table of 8 to 16 slots per member (9 to 18
    bytes); only the hashes that fall in a slot two members share (a few percent) are looked
    for by binary search. About 20 times as fast as np.isin, which sorts."""

    def __init__(self, members: np.ndarray):
        self.members = np.unique(members.astype(_U64))
        bits = max(len(self.members) * 8, 1).bit_length()
        self.mask = _U64((1 << bits) - 1)
        slots = (self.members & self.mask).astype(np.intp)
        in_slot = np.bincount(slots, minlength=1 << bits)
        alone = in_slot[slots] == 1
        self.table = ~np.arange(
            1 << bits, dtype=_U64
        )  # an empty slot holds a value whose low bits are not its index: no hash matches it
        self.table[slots[alone]] = self.members[alone]
        self.slot_is_shared = in_slot > 1
        self.sharing = self.members[~alone]  # sorted

    def __len__(self) -> int:
        return len(self.members)

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        """Whether each hash is in the set."""
        slots = (hashes & self.mask).astype(np.intp)
        found = self.table[slots] == hashes
        if self.sharing.size:
            asked = np.flatnonzero(self.slot_is_shared[slots])
            at = np.searchsorted(self.sharing, hashes[asked]).clip(max=len(self.sharing) - 1)
            found[asked] = self.sharing[at] == hashes[asked]
        return found


def shingle_sets(texts: Sequence[str], size: int, ignored: ShingleSet | None = None) -> list[np.ndarray]:
    """Each text's shingle hashes, sorted and unique, without those in `ignored`."""
    sets: list[np.ndarray] = []
    texts = _prepared(texts)
    for start, stop in _batches(texts):
        hashes, owner = _kept_shingle_hashes(texts[start:stop], size, ignored)
        order = np.lexsort((hashes, owner))
        hashes, owner = hashes[order], owner[order]
        # sorted by text, then hash: a repeat sits just after its first, in the same text
        first = np.ones(len(hashes), dtype=bool)
        first[1:] = (hashes[1:] != hashes[:-1]) | (owner[1:] != owner[:-1])
        hashes, owner = hashes[first], owner[first]
        bounds = np.searchsorted(owner, np.arange(stop - start + 1))
        sets += [hashes[bounds[i] : bounds[i + 1]] for i in range(stop - start)]
    return sets


def word_counts(texts: Sequence[str]) -> np.ndarray:
    """How many words each text has, as the measure cuts them (up to MAX_TEXT_CHARS)."""
    return _words(_prepared(texts))[2] if texts else np.zeros(0, dtype=np.intp)


def shared_passages(texts: Sequence[str], size: int, min_texts: int, min_run: int) -> np.ndarray:
    """The shingles (sorted hashes) of the passages that at least `min_texts` of the texts share:
    runs of at least `min_run` consecutive shingles of a text, each of which is in that many
    texts (a text counts once however often it repeats a shingle)."""
    texts = _prepared(texts)
    in_order, owners = [], []
    for start, stop in _batches(texts):
        hashes, owner = _shingle_hashes(texts[start:stop], size)
        in_order.append(hashes)
        owners.append(owner + start)
    hashes, owner = (
        np.concatenate([np.zeros(0, dtype=_U64), *in_order]),
        np.concatenate([np.zeros(0, dtype=np.int64), *owners]),
    )
    order = np.lexsort((hashes, owner))
    once = np.ones(len(order), dtype=bool)  # each shingle once per text
    once[1:] = (hashes[order][1:] != hashes[order][:-1]) | (owner[order][1:] != owner[order][:-1])
    values, texts_with = np.unique(hashes[order][once], return_counts=True)
    common = values[texts_with >= min_texts]
    if not common.size:
        return common
    # Runs of common shingles: a run starts at a common shingle whose predecessor (in the same text) is not one.
    is_common = ShingleSet(common).contains(hashes)
    continues = np.zeros(len(hashes), dtype=bool)
    continues[1:] = is_common[:-1] & (owner[1:] == owner[:-1])
    run = np.cumsum(is_common & ~continues)
    run_lengths = np.bincount(run[is_common], minlength=run[-1] + 1)
    return np.unique(hashes[is_common & (run_lengths[run] >= min_run)])


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard index of two sorted, unique hash arrays."""
    if not a.size or not b.size:
        return 0.0
    shared = np.count_nonzero(np.isin(a, b, assume_unique=True, kind="sort"))
    return shared / (a.size + b.size - shared)


@functools.cache  # asked for every batch of records summarised
def lsh_shape(threshold: float, bins: int = SIGNATURE_BINS) -> tuple[int, int]:
    """(bands, rows per band): the most rows (fewest chance candidates) that still find a pair of
    similarity `threshold` with probability RECALL_AT_THRESHOLD."""
    for rows in range(bins, 0, -1):
        bands = bins // rows
        if 1 - (1 - threshold**rows) ** bands >= RECALL_AT_THRESHOLD:
            return bands, rows
    return bins, 1


def band_hashes(
    texts: Sequence[str], size: int, bands: int, rows: int, ignored: ShingleSet | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's band hashes (texts x bands, uint32) without the shingles in `ignored`, and
    which texts have any shingle left."""
    result = np.zeros((len(texts), bands), dtype=np.uint32)
    has_words = np.zeros(len(texts), dtype=bool)
    texts = _prepared(texts)
    for start, stop in _batches(texts):
        hashes, owner = _kept_shingle_hashes(texts[start:stop], size, ignored)
        signatures = _signatures(hashes, owner, stop - start)
        used = signatures[:, : bands * rows].reshape(-1, bands, rows).astype(_U64)
        combined = (used * _constants(rows, salt=1 << 32)).sum(axis=2, dtype=_U64)
        result[start:stop] = (_mix(combined) >> _U64(32)).astype(np.uint32)
        has_words[start:stop] = np.bincount(owner, minlength=stop - start) > 0
    return result, has_words


@functools.cache
def _probe_orders() -> np.ndarray:
    """For each bin, a fixed pseudo-random order of all bins (row = attempt, column = bin)."""
    bins = SIGNATURE_BINS
    keys = _mix(np.arange(bins * bins, dtype=_U64) + _U64(_TOKEN_MULTIPLIER)).reshape(bins, bins)
    return np.argsort(keys, axis=1).T.copy()


PROBED_ROUNDS = 12  # empty bins looked for in their probe order this many times; the rest by rank


def _signatures(hashes: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
    """One-permutation MinHash with optimal densification: count x SIGNATURE_BINS uint32.

    An empty bin takes the value of the first full bin in its own fixed pseudo-random order of
    the bins; with the same orders for every text, two texts agree on a bin with probability
    their Jaccard index, as with as many independent hash functions.
    """
    bins = SIGNATURE_BINS
    cells = owner * bins + (hashes & _U64(bins - 1)).astype(np.int64)
    flat = np.full(count * bins, _EMPTY, dtype=np.uint32)
    np.minimum.at(flat, cells, (hashes >> _U64(32)).astype(np.uint32))
    full = flat != _EMPTY
    has_any = full.reshape(count, bins).any(axis=1)
    empty = np.flatnonzero(~full & np.repeat(has_any, bins))
    densified = flat.copy()
    text_cells, empty_bins = np.divmod(empty, bins)
    text_cells *= bins
    # Most empty bins find a full one in a few probes; a text with few full bins (a short text) needs
    # tens, each a pass over what is left: after PROBED_ROUNDS probes its bins are found by rank.
    for order in _probe_orders()[:PROBED_ROUNDS]:
        if not empty.size:
            break
        probed = text_cells + order[empty_bins]
        hit = full[probed]
        densified[empty[hit]] = flat[probed[hit]]
        missed = ~hit
        empty, text_cells, empty_bins = empty[missed], text_cells[missed], empty_bins[missed]
    if empty.size:
        densified[empty] = flat[_first_full_in_probe_order(full, empty)]
    return densified.reshape(count, bins)


def _first_full_in_probe_order(full: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """For each empty cell (text * SIGNATURE_BINS + bin, of a text with a full bin), the cell of the
    first full bin of its text in the bin's probe order: of the text's full bins, the one of lowest
    rank in that order (work per empty cell: its text's full bins, however far the first one is)."""
    bins = SIGNATURE_BINS
    texts, empty_bins = np.divmod(empty, bins)
    full_cells = np.flatnonzero(full)  # by text, then bin
    full_per_text = full.reshape(-1, bins).sum(axis=1)
    first_full = np.cumsum(full_per_text) - full_per_text
    # One pair per empty cell and full bin of its text, the pairs of an empty cell together.
    pair_counts = full_per_text[texts]
    first_pair = np.cumsum(pair_counts) - pair_counts
    paired_full = full_cells[
        np.repeat(first_full[texts] - first_pair, pair_counts) + np.arange(first_pair[-1] + pair_counts[-1])
    ]
    ranks = _probe_ranks()[np.repeat(empty_bins, pair_counts), paired_full % bins]
    return texts * bins + _probe_orders()[np.minimum.reduceat(ranks, first_pair), empty_bins]


@functools.cache
def _probe_ranks() -> np.ndarray:
    """Where each bin comes in each bin's probe order (row = bin probed for, column = bin)."""
    return np.argsort(_probe_orders(), axis=0).T.astype(np.uint8)


def stable_argsort(keys: np.ndarray, key_bits: int) -> np.ndarray:
    """np.argsort(keys, kind="stable") for uint64 keys below 2**key_bits, faster: when key and
    position fit in 64 bits together, one np.sort of the keys with the position in their low bits
    (unique, so ties keep their order), about 7 times faster than numpy's stable sort."""
    position_bits = max(len(keys) - 1, 1).bit_length()
    if key_bits + position_bits > 64:
        return np.argsort(keys, kind="stable")
    tagged = (keys << _U64(position_bits)) | np.arange(len(keys), dtype=_U64)
    return (np.sort(tagged) & _U64((1 << position_bits) - 1)).astype(np.intp)


def candidate_pairs(
    bands: np.ndarray,
    rows: np.ndarray,
    groups: np.ndarray,
    is_source: np.ndarray,
    is_target: np.ndarray,
    threads: int = 1,
) -> np.ndarray:
    """Pairs (target, source) of positions in `rows`, source before target, whose rows share a
    band bucket within a group (`groups`, `is_source` and `is_target` are given per position).

    `bands` holds the band hashes of every row; only those of `rows` are read, one band at a
    time, on up to `threads` threads (numpy's sorts and array operations release the GIL).
    Positions are in order (earlier rows first). For each band, a target is paired with the first
    source of its bucket and the last source before it: a cluster of n similar rows gives about
    2n pairs, not n**2, and each row still meets the cluster's first row and its nearest neighbour.
    """
    count = len(rows)
    key_bits = 32 + int(groups.max(initial=0)).bit_length()
    high_groups = groups.astype(_U64) << _U64(32)

    def band_pairs(band: int) -> np.ndarray:
        keys = high_groups | bands[rows, band].astype(_U64)
        # Only buckets of two or more rows give pairs, and most rows are alone in theirs: only
        # the rows that may share one are sorted, and the rest of the work is done on the
        # members of shared buckets, in sorted order.
        maybe = np.flatnonzero(may_repeat(keys))
        order = maybe[stable_argsort(keys[maybe], key_bits)]
        sorted_keys = keys[order]
        same = sorted_keys[1:] == sorted_keys[:-1]  # same[i]: sorted position i + 1 is in i's bucket
        shared = np.zeros(len(order), dtype=bool)
        shared[1:] |= same
        shared[:-1] |= same
        members = np.flatnonzero(shared)
        order = order[members]
        local = np.arange(len(members))
        new_bucket = np.ones(len(members), dtype=bool)
        new_bucket[1:] = ~same[members[1:] - 1]
        bucket_start = np.maximum.accumulate(np.where(new_bucket, local, 0))
        source = is_source[order]
        last_source = np.maximum.accumulate(np.where(source, local, -1))
        previous = np.concatenate(([-1], last_source[:-1]))
        first_source = np.minimum.accumulate(np.where(source, local, len(members))[::-1])[::-1][bucket_start]
        target = is_target[order]
        found = []
        for partner in (previous, first_source):
            chosen = target & (partner >= bucket_start) & (partner < local)
            found.append(order[chosen].astype(np.int64) * count + order[partner[chosen]])
        return np.concatenate(found)

    if threads > 1 and count >= THREADED_MIN_ROWS:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(threads, bands.shape[1])) as pool:
            per_band = list(pool.map(band_pairs, range(bands.shape[1])))
    else:
        per_band = [band_pairs(band) for band in range(bands.shape[1])]
    found = np.unique(np.concatenate([np.zeros(0, dtype=np.int64), *per_band]))
    return np.stack((found // max(count, 1), found % max(count, 1)), axis=1)


def floor_similarity(value: float) -> str:
    """A similarity for people: two decimals, never rounded up (0.996 is not 'identical')."""
    return f"{math.floor(value * 100) / 100:.2f}"
