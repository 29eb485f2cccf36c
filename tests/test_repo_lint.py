"""action.yml and the workflows (this repository's and the one README shows) pass GitHub's
metadata schemas (vendored by check-jsonschema), actionlint and zizmor (offline)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support_repo import ROOT

pytestmark = pytest.mark.slow  # runs check-jsonschema, actionlint and zizmor

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def tool(name: str) -> str:
    """A dev dependency's command: beside this Python (its environment), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"{name} is missing: install the dev dependencies (pip install -e '.[dev]')"
    return found


def passes(*command: str, cwd: Path = ROOT) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture
def readme_workflow(tmp_path) -> Path:
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    workflows = [block for block in blocks if re.search(r"^jobs:", block, re.M)]
    assert len(workflows) == 1, "README shows one workflow"
    path = tmp_path / ".github" / "workflows" / "data.yml"
    path.parent.mkdir(parents=True)
    path.write_text(workflows[0])
    return path


def test_the_repository_has_a_workflow():
    assert [path.name for path in WORKFLOWS] == ["ci.yml"]


def test_action_metadata_matches_githubs_schema():
    passes(tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", "action.yml")


def test_workflows_match_githubs_schema(readme_workflow):
    passes(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        *map(str, WORKFLOWS),
        str(readme_workflow),
    )


def test_actionlint(readme_workflow):
    # run from the repository, so `uses: ./` is checked against this action.yml's inputs
    passes(tool("actionlint"), "-no-color", *(str(p.relative_to(ROOT)) for p in WORKFLOWS))
    passes(tool("actionlint"), "-no-color", str(readme_workflow), cwd=readme_workflow.parents[2])


def test_zizmor():
    passes(tool("zizmor"), "--offline", "--no-progress", "action.yml", *(str(p.relative_to(ROOT)) for p in WORKFLOWS))
