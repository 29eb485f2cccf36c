"""What was uploaded before, so that a re-run reuses a file id instead of uploading again.

One small JSON file maps (provider, endpoint, sha256 of the file) to the provider's file id.
Location: ``$FT_LINT_STATE_FILE`` if set, else ``$XDG_STATE_HOME/ft-lint/launch.json``
(``~/.local/state/ft-lint/launch.json`` when XDG_STATE_HOME is unset). Every write replaces
the file atomically (temporary file in the same folder, then rename), so an interrupted run
never leaves half a file behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ft_lint.launch.base import LaunchError

STATE_FILE_VARIABLE = "FT_LINT_STATE_FILE"
STATE_VERSION = 1


class StateError(LaunchError):
    """The state file cannot be read or written."""


def state_path() -> Path:
    explicit = os.environ.get(STATE_FILE_VARIABLE)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "ft-lint" / "launch.json"


@dataclass(frozen=True)
class Upload:
    file_id: str
    filename: str
    size: int
    uploaded_at: str


class LaunchState:
    """The uploads (and jobs) recorded in the state file."""

    def __init__(self, path: Path | None = None):
        self.path = path or state_path()
        self._data = self._read()

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": STATE_VERSION, "uploads": {}, "jobs": {}}
        except OSError as error:
            raise StateError(f"{self.path}: cannot read the launch state file: {error.strerror}") from None
        try:
            data: dict[str, Any] = json.loads(text)  # not an object: AttributeError below
            if not isinstance(data.get("uploads"), dict) or not isinstance(data.get("jobs"), dict):
                raise ValueError("missing 'uploads' or 'jobs'")
        except (ValueError, AttributeError) as error:
            raise StateError(
                f"{self.path}: the launch state file is damaged ({error}); move it away to start afresh"
            ) from None
        return data

    @staticmethod
    def upload_key(provider: str, endpoint: str, sha256: str) -> str:
        return f"{provider} {endpoint} {sha256}"

    def upload(self, key: str) -> Upload | None:
        entry = self._data["uploads"].get(key)
        return Upload(**entry) if entry else None

    def record_upload(self, key: str, upload: Upload) -> None:
        self._data["uploads"][key] = upload.__dict__
        self._save()

    def forget_upload(self, key: str) -> None:
        if self._data["uploads"].pop(key, None) is not None:
            self._save()

    def job(self, key: str) -> dict[str, Any] | None:
        job: dict[str, Any] | None = self._data["jobs"].get(key)
        return job

    def record_job(self, key: str, job_id: str) -> None:
        self._data["jobs"][key] = {"job_id": job_id, "created_at": now()}
        self._save()

    def _save(self) -> None:
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    json.dump(self._data, handle, indent=1, sort_keys=True)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise StateError(f"{self.path}: cannot write the launch state file: {error.strerror}") from None


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
