"""`ft-lint stats`: per file, the examples, their tokens, the default epochs and what training costs.

Call `collect_stats(paths, settings)` (or `file_stats(path, settings)`) for the numbers;
`FileStats.as_json()` is the object `ft-lint stats --output-format json` prints per file.

How the figures are made:
* examples: the file's non-blank lines (or array elements); invalid_examples: those that are
  not a valid example of their format (unparsable, not an object, no format, or rejected by
  the format's schema). Tokens are counted for every example that follows a known format.
* tokens: per example as ft_lint.tokens counts them with the model's tokenizer (`ft-lint rule
  FT301` gives the formula); p50 and p95 by the nearest-rank method; trained: tokens of the
  assistant replies the model learns (weight not 0). exact is false where the model's
  tokenizer does not ship with ft-lint (counts are then estimates), or where a text with no
  line break in its first 131,072 characters had to be counted in pieces cut where a token may
  change (the text report says how many: see ft_lint.tokens).
* epochs: what the provider picks when none is given (models.Model.epochs_by_default).
* billed_tokens: epochs x the tokens of the file, each example counted up to the model's
  limit per example (longer ones are truncated), as OpenAI's cookbook "Data preparation and
  analysis for chat model fine-tuning" estimates the charge (n_epochs x
  n_billing_tokens_in_dataset) and Together bills (n_epochs x tokens of the training file);
  cost_usd: billed_tokens x the model's price per 1M training tokens, null where the model is
  not billed per token or its price is unknown.
* costs: the same per model: for the named model, or, with none named, for every model that
  trains on the file's format.
* local (with --tokenizer): each example as the model folder's chat template renders it
  (ft_lint/chat_templates.py), against --max-seq-length: how many examples fit, are cut, lose
  every trained token to the cut, or are refused by the template; their tokens (min, p50,
  p95, max, trained). An example with two conversations (a preference pair) is measured by
  its longer one.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ft_lint.config import Settings, current_date
from ft_lint.context import file_context
from ft_lint.errors import UsageError
from ft_lint.escaping import json_text, terminal
from ft_lint.files import collect_files, display_name
from ft_lint.formats import detect
from ft_lint.model_choice import ModelChoice
from ft_lint.models import Model, load_models
from ft_lint.reader import Kind, UnreadableFile, WholeFileProblem, read_entries
from ft_lint.record import Record
from ft_lint.tokens import PIECE_CHARS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ft_lint.chat_templates import Rendering
    from ft_lint.tokens import TokenCount


@dataclass(frozen=True)
class TokenStats:
    total: int
    min: int | None  # None: no example to measure
    p50: int | None
    p95: int | None
    max: int | None
    trained: int
    exact: bool


@dataclass(frozen=True)
class Cost:
    model: str
    provider: str
    tokens: int  # the file's tokens with this model's tokenizer
    exact: bool
    epochs: int
    billed_tokens: int
    cost_usd: float | None
    price_per_1m_training_tokens: float | None
    trains_on_format: bool = True  # False: the model does not train on the file's format, so no price

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "provider": self.provider,
            "tokens": self.tokens,
            "exact": self.exact,
            "epochs": self.epochs,
            "billed_tokens": self.billed_tokens,
            "cost_usd": _rounded(self.cost_usd),
            "price_per_1m_training_tokens": self.price_per_1m_training_tokens,
        }


@dataclass
class LocalStats:
    """The file's examples as the --tokenizer model renders them, against its sequence length."""

    tokenizer: str
    max_seq_length: int | None
    examples: int = 0  # rendered (the template refused none of their conversations)
    fit: int = 0  # within max_seq_length (all, without one)
    cut: int = 0  # longer: training cuts them
    lose_everything: int = 0  # cut before their first trained token
    refused: int = 0  # the template refuses them (FT308)
    totals: array[int] = field(default_factory=lambda: array("Q"), repr=False)
    trained: int = 0

    def add(self, renderings: list[Rendering]) -> None:
        if not renderings:
            return
        if any(r.refused is not None for r in renderings):
            self.refused += 1
            return
        longest = max(renderings, key=lambda r: r.tokens)
        self.examples += 1
        self.totals.append(longest.tokens)
        self.trained += longest.trained
        if longest.cut_at is None:
            self.fit += 1
            return
        self.cut += 1
        self.lose_everything += longest.trained > 0 and not longest.trained_kept

    def as_json(self) -> dict[str, Any]:
        ordered = sorted(self.totals)
        return {
            "tokenizer": self.tokenizer,
            "max_seq_length": self.max_seq_length,
            "examples": self.examples,
            "fit": self.fit,
            "cut": self.cut,
            "lose_everything": self.lose_everything,
            "refused": self.refused,
            "tokens": {
                "total": sum(ordered),
                "min": ordered[0] if ordered else None,
                "p50": nearest_rank(ordered, 50) if ordered else None,
                "p95": nearest_rank(ordered, 95) if ordered else None,
                "max": ordered[-1] if ordered else None,
                "trained": self.trained,
            },
        }


@dataclass
class FileStats:
    filename: str
    format: str | None
    choice: ModelChoice
    examples: int
    invalid_examples: int
    messages: int
    tokens: TokenStats
    costs: list[Cost]  # the chosen model's first
    per_example: array[int] = field(repr=False)  # tokens of each counted example, in file order
    texts_cut: int = 0  # texts the chosen model's tokenizer counted in pieces cut where a token may change
    local: LocalStats | None = None  # --tokenizer: the examples against its sequence length

    @property
    def cost(self) -> Cost:
        return self.costs[0]

    def as_json(self) -> dict[str, Any]:
        """docs/spec.md's stats object, plus messages, model_chosen and costs."""
        return {
            "filename": self.filename,
            "format": self.format,
            "model": self.choice.model.id,
            "model_chosen": self.choice.chosen,
            "examples": self.examples,
            "invalid_examples": self.invalid_examples,
            "messages": self.messages,
            "tokens": vars(self.tokens).copy(),
            "epochs": self.cost.epochs,
            "billed_tokens": self.cost.billed_tokens,
            "cost_usd": _rounded(self.cost.cost_usd),
            "costs": [cost.as_json() for cost in self.costs],
            **({"local": self.local.as_json()} if self.local else {}),
        }


def collect_stats(paths: list[Path], settings: Settings) -> list[FileStats]:
    """Stats of each file named, and of each data file in the folders named."""
    return [file_stats(path, settings) for path in collect_files(paths, settings.own_files)]


class _Counts:
    """Per-example token totals with one tokenizer, and what they add up to."""

    def __init__(self) -> None:
        self.totals: array[int] = array("Q")
        self.trained = 0
        self.exact = True

    def add(self, count: TokenCount) -> None:
        self.totals.append(count.total)
        self.trained += count.trained
        self.exact = self.exact and count.exact

    def billed_per_epoch(self, model: Model) -> int:
        return sum(min(total, model.context_tokens) for total in self.totals)


def file_stats(path: Path, settings: Settings) -> FileStats:
    from ft_lint.tokens import count_record, counting_key, texts_cut

    filename = display_name(path)
    local_model = settings.local_model()
    local = LocalStats(local_model.name, local_model.max_seq_length) if local_model else None
    try:
        context = file_context(path, settings, current_date(settings))
        forced, file_format, format_name, choice = context.forced, context.format, context.format_name, context.choice
        compared = _compared_models(choice, format_name)
        # one tally per way of counting, kept with a model that counts so
        counting = {counting_key(model.encoding, model.id): model for model in reversed(compared)}
        counts = {key: _Counts() for key in counting}
        cuts_before = texts_cut(choice.model.encoding)
        examples = invalid = messages = 0
        for entry in read_entries(path):
            if entry.kind is Kind.BLANK:
                continue
            examples += 1
            record_format = (
                (forced or detect(entry.value, preferred=file_format)) if entry.kind is Kind.RECORD else None
            )
            if record_format is None or not record_format.is_valid(entry.value):
                invalid += 1
            if record_format is None:
                continue
            record = Record(filename, entry.line, entry.raw, entry.value, record_format, local=local_model)
            messages += len(record.messages)
            if local:
                local.add(record.renderings)
            for key, tally in counts.items():
                model = counting[key]
                tally.add(count_record(entry.value, record_format.name, model.encoding, model.id))
    except WholeFileProblem as problem:
        raise UsageError(f"{filename}: {problem.message}") from None
    except UnreadableFile as error:
        raise UsageError(str(error)) from None
    main = counts[counting_key(choice.model.encoding, choice.model.id)]
    return FileStats(
        filename=filename,
        format=format_name,
        choice=choice,
        examples=examples,
        invalid_examples=invalid,
        messages=messages,
        tokens=_token_stats(main),
        costs=[
            _cost(model, counts[counting_key(model.encoding, model.id)], examples, format_name) for model in compared
        ],
        per_example=main.totals,
        texts_cut=texts_cut(choice.model.encoding) - cuts_before,
        local=local,
    )


def _compared_models(choice: ModelChoice, format_name: str | None) -> list[Model]:
    if choice.chosen or format_name is None:
        return [choice.model]
    others = [m for m in load_models().values() if format_name in m.formats and m.id != choice.model.id]
    return [choice.model, *others]


def _token_stats(counts: _Counts) -> TokenStats:
    ordered = sorted(counts.totals)
    if not ordered:
        return TokenStats(0, None, None, None, None, 0, counts.exact)
    return TokenStats(
        total=sum(ordered),
        min=ordered[0],
        p50=nearest_rank(ordered, 50),
        p95=nearest_rank(ordered, 95),
        max=ordered[-1],
        trained=counts.trained,
        exact=counts.exact,
    )


def nearest_rank(ordered: list[int], percent: float) -> int:
    """The smallest value with at least ``percent``% of the values at or below it."""
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def _cost(model: Model, counts: _Counts, examples: int, format_name: str | None) -> Cost:
    epochs = model.epochs_by_default(examples) if examples else 0
    billed = epochs * counts.billed_per_epoch(model)
    trains = format_name is None or format_name in model.formats
    price = model.price_per_1m_training_tokens if trains else None
    return Cost(
        model=model.id,
        provider=model.provider,
        tokens=sum(counts.totals),
        exact=counts.exact,
        epochs=epochs,
        billed_tokens=billed,
        cost_usd=None if price is None else billed * price / 1_000_000,
        price_per_1m_training_tokens=price,
        trains_on_format=trains,
    )


def _rounded(cost: float | None) -> float | None:
    return None if cost is None else round(cost, 4)


# --- output ---------------------------------------------------------------------------------

HISTOGRAM_BINS = 10
BAR_WIDTH = 40


def write_json(stats: list[FileStats], out: TextIO) -> None:
    import json

    out.write(json_text(json.dumps([item.as_json() for item in stats], ensure_ascii=False, indent=2)) + "\n")


def write_text(stats: list[FileStats], out: TextIO) -> None:
    from ft_lint.model_choice import model_notes

    for item in stats:
        _write_file(item, out)
    for note in model_notes(item.choice for item in stats):
        out.write(terminal(f"note: {note}") + "\n")


def _write_file(item: FileStats, out: TextIO) -> None:
    model = item.choice.model
    how = "" if item.choice.chosen else " (assumed: no model named)"
    about = "" if item.tokens.exact else "about "
    t = item.tokens
    out.write(terminal(f"{item.filename}: {item.format or 'no known format'}, for {model.id}{how}") + "\n")
    out.write(f"  examples   {item.examples:,} ({item.invalid_examples:,} invalid), {item.messages:,} messages\n")
    if t.min is not None:
        out.write(
            f"  tokens     {about}{t.total:,} in all; per example min {t.min:,}, "
            f"p50 {t.p50:,}, p95 {t.p95:,}, max {t.max:,}\n"
        )
        out.write(f"  trained    {about}{t.trained:,} tokens of assistant replies\n")
    cost = item.cost
    if cost.trains_on_format:
        out.write(f"  epochs     {cost.epochs} ({model.epochs_rule} for {item.examples:,} examples)\n")
        out.write(f"  billed     {about}{cost.billed_tokens:,} tokens, {_price_phrase(cost)}\n")
    else:
        out.write(f"  cost       not priced: {model.id} does not train on {item.format} data\n")
    if item.texts_cut:
        out.write(
            f"  counted    in pieces: {item.texts_cut:,} text{'s' * (item.texts_cut != 1)} "
            f"with no line break in {PIECE_CHARS:,} characters, cut where a token may change\n"
        )
    if t.min is not None:
        out.write("  tokens per example:\n")
        for line in histogram(item.per_example):
            out.write(f"    {line}\n")
    if item.local:
        _write_local(item.local, out)
    if len(item.costs) > 1:
        out.write(
            f"  cost per model that trains on {item.format}, at its provider's default epochs (~: estimated tokens):\n"
        )
        rows = [
            (f"{row.model} (+{alike} alike)" if alike else row.model, row)
            for row, alike in same_cost_groups(item.costs)
        ]
        width = max(48, *(len(name) for name, _ in rows))
        out.write(
            f"    {'model':<{width}} {'provider':<13} {'tokens':>12} {'epochs':>6} {'billed tokens':>14} {'cost':>10}\n"
        )
        for name, row in rows:
            tokens = f"{'~' if not row.exact else ''}{row.tokens:,}"
            out.write(
                f"    {name:<{width}} {row.provider:<13} {tokens:>12} {row.epochs:>6} "
                f"{row.billed_tokens:>14,} {_usd(row.cost_usd):>10}\n"
            )
    out.write("\n")


def _write_local(local: LocalStats, out: TextIO) -> None:
    figures = local.as_json()
    t = figures["tokens"]
    out.write(terminal(f"  with the chat template and tokenizer of {local.tokenizer}:") + "\n")
    if t["min"] is not None:
        out.write(
            f"    tokens     {t['total']:,} in all; per example min {t['min']:,}, p50 {t['p50']:,}, "
            f"p95 {t['p95']:,}, max {t['max']:,}; {t['trained']:,} trained\n"
        )
    if local.max_seq_length is not None:
        out.write(
            f"    budget     max-seq-length {local.max_seq_length:,}: {local.fit:,} fit, {local.cut:,} cut, "
            f"{local.lose_everything:,} of them lose every trained token\n"
        )
    if local.refused:
        out.write(f"    refused    {local.refused:,} example{'s' * (local.refused != 1)} the template cannot render\n")


def same_cost_groups(costs: Sequence[Cost]) -> list[tuple[Cost, int]]:
    """The rows cheapest first, one per provider and identical figures (Together bills its 60
    models by 3 size brackets): the first model of each group, and how many more it stands
    for (the JSON output lists them all). The text report and the HTML page show these."""
    groups: dict[tuple[object, ...], list[Cost]] = {}
    for row in sorted(costs, key=lambda c: (c.cost_usd is None, c.cost_usd or 0, c.model)):
        figures = (
            row.provider,
            row.trains_on_format,
            row.tokens,
            row.exact,
            row.epochs,
            row.billed_tokens,
            row.cost_usd,
        )
        groups.setdefault(figures, []).append(row)
    return [(rows[0], len(rows) - 1) for rows in groups.values()]


def _price_phrase(cost: Cost) -> str:
    if cost.price_per_1m_training_tokens is None:
        return "cost unknown (the model is not billed per token, or its price is not in the table)"
    return f"{_usd(cost.cost_usd)} at ${cost.price_per_1m_training_tokens:,.2f} per 1M training tokens"


def _usd(amount: float | None) -> str:
    if amount is None:
        return "n/a"
    return f"${amount:,.2f}" if amount >= 0.01 or amount == 0 else f"${amount:.4f}"


def histogram(values: Sequence[int], bins: int = HISTOGRAM_BINS, width: int = BAR_WIDTH) -> list[str]:
    """Lines of a text histogram: equal-width ranges from min to max, a bar and a count each."""
    if not values:
        return []
    low, high = min(values), max(values)
    step = max(1, math.ceil((high - low + 1) / bins))
    counts = [0] * math.ceil((high - low + 1) / step)
    for value in values:
        counts[(value - low) // step] += 1
    tallest = max(counts)
    digits = len(f"{high:,}")
    lines = []
    for i, count in enumerate(counts):
        start = low + i * step
        bar = "█" * math.ceil(width * count / tallest) + " " if count else ""
        lines.append(f"{start:>{digits},} - {min(high, start + step - 1):>{digits},} | {bar}{count:,}")
    return lines
