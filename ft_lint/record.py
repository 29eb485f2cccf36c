"""A parsed record with what rules need to know about it, computed once and on demand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ft_lint.findings import json_type, pointer_of
from ft_lint.formats import Format, Message, Turn, closest_format, text_turns, unique_messages
from ft_lint.profiles import Profile, profile_for

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

    from ft_lint.chat_templates import Rendering
    from ft_lint.local_tokenizer import LocalModel
    from ft_lint.models import Model
    from ft_lint.tokens import TokenCount


@dataclass(frozen=True, slots=True)
class SchemaError:
    code: str  # the narrowest rule that names this error
    pointer: str
    message: str


_Value = TypeVar("_Value")


class computed_once(Generic[_Value]):
    """A property computed on first read and then kept in the instance's __dict__: what
    functools.cached_property does, without the lock Python 3.11's takes on every first read
    (3.12 dropped it), which costs more than most of a record's properties."""

    def __init__(self, compute: Callable[[Any], _Value]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> computed_once[_Value]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _Value: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> computed_once[_Value] | _Value:
        if instance is None:
            return self  # read from the class: the descriptor itself
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass
class Record:
    filename: str
    line: int
    raw: bytes
    value: dict[str, Any]
    format: Format | None
    file_format: Format | None = None  # the format the file as a whole follows
    model: Model | None = None  # the model the record is checked against
    local: LocalModel | None = None  # --tokenizer: the model folder whose template renders the record

    @computed_once
    def schema_errors(self) -> list[SchemaError]:
        if self.format is None:
            return [no_format_error(self.value, self.file_format)]
        if self.format.is_valid(self.value):
            return []
        # Should the engines ever disagree, the fast one's verdict still reaches the user.
        return _errors_of(self.format, self.value) or [
            SchemaError("FT101", "", f"record does not follow the {self.format.name} schema")
        ]

    @computed_once
    def roles_are_valid(self) -> bool:
        """False when a role is missing or not one the format allows: conversation-shape rules
        then stay quiet, since the schema rules already name the cause."""
        return all(m.role for m in self.messages) and not any(error.code == "FT103" for error in self.schema_errors)

    @computed_once
    def conversations(self) -> list[list[Message]]:
        return self.format.conversations(self.value) if self.format else []

    @computed_once
    def messages(self) -> list[Message]:
        """Every message once (a preference record's shared input is not repeated)."""
        return unique_messages(self.conversations)

    @computed_once
    def turns(self) -> list[Turn]:
        return list(text_turns(self.messages))

    @computed_once
    def profile(self) -> Profile:
        """The rules of the model's provider for the record's format (ft_lint/profiles.toml)."""
        return profile_for(self.model, self.format.name if self.format else None)

    @computed_once
    def tokens(self) -> TokenCount | None:
        """The example's tokens as the model's provider counts them (None: no format or model)."""
        if self.format is None or self.model is None:
            return None
        from ft_lint.tokens import count_record

        return count_record(self.value, self.format.name, self.model.encoding, self.model.id)

    @computed_once
    def renderings(self) -> list[Rendering]:
        """Each conversation of the example (a preference pair has two) as the --tokenizer model's
        chat template renders it for training; none without --tokenizer or a format."""
        if self.local is None or self.format is None:
            return []
        from ft_lint.chat_templates import render_conversation

        tools = self.value.get("tools")
        return [
            render_conversation(self.local, conversation, tools) for conversation in self.conversations if conversation
        ]

    @computed_once
    def tokens_at_least(self) -> int | None:
        """A number of tokens the example has no fewer of, found without tokenizing (None: no
        format or model): decides the limits of a text too long to be worth counting."""
        if self.format is None or self.model is None:
            return None
        from ft_lint.tokens import tokens_at_least

        return tokens_at_least(self.value, self.format.name, self.model.encoding)


_ERRORS_SHOWN = 3


def _errors_of(fmt: Format, value: dict[str, Any]) -> list[SchemaError]:
    errors = [error for e in _narrowest_types(fmt.explain(value)) for error in classify(e)]
    return errors + [SchemaError("FT101", pointer_of(*path), message) for path, message in fmt.turn_errors(value)]


def _narrowest_types(errors: list[ValidationError]) -> list[ValidationError]:
    """One type error per place: where two parts of a schema reject the same value's type
    (any message's content, and this role's), the one that allows fewer types."""
    kept: dict[tuple[Any, ...], ValidationError] = {}
    for error in errors:
        if error.validator != "type":
            kept[(id(error),)] = error
            continue
        place = tuple(error.absolute_path)
        if place not in kept or _types_allowed(error) < _types_allowed(kept[place]):
            kept[place] = error
    return list(kept.values())


def _types_allowed(error: ValidationError) -> int:
    return len(error.validator_value) if isinstance(error.validator_value, list) else 1


def no_format_error(value: dict[str, Any], file_format: Format | None) -> SchemaError:
    """One finding for a record that has the keys of no format: the closest format's errors."""
    keys = ", ".join(sorted(value)) or "no keys"
    closest = closest_format(value, file_format)
    errors = [e.message for e in _errors_of(closest, value)]
    shown = "; ".join(errors[:_ERRORS_SHOWN]) + (
        f"; and {len(errors) - _ERRORS_SHOWN} more" if len(errors) > _ERRORS_SHOWN else ""
    )
    return SchemaError(
        "FT101", "", f"record fits no known format (it has {keys}); the closest is {closest.name}: {shown}"
    )


def classify(error: ValidationError) -> list[SchemaError]:
    """Map one python-jsonschema error to the narrowest rule that names it."""
    path = list(error.absolute_path)
    pointer = pointer_of(*path)
    last = path[-1] if path else None
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        schema: Any = error.schema  # an object's schema, and the object (an error the validator made has them)
        instance: Any = error.instance
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(set(instance) - set(allowed))
        return [
            SchemaError(
                "FT102",
                pointer_of(*path, key),
                f"unknown key {key!r} in {_describe(path)}; allowed keys: {', '.join(allowed)}",
            )
            for key in extra
        ]
    if _is_missing_content(error, last):
        return [
            SchemaError("FT201", pointer_of(*path, "content") if last != "content" else pointer, "")
        ]  # FT201 words it
    if last in ("role", "from") and error.validator in ("enum", "const"):
        return [SchemaError("FT103", pointer, _role_message(error))]
    if (
        error.validator == "not" and error.validator_value == {}
    ):  # $defs/forbidden: a key not allowed for this role or part type
        return [SchemaError(_code_for_key(path), pointer, f"{last!r} is not allowed in {_describe(path[:-1])}")]
    if last == "weight":
        return [SchemaError("FT108", pointer, f"weight must be 0 or 1, not {error.instance!r}")]
    if last == "arguments":
        return [
            SchemaError(
                "FT111",
                pointer,
                f"tool call arguments must be a JSON-encoded string (json.dumps), not {json_type(error.instance)}",
            )
        ]
    message = (
        _name_message(error.instance)
        if last == "name" and error.validator == "pattern"
        else f"{_describe(path)}: {_error_text(error)}"
        if path
        else _error_text(error)
    )
    if (path and path[0] in ("tools", "functions")) or path[:2] == ["input", "tools"]:
        return [SchemaError("FT112", pointer, message)]
    return [SchemaError("FT101", pointer, message)]


def _is_missing_content(error: ValidationError, last: object) -> bool:
    """A message whose content is missing or null: FT201 (empty-content) reports it."""
    if error.validator == "type" and last == "content":
        return error.instance is None
    return error.validator == "required" and error.message == f"{'content'!r} is a required property"


# Roles of other formats, and the OpenAI role each one means.
_ROLE_ALIASES = {
    "human": "user",
    "prompter": "user",
    "model": "assistant",
    "bot": "assistant",
    "gpt": "assistant",
    "ai": "assistant",
    "chatbot": "assistant",
}


def _role_message(error: ValidationError) -> str:
    value: Any = error.validator_value  # the enum's values, or the const's value
    allowed = value if error.validator == "enum" else [value]
    alias = _ROLE_ALIASES.get(error.instance.lower()) if isinstance(error.instance, str) else None
    if alias in allowed:
        return f"role {error.instance!r} is not allowed here; use {alias!r} (allowed: {', '.join(allowed)})"
    return f"role {error.instance!r} is not allowed here; use one of: {', '.join(map(str, allowed))}"


def _name_message(name: object) -> str:
    return f"name {name!r} is not allowed: use 1 to 64 letters, digits, '_' or '-' (no spaces, dots or newlines)"


_LONG_VALUE = 60


def _error_text(error: ValidationError) -> str:
    """python-jsonschema's message, with a long offending value named by its type instead."""
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"must be {' or '.join(map(str, expected))}, not {json_type(error.instance)}"
    shown = repr(error.instance)
    if len(shown) > _LONG_VALUE and error.message.startswith(shown):
        return json_type(error.instance) + error.message[len(shown) :]
    return error.message


def _code_for_key(path: list[str | int]) -> str:
    return "FT108" if path and path[-1] == "weight" else "FT102"


_MESSAGE_LISTS = ("messages", "contents", "conversations")
_REPLY_LISTS = ("preferred_output", "non_preferred_output", "chosen", "rejected", "prompt", "completion")


def _describe(path: list[str | int]) -> str:
    """A human name for a place in a record: 'message 3', 'the record', 'tools 0'."""
    if not path:
        return "the record"
    for i in range(len(path) - 1, -1, -1):
        if isinstance(path[i], int) and i > 0 and path[i - 1] in _MESSAGE_LISTS + _REPLY_LISTS:
            where = f"message {path[i]}" if path[i - 1] in _MESSAGE_LISTS else str(path[i - 1])
            rest = [str(p) for p in path[i + 1 :]]
            return where + (f" ({'/'.join(rest)})" if rest else "")
    return "/".join(str(p) for p in path)
