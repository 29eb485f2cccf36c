"""The pre-commit hook (.pre-commit-hooks.yaml), checked against the CLI and run with the real
`pre-commit` from temporary git repositories of data.

pre-commit installs the hook as users get it: it clones a commit of this repository (a committed
snapshot of the working tree, see support_repo), makes a virtualenv of its own and pip-installs
the clone into it. pip takes the dependencies and the build requirements from a local wheelhouse
(see wheelhouse.py) with every proxy pointing at a closed local port, so no install touches the
network. That costs a few seconds per environment, so the suite makes two: `try-repo` always uses
a throwaway store, and every other run shares one PRE_COMMIT_HOME for the session. Once the hook
is installed, it runs with no network and no wheelhouse.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml
from packaging.version import Version

from ft_lint.cli import cli
from ft_lint.files import DATA_SUFFIXES
from support import chat
from support_repo import GIT_IDENTITY, ROOT, commit_all, init_repository, snapshot_repository
from wheelhouse import NO_NETWORK

pytestmark = pytest.mark.slow  # the real pre-commit, installing the hook into new virtualenvs


GOOD = "\n".join(json.dumps(chat(f"What is {n} times {n}?", f"{n} times {n} is {n * n}.")) for n in range(2, 5)) + "\n"
BAD = json.dumps(chat("Hi", "")) + "\n"  # FT201 at line 1, /messages/1/content
# Rules whose verdict on this data is settled, as a dataset repository would configure them.
CONFIG = '[tool.ft-lint]\nselect = ["FT001", "FT002", "FT004", "FT1", "FT201"]\n'


def hook_manifest() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return next(hook for hook in hooks if hook["id"] == "ft-lint")


def readme_config() -> dict:
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    configs = [yaml.safe_load(block) for block in blocks if block.lstrip().startswith("repos:")]
    assert len(configs) == 1, "README has one .pre-commit-config.yaml"
    return configs[0]


def pre_commit(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_IDENTITY, "PRE_COMMIT_COLOR": "never", **(env or {})},
    )


def git_commit(repository: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`git commit` with the pre-commit hook installed in the repository."""
    return subprocess.run(
        ["git", "commit", "-m", "more data"],
        cwd=repository,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_IDENTITY, "PRE_COMMIT_COLOR": "never", **env},
    )


def dataset_repository(folder: Path, files: dict[str, str]) -> Path:
    init_repository(folder)
    (folder / "pyproject.toml").write_text(CONFIG)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=folder, check=True)
    return folder


@pytest.fixture(scope="session")
def hook_repository(tmp_path_factory) -> tuple[Path, str]:
    return snapshot_repository(tmp_path_factory.mktemp("ft-lint-hook-repo"))


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> dict[str, str]:
    return {"PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home"))}


def test_manifest_agrees_with_the_cli():
    hook = hook_manifest()
    executable, *command = hook["entry"].split()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert executable in scripts, "the entry is a console script this package installs"
    assert command == ["check", "--"] and "check" in cli.commands  # staged names are never options
    assert hook["language"] == "python"
    assert hook["require_serial"] is True
    files = re.compile(hook["files"])
    for suffix in DATA_SUFFIXES:  # what `ft-lint check FOLDER` takes, in any case
        assert files.search(f"data/train{suffix}") and files.search(f"TRAIN{suffix.upper()}")
        assert files.search(f"data/train-00000-of-00003{suffix}")  # a Hugging Face dataset's shard
    for name in ("data/train.json", "notes.txt", "train.jsonl.bak", "jsonl", "README.md", "train.gz", "x.csv.zip"):
        assert not files.search(name), name
    named = re.fullmatch(r"\(\?i\)\\\.\((.*)\)\$", hook["files"])
    assert named, "one group of suffixes"
    suffixes = {"." + alternative.replace("\\.", ".") for alternative in named.group(1).split("|")}
    assert suffixes == set(DATA_SUFFIXES), "the hook takes no suffix the CLI does not, and misses none"


def test_minimum_pre_commit_version_is_the_one_the_project_supports():
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    bound = next(re.search(r">=([\d.]+)", spec).group(1) for spec in dev if spec.startswith("pre-commit"))
    assert Version(hook_manifest()["minimum_pre_commit_version"]) == Version(bound)


def test_manifest_and_readme_config_pass_pre_commit_validation(tmp_path):
    assert pre_commit("validate-manifest", str(ROOT / ".pre-commit-hooks.yaml"), cwd=ROOT).returncode == 0
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(yaml.safe_dump(readme_config()))
    checked = pre_commit("validate-config", str(config), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert [hook["id"] for repo in readme_config()["repos"] for hook in repo["hooks"]] == ["ft-lint"]


def test_try_repo_fails_on_bad_data_and_says_where(hook_repository, offline_pip, tmp_path):
    data = dataset_repository(
        tmp_path / "dataset", {"data/good.jsonl": GOOD, "data/bad.jsonl": BAD, "notes.json": '{"not": "data"}'}
    )
    done = pre_commit("try-repo", str(hook_repository[0]), "ft-lint", "--all-files", cwd=data, env=offline_pip)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^ft-lint\.+Failed$", done.stdout, re.M)
    assert "data/bad.jsonl:1: FT201 [error] empty-content" in done.stdout
    assert "in 1 of 2 files" in done.stdout  # both data files, and not notes.json


def test_readme_config_checks_commits_offline(hook_repository, pre_commit_home, offline_pip, tmp_path):
    """README's config, pointed at the snapshot: a bad commit is refused, the fixed one goes in."""
    path, commit = hook_repository
    config = readme_config()
    config["repos"][0].update(repo=str(path), rev=commit)
    data = dataset_repository(
        tmp_path / "dataset", {"data/good.jsonl": GOOD, ".pre-commit-config.yaml": yaml.safe_dump(config)}
    )
    assert pre_commit("install", cwd=data).returncode == 0
    installed = pre_commit("install-hooks", cwd=data, env={**pre_commit_home, **offline_pip})
    assert installed.returncode == 0, installed.stdout + installed.stderr
    offline = {**pre_commit_home, **NO_NETWORK}
    commit_all(data, "good data")  # --no-verify: the first commit only sets the repository up

    (data / "data" / "new.jsonl").write_text(GOOD + BAD)
    subprocess.run(["git", "add", "-A"], cwd=data, check=True)
    refused = git_commit(data, offline)
    assert refused.returncode == 1
    assert "data/new.jsonl:4: FT201 [error] empty-content" in refused.stderr  # git shows hooks' output there
    assert "in 1 of 1 file" in refused.stderr  # on commit, the staged data files only

    (data / "data" / "new.jsonl").write_text(GOOD)
    subprocess.run(["git", "add", "-A"], cwd=data, check=True)
    accepted = git_commit(data, offline)
    assert accepted.returncode == 0, accepted.stderr
    assert re.search(r"^ft-lint\.+Passed$", accepted.stderr, re.M)

    everything = pre_commit("run", "--all-files", cwd=data, env=offline)
    assert everything.returncode == 0, everything.stdout
    assert re.search(r"^ft-lint\.+Passed$", everything.stdout, re.M)


def test_a_commit_with_the_same_examples_in_two_files_is_refused(
    hook_repository, pre_commit_home, offline_pip, tmp_path
):
    """The hook gets all the staged files at once, so it finds copies between them; a copy of a
    file that is not staged is found by `pre-commit run --all-files`."""
    path, commit = hook_repository
    config = readme_config()
    config["repos"][0].update(repo=str(path), rev=commit)
    data = dataset_repository(tmp_path / "dataset", {".pre-commit-config.yaml": yaml.safe_dump(config)})
    (data / "pyproject.toml").write_text('[tool.ft-lint]\nselect = ["FT401", "FT402"]\n')
    assert pre_commit("install", cwd=data).returncode == 0
    installed = pre_commit("install-hooks", cwd=data, env={**pre_commit_home, **offline_pip})
    assert installed.returncode == 0, installed.stdout + installed.stderr
    offline = {**pre_commit_home, **NO_NETWORK}
    commit_all(data, "set up")

    (data / "data").mkdir()
    (data / "data" / "d.jsonl").write_text(GOOD)
    (data / "data" / "e.jsonl").write_text(GOOD.splitlines(keepends=True)[1])
    subprocess.run(["git", "add", "-A"], cwd=data, check=True)
    refused = git_commit(data, offline)
    assert refused.returncode == 1, refused.stderr
    assert "data/e.jsonl:1: FT401 [warning] duplicate-example: duplicate of the example at data/d.jsonl:2" in (
        refused.stderr
    )
    assert "  = see data/d.jsonl:2" in refused.stderr

    (data / "data" / "e.jsonl").write_text(json.dumps(chat("What is 9 times 9?", "81.")) + "\n")
    subprocess.run(["git", "add", "-A"], cwd=data, check=True)
    assert git_commit(data, offline).returncode == 0
    (data / "data" / "e.jsonl").write_text(GOOD.splitlines(keepends=True)[0])  # only e.jsonl is staged now
    subprocess.run(["git", "add", "-A"], cwd=data, check=True)
    assert git_commit(data, offline).returncode == 0
    everything = pre_commit("run", "--all-files", cwd=data, env=offline)
    assert everything.returncode == 1
    assert "data/e.jsonl:1: FT401 [warning] duplicate-example: duplicate of the example at data/d.jsonl:1" in (
        everything.stdout
    )


def test_a_validation_shard_committed_alone_is_checked_for_leaks_from_the_training_shards(
    hook_repository, pre_commit_home, offline_pip, tmp_path
):
    """A Hugging Face dataset repository: the hook gets the one staged shard, and reads the
    training split's shards from disk to check it (docs/training-and-validation.md)."""
    path, commit = hook_repository
    config = readme_config()
    config["repos"][0].update(repo=str(path), rev=commit)
    lines = GOOD.splitlines(keepends=True)
    data = dataset_repository(
        tmp_path / "dataset",
        {
            ".pre-commit-config.yaml": yaml.safe_dump(config),
            "data/train-00000-of-00002.jsonl": lines[0],
            "data/train-00001-of-00002.jsonl": lines[1],
        },
    )
    (data / "pyproject.toml").write_text('[tool.ft-lint]\nselect = ["FT401", "FT404"]\n')
    assert pre_commit("install", cwd=data).returncode == 0
    installed = pre_commit("install-hooks", cwd=data, env={**pre_commit_home, **offline_pip})
    assert installed.returncode == 0, installed.stdout + installed.stderr
    offline = {**pre_commit_home, **NO_NETWORK}
    commit_all(data, "set up")

    (data / "data" / "validation-00000-of-00001.jsonl").write_text(lines[2] + lines[1])
    subprocess.run(["git", "add", "-A"], cwd=data, check=True)
    refused = git_commit(data, offline)
    assert refused.returncode == 1, refused.stderr
    assert (
        "data/validation-00000-of-00001.jsonl:2: FT404 [error] validation-leak: this example is in the training"
        " data: data/train-00001-of-00002.jsonl:1"
    ) in refused.stderr


def test_the_hook_reports_only_what_the_configured_baseline_does_not_hold(
    hook_repository, pre_commit_home, offline_pip, tmp_path
):
    """Day one: today's findings go into the baseline that `baseline =` names. Day two: the hook's
    own entry (`ft-lint check --` on the staged files) fails on the one new bad record only."""
    path, commit = hook_repository
    config = readme_config()
    config["repos"][0].update(repo=str(path), rev=commit)
    data = dataset_repository(
        tmp_path / "dataset", {"data/old.jsonl": GOOD + BAD + BAD, ".pre-commit-config.yaml": yaml.safe_dump(config)}
    )
    (data / "pyproject.toml").write_text(CONFIG + 'baseline = "lint/known.json"\n')
    (data / "lint").mkdir()
    written = subprocess.run(  # this checkout's ft-lint, as the team runs it once
        [sys.executable, "-m", "ft_lint", "check", "--write-baseline", "lint/known.json", "data"],
        cwd=data,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert written.returncode == 0, written.stdout + written.stderr
    assert pre_commit("install", cwd=data).returncode == 0
    installed = pre_commit("install-hooks", cwd=data, env={**pre_commit_home, **offline_pip})
    assert installed.returncode == 0, installed.stdout + installed.stderr
    offline = {**pre_commit_home, **NO_NETWORK}
    commit_all(data, "data, with today's findings in the baseline")

    (data / "data" / "old.jsonl").write_text(GOOD + GOOD + BAD + BAD)  # lines inserted above the known ones
    (data / "data" / "new.jsonl").write_text(GOOD + BAD)
    subprocess.run(["git", "add", "-A"], cwd=data, check=True)
    refused = git_commit(data, offline)
    assert refused.returncode == 1, refused.stderr
    assert "data/new.jsonl:4: FT201 [error] empty-content" in refused.stderr
    assert "data/old.jsonl:" not in refused.stderr
    assert "Found 1 new problem (1 error) in 1 of 2 files" in refused.stderr
    assert "2 known problems hidden by the baseline" in refused.stderr

    (data / "data" / "new.jsonl").write_text(GOOD)
    subprocess.run(["git", "add", "-A"], cwd=data, check=True)
    accepted = git_commit(data, offline)
    assert accepted.returncode == 0, accepted.stderr
    assert re.search(r"^ft-lint\.+Passed$", accepted.stderr, re.M)
