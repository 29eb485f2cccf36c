"""Together AI's fine-tuning API, through the together SDK.

The SDK uploads a file with one PUT to a presigned URL the API hands out, or, over 5 GiB, in
parts (its multipart upload); it refuses files over 50.1 GiB, whatever the API would take.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from ft_lint.launch.base import DPO, JobState, LaunchError, Progress, Provider, loss_line, one_line
from ft_lint.launch.linted import LintedFile
from ft_lint.launch.options import JobSettings

GIB = 2**30
SDK_MULTIPART_BYTES = 5 * GIB  # the SDK's MULTIPART_THRESHOLD_GB
SDK_MAX_BYTES = 50 * GIB  # under the SDK's MAX_FILE_SIZE_GB (50.1)
FINISHED = {"completed", "error", "cancelled"}
SUCCEEDED = "completed"
RETRY_DELAY, MAX_RETRY_DELAY = 0.5, 8.0  # seconds, as the SDKs back off


class TogetherProvider(Provider):
    name = "together"
    title = "Together AI"
    sdk_module = "together"
    default_base_url = "https://api.together.ai"
    base_url_variable = "TOGETHER_BASE_URL"
    max_upload_bytes = SDK_MAX_BYTES

    def missing_credentials(self) -> list[str]:
        return [] if os.environ.get("TOGETHER_API_KEY") else ["TOGETHER_API_KEY"]

    def make_client(self, sdk: ModuleType, read_seconds: float) -> Any:
        return sdk.Together(base_url=self.endpoint, **self.sdk_arguments(read_seconds))

    def refusals(self, sdk: ModuleType) -> tuple[type[Exception], ...]:
        # FileTypeError: the SDK's file check; ValueError: its check of the job settings
        # against the model's limits (fetched before the job request is sent).
        from together.lib import FileTypeError

        return (FileTypeError, ValueError)

    def upload_method(self, size: int) -> str:
        return "files.upload (multipart)" if size > SDK_MULTIPART_BYTES else "files.upload (PUT to a presigned URL)"

    def check_files(self, paths: list[Path]) -> None:
        from together.lib import check_file

        for path in paths:
            report = check_file(path)
            if not report.get("is_check_passed"):
                raise LaunchError(f"{path}: the together SDK's file check failed: {report.get('message')}")

    def upload(self, linted: LintedFile) -> str:
        # The SDK reads the file by its path, more than once (a checksum, then the PUT): it is
        # given a private copy of the linted bytes, which nothing else changes meanwhile.
        with linted.private_copy() as copy:
            return self._upload(copy, linted.path)

    def _upload(self, copy: Path, path: Path) -> str:
        # The SDK retries its API calls, but not the PUT of the bytes to the presigned URL:
        # when that fails, ask for a new URL and send again, with the SDKs' backoff.
        import httpx

        attempt = 0
        while True:
            try:
                file_id: str = self.upload_client.files.upload(file=copy, purpose="fine-tune", check=False).id
                return file_id
            except (httpx.TransportError, self.sdk.APIStatusError) as error:
                if not self._storage_fault(error):
                    raise
                attempt += 1
                if attempt > self.options.max_retries:
                    status = getattr(error, "status_code", None)
                    cause = f"HTTP {status}" if status else one_line(str(error) or type(error).__name__)
                    raise LaunchError(
                        f"uploading {path}: the presigned upload URL failed: {cause} ({attempt} tries)"
                    ) from None
                time.sleep(min(RETRY_DELAY * 2 ** (attempt - 1), MAX_RETRY_DELAY))

    def _storage_fault(self, error: Exception) -> bool:
        """A network fault or 5xx of the PUT to the presigned URL (the SDK's API calls in an
        upload are POSTs and GETs, which it has retried already)."""
        fault: Any = error  # the SDK's APIStatusError (status_code, request), or httpx's own
        if not hasattr(fault, "status_code"):
            return True  # httpx's own errors reach us only from that raw PUT
        return bool(fault.status_code >= 500 and fault.request.method == "PUT")

    def file_exists(self, file_id: str, size: int) -> bool:
        try:
            found = self.client.files.retrieve(file_id)
        except self.sdk.NotFoundError:
            return False
        return bool(found.bytes == size)

    def job_request(
        self, model: str, training_file: str, validation_file: str | None, method: str, settings: JobSettings
    ) -> dict[str, Any]:
        if settings.learning_rate_multiplier is not None:
            raise LaunchError(
                "--learning-rate-multiplier: Together takes an absolute learning rate, not a multiplier: "
                "give --learning-rate"
            )
        request: dict[str, Any] = {"model": model, "training_file": training_file}
        if validation_file:
            request["validation_file"] = validation_file
        for name, value in (
            ("n_epochs", settings.n_epochs),
            ("batch_size", settings.batch_size),
            ("learning_rate", settings.learning_rate),
            ("suffix", settings.suffix),
            ("random_seed", settings.seed),
        ):
            if value is not None:
                request[name] = value
        if method == DPO:
            request["training_method"] = "dpo"
            if settings.beta is not None:
                request["dpo_beta"] = settings.beta
        else:
            request["train_on_inputs"] = "auto"  # the SDK's own choice; given, it does not warn of it
        return request

    def job_request_label(self) -> str:
        return (
            "the together SDK's fine_tuning.create with these arguments (it adds its defaults "
            f"for what is not given and sends the job to {self.endpoint}/v1/fine-tunes)"
        )

    def create_job(self, request: dict[str, Any]) -> tuple[str, str]:
        job = self.client.fine_tuning.create(**request)
        return job.id, str(job.status or "pending")

    def job_state(self, job_id: str) -> JobState:
        job = self.client.fine_tuning.retrieve(job_id)
        status = str(job.status)
        succeeded = status == SUCCEEDED
        detail = (job.model_dump(by_alias=True).get("model_output_name") or "") if succeeded else ""
        return JobState(status, status in FINISHED, succeeded, detail)

    def new_progress(self, job_id: str, progress: Progress) -> list[str]:
        lines = []
        for event in self.client.fine_tuning.list_events(job_id).data:
            key = f"{event.created_at} {event.type} {event.message}"  # events carry no id
            if key not in progress.seen_events:
                progress.seen_events.add(key)
                lines.append(event.message)
        # Metrics rows of one step (training, evaluation) may come in separate looks: ask again
        # from the last step seen and skip the rows already printed.
        since = max(progress.last_step, 0)
        for row in self.client.fine_tuning.list_metrics(job_id, global_step_from=since).metrics or []:
            step = next((int(value) for name, value in row.items() if name.endswith("global_step")), None)
            losses = {name: value for name, value in row.items() if name.endswith("loss")}
            key = json.dumps(row, sort_keys=True)
            if step is None or not losses or key in progress.seen_events:
                continue
            progress.seen_events.add(key)
            progress.last_step = max(progress.last_step, step)
            lines.append(loss_line(step, losses))
        return lines
