"""The near-duplicate measure (ft_lint.minhash) against a plain reference written from its definition."""

from __future__ import annotations

import random

import numpy as np
import pytest

from ft_lint import minhash
from reference import reference_jaccard, reference_shingles
from support import random_words


def edited(rng: random.Random, words: list[str], changes: int) -> list[str]:
    words = list(words)
    for _ in range(changes):
        words[rng.randrange(len(words))] = rng.choice(["alpha", "Beta", "gamma", "delta", "x1"])
    return words


TEXTS = [
    ("The cat sat on the mat, and then it slept.", "the cat sat on the mat and then it slept"),  # case, punctuation
    ("one two three", "one two three four"),  # fewer words than a shingle
    ("今天天气很好我们去公园散步吧", "今天天气很好我们去公园跑步吧"),  # Chinese: one character changed
    ("東京タワーに行きました。とても高かったです。", "東京タワーに行きました。とても高かった。"),  # Japanese
    ("สวัสดีครับวันนี้อากาศดีมาก", "สวัสดีครับวันนี้อากาศร้อนมาก"),  # Thai
    ("Order 66 ist über München angekommen", "order 66 ist uber munchen angekommen"),  # accents are letters
    ("mixed 中文 and English words in one sentence here", "mixed 中文 and English words in one phrase here"),
    (
        "नमस्ते दुनिया। यह एक परीक्षण वाक्य है और यह जारी है",
        "नमस्ते दुनिया। यह एक परीक्षण वाक्य है और वह जारी है",
    ),  # Devanagari marks
]


@pytest.mark.parametrize(("a", "b"), TEXTS)
@pytest.mark.parametrize("size", [1, 3, 5])
def test_jaccard_is_exactly_the_definition(a, b, size):
    first, second = minhash.shingle_sets([a, b], size)
    assert minhash.jaccard(first, second) == reference_jaccard(a, b, size)
    assert len(first) == len(reference_shingles(a, size))


def test_shingle_sets_of_a_batch_equal_those_of_each_text_alone():
    rng = random.Random(7)
    texts = [" ".join(random_words(rng, rng.randint(0, 40))) for _ in range(60)] + [a for a, _ in TEXTS]
    together = minhash.shingle_sets(texts, 5)
    for text, shingles in zip(texts, together, strict=True):
        assert np.array_equal(shingles, minhash.shingle_sets([text], 5)[0])


def test_random_edits_match_the_reference():
    rng = random.Random(1)
    for _ in range(40):
        words = random_words(rng, rng.randint(5, 80))
        a, b = " ".join(words), " ".join(edited(rng, words, rng.randint(0, 4)))
        first, second = minhash.shingle_sets([a, b], 5)
        assert minhash.jaccard(first, second) == reference_jaccard(a, b)


def test_text_without_words_has_no_shingles_and_no_signature():
    sets = minhash.shingle_sets(["", "!!! ...", "word"], 5)
    assert [len(s) for s in sets] == [0, 0, 1]
    _, has_words = minhash.band_hashes(["", "!!! ...", "word"], 5, 21, 6)
    assert has_words.tolist() == [False, False, True]


@pytest.mark.slow
def test_signatures_agree_about_as_often_as_the_jaccard_index():
    """One-permutation MinHash with densification: each bin agrees with probability J, short texts included."""
    rng = random.Random(3)
    for length in (12, 60, 400):  # 12 words: 8 shingles, 120 of 128 bins filled by densification
        agreement, similarity = [], []
        for _ in range(60):
            words = random_words(rng, length)
            a, b = " ".join(words), " ".join(edited(rng, words, max(1, length // 20)))
            texts = [a, b]
            hashes, owner = minhash._shingle_hashes(minhash._prepared(texts), 5)
            signatures = minhash._signatures(hashes, owner, 2)
            agreement.append(np.mean(signatures[0] == signatures[1]))
            similarity.append(reference_jaccard(a, b))
        assert abs(np.mean(agreement) - np.mean(similarity)) < 0.05, length


def test_identical_texts_have_identical_band_hashes_and_others_rarely_share_one():
    rng = random.Random(5)
    texts = [" ".join(random_words(rng, 50)) for _ in range(200)]
    bands, _ = minhash.band_hashes(texts + texts[:1], 5, 21, 6)
    assert np.array_equal(bands[0], bands[-1])
    shared = sum(np.any(bands[i] == bands[j]) for i in range(200) for j in range(i + 1, 200))
    assert shared <= 2  # unrelated texts: a chance 32-bit band collision at most


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8, 0.9, 0.95, 1.0])
def test_lsh_shape_finds_pairs_at_the_threshold_with_the_fewest_chance_candidates(threshold):
    bands, rows = minhash.lsh_shape(threshold)
    assert bands * rows <= minhash.SIGNATURE_BINS

    def recall(rows: int) -> float:
        return 1 - (1 - threshold**rows) ** (minhash.SIGNATURE_BINS // rows)

    assert recall(rows) >= minhash.RECALL_AT_THRESHOLD
    assert rows == minhash.SIGNATURE_BINS or recall(rows + 1) < minhash.RECALL_AT_THRESHOLD


def test_candidate_pairs_within_groups_and_from_sources_to_later_targets():
    bands = np.array([[1, 9], [1, 8], [2, 7], [1, 6], [3, 9]], dtype=np.uint32)
    everyone = np.ones(5, dtype=bool)
    pairs = {
        tuple(p)
        for p in minhash.candidate_pairs(bands, np.arange(5), np.zeros(5, dtype=np.int64), everyone, everyone).tolist()
    }
    assert pairs == {(1, 0), (3, 0), (3, 1), (4, 0)}  # band 0 bucket {0,1,3}: first and previous; band 1 bucket {0,4}
    groups = np.array([0, 1, 0, 0, 1])
    pairs = {tuple(p) for p in minhash.candidate_pairs(bands, np.arange(5), groups, everyone, everyone).tolist()}
    assert pairs == {(3, 0)}
    sources = np.array([True, True, False, False, False])
    pairs = {
        tuple(p)
        for p in minhash.candidate_pairs(bands, np.arange(5), np.zeros(5, dtype=np.int64), sources, ~sources).tolist()
    }
    assert pairs == {(3, 0), (3, 1), (4, 0)}


def reference_candidate_pairs(bands, rows, groups, is_source, is_target) -> set[tuple[int, int]]:
    """The docstring's definition, row by row: per band and bucket (within a group), each target
    meets the bucket's first source and the last source before it."""
    pairs = set()
    for band in range(bands.shape[1]):
        buckets: dict[tuple[int, int], list[int]] = {}
        for position, row in enumerate(rows.tolist()):
            buckets.setdefault((int(groups[position]), int(bands[row, band])), []).append(position)
        for members in buckets.values():
            sources = [position for position in members if is_source[position]]
            for target in members:
                earlier = [source for source in sources if source < target]
                if is_target[target] and earlier:
                    pairs |= {(target, earlier[0]), (target, earlier[-1])}
    return pairs


@pytest.mark.parametrize("values", [40, 5_000, 2**32])  # most buckets shared .. nearly all alone
def test_candidate_pairs_are_the_definition_s(values):
    rng = np.random.default_rng(values)
    bands = rng.integers(0, values, size=(3_000, 5), dtype=np.uint64).astype(np.uint32)
    bands[1_000:1_100] = bands[:100]  # some rows the same in every band, even among unique values
    rows = rng.permutation(3_000)[:2_500]
    groups, sources, targets = rng.integers(0, 3, 2_500), rng.random(2_500) < 0.7, rng.random(2_500) < 0.7
    found = {tuple(pair) for pair in minhash.candidate_pairs(bands, rows, groups, sources, targets).tolist()}
    assert found == reference_candidate_pairs(bands, rows, groups, sources, targets)
    assert found


@pytest.mark.parametrize("threads", [1, 2, 5])
def test_candidate_pairs_are_the_same_on_threads(threads, monkeypatch):
    monkeypatch.setattr(minhash, "THREADED_MIN_ROWS", 100)
    rng = np.random.default_rng(3)
    bands = rng.integers(0, 40, size=(500, 7), dtype=np.uint32)  # few values: many shared buckets
    rows = np.sort(rng.choice(600, 500, replace=False)) % 500
    groups, sources = rng.integers(0, 3, 500), rng.random(500) < 0.5
    expected = minhash.candidate_pairs(bands, rows, groups, sources, ~sources)
    assert len(expected) > 100
    assert np.array_equal(minhash.candidate_pairs(bands, rows, groups, sources, ~sources, threads=threads), expected)


def test_floor_similarity_never_rounds_up():
    assert minhash.floor_similarity(0.999) == "0.99"
    assert minhash.floor_similarity(1.0) == "1.00"
    assert minhash.floor_similarity(0.8) == "0.80"


@pytest.mark.slow
def test_hashes_are_the_same_in_every_process():
    """No salted hash anywhere: a run finds the same candidates every time."""
    import os
    import subprocess
    import sys

    script = (
        "from ft_lint import minhash; "
        "print(minhash.band_hashes(['a text of some words, twice as many words'], 5, 21, 6)[0].tolist())"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


@pytest.mark.parametrize("key_bits", [3, 33, 64])  # 64: key and position do not fit together
def test_stable_argsort_is_numpys_stable_argsort(key_bits):
    rng = np.random.default_rng(key_bits)
    keys = rng.integers(0, 8, 5_000, dtype=np.uint64) << np.uint64(key_bits - 3)  # many ties
    assert np.array_equal(minhash.stable_argsort(keys, key_bits), np.argsort(keys, kind="stable"))


@pytest.mark.parametrize("count", [1, 2, 3, 7, 64, 1000])
def test_powers_are_the_multiplier_s_powers_and_their_inverses(count):
    powers, inverses = minhash._powers(count)
    multiplier = minhash._TOKEN_MULTIPLIER
    assert [int(p) for p in powers] == [pow(multiplier, i, 1 << 64) for i in range(count)]
    assert all(int(p) * int(q) % (1 << 64) == 1 for p, q in zip(powers, inverses, strict=True))


GOLDEN_DIGEST = "e4dd576b827568f76c0316ec6bd1ff1be096269e379dcab71e553b6303fee2b3"


def golden_texts() -> list[str]:
    """Texts of every kind the measure meets: none, short, long, ASCII, accented, unspaced scripts,
    code points beyond the BMP, and many short ones next to long ones in one batch."""
    rng = random.Random(20261203)
    alphabet = "abc déf 中文字 ไทย ー ab_c 12 ,.!\n\U00020001"
    texts = [
        "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 2, 3, 5, 8, 20, 60, 300, 3000])))
        for _ in range(400)
    ]
    texts += [" ".join(random_words(rng, rng.randint(0, 200))) for _ in range(200)]
    return texts + [a for pair in TEXTS for a in pair]


def test_band_hashes_and_shingles_are_those_of_the_released_measure():
    """The record cache keeps these summaries: any change to the hashes must change the cache
    version. The digest was taken before the lowercasing, words, owners and densification were
    made faster."""
    import hashlib

    digest = hashlib.sha256()
    texts = golden_texts()
    within_the_bmp = [text for text in texts if "\U00020001" not in text]  # batches that are lowercased by table
    for batch in (texts, within_the_bmp):
        for size in (1, 5):
            bands, has_words = minhash.band_hashes(batch, size, 21, 6)
            digest.update(bands.tobytes() + has_words.tobytes())
            for shingles in minhash.shingle_sets(batch, size):
                digest.update(shingles.tobytes() + b"|")
    assert digest.hexdigest() == GOLDEN_DIGEST


def reference_signature(hashes: np.ndarray) -> list[int]:
    """One text's signature from the definition: min per bin, then each empty bin from the first
    full bin in its probe order."""
    bins = minhash.SIGNATURE_BINS
    values: list[int | None] = [None] * bins
    for value in hashes.tolist():
        cell, high = value & (bins - 1), value >> 32
        values[cell] = high if values[cell] is None else min(values[cell], high)
    orders = minhash._probe_orders()
    return [
        value
        if value is not None
        else next(values[probe] for probe in orders[:, b].tolist() if values[probe] is not None)
        for b, value in enumerate(values)
    ]


def test_signatures_of_texts_with_few_and_many_shingles_follow_the_definition():
    rng = np.random.default_rng(3)
    counts = [1, 2, 3, 5, 9, 17, 40, 128, 400, 0, 1]  # few shingles: found by rank after the probed rounds
    hashes = rng.integers(0, 2**64, sum(counts), dtype=np.uint64)
    owner = np.repeat(np.arange(len(counts)), counts)
    signatures = minhash._signatures(hashes, owner, len(counts))
    for text, mine in enumerate(hashes[owner == i] for i in range(len(counts))):
        if mine.size:
            assert signatures[text].tolist() == reference_signature(mine)
        else:
            assert (signatures[text] == minhash._EMPTY).all()


@pytest.mark.parametrize(
    "texts",
    [
        ["Plain ASCII, Mixed Case", "", "x"],
        ["Où est Ærø? ΑΘΗΝΑ и МОСКВА", "東京タワー ＡＢＣ", "\ud800 a lone surrogate", "Kelvin \u212a"],  # by table
        ["İstanbul", "ΟΔΟΣ Σ ΑΣ.", "plain"],  # İ becomes two characters, Σ is σ or ς by its neighbours
        ["\U00010400\U00010401 Deseret", "ABC"],  # a cased script beyond the BMP
    ],
)
def test_lowercase_codes_are_str_lower_s(texts):
    codes, placed = minhash._lowercase_codes(texts)
    lowered = [text.lower() for text in texts]
    assert codes.tolist() == [ord(char) for char in "\n".join(lowered)]
    assert [len(text) for text in placed] == [len(text) for text in lowered]


def test_the_lowercase_table_is_str_lower_for_every_character_of_the_bmp_but_two():
    table = minhash._lowercase_bmp()
    different = [
        code for code in range(0x10000) if code not in (0x130, 0x3A3) and table[code] != ord(chr(code).lower())
    ]
    assert different == []
    assert len(table) == 0x10000 and len("\u0130".lower()) == 2


def test_words_with_dotted_capital_i_and_sigma_are_those_of_the_definition():
    a, b = "İSTANBUL ΟΔΟΣ ΣΑΣ and more words here", "istanbul οδοσ σας and more words there"
    first, second = minhash.shingle_sets([a, b], 1)
    assert minhash.jaccard(first, second) == reference_jaccard(a, b, 1)
    assert len(first) == len(reference_shingles(a, 1))
