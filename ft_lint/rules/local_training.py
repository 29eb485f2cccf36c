"""FT306-FT309: training on your own GPUs with a model's own tokenizer and chat template.

They run with `--tokenizer PATH` (and FT306/FT307 with `--max-seq-length N`): each example is
rendered by the model folder's chat template, as transformers renders it, and tokenized by its
tokenizer.json (ft_lint/chat_templates.py says how, and how the trained tokens are found).
Without --tokenizer they are silent.
"""

from __future__ import annotations

from collections.abc import Iterator

from ft_lint.findings import Problem, Severity
from ft_lint.record import Record
from ft_lint.rules import RecordRule

HOW_TRAINED_IS_FOUND = """
How it finds what is trained (ft_lint/chat_templates.py): the assistant messages (not those of
weight 0). A template with `{% generation %}` blocks marks them itself; else each answer's span
runs from where the conversation before it, rendered with add_generation_prompt, ends, to where
the conversation up to it ends (so it includes the end-of-turn token). Where a template is not
prefix-stable (it rewrites earlier turns), ft-lint guesses: the span is the answer's text found
in the rendered example. Tokens are counted as the trainer counts them: the rendered text,
tokenized with no special token added (the template writes them), cut after max-seq-length
tokens (TRL's SFTTrainer keeps the start of a longer example; a trainer that drops such
examples loses all of it).
"""


_GUESSED = "; the answers were found by their text: the template is not prefix-stable"


class _Rendered(RecordRule):
    """Shared: each conversation of the record as the --tokenizer model renders it."""

    @classmethod
    def documentation(cls) -> str:
        return super().documentation() + "\n" + HOW_TRAINED_IS_FOUND.rstrip()


class ExampleTruncated(_Rendered):
    """An example longer than max-seq-length that loses trained tokens when training cuts it.

    Why: the trainer keeps the first max-seq-length tokens of an example (TRL's SFTTrainer
    does, at its `max_length`): the end of an answer past it is never learned, and the model
    learns answers that stop mid-sentence, without their end-of-turn token.

    Example (flagged, --max-seq-length 4096): a conversation of 5,210 tokens as the template
    renders it, whose last answer (1,300 tokens) starts at token 3,900: 1,114 of its trained
    tokens are cut off. The message gives both counts.
    Not flagged: an example of exactly 4,096 tokens; one cut only in text that is not trained
    (a user turn after the last answer; `ft-lint stats` still counts it as cut).
    Fix: shorten or split the example, or raise --max-seq-length.
    """

    code = "FT306"
    name = "example-truncated"
    severity = Severity.WARNING

    def check_record(self, record: Record) -> Iterator[Problem]:
        for rendering in record.renderings:
            if rendering.cut_at is None or not 0 < rendering.trained_kept < rendering.trained:
                continue
            lost = rendering.trained - rendering.trained_kept
            where = rendering.cut_messages[0] if rendering.cut_messages else None
            yield Problem(
                f"example has {rendering.tokens:,} tokens as the chat template renders it, "
                f"{rendering.tokens - rendering.cut_at:,} past max-seq-length {rendering.cut_at:,}: training cuts "
                f"them off, and {lost:,} of its {rendering.trained:,} trained tokens with them"
                + (f" (from {where.label})" if where else "")
                + _GUESSED * rendering.guessed,
                where.pointer if where else "",
            )


class AnswerTruncated(_Rendered):
    """An example whose every trained token lies past max-seq-length: cut, it trains nothing.

    Why: the trainer keeps the first max-seq-length tokens, all of them prompt: the example
    costs a training step and teaches nothing (with only the answers in the loss, its loss is
    empty; some trainers then report NaN).

    Example (flagged, --max-seq-length 2048): a 3,000-token document in the user turn and a
    short answer after it.
    Not flagged: an example that keeps at least one trained token (FT306 reports what it loses).
    Fix: shorten the prompt, or raise --max-seq-length.
    """

    code = "FT307"
    name = "answer-truncated"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        for rendering in record.renderings:
            if rendering.cut_at is None or rendering.trained == 0 or rendering.trained_kept:
                continue
            where = rendering.cut_messages[0] if rendering.cut_messages else None
            yield Problem(
                f"example has {rendering.tokens:,} tokens as the chat template renders it, and its answers start "
                f"after max-seq-length {rendering.cut_at:,}: training cuts off all {rendering.trained:,} trained "
                "tokens, so the example trains nothing" + _GUESSED * rendering.guessed,
                where.pointer if where else "",
            )


class TemplateRefusesExample(_Rendered):
    """An example the model's chat template refuses to render.

    Why: the trainer renders every example with this template; one it refuses stops the data
    preparation (transformers raises the template's error), or is skipped. Templates refuse
    roles they do not have (many reject a system message, or a tool message), and conversations
    that do not alternate user and assistant turns.

    Example (flagged, a template that calls raise_exception on a system message): an example
    that starts with {"role": "system", ...}. The message quotes the template's own error.
    Also reported: a template that writes more than ft-lint renders, or runs longer than its
    time bound (ft_lint/chat_templates.py): that example was not checked.
    Fix: change the data to what the template accepts (merge the system prompt into the first
    user turn, say), or use a template that accepts it.
    """

    code = "FT308"
    name = "template-refuses-example"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        refusals = [rendering.refused for rendering in record.renderings if rendering.refused is not None]
        if refusals:  # a preference pair's two conversations are refused for one reason
            yield Problem(f"the chat template cannot render this example: {refusals[0]}")


class TemplateDropsContent(_Rendered):
    """A message whose text the rendered example does not hold: the template drops or rewrites it.

    Why: the model trains on what the template renders, not on the data: a template without a
    system turn that silently leaves the system prompt out, or one that strips the reasoning of
    earlier answers, trains on less than the data holds, and nothing says so.

    How it decides: each text of a message (its content, or each text part), its surrounding
    whitespace trimmed (templates often trim), must appear in the rendered example as written
    or JSON-encoded (a template that renders a message with `tojson`, as Llama 3.1's does tool
    results, still shows it whole); a text made only of whitespace is not looked for.
    Example (flagged): a template that renders only user and assistant messages, on an example
    with a system message.
    Not flagged: a system prompt the template moves into the first user turn (its text is there).
    Fix: merge the content where the template keeps it, or use a template that renders it.
    """

    code = "FT309"
    name = "template-drops-content"
    severity = Severity.WARNING

    def check_record(self, record: Record) -> Iterator[Problem]:
        dropped = {message.pointer: message for rendering in record.renderings for message in rendering.dropped}
        for message in dropped.values():  # a preference pair's shared prompt once
            yield Problem(
                f"the text of {message.label} is not in the example as the chat template renders it: "
                "the template drops or rewrites it, so training never sees it as written",
                message.pointer,
            )
