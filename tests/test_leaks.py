"""FT404/FT405: validation leaks judged by what training sees: the whole example, its input, its trained output."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ft_lint.config import Settings
from ft_lint.engine import lint
from support import chat, random_words, write_jsonl

RNG = random.Random(404)


def sentence(count: int = 30) -> str:
    return " ".join(random_words(RNG, count)) + "."


def leaks(
    tmp_path: Path, training: list[dict], validation: list[dict], select: str = "FT404,FT405"
) -> list[tuple[int, str, str, int]]:
    """(validation line, code, message, training line) of each finding, training padded with unrelated examples."""
    padding = [chat(sentence(12) + "?", sentence(40)) for _ in range(5)]
    train = write_jsonl(tmp_path / "train.jsonl", padding + training)
    valid = write_jsonl(tmp_path / "valid.jsonl", validation)
    found, _ = lint([train, valid], Settings(select=select.split(",")))
    assert all(Path(f.filename).name == "valid.jsonl" for f in found)
    return [(f.line, f.code, f.message, f.related[0].line - len(padding)) for f in found]


# --- the input --------------------------------------------------------------------------------------


def test_the_same_input_with_another_answer_is_an_input_leak(tmp_path):
    question = "Summarise the incident report: " + sentence(40)
    found = leaks(
        tmp_path,
        [chat(question, sentence(30))],
        [chat(question, sentence(30)), chat(question + " Be brief.", sentence(30)), chat(sentence(45), sentence(30))],
    )
    assert [(line, code, training) for line, code, _, training in found] == [
        (1, "FT404", 1),
        (2, "FT405", 1),
    ]  # line 2: nearly the input
    assert "input is in the training data, answered differently there" in found[0][2]
    assert "input is nearly that of training example" in found[1][2]


def test_a_label_that_disagrees_on_the_same_prompt(tmp_path):
    training = [
        {"prompt": "Is this review positive? Great phone ->", "completion": " yes"},
        {"prompt": "Is this review positive? Awful ->", "completion": " no"},
    ]
    validation = [
        {"prompt": "Is this review positive?  Great phone ->", "completion": " no"},
        {"prompt": "Is this review positive? Love it ->", "completion": " yes"},
    ]
    found = leaks(tmp_path, training, validation)
    assert [(line, code, training) for line, code, _, training in found] == [
        (1, "FT404", 1)
    ]  # whitespace aside; line 2: a new prompt with a label
    assert "answered differently" in found[0][2]


def test_the_system_prompt_and_the_tools_are_part_of_the_input(tmp_path):
    question = "What is the status of my order? " + sentence(12)
    tools = [{"type": "function", "function": {"name": "track", "parameters": {"type": "object", "properties": {}}}}]
    training = [
        chat(question, sentence(20), system="Session: user 8595."),
        chat(question, sentence(20), system="Session: user 1234.", tools=tools),
    ]
    validation = [
        chat(question, sentence(20), system="Session: user 4321."),
        chat(question, sentence(20), system="Session: user 1234."),
    ]
    assert leaks(tmp_path, training, validation, "FT404") == []


def test_an_empty_or_implicit_prompt_is_no_input(tmp_path):
    training = [{"chosen": sentence(20), "rejected": sentence(20)}, chat("", sentence(20))]
    validation = [{"chosen": sentence(20), "rejected": sentence(20)}, chat("", sentence(20))]
    assert leaks(tmp_path, training, validation, "FT404") == []


# --- the trained output -------------------------------------------------------------------------------


def test_a_reworded_question_with_the_training_answer_is_an_output_leak(tmp_path):
    answer = "You can return an item within 30 days of delivery; refunds reach your card in five working days."
    found = leaks(
        tmp_path, [chat("How do I return something?", answer)], [chat("what's your returns policy", answer + " ")]
    )
    assert [(line, code, training) for line, code, _, training in found] == [(1, "FT404", 1)]
    assert "answer (18 words) is in the training data, answering another input there" in found[0][2]


@pytest.mark.parametrize(
    "answer",
    [
        " positive",  # a label
        "Yes.",
        "The capital of France is Paris.",  # a short fact: 6 words, under the floor of 8
    ],
)
def test_short_answers_repeat_by_nature(tmp_path, answer):
    assert (
        leaks(
            tmp_path, [chat("Question one? " + sentence(10), answer)], [chat("Question two? " + sentence(10), answer)]
        )
        == []
    )


def test_an_answer_the_training_data_gives_to_many_inputs_is_the_tasks_own(tmp_path):
    refusal = "I'm sorry, I can only help with questions about your orders and our catalog."
    template = "Your order has been cancelled and the refund will reach your card within five days."
    training = [chat(sentence(8) + "?", refusal) for _ in range(3)] + [
        chat(sentence(8) + "?", template) for _ in range(2)
    ]
    found = leaks(tmp_path, training, [chat("Tell me a joke", refusal), chat("cancel order 5", template)])
    assert [(line, code, training) for line, code, _, training in found] == [
        (2, "FT404", 4)
    ]  # given to 2 inputs: still a leak


def test_weightless_answers_are_not_trained(tmp_path):
    """The trained output is the last assistant message with a weight: a final one of weight 0 is input."""
    answer = "The meeting moved to Thursday at ten, in the large room on the third floor."

    def conversation(question: str, last: str) -> dict:
        return {
            "messages": [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer},
                {"role": "user", "content": "Thanks!"},
                {"role": "assistant", "content": last, "weight": 0},
            ]
        }

    found = leaks(
        tmp_path,
        [conversation("When is the meeting?", "You're welcome.")],
        [conversation("Has the meeting moved?", "Any time.")],
        "FT404",
    )
    assert [(line, training) for line, _, _, training in found] == [(1, 1)]
    assert "answer (15 words)" in found[0][2]


def test_preference_data_input_and_outputs(tmp_path):
    def pair(question: str, chosen: str, rejected: str) -> dict:
        return {
            "input": {"messages": [{"role": "user", "content": question}]},
            "preferred_output": [{"role": "assistant", "content": chosen}],
            "non_preferred_output": [{"role": "assistant", "content": rejected}],
        }

    good, bad = sentence(15), sentence(15)
    training = [pair("Write a haiku about rain.", sentence(15), sentence(15)), pair("Explain tides.", good, bad)]
    validation = [
        pair("Write a haiku about rain.", sentence(15), sentence(15)),
        pair("Why are there tides?", good, bad),
        pair("What makes tides?", good, sentence(15)),
    ]
    found = leaks(tmp_path, training, validation, "FT404")
    assert [(line, training) for line, _, _, training in found] == [(1, 1), (2, 2)]  # line 3: one output of the two
    assert "input" in found[0][2] and "answer" in found[1][2]


# --- the whole example, and one finding per example ----------------------------------------------------------


def test_the_strongest_kind_is_named_once(tmp_path):
    question, answer = "Describe the office move. " + sentence(10), sentence(30)
    training = [chat(question, answer), chat(question, sentence(30))]
    validation = [
        chat(question, answer),
        chat(question + "\n", answer + "  "),
        chat(question, answer, system="Be kind."),
    ]
    found = leaks(tmp_path, training, validation)
    assert [(line, code, training) for line, code, _, training in found] == [
        (1, "FT404", 1),
        (2, "FT404", 1),
        (3, "FT404", 1),
    ]
    assert [message.split(":")[0] for _, _, message, _ in found] == [
        "this example is in the training data",
        "this example is in the training data (whitespace aside)",
        "this conversation is in the training data (system prompt or formatting aside)",
    ]


def test_generic_text_has_no_input(tmp_path):
    text = sentence(40)
    found = leaks(
        tmp_path, [{"text": text}, {"text": sentence(40)}], [{"text": "  " + text}, {"text": sentence(40)}], "FT404"
    )
    assert [(line, message.split(":")[0], training) for line, _, message, training in found] == [
        (1, "this example is in the training data (whitespace aside)", 1)
    ]


# --- near leaks (FT405) --------------------------------------------------------------------------------------------


def test_a_near_input_with_another_answer(tmp_path):
    words = random_words(RNG, 60)
    edited = list(words)
    edited[30] = "changed"
    found = leaks(
        tmp_path,
        [chat("Translate: " + " ".join(words), sentence(60))],
        [chat("Translate: " + " ".join(edited), sentence(60))],
    )
    assert [(line, code, training) for line, code, _, training in found] == [(1, "FT405", 1)]
    assert (
        found[0][2].startswith("its input is nearly that of training example")
        and "answered differently there" in found[0][2]
    )


def test_a_near_answer_to_another_question(tmp_path):
    words = random_words(RNG, 60)
    edited = list(words)
    edited[30] = "changed"
    long_question = "Please read this and answer: " + sentence(60)
    found = leaks(
        tmp_path,
        [chat(long_question, " ".join(words))],
        [chat("Another long question: " + sentence(60), " ".join(edited))],
    )
    assert [(line, code, training) for line, code, _, training in found] == [(1, "FT405", 1)]
    assert found[0][2].startswith("its answer is nearly that of training example")


def test_near_short_and_near_canned_answers_stay_silent(tmp_path):
    refusal = "I'm sorry, I can only help with questions about your orders and our catalog"
    training = [chat(sentence(20) + "?", refusal + ".") for _ in range(3)] + [
        chat(sentence(20) + "?", "The answer is four.")
    ]
    validation = [chat(sentence(20) + "?", refusal + "!"), chat(sentence(20) + "?", "The answer is four!")]
    assert leaks(tmp_path, training, validation) == []


def test_a_json_array_on_one_line_is_read_again_for_the_answers_length(tmp_path):
    """The output leak's floor is checked on the validation records read again: on one line,
    they are told apart by their digests."""
    import json

    answer = "Your parcel left the warehouse this morning and should arrive on Friday before noon."
    train = write_jsonl(tmp_path / "train.jsonl", [chat("Where is my parcel?", answer), chat("Is it shipped?", "Yes.")])
    valid = tmp_path / "valid.json"
    valid.write_text(json.dumps([chat("When does it come?", "Friday."), chat("Any news on my order?", answer)]))
    found, _ = lint([train], Settings(select=["FT404"], validation=valid))
    assert [(f.line, f.related[0].line) for f in found] == [(1, 1)]
    assert "answer (14 words)" in found[0].message
