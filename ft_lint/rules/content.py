"""FT2xx: the text inside messages."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ft_lint.edits import StripText
from ft_lint.findings import Problem, Severity, existing_pointer
from ft_lint.formats import JsonPath
from ft_lint.record import Record
from ft_lint.rules import RecordRule


class EmptyContent(RecordRule):
    """A message with empty or whitespace-only content.

    Why: an empty user turn is a question never asked; an empty assistant turn trains
    the model to say nothing. An assistant message may have empty content only when it
    makes tool calls.

    Example (flagged):
        {"role": "assistant", "content": "   "}
    Fix: fill in the text, or drop the message.
    """

    code = "FT201"
    name = "empty-content"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        # content missing or null where the schema requires it (record.classify hands it here)
        required = {error.pointer for error in record.schema_errors if error.code == self.code}
        for turn in record.turns:
            if (
                turn.text and not turn.text.isspace()
            ):  # isspace stops at the first other character; strip copies the text
                continue
            message = turn.message
            if turn.role == "assistant" and message.calls_tools:
                continue
            if turn.text is None and not (
                message.content == []
                or (message.content is None and (turn.role == "assistant" or turn.pointer in required))
            ):
                continue  # only image or file parts (FT113), or content of the wrong type (FT101)
            required.discard(turn.pointer)
            what = (
                "has no content"
                if turn.text is None
                else ("has empty content" if not turn.text else "has only whitespace as content")
            )
            yield Problem(f"{message.label} {what}", existing_pointer(record.value, turn.pointer))
        for pointer in sorted(required):
            yield Problem("message has no content", existing_pointer(record.value, pointer))


class SurroundingWhitespace(RecordRule):
    """Content with leading or trailing whitespace.

    Why: the model learns the whitespace too: answers that start with a space or end
    with blank lines. Plain-text prompt/completion and preference data (OpenAI's legacy
    format, TRL's standard formats) is exempt: there prompt and completion are joined as
    they are, and a completion's leading space is the documented convention.

    Example (flagged):
        {"role": "assistant", "content": "Paris.\\n\\n"}
    Fix: strip the text. `--fix --unsafe-fixes` does it: the fix changes content, so it is
    not applied by `--fix` alone, and the records it changes are re-serialised (JSON
    spacing follows the line's own style; key order and values are kept).
    """

    code = "FT202"
    name = "surrounding-whitespace"
    severity = Severity.INFO
    fixable = True
    fix_is_safe = False

    def check_record(self, record: Record) -> Iterator[Problem]:
        for turn in record.turns:
            text = turn.text
            if turn.message.verbatim:
                continue
            if text and (text[0].isspace() or text[-1].isspace()) and not text.isspace():
                where = " and ".join(
                    w for w, bad in (("leading", text[0].isspace()), ("trailing", text[-1].isspace())) if bad
                )
                yield Problem(
                    f"{turn.message.label} has {where} whitespace",
                    turn.pointer,
                    fix="strip the whitespace (unsafe fix: re-serialises the record)",
                    edit=StripText(turn.pointer),
                )


_TEMPLATE_TOKENS = re.compile(
    r"<\|(?:im_start|im_end|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|system|user|assistant|end)\|>"
    r"|\[/?INST\]|<</?SYS>>|<start_of_turn>|<end_of_turn>"
    r"|^\s*<s>|</s>\s*$"  # BOS/EOS only at the edges of the text: inside it, <s>...</s> is HTML
)
_ROLE_PREFIX = re.compile(
    r"^\s*(?:User|Assistant|Human|System|### (?:Instruction|Response|Input)):", re.IGNORECASE | re.MULTILINE
)


class ChatTemplateLeak(RecordRule):
    """Role prefixes or a chat template's special tokens inside message text.

    Finds `<|im_start|>`, `<|eot_id|>`, `[INST]`, `<start_of_turn>` and the like, `<s>`
    opening or `</s>` closing the text, and lines that start with a role label (`User:`,
    `Assistant:`, `### Response:`).

    Why: the provider applies its own chat template; text that already carries one was
    converted from another format badly, and the model learns to print the markers.

    Example (flagged):
        {"role": "assistant", "content": "Sure!<|im_end|>"}
    Fix: strip the template when converting; put each turn in its own message.
    """

    code = "FT203"
    name = "chat-template-leak"
    severity = Severity.WARNING

    def check_record(self, record: Record) -> Iterator[Problem]:
        for turn in record.turns:
            if not turn.text:
                continue
            text = turn.text
            # every marker holds "<" or "[", every role label ":": most texts skip both searches
            found = (("<" in text or "[" in text) and _TEMPLATE_TOKENS.search(text)) or (
                ":" in text and _ROLE_PREFIX.search(text)
            )
            if found:
                yield Problem(
                    f"{turn.message.label} contains {found.group(0).strip()!r}, a chat template marker", turn.pointer
                )


# A run of characters that UTF-8 bytes become when decoded as cp1252, Latin-1 or Mac Roman; it
# starts with one of _MOJIBAKE_LEADS.
_MOJIBAKE_LEADS = "ÂÃÄÅâ√"
_MOJIBAKE_CANDIDATE = re.compile(
    f"[{_MOJIBAKE_LEADS}]"
    r"[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122\u00a0-\u00bf\u2020\u2021\u2206\u2248\u2260\u2264\u2265\u25ca]{1,2}"
)
_MISDECODINGS = ("cp1252", "latin-1", "mac_roman")


class Mojibake(RecordRule):
    """Text decoded with the wrong codec (`Ã©` for `é`, `â€™` for `’`, `√©` for `é`), or U+FFFD.

    Why: the model learns the garbage and reproduces it. It comes from reading UTF-8
    bytes as cp1252, Latin-1 or Mac Roman somewhere in the pipeline; U+FFFD means bytes
    were lost for good.

    Example (flagged):
        {"role": "assistant", "content": "Bienvenue Ã  Paris, câ€™est beau"}
    Fix: re-read the source as UTF-8 (or repair with `ftfy`).
    """  # noqa: RUF002 - the example shows the real character that is misdecoded

    code = "FT204"
    name = "mojibake"
    severity = Severity.WARNING

    def check_record(self, record: Record) -> Iterator[Problem]:
        for turn in record.turns:
            if not turn.text or turn.text.isascii():  # U+FFFD and every mis-decoding are non-ASCII (isascii is O(1))
                continue
            if "\ufffd" in turn.text:
                yield Problem(
                    f"{turn.message.label} contains U+FFFD (�): bytes were lost when the text was decoded", turn.pointer
                )
                continue
            repaired = _repair(turn.text)
            if repaired:
                garbled, meant = repaired
                yield Problem(
                    f"{turn.message.label} looks mis-decoded: {garbled!r} is probably {meant!r}", turn.pointer
                )


def _repair(text: str) -> tuple[str, str] | None:
    for lead in _MOJIBAKE_LEADS:  # six searches for a character cost a fraction of the regex's scan
        if lead in text:
            break
    else:
        return None
    for found in _MOJIBAKE_CANDIDATE.finditer(text):
        candidate = found.group(0)
        for codec in _MISDECODINGS:
            try:
                meant = candidate.encode(codec).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            if meant != candidate:
                return candidate, meant
    return None


class EchoAnswer(RecordRule):
    """An answer that repeats the prompt: the final assistant text equals the last user
    text, or starts by copying it whole.

    Why: the model learns to parrot its input. This is a conversion bug (the wrong field
    copied into the answer) far more often than intended behaviour.

    Example (flagged):
        [{"role": "user", "content": "Translate: good morning"},
         {"role": "assistant", "content": "Translate: good morning"}]
    Fix: put the intended answer in the assistant message.
    """

    code = "FT205"
    name = "echo-answer"
    severity = Severity.WARNING
    _MIN_COPIED_PREFIX = 40  # shorter prompts are legitimately quoted at the start of answers

    def check_record(self, record: Record) -> Iterator[Problem]:
        texts: dict[JsonPath, list[str]] = {}
        for turn in record.turns:
            if turn.text:
                texts.setdefault(turn.message.path, []).append(turn.text)
        for conversation in record.conversations:
            user = next((m for m in reversed(conversation) if m.role == "user"), None)
            answer = conversation[-1] if conversation and conversation[-1].role == "assistant" else None
            if user is None or answer is None:
                continue
            prompt_texts, reply_texts = texts.get(user.path, []), texts.get(answer.path, [])
            # Both findings need the reply's words to start with the prompt's, so its first word
            # with the prompt's: a test that costs less than spacing both texts anew.
            if not _first_word(reply_texts).startswith(_first_word(prompt_texts)):
                continue
            prompt, reply = _plain(prompt_texts), _plain(reply_texts)
            if not prompt or not reply:
                continue
            if reply == prompt:
                yield Problem("the assistant's answer is the same text as the user's message", answer.pointer)
            elif len(prompt) >= self._MIN_COPIED_PREFIX and reply.startswith(prompt):
                yield Problem("the assistant's answer starts by repeating the user's whole message", answer.pointer)


def _plain(texts: list[str]) -> str:
    return " ".join(" ".join(texts).split())


def _first_word(texts: list[str]) -> str:
    """The first word of _plain(texts) ('' if none)."""
    for text in texts:
        words = text.split(None, 1)
        if words:
            return words[0]
    return ""
