"""The run: what `ft-lint check` does once the CLI has built the settings. Lint (or fix, or
show the diff), write the report (or --statistics), launch; return the exit code."""

from __future__ import annotations

import functools
import os
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TextIO

from ft_lint.clean_copy import CleanCopy, Copied, source_file
from ft_lint.config import RunOptions, Settings
from ft_lint.engine import LintState, exit_code, lint, plan_files
from ft_lint.errors import UsageError
from ft_lint.escaping import terminal
from ft_lint.files import collect_files, display_name
from ft_lint.findings import Finding
from ft_lint.reporters import Reporter, RunSummary, get_reporter


def run(
    settings: Settings,
    options: RunOptions | None = None,
    report: Callable[[list[Finding], RunSummary, Settings], None] | None = None,
) -> int:
    """Lint, then `report(findings, run_summary, settings)` (default: `write_report`); the exit code."""
    options = options if options is not None else RunOptions()
    state = LintState()
    files = collect_files(settings.paths)
    if not files:  # a mistyped folder in CI would otherwise pass silently
        names = ", ".join(map(display_name, settings.paths))
        print(
            terminal(f"ft-lint: warning: no data files (*.jsonl, *.ndjson, *.json arrays) in {names}"), file=sys.stderr
        )
    if options.diff:  # print what --fix would change, and nothing else
        from ft_lint.fixer import show_diff

        return show_diff(files, settings, options, sys.stdout, state)
    if options.output_file is not None or options.write_clean is not None:  # before anything is read or written
        inputs = [*plan_files(files, settings).files, *filter(None, [settings.config_file])]
        for target, what in ((options.output_file, "the report"), (options.write_clean, "the clean copy")):
            if target is not None:
                _refuse_to_overwrite_an_input(target, inputs, what)
    if options.output_file is not None:
        _open_report(options.output_file).close()  # a report that cannot be written fails before the work
    with _clean_copy(files, settings, options) as clean:
        launch = None
        if options.launch is not None:  # what --launch can check without the lint comes first
            from ft_lint.launch.flow import prepare

            launch = prepare(settings, options, files)
        if options.fix:
            from ft_lint.fixer import fix_and_lint

            findings, run_summary = fix_and_lint(files, settings, options, state)
        else:
            findings, run_summary = lint(files, settings, options, state)
        (report or functools.partial(write_report, options=options))(findings, run_summary, settings)
        if run_summary.not_fixed:  # after the report, so they are what is seen last; nothing is launched
            print("\n".join(f"ft-lint: error: {line}" for line in run_summary.not_fixed), file=sys.stderr)
            return 2
        if clean is not None:
            _say_copied(clean, clean.commit(findings, settings.fail_on), settings)
    return launch.after_lint(findings, run_summary.read) if launch else exit_code(findings, settings)


def _clean_copy(files: list[Path], settings: Settings, options: RunOptions) -> AbstractContextManager[CleanCopy | None]:
    """--write-clean's output, opened before the lint (a folder that cannot be written fails first)."""
    if options.write_clean is None:
        return nullcontext()
    if options.output_file is not None and options.write_clean.resolve() == options.output_file.resolve():
        raise UsageError(f"{options.write_clean}: named by both -o and --write-clean; give each its own file")
    return CleanCopy(source_file(files, settings.validation), options.write_clean)


def _say_copied(clean: CleanCopy, copied: Copied, settings: Settings) -> None:
    left_out = copied.records - copied.kept
    line = (
        f"ft-lint: wrote {copied.kept:,} of {copied.records:,} records of {display_name(clean.source)}"
        f" to {display_name(clean.target)}"
        + (f" ({left_out:,} left out: findings at or above {settings.fail_on.label})" if left_out else "")
    )
    if copied.file_findings:
        line += f"; {', '.join(copied.file_findings)} (about the whole file) may apply to it too"
    print(terminal(line), file=sys.stderr)


def write_report(
    findings: list[Finding], run_summary: RunSummary, settings: Settings, options: RunOptions | None = None
) -> None:
    options = options if options is not None else RunOptions()
    report: Reporter = _report_statistics if options.statistics else get_reporter(settings.output_format)
    target = options.output_file
    try:
        with _open_report(target) if target else nullcontext(sys.stdout) as out:
            report(findings, run_summary, out)
            out.flush()  # a full disk shows here, not as the program exits
    except BrokenPipeError:
        raise  # `ft-lint ... | head`: the CLI's business
    except OSError as error:
        if target is None:  # what could not be written would fail again at exit, after the one line below
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise UsageError(f"{target or 'standard output'}: cannot write the report: {error.strerror or error}") from None


def _open_report(target: Path) -> TextIO:
    try:
        return target.open("w", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{target}: cannot write the report: {error.strerror or error}") from None


def _refuse_to_overwrite_an_input(target: Path, inputs: list[Path], what: str) -> None:
    """`-o` (or --write-clean) naming a file that is read (a data file, a partner found on disk,
    the configuration) would replace it before or after it is read. The same file is the same
    device and inode, so a symbolic or hard link to an input counts too."""
    try:
        written = target.stat()
    except OSError:
        return  # not there yet: no input
    for path in inputs:
        try:
            same = os.path.samestat(path.stat(), written)
        except OSError:
            continue  # an input that cannot be read is reported when it is linted
        if same:
            raise UsageError(
                f"{target}: {what} would overwrite an input ({display_name(path)}); write it to another file"
            )


def _report_statistics(findings: list[Finding], run_summary: RunSummary, out: TextIO) -> None:
    counts = Counter((f.code, f.name, f.severity.label) for f in findings)
    for (code, name, severity), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        out.write(f"{count:>8}  {code}  {name}  [{severity}]\n")
    from ft_lint.reporters import summary_line

    out.write(summary_line(findings, run_summary) + "\n")
