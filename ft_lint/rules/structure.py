"""FT1xx: the structure of a record: schema, keys, roles, turns, weights, tools, images."""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterator
from typing import Any

from ft_lint.findings import Problem, Severity, json_type, pointer_of
from ft_lint.formats import JsonPath, Message, as_list
from ft_lint.record import Record, no_format_error
from ft_lint.rules import FileRule, FileSummary, RecordRule, SchemaRule, may_mention, shown

# Every tool key of every format (tool_calls, tool_call_id, tools, toolUse, function_call,
# functions, functionCall, ...) and every tool role starts with one of these words.
_TOOL_WORDS = (b"tool", b"function")


class SchemaViolation(SchemaRule, FileRule):
    """Anything the format's JSON Schema rejects that no narrower rule names.

    Why: the provider validates every record against the same rules and rejects the
    whole file, naming only the first bad line. The schema files in `schemas/` are
    the single source of truth; `ft-lint formats` lists them. A file in which no
    record is of a known format gets one finding, not one per record.

    Example (flagged):
        {"messages": [{"role": "user", "content": 42}]}
    Fix: make the value the type the schema asks for (here a string).
    """

    code = "FT101"
    name = "schema-violation"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        if record.format is None and record.file_format is None:
            return  # the file is of no known format: check_file reports it once
        yield from super().check_record(record)

    def check_file(self, summary: FileSummary) -> Iterator[Problem]:
        if summary.format is not None or summary.first_unrecognised is None:
            return
        line, value = summary.first_unrecognised
        first = no_format_error(value, None).message
        count = summary.unrecognised_records
        if count > 1:
            which = (
                f"none of the {count} records matches a known format"
                if count == summary.records
                else f"{count} of the {summary.records} records match no known format"
            )
            first = f"{which} (see `ft-lint formats`, or force one with --format); the first: {first}"
        yield Problem(first, line=line)


class UnknownKey(SchemaRule):
    """A key the format does not allow, or a top-level key the provider does not take.

    Why: providers reject unknown keys ("Extra inputs are not permitted"); a misspelt
    key (`"contnet"`) also means the value you meant is missing. Some providers take fewer
    top-level keys than the format's schema allows: Together's validator takes only
    `messages` and `tools` in chat data (no `parallel_tool_calls`, no `functions`) and
    rejects any other column ("Found extra column", the `together` SDK 2.14.0's check;
    its data guide says other fields are ignored, and later SDKs leave the check to the
    server, whose rules are not published: an error, as the last published check made it).
    Which keys a provider takes comes from its profile (`top-level-keys` in
    ft_lint/profiles.toml, with its source), chosen by the model the file is checked against.

    Example (flagged):
        {"messages": [{"role": "user", "content": "hi", "id": 7}, ...]}
        {"messages": [...], "parallel_tool_calls": false}   (for a Together model)
    Fix: remove the key, or keep such metadata in a separate file.
    """

    code = "FT102"
    name = "unknown-key"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        yield from super().check_record(record)
        profile = record.profile
        allowed = profile.top_level_keys.get(record.format.name) if record.format else None
        if allowed is None or record.format is None:
            return
        for key in record.value:
            if key in record.format.properties and key not in allowed:  # keys outside the schema: reported above
                yield Problem(
                    f"{profile.title} does not take the key {key!r} in {record.format.name} data; "
                    f"it takes only {', '.join(sorted(allowed))}",
                    pointer_of(key),
                )


class InvalidRole(SchemaRule):
    """A role the format does not allow.

    Why: each format names its roles: OpenAI chat data takes system, developer, user,
    assistant, tool (and function for the deprecated function calling); Vertex AI takes
    user and model; ShareGPT's `from` takes human, gpt, system, function_call and
    observation. A role from another format is rejected, or the turn is dropped.

    Example (flagged, in OpenAI chat data):
        {"role": "bot", "content": "Hello"}
    Fix: map the role (`bot` -> `assistant`, `human` -> `user`, `model` -> `assistant`).
    """

    code = "FT103"
    name = "invalid-role"
    severity = Severity.ERROR


class NoAssistantMessage(RecordRule):
    """A conversation with no assistant message: nothing to train on.

    Why: fine-tuning learns only from assistant messages; an example without one costs
    tokens and teaches nothing (OpenAI rejects it).

    Example (flagged):
        {"messages": [{"role": "user", "content": "What is 2+2?"}]}
    Fix: add the assistant's reply, or drop the example.
    """

    code = "FT104"
    name = "no-assistant-message"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        if _answer_optional(record):
            return
        for conversation in _checked_conversations(record):
            if conversation and not any(m.role == "assistant" for m in conversation):
                yield Problem(
                    "conversation has no assistant message, so there is nothing to train on",
                    _messages_pointer(conversation),
                )


class NoUserMessage(RecordRule):
    """A conversation with no user message.

    Why: a model trained on answers to no question learns to talk unprompted; this is
    usually a conversion bug (the user turns were dropped or mapped to another role).

    Not for generic text ({"text": ...}): it has no turns, and all of it is trained.

    Example (flagged):
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "OK."}]}
    Fix: add the user turn the answer responds to.
    """

    code = "FT105"
    name = "no-user-message"
    severity = Severity.WARNING

    def check_record(self, record: Record) -> Iterator[Problem]:
        if record.format is not None and not record.format.has_turns:
            return
        for conversation in _checked_conversations(record)[:1]:
            if conversation and not any(m.role == "user" for m in conversation):
                yield Problem("conversation has no user message", _messages_pointer(conversation))


class LastMessageNotAssistant(RecordRule):
    """Turns after the last assistant message.

    Why: those trailing turns are never trained on; they cost tokens, and usually mean
    the conversation was cut in the wrong place.

    Example (flagged):
        [..., {"role": "assistant", "content": "Done."}, {"role": "user", "content": "Thanks"}]
    Fix: end the example with the assistant message you want learned.
    """

    code = "FT106"
    name = "last-message-not-assistant"
    severity = Severity.WARNING

    def check_record(self, record: Record) -> Iterator[Problem]:
        if _answer_optional(record):
            return
        for conversation in _checked_conversations(record):
            if (
                conversation
                and conversation[-1].role != "assistant"
                and any(m.role == "assistant" for m in conversation)
            ):
                last = conversation[-1]
                yield Problem(
                    f"{last.label} comes after the last assistant message, so it is not trained on; "
                    "end the example with the assistant's reply",
                    last.pointer,
                )


class RoleOrder(RecordRule):
    """Messages in an order a conversation does not have.

    Finds (warning): a system or developer message that is not first; an assistant
    message before any user message; the same role twice in a row (user/user,
    assistant/assistant). Finds (error): a tool message that does not follow an
    assistant message with tool calls (or another tool message).

    Why: the provider trains on the order as given; out-of-order turns teach the model
    a conversation shape it will never see, and a tool result with no call before it
    is rejected.

    Example (flagged):
        [{"role": "user", ...}, {"role": "system", ...}, {"role": "assistant", ...}]
    Fix: put the system message first; merge or reorder repeated turns.
    """

    code = "FT107"
    name = "role-order"
    severity = Severity.WARNING

    def check_record(self, record: Record) -> Iterator[Problem]:
        for conversation in _checked_conversations(record)[:1]:
            yield from self._check(conversation)

    def _check(self, conversation: list[Message]) -> Iterator[Problem]:
        has_user = any(m.role == "user" for m in conversation)  # if none, FT105 says so
        seen_user = False
        previous: Message | None = None
        for position, message in enumerate(conversation):
            role = message.role
            if (
                role in ("system", "developer")
                and position > 0
                and previous
                and previous.role not in ("system", "developer")
            ):
                yield Problem(
                    f"{role} message at position {position} is not at the start of the conversation", message.pointer
                )
            elif role == "assistant" and has_user and not seen_user:
                yield Problem("assistant message comes before any user message", message.pointer)
            elif role == "tool" and (previous is None or not (previous.role == "tool" or previous.calls_tools)):
                yield Problem(
                    "tool message does not follow an assistant message with tool calls",
                    message.pointer,
                    severity=Severity.ERROR,
                )
            elif (
                previous is not None
                and role == previous.role
                and role in ("user", "assistant")
                and not previous.calls_tools
            ):
                yield Problem(
                    f"two {role} messages in a row (positions {position - 1} and {position})", message.pointer
                )
            seen_user = seen_user or role == "user"
            previous = message


class InvalidWeight(SchemaRule):
    """A `weight` other than 0 or 1, or a weight on a message that is not the assistant's.

    Why: OpenAI takes `weight` only on assistant messages, and only 0 (skip) or 1
    (train); anything else rejects the file.

    Example (flagged):
        {"role": "assistant", "content": "...", "weight": 0.5}
    Fix: use 0 or 1, and only on assistant messages.
    """

    code = "FT108"
    name = "invalid-weight"
    severity = Severity.ERROR


class NothingToTrain(RecordRule):
    """Every assistant message has weight 0.

    Why: with all weights 0 the example contributes no training signal but is still
    billed for every token.

    Example (flagged):
        [{"role": "user", ...}, {"role": "assistant", "content": "...", "weight": 0}]
    Fix: set weight 1 on the reply you want learned, or drop the example.
    """

    code = "FT109"
    name = "nothing-to-train"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        assistants = [m for m in record.messages if m.role == "assistant"]
        if assistants and not any(m.trained for m in assistants):
            yield Problem("every assistant message has weight 0, so nothing is trained", _messages_pointer(assistants))


class ToolCallMismatch(RecordRule):
    """A tool result with no matching call id, a call answered twice or never answered.

    Why: OpenAI pairs each `tool` message with the assistant's `tool_calls` by id; a
    dangling id is rejected. A call in the final assistant message is the example's
    target and needs no answer; a call in an earlier message does.

    Example (flagged):
        {"role": "tool", "tool_call_id": "call_9", "content": "..."}  (no call "call_9")
    Fix: make `tool_call_id` equal the `id` of the call it answers.
    """

    code = "FT110"
    name = "tool-call-mismatch"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        if not may_mention(record.raw, _TOOL_WORDS):
            return
        for conversation in record.conversations[:1]:
            yield from self._check(conversation)

    def _check(self, conversation: list[Message]) -> Iterator[Problem]:
        made: set[str] = set()
        pending: dict[str, Message] = {}  # calls that still need an answer
        answered: set[str] = set()
        last_assistant = max((i for i, m in enumerate(conversation) if m.role == "assistant"), default=-1)
        for position, message in enumerate(conversation):
            calls = message.data.get("tool_calls") if message.role == "assistant" else None
            for call in calls if isinstance(calls, list) else ():
                call_id = call.get("id") if isinstance(call, dict) else None
                if not isinstance(call_id, str):
                    continue
                if call_id in made:
                    yield Problem(f"tool call id {call_id!r} is used twice", message.pointer)
                    answered.discard(call_id)  # the reuse is the mistake; its own answer is not
                made.add(call_id)
                if position != last_assistant:  # the final message's calls are the target: no answer needed
                    pending[call_id] = message
            if message.role == "tool":
                call_id = message.data.get("tool_call_id")
                if not isinstance(call_id, str):
                    continue
                if call_id in made and call_id not in answered:
                    answered.add(call_id)
                    pending.pop(call_id, None)
                elif call_id in answered:
                    yield Problem(f"tool call {call_id!r} is answered twice", pointer_of(*message.path, "tool_call_id"))
                else:
                    yield Problem(
                        f"tool message answers {call_id!r}, but no earlier assistant message made a call with that id",
                        pointer_of(*message.path, "tool_call_id"),
                    )
        for call_id, message in pending.items():
            yield Problem(f"tool call {call_id!r} is never answered by a tool message", message.pointer)


class InvalidToolArguments(RecordRule):
    """Tool call `arguments` that are not a string holding a JSON object.

    Why: the model is trained to emit exactly these arguments; arguments that do not
    parse teach it to produce calls your code cannot run. OpenAI expects a JSON-encoded
    string, not an object.

    Example (flagged):
        "function": {"name": "get_weather", "arguments": "{city: Paris}"}
    Fix: `json.dumps` the arguments object.
    """

    code = "FT111"
    name = "invalid-tool-arguments"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        if not may_mention(record.raw, _TOOL_WORDS):
            return
        for error in record.schema_errors:
            if error.code == self.code:
                yield Problem(error.message, error.pointer)
        for message in record.messages:
            for path, arguments in _arguments(message):
                if isinstance(arguments, str):
                    reason = _not_json_object(arguments)
                    if reason:
                        yield Problem(f"tool call arguments {reason}", pointer_of(*path))


def _arguments(message: Message) -> Iterator[tuple[JsonPath, object]]:
    calls = message.data.get("tool_calls")
    for i, call in enumerate(calls if isinstance(calls, list) else ()):
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and "arguments" in function:
            yield (*message.path, "tool_calls", i, "function", "arguments"), function["arguments"]
    function_call = message.data.get("function_call")
    if isinstance(function_call, dict) and "arguments" in function_call:
        yield (*message.path, "function_call", "arguments"), function_call["arguments"]


def _not_json_object(text: str) -> str | None:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        return f"are not valid JSON ({getattr(error, 'msg', 'too deeply nested')})"
    return None if isinstance(value, dict) else f"are {json_type(value)}, not an object"


class InvalidToolDefinition(RecordRule):
    """A tool definition with a bad function name, a duplicate name, or `parameters`
    that are not a valid JSON Schema of an object.

    Why: the provider validates tool definitions and rejects the file; a tool whose
    parameters are not a schema teaches the model calls that match nothing.

    Example (flagged):
        {"type": "function", "function": {"name": "get weather", "parameters": {"type": "objet"}}}
    Fix: names match ^[a-zA-Z0-9_-]{1,64}$; parameters are a JSON Schema with "type": "object".
    """

    code = "FT112"
    name = "invalid-tool-definition"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        if not may_mention(record.raw, _TOOL_WORDS):
            return
        for error in record.schema_errors:
            if error.code == self.code:
                yield Problem(error.message, error.pointer)
        seen: set[str] = set()
        for path, function in _functions(record.value):
            name = function.get("name")
            if isinstance(name, str):
                if name in seen:
                    yield Problem(f"function {name!r} is defined twice", pointer_of(*path, "name"))
                seen.add(name)
            parameters = function.get("parameters")
            if isinstance(parameters, dict):
                reason = _schema_problem(json.dumps(parameters, sort_keys=True))
                if reason:
                    yield Problem(f"parameters of {name!r} {reason}", pointer_of(*path, "parameters"))


def _functions(value: dict[str, Any]) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    holders: list[tuple[JsonPath, dict[str, Any]]] = [((), value)]
    if isinstance(value.get("input"), dict):
        holders.append((("input",), value["input"]))
    for base, holder in holders:
        tools = holder.get("tools")
        for i, tool in enumerate(tools if isinstance(tools, list) else ()):
            if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
                yield (*base, "tools", i, "function"), tool["function"]
        functions = holder.get("functions")
        for i, function in enumerate(functions if isinstance(functions, list) else ()):
            if isinstance(function, dict):
                yield (*base, "functions", i), function


@functools.lru_cache(maxsize=1024)
def _schema_problem(parameters_json: str) -> str | None:
    """Checked once per distinct definition: datasets repeat the same tools on every line."""
    parameters = json.loads(parameters_json)
    if "$schema" in parameters or not _is_valid_schema(parameters):
        import jsonschema  # slow to import: only to word what is wrong

        try:
            jsonschema.Draft202012Validator.check_schema(parameters)
        except jsonschema.SchemaError as error:
            where = "/".join(map(str, error.absolute_path))
            return f"are not a valid JSON Schema{f' at {where}' if where else ''}: {error.message}"
        except RecursionError:  # a `pattern` of thousands of nested groups: Python's regex parser recurses per group
            return (
                "nest too deeply to check (a pattern or subschema nested hundreds of levels deep); no tool needs that"
            )
    if parameters.get("type", "object") != "object":
        return f'must describe an object ("type": "object"), not {parameters.get("type")!r}'
    return None


def _is_valid_schema(parameters: dict[str, Any]) -> bool:
    """jsonschema-rs's fast check against the meta-schema; without `$schema` both libraries
    read a schema as draft 2020-12, so they agree on which schemas are valid."""
    import jsonschema_rs

    return jsonschema_rs.meta.is_valid(parameters)


def _answer_optional(record: Record) -> bool:
    """Reinforcement fine-tuning and distillation records are prompts: no reply in them is expected."""
    return record.format is not None and record.format.answer_optional


def _checked_conversations(record: Record) -> list[list[Message]]:
    """The conversations whose shape is worth checking: none while a role is missing or invalid."""
    return record.conversations if record.roles_are_valid else []


def _messages_pointer(messages: list[Message]) -> str:
    """The pointer of the list holding these messages ("/messages" for a chat record; "" where
    they are not in one list, as in Alpaca records)."""
    listed = next((m for m in messages if m.path and isinstance(m.path[-1], int)), None)
    return pointer_of(*listed.path[:-1]) if listed else ""


class UndeclaredFunction(RecordRule):
    """A tool call naming a function the example's tool definitions do not declare.

    Why: the model learns to call exactly the functions its examples call, from the
    definitions it is shown. A call to a function missing from the example's tools (a
    misspelt name, a tool renamed in the definitions but not in the calls, a definition list
    copied from another example) teaches it to call a function that will not exist when it
    is served; at inference the call fails or is ignored.

    Every format where ft-lint reads both: OpenAI, Together and Mistral chat and preference
    data (`tools[].function.name`, `functions[].name` against `tool_calls[].function.name`
    and `function_call.name`), TRL (the same shapes), ShareGPT / LLaMA-Factory (the `tools`
    JSON string against each `function_call` turn's JSON `name`), Vertex AI Gemini
    (`tools[].functionDeclarations[].name` against `functionCall.name` parts) and Bedrock
    (`toolConfig.tools[].toolSpec.name` against `toolUse.name` blocks).

    How it decides when it must guess: an example that declares no tools at all (no tools
    key, an empty list, or a ShareGPT `tools` string that is not JSON) is not checked. Such
    files are common and legitimate: OpenAI's own format makes `tools` optional, TRL and
    LLaMA-Factory take the tool list from the training script or a column of its own, and
    the calls then teach the function by example; there is nothing declared to compare with,
    and flagging every call would bury the misspelt one. A name that is not a string is left
    to the schema rules. Warning, not error: no provider's validator was found to reject it
    (OpenAI, Together and mistral-common check names' spelling, not that they are declared).

    Example (flagged):
        {"tools": [{"type": "function", "function": {"name": "get_weather", ...}}],
         "messages": [..., {"role": "assistant", "tool_calls": [{"function": {"name": "get_wether", ...}}]}]}
    Fix: call a declared function, or add the function's definition to the example's tools.
    """

    code = "FT118"
    name = "undeclared-function"
    severity = Severity.WARNING

    def check_record(self, record: Record) -> Iterator[Problem]:
        if record.format is None or not may_mention(record.raw, _TOOL_WORDS):
            return
        declared = _declared_functions(record.value)
        if not declared:
            return
        for name, path in _called_functions(record.messages):
            if name not in declared:
                close = difflib.get_close_matches(name, declared, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                yield Problem(
                    f"tool call names {shown(name)}, which the example's tools do not declare{hint}; "
                    f"declared: {', '.join(sorted(declared)[:_NAMES_SHOWN])}"
                    + (", …" if len(declared) > _NAMES_SHOWN else ""),
                    pointer_of(*path),
                )


_NAMES_SHOWN = 8


def _declared_functions(value: dict[str, Any]) -> set[str]:
    """The names of the functions an example declares, in any format's way of declaring them."""
    holders = [value, value["input"]] if isinstance(value.get("input"), dict) else [value]
    names: set[str] = set()
    for holder in holders:
        tools = holder.get("tools")
        if isinstance(tools, str):  # ShareGPT / LLaMA-Factory: a JSON-encoded list
            try:
                tools = json.loads(tools)
            except (json.JSONDecodeError, RecursionError):
                tools = None
        config = holder.get("toolConfig")
        bedrock = config.get("tools") if isinstance(config, dict) else None
        for tool in [*as_list(tools), *as_list(holder.get("functions")), *as_list(bedrock)]:
            if not isinstance(tool, dict):
                continue
            declarations = as_list(tool.get("functionDeclarations"))  # Gemini
            for function in (tool, tool.get("function"), tool.get("toolSpec"), *declarations):
                if isinstance(function, dict) and isinstance(function.get("name"), str):
                    names.add(function["name"])
    return names


def _called_functions(messages: list[Message]) -> Iterator[tuple[str, JsonPath]]:
    """(name, path of the name) of every function call in the messages, whatever the format."""
    for message in messages:
        if not message.calls_tools:
            continue
        data = message.data
        for i, call in enumerate(as_list(data.get("tool_calls"))):
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                yield function["name"], (*message.path, "tool_calls", i, "function", "name")
        function_call = data.get("function_call")
        if isinstance(function_call, dict) and isinstance(function_call.get("name"), str):
            yield function_call["name"], (*message.path, "function_call", "name")
        for j, part in enumerate(as_list(message.content)):
            for key in ("functionCall", "toolUse"):  # Gemini parts, Bedrock blocks
                call = part.get(key) if isinstance(part, dict) else None
                if isinstance(call, dict) and isinstance(call.get("name"), str):
                    yield call["name"], (*message.content_path, j, key, "name")
        if isinstance(data.get("from"), str) and isinstance(message.content, str):  # ShareGPT: a JSON call
            yield from _sharegpt_call(message)


def _sharegpt_call(message: Message) -> Iterator[tuple[str, JsonPath]]:
    try:
        call = json.loads(message.content)
    except (json.JSONDecodeError, RecursionError):
        return  # not JSON: nothing to compare
    for item in call if isinstance(call, list) else [call]:  # LLaMA-Factory writes parallel calls as a list
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            yield item["name"], message.content_path
