"""The model table (ft_lint/models.toml) and ft_lint.models."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from importlib import resources

import pytest
import tomllib

from ft_lint import models
from ft_lint.models import ModelTableError, UnknownModelError, default_epochs, parse_models, resolve_model

FIELDS = (
    "id", "aliases", "provider", "formats", "context_tokens", "encoding",
    "price_per_1m_training_tokens", "min_examples", "recommended_examples", "max_examples",
    "max_validation_examples", "upload_limit_bytes", "deprecation_date", "last_new_jobs_date", "shutdown_date",
    "sources",
)  # fmt: skip
SOURCE_GROUPS = ("context", "formats", "price", "limits", "dates")


@pytest.fixture(scope="module")
def raw_table() -> list[dict]:
    """The shipped table as TOML, read without ft_lint.models, to check the loader's input."""
    text = resources.files("ft_lint").joinpath("models.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["model"]


# --- the shipped table ------------------------------------------------------------------


def test_every_model_writes_every_field_and_every_source(raw_table):
    for entry in raw_table:
        assert set(entry) == set(FIELDS), entry.get("id")
        assert set(entry["sources"]) >= set(SOURCE_GROUPS), entry["id"]
        for group, source in entry["sources"].items():
            assert source["url"].startswith("https://"), (entry["id"], group)
            assert type(source["read"]) is dt.date, (entry["id"], group)
            assert isinstance(source["verified"], bool), (entry["id"], group)


def test_unverified_figures_say_why(raw_table):
    for entry in raw_table:
        for group, source in entry["sources"].items():
            if not source["verified"]:
                assert source.get("note"), (entry["id"], group)


def test_ids_and_aliases_are_unique(raw_table):
    names = [name for entry in raw_table for name in (entry["id"], *entry["aliases"])]
    assert len(names) == len(set(names))


def test_table_loads_and_values_are_typed():
    table = models.load_models()
    assert len(table) >= 100
    for model in table.values():
        assert model.provider in models.PROVIDERS
        assert model.formats and set(model.formats) <= models.FORMATS
        assert model.context_tokens >= 1024
        assert model.min_examples >= 1
        assert model.upload_limit_bytes is None or model.upload_limit_bytes >= 1_000_000
        assert model.recommended_examples is None or model.recommended_examples >= model.min_examples
        assert model.max_examples is None or model.max_examples >= (model.recommended_examples or model.min_examples)
        assert model.max_validation_examples is None or model.max_validation_examples >= 1
        assert model.price_per_1m_training_tokens is None or model.price_per_1m_training_tokens > 0


def test_every_provider_has_models_and_every_format_a_schema():
    from ft_lint.formats import all_formats

    table = models.load_models().values()
    assert {m.provider for m in table} == models.PROVIDERS  # `ft-lint models --provider` offers no empty choice
    assert set(all_formats()) >= models.FORMATS


@pytest.mark.parametrize("provider", sorted(models.PROVIDERS))
def test_every_provider_cites_a_source_for_every_figure_group(provider):
    for model in (m for m in models.load_models().values() if m.provider == provider):
        assert set(model.sources) == set(SOURCE_GROUPS), model.id
        for group, source in model.sources.items():
            assert source.url.startswith("https://") and source.note, (model.id, group)
            assert dt.date(2026, 11, 1) <= source.read <= dt.date(2026, 12, 31), (model.id, group)


def test_new_providers_carry_their_published_limits():
    table = models.load_models()
    nova = table["amazon.nova-lite-v1:0:300k"]
    assert (nova.min_examples, nova.max_examples) == (8, 20_000)
    assert {"bedrock-conversation", "bedrock-distillation"} <= set(nova.formats)
    llama = table["meta.llama3-1-8b-instruct-v1:0:128k"]
    assert (llama.context_tokens, llama.min_examples, llama.max_examples) == (16_000, 100, 10_000)
    assert "openai-prompt-completion" in llama.formats  # Bedrock's {"prompt", "completion"} lines
    gemini = table["gemini-2.5-flash"]
    assert (gemini.context_tokens, gemini.max_validation_examples, gemini.upload_limit_bytes) == (131_072, 5_000, 10**9)
    fireworks = table["accounts/fireworks/models/llama-v3p1-8b-instruct"]
    assert (fireworks.min_examples, fireworks.max_examples) == (3, 3_000_000)
    assert set(fireworks.formats) == {"openai-chat", "openai-preference"}
    assert resolve_model("amazon.nova-micro-v1:0").id == "amazon.nova-micro-v1:0:128k"


def test_retired_models_of_other_providers_carry_their_dates():
    flash = models.load_models()["gemini-2.0-flash-001"]
    assert flash.last_new_jobs_date == dt.date(2026, 1, 5) and flash.shutdown_date == dt.date(2026, 2, 5)
    assert flash.is_retired(dt.date(2026, 1, 6)) and not flash.is_retired(dt.date(2026, 1, 5))


def test_dates_are_ordered_where_present():
    for model in models.load_models().values():
        present = [d for d in (model.deprecation_date, model.last_new_jobs_date, model.shutdown_date) if d]
        assert present == sorted(present), model.id


def test_every_named_encoding_is_shipped_with_a_known_hash():
    from ft_lint.open_tokenizers import CATALOG
    from ft_lint.tokens import ENCODING_SHA256

    folder = resources.files("ft_lint").joinpath("encodings")
    for model in models.load_models().values():
        if model.encoding in CATALOG:  # an open model's: its package's file, hash-checked (test_open_tokenizers)
            continue
        if model.encoding is not None:
            assert model.encoding in ENCODING_SHA256, model.id
            assert folder.joinpath(f"{model.encoding}.tiktoken").is_file(), model.id


REQUIRED_OPENAI = {
    # id: (context tokens per example, format)
    "gpt-4.1-2025-04-14": (65_536, "openai-chat"),
    "gpt-4.1-mini-2025-04-14": (65_536, "openai-chat"),
    "gpt-4.1-nano-2025-04-14": (32_768, "openai-chat"),
    "gpt-4o-2024-08-06": (65_536, "openai-chat"),
    "gpt-4o-mini-2024-07-18": (65_536, "openai-chat"),
    "o4-mini-2025-04-16": (65_536, "openai-rft"),
    "gpt-3.5-turbo-0125": (16_385, "openai-chat"),
    "gpt-3.5-turbo-1106": (16_385, "openai-chat"),
    "gpt-3.5-turbo-0613": (4_096, "openai-chat"),
    "gpt-4-0613": (8_192, "openai-chat"),
    "babbage-002": (16_384, "openai-prompt-completion"),
    "davinci-002": (16_384, "openai-prompt-completion"),
}


@pytest.mark.parametrize("model_id", sorted(REQUIRED_OPENAI))
def test_openai_models_carry_the_product_owner_figures(model_id):
    model = models.load_models()[model_id]
    context, format_name = REQUIRED_OPENAI[model_id]
    assert model.provider == "openai"
    assert model.context_tokens == context
    assert format_name in model.formats
    assert model.min_examples == 10
    assert model.recommended_examples == (None if format_name == "openai-rft" else 50)
    assert model.upload_limit_bytes == 8_000_000_000  # the Uploads API's limit, which --launch uses


def test_openai_job_and_shutdown_dates():
    table = models.load_models()
    still_trainable = [m for m in table.values() if m.provider == "openai" and m.id != "gpt-3.5-turbo-0613"]
    assert {m.last_new_jobs_date for m in still_trainable} == {dt.date(2027, 1, 6)}
    shutting = {"gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14"}
    for model_id in shutting:
        assert table[model_id].shutdown_date == dt.date(2027, 1, 14)


def test_other_providers_are_present():
    table = models.load_models().values()
    azure = {m.id for m in table if m.provider == "azure-openai"}
    together = {m.id for m in table if m.provider == "together"}
    assert {"azure/gpt-4o-mini-2024-07-18", "azure/gpt-4.1-2025-04-14", "azure/gpt-35-turbo-0125"} <= azure
    assert "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference" in together
    for family in ("meta-llama/", "Qwen/Qwen2.5", "Qwen/Qwen3", "mistralai/", "google/gemma"):
        assert any(i.startswith(family) for i in together), family
    for listed in ("Qwen/Qwen3.5-9B", "openai/gpt-oss-20b", "meta-llama/Llama-4-Scout-17B-16E-Instruct"):
        assert listed in together, listed  # Together's supported-models list of 2026-12-07
    # Gemma's tokenizer ships in no registry package: its counts stay estimates
    together_models = [m for m in table if m.provider == "together"]
    expected_by_family = {
        "meta-llama/meta-llama-3": "llama3",
        "meta-llama/llama-3": "llama3",
        "meta-llama/llama-4": "llama4",
        "qwen/qwen2.5": "qwen2",
        "qwen/qwen3-": "qwen2",
        "qwen/qwen3.5": "qwen3.5",
        "mistralai/": "mistral-v1",
        "google/gemma": None,
    }
    for family, encoding in expected_by_family.items():
        members = [m for m in together_models if m.id.lower().startswith(family)]
        assert members, family
        assert {m.encoding for m in members} == {encoding}, family


def test_default_model_exists():
    assert resolve_model(models.DEFAULT_MODEL_ID).id == models.DEFAULT_MODEL_ID


@pytest.mark.slow
def test_loading_models_does_not_import_tiktoken():
    code = (
        "import sys, ft_lint.models as m; m.load_models(); m.resolve_model('gpt-4o'); print('tiktoken' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --- validation -------------------------------------------------------------------------

VALID = """
[[model]]
id = "m-1"
aliases = ["m"]
provider = "openai"
formats = ["openai-chat"]
context_tokens = 4096
encoding = "cl100k_base"
price_per_1m_training_tokens = 8.0
min_examples = 10
recommended_examples = "none"
max_examples = "none"
max_validation_examples = 1_000
upload_limit_bytes = 512_000_000
deprecation_date = 2026-05-07
last_new_jobs_date = 2027-01-06
shutdown_date = "none"
[model.sources.context]
url = "https://example.com/a"
read = 2026-11-22
verified = true
[model.sources.formats]
url = "https://example.com/a"
read = 2026-11-22
verified = true
[model.sources.price]
url = "https://example.com/b"
read = 2026-11-22
verified = false
note = "best known"
[model.sources.limits]
url = "https://example.com/c"
read = 2026-11-22
verified = true
[model.sources.dates]
url = "https://example.com/d"
read = 2026-11-22
verified = true
"""


def test_minimal_table_parses_with_none_values():
    model = parse_models(VALID)["m-1"]
    assert model.recommended_examples is None and model.shutdown_date is None
    assert model.max_examples is None and model.max_validation_examples == 1_000
    unlimited = parse_models(_edit("upload_limit_bytes = 512_000_000", 'upload_limit_bytes = "none"'))["m-1"]
    assert unlimited.upload_limit_bytes is None
    assert model.last_new_jobs_date == dt.date(2027, 1, 6)
    assert model.sources["price"].note == "best known" and model.sources["price"].verified is False


def _edit(old: str, new: str, *, last: bool = False) -> str:
    """VALID with one occurrence of ``old`` (the last one if ``last``) replaced."""
    head, sep, tail = VALID.rpartition(old) if last else VALID.partition(old)
    assert sep, old
    return head + new + tail


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (_edit("context_tokens = 4096\n", ""), "context_tokens"),
        (_edit('shutdown_date = "none"\n', ""), "shutdown_date"),
        (_edit("context_tokens = 4096", 'context_tokens = "none"'), "context_tokens"),
        (_edit("context_tokens = 4096", "context_tokens = true"), "context_tokens"),
        (_edit("min_examples = 10", "min_examples = 0"), "min_examples"),
        (_edit('max_examples = "none"\n', ""), "max_examples"),
        (_edit('max_examples = "none"', "max_examples = 5"), "max_examples"),  # below min_examples
        (_edit("max_validation_examples = 1_000", "max_validation_examples = 0"), "max_validation_examples"),
        (_edit('provider = "openai"', 'provider = "openia"'), "provider"),
        (_edit('formats = ["openai-chat"]', 'formats = ["chat"]'), "formats"),
        (_edit('encoding = "cl100k_base"', 'encoding = "p50k_base"'), "encoding"),
        (
            _edit("price_per_1m_training_tokens = 8.0", "price_per_1m_training_tokens = -1.0"),
            "price_per_1m_training_tokens",
        ),
        (_edit("deprecation_date = 2026-05-07", "deprecation_date = 2027-05-07"), "last_new_jobs_date"),
        (_edit("deprecation_date = 2026-05-07", "deprecation_date = 2026-05-07T10:00:00"), "deprecation_date"),
        (_edit("min_examples = 10", "min_exampels = 10"), "min_exampels"),
        (_edit("[model.sources.dates]", "[model.sources.dated]"), "sources"),
        (_edit('url = "https://example.com/d"', 'url = "example.com/d"'), "sources.dates.url"),
        (_edit("read = 2026-11-22", 'read = "2026-11-22"', last=True), "sources.dates.read"),
        (_edit("verified = true", 'verified = "yes"', last=True), "sources.dates.verified"),
    ],
)
def test_errors_name_the_model_and_the_field(text, field):
    with pytest.raises(ModelTableError) as error:
        parse_models(text)
    assert "'m-1'" in str(error.value) and repr(field) in str(error.value)


def test_duplicate_names_are_rejected():
    second = VALID.split("[[model]]", 1)[1].replace('id = "m-1"', 'id = "m-2"')
    with pytest.raises(ModelTableError, match="'m' is already used by 'm-1'"):
        parse_models(VALID + "[[model]]" + second)


def test_empty_and_broken_tables_are_rejected():
    with pytest.raises(ModelTableError, match="no \\[\\[model\\]\\]"):
        parse_models("")
    with pytest.raises(ModelTableError, match="not valid TOML"):
        parse_models("[[model]\n")


# --- resolving names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini-2024-07-18"),
        ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
        ("  gpt-4.1  ", "gpt-4.1-2025-04-14"),
        ("GPT-4.1-Mini", "gpt-4.1-mini-2025-04-14"),
        ("ft:gpt-4o-mini-2024-07-18:org::abc", "gpt-4o-mini-2024-07-18"),
        ("ft:gpt-4o-mini-2024-07-18:org:suffix:abc", "gpt-4o-mini-2024-07-18"),
        ("ft:gpt-4o-mini-2024-07-18:org:suffix:abc:ckpt-step-88", "gpt-4o-mini-2024-07-18"),
        ("ft:gpt-3.5-turbo:org::abc", "gpt-3.5-turbo-0125"),
        ("gpt-4o-mini-2024-07-18.ft-0123456789abcdef", "azure/gpt-4o-mini-2024-07-18"),
        ("gpt-35-turbo-0125.ft-0123", "azure/gpt-35-turbo-0125"),
        ("azure/gpt-4.1", "azure/gpt-4.1-2025-04-14"),
        ("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"),
        ("amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0:300k"),
        ("Gemini-2.5-Flash", "gemini-2.5-flash"),
    ],
)
def test_resolve_model(name, model_id):
    assert resolve_model(name).id == model_id


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("gpt-4o-mimi", "gpt-4o-mini"), ("ft:gpt-4o-mimi:org::abc", "gpt-4o-mini"), ("davinci-003", "davinci-002")],
)
def test_unknown_model_suggests_close_names(name, suggestion):
    with pytest.raises(UnknownModelError) as error:
        resolve_model(name)
    assert error.value.name == name
    assert suggestion in error.value.suggestions
    assert suggestion in str(error.value)


def test_unknown_model_without_close_names():
    with pytest.raises(UnknownModelError) as error:
        resolve_model("xyzzy")
    assert error.value.suggestions == ()


# --- epochs and dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_examples", "epochs"),
    [
        (1, 25),  # 100 / 1 = 100, clamped to 25
        (4, 25),
        (5, 20),
        (7, 15),  # 100 / 7 = 14.3: 14 epochs would give 98 < 100 example-epochs
        (10, 10),
        (33, 4),  # 3 epochs give 99 < 100; the cookbook's 100 // 33 = 3 would stop short
        (34, 3),
        (50, 3),
        (8333, 3),  # 24,999 example-epochs: inside the range
        (8334, 2),  # 25,002 > 25,000 -> 25,000 // 8,334
        (12_501, 1),
        (100_000, 1),  # 25,000 // 100,000 = 0, clamped to 1
    ],
)
def test_default_epochs(n_examples, epochs):
    assert default_epochs(n_examples) == epochs


def test_default_epochs_needs_examples():
    with pytest.raises(ValueError, match="n_examples must be at least 1, not 0"):
        default_epochs(0)


def test_days_and_job_windows():
    model = models.load_models()["gpt-4o-mini-2024-07-18"]
    assert models.days_until(model.last_new_jobs_date, dt.date(2026, 11, 22)) == 45
    assert models.days_until(dt.date(2026, 11, 21), dt.date(2026, 11, 22)) == -1
    assert model.accepts_new_jobs(dt.date(2027, 1, 6)) and not model.accepts_new_jobs(dt.date(2027, 1, 7))
    assert not model.is_shut_down(dt.date(2027, 1, 13)) and model.is_shut_down(dt.date(2027, 1, 14))
    together = models.load_models()["Qwen/Qwen3-8B"]
    assert together.accepts_new_jobs(dt.date(2100, 1, 1)) and not together.is_shut_down(dt.date(2100, 1, 1))


def test_default_epochs_reach_the_target_range():
    for n_examples in range(1, 30_000, 7):
        epochs = default_epochs(n_examples)
        assert 1 <= epochs <= 25
        assert n_examples * epochs >= 100 or epochs == 25, n_examples
        assert n_examples * epochs <= 25_000 or epochs == 1, n_examples


def test_provider_default_epochs():
    table = models.load_models()
    assert table["gpt-4o-mini-2024-07-18"].epochs_by_default(20) == 5
    assert table["azure/gpt-4o-mini-2024-07-18"].epochs_by_default(20) == 5
    assert table["Qwen/Qwen3-8B"].epochs_by_default(20) == 1  # together-python: n_epochs defaults to 1
    assert table["amazon.nova-lite-v1:0:300k"].epochs_by_default(20) == 2  # Bedrock's epochCount default
    assert table["meta.llama3-1-8b-instruct-v1:0:128k"].epochs_by_default(20) == 5
    assert table["gemini-2.5-flash"].epochs_by_default(20) == 5  # none published: OpenAI's rule


@pytest.mark.parametrize("today", [dt.date(2026, 12, 7), dt.date(2027, 1, 7), dt.date(2030, 1, 1)])
def test_every_format_has_a_default_model_that_trains_on_it(today):
    for format_name in models.FORMATS:
        assert format_name in models.default_model(format_name, today).formats, format_name
    for format_name, candidates in models.DEFAULT_MODELS_BY_FORMAT.items():
        for model_id in candidates:
            assert format_name in models.load_models()[model_id].formats, (format_name, model_id)


def test_the_default_is_the_first_candidate_still_taking_jobs():
    before, after = dt.date(2027, 1, 6), dt.date(2027, 1, 7)
    assert models.default_model("openai-chat", before).id == models.DEFAULT_MODEL_ID
    assert models.default_model(None, before).id == models.DEFAULT_MODEL_ID
    assert models.default_model("openai-chat", after).id == models.SUCCESSOR_MODEL_ID
    assert models.default_model(None, after).id == models.SUCCESSOR_MODEL_ID  # a file of no known format too
    assert models.default_model("openai-rft", after).id == "o4-mini-2025-04-16"  # retired, but the only taker


def test_model_as_json_keeps_every_field_and_source(raw_table):
    by_id = {entry["id"]: entry for entry in raw_table}
    for model in models.load_models().values():
        data = model.as_json()
        assert set(data) == {*FIELDS, "token_counts"}  # derived: "exact" or "estimate"
        assert data["token_counts"] == ("estimate" if model.encoding is None else "exact"), model.id
        raw = by_id[model.id]
        assert data["context_tokens"] == raw["context_tokens"] and data["min_examples"] == raw["min_examples"]
        for key in ("max_examples", "max_validation_examples", "upload_limit_bytes"):
            assert data[key] == (None if raw[key] == "none" else raw[key])
        for key in ("deprecation_date", "last_new_jobs_date", "shutdown_date"):
            assert data[key] == (None if raw[key] == "none" else raw[key].isoformat())
        assert {g: s["url"] for g, s in data["sources"].items()} == {g: s["url"] for g, s in raw["sources"].items()}
