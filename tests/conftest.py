from __future__ import annotations

import pytest
from reference import reference_encodings
from support import lint_paths, write_records
from support_repo import ROOT
from wheelhouse import WheelhouseError, build_wheelhouse, offline_pip_env


@pytest.fixture(autouse=True)
def cache_folder(tmp_path_factory, monkeypatch):
    """Each test's own record cache and key, outside the folders it lints (runs within a test share them)."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("FT_LINT_CACHE_DIR", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))  # the key that signs it, not the real home's
    return folder


@pytest.fixture(scope="session")
def reference(request):
    """tiktoken's own Encodings, built from the shipped files (see reference.py)."""
    patch = pytest.MonkeyPatch()
    request.addfinalizer(patch.undo)
    return reference_encodings(patch)


@pytest.fixture
def lint_records(tmp_path):
    """lint_records(record_or_line, ..., name="data.jsonl", **lint_paths settings) -> findings of that one
    file, written in tmp_path (a JSON array if NAME ends in .json, else JSONL)."""

    def run(*lines, name: str = "data.jsonl", **settings):
        return lint_paths([write_records(tmp_path / name, lines)], **settings)

    return run


@pytest.fixture(scope="session")
def offline_pip(tmp_path_factory) -> dict[str, str]:
    """Environment variables with which pip installs this checkout from a local wheelhouse, offline."""
    try:
        wheelhouse = build_wheelhouse(ROOT / "pyproject.toml", tmp_path_factory.mktemp("wheelhouse"))
    except WheelhouseError as error:
        pytest.skip(f"cannot install ft-lint offline from this interpreter's packages: {error} (pip install -e '.[dev]')")
    return offline_pip_env(wheelhouse)
