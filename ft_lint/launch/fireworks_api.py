"""Fireworks AI's fine-tuning API, through the fireworks-ai SDK.

A file becomes a dataset whose id comes from its sha256 (ft-lint-<sha256 prefix>), so the same
bytes are found again on the account even when the state file is gone. It is created, then sent
with one multipart request (datasets.upload, up to 150 MB) or, larger, with one PUT to a signed
Cloud Storage URL (datasets.get_upload_endpoint, then datasets.validate_upload); the launch waits
until the dataset is READY. The job's id comes from the request in the same way
(supervisedFineTuningJobId, dpoJobId): sent twice - a retry whose first answer was lost, a
state file gone - the API answers 409 and the job already created is taken instead.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
import time
from contextlib import suppress
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from ft_lint.launch.base import DPO, JobState, LaunchError, Progress, Provider, one_line
from ft_lint.launch.linted import LintedFile
from ft_lint.launch.options import JobSettings

# "This path can handle file sizes up to 150Mb" (docs.fireworks.ai/api-reference/upload-dataset-files),
# read in decimal: a file under it is under either reading.
DIRECT_UPLOAD_BYTES = 150_000_000
# Larger files go to Cloud Storage in one PUT; Fireworks publishes no maximum, Cloud Storage's
# largest object is 5 TiB (cloud.google.com/storage/quotas).
SIGNED_URL_MAX_BYTES = 5 * 2**40
ACCOUNT_VARIABLE = "FIREWORKS_ACCOUNT_ID"  # the SDK's own
ACCOUNT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
ID_PREFIX, ID_HEX_DIGITS = "ft-lint-", 40  # 48 characters: Fireworks' resource ids take 63
READY = "READY"
JOB_KINDS = {"supervisedFineTuningJobs": "supervised_fine_tuning_jobs", "dpoJobs": "dpo_jobs"}
FINISHED = {"JOB_STATE_COMPLETED", "JOB_STATE_EARLY_STOPPED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED",
            "JOB_STATE_EXPIRED"}  # fmt: skip
SUCCEEDED = {"JOB_STATE_COMPLETED", "JOB_STATE_EARLY_STOPPED"}  # an early stop still writes the model
MAX_DPO_BETA = 0.5  # "Must be > 0 and < 0.5" (the SDK's DpoConfig)
DATASET_POLL_SECONDS = 2.0
RETRY_DELAY, MAX_RETRY_DELAY = 0.5, 8.0  # seconds, as the SDK backs off


class FireworksProvider(Provider):
    name = "fireworks"
    title = "Fireworks AI"
    sdk_module = "fireworks"
    default_base_url = "https://api.fireworks.ai"
    base_url_variable = "FIREWORKS_BASE_URL"
    max_upload_bytes = SIGNED_URL_MAX_BYTES
    _looked_at: tuple[str, Any] = ("", None)  # the job job_state retrieved last

    @property
    def account(self) -> str:
        """--fireworks-account, else the `fireworks-account` key, else FIREWORKS_ACCOUNT_ID ("": none)."""
        account = self.options.fireworks_account or os.environ.get(ACCOUNT_VARIABLE, "")
        if account and not ACCOUNT_ID.fullmatch(account):
            raise LaunchError(
                f"Fireworks account id {account!r}: expected up to 63 lower-case letters, digits and - "
                f"(--fireworks-account, the fireworks-account key or {ACCOUNT_VARIABLE})"
            )
        return account

    def missing_credentials(self) -> list[str]:
        missing = [] if os.environ.get("FIREWORKS_API_KEY") else ["FIREWORKS_API_KEY"]
        if not self.account:
            missing.append(f"{ACCOUNT_VARIABLE} (or --fireworks-account)")
        return missing

    def make_client(self, sdk: ModuleType, read_seconds: float) -> Any:
        return sdk.Fireworks(base_url=self.endpoint, account_id=self.account, **self.sdk_arguments(read_seconds))

    def refusals(self, sdk: ModuleType) -> tuple[type[Exception], ...]:
        return (ValueError,)  # the SDK's checks of empty ids and paths

    # --- datasets ------------------------------------------------------------------------

    def derived_file_id(self, sha256: str) -> str:
        return f"accounts/{self.account or '<account>'}/datasets/{ID_PREFIX}{sha256[:ID_HEX_DIGITS]}"

    @property
    def direct_upload_bytes(self) -> int:
        threshold = self.options.multipart_threshold
        return DIRECT_UPLOAD_BYTES if threshold is None else threshold

    def upload_method(self, size: int) -> str:
        send = (
            "datasets.upload (one multipart request)"
            if size <= self.direct_upload_bytes
            else "a PUT to a signed URL (datasets.get_upload_endpoint), then datasets.validate_upload"
        )
        return f"datasets.create, {send}, then waiting for the dataset to be {READY}"

    def file_exists(self, file_id: str, size: int) -> bool:
        account, _, dataset_id = file_id.removeprefix("accounts/").partition("/datasets/")
        if account != self.account:  # another account's dataset: this one's jobs cannot read it
            return False
        found = self._dataset(dataset_id)
        return found is not None and found.state == READY

    def _dataset(self, dataset_id: str) -> Any:
        try:
            return self.client.datasets.get(dataset_id, account_id=self.account)
        except self.sdk.NotFoundError:
            return None

    def upload(self, linted: LintedFile) -> str:
        name = self.derived_file_id(linted.sha256())
        dataset_id = name.rpartition("/")[2]
        found = self._dataset(dataset_id)
        if found is None:
            with suppress(self.sdk.ConflictError):  # a retry whose first answer was lost: it exists
                self.client.datasets.create(
                    account_id=self.account,
                    dataset_id=dataset_id,
                    dataset={"user_uploaded": {}, "example_count": str(_line_count(linted))},
                )
        if found is None or found.state != READY:  # an upload cut short before is sent again
            if linted.size <= self.direct_upload_bytes:
                self.upload_client.datasets.upload(
                    dataset_id, account_id=self.account, file=(linted.path.name, linted.read())
                )
            else:
                self._upload_to_signed_url(dataset_id, linted)
            self._wait_until_ready(dataset_id, linted.path)
        return name

    def _upload_to_signed_url(self, dataset_id: str, linted: LintedFile) -> None:
        # As the SDK's fireworks.lib.dataset_upload does, but from a private copy of the
        # linted bytes, retrying the PUT (the SDK retries its API calls, not this one).
        filename = linted.path.name
        answer = self.client.datasets.get_upload_endpoint(
            dataset_id, account_id=self.account, filename_to_size={filename: str(linted.size)}
        )
        url = (answer.filename_to_signed_urls or {}).get(filename, "")
        _check_signed_url(url, linted.path)
        with linted.private_copy() as copy:
            self._put(url, copy, linted)
        self.client.datasets.validate_upload(dataset_id, account_id=self.account, body={})

    def _put(self, url: str, copy: Path, linted: LintedFile) -> None:
        """One PUT of the copy, sent again after a network fault or a 5xx, with the SDK's backoff."""
        import httpx

        headers = {
            "Content-Type": "application/octet-stream",  # both headers are part of the URL's signature
            "X-Goog-Content-Length-Range": f"{linted.size},{linted.size}",
        }
        timeouts = self.options.timeouts
        failed = f"uploading {linted.path}: the signed upload URL"
        tries, cause = self.options.max_retries + 1, ""
        with httpx.Client(timeout=httpx.Timeout(timeouts.upload, connect=timeouts.connect)) as http:
            for attempt in range(1, tries + 1):
                try:
                    with copy.open("rb") as content:
                        status = http.put(url, content=content, headers=headers).status_code
                    cause = f"HTTP {status}"
                except httpx.TransportError as error:
                    status, cause = 0, one_line(str(error) or type(error).__name__)
                if 200 <= status < 300:
                    return
                if 300 <= status < 500:
                    raise LaunchError(f"{failed} answered {cause}")
                if attempt < tries:
                    time.sleep(min(RETRY_DELAY * 2 ** (attempt - 1), MAX_RETRY_DELAY))
        raise LaunchError(f"{failed} failed: {cause} ({tries} tries)")

    def _wait_until_ready(self, dataset_id: str, path: Path) -> None:
        """The dataset is READY once Fireworks has read the file (the launch's deadline bounds the wait)."""
        while True:
            found = self.client.datasets.get(dataset_id, account_id=self.account)
            if found.state == READY:
                return
            status = found.status
            if status is not None and status.code not in (None, "OK"):
                raise LaunchError(
                    f"uploading {path}: Fireworks did not take the dataset {dataset_id}: "
                    f"{status.code}: {one_line(status.message or '')}"
                )
            time.sleep(min(self.options.poll_interval, DATASET_POLL_SECONDS))

    # --- jobs ----------------------------------------------------------------------------

    def job_request(
        self, model: str, training_file: str, validation_file: str | None, method: str, settings: JobSettings
    ) -> dict[str, Any]:
        for given, option, why in (
            (settings.learning_rate_multiplier, "--learning-rate-multiplier", "it takes an absolute learning rate"),
            (settings.suffix, "--suffix", "it names the fine-tuned model after the job"),
            (settings.seed, "--seed", "its job API takes no seed"),
        ):
            if given is not None:
                raise LaunchError(f"{option}: Fireworks cannot take it ({why}); leave it out")
        training = {
            name: value
            for name, value in (
                ("base_model", model),
                ("epochs", settings.n_epochs),
                ("batch_size_samples", settings.batch_size),  # examples; its batch_size counts tokens
            )
            if value is not None
        }
        request: dict[str, Any] = {"dataset": training_file}
        if method == DPO:
            if validation_file:
                raise LaunchError("Fireworks' DPO jobs take no validation dataset; leave out --validation")
            loss: dict[str, Any] = {"method": "DPO"}  # unset, the DPO API's default loss is GRPO
            if settings.beta is not None:
                if settings.beta >= MAX_DPO_BETA:
                    raise LaunchError(f"--beta {settings.beta:g}: Fireworks takes a DPO beta under {MAX_DPO_BETA}")
                loss["dpo"] = {"beta": settings.beta}
            request.update(training_config=training, loss_config=loss)
            id_key = "dpo_job_id"
        else:
            request.update(training)
            if validation_file:
                request["evaluation_dataset"] = validation_file
            id_key = "supervised_fine_tuning_job_id"
        if not self.options.relaunch:  # --relaunch: a new job, so the API chooses its id
            digest = hashlib.sha256(json.dumps([self.account, request], sort_keys=True).encode()).hexdigest()
            request = {id_key: ID_PREFIX + digest[:ID_HEX_DIGITS], **request}
        return request

    def job_request_label(self) -> str:
        return (
            "the fireworks SDK's supervised_fine_tuning_jobs.create (method supervised) or dpo_jobs.create "
            f"(method dpo) with these arguments, for account {self.account or '<account>'}"
        )

    def dashboard_url(self, job_id: str) -> str | None:
        if self.endpoint != self.default_base_url:
            return None
        return f"https://app.fireworks.ai/dashboard/fine-tuning/{job_id.rpartition('/')[2]}"

    def create_job(self, request: dict[str, Any]) -> tuple[str, str]:
        jobs = self.client.dpo_jobs if "loss_config" in request else self.client.supervised_fine_tuning_jobs
        # The id comes from the request: a job with it is this request's, created before (the
        # state file gone, or a retry whose first answer was lost: the API answers 409).
        job_id = request.get("dpo_job_id") or request.get("supervised_fine_tuning_job_id")
        try:
            job = jobs.get(job_id, account_id=self.account) if job_id else None
        except self.sdk.NotFoundError:
            job = None
        if job is None:
            try:
                job = jobs.create(account_id=self.account, **request)
            except self.sdk.ConflictError:
                if not job_id:
                    raise
                job = jobs.get(job_id, account_id=self.account)
            else:
                return str(job.name), str(job.state)
        return str(job.name), f"it exists: created before from the same request; {job.state}"

    def _job(self, job_id: str) -> Any:
        """A job by its resource name, accounts/<account>/<kind>/<id>, as create_job returns it."""
        match = re.fullmatch(r"accounts/([^/]+)/([^/]+)/([^/]+)", job_id)
        if not match or match[2] not in JOB_KINDS:
            raise LaunchError(
                f"{job_id}: not a Fireworks job name (accounts/ACCOUNT/supervisedFineTuningJobs/ID or .../dpoJobs/ID)"
            )
        account, kind, short_id = match.groups()
        return getattr(self.client, JOB_KINDS[kind]).get(short_id, account_id=account)

    def job_state(self, job_id: str) -> JobState:
        job = self._job(job_id)
        self._looked_at = (job_id, job)  # the same look gives new_progress its lines
        state = str(job.state)
        detail = job.output_model if state in SUCCEEDED else (job.status.message if job.status else "")
        return JobState(state, state in FINISHED, state in SUCCEEDED, detail or "")

    def new_progress(self, job_id: str, progress: Progress) -> list[str]:
        """The job's status messages and, for supervised jobs, its progress (the API exposes no losses)."""
        looked_at, job = self._looked_at
        if looked_at != job_id:
            job = self._job(job_id)
        lines = []
        message = job.status.message if job.status else None
        if message and message not in progress.seen_events:
            progress.seen_events.add(message)
            lines.append(one_line(message))
        done = getattr(job, "job_progress", None)  # supervised jobs only
        if done is not None and done.percent is not None and done.percent > progress.last_step:
            progress.last_step = done.percent
            epoch = f"epoch {done.epoch}: " if done.epoch is not None else ""
            lines.append(f"{epoch}{done.percent}% done")
        return lines


def _line_count(linted: LintedFile) -> int:
    """The examples, as Fireworks counts them: the file's lines."""
    count, last = 0, b"\n"
    for chunk in linted.chunks():
        count += chunk.count(b"\n")
        last = chunk[-1:]
    return count + (last != b"\n")


def _check_signed_url(url: str, path: Path) -> None:
    """An https URL (plain http only to this machine: a local test server): the bytes go there."""
    parts = urlsplit(url)
    try:
        local = parts.hostname is not None and ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        local = False
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        shown = f"a {parts.scheme} URL" if parts.scheme else "no URL"
        raise LaunchError(f"uploading {path}: Fireworks answered {shown} to upload to; nothing was sent")
