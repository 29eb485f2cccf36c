"""generic-text: {"text": ...}, Together's generic text and TRL's standard language modelling."""

from __future__ import annotations

from format_helpers import codes, found, lint_records

TEXTS = [{"text": f"Note {n}: the sky looks blue because air scatters short wavelengths more."} for n in range(4)]


def test_texts_have_no_prompt_to_miss(tmp_path):
    # no user turn, no roles, all of it trained: nothing about conversations applies
    assert lint_records(tmp_path, TEXTS) == []


def test_content_rules_still_read_the_text(tmp_path):
    records = [*TEXTS, {"text": ""}, {"text": "Caf\u00c3\u00a9 au lait"}, {"text": 42}, TEXTS[0]]
    found_codes = {(line, code) for line, code, _ in found(lint_records(tmp_path, records, select=("FT1", "FT2", "FT401")))}
    assert found_codes == {(5, "FT201"), (6, "FT204"), (7, "FT101"), (8, "FT401")}


def test_a_conversation_file_still_needs_its_user_turn(tmp_path):
    # the look-alike: FT105 stays on for conversations (only texts have no turns)
    chat = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "OK."}]}
    assert codes(lint_records(tmp_path, [chat], select=("FT105",))) == ["FT105"]


def test_together_models_take_it_and_openai_models_do_not(tmp_path):
    assert codes(lint_records(tmp_path, TEXTS, select=("FT305",), model="Qwen/Qwen3-8B")) == []
    assert codes(lint_records(tmp_path, TEXTS, select=("FT305",), model="gpt-4.1-mini")) == ["FT305"]
