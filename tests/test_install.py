"""The README's setup is honest: its install command from the repository URL installs a working
ft-lint (tried offline against a local git URL), and the revision its pre-commit and Action
examples pin is a commit of this repository's history holding the hook and the action."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import venv

import pytest

from support_repo import ROOT, git, snapshot_repository
from wheelhouse import WheelhouseError, build_wheelhouse, offline_pip_env

README = (ROOT / "README.md").read_text(encoding="utf-8")
REPOSITORY_URL = "git+https://github.com/ft-lint/ft-lint"


def readme_install_requirement() -> str:
    """The requirement of the README's `pip install "... @ git+https://github.com/ft-lint/ft-lint"`."""
    [line] = [line for line in README.splitlines() if "pip install" in line and REPOSITORY_URL in line]
    [requirement] = [word for word in shlex.split(line, comments=True) if REPOSITORY_URL in word]
    return requirement


def pinned_revisions() -> dict[str, tuple[str, str]]:
    """What the pre-commit and Action examples pin: {example: (revision, the version its comment names)}."""
    pre_commit = re.search(r"repo: https://github.com/ft-lint/ft-lint\n\s+rev: (\S+)\s+# (\S+)", README)
    action = re.search(r"uses: ft-lint/ft-lint@(\S+)\s+# (\S+)", README)
    assert pre_commit and action, "the README's examples pin `rev: SHA  # vX.Y.Z` and `ft-lint/ft-lint@SHA # vX.Y.Z`"
    return {"pre-commit": pre_commit.groups(), "action": action.groups()}


@pytest.mark.slow
def test_the_readme_install_from_the_repository_url_works(tmp_path):
    requirement = readme_install_requirement()
    assert requirement.startswith("ft-lint[launch] @ ")
    try:
        wheelhouse = build_wheelhouse(ROOT / "pyproject.toml", tmp_path / "wheelhouse", extras=("launch",))
    except WheelhouseError as error:
        pytest.skip(f"cannot install ft-lint offline from this interpreter's packages: {error}")
    repository, _ = snapshot_repository(tmp_path / "ft-lint")
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    env = {**os.environ, **offline_pip_env(wheelhouse)}
    env.pop("PYTHONPATH", None)  # the installed copy, not this checkout

    # localhost: pip before 24 takes no URL requirement without a host (git+file:///path), git takes this one
    local = requirement.replace(REPOSITORY_URL, f"git+file://localhost{repository}")
    subprocess.run([python, "-m", "pip", "install", "-q", local], env=env, check=True, timeout=600)

    lint = subprocess.run(
        [environment / "bin" / "ft-lint", "check", ROOT / "examples" / "good.jsonl"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    where = subprocess.run(
        [python, "-c", "import ft_lint, openai, together; print(ft_lint.__file__)"],
        cwd=tmp_path,  # not this checkout, which `python -c` would import first
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert where.stdout.startswith(str(environment))


def test_the_examples_pin_a_commit_of_this_history_with_the_hook_and_the_action():
    if not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout of ft-lint")
    if git("rev-parse", "--is-shallow-repository", cwd=ROOT).strip() == "true":
        pytest.skip("a shallow clone holds no history to find the pinned commit in (fetch-depth: 0 does)")
    for example, (revision, version) in pinned_revisions().items():
        assert re.fullmatch(r"[0-9a-f]{40}", revision), f"{example}: pin a full commit SHA, not {revision}"
        known = subprocess.run(["git", "cat-file", "-e", f"{revision}^{{commit}}"], cwd=ROOT, check=False)
        assert known.returncode == 0, (
            f"{example}: {revision} is not in this clone (a shallow clone has no history: fetch it, fetch-depth: 0)"
        )
        on_history = subprocess.run(["git", "merge-base", "--is-ancestor", revision, "HEAD"], cwd=ROOT, check=False)
        assert on_history.returncode == 0, f"{example}: {revision} is not in the history of HEAD"
        assert "- id: ft-lint\n" in git("show", f"{revision}:.pre-commit-hooks.yaml", cwd=ROOT)
        assert "runs:" in git("show", f"{revision}:action.yml", cwd=ROOT)
        pyproject = git("show", f"{revision}:pyproject.toml", cwd=ROOT)
        assert f'\nversion = "{version.removeprefix("v")}"\n' in pyproject, f"{example}: the comment names {version}"
        tagged = git("tag", "--list", version, cwd=ROOT).strip()
        if tagged:  # tags are fetched apart from main: where this clone has it, it is that commit
            assert git("rev-parse", f"{version}^{{commit}}", cwd=ROOT).strip() == revision


def test_the_two_examples_pin_the_same_release():
    assert len(set(pinned_revisions().values())) == 1
