"""FT114-FT117: what a provider's own validator rejects beyond the format's schema.

Each rule applies a setting of the provider profile (ft_lint/profiles.toml, with where each
setting was read) of the model the file is checked against, and is silent for a provider whose
profile does not set it (OpenAI's rules are the schemas' own).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ft_lint.findings import Problem, Severity, pointer_of
from ft_lint.formats import Message
from ft_lint.record import Record
from ft_lint.rules import RecordRule, may_mention, shown

_TOOL_WORDS = (b"tool",)  # tool_calls, tool_call_id, the tool role


def _listed_messages(record: Record) -> list[Message]:
    """The messages of the record's `messages` list (a preference record's `input.messages`):
    the conversation a validator walks, not the replies kept apart from it."""
    return [m for m in record.messages if m.path[:1] == ("messages",) or m.path[:2] == ("input", "messages")]


class MixedContentForms(RecordRule):
    """An example whose messages mix string content with lists of content parts.

    Why: Together's validator reads an example either as text-only (every `content` a
    string) or as multimodal (every `content` a list of parts), and rejects one that mixes
    them: "Messages in the conversation must be either all in multimodal or all in
    text-only format" (the `together` SDK 2.14.0, src/together/lib/utils/files.py,
    validate_messages, read 2026-12-07: the last release that checks data before upload;
    later ones leave it to the server, whose rules are not published). A list of text
    parts counts as multimodal even with no image in it.
    OpenAI takes the mix, so this applies only to a model whose provider's profile sets
    `uniform-content` (Together's).

    How it decides: as the validator does, the messages of `messages` (or a preference
    record's `input.messages`) whose content is a non-empty string or list; a message with
    no content, or an empty one (a tool call's), is skipped. The first message sets the
    form; the first one of the other form is reported.

    Example (flagged, for a Together model):
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]},
                      {"role": "assistant", "content": "Hello"}]}
    Fix: write every content of the example the same way: all strings, or all lists of
    parts (`[{"type": "text", "text": "Hello"}]`).
    """

    code = "FT114"
    name = "mixed-content-forms"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        profile = record.profile
        if not profile.uniform_content:
            return
        formed = [m for m in _listed_messages(record) if m.content and isinstance(m.content, (str, list))]
        if not formed:
            return
        first_is_list = isinstance(formed[0].content, list)
        other = next((m for m in formed if isinstance(m.content, list) != first_is_list), None)
        if other is not None:
            forms = ("a string", "a list of parts")
            yield Problem(
                f"{other.label} has {forms[not first_is_list]} as content, but {formed[0].label} has "
                f"{forms[first_is_list]}; {profile.title} takes an example's messages all as strings or all "
                "as lists of parts",
                pointer_of(*other.content_path),
            )


class PreferenceInputEndsWithAssistant(RecordRule):
    """A preference (DPO) example whose input ends with an assistant message.

    Why: Together's validator rejects it: "The last message in the input conversation must
    not be from the assistant" (the `together` SDK 2.14.0, src/together/lib/utils/files.py,
    validate_preference_openai, read 2026-12-07): the two replies compared are the next
    assistant turn, so the input ends with the turn they answer (a user message, or a tool
    result). Applies to a model whose provider's profile sets
    `preference-input-may-end-with-assistant = false` (Together's).

    Example (flagged, for a Together model):
        {"input": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]},
         "preferred_output": [...], "non_preferred_output": [...]}
    Fix: end the input with the user message the replies answer; move the assistant turn
    into the replies, or drop it.
    """

    code = "FT115"
    name = "preference-input-ends-with-assistant"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        profile = record.profile
        if profile.preference_input_may_end_with_assistant or record.format is None:
            return
        if record.format.conversation != "preference":
            return
        inputs = [m for m in record.messages if m.path[:2] == ("input", "messages")]
        if inputs and inputs[-1].role == "assistant":
            yield Problem(
                f"the input ends with an assistant message; {profile.title} needs the input to end with the turn "
                "the preferred and non-preferred replies answer (a user message)",
                inputs[-1].pointer,
            )


class InvalidToolCall(RecordRule):
    """A tool call id, or a called function's name, that the provider's validator rejects.

    Why: mistral-common, Mistral's reference library for its chat format, validates
    fine-tuning data with a mode of its own (ValidationMode.finetuning; validator.py,
    MistralRequestValidatorV3 and later, read 2026-12-07): every tool call id, and every
    tool message's `tool_call_id`, must be 9 letters or digits ("must be a-z, A-Z, 0-9,
    with a length of 9"), so OpenAI's `call_abc123` ids are rejected; only the last
    message's calls may leave the id out. A
    called function's name, and a tool message's `name`, must match ^[a-zA-Z0-9_-]{1,64}$.
    The patterns are the profile's (`tool-call-id-pattern`, `function-name-pattern` in
    ft_lint/profiles.toml); a provider that sets neither is not checked.

    How it decides: ids and names that are not strings are left to the schema rules; an id
    that is missing, or the string "null" (what mistral-common reads a missing id as), is
    reported only outside the last assistant message.

    Example (flagged, for a Mistral model):
        {"role": "assistant", "tool_calls": [{"id": "call_abc123", "type": "function", "function": {...}}]}
    Fix: give each call a 9-character id of letters and digits (`"TX92Jm8Zi"`), the same in
    the tool message that answers it.
    """

    code = "FT116"
    name = "invalid-tool-call"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        profile = record.profile
        ids, names = profile.tool_call_id_pattern, profile.function_name_pattern
        if (ids is None and names is None) or not may_mention(record.raw, _TOOL_WORDS):
            return
        for conversation in record.conversations[:1]:
            last_assistant = max((i for i, m in enumerate(conversation) if m.role == "assistant"), default=-1)
            for position, message in enumerate(conversation):
                if message.role == "assistant":
                    for path, call in _calls(message):
                        call_id = call.get("id", "null")
                        if ids is not None and isinstance(call_id, str):
                            if call_id == "null":
                                if position != last_assistant:
                                    yield Problem(
                                        f"tool call has no id; {profile.title} needs one on every call but the last "
                                        "message's",
                                        pointer_of(*path),
                                    )
                            elif not ids.fullmatch(call_id):
                                yield Problem(
                                    f"tool call id {shown(call_id)} is not taken by {profile.title}: "
                                    f"it must match {ids.pattern}",
                                    pointer_of(*path, "id"),
                                )
                        function = call.get("function")
                        name = function.get("name") if isinstance(function, dict) else None
                        if names is not None and isinstance(name, str) and not names.fullmatch(name):
                            yield Problem(
                                f"called function name {shown(name)} is not taken by {profile.title}: "
                                f"it must match {names.pattern}",
                                pointer_of(*path, "function", "name"),
                            )
                elif message.role == "tool":
                    yield from _tool_message_problems(message, profile.title, ids, names)


def _calls(message: Message) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    calls = message.data.get("tool_calls")
    for i, call in enumerate(calls if isinstance(calls, list) else ()):
        if isinstance(call, dict):
            yield (*message.path, "tool_calls", i), call


def _tool_message_problems(message: Message, title: str, ids: Any, names: Any) -> Iterator[Problem]:
    call_id = message.data.get("tool_call_id")
    if ids is not None:
        if call_id is None:
            yield Problem(f"tool message has no tool_call_id; {title} needs one", message.pointer)
        elif isinstance(call_id, str) and not ids.fullmatch(call_id):
            yield Problem(
                f"tool_call_id {shown(call_id)} is not taken by {title}: it must match {ids.pattern}",
                pointer_of(*message.path, "tool_call_id"),
            )
    name = message.data.get("name")
    if names is not None and isinstance(name, str) and not names.fullmatch(name):
        yield Problem(
            f"tool message name {shown(name)} is not taken by {title}: it must match {names.pattern}",
            pointer_of(*message.path, "name"),
        )


class ContentWithToolCalls(RecordRule):
    """An assistant message that holds both text and tool calls.

    Why: mistral-common rejects it for the models of tokenizer versions v1 to v3:
    "Assistant message must have either content or tool_calls, but not both"
    (src/mistral_common/protocol/instruct/validator.py, _validate_assistant_message, and
    get_validator's mapping of tokenizer versions to validators; mistral-common 1.13.1,
    read 2026-12-07). Every model Mistral's API fine-tuned (open-mistral-7b v0.3,
    mistral-small-2402, codestral-2405, open-mistral-nemo, mistral-large-2407) is one of
    them; tokenizers v7 and later allow both, so a profile for such models would set
    `content-with-tool-calls = true`. OpenAI and Together take both. Applies to a model
    whose provider's profile sets `content-with-tool-calls = false` (Mistral's).

    How it decides: content counts when it is a non-empty string or a non-empty list of
    parts (an empty string or null is no content, as the validator reads it).

    Example (flagged, for a Mistral model):
        {"role": "assistant", "content": "Let me check.", "tool_calls": [{...}]}
    Fix: move the text into its own assistant message, or drop it (`"content": ""`).
    """

    code = "FT117"
    name = "content-with-tool-calls"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        profile = record.profile
        if profile.content_with_tool_calls or not may_mention(record.raw, _TOOL_WORDS):
            return
        for message in _listed_messages(record):
            if message.role == "assistant" and message.data.get("tool_calls") and message.content:
                yield Problem(
                    f"{message.label} has both content and tool calls; {profile.title} takes one or the other: "
                    "move the text to a message of its own, or drop it",
                    message.pointer,
                )
