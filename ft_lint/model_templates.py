"""Token counts of an example as an open model's chat template renders it (Llama 3, Qwen, Mistral).

An open model is fine-tuned on its conversations as its chat template writes them: the text a
trainer tokenizes holds every header and end-of-turn token. TRL's SFTTrainer, Axolotl, Unsloth
and LLaMA-Factory call the template published with the model (``apply_chat_template`` on the
``chat_template`` of its tokenizer_config.json), and Together "automatically formats [a
conversation] into the model's chat template" and trains "only on assistant messages" by
default (https://docs.together.ai/docs/fine-tuning/data-preparation); Mistral's reference
encoding is mistral-common's (mistral-finetune uses it; a trainer applying the Hugging Face
template instead can differ by a token per turn where it joins text that mistral-common
tokenizes apart). So each family below restates one published template, in Python (no Jinja,
no sandbox), and is tested against the reference implementation (tests/test_open_tokenizers.py):

* ``llama3``: meta-llama/Llama-3.1-8B-Instruct's template (also Llama 3.2 and 3.3): a system
  block always (``Cutting Knowledge Date: December 2023`` / ``Today Date: 26 Jul 2024``,
  ``Environment: ipython`` when tools are given), message contents trimmed, tool definitions as
  indented JSON in the first user message, one tool call as ``{"name": ..., "parameters": ...}``
  and tool results under the ``ipython`` role as JSON.
  https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/tokenizer_config.json
* ``llama4``: llama-models' llama4 ChatFormat: ``<|header_start|>role<|header_end|>\n\n`` +
  content + ``<|eot|>`` (``<|eom|>`` after tool calls and results). Meta's format puts tool
  definitions in a system prompt the user writes, so records with tools are not exact.
  https://github.com/meta-llama/llama-models/blob/main/models/llama4/chat_format.py
* ``chatml`` (Qwen): ``<|im_start|>role\\n...<|im_end|>\\n``; tools as JSON lines in the system
  message with Qwen's instructions, tool calls as ``<tool_call>`` blocks, tool results as
  ``<tool_response>`` blocks in a user turn. Qwen2.5 adds its default system message when the
  conversation has none ("You are Qwen, created by Alibaba Cloud. ..."); Qwen3 adds none but
  writes an empty ``<think>`` block into the assistant replies after the last user message.
  https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/tokenizer_config.json and
  https://huggingface.co/Qwen/Qwen3-8B/blob/main/tokenizer_config.json
  Qwen3.5/3.6 (``qwen3.5``) are counted with Qwen3's template; their tool calls use another
  format, so records with tools are not exact.
* ``mistral-v1`` (Mistral 7B v0.1/v0.2, Mixtral 8x7B): mistral-common's InstructTokenizerV1:
  ``<s>[INST] user [/INST]reply</s>``, the system messages joined and put before the first
  user message, consecutive messages of one role joined with a blank line; each piece is
  tokenized on its own. This version has no tool format: a record with tools is counted with
  its tool messages as user text and marked not exact.
* ``mistral-v3`` (Mistral 7B v0.3, Mixtral 8x22B, Codestral 22B, and Mistral Nemo's tekken):
  mistral-common's InstructTokenizerV3: ``[INST]``/``[/INST]`` control tokens, the system
  messages joined before the last user message, ``[AVAILABLE_TOOLS]`` with the tool definitions
  as JSON before it, ``[TOOL_CALLS]`` with the calls as a JSON list, ``[TOOL_RESULTS]`` with each
  result as JSON. Later tekken models (Small 3.x, Ministral) use newer versions (system prompts
  in ``[SYSTEM_PROMPT]`` tokens) whose files mistral-common does not ship: marked not exact.
  https://github.com/mistralai/mistral-common/blob/main/src/mistral_common/tokens/tokenizers/instruct.py

What is trained (``trained``): the assistant replies and their end-of-turn token
(``<|eot_id|>``, ``<|im_end|>``, ``</s>``), as TRL's ``assistant_only_loss`` /
``completion_only_loss`` and mistral-finetune mask everything else; a message with
``"weight": 0`` is not trained. Tool-call arguments given as a JSON string are rendered as
the object they hold (the templates expect objects, as TRL's format has them).

Prompt/completion records are ``bos + prompt + completion + eos`` (the completion and eos
trained), text records ``bos + text + eos`` (all trained), as TRL tokenizes them. Preference
records count the conversation once and both replies. Other formats (Vertex, Bedrock, TRL,
ShareGPT, Alpaca) are rendered from the messages ft_lint.formats reads, and marked not exact.
"""

from __future__ import annotations

import fnmatch
import json
import unicodedata
from dataclasses import dataclass
from typing import Any

from ft_lint.formats import all_formats, text_turns, unique_messages
from ft_lint.open_tokenizers import CATALOG, LONGEST_TOKEN_BYTES, PIECE_CHARS, SAFE_CUT, encoder

# The most tokens a template adds that the byte shortcut (tokens.max_tokens_upper_bound) does not
# charge to the record's JSON: Llama's system block and tool instructions, Qwen's default system
# message and tool instructions, Qwen3's empty think block (each under 100 tokens), doubled.
TEMPLATE_TOKENS_BOUND = 256


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    trained: bool = False
    special: bool = False  # a template's special token, counted as one


@dataclass(frozen=True, slots=True)
class Template:
    family: str  # the renderer below
    default_system: str = ""  # written when the conversation has no system message
    think: bool = False  # Qwen3: an empty <think> block in the replies after the last user message
    tools_exact: bool = True  # False: the family's tool format is not restated here (counted close, not exact)
    exact: bool = True  # False: the model's own template differs in details not restated here


# Which template a model of an open tokenizer uses: the first glob matching its id (lower case).
TEMPLATES: dict[str, tuple[tuple[str, Template], ...]] = {
    "llama3": (("*", Template("llama3")),),
    "llama4": (("*", Template("llama4", tools_exact=False)),),
    # Qwen3.5/3.6 write tool calls in their own XML; the rest is Qwen3's
    "qwen3.5": (("*", Template("chatml", think=True, tools_exact=False)),),
    "qwen2": (
        # Qwen3-Coder writes tool calls as XML, and it and the 2507 Instruct models write no think block
        ("*qwen3-coder*", Template("chatml", tools_exact=False)),
        ("*qwen3*instruct-2507*", Template("chatml")),
        ("*qwen3*", Template("chatml", think=True)),
        (
            "*",
            Template("chatml", default_system="You are Qwen, created by Alibaba Cloud. You are a helpful assistant."),
        ),
    ),
    "mistral-v1": (("*", Template("mistral-v1")),),
    "mistral-v3": (("*", Template("mistral-v3")),),
    # tekken_240718 with the V3 encoding is Mistral Nemo's; later tekken models (Small 3.x,
    # Ministral, Pixtral...) use newer instruct versions whose files mistral-common does not ship
    "mistral-tekken": (("*nemo*", Template("mistral-v3")), ("*", Template("mistral-v3", exact=False))),
}


def template_for(encoding: str, model_id: str) -> Template:
    return next(t for pattern, t in TEMPLATES[encoding] if fnmatch.fnmatchcase(model_id.lower(), pattern))


@dataclass(frozen=True, slots=True)
class Counted:
    total: int
    trained: int
    exact: bool


def count(record: dict[str, Any], format_name: str, encoding: str, model_id: str) -> Counted:
    """The tokens of ``record`` (in ``format_name``) for the model ``model_id`` of this tokenizer."""
    template = template_for(encoding, model_id)
    parts, exact = _render(record, format_name, encoding, template)
    # mistral-common tokenizes a conversation piece by piece; a text (TRL) is tokenized whole
    apart = template.family.startswith("mistral") and format_name not in ("openai-prompt-completion", "generic-text")
    total, trained, whole = _tokens(parts, encoding, joins=not apart)
    return Counted(total, trained, exact and whole)


# --- counting rendered parts ------------------------------------------------------------


def _tokens(parts: list[Part], encoding: str, *, joins: bool) -> tuple[int, int, bool]:
    """Tokens of the rendered parts, of the trained ones, and whether the count is exact.

    A tiktoken BPE tokenizes the rendered text as one string: its special tokens end every
    run of text, so each run between them is tokenized on its own, exactly as the whole; a
    trained part's tokens are what it adds to its run. mistral-common tokenizes each piece on
    its own.
    """
    total = trained = 0
    exact = True
    run: list[Part] = []

    def flush() -> None:
        nonlocal total, trained, exact
        if not any(part.trained for part in run):
            count, whole = _count(encoding, "".join(part.text for part in run))
            total, exact = total + count, exact and whole
        else:  # what each part adds to the run's tokens
            before = 0
            for end in range(1, len(run) + 1):
                upto, whole = _count(encoding, "".join(part.text for part in run[:end]))
                trained += upto - before if run[end - 1].trained else 0
                before, exact = upto, exact and whole
            total += before
        run.clear()

    for part in parts:
        if part.special:
            flush()
            total += 1
            trained += part.trained
        else:
            run.append(part)
            if not joins:
                flush()
    flush()
    return total, trained, exact


_REMEMBERED_CHARS = 1 << 16  # texts this short are remembered (system prompts, tool lists, headers)
_MEMORY_CHARS = 16_000_000  # when the remembered texts hold more, memory starts over
_memory: dict[tuple[str, str], int] = {}
_memory_chars = 0


def _count(encoding: str, text: str) -> tuple[int, bool]:
    """Tokens of a text, and whether they are exact: a text longer than PIECE_CHARS is
    tokenized in pieces (tiktoken's regex overflows its stack on a million spaces), cut after a
    line break followed by a character no split pattern continues it with, where no token
    changes; with no such place, or with SentencePiece (which starts every piece with a space
    mark), a cut may change a token."""
    if not text:
        return 0, True
    if len(text) <= _REMEMBERED_CHARS:
        return _remembered_count(encoding, text), True
    encode, form = encoder(encoding), CATALOG[encoding].normalize
    count, start, exact = 0, 0, True
    while start < len(text):
        end = start + PIECE_CHARS
        if end < len(text):
            cut = SAFE_CUT.search(text, start + PIECE_CHARS // 2, end)
            end = cut.end() if cut else end
            exact = exact and cut is not None and CATALOG[encoding].kind != "sentencepiece"
        count += len(encode(_normal(text[start:end], form)))
        start = end
    return count, exact


def _remembered_count(encoding: str, text: str) -> int:
    """Tokens of a short text, remembered: the strings worth it (a system prompt, a tool list)
    come back at once after memory starts over."""
    global _memory_chars
    known = _memory.get((encoding, text))
    if known is None:
        if _memory_chars + len(text) > _MEMORY_CHARS:
            _memory.clear()
            _memory_chars = 0
        known = _memory[(encoding, text)] = len(encoder(encoding)(_normal(text, CATALOG[encoding].normalize)))
        _memory_chars += len(text)
    return known


def _normal(text: str, form: str) -> str:
    return unicodedata.normalize(form, text) if form and not text.isascii() else text  # type: ignore[arg-type]


# --- rendering --------------------------------------------------------------------------


def _render(record: dict[str, Any], format_name: str, encoding: str, template: Template) -> tuple[list[Part], bool]:
    tokenizer = CATALOG[encoding]
    if format_name == "generic-text":
        return [*_bos(tokenizer.bos), Part(_text(record.get("text")), True), Part(tokenizer.eos, True, True)], True
    if format_name == "openai-prompt-completion":
        prompt, completion = _text(record.get("prompt")), _text(record.get("completion"))
        return [*_bos(tokenizer.bos), Part(prompt), Part(completion, True), Part(tokenizer.eos, True, True)], True
    if format_name == "openai-preference":
        source = record.get("input")
        source = source if isinstance(source, dict) else {}
        messages, tools = _dicts(source.get("messages")), source.get("tools")
        parts, exact = _conversation(messages, tools, template)
        prompt_parts = len(parts)
        for key in ("preferred_output", "non_preferred_output"):  # each reply after the conversation
            replies = [{**reply, "role": "assistant"} for reply in _dicts(record.get(key))]
            with_reply, reply_exact = _conversation([*messages, *replies], tools, template)
            parts, exact = parts + with_reply[prompt_parts:], exact and reply_exact
        return parts, exact
    if format_name in ("openai-chat", "openai-rft"):
        return _conversation(_dicts(record.get("messages")), record.get("tools"), template)
    read = unique_messages(all_formats()[format_name].conversations(record))
    as_chat = [{"role": m.role, "content": " ".join(t.text for t in text_turns([m]) if t.text)} for m in read]
    return _conversation(as_chat, None, template)[0], False


def _bos(bos: str) -> list[Part]:
    return [Part(bos, special=True)] if bos else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []


def _conversation(messages: list[dict[str, Any]], tools: Any, template: Template) -> tuple[list[Part], bool]:
    tools = [t for t in tools if isinstance(t, dict)] if isinstance(tools, list) and tools else None
    exact = all(isinstance(m.get("content"), str | None) for m in messages)
    render = {
        "llama3": _llama3,
        "llama4": _llama4,
        "chatml": _chatml,
        "mistral-v1": _mistral_v1,
        "mistral-v3": _mistral_v3,
    }[template.family]
    parts, rendered_exactly = render(messages, tools, template)
    uses_tools = tools is not None or any(m.get("role") == "tool" or _calls(m) for m in messages)
    return parts, exact and rendered_exactly and template.exact and (template.tools_exact or not uses_tools)


def _content(message: dict[str, Any]) -> str:
    """A message's text: a list of parts gives its text parts (other parts are not counted)."""
    content = message.get("content")
    if isinstance(content, list):
        return "".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return _text(content)


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else _tojson(value)


def _tojson(value: Any, indent: int | None = None) -> str:
    """The templates' ``tojson`` filter as transformers defines it (non-ASCII kept)."""
    return json.dumps(value, ensure_ascii=False, indent=indent)


def _trained(message: dict[str, Any]) -> bool:
    return message.get("role") == "assistant" and message.get("weight", 1) != 0


def _calls(message: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(name, arguments, id) of each tool call, arguments given as a JSON string parsed to their value."""
    calls = message.get("tool_calls")
    found = []
    for call in calls if isinstance(calls, list) else ():
        function = call.get("function", call) if isinstance(call, dict) else None
        if isinstance(function, dict):
            arguments = function.get("arguments")
            arguments = _parsed(arguments) if isinstance(arguments, str) else arguments
            found.append((_text(function.get("name")), arguments, call.get("id")))
    return found


# --- Llama 3.1 / 3.2 / 3.3 ----------------------------------------------------------------


_LLAMA_TOOLS_INTRO = (
    "Given the following functions, please respond with a JSON for a function call with its proper "
    "arguments that best answers the given prompt.\n\n"
    'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.'
    "Do not use variables.\n\n"
)


def _llama_header(role: str) -> list[Part]:
    return [
        Part("<|start_header_id|>", special=True),
        Part(role),
        Part("<|end_header_id|>", special=True),
        Part("\n\n"),
    ]


def _llama3(messages: list[dict[str, Any]], tools: list[Any] | None, _: Template) -> tuple[list[Part], bool]:
    exact = True
    system = ""
    if messages and messages[0].get("role") == "system":
        system, messages = _content(messages[0]).strip(), messages[1:]
    parts = [Part("<|begin_of_text|>", special=True), *_llama_header("system")]
    environment = "Environment: ipython\n" if tools is not None else ""
    parts += [
        Part(f"{environment}Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n{system}"),
        Part("<|eot_id|>", special=True),
    ]
    if tools is not None:
        if not messages:
            return parts, False  # the template refuses tools without a first message
        first, messages = messages[0], messages[1:]
        definitions = "".join(_tojson(tool, indent=4) + "\n\n" for tool in tools)
        parts += [*_llama_header("user"), Part(_LLAMA_TOOLS_INTRO + definitions + _content(first).strip())]
        parts.append(Part("<|eot_id|>", special=True))
    for message in messages:
        role, trained = _text(message.get("role")), _trained(message)
        calls = _calls(message)
        if role in ("tool", "ipython"):
            content = message.get("content")
            text = content if isinstance(content, int | float) and not isinstance(content, bool) else _tojson(content)
            parts += [*_llama_header("ipython"), Part(str(text))]
        elif "tool_calls" in message and calls:
            exact = exact and len(calls) == 1  # the template refuses more than one call
            rendered = "".join(f'{{"name": "{name}", "parameters": {_tojson(args)}}}' for name, args, _ in calls)
            parts += [*_llama_header("assistant"), Part(rendered, trained)]
        else:
            parts += [*_llama_header(role), Part(_content(message).strip(), trained)]
        parts.append(Part("<|eot_id|>", trained, special=True))
    return parts, exact


# --- Llama 4 ------------------------------------------------------------------------------


def _llama4(messages: list[dict[str, Any]], tools: list[Any] | None, _: Template) -> tuple[list[Part], bool]:
    """llama_models' llama4 ChatFormat: a header per message, ``<|eot|>`` after it (``<|eom|>``
    after a tool result or a reply that calls a tool). Tool definitions go where the user's
    system prompt puts them; they are counted as JSON in a system message (not exact)."""
    parts = [Part("<|begin_of_text|>", special=True)]
    if tools is not None:
        parts += [*_llama4_header("system"), Part(_tojson(tools)), Part("<|eot|>", special=True)]
    for message in messages:
        role, trained = _text(message.get("role")), _trained(message)
        calls = _calls(message)
        text = _content(message) + "".join(_tojson({"name": name, "parameters": args}) for name, args, _ in calls)
        parts += [*_llama4_header("ipython" if role == "tool" else role), Part(text, trained)]
        parts.append(Part("<|eom|>" if calls or role == "tool" else "<|eot|>", trained, special=True))
    return parts, True


def _llama4_header(role: str) -> list[Part]:
    return [Part("<|header_start|>", special=True), Part(role), Part("<|header_end|>", special=True), Part("\n\n")]


# --- Qwen ChatML ---------------------------------------------------------------------------


_QWEN_TOOLS_INTRO = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
_QWEN_TOOLS_OUTRO = (
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
    '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n'
    "</tool_call>"
)


def _im(role: str, text: str, trained: bool = False) -> list[Part]:
    return [
        Part("<|im_start|>", special=True),
        Part(f"{role}\n"),
        Part(text, trained),
        Part("<|im_end|>", trained, special=True),
        Part("\n"),
    ]


def _chatml(messages: list[dict[str, Any]], tools: list[Any] | None, template: Template) -> tuple[list[Part], bool]:
    has_system = bool(messages) and messages[0].get("role") == "system"
    system = _content(messages[0]) if has_system else template.default_system
    parts: list[Part] = []
    if tools is not None:
        lines = "".join("\n" + _tojson(tool) for tool in tools)
        lead = system + "\n\n" if has_system or template.default_system else ""
        parts += _im("system", lead + _QWEN_TOOLS_INTRO + lines + _QWEN_TOOLS_OUTRO)
    elif has_system or template.default_system:
        parts += _im("system", system)
    last_query = max(
        (i for i, m in enumerate(messages) if m.get("role") == "user" and not _is_tool_response(m.get("content"))),
        default=len(messages) - 1,
    )
    for index, message in enumerate(messages):
        role = _text(message.get("role"))
        if role == "tool":
            if index == 0 or messages[index - 1].get("role") != "tool":
                parts += [Part("<|im_start|>", special=True), Part("user")]
            parts.append(Part(f"\n<tool_response>\n{_content(message)}\n</tool_response>"))
            if index == len(messages) - 1 or messages[index + 1].get("role") != "tool":
                parts += [Part("<|im_end|>", special=True), Part("\n")]
        elif role == "assistant":
            reply = _qwen_reply(message, template, index > last_query, index == len(messages) - 1)
            parts += _im("assistant", reply, _trained(message))
        elif role == "user" or (role == "system" and index > 0):
            parts += _im(role, _content(message))
        # the templates write no other role
    return parts, True


def _is_tool_response(content: Any) -> bool:
    """Qwen3 does not count a user message that only wraps a tool's response as a query."""
    return not isinstance(content, str) or (
        content.startswith("<tool_response>") and content.endswith("</tool_response>")
    )


def _qwen_reply(message: dict[str, Any], template: Template, after_last_query: bool, last: bool) -> str:
    content = _content(message)
    if template.think:
        reasoning = ""
        if "</think>" in content:
            reasoning = content.split("</think>")[0].rstrip("\n").split("<think>")[-1].lstrip("\n")
            content = content.split("</think>")[-1].lstrip("\n")
        if after_last_query and (last or reasoning):
            content = "<think>\n" + reasoning.strip("\n") + "\n</think>\n\n" + content.lstrip("\n")
    # a call starts on a new line, unless it is the first and the reply has no text
    calls = (
        ("\n" if content or i else "") + _qwen_call(name, args, raw_strings=template.think)
        for i, (name, args, _) in enumerate(_calls(message))
    )
    return content + "".join(calls)


def _qwen_call(name: str, arguments: Any, *, raw_strings: bool) -> str:
    # Qwen3 writes string arguments as they are; Qwen2.5 (and Qwen3 for objects) as JSON.
    rendered = arguments if raw_strings and isinstance(arguments, str) else _tojson(arguments)
    return f'<tool_call>\n{{"name": "{name}", "arguments": {rendered}}}\n</tool_call>'


# --- Mistral (mistral-common InstructTokenizerV1) ------------------------------------------


def _mistral_v1(messages: list[dict[str, Any]], tools: list[Any] | None, _: Template) -> tuple[list[Part], bool]:
    exact = tools is None
    systems = [_content(m) for m in messages if m.get("role") == "system"]
    turns: list[tuple[str, list[dict[str, Any]]]] = []  # consecutive messages of one role, joined
    for message in messages:
        role = _text(message.get("role"))
        if role == "system":
            continue
        if role != "assistant":
            exact = exact and role == "user"
            role = "user"
        if turns and turns[-1][0] == role:
            turns[-1][1].append(message)
        else:
            turns.append((role, [message]))
    parts = [Part("<s>", special=True)]
    if tools is not None:  # v1 has no tool format: the definitions still cost tokens, written as v3 does
        parts.append(Part(f"[AVAILABLE_TOOLS] {_tojson(tools)}[/AVAILABLE_TOOLS]"))
    first_user = True
    for role, group in turns:
        text = "\n\n".join(_content(m) for m in group)
        if role == "user":
            if first_user and systems:
                text = "\n\n".join(systems) + "\n\n" + text
            first_user = False
            parts.append(Part(f"[INST] {text} [/INST]"))
        else:
            calls = [{"name": name, "arguments": args} for m in group for name, args, _ in _calls(m)]
            exact = exact and not calls
            text += f"[TOOL_CALLS] {_tojson(calls)}" if calls else ""
            trained = any(_trained(m) for m in group)
            parts += [Part(text, trained), Part("</s>", trained, special=True)]
    return parts, exact


# --- a bound without tokenizing ------------------------------------------------------------


def tokens_at_least(record: dict[str, Any], format_name: str, encoding: str) -> int:
    """Fewer tokens than a chat example can count, without tokenizing: the bytes of the message
    texts every template writes in full (user and system texts, stripped since Llama trims them;
    assistant texts without tool calls), over the tokenizer's longest token. 0 for other formats."""
    if format_name not in ("openai-chat", "openai-rft"):
        return 0
    size = sum(
        len(_content(m).strip().encode("utf-8", "surrogatepass"))
        for m in _dicts(record.get("messages"))
        if m.get("role") in ("user", "system")
        or (m.get("role") == "assistant" and not _calls(m) and "</think>" not in _content(m))
    )
    if CATALOG[encoding].normalize:  # NFC can shrink a text up to 3 times (three Hangul jamo make one syllable)
        size //= 3
    return size // LONGEST_TOKEN_BYTES[encoding]


# --- Mistral (mistral-common InstructTokenizerV3: SentencePiece v3 and tekken) -------------


def _mistral_v3(messages: list[dict[str, Any]], tools: list[Any] | None, _: Template) -> tuple[list[Part], bool]:
    """mistral-common's InstructTokenizerV3: the system messages joined before the last user
    message, the tool definitions as JSON between [AVAILABLE_TOOLS] tokens before it, tool calls
    as a JSON list after [TOOL_CALLS], tool results as JSON between [TOOL_RESULTS] tokens."""
    exact = True
    systems = [_content(m) for m in messages if m.get("role") == "system"]
    turns = [m for m in messages if m.get("role") != "system"]
    last_user = max((i for i, m in enumerate(turns) if m.get("role") == "user"), default=-1)
    parts = [Part("<s>", special=True)]
    for index, message in enumerate(turns):
        role = message.get("role")
        if role == "assistant":
            calls = _calls(message)
            exact = exact and not (calls and _content(message))  # mistral-common refuses both at once
            trained = _trained(message)
            if calls:
                listed = [_mistral_call(*call) for call in calls]
                parts += [Part("[TOOL_CALLS]", trained, special=True), Part(_tojson(listed), trained)]
            else:
                parts.append(Part(_content(message).rstrip(" "), trained))
            parts.append(Part("</s>", trained, special=True))
        elif role == "tool":
            result = {"content": _parsed(_content(message)), "call_id": _text(message.get("tool_call_id"))}
            parts += [Part("[TOOL_RESULTS]", special=True), Part(_tojson(result))]
            parts.append(Part("[/TOOL_RESULTS]", special=True))
        else:
            exact = exact and role == "user"
            text = _content(message)
            if index == last_user:
                if tools is not None:
                    definitions = [_mistral_tool(tool) for tool in tools]
                    parts += [Part("[AVAILABLE_TOOLS]", special=True), Part(_tojson(definitions))]
                    parts.append(Part("[/AVAILABLE_TOOLS]", special=True))
                if systems:
                    text = "\n\n".join(systems) + "\n\n" + text
            parts += [Part("[INST]", special=True), Part(text), Part("[/INST]", special=True)]
    return parts, exact


def _mistral_call(name: str, arguments: Any, call_id: Any) -> dict[str, Any]:
    rendered: dict[str, Any] = {"name": name, "arguments": arguments}
    if call_id and call_id != "null":
        rendered["id"] = call_id
    return rendered


def _mistral_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """A tool definition as mistral-common's Tool model dumps it (every field, in its order)."""
    function = tool.get("function", tool)
    function = function if isinstance(function, dict) else {}
    return {
        "type": "function",
        "function": {
            "name": function.get("name"),
            "description": function.get("description", ""),
            "parameters": function.get("parameters", {}),
        },
    }


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
