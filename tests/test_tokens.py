"""ft_lint.tokens: shipped encodings and per-example token counts.

Reference counts are computed independently (tests/reference.py): the cookbook formulas written
out again, on a tiktoken Encoding built from tiktoken's own constants (tiktoken_ext.openai_public).
"""

from __future__ import annotations

import base64
import json
import math
import random
import socket
import struct
import subprocess
import sys

import pytest
import tiktoken

from ft_lint import tokens as T
from ft_lint.formats import all_formats, unique_messages
from ft_lint.image_headers import image_size
from ft_lint.tokens import TokenCount, count_chat, count_preference, count_prompt_completion
from reference import ENCODINGS, ref_assistant, ref_messages, ref_tools

MULTILINGUAL = [
    "Hello, world! It's 2026; we'll see.",
    "Grüße aus Köln — naïve café, ½ € 12345678",
    "日本語のテキストと中文文本，还有한국어 문장.",
    "Здравствуйте! Как дела? Ελληνικά κείμενα.",
    "مرحبا بالعالم. שלום עולם. नमस्ते दुनिया",
    "emoji 👩‍💻🚀 and tabs\t\tand\r\nnewlines\n\n   trailing   ",
    "def f(x):\n    return x ** 2  # code\n",
    "special <|endoftext|> and <|endofprompt|> as plain text",
]


# --- encodings --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
def test_shipped_encoding_matches_tiktokens_own(name, reference):
    ours, theirs = T.get_encoding(name), reference[name]
    assert ours._pat_str == theirs._pat_str
    assert ours._special_tokens == theirs._special_tokens
    assert ours.n_vocab == theirs.n_vocab
    for text in MULTILINGUAL:
        assert ours.encode_ordinary(text) == theirs.encode_ordinary(text), text
        assert ours.encode(text, allowed_special="all") == theirs.encode(text, allowed_special="all"), text


@pytest.mark.slow
@pytest.mark.parametrize("name", ENCODINGS)
def test_loads_offline_without_tiktoken_cache(name, tmp_path, monkeypatch):
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(cache))

    def no_network(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(tiktoken, "get_encoding", no_network)
    T.get_encoding.cache_clear()
    try:
        encoding = T.get_encoding(name)
        assert encoding.decode(encoding.encode_ordinary("offline ✓")) == "offline ✓"
    finally:
        T.get_encoding.cache_clear()
    assert list(cache.iterdir()) == []


def test_encodings_are_cached_per_process():
    assert T.get_encoding("cl100k_base") is T.get_encoding("cl100k_base")


def test_corrupted_file_is_rejected(monkeypatch):
    original = T._read_encoding_file

    def corrupted(name: str) -> bytes:
        data = bytearray(original(name))
        data[100] ^= 0x01
        return bytes(data)

    monkeypatch.setattr(T, "_read_encoding_file", corrupted)
    T.get_encoding.cache_clear()
    try:
        with pytest.raises(T.EncodingIntegrityError, match="sha256"):
            T.get_encoding("cl100k_base")
    finally:
        T.get_encoding.cache_clear()


def test_unexpected_hash_is_rejected(monkeypatch):
    monkeypatch.setitem(T.ENCODING_SHA256, "cl100k_base", "0" * 64)
    T.get_encoding.cache_clear()
    try:
        with pytest.raises(T.EncodingIntegrityError):
            T.get_encoding("cl100k_base")
    finally:
        T.get_encoding.cache_clear()


def test_unknown_encoding():
    with pytest.raises(T.UnknownEncodingError, match="p50k_base"):
        T.get_encoding("p50k_base")
    with pytest.raises(T.UnknownEncodingError):
        count_chat({"messages": []}, "p50k_base")


@pytest.mark.slow
def test_tiktoken_is_imported_only_when_counting():
    code = "import sys, ft_lint.tokens; print('tiktoken' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --- the cookbook formulas, written out independently -----------------------------------

PLAIN = [
    {"role": "system", "content": "You are a helpful, pattern-following assistant."},
    {"role": "user", "content": "Übersetze: «Le café est prêt» — 日本語でも。"},
    {"role": "assistant", "content": "The coffee is ready. コーヒーができました。"},
]
NAMED = [
    {"role": "system", "content": "Translate corporate jargon into plain English."},
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {"role": "user", "content": "This late pivot means we don't have time to boil the ocean."},
    {"role": "assistant", "content": "We changed course late, so we can't do everything."},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location.",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                    "unit": {
                        "type": "string",
                        "description": "The unit of temperature.",
                        "enum": ["celsius", "fahrenheit"],
                    },
                },
                "required": ["location"],
            },
        },
    },
    {
        "type": "function",
        "function": {"name": "now", "description": "Current time", "parameters": {"type": "object", "properties": {}}},
    },
]


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("messages", [PLAIN, NAMED], ids=["plain", "names"])
def test_chat_matches_the_cookbook(name, messages, reference):
    enc = reference[name]
    count = count_chat({"messages": messages}, name)
    assert count == TokenCount(ref_messages(messages, enc), ref_assistant(messages, enc), True)


@pytest.mark.parametrize("name", ENCODINGS)
def test_tools_match_the_cookbook(name, reference):
    enc = reference[name]
    record = {"messages": PLAIN, "tools": TOOLS}
    expected = ref_messages(PLAIN, enc) + ref_tools(TOOLS, enc, name)
    assert count_chat(record, name) == TokenCount(expected, ref_assistant(PLAIN, enc), True)
    # the deprecated top-level "functions" lists the same definitions without the wrapper
    functions = {"messages": PLAIN, "functions": [t["function"] for t in TOOLS]}
    assert count_chat(functions, name).total == expected


@pytest.mark.parametrize("name", ENCODINGS)
def test_tool_calls_count_function_name_and_arguments(name, reference):
    enc = reference[name]
    arguments = json.dumps({"location": "Zürich", "unit": "celsius"})
    messages = [
        {"role": "user", "content": "Weather in Zürich?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_current_weather", "arguments": arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temperature": 21}'},
        {"role": "assistant", "content": "It is 21 °C in Zürich."},
    ]
    call = len(enc.encode("get_current_weather")) + len(enc.encode(arguments))
    # the cookbook formula over role/content only (tool_call_id is an identifier, not text)
    plain = [{k: v for k, v in m.items() if k in ("role", "content")} for m in messages]
    expected_total = ref_messages(plain, enc) + call
    expected_trained = call + len(enc.encode("It is 21 °C in Zürich."))
    assert count_chat({"messages": messages, "tools": TOOLS}, name) == TokenCount(
        expected_total + ref_tools(TOOLS, enc, name), expected_trained, True
    )


def test_weight_zero_is_not_trained(reference):
    enc = reference["o200k_base"]
    messages = [
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris", "weight": 0},
        {"role": "user", "content": "More sarcastic?"},
        {"role": "assistant", "content": "Paris, as if everyone didn't know.", "weight": 1},
    ]
    count = count_chat({"messages": messages}, "o200k_base")
    assert count.trained == len(enc.encode("Paris, as if everyone didn't know."))
    assert count.total == ref_messages([{k: v for k, v in m.items() if k != "weight"} for m in messages], enc)


def test_legacy_function_call_and_function_role(reference):
    enc = reference["cl100k_base"]
    messages = [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": None, "function_call": {"name": "add", "arguments": '{"a":2,"b":2}'}},
        {"role": "function", "name": "add", "content": "4"},
    ]
    n = lambda text: len(enc.encode(text))  # noqa: E731
    call = n("add") + n('{"a":2,"b":2}')
    expected = (
        (3 + n("user") + n("2+2?")) + (3 + n("assistant") + call) + (3 + n("function") + n("add") + 1 + n("4")) + 3
    )
    assert count_chat({"messages": messages}, "cl100k_base") == TokenCount(expected, call, True)


def test_text_parts_and_special_tokens_in_text(reference):
    enc = reference["o200k_base"]
    parts = [{"type": "text", "text": "First part <|endoftext|>."}, {"type": "text", "text": " Second part."}]
    record = {"messages": [{"role": "user", "content": parts}, {"role": "assistant", "content": "<|endofprompt|>"}]}
    user = sum(len(enc.encode_ordinary(p["text"])) for p in parts)
    assistant = len(enc.encode_ordinary("<|endofprompt|>"))
    expected = (3 + len(enc.encode("user")) + user) + (3 + len(enc.encode("assistant")) + assistant) + 3
    assert count_chat(record, "o200k_base") == TokenCount(expected, assistant, True)


def test_prompt_completion(reference):
    enc = reference["cl100k_base"]
    record = {"prompt": "Q: capital of Peru?\nA:", "completion": " Lima\n"}
    prompt, completion = len(enc.encode(record["prompt"])), len(enc.encode(record["completion"]))
    assert count_prompt_completion(record, "cl100k_base") == TokenCount(prompt + completion, completion, True)


def test_preference_counts_input_once_and_both_replies(reference):
    enc = reference["o200k_base"]
    record = {
        "input": {"messages": [{"role": "user", "content": "Say hi politely."}], "tools": TOOLS},
        "preferred_output": [{"role": "assistant", "content": "Hello, how may I help?"}],
        "non_preferred_output": [{"role": "assistant", "content": "What."}],
    }
    replies = [len(enc.encode("Hello, how may I help?")), len(enc.encode("What."))]
    expected = ref_messages(record["input"]["messages"], enc) + ref_tools(TOOLS, enc, "o200k_base")
    expected += sum(3 + len(enc.encode("assistant")) + r for r in replies)
    assert count_preference(record, "o200k_base") == TokenCount(expected, sum(replies), True)
    assert T.count_record(record, "openai-preference", "o200k_base") == count_preference(record, "o200k_base")


def test_estimate_without_tokenizer():
    record = {"messages": [{"role": "user", "content": "héllo wörld"}, {"role": "assistant", "content": "ok"}]}

    def est(text: str) -> int:
        return math.ceil(len(text.encode()) / 3)

    expected = (3 + est("user") + est("héllo wörld")) + (3 + est("assistant") + est("ok")) + 3
    assert count_chat(record, None) == TokenCount(expected, est("ok"), False)
    pc = count_prompt_completion({"prompt": "abcdef", "completion": "xyz"}, None)
    assert pc == TokenCount(3, 1, False)


def test_malformed_values_do_not_crash():
    record = {
        "messages": [
            {"role": "user", "content": {"not": "a string"}},
            {"role": 7, "content": ["loose string part", 3]},
            "not a message",
            {"role": "assistant", "tool_calls": "nope", "content": None},
        ],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"properties": {"x": {}}}}}, "junk"],
    }
    count = count_chat(record, "o200k_base")
    assert count.total > 0 and count.trained == 0 and count.exact
    assert count_chat({}, "o200k_base") == TokenCount(3, 0, True)
    assert count_preference({"input": "x"}, "o200k_base") == TokenCount(3, 0, True)


# --- images -----------------------------------------------------------------------------


def png(width: int, height: int) -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    )


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00" * 3


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 4) + b"\x00\x00"
    sof = b"\xff\xc2" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + b"\xff" + dqt + sof + b"\xff\xda"


def webp_vp8x(width: int, height: int) -> bytes:
    body = (
        b"VP8X"
        + struct.pack("<I", 10)
        + b"\x00" * 4
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little")
    )
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def webp_vp8l(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    body = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + struct.pack("<I", bits)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def webp_vp8(width: int, height: int) -> bytes:
    frame = b"\x00\x00\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height)
    body = b"VP8 " + struct.pack("<I", len(frame)) + frame
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


@pytest.mark.parametrize("make", [png, gif, jpeg, webp_vp8x, webp_vp8l, webp_vp8])
def test_image_headers(make):
    assert image_size(make(1234, 567)) == (1234, 567)


def test_image_size_rejects_non_images():
    assert image_size(b"not an image at all") is None
    assert image_size(b"\xff\xd8\xff\xda") is None  # scan data before any frame header


@pytest.mark.parametrize(
    ("width", "height", "detail", "expected"),
    [
        (1024, 1024, "high", 765),  # -> 768x768, 4 tiles (OpenAI's worked example)
        (2048, 4096, "high", 1105),  # -> 1024x2048 -> 768x1536, 6 tiles (OpenAI's worked example)
        (4096, 8192, "auto", 1105),
        (100, 100, "high", 255),  # small images are not enlarged: 1 tile
        (768, 2048, "high", T.IMAGE_TOKENS_UPPER_BOUND),  # the worst case: 2 x 4 tiles
        (5000, 3000, "low", 85),
    ],
)
def test_image_tokens(width, height, detail, expected):
    assert T.image_tokens(width, height, detail) == expected


def _image_record(url: str, detail: str | None = None) -> dict:
    image = {"url": url} | ({"detail": detail} if detail else {})
    return {
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "What is it?"}, {"type": "image_url", "image_url": image}],
            }
        ]
    }


def test_image_parts_are_counted(reference):
    enc = reference["o200k_base"]
    text_only = (3 + len(enc.encode("user")) + len(enc.encode("What is it?"))) + 3
    data_url = "data:image/png;base64," + base64.b64encode(png(1024, 1024)).decode()
    assert count_chat(_image_record(data_url), "o200k_base") == TokenCount(text_only + 765, 0, True)
    remote = count_chat(_image_record("https://example.com/cat.png"), "o200k_base")
    assert remote == TokenCount(text_only + T.IMAGE_TOKENS_UPPER_BOUND, 0, False)
    low = count_chat(_image_record("https://example.com/cat.png", "low"), "o200k_base")
    assert low == TokenCount(text_only + 85, 0, True)
    broken = count_chat(_image_record("data:image/png;base64,!!!!"), "o200k_base")
    assert broken.total == text_only + T.IMAGE_TOKENS_UPPER_BOUND and not broken.exact


# --- caching and the byte bound ---------------------------------------------------------


def test_repeated_strings_are_encoded_once(monkeypatch):
    counter = T._TextCounter("o200k_base")
    calls = []
    encode = counter._encode
    monkeypatch.setattr(counter, "_encode", lambda text: calls.append(text) or encode(text))
    monkeypatch.setattr(T, "_counter", lambda name: counter)
    system = "You are a very long, repeated system prompt. " * 50
    records = [
        {"messages": [{"role": "system", "content": system}, {"role": "user", "content": f"q{i}"}]} for i in range(20)
    ]
    totals = {count_chat(r, "o200k_base").total for r in records}
    assert len(totals) <= 2  # q0..q9 vs q10..q19 may differ by a token
    assert calls.count(system) == 1 and calls.count("system") == 1 and calls.count("user") == 1


def test_text_memory_is_bounded(monkeypatch):
    counter = T._TextCounter("cl100k_base")
    monkeypatch.setattr(counter, "MAX_CHARS", 1000)
    for i in range(200):
        counter(f"string number {i} " * 3)
    assert counter._chars <= 1000 and len(counter._memory) < 200
    assert counter("string number 1 " * 3) == len(T.get_encoding("cl100k_base").encode("string number 1 " * 3))


def _random_text(rng: random.Random) -> str:
    alphabets = ["abc xyz ", "0123456789", "日本語中文한국어", "€ßéü ", '\n\t"\\', "👩‍💻🚀", "<|endoftext|>"]
    return "".join(rng.choice(rng.choice(alphabets)) for _ in range(rng.randint(0, 60)))


def _random_tools(rng: random.Random) -> list:
    """Tool definitions that cost the most tokens per byte: one-letter names, keys and enum items."""
    tools = []
    for _ in range(rng.randint(1, 4)):
        properties = {}
        for _ in range(rng.randint(0, 6)):
            prop = {"type": rng.choice(["string", ["string", "null"], "integer"])}
            if rng.random() < 0.5:
                prop["enum"] = [rng.choice("abc") for _ in range(rng.randint(0, 8))]
            if rng.random() < 0.3:
                prop["description"] = _random_text(rng)
            properties[rng.choice("xyzuvw")] = prop if rng.random() < 0.9 else 1
        function = {"name": rng.choice("fgh"), "parameters": {"type": "object", "properties": properties}}
        tools.append({"type": "function", "function": function} if rng.random() < 0.5 else function)
    return tools


def _random_content(rng: random.Random):
    choice = rng.random()
    if choice < 0.1:  # a number where text belongs: re-serialised, 1e15 grows to 1000000000000000.0
        return rng.choice([1e15, 1e5, 3, 1e300, 2.5e-7])
    if choice < 0.3:
        parts = [{"type": "text", "text": _random_text(rng)}]
        if rng.random() < 0.5:  # short URLs: the image costs far more than its bytes
            parts.append(
                {"type": "image_url", "image_url": rng.choice([{"url": "a"}, {"url": "b", "detail": "high"}, "c"])}
            )
        return parts
    return _random_text(rng)


def _random_record(rng: random.Random) -> dict:
    messages = []
    for _ in range(rng.randint(1, 6)):
        message = {"role": rng.choice(["system", "user", "assistant", "tool"]), "content": _random_content(rng)}
        if rng.random() < 0.3:
            message["name"] = _random_text(rng)[:10] or "n"
        if message["role"] == "assistant" and rng.random() < 0.3:
            message["tool_calls"] = [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": _random_text(rng)}}
            ]
        messages.append(message)
    record = {"messages": messages}
    if rng.random() < 0.4:
        record[rng.choice(["tools", "functions"])] = _random_tools(rng)
    return record


def _other_format_records(rng: random.Random) -> list[tuple[str, dict]]:
    text = _random_text(rng)
    return [
        ("alpaca", {"instruction": text, "input": "", "output": "o"}),
        ("sharegpt", {"conversations": [{"from": "human", "value": text}, {"from": "gpt", "value": "k"}]}),
        (
            "bedrock-conversation",
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"text": text},
                            {"image": {"format": "png", "source": {"s3Location": {"uri": "s3://b/k"}}}},
                        ],
                    },
                    {"role": "assistant", "content": [{"text": "k"}]},
                ]
            },
        ),
        (
            "openai-preference",
            {
                "input": {"messages": [{"role": "user", "content": text}], "tools": _random_tools(rng)},
                "preferred_output": [{"role": "assistant", "content": "y"}],
                "non_preferred_output": [{"role": "assistant", "content": "n"}],
            },
        ),
        ("openai-prompt-completion", {"prompt": text, "completion": 1e15}),
    ]


def _bound(record: dict, format_name: str, raw: bytes) -> int:
    fmt = all_formats()[format_name]
    return T.max_tokens_upper_bound(raw, T.counted_images(format_name, unique_messages(fmt.conversations(record))))


@pytest.mark.parametrize("name", [*ENCODINGS, None])
def test_byte_bound_holds(name):
    rng = random.Random(1234)
    cases = [("openai-chat", _random_record(rng)) for _ in range(300)]
    cases += [case for _ in range(30) for case in _other_format_records(rng)]
    for format_name, record in cases:
        for ensure_ascii in (True, False):
            # numbers as JSON allows them to be written shortest
            raw = json.dumps(record, ensure_ascii=ensure_ascii).encode().replace(b"1000000000000000.0", b"1e15")
            assert T.count_record(record, format_name, name).total <= _bound(record, format_name, raw), record


def test_byte_bound_formula():
    # bytes, 15 fixed, 11 per "{", 5 per ":", 3 per "[" or ",", 16 per exponent, 1,445 per image
    assert T.max_tokens_upper_bound(b"", 0) == 15
    assert T.max_tokens_upper_bound(b'{"a":[1,2e3]}', 2) == 13 + 15 + 11 + 5 + 3 * 2 + 16 + 2 * 1445


@pytest.mark.parametrize(
    "raw", [b"", b"{" * 50, b"1e" * 50, b"[,:" * 20, b'{"a":[1e5,{"b":2E3}]}', json.dumps(TOOLS).encode()]
)
@pytest.mark.parametrize("images", [0, 2])
def test_proven_at_most_is_the_bound_compared_whichever_way_it_decides(raw, images):
    # the quick test (every byte at its costliest) never proves what the bound does not
    bound = T.max_tokens_upper_bound(raw, images)
    for threshold in range(bound - 3, bound + 3):
        assert T.proven_at_most(raw, images, threshold) == (bound <= threshold)
    assert T.proven_at_most(
        raw, images, len(raw) * T.MAX_TOKENS_PER_BYTE + T.FIXED_BOUND + images * T.IMAGE_TOKENS_UPPER_BOUND
    )


def test_byte_bound_charges_what_bytes_do_not_pay_for():
    # an image behind a short URL costs up to 1,445 tokens
    record = _image_record("https://x.io/a.png")
    raw = json.dumps(record).encode()
    assert count_chat(record, "o200k_base").total > T.max_tokens_upper_bound(raw, 0)
    assert count_chat(record, "o200k_base").total <= _bound(record, "openai-chat", raw)
    # a number with an exponent is re-serialised longer than it was written
    raw = b'{"messages":[{"role":"user","content":[' + b",".join([b"1e15"] * 50) + b"]}]}"
    record = json.loads(raw)
    assert count_chat(record, "cl100k_base").total > len(raw)
    assert count_chat(record, "cl100k_base").total <= _bound(record, "openai-chat", raw)
