"""Names are data, never instructions: a staged file named like an option is a file to lint."""

from __future__ import annotations

from test_precommit import BAD, GOOD, dataset_repository, hook_repository, pre_commit  # noqa: F401 (a fixture)


def test_precommit_takes_a_staged_name_that_looks_like_an_option_as_a_file(hook_repository, offline_pip, tmp_path):
    """The real pre-commit, the hook as its manifest declares it, the files a commit would stage."""
    data = dataset_repository(tmp_path / "dataset", {"--output-file=x.jsonl": BAD, "data/good.jsonl": GOOD})
    done = pre_commit("try-repo", str(hook_repository[0]), "ft-lint", cwd=data, env=offline_pip)
    assert not (data / "x.jsonl").exists()  # no report written over a file of the repository
    assert done.returncode == 1, done.stdout
    assert "--output-file=x.jsonl:1: FT201 [error] empty-content" in done.stdout
