"""FT402 compares what varies: a passage of input that many examples of a file share is set
aside, and preference examples are compared prompt with prompt and output with output."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from ft_lint import minhash, scanning
from ft_lint.config import Settings
from ft_lint.engine import lint
from ft_lint.reader import Kind
from reference import reference_jaccard, reference_words
from support import chat, random_words, write_jsonl


def findings(path: Path, **settings) -> list[tuple[int, int, str]]:
    """(line, related line, message) of the FT402 findings in one file."""
    found, _ = lint([path], Settings(select=["FT402"], **settings))
    return [(f.line, f.related[0].line, f.message) for f in found]


def floor2(value: float) -> str:
    return f"{math.floor(value * 100) / 100:.2f}"


# --- boilerplate ---------------------------------------------------------------------------------


def tool_preamble(rng: random.Random) -> str:
    """A tool list written into the prompt, as in AWS's Bedrock tool-use sample (some 300 words)."""
    tools = [
        {
            "name": f"tool_{number}",
            "description": " ".join(random_words(rng, 30)),
            "parameters": dict.fromkeys(random_words(rng, 6), "string"),
        }
        for number in range(6)
    ]
    return (
        "Given the functions within <tools>, answer with one JSON function call.\n<tools>"
        + json.dumps(tools, indent=2)
        + "</tools>\nAnswer this question:\n<question>"
    )


def preamble_file(tmp_path: Path, count: int = 40, words: int = 40) -> tuple[Path, list[dict], str]:
    """`count` examples whose prompts start with one tool list, each with its own question and
    answer of `words` words."""
    rng = random.Random(31)
    preamble = tool_preamble(rng)
    records = [
        chat(preamble + " ".join(random_words(rng, words)) + "</question>", " ".join(random_words(rng, words)))
        for _ in range(count)
    ]
    return write_jsonl(tmp_path / "tools.jsonl", records), records, preamble


def what_varies(record: dict, preamble: str, size: int = 5) -> str:
    """The text of an example once the preamble's own shingles are set aside: the shingles that
    reach past the preamble start in its last `size - 1` words."""
    user, assistant = (message["content"] for message in record["messages"])
    tail = " ".join(reference_words(preamble)[-(size - 1) :])
    return f"{tail} {user[len(preamble) :]}\n{assistant}"


def test_a_preamble_most_examples_share_makes_no_near_duplicates_but_what_varies_still_does(tmp_path):
    path, records, preamble = preamble_file(tmp_path)
    question, answer = (message["content"] for message in records[5]["messages"])
    words = question[len(preamble) :].split(" ")
    words[20] = "changed"
    records.append(chat(preamble + " ".join(words), answer))  # line 41: line 6 with a word of its question changed
    records.append(chat(preamble + question[len(preamble) :].upper(), answer))  # line 42: line 6 in capitals
    write_jsonl(path, records)
    expected = reference_jaccard(what_varies(records[5], preamble), what_varies(records[40], preamble))
    assert 0.8 <= expected < 1
    assert findings(path) == [
        (
            41,
            6,
            f"nearly the same as the example at line 6 (similarity {floor2(expected)} of what varies: "
            "the text many of the file's examples share is set aside)",
        ),
        (
            42,
            6,
            "nearly the same as the example at line 6 (similarity 1.00 of what varies: the same words, "
            "apart from case, punctuation, the system prompt, the tools defined "
            "or the text many of the file's examples share)",
        ),
    ]


@pytest.fixture
def candidates(monkeypatch) -> list[int]:
    """The number of candidate pairs LSH gives each FT402 comparison of a run."""
    counts: list[int] = []
    find_pairs = minhash.candidate_pairs

    def counted(*args, **kwargs):
        pairs = find_pairs(*args, **kwargs)
        counts.append(len(pairs))
        return pairs

    monkeypatch.setattr(minhash, "candidate_pairs", counted)
    return counts


def test_a_shared_preamble_gives_the_exact_comparison_no_candidates(tmp_path, candidates):
    """Every example shares most of its shingles with every other: left in, they would put them
    all in shared LSH buckets, and a big file's comparison would read most of it again."""
    path, _, _ = preamble_file(tmp_path, count=60)
    assert findings(path) == []
    assert candidates == [0]


def test_few_examples_sharing_a_passage_are_near_copies_not_boilerplate(tmp_path):
    rng = random.Random(32)
    text = random_words(rng, 60)
    copies = [chat(" ".join(text[:30]), " ".join(text[30:]))]
    for number in range(8):  # 9 examples share most of their words: fewer than are boilerplate
        edited = list(text)
        edited[40 + number] = "changed"
        copies.append(chat(" ".join(edited[:30]), " ".join(edited[30:])))
    others = [chat(" ".join(random_words(rng, 30)), " ".join(random_words(rng, 30))) for _ in range(20)]
    found = findings(write_jsonl(tmp_path / "data.jsonl", copies + others))
    assert [(line, related) for line, related, _ in found] == [(line, 1) for line in range(2, 10)]
    assert not any("what varies" in message for *_, message in found)


def test_the_same_answer_under_many_prompts_is_still_a_near_duplicate(tmp_path):
    """Only input is learned from: an answer pasted under 20 questions weighs 20 times."""
    rng = random.Random(33)
    answer = " ".join(random_words(rng, 80))
    path = write_jsonl(tmp_path / "data.jsonl", [chat(" ".join(random_words(rng, 4)) + "?", answer) for _ in range(20)])
    assert [(line, related) for line, related, _ in findings(path)] == [(line, 1) for line in range(2, 21)]


def test_a_warm_run_learns_the_boilerplate_of_the_file_as_it_is_now(tmp_path):
    """Summaries cached while a preamble was boilerplate are not reused once it is not."""
    path, records, _preamble = preamble_file(tmp_path, count=12, words=5)
    assert findings(path) == []
    rng = random.Random(34)
    records[8:] = [chat(" ".join(random_words(rng, 40)), " ".join(random_words(rng, 40))) for _ in range(4)]
    write_jsonl(path, records)  # 8 examples left with the preamble: fewer than are boilerplate
    warm = findings(path)
    assert warm == findings(path, no_cache=True)
    assert [line for line, *_ in warm] == list(range(2, 9))


@pytest.mark.slow
def test_worker_processes_set_the_same_boilerplate_aside(tmp_path, monkeypatch, candidates):
    monkeypatch.setattr(scanning, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(scanning, "MIN_RANGE_BYTES", 20_000)
    path, records, _ = preamble_file(tmp_path, count=80, words=8)  # the preamble is most of each example
    question, answer = (message["content"] for message in records[10]["messages"])
    records.append(chat(question, answer + " more"))
    write_jsonl(path, records)
    single = findings(path, jobs=1, no_cache=True)
    assert [(line, related) for line, related, _ in single] == [(81, 11)]
    assert findings(path, jobs=4, no_cache=True) == single
    assert candidates == [1, 1]  # the workers' summaries left the preamble out too


@pytest.mark.parametrize("seed", [35, 36])
def test_shared_passages_is_its_definition(seed):
    """Against a plain reading of the definition: runs of at least `min_run` consecutive
    shingles of a text that are each in at least `min_texts` texts (each text counted once)."""
    rng = random.Random(seed)
    long_passage, short_phrase, rare_passage = random_words(rng, 25), random_words(rng, 10), random_words(rng, 25)
    texts = []
    for number in range(30):
        words = random_words(rng, rng.randint(0, 40))
        for passage, every in ((long_passage, 2), (short_phrase, 1), (rare_passage, 6)):
            if number % every == 0:
                at = rng.randint(0, len(words))
                words[at:at] = passage * (2 if number == 4 else 1)  # one text repeats its passages
        texts.append(" ".join(words))
    size, min_texts, min_run = 5, 10, 16
    found = minhash.shared_passages(texts, size, min_texts, min_run)
    assert set(found.tolist()) == {
        shingle_hash(shingle, size) for shingle in reference_passages(texts, size, min_texts, min_run)
    }
    assert {shingle_hash(tuple(long_passage[:5]), size)} <= set(found.tolist())
    assert shingle_hash(tuple(short_phrase[:5]), size) not in set(found.tolist())
    assert list(found) == sorted(found)


@pytest.mark.parametrize("count", [0, 1, 475, 5_000])
def test_a_shingle_set_answers_as_isin_does(count):
    import numpy as np

    rng = np.random.default_rng(count)
    members = rng.integers(0, 2**64, count, dtype=np.uint64, endpoint=False)
    members[: count // 10] = (members[: count // 10] & np.uint64(0xFFFF)) | np.uint64(
        1 << 40
    )  # many share their low bits
    asked = np.concatenate(
        [
            members,
            members ^ np.uint64(1 << 50),
            rng.integers(0, 2**64, 10_000, dtype=np.uint64),
            np.array([0, 2**64 - 1], dtype=np.uint64),
        ]
    )
    assert minhash.ShingleSet(members).contains(asked).tolist() == np.isin(asked, members).tolist()


def reference_passages(texts: list[str], size: int, min_texts: int, min_run: int) -> set[tuple[str, ...]]:
    shingled = [
        [tuple(words[i : i + size]) for i in range(len(words) - size + 1)] for words in map(reference_words, texts)
    ]
    in_texts: dict[tuple[str, ...], int] = {}
    for shingles in shingled:
        for shingle in set(shingles):
            in_texts[shingle] = in_texts.get(shingle, 0) + 1
    found = set()
    for shingles in shingled:
        run: list[tuple[str, ...]] = []
        for shingle in [*shingles, None]:
            if shingle is not None and in_texts[shingle] >= min_texts:
                run.append(shingle)
                continue
            if len(run) >= min_run:
                found |= set(run)
            run = []
    return found


def shingle_hash(shingle: tuple[str, ...], size: int) -> int:
    """The measure's hash of one shingle: the only shingle of a text of exactly its words."""
    return int(minhash.shingle_sets([" ".join(shingle)], size)[0][0])


# --- the sample boilerplate is learned from ----------------------------------------------------------


def test_a_sample_of_a_big_file_comes_from_all_over_it_within_its_budget(tmp_path):
    lines = [json.dumps({"number": number, "padding": "x" * 80}) for number in range(2_000)]
    lines[1_500] = json.dumps({"number": 1_500, "padding": "x" * 10_000})  # longer than the whole budget
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines) + "\n")
    sample = scanning.spread_entries(path, 1_000, max_bytes=5_000)
    numbers = sorted(entry.value["number"] for entry in sample)
    assert all(entry.kind is Kind.RECORD for entry in sample)
    assert 40 <= len(numbers) <= 5_000 // 100 and len(set(numbers)) == len(numbers)
    assert all(any(tenth * 200 <= number < (tenth + 1) * 200 for number in numbers) for tenth in range(10))
    assert 1_500 not in numbers


def test_a_small_file_or_a_json_array_is_sampled_evenly(tmp_path):
    records = [{"number": number} for number in range(30)]
    jsonl = write_jsonl(tmp_path / "small.jsonl", records)
    array = tmp_path / "array.json"
    array.write_text(json.dumps(records))
    for path in (jsonl, array):
        assert [entry.value["number"] for entry in scanning.spread_entries(path, 10, max_bytes=1 << 20)] == list(
            range(0, 30, 3)
        )
        assert len(scanning.spread_entries(path, 100, max_bytes=1 << 20)) == 30


# --- preference data -------------------------------------------------------------------------------


def preference(form: str, prompt: str, chosen: str, rejected: str) -> dict:
    if form == "openai":
        return {
            "input": {"messages": [{"role": "user", "content": prompt}]},
            "preferred_output": [{"role": "assistant", "content": chosen}],
            "non_preferred_output": [{"role": "assistant", "content": rejected}],
        }
    if form == "trl":
        return {"prompt": prompt, "chosen": chosen, "rejected": rejected}
    if form == "trl-implicit-text":
        return {
            "chosen": f"Human: {prompt}\n\nAssistant: {chosen}",
            "rejected": f"Human: {prompt}\n\nAssistant: {rejected}",
        }
    user = {"role": "user", "content": prompt}
    return {
        "chosen": [user, {"role": "assistant", "content": chosen}],
        "rejected": [user, {"role": "assistant", "content": rejected}],
    }


@pytest.mark.parametrize("form", ["openai", "trl", "trl-implicit-text", "trl-implicit-conversation"])
def test_a_preference_example_is_a_near_duplicate_only_if_its_prompt_and_each_output_are(tmp_path, form):
    rng = random.Random(37)
    prompt = random_words(rng, 50)
    reworded = list(prompt)
    reworded[25] = "changed"
    chosen, rejected = " ".join(random_words(rng, 3)), " ".join(random_words(rng, 3))
    say = " ".join
    records = [
        preference(form, say(prompt), chosen, rejected),  # 1
        preference(form, say(prompt), chosen, say(random_words(rng, 3))),  # 2: another pair for the prompt, not a copy
        preference(form, say(prompt), say(random_words(rng, 3)), rejected),  # 3: the same
        preference(form, say(reworded), chosen + ".", rejected.upper()),  # 4: line 1 reworded: a near-duplicate
        preference(form, say(random_words(rng, 50)), chosen, rejected),  # 5: the same outputs for another prompt
        *(
            preference(form, say(random_words(rng, 50)), say(random_words(rng, 3)), say(random_words(rng, 3)))
            for _ in range(10)
        ),
    ]
    expected = reference_jaccard(say(prompt), say(reworded))
    assert 0.8 <= expected < 1
    found = findings(write_jsonl(tmp_path / "preference.jsonl", records))
    assert [(line, related) for line, related, _ in found] == [(4, 1)]
    similarity = floor2(
        reference_jaccard(
            *(
                text if form != "trl-implicit-text" else f"Human: {text} Assistant"
                for text in (say(prompt), say(reworded))
            )
        )
    )
    assert (
        found[0][2]
        == f"nearly the same as the example at line 1 (similarity {similarity} or more for the prompt and each output)"
    )
