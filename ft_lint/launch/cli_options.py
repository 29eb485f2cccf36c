"""The command-line side of --launch: the options `check` takes, and `ft-lint follow`."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ft_lint.launch.options import (
    MAX_SECONDS,
    NETWORK_SETTINGS,
    PROVIDER_NAMES,
    PROVIDER_SETTINGS,
    JobSettings,
    LaunchOptions,
    Timeouts,
)

if TYPE_CHECKING:
    from ft_lint.config import Settings

_PROVIDER = click.Choice(PROVIDER_NAMES)


class _FloatRange(click.FloatRange):
    """click.FloatRange that also refuses NaN, which passes any range test (every comparison with it is false)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number.", param, ctx)
        return number


# The job settings' ranges: what any provider could take, so a typo (1e9 epochs, NaN) fails here,
# before the upload; each provider checks its own, narrower ranges when the job is created.
_POSITIVE = _FloatRange(min=0, max=1000, min_open=True)
_EPOCHS = click.IntRange(1, 1000)
_BATCH_SIZE = click.IntRange(1, 1_000_000)
_SEED = click.IntRange(0, 2**31 - 1)
_SECONDS: dict[str, Any] = {"type": _FloatRange(min=0, min_open=True, max=MAX_SECONDS), "metavar": "SECONDS"}
_WAITS, _TRIES = Timeouts(), LaunchOptions().max_retries  # the defaults, for the help

# (option, keyword, its settings) in the order `check --help` lists them.
_OPTIONS = (
    click.option(
        "--validation",
        type=click.Path(path_type=Path, dir_okay=False),
        help=(
            "Validation file: paired with the training files given (leaks: FT404, FT405), "
            "and sent with them by --launch."
        ),
    ),
    click.option(
        "--launch",
        is_flag=True,
        help="When nothing fails, upload the files and create the fine-tuning job for --model.",
    ),
    click.option(
        "--dry-run",
        is_flag=True,
        help="With --launch: print what would be sent (files, sha256, job request) and send nothing.",
    ),
    click.option(
        "--wait",
        is_flag=True,
        help=(
            "With --launch: follow the job, printing status and losses, until it ends "
            "(Ctrl-C stops following, not the job)."
        ),
    ),
    click.option(
        "--provider",
        type=_PROVIDER,
        help="With --launch: the API to send to (default: the model's provider in `ft-lint models`).",
    ),
    click.option(
        "--base-url",
        metavar="URL",
        help="With --launch: the API's base URL (an OpenAI-compatible server, an Azure resource, ...).",
    ),
    click.option(
        "--fireworks-account",
        metavar="ID",
        help="With --launch on Fireworks: the account (default: `fireworks-account`, else $FIREWORKS_ACCOUNT_ID).",
    ),
    click.option(
        "--gcp-project",
        metavar="PROJECT",
        help="With --launch on Vertex AI: the Google Cloud project (default: GOOGLE_CLOUD_PROJECT, else ADC's).",
    ),
    click.option(
        "--gcp-location",
        metavar="REGION",
        help="With --launch on Vertex AI: the tuning job's region (default: GOOGLE_CLOUD_LOCATION, else us-central1).",
    ),
    click.option(
        "--gcs-uri",
        metavar="gs://BUCKET/PREFIX",
        help="With --launch on Vertex AI: where the data is uploaded (default: FT_LINT_GCS_URI).",
    ),
    click.option("--n-epochs", type=_EPOCHS, help="With --launch: epochs to train (default: the provider's)."),
    click.option("--batch-size", type=_BATCH_SIZE, help="With --launch: examples per batch (default: the provider's)."),
    click.option(
        "--learning-rate-multiplier",
        type=_POSITIVE,
        help="With --launch: scaling of the learning rate (OpenAI, Azure).",
    ),
    click.option(
        "--learning-rate",
        type=_POSITIVE,
        help="With --launch: the learning rate itself (Bedrock, Together).",
    ),
    click.option("--suffix", metavar="TEXT", help="With --launch: text added to the fine-tuned model's name."),
    click.option("--seed", type=_SEED, help="With --launch: seed for reproducible training."),
    click.option("--beta", type=_POSITIVE, help="With --launch, for preference (DPO) data: the DPO beta."),
    click.option("--s3-bucket", metavar="NAME", help="With --launch, Bedrock: the S3 bucket the data is uploaded to."),
    click.option(
        "--s3-prefix",
        metavar="PREFIX",
        help="With --launch, Bedrock: the key prefix in that bucket (default: ft-lint/).",
    ),
    click.option("--role-arn", metavar="ARN", help="With --launch, Bedrock: the IAM role the job runs as."),
    click.option("--region", metavar="REGION", help="With --launch, Bedrock: the AWS region of the job."),
    click.option(
        "--teacher-model",
        metavar="MODEL",
        help="With --launch, Bedrock distillation: the model that writes the answers.",
    ),
    click.option(
        "--relaunch",
        is_flag=True,
        help="With --launch: create a job even if these files and settings created one before.",
    ),
    click.option(
        "--connect-timeout",
        **_SECONDS,
        help=f"With --launch: longest wait to open a connection (default: {_WAITS.connect:g}).",
    ),
    click.option(
        "--read-timeout",
        **_SECONDS,
        help=f"With --launch: longest silence of an API call's answer (default: {_WAITS.read:g}).",
    ),
    click.option(
        "--upload-timeout",
        **_SECONDS,
        help=(
            "With --launch: the same for the requests that carry the data, sending or answering "
            f"(default: {_WAITS.upload:g})."
        ),
    ),
    click.option(
        "--launch-deadline",
        **_SECONDS,
        help=(
            "With --launch: the whole launch, retries included, up to the job's creation "
            f"(default: {_WAITS.deadline:g})."
        ),
    ),
    click.option(
        "--max-retries",
        type=click.IntRange(min=0),
        metavar="N",
        help=(
            "With --launch: tries after the first of a request that failed "
            f"(HTTP 5xx, 408, 429, timeouts; default: {_TRIES})."
        ),
    ),
)
_JOB_KEYWORDS = ("n_epochs", "batch_size", "learning_rate_multiplier", "learning_rate", "suffix", "seed", "beta")
_NETWORK_KEYWORDS = {name.replace("-", "_"): name for name in NETWORK_SETTINGS}
_SETTING_KEYWORDS = {name.replace("-", "_"): name for name in PROVIDER_SETTINGS}
_LAUNCH_ONLY = (
    "dry_run",
    "wait",
    "provider",
    "base_url",
    "fireworks_account",
    "relaunch",
    *_JOB_KEYWORDS,
    *_NETWORK_KEYWORDS,
    *_SETTING_KEYWORDS,
)


def launch_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the launch options to a command; it receives them as `validation` and `launch`
    (a LaunchOptions, or None without --launch)."""

    @functools.wraps(command)
    def with_launch(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in _LAUNCH_ONLY}
        launch = kwargs.pop("launch")
        if not launch:
            stray = [name for name, value in given.items() if value not in (None, False)]
            if stray:
                raise click.UsageError(f"--{stray[0].replace('_', '-')} only applies with --launch")
        kwargs["launch"] = _launch_options(kwargs["validation"], given) if launch else None
        return command(*args, **kwargs)

    for option in reversed(_OPTIONS):
        with_launch = option(with_launch)
    return with_launch


def _launch_options(validation: Path | None, given: dict[str, Any]) -> LaunchOptions:
    job = JobSettings(**{name: given[name] for name in _JOB_KEYWORDS})
    return LaunchOptions(
        validation=validation,
        provider=given["provider"],
        base_url=given["base_url"],
        job=job,
        dry_run=given["dry_run"],
        wait=given["wait"],
        relaunch=given["relaunch"],
        fireworks_account=given["fireworks_account"],
        network_given={
            name: given[keyword] for keyword, name in _NETWORK_KEYWORDS.items() if given[keyword] is not None
        },
        settings={name: given[keyword] for keyword, name in _SETTING_KEYWORDS.items() if given[keyword] is not None},
    )


def launch_paths(paths: list[Path], validation: Path | None) -> list[Path]:
    """The validation file is linted with the rest; --launch sends it too."""
    return [*paths, validation] if validation is not None and validation not in paths else list(paths)


def launch_with_network(settings: Settings, launch: LaunchOptions | None) -> LaunchOptions | None:
    """--launch's options with their timeouts, retries, Fireworks account and provider settings:
    the command line's, else the configuration's, else the defaults (the account and the provider
    settings: the environment's)."""
    if launch is not None:
        launch.set_network({**settings.launch_network, **launch.network_given})
        launch.fireworks_account = launch.fireworks_account or settings.fireworks_account
        launch.settings = {**settings.launch_settings, **launch.settings}
    return launch


@click.command("follow")
@click.argument("job_id")
@click.option("--provider", type=_PROVIDER, default="openai", show_default=True, help="The API the job runs on.")
@click.option(
    "--base-url",
    metavar="URL",
    help="The API's base URL (default: the provider's environment variable, else its public API).",
)
def follow_command(job_id: str, provider: str, base_url: str | None) -> None:
    """Follow a fine-tuning job: status, events and losses, until it ends."""
    import sys

    from ft_lint.launch.base import LaunchError
    from ft_lint.launch.flow import check_endpoint, follow_job, make_provider
    from ft_lint.launch.masking import mask

    options = LaunchOptions(provider=provider, base_url=base_url)
    api = make_provider(provider, options)
    check_endpoint(api)
    missing = api.missing_credentials()
    if missing:
        raise LaunchError(f"{api.title} credentials missing: set {', '.join(missing)}")
    sys.exit(follow_job(api, job_id, options.poll_interval, lambda line: click.echo(mask(line))))
