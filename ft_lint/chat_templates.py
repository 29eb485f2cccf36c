"""An example as the model's own chat template renders it for training, and what is trained in it.

The template runs as transformers runs it (`apply_chat_template`): Jinja2 in an immutable
sandbox with trim_blocks and lstrip_blocks and the loop controls, `raise_exception(message)`,
a `tojson` that does not escape HTML, `strftime_now(format)`, the tokenizer's special tokens
(bos_token, eos_token, ...), `messages`, `tools` and `add_generation_prompt` (false: a training
example ends with its answer). The rendered text is tokenized with no special token added, as
transformers does (the template writes them).

What is trained: the assistant messages (not those of weight 0). Where they are in the text:
* a template with `{% generation %}` blocks marks them itself (transformers'
  `return_assistant_tokens_mask`, TRL's `assistant_only_loss`): each block is a trained span;
* else each assistant message's span is found by rendering growing prefixes of the conversation:
  the span starts where the conversation before it, rendered with `add_generation_prompt`,
  ends, and ends where the conversation up to it ends (so it holds the end-of-turn token the
  template writes after the answer, as TRL's completion masks do);
* where a template is not prefix-stable (the longer conversation does not start with the shorter
  one's text: templates that drop earlier reasoning, say), that guess fails, and the span is the
  message's text found in the rendered example, searched after the previous span: `guessed`.
A token is trained when it starts inside a trained span.

Plain-text records (prompt/completion strings, generic text) have no template: their texts are
joined as they are, the completion (or the whole text) trained.

A hostile template cannot hang the run or fill memory. Rendering stops (the example is
reported as refused, with the reason) after RENDER_SECONDS; once it has written more than
MAX_RENDER_CHARS characters; when it multiplies, raises to a power or adds up values beyond
MAX_VALUE_SIZE, or passes a function an integer above MAX_INTEGER_ARGUMENT (`"x".ljust(10**12)`);
or when it formats with a width of millions (`"%9000000000d"`, `"{:>9000000000}"`): what would
allocate gigabytes at once, before any other bound could see it. Ranges are Jinja's sandbox's
(100,000 items); a string built up inside the template (`~` in a loop) is bounded by the time
alone. The time bound is a signal (POSIX, main thread; elsewhere the other bounds alone hold).
The growing prefixes get RENDER_SECONDS of their own: the answers of a long conversation they
have not reached by then are found by their text, as for a template that is not prefix-stable.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from ft_lint.formats import Message
from ft_lint.time_limits import time_limit

if TYPE_CHECKING:
    import jinja2

    from ft_lint.local_tokenizer import LocalModel

RENDER_SECONDS = 2.0
MAX_RENDER_CHARS = 32 << 20
MAX_VALUE_SIZE = 32 << 20  # characters of a string, items of a list, digits of a power
MAX_INTEGER_ARGUMENT = 1 << 20
_FORMAT_WIDTH = re.compile(r"%[-+ #0]*\d{7,}")  # "%100000000s": a width that allocates gigabytes
_BRACE_WIDTH = re.compile(r"\{[^{}]*:[^{}]*\d{7,}")  # the same in str.format: "{:>100000000}"
# Passed from the messages to the template as the trainer passes them (besides role and content).
MESSAGE_KEYS = ("name", "tool_calls", "tool_call_id", "reasoning_content", "thinking")


class RenderRefused(Exception):
    """The template raised, or went past a bound: the example cannot be rendered."""


class _TooLong(BaseException):
    """RENDER_SECONDS passed (a BaseException: a template's own `except` cannot swallow it)."""


@dataclass(frozen=True)
class Rendering:
    """One conversation of an example, rendered and tokenized."""

    tokens: int = 0
    trained: int = 0  # tokens in trained spans
    trained_kept: int = 0  # of those, within max_seq_length (all of them without one)
    cut_messages: tuple[Message, ...] = ()  # trained messages the cut takes tokens from
    refused: str | None = None  # why the template could not render it
    dropped: tuple[Message, ...] = ()  # messages whose text the rendered example does not hold
    guessed: bool = False  # a span was found by searching for the message's text
    cut_at: int | None = None  # max_seq_length, where the example is longer


def render_conversation(local: LocalModel, messages: list[Message], tools: Any) -> Rendering:
    """The conversation as `local`'s template renders it for training, tokenized and measured."""
    plain = any(message.verbatim for message in messages)
    try:
        text, spans, guessed = _joined(messages) if plain else _rendered(local, messages, tools)
    except RenderRefused as refused:
        return Rendering(refused=str(refused))
    offsets = local.count(text)
    starts = [start for start, _ in offsets]
    trained_at = [
        index
        for _, start, end in spans
        for index in range(bisect.bisect_left(starts, start), bisect.bisect_left(starts, end))
    ]
    budget = local.max_seq_length
    if budget is None or len(offsets) <= budget:
        return Rendering(
            len(offsets), len(trained_at), len(trained_at), dropped=_dropped(messages, text, plain), guessed=guessed
        )
    first_cut = offsets[budget][0]  # the first character the cut removes
    return Rendering(
        tokens=len(offsets),
        trained=len(trained_at),
        trained_kept=sum(1 for index in trained_at if index < budget),
        cut_messages=tuple(messages[index] for index, _, end in spans if index is not None and end > first_cut),
        dropped=_dropped(messages, text, plain),
        guessed=guessed,
        cut_at=budget,
    )


# --- spans --------------------------------------------------------------------------------

Spans = list[tuple[int | None, int, int]]  # (index of the trained message or None: not known, start, end) in the text


def _joined(messages: list[Message]) -> tuple[str, Spans, bool]:
    parts: list[str] = []
    spans: Spans = []
    position = 0
    for index, message in enumerate(messages):
        text = _content_text(message)
        if message.trained:
            spans.append((index, position, position + len(text)))
        parts.append(text)
        position += len(text)
    return "".join(parts), spans, False


def _rendered(local: LocalModel, messages: list[Message], tools: Any) -> tuple[str, Spans, bool]:
    template = _compiled(local.template)
    given = [_as_template_message(message) for message in messages]
    tools = tools if isinstance(tools, list) and tools else None

    def render(count: int, generation_prompt: bool) -> str:
        return _render(template, local, given[:count], tools, generation_prompt)

    try:
        with time_limit(RENDER_SECONDS, _TooLong):
            text = render(len(given), False)
    except _TooLong:
        raise RenderRefused(f"the template did not finish within {RENDER_SECONDS:g} s") from None
    marked = _generation_spans(text)
    if marked is not None:
        plain, blocks = marked
        answers = [index for index, m in enumerate(messages) if m.role == "assistant"]
        if len(blocks) == len(answers):  # one block per answer: weight 0 answers are not trained
            pairs = zip(answers, blocks, strict=True)
            return plain, [(index, *span) for index, span in pairs if messages[index].trained], False
        return plain, [(None, *span) for span in blocks], False
    trained = [index for index, message in enumerate(messages) if message.trained]
    by_prefixes: list[tuple[int, int] | None] = []
    try:  # the prefixes of a long conversation take long: the answers left when time is up are searched for
        with time_limit(RENDER_SECONDS, _TooLong):
            for index in trained:
                by_prefixes.append(_prefix_span(render, index, text))
    except _TooLong:
        pass
    spans: Spans = []
    guessed = False
    searched_from = 0
    for number, index in enumerate(trained):
        span = by_prefixes[number] if number < len(by_prefixes) else None
        if span is None:
            guessed = True
            span = _found(messages[index], text, searched_from)
        if span is not None:
            spans.append((index, *span))
            searched_from = span[1]
    return text, spans, guessed


def _prefix_span(render: Callable[[int, bool], str], index: int, text: str) -> tuple[int, int] | None:
    """The answer at `index` by growing prefixes; None where the template is not prefix-stable."""
    try:
        before = render(index, True)
        through = render(index + 1, False)
    except RenderRefused:
        return None  # the whole conversation renders, this prefix does not: search instead
    if not (through.startswith(before) and text.startswith(through)):
        return None
    return len(before), len(through)


def _found(message: Message, text: str, start: int) -> tuple[int, int] | None:
    wanted = _content_text(message).strip()
    position = text.find(wanted, start) if wanted else -1
    return None if position < 0 else (position, position + len(wanted))


def _dropped(messages: list[Message], text: str, plain: bool) -> tuple[Message, ...]:
    """Messages with some text that the rendered example does not hold (plain text is joined as
    it is: nothing is dropped)."""
    if plain:
        return ()
    return tuple(
        message for message in messages if any(not _rendered_in(piece, text) for piece in _text_pieces(message))
    )


def _rendered_in(piece: str, text: str) -> bool:
    """Whether the rendered text holds this text of a message: as written, trimmed, or JSON-encoded
    (templates `tojson` some messages: Llama 3.1's tool results). A blank text is not looked for."""
    trimmed = piece.strip()
    return not trimmed or trimmed in text or json.dumps(trimmed, ensure_ascii=False)[1:-1] in text


def _text_pieces(message: Message) -> list[str]:
    if message.texts:
        return [text for _, text in message.texts if isinstance(text, str)]
    content = message.content
    if isinstance(content, list):
        return [part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)]
    return [content] if isinstance(content, str) else []


def _content_text(message: Message) -> str:
    return "\n".join(_text_pieces(message))


def _as_template_message(message: Message) -> dict[str, Any]:
    """The message as the trainer gives it to the template: role, content (as written where it is a
    string or OpenAI's typed parts; else, as another format's parts or fields, its texts joined by
    a line break), and the keys templates read."""
    content = message.content
    typed_parts = isinstance(content, list) and all(isinstance(part, dict) and "type" in part for part in content)
    if message.texts or not (isinstance(content, str) or typed_parts):
        content = _content_text(message)
    given = {"role": message.role, "content": content}
    given.update({key: message.data[key] for key in MESSAGE_KEYS if key in message.data})
    return given


# --- the sandbox --------------------------------------------------------------------------

_MARK = secrets.token_hex(8)  # what a generation block is wrapped in: data cannot guess it
_OPEN, _CLOSE = f"\x00{_MARK}<\x00", f"\x00{_MARK}>\x00"
_MARKS = re.compile(f"{re.escape(_OPEN)}|{re.escape(_CLOSE)}")


def _generation_spans(text: str) -> tuple[str, list[tuple[int, int]]] | None:
    """The text without its generation marks, and each block's span; None when the template has
    no generation block here (or blocks inside blocks, which transformers does not track either)."""
    if _OPEN not in text:
        return None
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    position = length = 0
    opened: int | None = None
    for mark in _MARKS.finditer(text):
        plain.append(text[position : mark.start()])
        length += mark.start() - position
        position = mark.end()
        if (mark.group() == _OPEN) == (opened is not None):
            return None
        if opened is None:
            opened = length
        else:
            spans.append((opened, length))
            opened = None
    plain.append(text[position:])
    return "".join(plain), spans


def _render(
    template: jinja2.Template, local: LocalModel, messages: list[dict[str, Any]], tools: Any, generation_prompt: bool
) -> str:
    written: list[str] = []
    size = 0
    try:
        for chunk in template.generate(
            **local.special_tokens, messages=messages, tools=tools, add_generation_prompt=generation_prompt
        ):
            size += len(chunk)
            if size > MAX_RENDER_CHARS:
                raise RenderRefused(f"the template wrote more than {MAX_RENDER_CHARS:,} characters")
            written.append(chunk)
    except RenderRefused:
        raise
    except _TooLong:
        raise
    except Exception as error:  # the template's raise_exception, or any error of its code
        raise RenderRefused(_said(error)) from None
    return "".join(written)


def _said(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:200] + ("…" if len(text) > 200 else "")


@functools.lru_cache(maxsize=8)
def _compiled(source: str) -> jinja2.Template:
    """The template compiled in the sandbox; RenderRefused when it does not compile."""
    try:
        return _environment().from_string(source)
    except Exception as error:  # a syntax error, an unknown tag
        raise RenderRefused(f"the template does not compile: {_said(error)}") from None


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(jinja2.ext.Extension):
        """`{% generation %}...{% endgeneration %}`: its output wrapped in marks found after rendering."""

        tags = {"generation"}  # noqa: RUF012 (Jinja's own class attribute)

        def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.Node:
            line = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_mark"), [], [], body).set_lineno(line)

        def _mark(self, caller: Callable[[], str]) -> str:
            return f"{_OPEN}{caller()}{_CLOSE}"

    class Bounded(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+", "%"})

        def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
            _check_binop(operator, left, right)
            return super().call_binop(context, operator, left, right)

        def getattr(self, obj: Any, attribute: str) -> Any:
            if isinstance(obj, str) and attribute in ("format", "format_map") and _BRACE_WIDTH.search(obj):
                raise RenderRefused("the template formats with a width of millions of characters")
            return super().getattr(obj, attribute)

        def call(self, context: jinja2.runtime.Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            _check_arguments(args, kwargs)
            return super().call(context, obj, *args, **kwargs)

    environment = Bounded(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, jinja2.ext.loopcontrols])
    environment.filters = {name: _bounded_filter(function) for name, function in environment.filters.items()}
    environment.filters["tojson"] = _tojson
    environment.globals["raise_exception"] = _raise_exception
    environment.globals["strftime_now"] = _strftime_now
    return environment


def _raise_exception(message: str) -> NoReturn:
    import jinja2

    raise jinja2.exceptions.TemplateError(message)


def _tojson(
    value: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None, sort_keys: bool = False
) -> str:
    _check_arguments((indent,), {})
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _strftime_now(format: str) -> str:  # noqa: A002 (the name templates call it with)
    return datetime.datetime.now().strftime(format)


def _bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)  # keeps Jinja's pass_context / pass_environment marks
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args, kwargs)
        return function(*args, **kwargs)

    return bounded


def _check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER_ARGUMENT:
            raise RenderRefused(f"the template passes {value:,} to a function (more than {MAX_INTEGER_ARGUMENT:,})")
        if isinstance(value, str) and len(value) < 4096 and _FORMAT_WIDTH.search(value):
            raise RenderRefused("the template formats with a width of millions of characters")


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "*":
        sizes = [len(v) for v in (left, right) if isinstance(v, (str, list, tuple))]
        counts = [v for v in (left, right) if isinstance(v, int) and not isinstance(v, bool)]
        if sizes and counts and sizes[0] * abs(counts[0]) > MAX_VALUE_SIZE:
            raise RenderRefused("the template multiplies a value beyond the size ft-lint renders")
    elif operator == "**":
        if isinstance(right, (int, float)) and abs(right) > 1024 and isinstance(left, (int, float)) and abs(left) > 1:
            raise RenderRefused("the template raises a number to a power beyond the size ft-lint renders")
    elif operator == "+":
        if (
            isinstance(left, (str, list, tuple))
            and isinstance(right, (str, list, tuple))
            and len(left) + len(right) > MAX_VALUE_SIZE
        ):
            raise RenderRefused("the template adds up values beyond the size ft-lint renders")
    elif operator == "%" and isinstance(left, str):
        if _FORMAT_WIDTH.search(left):
            raise RenderRefused("the template formats with a width of millions of characters")
        _check_arguments(right if isinstance(right, tuple) else (right,), {})  # "%*d" % (10**10, 1)
