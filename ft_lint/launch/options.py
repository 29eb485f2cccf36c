"""The launch settings (cheap to import: the CLI builds them at startup)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PROVIDER_NAMES = ("openai", "azure-openai", "together", "fireworks", "bedrock", "vertex")
OPENAI_PART_BYTES = 64 * 2**20  # the Uploads API takes parts of at most 64 MB
# How long to wait and how often to try: option (and configuration key) -> Timeouts field.
TIMEOUT_SETTINGS = {
    "connect-timeout": "connect",
    "read-timeout": "read",
    "upload-timeout": "upload",
    "launch-deadline": "deadline",
}
RETRIES_SETTING = "max-retries"
MAX_SECONDS = 7 * 86400  # a week: longer is no limit (and past what the deadline's timer takes)
NETWORK_SETTINGS = (*TIMEOUT_SETTINGS, RETRIES_SETTING)
# Where a provider's job goes and who runs it (Bedrock: S3 bucket and prefix, IAM role, region,
# distillation teacher; Vertex AI: project, region and Cloud Storage bucket): option (and
# configuration key) names; the provider reads the environment for those not given.
PROVIDER_SETTINGS = (
    "s3-bucket",
    "s3-prefix",
    "role-arn",
    "region",
    "teacher-model",
    "gcp-project",
    "gcp-location",
    "gcs-uri",
)


@dataclass
class JobSettings:
    """The job settings the user gave; None means: leave it to the provider (not sent)."""

    n_epochs: int | None = None
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None
    learning_rate: float | None = None  # absolute (Bedrock, Together)
    suffix: str | None = None
    seed: int | None = None
    beta: float | None = None


@dataclass(frozen=True)
class Timeouts:
    """How long a launch waits, in seconds (options --connect-timeout ..., or [tool.ft-lint.launch])."""

    connect: float = 10.0  # to open a connection (TCP and TLS): more is a network fault
    read: float = 60.0  # an API call's longest silence (a job, a file's metadata): they answer in seconds
    # The requests that carry the file's bytes, both ways: the server answers only once it has
    # stored them all (up to 512 MB in one request), and a slow link stalls a write for longer.
    upload: float = 120.0
    deadline: float = 3600.0  # the whole launch, retries included, up to the job's creation (not --wait)


@dataclass
class LaunchOptions:
    validation: Path | None = None
    provider: str | None = None  # None: the model table's provider for the model
    base_url: str | None = None  # None: the provider's environment variable, else its public API
    job: JobSettings = field(default_factory=JobSettings)
    dry_run: bool = False
    wait: bool = False
    relaunch: bool = False  # create a job even when the same request created one before
    fireworks_account: str | None = None  # None: the `fireworks-account` key, else $FIREWORKS_ACCOUNT_ID
    max_retries: int = 5  # the SDKs retry 5xx, 408, 429 and timeouts with exponential backoff
    timeouts: Timeouts = field(default_factory=Timeouts)
    # PROVIDER_SETTINGS by name: the command line's, else the configuration's
    settings: dict[str, str] = field(default_factory=dict)
    network_given: dict[str, float] = field(
        default_factory=dict
    )  # NETWORK_SETTINGS on the command line: they win over the configuration's

    def set_network(self, values: dict[str, float]) -> None:
        """Sets NETWORK_SETTINGS by name; the others keep their values."""
        self.timeouts = replace(
            self.timeouts, **{field: values[name] for name, field in TIMEOUT_SETTINGS.items() if name in values}
        )
        self.max_retries = int(values.get(RETRIES_SETTING, self.max_retries))

    # Not on the command line; tests and embedding programs set them.
    poll_interval: float = 30.0  # seconds between two looks at a job under --wait
    multipart_threshold: int | None = None  # None: the provider's single-request upload limit
    part_size: int = OPENAI_PART_BYTES
    credentials: Any = None  # google.auth credentials for Vertex AI; None: Application Default Credentials
