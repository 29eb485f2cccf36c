from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from reference import reference_encodings
from support import lint_paths, write_data_file
from support_repo import ROOT
from wheelhouse import WheelhouseError, build_wheelhouse, offline_pip_env

# The --launch tests' fixtures (clean_env, openai_api, azure_api, together_api, fireworks_api, vertex_api),
# for every test module.
pytest_plugins = ["launch_support"]


@pytest.fixture(scope="session")
def cache_folders(tmp_path_factory) -> Path:
    """The folder that holds each test's cache folders (see cache_folder)."""
    return tmp_path_factory.mktemp("caches")


@pytest.fixture(autouse=True)
def cache_folder(cache_folders, monkeypatch):
    """Each test's own record cache and key, outside the folders it lints (runs within a test share them).

    Made with mkdtemp in one session folder: tmp_path_factory.mktemp lists the whole base folder
    to number each new one, which for two folders a test costs seconds over the suite."""
    folder = Path(tempfile.mkdtemp(prefix="cache-", dir=cache_folders))
    monkeypatch.setenv("FT_LINT_CACHE_DIR", str(folder))
    monkeypatch.setenv(
        "XDG_CACHE_HOME", tempfile.mkdtemp(prefix="user-cache-", dir=cache_folders)
    )  # the key that signs it, not the real home's
    return folder


@pytest.fixture(scope="session")
def reference():
    """tiktoken's own Encodings, built from the shipped files (see reference.py)."""
    patch = pytest.MonkeyPatch()
    yield reference_encodings(patch)
    patch.undo()


@pytest.fixture
def lint_records(tmp_path):
    """lint_records(record_or_line, ..., name="data.jsonl", **lint_paths settings) -> findings of that one
    file, written in tmp_path (a JSON array if NAME ends in .json, else JSONL)."""

    def run(*lines, name: str = "data.jsonl", **settings):
        return lint_paths([write_data_file(tmp_path / name, lines)], **settings)

    return run


@pytest.fixture(scope="session")
def offline_pip(tmp_path_factory) -> dict[str, str]:
    """Environment variables with which pip installs this checkout from a local wheelhouse, offline."""
    try:
        wheelhouse = build_wheelhouse(ROOT / "pyproject.toml", tmp_path_factory.mktemp("wheelhouse"))
    except WheelhouseError as error:
        pytest.skip(
            f"cannot install ft-lint offline from this interpreter's packages: {error} (pip install -e '.[dev]')"
        )
    return offline_pip_env(wheelhouse)
