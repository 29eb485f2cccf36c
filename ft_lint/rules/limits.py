"""FT005, FT006, FT3xx: the limits of the model the data is for.

Every finding names the model and the figure it was checked against (`ft-lint models`
shows the table and where each figure comes from). Which model that is: see
ft_lint/model_choice.py (the command line, then per-file settings, then `model =`, then the
default for the file's format, which the report then names in a note).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import ClassVar

from ft_lint.findings import Problem, Severity, row_of
from ft_lint.model_choice import human_bytes
from ft_lint.models import Model, days_until, load_models
from ft_lint.record import Record
from ft_lint.rules import FileRule, FileSummary, Option, RecordRule
from ft_lint.rules.images import may_hold_images
from ft_lint.tokens import counted_images, proven_at_most, template_allowance

TOKEN_COUNTING = """
How tokens are counted (ft_lint/tokens.py), as OpenAI's cookbook "How to count tokens with
tiktoken" (num_tokens_from_messages, num_tokens_for_tools) and "Data preparation and analysis
for chat model fine-tuning" count them, with the model's own encoding (o200k_base for the
gpt-4o / gpt-4.1 / o4 family, cl100k_base for gpt-3.5, gpt-4, babbage-002 and davinci-002):

    example = 3 (reply priming)
            + per message: 3 + tokens(role) + tokens(content) [+ tokens(name) + 1]
              + tokens(function name) + tokens(arguments) of each tool call
            + tool definitions: per function 7 (o200k) or 10 (cl100k) + tokens("name:description"),
              per property 3 + tokens("key:type:description") (+3 once per function with
              properties), per enum item 3 + its tokens (-3 per enum), and 12 once
            + per image: 85 at low detail; else fitted into 2048x2048, shortest side scaled to
              768, 170 per 512-px tile + 85 (OpenAI's vision guide); an image whose size cannot be
              read counts its largest possible cost (1,445)
    prompt/completion example = tokens(prompt) + tokens(completion)
    preference example = the input conversation once + both replies with their framing

Open models (Llama, Qwen, Mistral) are counted with their own tokenizer, read from the
registry packages of the `ft-lint[open-models]` extra, as their chat template renders the
example: every header, special token and end-of-turn token, tool definitions, calls and
results where the template writes them, and the default system message or empty think block
it adds (ft_lint/model_templates.py names each template and its source). Without the extra,
and for models whose tokenizer no package ships (Gemma, Gemini, Nova), they are counted at
about 3 UTF-8 bytes per token: messages then say "about", and the report carries a note.
No tokenizing is needed for an example whose UTF-8 byte count plus what counting adds on top
(framing and tool constants charged per "{", ":", "[" and ",", 1,445 per image; 256 more for
an open model's template) is already under the threshold: no token of these encodings is
shorter than one byte (tokens.max_tokens_upper_bound). Nor for an example whose strings hold
more UTF-8 bytes than the encoding's longest token (128 bytes for OpenAI's) times the limit:
it is over the limit whatever the exact count, and the message says "at least"
(tokens.tokens_at_least).
"""


def _tokens_phrase(count: int, how: str) -> str:
    return f"{how}{count:,} tokens"


class _ExampleLength(RecordRule):
    """Shared by FT301 and FT302: the example's tokens against a share of the model's limit."""

    uses_model = True

    @property
    def share_of_limit(self) -> float:
        """Report examples with more tokens than this share of the limit."""
        return 1.0

    def check_record(self, record: Record) -> Iterator[Problem]:
        model = record.model
        if model is None or record.format is None:
            return
        threshold = self.share_of_limit * model.context_tokens
        images = counted_images(record.format.name, record.messages) if may_hold_images(record) else 0
        if proven_at_most(record.raw, images, threshold - template_allowance(model.encoding)):
            return
        at_least = record.tokens_at_least
        if at_least is None:  # only without a format or model, ruled out above
            return
        if at_least > model.context_tokens:  # over the limit whatever the count: no text is tokenized
            yield from self.report(at_least, "at least ", model)
            return
        count = record.tokens
        if count is None:  # only without a format or model, ruled out above
            return
        if count.total > threshold:
            yield from self.report(count.total, "" if count.exact else "about ", model)

    def report(self, tokens: int, how: str, model: Model) -> Iterator[Problem]:
        """Report `tokens` (qualified by `how`: "", "about " or "at least ")."""
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        return super().documentation() + "\n" + TOKEN_COUNTING.rstrip()


class ExampleTooLong(_ExampleLength):
    """An example with more tokens than the model's training context per example.

    Why: the provider rejects the file, or cuts the example off and trains on a truncated
    conversation, often without its final answer; you pay for the tokens either way.
    The limit is per model (`ft-lint models`): 65,536 for gpt-4o, gpt-4o-mini, gpt-4.1 and
    gpt-4.1-mini, 32,768 for gpt-4.1-nano, 16,385 for gpt-3.5-turbo-0125, 4,096 for -0613.

    Example (flagged, for gpt-3.5-turbo-0613): a conversation holding a 20-page contract
    (about 9,000 tokens) where the model trains on at most 4,096 per example.
    Fix: shorten or split the conversation, or choose a model with a longer context.
    """

    code = "FT301"
    name = "example-too-long"
    severity = Severity.ERROR

    def report(self, tokens: int, how: str, model: Model) -> Iterator[Problem]:
        yield Problem(
            f"example has {_tokens_phrase(tokens, how)}, more than the {model.context_tokens:,} "
            f"a training example of {model.id} may hold"
        )


class ExampleNearLimit(_ExampleLength):
    """An example close to the model's training context per example (over 90% by default).

    Why: a slightly different tokenization (a provider's template change, a tokenizer
    estimate, an edit to the system prompt) pushes it over the limit; such examples are
    also usually far longer than the rest of the data and worth a look.

    Example (flagged, for gpt-4.1-mini, limit 65,536): an example of 61,000 tokens.
    Fix: shorten it, or raise `threshold` under [tool.ft-lint.options.FT302].
    """

    code = "FT302"
    name = "example-near-limit"
    severity = Severity.WARNING
    OPTIONS: ClassVar[dict[str, Option]] = {
        "threshold": Option(
            0.9, "share of the model's limit per example above which an example is reported", minimum=0.0, maximum=1.0
        )
    }

    @property
    def share_of_limit(self) -> float:
        threshold: float = self.options["threshold"]
        return threshold

    def report(self, tokens: int, how: str, model: Model) -> Iterator[Problem]:
        if tokens <= model.context_tokens:  # longer ones are FT301's
            share = tokens / model.context_tokens
            yield Problem(
                f"example has {_tokens_phrase(tokens, how)}, {share:.0%} of the {model.context_tokens:,} "
                f"a training example of {model.id} may hold"
            )


class _ModelFileRule(FileRule):
    """A file rule that compares the file with its model's figures."""

    uses_model = True
    only_chosen = False  # True: silent when no model was named (the default is assumed)

    def check_file(self, summary: FileSummary) -> Iterator[Problem]:
        if summary.model is not None and (summary.model_chosen or not self.only_chosen):
            yield from self.check_model(summary, summary.model)

    def check_model(self, summary: FileSummary, model: Model) -> Iterator[Problem]:
        raise NotImplementedError


class ModelRetiring(_ModelFileRule):
    """The chosen model stops taking fine-tuning jobs, or shuts down, within 60 days.

    Why: a job started after the last day for new jobs is rejected, and a fine-tuned model
    stops answering on its base's shutdown date: data prepared for it has to be checked
    again against its successor. Info within `days` of either date while the model still
    takes jobs (the message gives the date and the days left): nothing is wrong with the data
    yet, and it never stops `--launch` to that model, whatever `--fail-on` says. An error once
    the last day for new jobs has passed (or the model has shut down).

    Only for a model you named (--model, `model =`, per-file settings): with no model named,
    the assumed default is not reported, since every run would otherwise warn about a choice
    nobody made; the run's note says which model's limits were assumed.

    Example (flagged on 2026-11-22): `--model gpt-4o-mini-2024-07-18`: "takes no new
    fine-tuning jobs after 2027-01-06 (45 days left) and shuts down on 2027-01-14".
    Fix: move to a model that is not retiring (`ft-lint models` shows the dates).
    The dates are in ft_lint/models.toml with their sources; FT_LINT_TODAY=YYYY-MM-DD
    pretends today is another day.
    """

    code = "FT304"
    name = "model-retiring"
    severity = Severity.INFO
    only_chosen = True
    OPTIONS: ClassVar[dict[str, Option]] = {
        "days": Option(
            60, "report this many days ahead of the model's last day for new jobs or shutdown", minimum=0, maximum=3650
        )
    }

    def check_model(self, summary: FileSummary, model: Model) -> Iterator[Problem]:
        today = summary.today or dt.date.today()
        if model.is_retired(today):
            yield Problem(self._past(model, today), severity=Severity.ERROR)
            return
        soon = [
            day
            for day in (model.last_new_jobs_date, model.shutdown_date)
            if day and days_until(day, today) <= self.options["days"]
        ]
        if soon:
            yield Problem(self._upcoming(model, today))

    @staticmethod
    def _past(model: Model, today: dt.date) -> str:
        if model.shutdown_date is not None and model.is_shut_down(today):
            ago = _days(-days_until(model.shutdown_date, today))
            return f"{model.id} shut down on {model.shutdown_date} ({ago} ago); {CHOOSE_ANOTHER}"
        last_day = model.last_new_jobs_date
        assert last_day is not None, "called only for a model past its last day for new jobs or shut down"
        ago = _days(-days_until(last_day, today))
        return (
            f"{model.id} took its last new fine-tuning jobs on {last_day} ({ago} ago): "
            f"a job for it will be rejected; {CHOOSE_ANOTHER}"
        )

    @staticmethod
    def _upcoming(model: Model, today: dt.date) -> str:
        parts = []
        if model.last_new_jobs_date:
            left = _days_left(model.last_new_jobs_date, today)
            parts.append(f"takes no new fine-tuning jobs after {model.last_new_jobs_date} ({left})")
        if model.shutdown_date:
            parts.append(f"shuts down on {model.shutdown_date} ({_days_left(model.shutdown_date, today)})")
        return f"{model.id} {' and '.join(parts)}"


def _days_left(day: dt.date, today: dt.date) -> str:
    left = days_until(day, today)
    return "today is the last day" if left == 0 else f"{_days(left)} left"


def _days(count: int) -> str:
    return f"{count:,} day{'s' * (count != 1)}"


CHOOSE_ANOTHER = "choose another model (`ft-lint models` lists them with their dates)"


class FormatNotSupported(_ModelFileRule):
    """The chosen model does not train on this file's format.

    Why: each model trains on some formats only: gpt-3.5-turbo takes chat data but not
    preference (DPO) pairs, babbage-002 and davinci-002 take prompt/completion only,
    o4-mini takes reinforcement fine-tuning data only. The job is rejected after upload.

    Only for a model you named: with no model named, each format is checked against a
    default model that trains on it.

    Example (flagged): `--model gpt-3.5-turbo-0125` on a file of
    {"input": {...}, "preferred_output": [...], "non_preferred_output": [...]}.
    Fix: choose a model that takes the format (`ft-lint models` lists formats per model),
    or convert the data.
    """

    code = "FT305"
    name = "format-not-supported"
    severity = Severity.ERROR
    only_chosen = True

    def check_model(self, summary: FileSummary, model: Model) -> Iterator[Problem]:
        if summary.format is None or summary.format in model.formats:
            return
        takers = [m.id for m in load_models().values() if m.provider == model.provider and summary.format in m.formats]
        others = (
            f"; {model.provider} models that do: {', '.join(takers)}" if takers else f"; no {model.provider} model does"
        )
        yield Problem(
            f"{model.id} does not train on {summary.format} data (it takes {', '.join(model.formats)}){others}"
        )


class FileTooLarge(_ModelFileRule):
    """A file over the provider's upload limit for one training file.

    Why: the upload is refused after you waited for it. The limit is the most the provider
    takes with its multi-part upload where it has one: OpenAI's Files API takes 512 MB in one
    request and its Uploads API (which `--launch` uses above that) up to 8 GB.

    Example (flagged, for gpt-4.1-mini): a 9 GB training file.
    Fix: split the data, or drop duplicates and over-long examples.
    """

    code = "FT005"
    name = "file-too-large"
    severity = Severity.ERROR

    def check_model(self, summary: FileSummary, model: Model) -> Iterator[Problem]:
        if model.upload_limit_bytes is not None and summary.size_bytes > model.upload_limit_bytes:
            yield Problem(
                f"file is {human_bytes(summary.size_bytes)} ({summary.size_bytes:,} bytes); "
                f"{model.provider} takes training files of up to {human_bytes(model.upload_limit_bytes)} for {model.id}"
            )


class TooFewExamples(_ModelFileRule):
    """Fewer examples than the provider accepts (an error), or than it recommends (info).

    Why: OpenAI rejects a training file with fewer than 10 examples, and recommends
    starting with at least 50 well-crafted ones: below that, a fine-tune rarely beats a
    good prompt. The figures are per model (`ft-lint models`).

    Examples are the JSON objects in the file, valid or not. A validation file (paired
    by --validation, `pairs` or its name) has no minimum and is not checked.

    Example (flagged): a training file of 8 conversations (error), or of 30 (info: a small
    file may be a deliberate start).
    Fix: add examples.
    """

    code = "FT006"
    name = "too-few-examples"
    severity = Severity.ERROR

    def check_model(self, summary: FileSummary, model: Model) -> Iterator[Problem]:
        if summary.is_validation:
            return  # the minimums are the training file's
        have = f"file has {summary.records:,} example{'s' * (summary.records != 1)}"
        if not summary.records and row_of(summary.filename, 1) is None:  # a file of broken lines: say what an
            have += " (no line holds a JSON object)"  # example is, so the count reads true (a Parquet file has rows)
        if summary.records < model.min_examples:
            yield Problem(f"{have}; {model.provider} needs at least {model.min_examples:,} to fine-tune {model.id}")
        elif model.recommended_examples and summary.records < model.recommended_examples:
            yield Problem(
                f"{have}; {model.provider} recommends at least {model.recommended_examples:,} for {model.id}",
                severity=Severity.INFO,
            )


class TooManyExamples(_ModelFileRule):
    """More examples than the provider takes in one training file, or in one validation file.

    Why: the job is rejected after the upload. Bedrock takes at most 20,000 records for
    Amazon Nova and 10,000 for Meta Llama (training and validation together, a quota that can
    be raised); Vertex AI at most 5,000 validation examples for Gemini; Fireworks 3 million per
    dataset. The figures are per model (`ft-lint models --output-format json`: max_examples,
    max_validation_examples); a model with no published maximum is never reported.

    Examples are the JSON objects in the file, valid or not, as FT006 counts them. A file paired
    as validation data (--validation, `pairs` or its name) is held to the validation maximum, and
    a training file to the training one. Where the provider counts both files together
    (Bedrock), each file is checked alone against that maximum: a pair whose sum is over it is
    not reported, since ft-lint sees one file at a time.

    Example (flagged, for amazon.nova-lite-v1:0:300k): a training file of 25,000 conversations.
    Fix: sample the data down (drop duplicates first), or ask the provider to raise the quota.
    """

    code = "FT123"
    name = "too-many-examples"
    severity = Severity.ERROR

    def check_model(self, summary: FileSummary, model: Model) -> Iterator[Problem]:
        most = model.max_validation_examples if summary.is_validation else model.max_examples
        if most is not None and summary.records > most:
            kind = "validation" if summary.is_validation else "training"
            yield Problem(
                f"file has {summary.records:,} examples; {model.provider} takes at most {most:,} "
                f"in a {kind} file for {model.id}"
            )
