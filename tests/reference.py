"""Independent references for the tests: what ft_lint computes, computed another way.

Token counts: tiktoken's own Encodings (its constants in tiktoken_ext.openai_public, its own file
parser) built from the shipped files instead of downloads, and the cookbook formulas written out
again. The near-duplicate measure (ft_lint.minhash): words, shingles and Jaccard index written from
their definition.
"""

from __future__ import annotations

import unicodedata
from importlib import resources

import pytest
import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as openai_public

ENCODINGS = ("o200k_base", "cl100k_base")

# (func_init, prop_init, prop_key, enum_init, enum_item, func_end) per the cookbook
TOOL_CONSTANTS = {"o200k_base": (7, 3, 3, -3, 3, 12), "cl100k_base": (10, 3, 3, -3, 3, 12)}


def shipped_path(name: str) -> str:
    return str(resources.files("ft_lint").joinpath("encodings", f"{name}.tiktoken"))


def reference_encodings(patch: pytest.MonkeyPatch) -> dict[str, tiktoken.Encoding]:
    patch.setenv("TIKTOKEN_CACHE_DIR", "")  # "": tiktoken reads the path directly, caches nothing

    def local_bpe(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        name = url.rsplit("/", 1)[1].removesuffix(".tiktoken")
        return tiktoken.load.load_tiktoken_bpe(shipped_path(name))

    patch.setattr(openai_public, "load_tiktoken_bpe", local_bpe)
    return {name: tiktoken.Encoding(**openai_public.ENCODING_CONSTRUCTORS[name]()) for name in ENCODINGS}


def ref_messages(messages, enc) -> int:
    """num_tokens_from_messages: 3 per message + each string value, +1 per name, +3 priming."""
    total = 0
    for message in messages:
        total += 3
        for key, value in message.items():
            total += len(enc.encode(value))
            if key == "name":
                total += 1
    return total + 3


def ref_tools(functions, enc, name) -> int:
    """num_tokens_for_tools, minus the messages."""
    func_init, prop_init, prop_key, enum_init, enum_item, func_end = TOOL_CONSTANTS[name]
    total = 0
    for f in functions:
        total += func_init
        function = f["function"]
        description = function["description"].removesuffix(".")
        total += len(enc.encode(function["name"] + ":" + description))
        properties = function["parameters"]["properties"]
        if properties:
            total += prop_init
            for key, prop in properties.items():
                total += prop_key
                if "enum" in prop:
                    total += enum_init
                    for item in prop["enum"]:
                        total += enum_item + len(enc.encode(item))
                total += len(enc.encode(f"{key}:{prop['type']}:{prop['description'].removesuffix('.')}"))
    return total + func_end


def ref_assistant(messages, enc) -> int:
    return sum(len(enc.encode(m["content"])) for m in messages if m["role"] == "assistant" and m.get("weight", 1) != 0)


# The definition, written independently: lowercase; a word is a run of letters, marks, digits and
# underscores, except that each character of a script written without spaces is a word of its own.
UNSPACED = [
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0x3040, 0x30FF),
    (0x3100, 0x312F),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),
    (0x20000, 0x3FFFF),
]


def reference_words(text: str) -> list[str]:
    words, current = [], ""
    for char in text.lower():
        if any(low <= ord(char) <= high for low, high in UNSPACED):
            words += [current, char] if current else [char]
            current = ""
        elif char == "_" or unicodedata.category(char)[0] in "LMN":
            current += char
        elif current:
            words.append(current)
            current = ""
    return [*words, current] if current else words


def reference_shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    words = reference_words(text)
    if not words:
        return set()
    if len(words) < size:
        return {tuple(words)}
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def reference_jaccard(a: str, b: str, size: int = 5) -> float:
    first, second = reference_shingles(a, size), reference_shingles(b, size)
    return len(first & second) / len(first | second)
