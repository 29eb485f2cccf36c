"""What the GitHub Action (action.yml) runs: `python -m ft_lint.github_action`.

The inputs come as environment variables (action.yml maps each input through `env:`, never
into the script). They become `ft-lint check` arguments, and `check` runs as on the command
line, except that its report is `write_reports`: one lint run feeds every report the action
promises (annotations, the full report in the log, the SARIF file, the step outputs and the
Markdown job summary). The exit code is `ft-lint check`'s.
"""

from __future__ import annotations

import functools
import os
import secrets
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ft_lint.escaping import terminal
from ft_lint.findings import Finding, Severity
from ft_lint.reporters import RunSummary, count_by_severity, get_reporter

if TYPE_CHECKING:
    from ft_lint.config import Settings
    from ft_lint.histogram import LimitHistogram
    from ft_lint.stats import FileStats

# The action writes these reports itself; in `args` they would fight over standard output.
RESERVED_OPTIONS = ("--output-format", "--output-file", "-o", "--statistics")
COUNT_OUTPUTS = {Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.INFO: "infos"}


class InputError(Exception):
    """An action input that cannot be used."""


@dataclass
class ActionInputs:
    paths: list[str]
    args: list[str]
    config: str
    model: str
    fail_on: str
    sarif_file: str
    summary: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ActionInputs:
        def text(name: str) -> str:
            return env.get(f"FT_LINT_{name}", "").strip()

        summary = text("SUMMARY").lower() or "true"
        if summary not in ("true", "false"):
            raise InputError(f"input 'summary' must be true or false, not {summary!r}")
        args = _split("args", text("ARGS"))
        for arg in args:
            for option in RESERVED_OPTIONS:
                # `-oFILE` is `-o FILE`; long options may come as `--option=value`
                if arg == option or arg.startswith(option + ("" if option == "-o" else "=")):
                    raise InputError(
                        f"input 'args': {option} is set by the action (see its inputs sarif-file and summary)"
                    )
        if "\n" in text("SARIF_FILE"):
            raise InputError("input 'sarif-file' must be one path")
        return cls(
            paths=_split("paths", text("PATHS")) or ["."],
            args=args,
            config=text("CONFIG"),
            model=text("MODEL"),
            fail_on=text("FAIL_ON"),
            sarif_file=text("SARIF_FILE"),
            summary=summary == "true",
        )

    def check_arguments(self) -> list[str]:
        """`ft-lint check` arguments: the free-form `args` first, so the named inputs win."""
        named = {"--config": self.config, "--model": self.model, "--fail-on": self.fail_on}
        options = [part for option, value in named.items() if value for part in (option, value)]
        # `full` keeps the excerpts that the full report in the log shows
        return [*self.args, *options, "--output-format", "full", "--", *self.paths]


def _split(name: str, value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError as error:
        raise InputError(f"input {name!r}: {error}") from None


@dataclass
class Outcome:
    findings: list[Finding]
    run: RunSummary
    stats: list[FileStats] | None


def write_reports(
    findings: list[Finding],
    run: RunSummary,
    settings: Settings,
    inputs: ActionInputs,
    out: TextIO,
    outcome: list[Outcome],
) -> None:
    """`check`'s report in the action: annotations, the full report, SARIF; the summary's material."""
    get_reporter("github")(findings, run, out)
    # The full report quotes the data: stop workflow commands so no line of it can act as one.
    token = secrets.token_hex(16)
    out.write(f"::group::Full report\n::stop-commands::{token}\n")
    get_reporter("full")(findings, run, out)
    out.write(f"::{token}::\n::endgroup::\n")
    out.flush()
    if inputs.sarif_file:
        target = Path(inputs.sarif_file)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8") as handle:
            get_reporter("sarif")(findings, run, handle)
    outcome.append(Outcome(findings, run, statistics(settings, run) if inputs.summary else None))


def statistics(settings: Settings, run: RunSummary) -> list[FileStats] | None:
    """`ft-lint stats` of the files for the summary, with the lint's settings."""
    from ft_lint.errors import UsageError
    from ft_lint.stats import collect_stats

    try:
        return collect_stats(settings.paths, settings)
    except UsageError as error:  # a file the lint reports on (FT003, FT005...) may have no statistics
        run.notes.append(f"no token statistics: {error}")
        return None


def _summary_stats(stats: list[FileStats] | None) -> tuple[list[dict[str, Any]] | None, dict[str, LimitHistogram]]:
    """The summary's statistics: `ft-lint stats --output-format json` rows (docs/spec.md), and per
    file its tokens per example against its model's limit."""
    from ft_lint.histogram import against_limit

    if stats is None:
        return None, {}
    return [item.as_json() for item in stats], {
        item.filename: against_limit(item.per_example, item.choice.model.context_tokens)
        for item in stats
        if len(item.per_example)
    }


def write_outputs(path: str, values: dict[str, str]) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in values.items():
            handle.write(f"{name}={value}\n")


def run_action(env: Mapping[str, str], out: TextIO) -> int:
    from ft_lint.cli import EXIT_USAGE
    from ft_lint.cli import main as cli_main
    from ft_lint.github_summary import render

    outcome: list[Outcome] = []
    exit_code = EXIT_USAGE  # until `check` exits with its own (it always ends with sys.exit)
    sarif_file, summary = "", False  # the inputs', once read
    try:
        inputs = ActionInputs.from_env(env)
    except InputError as error:
        print(terminal(f"ft-lint: error: {error}"), file=sys.stderr)
    else:
        sarif_file, summary = inputs.sarif_file, inputs.summary
        try:
            report = functools.partial(write_reports, inputs=inputs, out=out, outcome=outcome)
            cli_main(["check", *inputs.check_arguments()], report)
        except SystemExit as done:
            exit_code = done.code if isinstance(done.code, int) else EXIT_USAGE
    outputs = {"exit-code": str(exit_code)}
    # `check` ran and reported (so the inputs were read), or there is nothing but the exit code
    ran = outcome[0] if outcome else None
    if ran is not None:
        counts = count_by_severity(ran.findings)
        outputs["findings"] = str(len(ran.findings))
        outputs.update({name: str(counts[severity]) for severity, name in COUNT_OUTPUTS.items()})
        outputs["sarif-file"] = sarif_file
    if env.get("GITHUB_OUTPUT"):
        write_outputs(env["GITHUB_OUTPUT"], outputs)
    if env.get("GITHUB_STEP_SUMMARY") and (ran is None or summary):
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as handle:
            if ran is not None:
                handle.write(render(ran.findings, ran.run, exit_code, *_summary_stats(ran.stats)) + "\n")
            else:
                handle.write(
                    "## ft-lint could not run\n\n"
                    f"Exit code {exit_code}: a usage or configuration error; the step log says which.\n"
                )
    return exit_code


if __name__ == "__main__":
    sys.exit(run_action(os.environ, sys.stdout))
