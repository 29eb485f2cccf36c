"""Vertex AI: Gemini supervised tuning, through the google-genai SDK, with the data in Cloud
Storage (google-cloud-storage). Both come with the `vertex` extra.

Why google-genai and not google-cloud-aiplatform (vertexai.tuning.sft): it is Google's current
SDK for Gemini, it installs 34 packages with google-cloud-storage where aiplatform installs 44
(it depends on google-genai itself, plus grpcio, BigQuery and Resource Manager clients), its
endpoint is one `http_options.base_url` (aiplatform's goes through `api_endpoint` and gRPC
transports), and its retries are set per client and per request (`HttpRetryOptions`), which
lets the job's creation go without them (below).

- Credentials: Application Default Credentials (google.auth.default), as both SDKs find them.
- Where: the project and location come from --gcp-project/--gcp-location, the `gcp-project` and
  `gcp-location` keys, GOOGLE_CLOUD_PROJECT/GOOGLE_CLOUD_LOCATION, then the credentials' own
  project; the data goes to --gcs-uri gs://BUCKET/PREFIX (`gcs-uri`, FT_LINT_GCS_URI).
- Uploads are named by their sha256 (PREFIX<sha256>.jsonl) and sent only if no such object
  exists (and with if_generation_match=0, so an object is never overwritten).
- Vertex takes no idempotency token: each request carries a label derived from its content,
  and the job is created without the SDK's retries; after a failure (whose request may have
  been carried out) the jobs with that label are looked up before the next try.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any, TypeVar

from ft_lint.launch.base import DeadlinePassed, JobState, LaunchError, Progress, Provider, one_line
from ft_lint.launch.linted import LintedFile
from ft_lint.launch.options import JobSettings

T = TypeVar("T")

PROJECT_VARIABLE, LOCATION_VARIABLE, GCS_VARIABLE = "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "FT_LINT_GCS_URI"
DEFAULT_LOCATION = "us-central1"  # where Google's tuning guides create Gemini jobs
LOCATION_NAME = re.compile(r"[a-z]+(?:-[a-z0-9]+)+")
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]")  # Cloud Storage's bucket names
STORAGE_EMULATOR_VARIABLE = "STORAGE_EMULATOR_HOST"  # the storage SDK's own endpoint variable
PUBLIC_STORAGE = "https://storage.googleapis.com"
API_VERSION = "v1beta1"  # google-genai's for Vertex AI
SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
# The storage SDK sends files up to 8 MiB in one multipart request, larger ones as a resumable
# upload in chunks (a multiple of 256 KiB).
MULTIPART_BYTES = 8 * 2**20
CHUNK_UNIT = 256 * 2**10
REQUEST_LABEL = "ft-lint-request"  # the job label a re-run looks a job up by
LABEL_CHARS = 32  # label values: at most 63 lower-case letters, digits, - and _
RETRIED_STATUSES = (408, 429, 500, 502, 503, 504)
RETRY_DELAY, MAX_RETRY_DELAY = 0.5, 8.0  # seconds, doubling
FINISHED = {"JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"}
SUCCEEDED = "JOB_STATE_SUCCEEDED"
# Gemini supervised tuning takes epochs, a learning-rate multiplier and an adapter size.
UNSUPPORTED = {"batch_size": "--batch-size", "seed": "--seed", "learning_rate": "--learning-rate"}


class Transient(Exception):
    """A fault worth another try (5xx, 408, 429, a timeout, a lost connection)."""

    def __init__(self, cause: str):
        super().__init__(cause)
        self.cause = cause


class VertexProvider(Provider):
    name = "vertex"
    title = "Vertex AI"
    sdk_module = "google.genai"
    extra = "vertex"
    base_url_variable = "GOOGLE_VERTEX_BASE_URL"  # google-genai's own variable
    max_upload_bytes = 5 * 10**12  # a Cloud Storage object; the model table's limits are checked before

    def __init__(self, options: Any):
        super().__init__(options)
        self._storage: Any = None
        self._credentials: tuple[Any, str | None] | None = None
        self._looked_at: Any = None  # the job as job_state last read it

    # --- where ---------------------------------------------------------------------------

    def _setting(self, key: str, variable: str) -> str:
        return (self.options.settings.get(key) or os.environ.get(variable) or "").strip()

    @property
    def location(self) -> str:
        return self._setting("gcp-location", LOCATION_VARIABLE) or DEFAULT_LOCATION

    @property
    def default_base_url(self) -> str:  # type: ignore[override]
        return f"https://{self.location}-aiplatform.googleapis.com"

    @property
    def project(self) -> str:
        explicit = self._setting("gcp-project", PROJECT_VARIABLE)
        if explicit or self.options.dry_run:
            return explicit or "<the credentials' project>"
        return self.credentials[1] or ""

    @property
    def staging(self) -> tuple[str, str]:
        """The bucket and the object prefix (ending in / unless empty) of --gcs-uri."""
        uri = self._setting("gcs-uri", GCS_VARIABLE)
        bucket, _, prefix = uri.removeprefix("gs://").partition("/")
        if not uri.startswith("gs://") or not BUCKET_NAME.fullmatch(bucket):
            raise LaunchError(
                f"Vertex AI reads the data from Cloud Storage: set --gcs-uri gs://BUCKET/PREFIX "
                f"(or the gcs-uri key, or {GCS_VARIABLE}){f'; got {uri!r}' if uri else ''}"
            )
        prefix = prefix.strip("/")
        return bucket, f"{prefix}/" if prefix else ""

    @property
    def storage_endpoint(self) -> str:
        return os.environ.get(STORAGE_EMULATOR_VARIABLE, "").rstrip("/") or PUBLIC_STORAGE

    def object_uri(self, sha256: str) -> str:
        bucket, prefix = self.staging
        return f"gs://{bucket}/{prefix}{sha256}.jsonl"

    def derived_file_id(self, sha256: str) -> str | None:
        return self.object_uri(sha256)

    @property
    def credentials(self) -> tuple[Any, str | None]:
        """Application Default Credentials and their project (LaunchOptions.credentials when given)."""
        if self._credentials is None:
            if self.options.credentials is not None:
                self._credentials = (self.options.credentials, None)
            else:
                self.sdk  # noqa: B018 - without the vertex extra: the one line that names it
                import google.auth
                from google.auth.exceptions import DefaultCredentialsError

                try:
                    self._credentials = google.auth.default(scopes=SCOPES)
                except DefaultCredentialsError as error:
                    raise LaunchError(
                        "Vertex AI credentials missing: no Application Default Credentials "
                        f"({one_line(str(error))}); run `gcloud auth application-default login` or set "
                        "GOOGLE_APPLICATION_CREDENTIALS (nothing was sent)"
                    ) from None
        return self._credentials

    def check_settings(self) -> None:
        self.staging  # noqa: B018 - a missing or malformed gs:// URI is refused before the lint
        if not LOCATION_NAME.fullmatch(self.location):  # it becomes part of the API's host name
            raise LaunchError(
                f"--gcp-location {self.location!r}: not a Google Cloud region name, such as us-central1 "
                f"(or the gcp-location key, or {LOCATION_VARIABLE})"
            )
        if not self.project:  # the credentials name none
            raise LaunchError(
                f"Vertex AI needs a project: set --gcp-project (or the gcp-project key, or {PROJECT_VARIABLE}) "
                "(nothing was sent)"
            )

    def missing_credentials(self) -> list[str]:
        self.credentials  # noqa: B018 - raises the one line when there are none
        return []

    # --- clients -------------------------------------------------------------------------

    def make_client(self, sdk: ModuleType, read_seconds: float) -> Any:
        from google.genai import types

        retries = types.HttpRetryOptions(
            attempts=self.options.max_retries + 1,
            initial_delay=RETRY_DELAY,
            max_delay=MAX_RETRY_DELAY,
            jitter=0.01,
            http_status_codes=list(RETRIED_STATUSES),
        )
        options = types.HttpOptions(
            base_url=self.endpoint, api_version=API_VERSION, timeout=int(read_seconds * 1000), retry_options=retries
        )
        return sdk.Client(
            vertexai=True,
            project=self.project,
            location=self.location,
            credentials=self.credentials[0],
            http_options=options,
        )

    @property
    def storage(self) -> Any:
        if self._storage is None:
            from google.cloud import storage

            self._storage = storage.Client(
                project=self.project,
                credentials=self.credentials[0],
                client_options={"api_endpoint": self.storage_endpoint},
            )
        return self._storage

    # --- uploads -------------------------------------------------------------------------

    @property
    def multipart_threshold(self) -> int:
        return MULTIPART_BYTES if self.options.multipart_threshold is None else self.options.multipart_threshold

    def _chunk_bytes(self) -> int:
        return max(CHUNK_UNIT, self.options.part_size // CHUNK_UNIT * CHUNK_UNIT)

    def upload_method(self, size: int) -> str:
        how = (
            "a multipart upload (one request)"
            if size <= self.multipart_threshold
            else f"a resumable upload in chunks of {self._chunk_bytes()} bytes"
        )
        return f"{how} to {self.storage_endpoint}"

    def _blob(self, uri: str) -> Any:
        bucket, _, name = uri.removeprefix("gs://").partition("/")
        return self.storage.bucket(bucket).blob(name)

    def file_exists(self, file_id: str, size: int) -> bool:
        """The object holds `size` bytes, in the bucket and prefix set now (an upload to another
        one is made again there)."""
        bucket, prefix = self.staging
        if not file_id.startswith(f"gs://{bucket}/{prefix}"):
            return False
        blob = self._blob(file_id)
        found = self._retrying(f"looking up {file_id}", lambda: self._get(blob))
        return found is not None and found.size == size

    def _get(self, blob: Any) -> Any:
        from google.api_core.exceptions import NotFound

        try:
            blob.reload(timeout=self._timeout(), retry=None)
        except NotFound:
            return None
        return blob

    def upload(self, linted: LintedFile) -> str:
        """To the object named by the sha256 (the launch has looked for it first: derived_file_id)."""
        uri = self.object_uri(linted.sha256())
        blob = self._blob(uri)
        size: int | None = linted.size
        if linted.size > self.multipart_threshold:
            blob.chunk_size = self._chunk_bytes()
            size = None  # the SDK sends any known size up to 8 MiB in one request: resumable, whatever the size
        with linted.private_copy() as copy:
            stored = self._retrying(f"uploading {linted.path}", lambda: self._send(blob, copy, size), uploading=True)
        if not stored and not self.file_exists(uri, linted.size):
            raise LaunchError(
                f"uploading {linted.path}: {uri} exists with other bytes than its name says; "
                "remove it, or set another --gcs-uri"
            )
        return uri

    def _send(self, blob: Any, copy: Any, size: int | None) -> bool:
        """Stores the object unless one of that name exists (an earlier try's, whose answer was lost)."""
        from google.api_core.exceptions import PreconditionFailed

        try:
            with open(copy, "rb") as handle:
                blob.upload_from_file(
                    handle,
                    size=size,
                    content_type="application/jsonl",
                    if_generation_match=0,  # never overwrite: the name says what the bytes are
                    timeout=self._timeout(uploading=True),
                    retry=None,
                    checksum="crc32c",
                )
        except PreconditionFailed:
            return False
        return True

    def _timeout(self, uploading: bool = False) -> tuple[float, float]:
        timeouts = self.options.timeouts
        return timeouts.connect, timeouts.upload if uploading else timeouts.read

    def _retrying(self, action: str, call: Callable[[], T], uploading: bool = False) -> T:
        """Calls `call` with backoff while it fails transiently, at most max_retries times more."""
        attempt = 0
        while True:
            try:
                with self._storage_errors(action, uploading):
                    return call()
            except Transient as fault:
                attempt += 1
                if attempt > self.options.max_retries:
                    raise LaunchError(f"{action}: {fault.cause} ({attempt} tries)") from None
                time.sleep(min(RETRY_DELAY * 2 ** (attempt - 1), MAX_RETRY_DELAY))

    @contextmanager
    def _storage_errors(self, action: str, uploading: bool) -> Iterator[None]:
        import requests
        from google.api_core.exceptions import GoogleAPICallError
        from google.auth.exceptions import GoogleAuthError
        from google.resumable_media import InvalidResponse

        where = self.storage_endpoint
        try:
            yield
        except GoogleAPICallError as error:
            status = int(error.code or 0)
            cause = f"{where} answered HTTP {status}: {_storage_message(error)}"
            if status in RETRIED_STATUSES:
                raise Transient(cause) from None
            raise LaunchError(f"{action}: {cause}") from None
        except InvalidResponse as error:  # the resumable upload's own errors
            status = int(error.response.status_code)
            cause = f"{where} answered HTTP {status}"
            if status in RETRIED_STATUSES:
                raise Transient(cause) from None
            raise LaunchError(f"{action}: {cause}") from None
        except requests.Timeout:
            option = "--upload-timeout" if uploading else "--read-timeout"
            raise Transient(f"{where} did not answer in time ({option})") from None
        except requests.ConnectionError as error:
            raise Transient(f"cannot reach {where}: {one_line(str(error))}") from None
        except GoogleAuthError as error:
            raise LaunchError(f"{action}: the credentials were refused: {one_line(str(error))}") from None

    # --- the job -------------------------------------------------------------------------

    def job_request(
        self, model: str, training_file: str, validation_file: str | None, method: str, settings: JobSettings
    ) -> dict[str, Any]:
        for setting, option in UNSUPPORTED.items():
            if getattr(settings, setting) is not None:
                raise LaunchError(
                    f"{option}: Gemini supervised tuning on Vertex AI takes epochs, a learning-rate "
                    "multiplier and a display name (--suffix); leave it out"
                )
        config: dict[str, Any] = {}
        if validation_file:
            config["validation_dataset"] = {"gcs_uri": validation_file}
        for name, value in (
            ("epoch_count", settings.n_epochs),
            ("learning_rate_multiplier", settings.learning_rate_multiplier),
            ("tuned_model_display_name", settings.suffix),
        ):
            if value is not None:
                config[name] = value
        request: dict[str, Any] = {"base_model": model, "training_dataset": {"gcs_uri": training_file}}
        # The label names the request (the project and location included), so that a job whose
        # creation answer was lost is found rather than created twice.
        identity = json.dumps([self.project, self.location, request, config], sort_keys=True)
        config["labels"] = {REQUEST_LABEL: hashlib.sha256(identity.encode()).hexdigest()[:LABEL_CHARS]}
        return {**request, "config": config}

    def job_request_label(self) -> str:
        return (
            "the google-genai SDK's tunings.tune with these arguments (POST "
            f"{self.endpoint}/{API_VERSION}/projects/{self.project}/locations/{self.location}/tuningJobs)"
        )

    def dashboard_url(self, job_id: str) -> str | None:
        if self.endpoint != self.default_base_url:
            return None
        job = job_id.rsplit("/", 1)[-1]
        return (
            f"https://console.cloud.google.com/vertex-ai/generative/language/locations/{self.location}"
            f"/tuning/tuningJob/{job}?project={self.project}"
        )

    def create_job(self, request: dict[str, Any]) -> tuple[str, str]:
        """Tries the creation without the SDK's retries: before each new try, the job a lost
        answer may have created is looked up by its label."""
        from google.genai import types
        from google.genai._common import ExperimentalWarning

        label = request["config"]["labels"][REQUEST_LABEL]
        no_retries = types.HttpOptions(retry_options=types.HttpRetryOptions(attempts=1))
        config = {**request["config"], "http_options": no_retries}
        attempt = 0
        while True:
            if attempt:
                found = self._job_labelled(label)
                if found is not None:
                    return found.name, f"{_state(found)}; created by an earlier try whose answer was lost"
            try:
                with self._api_errors("creating the fine-tuning job", transient=True), warnings.catch_warnings():
                    # "The SDK's tuning implementation is experimental": a line about the SDK, not the job
                    warnings.simplefilter("ignore", ExperimentalWarning)
                    job = self.client.tunings.tune(
                        base_model=request["base_model"], training_dataset=request["training_dataset"], config=config
                    )
                return job.name, _state(job)
            except Transient as fault:
                attempt += 1
                if attempt > self.options.max_retries:
                    raise LaunchError(f"creating the fine-tuning job: {fault.cause} ({attempt} tries)") from None
                time.sleep(min(RETRY_DELAY * 2 ** (attempt - 1), MAX_RETRY_DELAY))

    def _job_labelled(self, label: str) -> Any:
        from google.genai import types

        with self._api_errors("looking for a job created by an earlier try"):
            labelled = types.ListTuningJobsConfig(filter=f'labels.{REQUEST_LABEL}="{label}"')
            jobs = self.client.tunings.list(config=labelled)
            return next((job for job in jobs if (job.labels or {}).get(REQUEST_LABEL) == label), None)

    def job_state(self, job_id: str) -> JobState:
        self._locate(job_id)
        job = self._looked_at = self.client.tunings.get(name=job_id)
        state = _state(job)
        succeeded = state == SUCCEEDED
        detail = ""
        if succeeded and job.tuned_model is not None:
            detail = job.tuned_model.model or job.tuned_model.endpoint or ""
        elif job.error is not None and job.error.message:
            detail = one_line(job.error.message)
        return JobState(state, state in FINISHED, succeeded, detail)

    def _locate(self, job_id: str) -> None:
        """`ft-lint follow` knows the job by its name, projects/P/locations/L/tuningJobs/ID: the
        client goes to that project and location (the settings name none)."""
        parts = job_id.split("/")
        if self._client is None and len(parts) == 6 and parts[0::2] == ["projects", "locations", "tuningJobs"]:
            self.options.settings = {**self.options.settings, "gcp-project": parts[1], "gcp-location": parts[3]}

    def new_progress(self, job_id: str, progress: Progress) -> list[str]:
        """Vertex reports progress as completed steps and epochs (the losses go to Vertex AI
        Experiments, outside the job); a line each time they move. The job as job_state just read it."""
        job = self._looked_at
        metadata = job.tuning_job_metadata
        step = (metadata.completed_step_count if metadata else None) or 0
        if not step or step <= progress.last_step:
            return []
        progress.last_step = step
        stats = job.tuning_data_stats.supervised_tuning_data_stats if job.tuning_data_stats else None
        total = f" of {stats.tuning_step_count}" if stats and stats.tuning_step_count else ""
        epochs = metadata.completed_epoch_count if metadata else None
        return [f"step {step}{total} done" + (f", epoch {epochs} done" if epochs else "")]

    # --- errors --------------------------------------------------------------------------

    @contextmanager
    def _api_errors(self, action: str, transient: bool = False) -> Iterator[None]:
        """google-genai's exceptions as one line; `transient`: faults worth another try raise Transient."""
        import httpx
        from google.auth.exceptions import GoogleAuthError
        from google.genai import errors

        tries = "" if transient else f" ({self.options.max_retries + 1} tries)"
        try:
            yield
        except errors.APIError as error:
            cause = f"{self.endpoint} answered HTTP {error.code}: {one_line(error.message or error.status or '')}"
            if error.code in RETRIED_STATUSES:
                if transient:
                    raise Transient(cause) from None
                cause += tries
            raise LaunchError(f"{action}: {cause}") from None
        except httpx.TimeoutException:
            cause = f"{self.endpoint} did not answer within {self.options.timeouts.read:g} s (--read-timeout)"
            if transient:
                raise Transient(cause) from None
            raise LaunchError(f"{action}: {cause}{tries}") from None
        except httpx.TransportError as error:
            cause = f"cannot reach {self.endpoint}: {one_line(str(error) or type(error).__name__)}"
            if transient:
                raise Transient(cause) from None
            raise LaunchError(f"{action}: {cause}{tries}") from None
        except GoogleAuthError as error:
            raise LaunchError(f"{action}: the credentials were refused: {one_line(str(error))}") from None
        except ValueError as error:  # the SDK's checks of the arguments, before sending
            raise LaunchError(f"{action}: the google-genai SDK refused: {one_line(str(error))}") from None

    @contextmanager
    def translated_errors(self, action: str, uploading: bool = False) -> Iterator[None]:
        timeouts = self.options.timeouts
        try:
            with self._api_errors(action):
                yield
        except DeadlinePassed:
            raise LaunchError(
                f"{action}: stopped at the launch deadline, {timeouts.deadline:g} s "
                "(--launch-deadline); the request under way may have been carried out"
            ) from None


def _storage_message(error: Any) -> str:
    """The error's message in Cloud Storage's JSON answer, else the SDK's text."""
    try:
        message = error.response.json()["error"]["message"]
    except (AttributeError, KeyError, TypeError, ValueError):
        message = None
    return one_line(message if isinstance(message, str) else str(error.message))


def _state(job: Any) -> str:
    state = job.state
    return str(getattr(state, "value", state) or "JOB_STATE_UNSPECIFIED")
