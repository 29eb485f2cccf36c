"""Token counts per training example, the way OpenAI counts them for fine-tuning.

Encodings are built from the ``.tiktoken`` files shipped in ``ft_lint/encodings`` (hash-checked),
never downloaded: no network, no tiktoken cache directory. tiktoken is imported lazily.

How an example is counted (OpenAI cookbook "How to count tokens with tiktoken", section
``num_tokens_from_messages``, reused by "Data preparation and analysis for chat model
fine-tuning" to estimate training tokens):

* every message costs 3 tokens, plus the tokens of its role, name and content, plus 1 if it
  has a name; every example costs 3 more (the reply is primed with ``<|start|>assistant``);
* tool definitions (``tools``, or the deprecated ``functions``) add what the same cookbook's
  ``num_tokens_for_tools`` adds: per function ``func_init`` + tokens of "name:description"
  (description without a final "."), per function with properties ``prop_init``, per property
  ``prop_key`` + tokens of "name:type:description", per enum ``enum_init`` and per enum item
  ``enum_item`` + its tokens, and ``func_end`` once; the constants differ between o200k_base
  (gpt-4o family) and cl100k_base (gpt-3.5 / gpt-4) models;
* our extensions, which no OpenAI page documents: assistant ``tool_calls`` (and the deprecated
  ``function_call``) count the tokens of the function name and of its arguments; ``tool_call_id``
  is an identifier, not text, and is not counted; content given as a list of parts counts each
  text part; image parts count what OpenAI's vision guide publishes (low detail 85 tokens; high
  or auto: fit in 2048x2048, shortest side down to 768, 170 per 512px tile + 85).

``trained`` is what the model learns to produce: the tokens of the content and tool calls of
assistant messages whose ``weight`` is not 0 (the cookbook's ``num_assistant_tokens``).

``exact`` is False when the count is an estimate (the model's tokenizer is not shipped), an
upper bound (an image whose size we cannot read), or a text was counted in pieces cut where a
cut may change a token (see below). Even when exact, a count follows the formula above, which
OpenAI checked against its API for plain messages and tool definitions only.

Long texts are tokenized in pieces of at most PIECE_CHARS characters (memory stays bounded, and
tiktoken's regex overflows its stack on a run of about a million spaces). A piece ends just after
a line break followed by a character that is neither whitespace nor "/": both encodings' split
patterns end a piece of text there, so such cuts change no token. A text with no such place in
PIECE_CHARS characters (one character repeated, a huge run of spaces) is cut where it must be,
and its count is marked not exact.

``tokens_at_least`` bounds a count from below without tokenizing: no token of these encodings
is longer than LONGEST_TOKEN_BYTES, so a text of b UTF-8 bytes has at least b / that many tokens.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from ft_lint import model_templates
from ft_lint.formats import all_formats, as_list, text_turns, unique_messages
from ft_lint.image_headers import image_size
from ft_lint.open_tokenizers import PIECE_CHARS as PIECE_CHARS  # stats.py reports it
from ft_lint.open_tokenizers import SAFE_CUT, available, is_open, parse_ranks
from ft_lint.open_tokenizers import EncodingIntegrityError as EncodingIntegrityError  # raised for both kinds of file

if TYPE_CHECKING:
    import tiktoken

    from ft_lint.formats import Message

# sha256 of each shipped file: the expected_hash values in tiktoken_ext/openai_public.py.
ENCODING_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}

# tiktoken_ext.openai_public builds these inside functions rather than exposing them as
# constants, so they are restated here; tests/test_tokens.py checks them against tiktoken's.
_PATTERNS = {
    "cl100k_base": (
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
        r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
    ),
    "o200k_base": "|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    ),
}
_SPECIAL_TOKENS = {
    "cl100k_base": {
        "<|endoftext|>": 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        "<|endofprompt|>": 100276,
    },
    "o200k_base": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
}

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3

# The longest token of each encoding, in UTF-8 bytes (tests/test_tokens.py checks them against
# the shipped files): runs of 128 spaces, "=" or "-".
LONGEST_TOKEN_BYTES = {"o200k_base": 128, "cl100k_base": 128}
# PIECE_CHARS: the longest text tokenized at once (see the module's docstring); SAFE_CUT: where
# a text can be cut without changing its tokens. Shared with the open models' counting.


@dataclass(frozen=True, slots=True)
class _ToolConstants:
    func_init: int
    prop_init: int
    prop_key: int
    enum_init: int
    enum_item: int
    func_end: int


# From the cookbook's num_tokens_for_tools; estimates (no tokenizer) use the larger set.
_TOOL_CONSTANTS = {
    "o200k_base": _ToolConstants(7, 3, 3, -3, 3, 12),
    "cl100k_base": _ToolConstants(10, 3, 3, -3, 3, 12),
    None: _ToolConstants(10, 3, 3, -3, 3, 12),
}

# Without the model's tokenizer we assume 3 UTF-8 bytes per token. Llama 3, Qwen, Mistral and
# Gemma tokenizers average about 4 bytes per token on English prose, so this overestimates
# typical text by ~25% (the safe side for length limits); digit runs and CJK text can still
# take more tokens than this, which is why such counts are marked not exact.
ESTIMATE_BYTES_PER_TOKEN = 3

IMAGE_LOW_DETAIL_TOKENS = 85
IMAGE_TILE_TOKENS = 170
# The most tiles an image can need after OpenAI's resizing: shortest side <= 768 (2 tiles),
# longest side <= 2048 (4 tiles).
IMAGE_TOKENS_UPPER_BOUND = IMAGE_LOW_DETAIL_TOKENS + IMAGE_TILE_TOKENS * 2 * 4


class UnknownEncodingError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class TokenCount:
    total: int  # every token of the example
    trained: int  # tokens of the assistant replies the model learns (weight != 0)
    exact: bool  # False: an estimate or an upper bound

    def __add__(self, other: TokenCount) -> TokenCount:
        return TokenCount(self.total + other.total, self.trained + other.trained, self.exact and other.exact)


ZERO = TokenCount(0, 0, True)


# --- encodings --------------------------------------------------------------------------


def _read_encoding_file(name: str) -> bytes:
    return (resources.files("ft_lint") / "encodings" / f"{name}.tiktoken").read_bytes()


@functools.cache
def get_encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken Encoding ``name``, built from the file shipped with ft-lint (once per process).

    Unlike ``tiktoken.get_encoding`` this never downloads anything and never reads or writes
    tiktoken's cache directory; the file's sha256 must match the published one.
    """
    if name not in ENCODING_SHA256:
        raise UnknownEncodingError(f"no shipped encoding {name!r}; shipped: {', '.join(sorted(ENCODING_SHA256))}")
    data = _read_encoding_file(name)
    digest = hashlib.sha256(data).hexdigest()
    if digest != ENCODING_SHA256[name]:
        raise EncodingIntegrityError(
            f"ft_lint/encodings/{name}.tiktoken has sha256 {digest}, expected {ENCODING_SHA256[name]}; "
            "the file is damaged or was replaced, reinstall ft-lint"
        )
    import tiktoken

    return tiktoken.Encoding(
        name,
        pat_str=_PATTERNS[name],
        mergeable_ranks=parse_ranks(data, f"{name}.tiktoken"),
        special_tokens=_SPECIAL_TOKENS[name],
    )


# --- counting text ----------------------------------------------------------------------


class _Counting:
    """What the record formulas count strings with: `counter(text)`, the tool constants, and
    whether the counts are exact."""

    exact: bool
    tools: _ToolConstants

    def __call__(self, text: str) -> int:
        raise NotImplementedError

    def value(self, value: Any) -> int:
        """Tokens of a field that should be a string but may hold other JSON."""
        if value is None:
            return 0
        return self(value if isinstance(value, str) else _compact_json(value))


class _TextCounter(_Counting):
    """Tokens of a string, remembering repeated strings (system prompts, roles, tool schemas).

    The memory is bounded by total characters; when full it starts over, which costs little
    because the strings worth remembering come back at once. Texts longer than PIECE_CHARS are
    counted in pieces and not remembered (they would stay in memory after their record).
    """

    MAX_CHARS = 16_000_000
    MAX_ENTRIES = 200_000

    def __init__(self, encoding_name: str | None):
        self._encode = get_encoding(encoding_name).encode_ordinary if encoding_name else None  # checks the name
        self.encoding_name = encoding_name
        self.exact = encoding_name is not None
        self.tools = _TOOL_CONSTANTS[encoding_name]
        self.texts_cut = 0  # texts counted in pieces cut where a token may change (not exact)
        self._memory: dict[str, int] = {}
        self._chars = 0

    def __call__(self, text: str) -> int:
        known = self._memory.get(text)
        if known is not None:
            return known
        if len(text) > PIECE_CHARS:  # not remembered: it would stay in memory after its record
            return _estimate(text) if self._encode is None else self._count_in_pieces(text, self._encode)
        # encode_ordinary: "<|endoftext|>" in data is just text
        count = _estimate(text) if self._encode is None else len(self._encode(text))
        if self._chars + len(text) > self.MAX_CHARS or len(self._memory) >= self.MAX_ENTRIES:
            self._memory.clear()
            self._chars = 0
        self._memory[text] = count
        self._chars += len(text)
        return count

    def _count_in_pieces(self, text: str, encode: Callable[[str], list[int]]) -> int:
        count = start = 0
        exact = True
        while start < len(text):
            end = start + PIECE_CHARS
            if end < len(text):
                cut = SAFE_CUT.search(text, start + PIECE_CHARS // 2, end)
                if cut:
                    end = cut.end()
                else:
                    exact = False
            count += len(encode(text[start:end]))
            start = end
        self.texts_cut += not exact
        return count


def texts_cut(encoding_name: str | None) -> int:
    """How many texts this process counted with the encoding in pieces cut where a token may change."""
    return 0 if is_open(encoding_name) else _counter(encoding_name).texts_cut


def _estimate(text: str) -> int:
    return math.ceil(len(text.encode("utf-8", "surrogatepass")) / ESTIMATE_BYTES_PER_TOKEN)


class _LowerBound(_Counting):
    """Counts no string exceeds, without tokenizing: its UTF-8 bytes / the encoding's longest token."""

    exact = False

    def __init__(self, encoding_name: str):
        self.tools = _TOOL_CONSTANTS[encoding_name]
        self._longest = LONGEST_TOKEN_BYTES[encoding_name]

    def __call__(self, text: str) -> int:
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        return -(-size // self._longest)


@functools.cache
def _counter(encoding_name: str | None) -> _TextCounter:
    return _TextCounter(encoding_name)


def _counted(count: Callable[[_Counting], TokenCount], encoding_name: str | None) -> TokenCount:
    """`count` made with the encoding's counter; not exact when a text had to be cut where a
    token may change."""
    counter = _counter(encoding_name)
    cuts = counter.texts_cut
    found = count(counter)
    return found if counter.texts_cut == cuts else TokenCount(found.total, found.trained, False)


def _compact_json(value: Any) -> str:
    # ensure_ascii=False keeps the text no longer in UTF-8 than it was in the record
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- counting records ---------------------------------------------------------------------


def count_chat(record: dict[str, Any], encoding_name: str | None) -> TokenCount:
    """Tokens of a chat example (``messages``, optional ``tools`` / ``functions``)."""
    return _counted(lambda counter: _chat(record, counter), encoding_name)


def _chat(record: dict[str, Any], counter: _Counting) -> TokenCount:
    count = _conversation(record.get("messages"), record, counter)
    return count + TokenCount(REPLY_PRIMING, 0, True)


def count_prompt_completion(record: dict[str, Any], encoding_name: str | None) -> TokenCount:
    """Tokens of a prompt/completion example: prompt + completion, no framing (the legacy
    completions format concatenates them); the completion is what is trained."""
    return _counted(lambda counter: _prompt_completion(record, counter), encoding_name)


def _prompt_completion(record: dict[str, Any], counter: _Counting) -> TokenCount:
    prompt, completion = counter.value(record.get("prompt")), counter.value(record.get("completion"))
    return TokenCount(prompt + completion, completion, counter.exact)


def count_preference(record: dict[str, Any], encoding_name: str | None) -> TokenCount:
    """Tokens of a preference (DPO) example: the input conversation (with its tools) once, plus
    both replies, each with its per-message framing.

    OpenAI does not publish how it bills DPO tokens; counting the shared input once and both
    replies is our choice. ``total`` is then at least as long as either sequence the model is
    trained on (input + one reply), so comparing it with the context limit errs on the safe
    side. ``trained`` counts both replies.
    """
    return _counted(lambda counter: _preference(record, counter), encoding_name)


def _preference(record: dict[str, Any], counter: _Counting) -> TokenCount:
    source = record.get("input")
    source = source if isinstance(source, dict) else {}
    count = _conversation(source.get("messages"), source, counter) + TokenCount(REPLY_PRIMING, 0, True)
    for key in ("preferred_output", "non_preferred_output"):
        count += _conversation(record.get(key), {}, counter, replies=True)
    return count


_OPENAI_FORMATS = frozenset({"openai-chat", "openai-rft", "openai-preference", "openai-prompt-completion"})


def count_record(record: dict[str, Any], format_name: str, encoding_name: str | None, model_id: str = "") -> TokenCount:
    """Dispatch on the format name used by ft_lint.formats and models.toml.

    An open model's tokenizer (ft_lint.open_tokenizers) counts the example as the model's chat
    template renders it (ft_lint.model_templates), ``model_id`` choosing the template; without
    the ``open-models`` extra installed the count is the byte estimate. A tokenized row holds
    its tokens (see `_token_ids`)."""
    if format_name == TOKENIZED_FORMAT:
        return _token_ids(record)
    if is_open(encoding_name):
        assert encoding_name is not None
        if available(encoding_name):
            found = model_templates.count(record, format_name, encoding_name, model_id)
            return TokenCount(found.total, found.trained, found.exact)
        encoding_name = None
    return _counted(lambda counter: _record(record, format_name, counter), encoding_name)


TOKENIZED_FORMAT = "together-tokenized"
IGNORED_LABEL = -100  # the label the loss skips


def _token_ids(record: dict[str, Any]) -> TokenCount:
    """Together's tokenized row, exactly: its input_ids, trained where its label is not -100
    (every input id without labels, as Together then trains on input_ids)."""
    ids = record.get("input_ids")
    ids = ids if isinstance(ids, list) else []
    labels = record.get("labels")
    trained = labels if isinstance(labels, list) else ids
    return TokenCount(len(ids), sum(1 for label in trained if label != IGNORED_LABEL), True)


def counting_key(encoding_name: str | None, model_id: str) -> tuple[str | None, object]:
    """Models with equal keys count every example alike (the same tokenizer and template)."""
    if is_open(encoding_name) and encoding_name is not None:
        return (
            (encoding_name, model_templates.template_for(encoding_name, model_id))
            if available(encoding_name)
            else (None, None)
        )
    return encoding_name, None


def is_estimated(encoding_name: str | None) -> bool:
    """Whether counts with this encoding are byte estimates: none shipped, or its package missing."""
    return encoding_name is None or (is_open(encoding_name) and not available(encoding_name))


def template_allowance(encoding_name: str | None) -> int:
    """Tokens an open model's template may add beyond what the byte shortcut charges (see
    model_templates.TEMPLATE_TOKENS_BOUND); 0 for OpenAI's formula."""
    return model_templates.TEMPLATE_TOKENS_BOUND if is_open(encoding_name) else 0


def tokens_at_least(record: dict[str, Any], format_name: str, encoding_name: str | None) -> int:
    """A number of tokens that `count_record` never counts fewer than, found without tokenizing
    (see the module's docstring); 0 with no tokenizer (an estimate tokenizes nothing: making it
    costs no more than a bound)."""
    if format_name == TOKENIZED_FORMAT:
        return _token_ids(record).total
    if is_estimated(encoding_name):
        return 0
    assert encoding_name is not None
    if is_open(encoding_name):
        return model_templates.tokens_at_least(record, format_name, encoding_name)
    return _record(record, format_name, _LowerBound(encoding_name)).total


def _record(record: dict[str, Any], format_name: str, counter: _Counting) -> TokenCount:
    if format_name == "openai-preference":
        return _preference(record, counter)
    if format_name == "openai-prompt-completion":
        return _prompt_completion(record, counter)
    if format_name in ("openai-chat", "openai-rft"):  # RFT: its prompt messages
        return _chat(record, counter)
    return _other_format(record, format_name, counter)


def count_other_format(record: dict[str, Any], format_name: str, encoding_name: str | None) -> TokenCount:
    """Tokens of an example in another provider's or framework's format (Vertex AI, Bedrock,
    TRL, Alpaca, ShareGPT): its messages as ``ft_lint.formats`` reads them, roles mapped to
    OpenAI's and each message once, counted like chat messages. The framing is OpenAI's, not
    the model's own template, so the count is an estimate; each image counts as the most an
    OpenAI image can cost, since other providers price images by their own rules.
    """
    return _counted(lambda counter: _other_format(record, format_name, counter), encoding_name)


def _other_format(record: dict[str, Any], format_name: str, counter: _Counting) -> TokenCount:
    messages = unique_messages(all_formats()[format_name].conversations(record))
    as_chat = [{"role": m.role, "content": " ".join(t.text for t in text_turns([m]) if t.text)} for m in messages]
    images = sum(len(m.images) for m in messages)
    count = _chat({"messages": as_chat}, counter)
    return TokenCount(count.total + images * IMAGE_TOKENS_UPPER_BOUND, count.trained, False)


def _conversation(messages: Any, holder: dict[str, Any], counter: _Counting, *, replies: bool = False) -> TokenCount:
    count = ZERO if counter.exact else TokenCount(0, 0, False)
    if not replies:
        count += TokenCount(_tool_definitions(holder, counter), 0, True)
    for message in messages if isinstance(messages, list) else ():
        if isinstance(message, dict):
            count += _message(message, counter, force_trained=replies)
    return count


def _message(message: dict[str, Any], counter: _Counting, *, force_trained: bool = False) -> TokenCount:
    framing = TOKENS_PER_MESSAGE + counter.value(message.get("role"))
    if "name" in message:
        framing += counter.value(message["name"]) + TOKENS_PER_NAME
    content, exact = _content(message.get("content"), counter)
    reply = content + _calls(message, counter)
    is_trained = (force_trained or message.get("role") == "assistant") and message.get("weight", 1) != 0
    return TokenCount(framing + reply, reply if is_trained else 0, exact and counter.exact)


def _content(content: Any, counter: _Counting) -> tuple[int, bool]:
    if not isinstance(content, list):
        return counter.value(content), True
    total, exact = 0, True
    for part in content:
        if not isinstance(part, dict):
            total += counter.value(part)
        elif part.get("type") == "text" or ("text" in part and "type" not in part):
            total += counter.value(part.get("text"))
        elif part.get("type") == "image_url":
            tokens, known = _image_part(part.get("image_url"))
            total, exact = total + tokens, exact and known
        else:  # audio, files: not text we can tokenize; a generous estimate of the JSON
            total += math.ceil(len(_compact_json(part).encode()) / ESTIMATE_BYTES_PER_TOKEN)
            exact = False
    return total, exact


def _calls(message: dict[str, Any], counter: _Counting) -> int:
    calls = message.get("tool_calls")
    functions = [c.get("function") for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []
    functions.append(message.get("function_call"))
    return sum(
        counter.value(f.get("name")) + counter.value(f.get("arguments")) for f in functions if isinstance(f, dict)
    )


def _tool_definitions(holder: dict[str, Any], counter: _Counting) -> int:
    found = (_function_of(item) for key in ("tools", "functions") for item in as_list(holder.get(key)))
    definitions = [d for d in found if d is not None]
    if not definitions:
        return 0
    c = counter.tools
    total = c.func_end
    for function in definitions:
        total += c.func_init + counter(f"{_text(function.get('name'))}:{_strip_period(function.get('description'))}")
        parameters = function.get("parameters")
        properties = parameters.get("properties") if isinstance(parameters, dict) else None
        if not isinstance(properties, dict) or not properties:
            continue
        total += c.prop_init
        for key, prop in properties.items():
            prop = prop if isinstance(prop, dict) else {}
            total += c.prop_key
            enum = prop.get("enum")
            if isinstance(enum, list):
                total += c.enum_init + sum(c.enum_item + counter.value(item) for item in enum)
            total += counter(f"{key}:{_type_name(prop.get('type'))}:{_strip_period(prop.get('description'))}")
    return total


def _function_of(item: Any) -> dict[str, Any] | None:
    """A tools entry is {"type": "function", "function": {...}}; a functions entry is {...}."""
    if not isinstance(item, dict):
        return None
    inner = item.get("function")
    return inner if isinstance(inner, dict) else item


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else _compact_json(value)


def _strip_period(value: Any) -> str:
    text = _text(value)
    return text[:-1] if text.endswith(".") else text


def _type_name(value: Any) -> str:
    if isinstance(value, list):  # JSON Schema allows ["string", "null"]
        return "|".join(_text(v) for v in value)
    return _text(value)


# --- images -----------------------------------------------------------------------------


def image_tokens(width: int, height: int, detail: str = "auto") -> int:
    """OpenAI's published rule for image input tokens (gpt-4o family, vision guide)."""
    if detail == "low":
        return IMAGE_LOW_DETAIL_TOKENS
    w, h = float(width), float(height)
    fit = min(1.0, 2048 / max(w, h))  # fit within 2048 x 2048
    w, h = w * fit, h * fit
    shrink = min(1.0, 768 / min(w, h))  # then the shortest side to 768 (never enlarged)
    w, h = w * shrink, h * shrink
    return IMAGE_LOW_DETAIL_TOKENS + IMAGE_TILE_TOKENS * math.ceil(w / 512) * math.ceil(h / 512)


def _image_part(image: Any) -> tuple[int, bool]:
    """(tokens, exact) of one image part; its upper bound when the size cannot be read."""
    url, detail = (image, "auto") if isinstance(image, str) else (None, "auto")
    if isinstance(image, dict):
        url, detail = image.get("url"), image.get("detail") or "auto"
    if detail == "low":
        return IMAGE_LOW_DETAIL_TOKENS, True
    size = _data_url_image_size(url) if isinstance(url, str) else None
    if size is None or min(size) < 1:
        return IMAGE_TOKENS_UPPER_BOUND, False
    return image_tokens(*size, detail=detail), True


def _data_url_image_size(url: str) -> tuple[int, int] | None:
    header, sep, payload = url.partition(",")
    if not sep or not header.startswith("data:image/") or not header.endswith(";base64"):
        return None  # a remote URL: we never download
    try:
        data = base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None
    return image_size(data)


# --- the byte shortcut ------------------------------------------------------------------

# What a count adds on top of its strings' bytes, charged to the JSON structure that carries it.
# An object: a message's framing (3, 1 for a name, 1 for a role the format renames), or a
# function definition's (10 with cl100k_base, 1 for the ":" joining name and description), or
# a properties object's 3; an object is only ever one of these.
PER_OBJECT_BOUND = 11
# A key: a property's 3 and the two ":" joining key, type and description, or a message that a
# format writes as a key (Alpaca: framing 3 and its role).
PER_KEY_BOUND = 5
PER_ITEM_BOUND = 3  # an enum item (after "[" or ",")
FIXED_BOUND = REPLY_PRIMING + 12  # the reply priming and the tool definitions' closing
# A number re-serialised (a non-string where text belongs) can outgrow its JSON: 1e15 is
# 1000000000000000.0, 1e999 is Infinity. Only numbers with an exponent grow.
PER_EXPONENT_BOUND = 16
_EXPONENT = re.compile(rb"[0-9][eE]")


def max_tokens_upper_bound(raw: bytes, images: int) -> int:
    """A count no example whose JSON line is ``raw`` exceeds, given its number of ``images``.

    Why it holds: every token of o200k_base and cl100k_base covers at least one byte of UTF-8
    text, so a string never has more tokens than UTF-8 bytes (and the byte estimate, ceil(b/3),
    is smaller still). Every string we count appears in the raw JSON line at least as long
    (escapes only make JSON longer), so the strings' tokens sum to at most the line's length.
    What is added on top (framing, tool definitions' constants) is charged to the structural
    characters ("{", ":", "[", ","), which escapes cannot hide and text only adds to; each
    image costs at most IMAGE_TOKENS_UPPER_BOUND whatever its URL's length.
    """
    return (
        len(raw)
        + FIXED_BOUND
        + PER_OBJECT_BOUND * raw.count(b"{")
        + PER_KEY_BOUND * raw.count(b":")
        + PER_ITEM_BOUND * (raw.count(b"[") + raw.count(b","))
        + PER_EXPONENT_BOUND * len(_EXPONENT.findall(raw))
        + IMAGE_TOKENS_UPPER_BOUND * images
    )


# The most tokens one byte of a line can stand for: a "{" is one byte of text and an object's charges.
MAX_TOKENS_PER_BYTE = 1 + PER_OBJECT_BOUND


def proven_at_most(raw: bytes, images: int, threshold: float) -> bool:
    """Whether the example of JSON line ``raw`` with ``images`` images is proven to count at most
    ``threshold`` tokens without tokenizing: at once when even every byte at its costliest
    stays under it (most lines), else by ``max_tokens_upper_bound``."""
    fixed = FIXED_BOUND + IMAGE_TOKENS_UPPER_BOUND * images
    return len(raw) * MAX_TOKENS_PER_BYTE + fixed <= threshold or max_tokens_upper_bound(raw, images) <= threshold


def counted_images(format_name: str, messages: list[Message]) -> int:
    """How many images ``count_record`` charges for, from the record's messages (formats.Message)."""
    if format_name in _OPENAI_FORMATS:  # as _content counts them: every image_url part
        return sum(
            1
            for message in messages
            if isinstance(message.content, list)
            for part in message.content
            if isinstance(part, dict) and part.get("type") == "image_url"
        )
    return sum(len(message.images) for message in messages)
