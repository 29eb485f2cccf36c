"""OpenAI's fine-tuning API, and every API compatible with it (through its base URL)."""

from __future__ import annotations

import math
import os
from contextlib import suppress
from types import ModuleType
from typing import Any

from ft_lint.launch.base import DPO, JobState, LaunchError, Progress, Provider, loss_line
from ft_lint.launch.linted import FileChanged, LintedFile
from ft_lint.launch.options import JobSettings

# "Individual files can be up to 512 MB"; larger ones go through the Uploads API, which takes
# up to 8 GB in parts of at most 64 MB (platform.openai.com/docs/api-reference/uploads).
# Decimal readings, as in models.toml: a file under them is under either reading.
FILES_API_BYTES = 512_000_000
UPLOADS_API_BYTES = 8_000_000_000
JSONL_MIME_TYPE = "application/jsonl"
FINISHED = {"succeeded", "failed", "cancelled"}
EVENTS_PER_LOOK = 100
LOSS_NAMES = {"train_loss": "training loss", "valid_loss": "validation loss", "full_valid_loss": "full validation loss"}


class OpenAIProvider(Provider):
    name = "openai"
    title = "OpenAI"
    sdk_module = "openai"
    default_base_url = "https://api.openai.com/v1"
    base_url_variable = "OPENAI_BASE_URL"
    max_upload_bytes = UPLOADS_API_BYTES
    dashboard = "https://platform.openai.com/finetune/"

    def missing_credentials(self) -> list[str]:
        return [] if os.environ.get("OPENAI_API_KEY") else ["OPENAI_API_KEY"]

    def make_client(self, sdk: ModuleType, read_seconds: float) -> Any:
        return sdk.OpenAI(base_url=self.endpoint, **self.sdk_arguments(read_seconds))

    @property
    def multipart_threshold(self) -> int:
        return FILES_API_BYTES if self.options.multipart_threshold is None else self.options.multipart_threshold

    def upload_method(self, size: int) -> str:
        if size <= self.multipart_threshold:
            return "files.create"
        parts = math.ceil(size / self.options.part_size)
        return f"the Uploads API ({parts} part{'s' if parts > 1 else ''} of at most {self.options.part_size} bytes)"

    def upload(self, linted: LintedFile) -> str:
        if linted.size <= self.multipart_threshold:
            file_id: str = self.upload_client.files.create(
                file=(linted.path.name, linted.read()), purpose="fine-tune"
            ).id
            return file_id
        return self._upload_in_parts(linted)

    def _upload_in_parts(self, linted: LintedFile) -> str:
        """The SDK's upload_file_chunked, but with parts read through LintedFile.chunks (the
        SDK's reads the file to its end, whatever it holds by then): when the file turns
        out changed, the upload is cancelled, never completed into a file."""
        linted.check()  # a part goes out before the bytes after it are checked: none of a file already changed
        uploads = self.upload_client.uploads
        upload = uploads.create(
            bytes=linted.size, filename=linted.path.name, mime_type=JSONL_MIME_TYPE, purpose="fine-tune"
        )
        try:
            part_ids = [
                uploads.parts.create(upload_id=upload.id, data=part).id
                for part in linted.chunks(self.options.part_size)
            ]
        except FileChanged:
            with suppress(self.sdk.APIError):  # left pending, it expires within the hour anyway
                uploads.cancel(upload.id)
            raise
        completed = uploads.complete(upload_id=upload.id, part_ids=part_ids)
        if completed.file is None:
            raise LaunchError(
                f"uploading {linted.path}: the upload {completed.id} ended {completed.status} without a file"
            )
        file_id: str = completed.file.id
        return file_id

    def file_exists(self, file_id: str, size: int) -> bool:
        try:
            found = self.client.files.retrieve(file_id)
        except self.sdk.NotFoundError:
            return False
        return found.bytes in (None, size) and getattr(found, "status", None) != "error"

    def job_request(
        self, model: str, training_file: str, validation_file: str | None, method: str, settings: JobSettings
    ) -> dict[str, Any]:
        if settings.learning_rate is not None:
            raise LaunchError(
                f"--learning-rate: {self.title} takes a scaling of its own learning rate: "
                "give --learning-rate-multiplier"
            )
        hyperparameters = {
            name: value
            for name, value in (
                ("n_epochs", settings.n_epochs),
                ("batch_size", settings.batch_size),
                ("learning_rate_multiplier", settings.learning_rate_multiplier),
                ("beta", settings.beta if method == DPO else None),
            )
            if value is not None
        }
        request: dict[str, Any] = {"model": model, "training_file": training_file}
        if validation_file:
            request["validation_file"] = validation_file
        request["method"] = {
            "type": method,
            **({method: {"hyperparameters": hyperparameters}} if hyperparameters else {}),
        }
        if settings.suffix is not None:
            request["suffix"] = settings.suffix
        if settings.seed is not None:
            request["seed"] = settings.seed
        return request

    def job_request_label(self) -> str:
        return f"POST {self.endpoint}/fine_tuning/jobs with this JSON body"

    def dashboard_url(self, job_id: str) -> str | None:
        return self.dashboard + job_id if self.endpoint == self.default_base_url else None

    def create_job(self, request: dict[str, Any]) -> tuple[str, str]:
        job = self.client.fine_tuning.jobs.create(**request)
        return job.id, job.status

    def job_state(self, job_id: str) -> JobState:
        job = self.client.fine_tuning.jobs.retrieve(job_id)
        detail = job.fine_tuned_model or ""
        if job.error is not None and job.error.message:
            detail = job.error.message
        return JobState(job.status, job.status in FINISHED, job.status == "succeeded", detail)

    def new_progress(self, job_id: str, progress: Progress) -> list[str]:
        page = self.client.fine_tuning.jobs.list_events(job_id, limit=EVENTS_PER_LOOK)
        fresh = [event for event in page.data if event.id not in progress.seen_events]
        progress.seen_events.update(event.id for event in fresh)
        # The API lists the newest first; print in the order they happened (reversed first, so
        # events of the same second keep it: sorted is stable).
        return [_event_line(event) for event in sorted(reversed(fresh), key=lambda event: event.created_at)]  # noqa: C414


def _event_line(event: Any) -> str:  # the SDK's FineTuningJobEvent
    data = event.data if isinstance(event.data, dict) else {}
    losses = {label: data[key] for key, label in LOSS_NAMES.items() if isinstance(data.get(key), (int, float))}
    if event.type == "metrics" and losses:
        return loss_line(data.get("step", "?"), losses)
    message: str = event.message
    return message
