"""FT402 near-duplicates, FT403 conflicting answers, FT404/FT405 validation leaks, end to end."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from ft_lint.config import Settings
from ft_lint.engine import lint
from ft_lint.rules import similarity
from reference import reference_jaccard
from support import chat, random_words, run_cli, write_jsonl


def findings(paths: list[Path], select: str, **settings):
    found, _ = lint(paths, Settings(select=select.split(","), **settings))
    return [
        (Path(f.filename).name, f.line, f.code, f.message, [(Path(r.filename).name, r.line) for r in f.related])
        for f in found
    ]


def distinct_chats(rng: random.Random, count: int) -> list[dict]:
    return [chat(" ".join(random_words(rng, 12)) + "?", " ".join(random_words(rng, 40))) for _ in range(count)]


def variant_at(rng: random.Random, words: list[str], low: float, high: float) -> list[str]:
    """An edit of the words whose similarity to them (by the reference) lies in [low, high)."""
    for _ in range(1000):
        changed = list(words)
        for _ in range(rng.randint(1, 6)):
            changed[rng.randrange(len(changed))] = rng.choice(random_words(rng, 5))
        if low <= reference_jaccard("q " + " ".join(words), "q " + " ".join(changed)) < high:
            return changed
    raise AssertionError("no variant found")


# --- FT402 ---------------------------------------------------------------------------------------


def test_planted_near_duplicates_on_both_sides_of_the_threshold(tmp_path):
    rng = random.Random(11)
    records = distinct_chats(rng, 30)
    expected = {}
    for base in range(5):
        words = random_words(rng, 60)
        records[base] = chat("q", " ".join(words))
        above = variant_at(rng, words, 0.8, 0.95)
        below = variant_at(rng, words, 0.6, 0.8)
        records += [chat("q", " ".join(above)), chat("q", " ".join(below))]
        similarity_above = reference_jaccard("q " + " ".join(words), "q " + " ".join(above))
        expected[len(records) - 1] = (base + 1, similarity_above)  # line of the one above the threshold
    found = findings([write_jsonl(tmp_path / "data.jsonl", records)], "FT402")
    assert [(line, related[0][1]) for _, line, _, _, related in found] == [
        (line, base) for line, (base, _) in sorted(expected.items())
    ]
    for _, line, _, message, _ in found:
        assert f"(similarity {math.floor(expected[line][1] * 100) / 100:.2f})" in message


def test_threshold_and_shingle_size_are_options(tmp_path):
    rng = random.Random(12)
    words = random_words(rng, 60)
    below = variant_at(rng, words, 0.6, 0.7)
    path = write_jsonl(tmp_path / "data.jsonl", [chat("q", " ".join(words)), chat("q", " ".join(below))])
    assert findings([path], "FT402") == []
    assert len(findings([path], "FT402", rule_options={"FT402": {"threshold": 0.6}})) == 1
    small = reference_jaccard("q " + " ".join(words), "q " + " ".join(below), size=2)
    wanted = 1 if small >= 0.8 else 0
    assert len(findings([path], "FT402", rule_options={"FT402": {"shingle-size": 2}})) == wanted


def test_the_most_similar_earlier_example_is_named(tmp_path):
    rng = random.Random(13)
    words = random_words(rng, 80)
    far = variant_at(rng, words, 0.8, 0.85)
    near = variant_at(rng, words, 0.9, 1.0)
    path = write_jsonl(
        tmp_path / "data.jsonl", [chat("q", " ".join(far)), chat("q", " ".join(near)), chat("q", " ".join(words))]
    )
    related = {line: rel[0][1] for _, line, _, _, rel in findings([path], "FT402")}
    expected_third = (
        2
        if reference_jaccard(" ".join(words), " ".join(near)) >= reference_jaccard(" ".join(words), " ".join(far))
        else 1
    )
    assert related[3] == expected_third


def test_exact_copies_are_left_to_ft401_but_a_new_system_prompt_is_a_near_duplicate(tmp_path):
    text = " ".join(random_words(random.Random(14), 50))
    path = write_jsonl(
        tmp_path / "data.jsonl",
        [chat("q", text), chat("q", text), chat("q", text, system="Be brief."), chat("Q", text.upper())],
    )
    found = findings([path], "FT402")
    assert [(line, rel[0][1]) for _, line, _, _, rel in found] == [(3, 1), (4, 1)]
    assert all("similarity 1.00" in message for _, _, _, message, _ in found)


def test_chinese_and_japanese_near_duplicates(tmp_path):
    chinese = "我们今天下午在公园里散步然后去图书馆看书晚上回家做饭吃饭"
    japanese = "私は毎朝コーヒーを飲んでから会社に行きます。週末は公園で散歩します。"
    records = [
        chat("问题", chinese),
        chat("質問", japanese),
        chat("问题", chinese[:-2] + "睡觉"),  # last two characters changed
        chat("質問", japanese.replace("散歩", "読書")),  # two characters in the middle
        chat("别的", "完全不同的句子没有任何相同的内容在这里出现"),
    ]
    found = findings([write_jsonl(tmp_path / "data.jsonl", records)], "FT402")
    expected = [
        (line, base)
        for line, base in ((3, 1), (4, 2))
        if reference_jaccard(
            records[base - 1]["messages"][0]["content"] + records[base - 1]["messages"][1]["content"],
            records[line - 1]["messages"][0]["content"] + records[line - 1]["messages"][1]["content"],
        )
        >= 0.8
    ]
    assert expected  # the planted pairs are near-duplicates by the definition
    assert [(line, rel[0][1]) for _, line, _, _, rel in found] == expected


def test_near_duplicates_are_compared_across_the_files_of_a_run_but_not_with_a_paired_file(tmp_path):
    text = " ".join(random_words(random.Random(15), 50))
    first = write_jsonl(tmp_path / "a.jsonl", [chat("q", text)])
    second = write_jsonl(tmp_path / "b.jsonl", [chat("q", text + " extra")])
    [(name, line, _, message, related)] = findings([first, second], "FT402")
    assert (name, line, related) == ("b.jsonl", 1, [("a.jsonl", 1)])
    assert message.startswith(f"nearly the same as the example at {first.as_posix()}:1 (similarity 0.9")
    assert findings([first], "FT402", validation=second) == []  # FT405's


def test_distinct_examples_stay_silent(tmp_path):
    rng = random.Random(16)
    train = write_jsonl(tmp_path / "train.jsonl", distinct_chats(rng, 300))
    valid = write_jsonl(tmp_path / "valid.jsonl", distinct_chats(rng, 60))
    found, _ = lint([train, valid], Settings(select=["FT4"]))
    assert found == []


def test_a_json_array_file_is_read_again_for_the_exact_comparison(tmp_path):
    text = " ".join(random_words(random.Random(17), 40))
    path = tmp_path / "data.json"
    path.write_text(
        "[\n"
        + ",\n".join(json.dumps(chat("q", t)) for t in (text, "something else entirely", text + " more"))
        + "\n]\n"
    )
    assert [(line, rel[0][1]) for _, line, _, _, rel in findings([path], "FT402")] == [(4, 2)]


def test_a_tiny_memory_budget_takes_more_passes_and_finds_the_same(tmp_path, monkeypatch):
    rng = random.Random(18)
    records = []
    for _ in range(12):
        words = random_words(rng, 40)
        records += [chat("q", " ".join(words)), chat("q", " ".join(variant_at(rng, words, 0.8, 1.0)))]
    rng.shuffle(records)
    path = write_jsonl(tmp_path / "data.jsonl", records)
    generous = findings([path], "FT402")
    monkeypatch.setattr(similarity, "SHINGLE_BUDGET", 1)
    assert findings([path], "FT402") == generous
    assert len(generous) == 12


# --- FT403 ---------------------------------------------------------------------------------------


def test_conflicting_answers_in_chat_data(tmp_path):
    records = [
        chat("What is the capital of Australia?", "Canberra."),
        chat("What is the capital of Australia?", "Sydney."),
        chat("What is the capital  of Australia?", "Canberra. "),  # same input and answer, whitespace aside
        chat("What is the capital of Austria?", "Vienna."),
        {
            "messages": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "Capital of France?"},
                {"role": "assistant", "content": "Paris."},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!", "weight": 0},
                {"role": "user", "content": "Capital of France?"},
                {"role": "assistant", "content": "Lyon."},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hey!"},
                {"role": "user", "content": "Capital of France?"},
                {"role": "assistant", "content": "Marseille."},
            ]
        },
    ]
    found = findings([write_jsonl(tmp_path / "data.jsonl", records)], "FT403")
    assert [(line, rel[0][1]) for _, line, _, _, rel in found] == [(2, 1), (3, 2), (6, 5)]
    assert "different label" in found[0][3]


def test_answers_that_disagree_and_answers_that_say_one_thing_two_ways(tmp_path):
    tool_call = {
        "role": "assistant",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}
        ],
    }
    other_call = {
        "role": "assistant",
        "tool_calls": [
            {"id": "c9", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Lyon"}'}}
        ],
    }
    ask = {"role": "user", "content": "Weather in Paris?"}
    records = [
        chat("Is this test flaky? def test_x(): ...", "True"),  # 1
        chat("Is this test flaky? def test_x(): ...", "False"),  # 2: another label -> 1
        chat("Is it raining?", "Yes."),  # 3
        chat("Is it raining?", "yes, it is"),  # 4: the same yes
        chat("Who trained you?", "I am a language model trained by researchers from LMSYS."),  # 5
        chat("Who trained you?", "Researchers from LMSYS created me, a language model."),  # 6: a rewording
        chat(
            "Write a haiku about the sea.", "Waves fold into foam / the gulls argue with the wind / salt on every stone"
        ),  # 7
        chat(
            "Write a haiku about the sea.",
            "Blue without an end / a boat the size of a thought / drifts past the harbour",
        ),  # 8: another valid poem
        chat("How often did the build fail?", "The build failed 3 times last week, all on Windows."),  # 9
        chat(
            "How often did the build fail?", "The build failed 5 times last week, all on Windows."
        ),  # 10: other numbers -> 9
        chat("Is the cache safe to delete?", "Yes, the cache is safe to delete: ft-lint rebuilds it."),  # 11
        chat(
            "Is the cache safe to delete?", "No, the cache is safe to delete: ft-lint rebuilds it."
        ),  # 12: opposite yes/no -> 11
        {"messages": [ask, tool_call]},  # 13
        {
            "messages": [ask, dict(tool_call, tool_calls=[dict(tool_call["tool_calls"][0], id="c2")])]
        },  # 14: the same call, another id
        {"messages": [ask, other_call]},  # 15: another call -> 13
    ]
    found = findings([write_jsonl(tmp_path / "data.jsonl", records)], "FT403")
    assert [(line, rel[0][1]) for _, line, _, _, rel in found] == [(2, 1), (10, 9), (12, 11), (15, 13)]
    assert [message.split(", ", 1)[1] for _, _, _, message, _ in found] == [
        "with a different label",
        "with the same answer but other numbers or the opposite yes/no",
        "with the same answer but other numbers or the opposite yes/no",
        "with a different tool call",
    ]


def test_inputs_that_differ_in_escaped_whitespace_alone_are_the_same_input(tmp_path):
    """Newlines and tabs are escapes in JSON (a backslash), spaces are not: an input written with
    either and one written with neither, whose JSON then holds no backslash at all, are one input."""
    records = [
        chat("What is the capital of Peru?", "Lima."),
        chat("What is\nthe capital\tof Peru?", "Cusco."),
        chat("What is the capital of Peru?\r\n", "Arequipa."),
        chat("What is the capital of Chile?", "Santiago."),
        chat("What is the\ncapital of Chile?", "Santiago. "),
    ]
    found = findings([write_jsonl(tmp_path / "data.jsonl", records)], "FT403")
    assert [(line, rel[0][1]) for _, line, _, _, rel in found] == [(2, 1), (3, 1)]


def test_conflicting_answers_in_prompt_completion_data(tmp_path):
    records = [
        {"prompt": "Is the sky green? ->", "completion": " no"},
        {"prompt": "Is grass green? ->", "completion": " yes"},
        {"prompt": "Is the sky green? ->", "completion": " yes"},
    ]
    found = findings([write_jsonl(tmp_path / "data.jsonl", records)], "FT403")
    assert [(line, rel[0][1]) for _, line, _, _, rel in found] == [(3, 1)]


def preference(question: str, preferred: str, rejected: str) -> dict:
    return {
        "input": {"messages": [{"role": "user", "content": question}]},
        "preferred_output": [{"role": "assistant", "content": preferred}],
        "non_preferred_output": [{"role": "assistant", "content": rejected}],
    }


def test_conflicting_preferences_are_the_same_pair_reversed(tmp_path):
    records = [
        preference("Best pet?", "A cat.", "A rock."),
        preference("Best pet?", "A dog.", "A rock."),  # another pair for the same input: normal in DPO data
        preference("Best pet?", "A cat.", "A dog."),  # consistent ranking
        preference("Best pet?", "A rock.", "A cat."),  # reverses line 1
    ]
    found = findings([write_jsonl(tmp_path / "data.jsonl", records)], "FT403")
    assert [(line, rel[0][1]) for _, line, _, _, rel in found] == [(4, 1)]
    assert "preference reversed" in found[0][3]


# --- pairing, FT404 and FT405 ----------------------------------------------------------------------


def leak_files(
    tmp_path: Path, train_name: str = "train.jsonl", valid_name: str = "valid.jsonl"
) -> tuple[Path, Path, float]:
    rng = random.Random(21)
    training = distinct_chats(rng, 20)
    words = training[5]["messages"][1]["content"].split()
    near = variant_at(rng, words, 0.8, 0.95)
    question = training[5]["messages"][0]["content"]
    validation = [
        training[2],  # line 1: the whole example
        chat(
            training[3]["messages"][0]["content"],
            training[3]["messages"][1]["content"],
            system="You are a new assistant.",
        ),  # line 2
        chat(question.upper(), " ".join(near)),  # line 3: near (the same question would be an exact leak of the input)
        *distinct_chats(rng, 3),
        {
            "messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": "x"}]
        },  # line 7: FT201 empty content
    ]
    validation.append(validation[4])  # line 8: FT401, a copy of line 5
    similarity = reference_jaccard(" ".join(question.split() + words), " ".join(question.split() + near))
    return write_jsonl(tmp_path / train_name, training), write_jsonl(tmp_path / valid_name, validation), similarity


def test_leaks_of_each_kind(tmp_path):
    train, valid, similarity = leak_files(tmp_path)
    found = findings([train, valid], "FT404,FT405")
    leaks = [(name, line, code, rel) for name, line, code, _, rel in found]
    assert leaks == [
        ("valid.jsonl", 1, "FT404", [("train.jsonl", 3)]),
        ("valid.jsonl", 2, "FT404", [("train.jsonl", 4)]),
        ("valid.jsonl", 3, "FT405", [("train.jsonl", 6)]),
    ]
    assert "this example is in the training data" in found[0][3]
    assert "system prompt" in found[1][3]
    assert f"similarity {math.floor(similarity * 100) / 100:.2f}" in found[2][3]


@pytest.mark.parametrize("given", ["train", "valid"])
def test_the_partner_of_a_single_file_is_read_from_disk(tmp_path, given):
    train, valid, _ = leak_files(tmp_path)
    found, summary = lint([train if given == "train" else valid], Settings())
    codes = {(Path(f.filename).name, f.code) for f in found}
    assert {("valid.jsonl", "FT404"), ("valid.jsonl", "FT405")} <= codes
    # a partner that was not given is read for its pairs only: FT201 and FT401 in valid.jsonl are not reported
    assert (("valid.jsonl", "FT201") in codes) == (given == "valid")
    assert (("valid.jsonl", "FT401") in codes) == (given == "valid")
    assert summary.files == 2


@pytest.mark.parametrize(
    ("train_name", "valid_name"),
    [
        ("x_train.jsonl", "x_valid.jsonl"),
        ("training_set.jsonl", "validation_set.jsonl"),
        ("Data-Train.jsonl", "data-test.jsonl"),
        ("train.jsonl", "eval.jsonl"),
    ],
)
def test_pairing_by_name(tmp_path, train_name, valid_name):
    train, _valid, _ = leak_files(tmp_path, train_name, valid_name)
    assert {code for _, _, code, _, _ in findings([train], "FT404")} == {"FT404"}


@pytest.mark.parametrize(
    ("train_name", "valid_name"),
    [("data.jsonl", "valid.jsonl"), ("x_train.jsonl", "y_valid.jsonl"), ("train.jsonl", "valid.json")],
)
def test_names_that_do_not_pair(tmp_path, train_name, valid_name):
    train, valid, _ = leak_files(tmp_path, train_name, valid_name)
    assert findings([train, valid], "FT404") == []


def test_validation_option_pairs_any_names(tmp_path):
    train, valid, _ = leak_files(tmp_path, "prepared.jsonl", "heldout.jsonl")
    assert findings([train, valid], "FT404") == []
    found = findings([train], "FT404", validation=valid)
    assert [(name, line) for name, line, *_ in found] == [("heldout.jsonl", 1), ("heldout.jsonl", 2)]


def test_pairs_in_the_configuration(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    _train, _valid, _ = leak_files(tmp_path / "data", "prepared.jsonl", "heldout.jsonl")
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "ft-lint.toml"
    config.write_text('select = ["FT404"]\n[pairs]\n"data/prepared.jsonl" = "data/heldout.jsonl"\n')
    from ft_lint.config import load_settings

    settings = load_settings(None, tmp_path)
    found, _ = lint([Path("data/prepared.jsonl")], settings)
    assert [(f.filename, f.line) for f in found] == [("data/heldout.jsonl", 1), ("data/heldout.jsonl", 2)]


def test_cli_validation_option(tmp_path, monkeypatch):
    leak_files(tmp_path, "a.jsonl", "b.jsonl")
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "a.jsonl", "--validation", "b.jsonl", "--select", "FT404", "--output-format", "concise")
    assert (result.code, (result.out + result.err).splitlines()[0]) == (
        1,
        "b.jsonl:1: FT404 this example is in the training data: a.jsonl:3",
    )
    assert run_cli("check", "a.jsonl", "--select", "FT404").code == 0


@pytest.mark.parametrize(
    ("args", "config", "error"),
    [
        (["b.jsonl", "--validation", "b.jsonl"], "", "no training files given"),
        (["a.jsonl", "--validation", "missing.jsonl"], "", "missing.jsonl"),
        (["a.jsonl"], '[pairs]\n"a.jsonl" = "missing.jsonl"\n', "missing.jsonl: no such file (named in `pairs`"),
        (["a.jsonl"], "pairs = 3\n", "bad value for 'pairs'"),
        (["a.jsonl"], '[pairs]\n"a.jsonl" = [1]\n', "bad value for 'pairs'"),
        (["a.jsonl"], "[options.FT402]\nthreshold = 1.5\n", "expected a number from 0.3 to 1.0, got 1.5"),
        (["a.jsonl"], "[options.FT405]\nshingle-size = 0\n", "expected a whole number from 1 to 20, got 0"),
    ],
)
def test_usage_and_configuration_errors(tmp_path, monkeypatch, args, config, error):
    leak_files(tmp_path, "a.jsonl", "b.jsonl")
    (tmp_path / "ft-lint.toml").write_text(config)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("check", *args)
    output = out + err
    assert code == 2
    assert error in output
    assert "Traceback" not in output


def test_plan_reads_each_file_once_and_pairs_every_validation_name(tmp_path):
    from ft_lint import pairing

    for name in ("train.jsonl", "valid.jsonl", "test.jsonl", "other.jsonl", "x_train.jsonl"):
        (tmp_path / name).write_text("")
    plan = pairing.plan([tmp_path / "train.jsonl", tmp_path / "valid.jsonl", tmp_path / "other.jsonl"])
    assert [path.name for path in plan.files] == ["train.jsonl", "valid.jsonl", "other.jsonl", "test.jsonl"]
    assert {v.name: [t.name for t in ts] for v, ts in plan.training_of.items()} == {
        "valid.jsonl": ["train.jsonl"],
        "test.jsonl": ["train.jsonl"],
    }
    assert not plan.is_paired(tmp_path / "other.jsonl")
    assert plan.given == {tmp_path / "train.jsonl", tmp_path / "valid.jsonl", tmp_path / "other.jsonl"}


def test_the_same_question_with_other_tools_is_another_input(tmp_path):
    weather = [
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}
    ]
    records = [
        chat("Order me a pizza.", "Declined."),
        {**chat("Order me a pizza.", "Ordered."), "tools": weather},
        chat("Order me a pizza.", "Ordered."),
    ]
    found = findings([write_jsonl(tmp_path / "data.jsonl", records)], "FT403")
    assert [(line, rel[0][1]) for _, line, _, _, rel in found] == [(3, 1)]


def test_alpaca_inputs_tell_examples_apart(tmp_path):
    records = [
        {"instruction": "Translate to French.", "input": "Good morning", "output": "Bonjour"},
        {"instruction": "Translate to French.", "input": "Good night", "output": "Bonne nuit"},
        {"instruction": "Translate to French.", "input": "Good morning", "output": "Salut"},
    ]
    path = write_jsonl(tmp_path / "data.jsonl", records)
    assert [(line, rel[0][1]) for _, line, _, _, rel in findings([path], "FT403")] == [(3, 1)]


def test_near_duplicates_in_a_json_array_on_one_line(tmp_path):
    """json.dump writes an array on one line: every record starts on line 1, and the records read
    again for the exact comparison are told apart by their digests, not by their lines."""
    rng = random.Random(21)
    words = random_words(rng, 60)
    records = [*distinct_chats(rng, 3), chat("Summarise: " + " ".join(words), "ok")]
    records += [chat("Summarise: " + " ".join([*words[:-1], "changed"]), "ok"), *distinct_chats(rng, 2)]
    path = tmp_path / "train.json"
    path.write_text(json.dumps(records))  # one line
    assert [(line, message.split(" (")[0]) for _, line, _, message, _ in findings([path], "FT402")] == [
        (1, "nearly the same as the example at line 1")
    ]


@pytest.mark.parametrize("values", [3, 300, 2**40])  # most rows in shared groups .. nearly all alone
def test_grouping_helpers_are_their_definitions(values):
    """The first of each (group, key) and the earliest earlier row of a group with another
    answer, against a row-by-row reading of their docstrings."""
    import numpy as np

    rng = np.random.default_rng(values)
    files = rng.integers(0, 2, 4_000)
    keys = rng.integers(0, values, 4_000, dtype=np.uint64)
    keys[2_000:2_300] = keys[:300]  # repeats even among unique values
    answers = rng.integers(0, 3, 4_000, dtype=np.uint64)
    seen: set[tuple[int, int]] = set()
    expected_first = []
    for file, key in zip(files.tolist(), keys.tolist(), strict=True):
        expected_first.append((file, key) not in seen)
        seen.add((file, key))
    assert similarity._first_of_each(files, keys).tolist() == expected_first
    groups: dict[tuple[int, int], list[int]] = {}
    expected_earliest = []
    for row, (file, key, answer) in enumerate(zip(files.tolist(), keys.tolist(), answers.tolist(), strict=True)):
        earlier = groups.setdefault((file, key), [])
        expected_earliest.append(next((other for other in earlier if answers[other] != answer), -1))
        earlier.append(row)
    assert similarity._earliest_different([files, keys], answers).tolist() == expected_earliest
