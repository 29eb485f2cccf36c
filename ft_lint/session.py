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
from typing import TYPE_CHECKING, TextIO

from ft_lint import baseline
from ft_lint.clean_copy import CleanCopy, Copied, source_file
from ft_lint.config import RunOptions, Settings
from ft_lint.engine import LintState, exit_code, lint, plan_files
from ft_lint.errors import UsageError
from ft_lint.escaping import terminal
from ft_lint.files import DATA_SUFFIXES, collect_files, display_name
from ft_lint.findings import Finding
from ft_lint.reporters import Reporter, RunSummary, get_reporter

if TYPE_CHECKING:
    from ft_lint.stats import FileStats


def run(
    settings: Settings,
    options: RunOptions | None = None,
    report: Callable[[list[Finding], RunSummary, Settings], None] | None = None,
) -> int:
    """Lint, then `report(findings, run_summary, settings)` (default: `write_report`); the exit code."""
    options = options if options is not None else RunOptions()
    state = LintState()
    files = collect_files(settings.paths, settings.own_files)
    if not files and not options.allow_empty:  # a mistyped folder in CI would otherwise pass
        names = ", ".join(map(display_name, settings.paths))
        kinds = ", ".join("*" + suffix for suffix in DATA_SUFFIXES)
        raise UsageError(
            f"no data files ({kinds}, *.json arrays of objects) in {names} (--allow-empty lets a run without data pass)"
        )
    if options.diff:  # print what --fix would change, and nothing else
        from ft_lint.fixer import show_diff

        return show_diff(files, settings, options, sys.stdout, state)
    replaced = None  # the baseline --write-baseline replaces (it may be the one configured)
    if options.write_baseline is not None:  # before anything is read or written
        _refuse_to_overwrite_an_input(options.write_baseline, _inputs(files, settings), "the baseline")
        replaced = baseline.check_target(options.write_baseline)
    if options.write_clean is not None:
        _refuse_to_overwrite_an_input(options.write_clean, _inputs(files, settings), "the clean copy")
    if options.output_file is not None:
        check_report_target(options.output_file, files, settings, also=options.write_baseline)
    known = baseline.load(settings.baseline) if settings.baseline and not options.write_baseline else None
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
        every_finding = findings  # baselined or not: --launch sends no file with one, --write-clean copies none
        if options.write_baseline is not None:
            known = baseline.write(options.write_baseline, findings, map(display_name, files), replaced)
            recorded = sum(known.counts.values())
            print(
                terminal(f"ft-lint: wrote {display_name(options.write_baseline)}: {recorded:,} findings recorded"),
                file=sys.stderr,
            )
        if known is not None:
            findings, run_summary.baselined = known.hide(findings)
        (report or functools.partial(write_report, options=options))(findings, run_summary, settings)
        if run_summary.not_fixed:  # after the report, so they are what is seen last; nothing is launched
            print("\n".join(terminal(f"ft-lint: error: {line}") for line in run_summary.not_fixed), file=sys.stderr)
            return 2
        if clean is not None:
            _say_copied(clean, clean.commit(every_finding, settings.fail_on), settings)
    return launch.after_lint(every_finding, run_summary.read) if launch else exit_code(findings, settings)


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
    report: Reporter = (
        functools.partial(_report_statistics, as_json=settings.output_format == "json", options=options)
        if options.statistics
        else get_reporter(settings.output_format)
    )
    _write_to(options.output_file, functools.partial(report, findings, run_summary))


def write_html_report(stats: list[FileStats], files: list[Path], settings: Settings, target: Path) -> None:
    """`ft-lint stats --html`: lint the files (the report shows the findings per rule and per
    file), then write the page (ft_lint.html_report) with the stats already made."""
    from ft_lint.html_report import render

    findings, run_summary = lint(files, settings)
    _write_to(target, lambda out: out.write(render(stats, findings, run_summary)))


def check_report_target(target: Path, files: list[Path], settings: Settings, also: Path | None = None) -> None:
    """Before anything is read or written: a report file (`-o`, `--html`) is never an input nor a
    baseline (the one read, `also` the one written), and one that cannot be written fails before the work."""
    baselines = [path for path in (settings.baseline, also) if path is not None]
    _refuse_to_overwrite_an_input(target, [*_inputs(files, settings), *baselines])
    _open_report(target).close()


def _inputs(files: list[Path], settings: Settings) -> list[Path]:
    """What a run reads: the data files, the partners found on disk, the configuration."""
    return [*plan_files(files, settings).files, *filter(None, [settings.config_file])]


def _write_to(target: Path | None, write: Callable[[TextIO], object]) -> None:
    """Write a report to `target`, or to standard output; what fails is one line (exit 2)."""
    try:
        with _open_report(target) if target else nullcontext(sys.stdout) as out:
            write(out)
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


def _refuse_to_overwrite_an_input(target: Path, inputs: list[Path], what: str = "the report") -> None:
    """`-o`, --write-baseline or --write-clean naming a file that is read (a data file, a partner
    found on disk, the configuration) would replace it before or after it is read. The same file
    is the same device and inode, so a symbolic or hard link to an input counts too."""
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


def _report_statistics(
    findings: list[Finding], run_summary: RunSummary, out: TextIO, as_json: bool, options: RunOptions
) -> None:
    if as_json:
        _statistics_json(findings, out, options)
        return
    counts = Counter((f.code, f.name, f.severity.label) for f in findings)
    for (code, name, severity), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        out.write(f"{count:>8}  {code}  {name}  [{severity}]\n")
    from ft_lint.reporters import summary_line

    out.write(summary_line(findings, run_summary) + "\n")


def _statistics_json(findings: list[Finding], out: TextIO, options: RunOptions) -> None:
    """`--statistics --output-format json`: one object per code, the most frequent first (docs/spec.md).
    `fixable`: whether `--fix` (with this run's --unsafe-fixes) fixes some of them."""
    import json

    from ft_lint.rules import catalog

    counts = Counter(f.code for f in findings)
    names = {f.code: f.name for f in findings}
    with_fix = {f.code for f in findings if f.edit is not None}
    rules = catalog()
    rows = [
        {
            "code": code,
            "name": names[code],
            "count": count,
            "fixable": code in with_fix and (options.unsafe_fixes or rules[code].fix_is_safe),
        }
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    out.write("[" + ",".join(f"\n  {json.dumps(row)}" for row in rows) + ("\n]\n" if rows else "]\n"))
