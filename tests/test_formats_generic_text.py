"""generic-text: {"text": ...}, Together's generic text and TRL's standard language modelling."""

from __future__ import annotations

from support import FORMAT_TESTS, found

TEXTS = [{"text": f"Note {n}: the sky looks blue because air scatters short wavelengths more."} for n in range(4)]


def test_texts_have_no_prompt_to_miss(lint_records):
    # no user turn, no roles, all of it trained: nothing about conversations applies
    assert lint_records(*TEXTS, defaults=FORMAT_TESTS) == []


def test_content_rules_still_read_the_text(lint_records):
    records = [*TEXTS, {"text": ""}, {"text": "Caf\u00c3\u00a9 au lait"}, {"text": 42}, TEXTS[0]]
    found_codes = {
        (line, code)
        for line, code, _ in found(lint_records(*records, select=("FT1", "FT2", "FT401"), defaults=FORMAT_TESTS))
    }
    assert found_codes == {(5, "FT201"), (6, "FT204"), (7, "FT101"), (8, "FT401")}


def test_a_conversation_file_still_needs_its_user_turn(lint_records):
    # the look-alike: FT105 stays on for conversations (only texts have no turns)
    chat = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "OK."}]}
    assert [f.code for f in lint_records(chat, select=("FT105",), defaults=FORMAT_TESTS)] == ["FT105"]


def test_together_models_take_it_and_openai_models_do_not(lint_records):
    assert [f.code for f in lint_records(*TEXTS, select=("FT305",), model="Qwen/Qwen3-8B", defaults=FORMAT_TESTS)] == []
    assert [f.code for f in lint_records(*TEXTS, select=("FT305",), model="gpt-4.1-mini", defaults=FORMAT_TESTS)] == [
        "FT305"
    ]
