"""The format catalog: one JSON Schema per format in ``schemas/``, plus how to read its turns.

The schemas are the single source of truth for what a record of each format may hold;
this module only loads them, detects which one a record follows, validates records
(jsonschema-rs on the hot path, python-jsonschema for readable error messages), and
maps a record to the conversation turns that the content rules inspect.

Each schema's ``x-ft-lint`` block says what JSON Schema cannot:

- ``format``: the format's name; ``conversation``: the adapter that reads its messages;
- ``roles``: the format's role names mapped to ours (``{"model": "assistant"}``);
- ``priority``: which format wins when a record is valid in several (higher wins);
- ``detect-keys``: the keys that make a record a candidate (default: the schema's ``required``);
- ``final-turn``: ``"answer"`` (default: the record ends with the reply the model learns),
  ``"prompt"`` (reinforcement fine-tuning: it ends with the prompt the model answers) or
  ``"either"`` (distillation prompts: another model writes the answer, one may be given);
- ``evidence``: a JSON Schema that only this format's records match among the candidates
  (OpenAI's tool_call_id), so detection reads such a record as this format even when invalid;
- ``images``: the image types, URL schemes and limits the provider takes;
- ``used-by``: who trains on the format, where no model in ``models.toml`` lists it.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import functools
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from importlib import resources
from itertools import islice, takewhile
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from ft_lint.findings import pointer_of
from ft_lint.reader import Kind, read_entries

if TYPE_CHECKING:
    import jsonschema
    import jsonschema_rs
    import referencing
    from jsonschema.exceptions import ValidationError

JsonPath = tuple[str | int, ...]  # where a value sits in a record: keys and list indexes

SCHEMA_SUFFIX = ".schema.json"
MESSAGE_LISTS = ("messages", "contents", "conversations")  # the keys that hold a record's messages
CONVERSATIONAL_ROLES = ("system", "developer", "user", "assistant", "tool", "function")


@dataclass(frozen=True, slots=True)
class Image:
    """An image a message refers to, as the record writes it (never downloaded)."""

    path: JsonPath  # where the URL or the base64 data sits in the record
    url: str | None = None  # a URL (https:, gs:, s3:) or an RFC 2397 data: URL
    data: str | None = None  # base64 image bytes, where the format keeps them apart from a URL
    media_type: str | None = None  # the type the record declares apart from the data ("image/png")
    detail: str = "auto"  # OpenAI's detail level: low, high or auto

    @property
    def pointer(self) -> str:
        return pointer_of(*self.path)

    def inline(self) -> tuple[str | None, str] | None:
        """(declared media type, base64 payload) of an embedded image; None for a remote one."""
        if self.data is not None:
            return self.media_type, self.data
        if self.url is None or not self.url.startswith("data:"):
            return None
        header, _, payload = self.url.partition(",")
        declared = header[len("data:") :].split(";")[0].lower() or None
        return declared, payload

    def decoded(self) -> bytes | None:
        """The image's bytes, for an embedded image whose base64 is valid; else None."""
        inline = self.inline()
        if inline is None:
            return None
        try:
            return base64.b64decode(inline[1], validate=True)
        except (binascii.Error, ValueError):
            return None


# Message and Turn are not frozen (nothing changes them once made): a frozen dataclass's
# __init__ costs ~0.8 µs more, and every record makes one per message and per text.
@dataclass(slots=True)
class Message:
    """One message of a conversation, its role normalised, with where it sits in the record."""

    role: str  # system, developer, user, assistant, tool, function ('' when missing; unknown roles as written)
    data: dict[str, Any]  # the message object as written (for formats without one, a synthetic {"content": ...})
    path: JsonPath  # path of the message inside the record
    content_path: JsonPath  # path of its content
    content: Any = None  # the content as written: a string, or a list of parts with "text" keys
    calls_tools: bool = False  # the message is (or holds) a tool or function call
    images: tuple[Image, ...] = ()
    verbatim: bool = False  # plain text joined as is, with no chat template: its whitespace is meaningful
    texts: tuple[tuple[JsonPath, Any], ...] = ()  # (path, text) of each piece, where the text is not all in `content`

    @property
    def pointer(self) -> str:
        return pointer_of(*self.path)

    @property
    def label(self) -> str:
        """How findings name it: 'assistant message 2', 'user message 0 of input',
        'assistant message of preferred_output', 'completion'."""
        role = f"{self.role or 'role-less'} message"
        match self.path:
            case (str() as holder, int() as index) if holder in MESSAGE_LISTS:
                return f"{role} {index}"
            case (str() as holder, "messages", int() as index):
                return f"{role} {index} of {holder}"
            case (str() as holder, int()):
                return f"{role} of {holder}"
            case (str() as field,):
                return field
            case _:
                return f"{role} at {self.pointer or 'the record'}"

    @property
    def trained(self) -> bool:
        return self.role == "assistant" and self.data.get("weight", 1) != 0


@dataclass(slots=True)
class Turn:
    """One piece of text of a message: what the content rules inspect."""

    message: Message
    text: str | None  # None where the message has no text content
    path: JsonPath  # path of the text (of the content where text is None)

    @property
    def pointer(self) -> str:
        """JSON Pointer of the text; computed only for the few turns that get a finding."""
        return pointer_of(*self.path)

    @property
    def role(self) -> str:
        return self.message.role


@dataclass(frozen=True)
class Format:
    name: str
    title: str
    description: str
    schema_file: str
    schema: dict[str, Any] = field(repr=False)
    required_keys: frozenset[str] = frozenset()
    conversation: str = ""
    detect_keys: frozenset[str] = frozenset()
    priority: int = 0
    final_turn: str = "answer"
    roles: tuple[tuple[str, str], ...] = ()
    image_types: tuple[str, ...] = ()  # e.g. ("jpeg", "png", "webp")
    image_url_schemes: tuple[str, ...] = ()  # e.g. ("https",)
    max_images: int | None = None  # per example, as the provider documents it
    max_image_bytes: int | None = None
    used_by: tuple[str, ...] = ()
    evidence: dict[str, Any] | None = field(default=None, repr=False)  # a JSON Schema only this format's records match
    _role_map: dict[str, str] = field(init=False, repr=False, compare=False)  # set by __post_init__

    def __post_init__(self) -> None:
        # A plain attribute, not a cached_property: role() runs for every message of every record.
        object.__setattr__(self, "_role_map", dict(self.roles))

    @functools.cached_property
    def _fast_validator(self) -> jsonschema_rs.Validator:
        import jsonschema_rs

        return jsonschema_rs.validator_for(self.schema, registry=_rs_registry())

    @functools.cached_property
    def _explaining_validator(self) -> jsonschema.Draft202012Validator:
        import jsonschema

        return jsonschema.Draft202012Validator(self.schema, registry=_py_registry())

    @functools.cached_property
    def properties(self) -> frozenset[str]:
        """The top-level keys the schema names."""
        return frozenset(self.schema.get("properties", {}))

    @property
    def has_turns(self) -> bool:
        """Records are turns of a conversation (generic text is one trained text: no prompt, no
        roles; tokenized records are token ids)."""
        return self.conversation not in ("text", "tokens")

    @property
    def ends_with_prompt(self) -> bool:
        """Records end with the prompt the model answers (nothing in the record is the reply)."""
        return self.final_turn == "prompt"

    @property
    def answer_optional(self) -> bool:
        """A record needs no reply: the prompts of RFT or of distillation (the teacher answers)."""
        return self.final_turn in ("prompt", "either")

    def role(self, written: Any) -> str:
        """Our name for a role as the format writes it ('' when it is not a string)."""
        return self._role_map.get(written, written) if isinstance(written, str) else ""

    def is_valid(self, value: Any) -> bool:
        return self._fast_validator.is_valid(value) and not self.turn_errors(value)

    def error_count(self, value: Any) -> int:
        """How many errors the schema finds (fast: used to rank formats, not to report)."""
        return sum(1 for _ in self._fast_validator.iter_errors(value)) + len(self.turn_errors(value))

    def explain(self, value: Any) -> list[ValidationError]:
        """python-jsonschema's errors for an invalid record (slow; only called when invalid)."""
        return sorted(self._explaining_validator.iter_errors(value), key=lambda e: list(e.absolute_path))

    def turn_errors(self, value: Any) -> list[tuple[JsonPath, str]]:
        """What the schema cannot say about the order of turns: (path, message) pairs."""
        if not self.ends_with_prompt or not isinstance(value, dict):
            return []
        return [
            (
                conversation[-1].path,
                f"the last message is an assistant message; a {self.name} example ends with the prompt "
                "the model answers (a user or tool message)",
            )
            for conversation in self.conversations(value)
            if conversation and conversation[-1].role == "assistant"
        ]

    def fits_keys(self, value: dict[str, Any]) -> bool:
        return self.detect_keys <= value.keys()

    @functools.cached_property
    def _evidence_validator(self) -> jsonschema_rs.Validator | None:
        import jsonschema_rs

        return jsonschema_rs.validator_for(self.evidence) if self.evidence else None

    def shows_evidence(self, value: dict[str, Any]) -> bool:
        """The record has what only this format's records have (x-ft-lint `evidence`)."""
        return self._evidence_validator is not None and self._evidence_validator.is_valid(value)

    def conversations(self, value: dict[str, Any]) -> list[list[Message]]:
        """The record's conversations in order (a preference record has two: one per reply)."""
        return _ADAPTERS[self.conversation](value, self)


def _schema_texts() -> Iterator[tuple[str, str]]:
    folder = resources.files("ft_lint.schemas")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(SCHEMA_SUFFIX):
            yield entry.name, entry.read_text(encoding="utf-8")


@functools.cache
def all_formats() -> dict[str, Format]:
    formats = {}
    for filename, text in _schema_texts():
        schema = json.loads(text)
        meta = schema["x-ft-lint"]
        images = meta.get("images", {})
        required = frozenset(schema.get("required", ()))
        formats[meta["format"]] = Format(
            name=meta["format"],
            title=schema["title"],
            description=schema["description"],
            schema_file=filename,
            schema=schema,
            required_keys=required,
            conversation=meta["conversation"],
            detect_keys=frozenset(meta.get("detect-keys", required)),
            priority=meta.get("priority", 0),
            final_turn=meta.get("final-turn", "answer"),
            roles=tuple(sorted(meta.get("roles", {}).items())),
            image_types=tuple(images.get("types", ())),
            image_url_schemes=tuple(images.get("url-schemes", ())),
            max_images=images.get("max-per-example"),
            max_image_bytes=images.get("max-bytes"),
            used_by=tuple(meta.get("used-by", ())),
            evidence=meta.get("evidence"),
        )
    return formats


@functools.cache
def _schemas_by_id() -> dict[str, dict[str, Any]]:
    return {f.schema["$id"]: f.schema for f in all_formats().values()}


@functools.cache
def _rs_registry() -> jsonschema_rs.Registry:
    import jsonschema_rs

    return jsonschema_rs.Registry(list(_schemas_by_id().items()))


@functools.cache
def _py_registry() -> referencing.Registry[Any]:
    import referencing

    resources_ = [(uri, referencing.Resource.from_contents(s)) for uri, s in _schemas_by_id().items()]
    return referencing.Registry().with_resources(resources_)


def detect(value: dict[str, Any], preferred: Format | None = None) -> Format | None:
    """The format a record follows, or None when no format's keys fit.

    The file's format (`preferred`) wins whenever the record has its keys, so one bad
    record is reported against the file's format rather than called another format;
    unless the record also has every key another format requires beyond those (a Bedrock
    record's schemaVersion in an OpenAI chat file). Otherwise: among the formats whose
    keys the record has, those it shows evidence of (a tool message with a tool_call_id is
    OpenAI chat, valid or not), then a valid one first (the highest priority among several),
    else the one with the fewest schema errors.
    """
    if (
        preferred is not None
        and preferred.fits_keys(value)
        and not any(keys <= value.keys() for keys in _wider_key_sets(preferred.name))
    ):
        return preferred
    candidates = [f for f in all_formats().values() if f.fits_keys(value)]
    candidates = [f for f in candidates if f.shows_evidence(value)] or candidates
    if len(candidates) < 2:
        return candidates[0] if candidates else None
    valid = [f for f in candidates if f.is_valid(value)]
    if valid:
        return max(valid, key=lambda f: f.priority)
    return min(candidates, key=lambda f: (f.error_count(value), -f.priority))


@functools.cache
def _wider_key_sets(name: str) -> list[frozenset[str]]:
    """The required keys of the formats that require all of this format's and more."""
    narrow = all_formats()[name].required_keys
    return [f.required_keys for f in all_formats().values() if f.required_keys > narrow]


def closest_format(value: dict[str, Any], preferred: Format | None = None) -> Format:
    """The format a record that fits none comes closest to: the one whose keys it names most
    (a misspelt key counts), then the file's format, then the higher priority. Decided by the
    keys alone (not by counting schema errors, which costs a millisecond per record on large
    records), so once per shape of record."""
    return all_formats()[_closest_for_keys(frozenset(value), preferred.name if preferred else None)]


@functools.lru_cache(maxsize=1024)
def _closest_for_keys(keys: frozenset[str], preferred: str | None) -> str:
    def rank(fmt: Format) -> tuple[int, bool, int, str]:
        named = sum(
            1
            for key in keys
            if key in fmt.properties or difflib.get_close_matches(key, fmt.properties, n=1, cutoff=0.8)
        )
        return (-named, fmt.name != preferred, -fmt.priority, fmt.name)

    return min(all_formats().values(), key=rank).name


def providers_of(fmt: Format) -> list[str]:
    """The providers whose models in the model table train on this format."""
    from ft_lint.models import load_models

    return sorted({model.provider for model in load_models().values() if fmt.name in model.formats})


# --- conversation adapters: record -> conversations ----------------------------------------


def unique_messages(conversations: list[list[Message]]) -> list[Message]:
    """Every message of a record once (a preference record's shared prompt is in both conversations)."""
    if len(conversations) == 1:
        return list(conversations[0])  # the messages of one conversation are at different paths
    seen: dict[JsonPath, Message] = {}
    for conversation in conversations:
        for message in conversation:
            seen.setdefault(message.path, message)
    return list(seen.values())


def text_turns(messages: list[Message]) -> Iterator[Turn]:
    for message in messages:
        if message.texts:
            for path, text in message.texts:
                yield Turn(message, text if isinstance(text, str) else None, path)
            continue
        content = message.content
        if isinstance(content, list):
            parts = [
                (j, p["text"]) for j, p in enumerate(content) if isinstance(p, dict) and isinstance(p.get("text"), str)
            ]
            for j, text in parts:
                yield Turn(message, text, (*message.content_path, j, "text"))
            if parts:
                continue
        yield Turn(message, content if isinstance(content, str) else None, message.content_path)


def as_list(value: Any) -> list[Any]:
    """The value if it is a JSON array, else [] (records are read as written, whatever the types)."""
    return value if isinstance(value, list) else []


SHARED_PATHS = 256  # items of a list whose paths every record shares


def _item_paths(base: JsonPath, content_key: str, count: int) -> list[tuple[JsonPath, JsonPath]]:
    """(path, path of its content) of the first `count` items of the list at `base`. Records put
    their messages at the same few paths, so the first SHARED_PATHS are made once and shared:
    two tuples less to make per message, and fewer objects for the garbage collector to scan."""
    shared = _shared_item_paths(base, content_key)
    if count <= SHARED_PATHS:
        return shared[:count]
    return shared + [((*base, i), (*base, i, content_key)) for i in range(SHARED_PATHS, count)]


@functools.cache
def _shared_item_paths(base: JsonPath, content_key: str) -> list[tuple[JsonPath, JsonPath]]:
    return [((*base, i), (*base, i, content_key)) for i in range(SHARED_PATHS)]


# OpenAI-style messages: {"role", "content", "tool_calls", ...}; TRL and Vertex chat share the shape.


def _openai_images(content: Any, base: JsonPath) -> Iterator[Image]:
    for j, part in enumerate(as_list(content)):
        if isinstance(part, dict) and part.get("type") == "image_url" and isinstance(part.get("image_url"), dict):
            url, detail = part["image_url"].get("url"), part["image_url"].get("detail")
            yield Image(
                (*base, j, "image_url", "url"),
                url=url if isinstance(url, str) else None,
                detail=detail if isinstance(detail, str) else "auto",
            )
        elif isinstance(part, dict) and part.get("type") == "image":  # TRL: the image itself is in an `images` column
            yield Image((*base, j))


def _messages(fmt: Format, items: Any, base: JsonPath) -> list[Message]:
    """The messages of a list of message objects, made in one loop (a call per message would cost a fifth more)."""
    items = as_list(items)
    messages = []
    for data, (path, content_path) in zip(items, _item_paths(base, "content", len(items)), strict=True):
        if isinstance(data, dict):
            content = data.get("content")
            images = tuple(_openai_images(content, content_path)) if isinstance(content, list) else ()
            calls_tools = bool(data.get("tool_calls") or data.get("function_call"))
            messages.append(Message(fmt.role(data.get("role")), data, path, content_path, content, calls_tools, images))
    return messages


def _chat(value: dict[str, Any], fmt: Format) -> list[list[Message]]:
    return [_messages(fmt, value.get("messages"), ("messages",))]


def _preference(value: dict[str, Any], fmt: Format) -> list[list[Message]]:
    source = value.get("input")
    prefix = _messages(fmt, source.get("messages") if isinstance(source, dict) else None, ("input", "messages"))
    return [prefix + _messages(fmt, value.get(key), (key,)) for key in ("preferred_output", "non_preferred_output")]


def _field_message(role: str, text: Any, path: JsonPath, **flags: Any) -> Message:
    """A message that is a field of the record (a string) rather than an object of its own."""
    return Message(role, {"content": text}, path, path, text, **flags)


def _system_field(value: dict[str, Any]) -> list[Message]:
    """The system prompt that Bedrock, ShareGPT and Alpaca records keep in a top-level `system`."""
    return [_field_message("system", value["system"], ("system",))] if "system" in value else []


def _text_or_messages(fmt: Format, value: Any, key: str, role: str) -> list[Message]:
    """A prompt, completion, chosen or rejected field: plain text (one message) or a message list."""
    if isinstance(value, list):
        return _messages(fmt, value, (key,))
    return [_field_message(role, value, (key,), verbatim=True)]


def _prompt_completion(value: dict[str, Any], fmt: Format) -> list[list[Message]]:
    if not {"prompt", "completion"} <= value.keys():
        return []  # not a conversation (a format forced on another): the schema error names the missing key
    return [
        _text_or_messages(fmt, value.get("prompt"), "prompt", "user")
        + _text_or_messages(fmt, value.get("completion"), "completion", "assistant")
    ]


def _trl_preference(value: dict[str, Any], fmt: Format) -> list[list[Message]]:
    if "prompt" in value:
        prompt = _text_or_messages(fmt, value["prompt"], "prompt", "user")
    elif isinstance(value.get("chosen"), str):
        # An implicit prompt in plain text: it is the shared start of both texts, so it has no
        # place of its own; this stand-in user message (the whole record, no text) says it exists.
        prompt = [Message("user", {}, (), ())]
    else:
        prompt = []  # implicit prompt in conversations: the user turns are inside chosen and rejected
    return [prompt + _text_or_messages(fmt, value.get(key), key, "assistant") for key in ("chosen", "rejected")]


# Google Vertex AI Gemini: {"systemInstruction": {"parts": [...]}, "contents": [{"role", "parts"}]}.


def _blocks_holding(blocks: Any, key: str) -> tuple[bool, bool]:
    """Whether any, and whether all, of a list of content blocks (parts) hold `key`."""
    found = [key in block for block in as_list(blocks) if isinstance(block, dict)]
    return any(found), bool(found) and all(found)


def _gemini_message(fmt: Format, data: dict[str, Any], path: JsonPath, parts_path: JsonPath, role: str) -> Message:
    parts = data.get("parts")
    if _blocks_holding(parts, "functionResponse")[1]:
        role = "tool"  # Gemini returns function results in a user turn; they answer the call before
    return Message(
        role=role,
        data=data,
        path=path,
        content_path=parts_path,
        content=parts,
        calls_tools=_blocks_holding(parts, "functionCall")[0],
        images=tuple(_gemini_images(parts, parts_path)),
    )


def _gemini_images(parts: Any, base: JsonPath) -> Iterator[Image]:
    for j, part in enumerate(as_list(parts)):
        inline = part.get("inlineData") if isinstance(part, dict) else None
        remote = part.get("fileData") if isinstance(part, dict) else None
        if _is_image_blob(inline):
            data = inline.get("data")
            yield Image(
                (*base, j, "inlineData", "data"),
                data=data if isinstance(data, str) else None,
                media_type=inline["mimeType"],
            )
        elif _is_image_blob(remote):
            uri = remote.get("fileUri")
            yield Image(
                (*base, j, "fileData", "fileUri"),
                url=uri if isinstance(uri, str) else None,
                media_type=remote["mimeType"],
            )


def _is_image_blob(blob: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(blob, dict) and isinstance(blob.get("mimeType"), str) and blob["mimeType"].startswith("image/")


def _gemini(value: dict[str, Any], fmt: Format) -> list[list[Message]]:
    conversation = []
    system = value.get("systemInstruction")
    if isinstance(system, dict):
        conversation.append(
            _gemini_message(fmt, system, ("systemInstruction",), ("systemInstruction", "parts"), "system")
        )
    contents = as_list(value.get("contents"))
    for data, paths in zip(contents, _item_paths(("contents",), "parts", len(contents)), strict=True):
        if isinstance(data, dict):
            conversation.append(_gemini_message(fmt, data, *paths, fmt.role(data.get("role"))))
    return [conversation]


# Amazon Bedrock conversation: {"schemaVersion", "system": [{"text"}], "messages": [{"role", "content": [blocks]}]}.

_BEDROCK_MEDIA = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


def _bedrock_message(fmt: Format, data: dict[str, Any], path: JsonPath, content_path: JsonPath) -> Message:
    blocks = data.get("content")
    role = (
        "tool" if _blocks_holding(blocks, "toolResult")[1] else fmt.role(data.get("role"))
    )  # tool results come in a user turn
    calls_tools = _blocks_holding(blocks, "toolUse")[0]
    return Message(
        role,
        data,
        path,
        content_path,
        blocks,
        calls_tools=calls_tools,
        images=tuple(_bedrock_images(blocks, content_path)),
    )


def _bedrock_images(blocks: Any, base: JsonPath) -> Iterator[Image]:
    for j, block in enumerate(as_list(blocks)):
        image = block.get("image") if isinstance(block, dict) else None
        if not isinstance(image, dict):
            continue
        written = image.get("format")
        media_type = _BEDROCK_MEDIA.get(written, f"image/{written}") if isinstance(written, str) else None
        source = image.get("source")
        source = source if isinstance(source, dict) else {}
        location = source.get("s3Location")
        location = location if isinstance(location, dict) else {}
        if isinstance(source.get("bytes"), str):
            yield Image((*base, j, "image", "source", "bytes"), data=source["bytes"], media_type=media_type)
        elif isinstance(location.get("uri"), str):
            yield Image((*base, j, "image", "source", "s3Location", "uri"), url=location["uri"], media_type=media_type)
        else:
            yield Image((*base, j, "image"))  # no source: a schema error; it still counts as an image


def _bedrock(value: dict[str, Any], fmt: Format) -> list[list[Message]]:
    conversation = _system_field(value)
    messages = as_list(value.get("messages"))
    for data, paths in zip(messages, _item_paths(("messages",), "content", len(messages)), strict=True):
        if isinstance(data, dict):
            conversation.append(_bedrock_message(fmt, data, *paths))
    return [conversation]


# ShareGPT: {"conversations": [{"from", "value"}], "system": "...", "tools": "..."}.


def _sharegpt(value: dict[str, Any], fmt: Format) -> list[list[Message]]:
    conversation = _system_field(value)
    turns = as_list(value.get("conversations"))
    for data, (path, value_path) in zip(turns, _item_paths(("conversations",), "value", len(turns)), strict=True):
        if isinstance(data, dict):
            written = data.get("from")
            conversation.append(
                Message(
                    fmt.role(written), data, path, value_path, data.get("value"), calls_tools=written == "function_call"
                )
            )
    return [conversation]


# Alpaca: {"system", "history": [[instruction, response], ...], "instruction", "input", "output"}.


def _text(value: dict[str, Any], fmt: Format) -> list[list[Message]]:
    """Generic text: the whole text is trained, as one reply with no prompt."""
    return [[_field_message("assistant", value.get("text"), ("text",), verbatim=True)]]


def _alpaca(value: dict[str, Any], fmt: Format) -> list[list[Message]]:
    conversation = _system_field(value)
    for k, pair in enumerate(as_list(value.get("history"))):
        for j, role in enumerate(("user", "assistant")):
            conversation.append(
                _field_message(role, pair[j] if isinstance(pair, list) and len(pair) > j else None, ("history", k, j))
            )
    # The user turn is the instruction, then the input when there is one (joined by a newline).
    instruction = value.get("instruction")
    texts = ((("instruction",), instruction), (("input",), value["input"])) if value.get("input", "") != "" else ()
    conversation.append(_field_message("user", instruction, ("instruction",), texts=texts))
    conversation.append(_field_message("assistant", value.get("output"), ("output",)))
    return [conversation]


_ADAPTERS: dict[str, Callable[[dict[str, Any], Format], list[list[Message]]]] = {
    "messages": _chat,
    "preference": _preference,
    "prompt-completion": _prompt_completion,
    "trl-preference": _trl_preference,
    "gemini-contents": _gemini,
    "bedrock": _bedrock,
    "sharegpt": _sharegpt,
    "alpaca": _alpaca,
    "text": _text,
    "tokens": lambda value, fmt: [],  # token ids: no text, no turns (FT124 and FT125 check them)
}


SNIFF_RECORDS = 50
SNIFF_ENTRIES = 1000  # lines read at most while sniffing, so a file of broken lines stays cheap


def sniff_format(path: Path, targets: Collection[str] | None = None) -> Format | None:
    """The format of a file: the one most of its first records are detected as (see
    `formats.detect`), the higher priority on a tie. Not the one most records are valid in:
    a permissive format (TRL's) would then win every file of a strict one (OpenAI's) and
    hide its errors. With `targets` (the formats the chosen model trains on), one of those
    wins whenever the records would be read as it in a file of it (they have its keys and no
    other format's wider ones), so the file is checked against what the model takes; a file
    of another format (Bedrock records, with their schemaVersion, for an OpenAI model) stays
    that format, for FT305 to report.
    """
    first_entries = takewhile(
        lambda entry: entry.kind is not Kind.TOO_LONG, islice(read_entries(path), SNIFF_ENTRIES)
    )  # not past a line too long to read
    records = [entry.value for entry in first_entries if entry.kind is Kind.RECORD][:SNIFF_RECORDS]
    formats = all_formats()
    votes: Counter[str] = Counter(found.name for value in records if (found := detect(value)) is not None)
    fitting: Counter[str] = Counter(
        name for value in records for name in targets or () if detect(value, formats[name]) is formats[name]
    )
    names = list(fitting or votes)
    if not names:
        return None
    return max((formats[name] for name in names), key=lambda f: (votes[f.name], fitting[f.name], f.priority))
