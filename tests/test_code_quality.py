"""The repository's own code passes the checks configured in pyproject.toml: ruff's lint rules and
its format (the package, tests, benchmarks and scripts), and mypy, strict, on the package. The
tools come with the dev extra; each runs in this interpreter, so the versions are the extra's."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def passes(module: str, *args: str) -> None:
    assert importlib.util.find_spec(module), f"{module} is missing: pip install -e '.[dev]'"
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"{module} {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def test_ruff_check():
    passes("ruff", "check", "--no-fix", "--output-format", "concise")


def test_ruff_format():
    passes("ruff", "format", "--check", "--diff")


def test_mypy():
    passes("mypy")
