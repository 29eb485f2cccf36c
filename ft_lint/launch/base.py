"""What every provider offers the launch step: uploads, jobs, progress, one-line errors with
no credential in them, and the launch's deadline."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ft_lint.errors import UsageError
from ft_lint.launch.masking import mask
from ft_lint.launch.options import JobSettings, LaunchOptions
from ft_lint.time_limits import time_limit

if TYPE_CHECKING:
    from ft_lint.launch.linted import LintedFile

MESSAGE_CHARS = 300
SUPERVISED, DPO = "supervised", "dpo"


class LaunchError(UsageError):
    """Something that stops a launch: one line on stderr, exit code 2, credentials masked."""

    def __init__(self, message: str):
        super().__init__(mask(message))


class DeadlinePassed(BaseException):
    """The launch's deadline passed. Not an Exception: the SDKs retry those as network faults."""


def deadline(seconds: float) -> AbstractContextManager[None]:
    """Raises DeadlinePassed in this thread once `seconds` have passed, whatever it is waiting
    for (a signal: POSIX, main thread; elsewhere the timeouts alone bound each request)."""
    return time_limit(seconds, DeadlinePassed)


@dataclass(frozen=True)
class JobState:
    status: str
    finished: bool
    succeeded: bool
    detail: str = ""  # the fine-tuned model when it succeeded, the error when it failed


@dataclass
class Progress:
    """What --wait has already printed of a job's events and metrics."""

    seen_events: set[str] = field(default_factory=set)
    last_step: int = -1


class Provider:
    """One fine-tuning API, reached through its official SDK (imported only when used)."""

    name = ""
    title = ""
    sdk_module = ""
    extra = "launch"  # the ft-lint extra that installs the SDK
    default_base_url = ""
    base_url_variable = ""
    max_upload_bytes = 0  # the most one file may hold, with the provider's multipart upload

    def __init__(self, options: LaunchOptions):
        self.options = options
        self._client: Any = None
        self._upload_client: Any = None

    # --- configuration, checked before anything is sent ---------------------------------

    @property
    def endpoint(self) -> str:
        """The API's base URL: uploads are remembered per endpoint."""
        explicit = self.options.base_url or os.environ.get(self.base_url_variable, "")
        return (explicit or self.default_base_url).rstrip("/")

    @property
    def upload_location(self) -> str:
        """Where uploads go: they are remembered per location."""
        return self.endpoint

    def missing_credentials(self) -> list[str]:
        """Names of the environment variables that must be set and are not."""
        raise NotImplementedError

    def missing_settings(self) -> list[str]:
        """The settings a launch needs besides credentials (a bucket, a role), named as the user sets them."""
        return []

    def api_model_name(self, model_id: str) -> str:
        """The name this API knows a base model of the model table by."""
        return model_id

    def derived_file_id(self, sha256: str) -> str | None:
        """The file id an upload of these bytes gets, where the client chooses it (else None):
        looked for before uploading, so that bytes uploaded before are found without the state file."""
        return None

    def upload_method(self, size: int) -> str:
        """How a file of this size is sent (for the dry run and the progress lines)."""
        raise NotImplementedError

    def check_settings(self) -> None:
        """The provider's own settings (a bucket, a project), checked before the lint."""

    def check_files(self, paths: list[Path]) -> None:
        """The provider SDK's own checks of the files, where it has any (before any upload)."""

    def job_request(
        self, model: str, training_file: str, validation_file: str | None, method: str, settings: JobSettings
    ) -> dict[str, Any]:
        raise NotImplementedError

    def job_request_label(self) -> str:
        """What the job request printed by --dry-run is (an HTTP body, or SDK arguments)."""
        raise NotImplementedError

    def dashboard_url(self, job_id: str) -> str | None:
        return None

    # --- calls ---------------------------------------------------------------------------

    def sdk_arguments(self, read_seconds: float) -> dict[str, Any]:
        """The client's retries and timeouts: `read_seconds` for reads, writes and a free connection."""
        timeout = self.sdk.Timeout(read_seconds, connect=self.options.timeouts.connect)
        return {"max_retries": self.options.max_retries, "timeout": timeout}

    @property
    def sdk(self) -> ModuleType:
        return import_sdk(self.sdk_module, self.extra)

    @property
    def client(self) -> Any:
        """For API calls."""
        if self._client is None:
            self._client = self.make_client(self.sdk, self.options.timeouts.read)
        return self._client

    @property
    def upload_client(self) -> Any:
        """For the requests that carry a file's bytes (longer timeouts)."""
        if self._upload_client is None:
            self._upload_client = self.make_client(self.sdk, self.options.timeouts.upload)
        return self._upload_client

    def make_client(self, sdk: ModuleType, read_seconds: float) -> Any:
        raise NotImplementedError

    def upload(self, linted: LintedFile) -> str:
        """Sends exactly the linted bytes (see LintedFile.chunks); returns the file id."""
        raise NotImplementedError

    def file_exists(self, file_id: str, size: int) -> bool:
        raise NotImplementedError

    def create_job(self, request: dict[str, Any]) -> tuple[str, str]:
        """Creates the job; returns its id and status."""
        raise NotImplementedError

    def job_state(self, job_id: str) -> JobState:
        raise NotImplementedError

    def new_progress(self, job_id: str, progress: Progress) -> list[str]:
        """Lines for the events and losses not printed yet, oldest first."""
        raise NotImplementedError

    def refusals(self, sdk: ModuleType) -> tuple[type[Exception], ...]:
        """SDK exceptions raised before a request goes out (a local check that failed)."""
        return ()

    @contextmanager
    def translated_errors(self, action: str, uploading: bool = False) -> Iterator[None]:
        """The SDK's exceptions, and the deadline, as one line naming what failed, where, and
        after how many tries. `uploading`: the requests are the upload client's."""
        sdk = self.sdk
        timeouts = self.options.timeouts
        tries = f"{self.options.max_retries + 1} tries"
        try:
            yield
        except DeadlinePassed:
            raise self.deadline_error(action) from None
        except sdk.APITimeoutError:
            waited, option = (timeouts.upload, "--upload-timeout") if uploading else (timeouts.read, "--read-timeout")
            raise LaunchError(
                f"{action}: {self.endpoint} did not answer within {waited:g} s ({option}; {tries})"
            ) from None
        except sdk.APIConnectionError as error:
            cause = error.__cause__ or error
            raise LaunchError(f"{action}: cannot reach {self.endpoint}: {one_line(str(cause))} ({tries})") from None
        except sdk.APIStatusError as error:
            retried = f" ({tries})" if error.status_code >= 500 or error.status_code in (408, 409, 429) else ""
            raise LaunchError(
                f"{action}: {self.endpoint} answered HTTP {error.status_code}: {error_message(error)}{retried}"
            ) from None
        except self.refusals(sdk) as error:
            raise LaunchError(f"{action}: the {self.sdk_module} SDK refused: {one_line(str(error))}") from None
        except sdk.APIError as error:  # an answer the SDK could not read
            raise LaunchError(f"{action}: {self.endpoint}: {error_message(error)}") from None

    def deadline_error(self, action: str) -> LaunchError:
        return LaunchError(
            f"{action}: stopped at the launch deadline, {self.options.timeouts.deadline:g} s "
            "(--launch-deadline); the request under way may have been carried out"
        )


def import_sdk(name: str, extra: str = "launch") -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise LaunchError(f'--launch needs the {name} package: pip install "ft-lint[{extra}]"') from None


def error_message(error: Exception) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if isinstance(message, str) and message:
            return one_line(message)
    return one_line(getattr(error, "message", "") or str(error))


def one_line(text: str) -> str:
    """A server's or an SDK's text, credentials masked (before it is cut), on one short line."""
    flat = re.sub(r"\s+", " ", mask(text)).strip()
    return flat if len(flat) <= MESSAGE_CHARS else flat[: MESSAGE_CHARS - 1] + "…"


def loss_line(step: Any, losses: dict[str, float]) -> str:
    shown = ", ".join(f"{name} {value:.4f}" for name, value in losses.items())
    return f"step {step}: {shown}"
