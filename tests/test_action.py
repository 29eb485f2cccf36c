"""The GitHub Action (action.yml), run the way the runner runs a composite action.

`ActionRunner` reads action.yml, fills each step's `env:` from the inputs (defaults from
action.yml, overridden by `with`) and from earlier steps' outputs, and runs each `run:` with
`bash --noprofile --norc -eo pipefail` in the workspace, with GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
GITHUB_ACTION_PATH, GITHUB_WORKSPACE and RUNNER_TEMP set, stopping at the first failing step.
Expressions other than `inputs.*` and `steps.*.outputs.*` are refused, so action.yml cannot
grow one this runner (or a reviewer) does not understand.

The install step is real and unchanged: it creates a virtual environment and pip-installs a
committed copy of this repository into it, once per session. The runner machine is set up as one
with an offline package mirror: pip finds the dependencies and the build requirements in a local
wheelhouse (see wheelhouse.py) and every proxy points at a closed local port, so neither the
install nor ft-lint touches the network. The other tests run the steps after it with its
outputs, as the runner would.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from support import chat
from support_repo import ROOT, snapshot_repository

pytestmark = pytest.mark.slow  # the action's steps, installing ft-lint into a new virtualenv

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
INPUT = re.compile(r"inputs\.([A-Za-z0-9_-]+)")
STEP_OUTPUT = re.compile(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)")


def load_action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def parse_github_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT: `name=value` lines and `name<<DELIMITER` blocks."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            values[name] = "\n".join(block)
        elif line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@dataclass
class ActionResult:
    exit_code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)


class ActionRunner:
    def __init__(self, action_path: Path, runner_temp: Path, machine_env: dict[str, str]):
        self.action = load_action()
        self.action_path = action_path
        self.runner_temp = runner_temp
        self.machine_env = machine_env  # the runner machine's own settings, e.g. pip's

    def inputs(self, given: dict[str, str]) -> dict[str, str]:
        declared = self.action["inputs"]
        unknown = set(given) - set(declared)
        assert not unknown, f"inputs not declared in action.yml: {unknown}"
        return {name: str(given.get(name, spec.get("default", ""))) for name, spec in declared.items()}

    def evaluate(self, text: str, inputs: dict[str, str], step_outputs: dict[str, dict[str, str]]) -> str:
        def value(match: re.Match) -> str:
            expression = match.group(1)
            if found := INPUT.fullmatch(expression):
                return inputs[found.group(1)]
            if found := STEP_OUTPUT.fullmatch(expression):
                return step_outputs.get(found.group(1), {}).get(found.group(2), "")
            raise AssertionError(f"expression the test runner does not know: {expression}")

        return EXPRESSION.sub(value, str(text))

    def run(
        self, workspace: Path, given: dict[str, str], steps: slice = slice(None), step_outputs=None
    ) -> ActionResult:
        inputs = self.inputs(given)
        step_outputs = dict(step_outputs or {})
        base_env = {
            k: v for k, v in os.environ.items() if not k.startswith(("FT_LINT_", "GITHUB_", "PYTHON"))
        } | self.machine_env
        stdout, stderr, summaries, exit_code = [], [], [], 0
        for number, step in enumerate(self.action["runs"]["steps"][steps]):
            assert "${{" not in step["run"], "inputs reach scripts through env: only"
            files = self.runner_temp / f"step-{os.getpid()}-{id(step)}-{number}"
            files.mkdir(parents=True, exist_ok=True)
            (files / "output").write_text("")
            (files / "summary").write_text("")
            (files / "script.sh").write_text(step["run"])
            env = {
                **base_env,
                "GITHUB_ACTIONS": "true",
                "GITHUB_OUTPUT": str(files / "output"),
                "GITHUB_STEP_SUMMARY": str(files / "summary"),
                "GITHUB_ACTION_PATH": str(self.action_path),
                "GITHUB_WORKSPACE": str(workspace),
                "RUNNER_TEMP": str(self.runner_temp),
                **{name: self.evaluate(value, inputs, step_outputs) for name, value in step.get("env", {}).items()},
            }
            assert step["shell"] == "bash"
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(files / "script.sh")],
                cwd=workspace,
                env=env,
                capture_output=True,
                text=True,
            )
            stdout.append(done.stdout)
            stderr.append(done.stderr)
            summaries.append((files / "summary").read_text(encoding="utf-8"))
            if "id" in step:
                step_outputs[step["id"]] = parse_github_file((files / "output").read_text(encoding="utf-8"))
            if done.returncode != 0:
                exit_code = done.returncode
                break
        outputs = {
            name: self.evaluate(spec["value"], inputs, step_outputs) for name, spec in self.action["outputs"].items()
        }
        return ActionResult(exit_code, "".join(stdout), "".join(stderr), outputs, "".join(summaries), step_outputs)


@pytest.fixture(scope="session")
def installed(tmp_path_factory, offline_pip) -> tuple[ActionRunner, dict[str, dict[str, str]]]:
    """The action's install step, run once: a runner and the step outputs it left."""
    action_path, _ = snapshot_repository(tmp_path_factory.mktemp("action-checkout"))
    runner = ActionRunner(action_path, tmp_path_factory.mktemp("runner-temp"), offline_pip)
    workspace = tmp_path_factory.mktemp("workspace")
    result = runner.run(workspace, {}, steps=slice(0, 1))
    assert result.exit_code == 0, result.stderr
    return runner, result.step_outputs


def run_action(installed, workspace: Path, **given: str) -> ActionResult:
    runner, step_outputs = installed
    return runner.run(workspace, given, steps=slice(1, None), step_outputs=step_outputs)


GOOD_LINES = [json.dumps(chat(f"What is {n} plus {n}?", f"{n} plus {n} is {2 * n}.")) for n in range(1, 4)]
# line 2: an assistant message with empty content (FT201, error); line 3: blank (FT004, warning)
BAD_LINES = [GOOD_LINES[0], json.dumps(chat("Hi", "")), "", GOOD_LINES[1]]
SELECT = "--select FT001,FT002,FT004,FT1,FT201"  # rules whose verdict on this data is settled


@pytest.fixture
def workspace(tmp_path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "good.jsonl").write_text("\n".join(GOOD_LINES) + "\n")
    return tmp_path


def add_bad_file(workspace: Path) -> None:
    (workspace / "data" / "bad.jsonl").write_text("\n".join(BAD_LINES) + "\n")


def test_install_step_puts_ft_lint_from_the_action_path_in_its_own_environment(installed):
    runner, step_outputs = installed
    python = Path(step_outputs["install"]["python"])
    assert python.is_relative_to(runner.runner_temp)
    where = subprocess.run(
        [python, "-I", "-c", "import ft_lint; print(ft_lint.__file__)"], capture_output=True, text=True, check=True
    )
    assert Path(where.stdout.strip()).is_relative_to(python.parent.parent), (
        "ft_lint must come from the action's environment"
    )


def test_good_data_passes_with_outputs_sarif_and_summary(installed, workspace):
    result = run_action(installed, workspace, paths="data", args=SELECT)
    assert result.exit_code == 0, result.stderr
    assert result.outputs == {
        "exit-code": "0",
        "findings": "0",
        "errors": "0",
        "warnings": "0",
        "infos": "0",
        "sarif-file": "ft-lint.sarif",
    }
    sarif = json.loads((workspace / "ft-lint.sarif").read_text())
    assert sarif["runs"][0]["results"] == []
    assert "## ft-lint passed" in result.summary
    assert "All checks passed (1 file, 3 records)" in result.summary
    # token and cost statistics, as `ft-lint stats` computes them for the same settings
    assert "### Token and cost statistics" in result.summary
    assert re.search(
        r"^\| data/good\.jsonl \| openai-chat \| \S+ \(default\) \| 3 \| [\d,]+ \|", result.summary, re.M
    ), result.summary
    # and its tokens per example against the model's limit, as text: a summary shows no SVG
    assert "<details><summary>Tokens per example against the model's limit</summary>" in result.summary
    [block] = re.findall(r"```text\n(.*?)\n```", result.summary, re.DOTALL)
    assert sum(int(line.rsplit(" ", 1)[1]) for line in block.splitlines()[:-1]) == 3  # the 3 examples
    assert block.splitlines()[-1].startswith("limit ")
    assert "::error" not in result.stdout


def test_bad_data_fails_with_annotations_full_report_outputs_and_summary(installed, workspace):
    add_bad_file(workspace)
    result = run_action(installed, workspace, paths="data", args=SELECT)
    assert result.exit_code == 1
    assert result.outputs["exit-code"] == "1"
    assert (result.outputs["errors"], result.outputs["warnings"], result.outputs["findings"]) == ("1", "1", "2")
    # annotations, with paths relative to the workspace (the repository root)
    assert "::error file=data/bad.jsonl,line=2,title=FT201 empty-content::" in result.stdout
    assert "::warning file=data/bad.jsonl,line=3,title=FT004 blank-line::" in result.stdout
    # the full report, in a group, with workflow commands stopped while it quotes the data
    report = re.search(r"::group::Full report\n::stop-commands::(\w+)\n(.*?)::\1::\n::endgroup::", result.stdout, re.S)
    assert report, result.stdout
    assert "data/bad.jsonl:2: FT201 [error] empty-content" in report.group(2)
    sarif = json.loads((workspace / result.outputs["sarif-file"]).read_text())
    assert sorted(r["ruleId"] for r in sarif["runs"][0]["results"]) == ["FT004", "FT201"]
    assert "## ft-lint failed" in result.summary
    assert "| FT201 | empty-content | error | 1 |" in result.summary
    assert "| data/bad.jsonl:2 /messages/1/content | FT201 empty-content | **error** |" in result.summary


def test_fail_on_and_config_inputs_reach_ft_lint(installed, workspace):
    add_bad_file(workspace)
    (workspace / "lint").mkdir()
    (workspace / "lint" / "only-blank-lines.toml").write_text('select = ["FT004"]\n')
    result = run_action(installed, workspace, paths="data", config="lint/only-blank-lines.toml", **{"fail-on": "error"})
    assert result.exit_code == 0  # the one finding left is a warning, below the failing level
    assert (result.outputs["warnings"], result.outputs["errors"]) == ("1", "0")
    assert "findings at **error** or above fail" in result.summary


def test_summary_and_sarif_can_be_turned_off(installed, workspace):
    add_bad_file(workspace)
    result = run_action(installed, workspace, paths="data", args=SELECT, summary="false", **{"sarif-file": ""})
    assert result.exit_code == 1
    assert result.summary == ""
    assert result.outputs["sarif-file"] == ""
    assert not (workspace / "ft-lint.sarif").exists()


def test_inputs_are_data_never_shell_code(installed, workspace):
    """Inputs pass through env:, so a path that reads like a command is just a (missing) path."""
    result = run_action(installed, workspace, paths='"$(touch pwned)"; touch pwned2')
    assert result.exit_code == 2
    assert not list(workspace.glob("pwned*"))
    assert "no such file or directory" in result.stderr
    assert result.outputs["exit-code"] == "2"
    assert "ft-lint could not run" in result.summary


def test_args_cannot_take_over_the_reports(installed, workspace):
    result = run_action(installed, workspace, paths="data", args="--output-format json")
    assert result.exit_code == 2
    assert "--output-format is set by the action" in result.stderr


def test_extras_are_names_never_shell_code_nor_pip_options(tmp_path):
    """Checked before the environment is made (so no install is needed to test it): a value
    that is not extras' names stops the install step."""
    runner = ActionRunner(ROOT, tmp_path / "runner-temp", {})
    for extras in ("parquet]; touch pwned", "parquet --index-url=http://x", "../x", "parquet,"):
        result = runner.run(tmp_path, {"extras": extras}, steps=slice(0, 1))
        assert result.exit_code == 2
        assert "::error::extras: names of ft-lint extras separated by commas" in result.stdout
        assert not list(tmp_path.glob("pwned*")) and not (tmp_path / "runner-temp" / "ft-lint-venv").exists()


def test_scripts_get_inputs_only_through_env():
    for step in load_action()["runs"]["steps"]:
        assert "${{" not in step["run"]
        for value in step.get("env", {}).values():
            assert EXPRESSION.fullmatch(str(value)), f"env values are single expressions: {value!r}"


def test_a_file_ft_lint_reports_on_but_cannot_count_is_a_note_in_the_summary(installed, workspace):
    (workspace / "data" / "packed.jsonl").write_bytes(gzip.compress(("\n".join(GOOD_LINES) + "\n").encode()))
    result = run_action(installed, workspace, paths="data/packed.jsonl")
    assert result.exit_code == 1
    assert "Note: no token statistics: data/packed.jsonl: file is gzip-compressed" in result.summary
    assert result.outputs["errors"] == "1"  # the compressed file itself
