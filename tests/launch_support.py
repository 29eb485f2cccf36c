"""Fixtures and data for the --launch tests: fake APIs started per test, clean environments,
distinct examples that pass the lint, and a `launch` helper that runs the engine as the CLI does
(support.run_cli runs the CLI itself)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
from pathlib import Path

import pytest

from ft_lint import session
from ft_lint.config import RunOptions, Settings
from ft_lint.launch import JobSettings, LaunchOptions
from ft_lint.launch.cli_options import launch_paths, launch_with_network
from ft_lint.launch.options import Timeouts
from launch_server import FireworksFake, OpenAIFake, TogetherFake, VertexFake, serve

TODAY = dt.date(2026, 11, 22)
# The launch tests judge the lint by its schema and content rules only, so that rules about
# the model's dates or the data's size (whose verdicts move with the calendar) stay out.
RULES = ["FT1", "FT2"]
WORDS = (
    "amber basil cedar delta ember fjord garnet harbor indigo juniper kelp lagoon meadow nectar "
    "orchid pepper quartz raven saffron thistle umber velvet willow yarrow zephyr anchor beacon "
    "canyon dune estuary falcon glacier heron island jasmine kestrel lantern marble nimbus "
    "oasis pebble quill ridge sparrow tundra urchin valley walnut xylem yonder zinnia acorn "
    "bramble copper dahlia elm fennel gorse hazel iris jetty knoll lichen maple nettle otter "
    "poppy quince rowan sorrel tansy upland vetch wren yew birch clover"
).split()


def sentence(rng: random.Random, words: int = 9) -> str:
    return " ".join(rng.sample(WORDS, words)).capitalize() + "."


def chat_record(rng: random.Random) -> dict:
    return {"messages": [
        {"role": "system", "content": "You answer questions about the garden."},
        {"role": "user", "content": sentence(rng) + " What should I do?"},
        {"role": "assistant", "content": sentence(rng, 12)},
    ]}  # fmt: skip


def preference_record(rng: random.Random) -> dict:
    return {
        "input": {"messages": [{"role": "user", "content": sentence(rng) + " Which is better?"}]},
        "preferred_output": [{"role": "assistant", "content": sentence(rng, 12)}],
        "non_preferred_output": [{"role": "assistant", "content": sentence(rng, 12)}],
    }


def prompt_completion_record(rng: random.Random) -> dict:
    return {"prompt": sentence(rng) + " ->", "completion": " " + sentence(rng, 12)}


def write_records(path: Path, make=chat_record, count: int = 60, seed: int = 1) -> Path:
    rng = random.Random(seed)
    path.write_text("".join(json.dumps(make(rng)) + "\n" for _ in range(count)), encoding="utf-8")
    return path


def train_and_validation(folder: Path, make=chat_record) -> tuple[Path, Path]:
    """train.jsonl and a smaller val.jsonl of other examples, as the launch tests give them."""
    return write_records(folder / "train.jsonl", make), write_records(folder / "val.jsonl", make, count=10, seed=2)


def sha256_of(path: Path) -> str:
    """The file's content digest, which the launchers name uploads by."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def launch(
    paths: list[Path],
    model: str,
    validation: Path | None = None,
    job: JobSettings | None = None,
    report=None,
    jobs: int | None = None,
    **options,
) -> int:
    """What `ft-lint check PATHS --model MODEL --launch ...` runs, with the knobs the CLI keeps
    fixed (timeouts, polling) set for tests, and today fixed. `report(findings, run_summary,
    settings)`, when given, runs instead of the report, between the lint and the launch."""
    settings = Settings(
        paths=launch_paths(list(paths), validation),
        select=list(RULES),
        model=model,
        jobs=jobs,
        today=options.pop("today", TODAY),
        ignore=options.pop("ignore", []),
    )
    defaults = {
        "timeouts": Timeouts(connect=5.0, read=5.0, upload=5.0, deadline=60.0),
        "max_retries": 2,
        "poll_interval": 0.0,
    }
    launch_options = LaunchOptions(validation=validation, job=job or JobSettings(), **{**defaults, **options})
    return session.run(settings, RunOptions(launch=launch_with_network(settings, launch_options)), report)


VARIABLE_PREFIXES = ("OPENAI_", "AZURE_OPENAI_", "TOGETHER_", "FIREWORKS_", "GOOGLE_", "CLOUDSDK_")
VARIABLES = ("STORAGE_EMULATOR_HOST", "FT_LINT_GCS_URI")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No provider variables or proxies from the machine; the launch state in tmp_path."""
    for name in list(os.environ):
        if name.startswith(VARIABLE_PREFIXES) or name in VARIABLES or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("FT_LINT_STATE_FILE", str(tmp_path / "state" / "launch.json"))
    return tmp_path


def _serving(api, monkeypatch, **variables):
    """Serves the fake for one test, with the provider's variables pointing at it."""
    stop = serve(api)
    for name, value in variables.items():
        monkeypatch.setenv(name, value.format(url=api.url))
    yield api
    stop()


@pytest.fixture
def openai_api(clean_env, monkeypatch):
    yield from _serving(OpenAIFake(), monkeypatch, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL="{url}/v1")


@pytest.fixture
def azure_api(clean_env, monkeypatch):
    yield from _serving(
        OpenAIFake(), monkeypatch,
        AZURE_OPENAI_API_KEY="azure-test-key", AZURE_OPENAI_ENDPOINT="{url}", OPENAI_API_VERSION="2025-04-01-preview",
    )  # fmt: skip


@pytest.fixture
def together_api(clean_env, monkeypatch):
    yield from _serving(TogetherFake(), monkeypatch, TOGETHER_API_KEY="together-test-key", TOGETHER_BASE_URL="{url}")


@pytest.fixture
def fireworks_api(clean_env, monkeypatch):
    yield from _serving(
        FireworksFake(), monkeypatch,
        FIREWORKS_API_KEY="fw-test-key-1234", FIREWORKS_ACCOUNT_ID="garden-lab", FIREWORKS_BASE_URL="{url}",
    )  # fmt: skip


@pytest.fixture
def vertex_api(clean_env, monkeypatch):
    """Vertex AI and Cloud Storage on one fake; the credentials are given to launch() (see VERTEX)."""
    yield from _serving(
        VertexFake(), monkeypatch,
        GOOGLE_VERTEX_BASE_URL="{url}", STORAGE_EMULATOR_HOST="{url}", GOOGLE_CLOUD_PROJECT="test-project",
        GOOGLE_CLOUD_LOCATION="us-central1", FT_LINT_GCS_URI="gs://test-bucket/ft-lint",
    )  # fmt: skip
