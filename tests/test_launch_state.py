"""The launch state file: where it lives, what it keeps, and that it is written atomically."""

from __future__ import annotations

import json

import pytest

from ft_lint.launch.state import LaunchState, StateError, Upload, state_path


def test_location_comes_from_ft_lint_state_file(monkeypatch, tmp_path):
    monkeypatch.setenv("FT_LINT_STATE_FILE", str(tmp_path / "mine.json"))
    assert state_path() == tmp_path / "mine.json"


def test_location_defaults_to_the_xdg_state_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("FT_LINT_STATE_FILE", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert state_path() == tmp_path / "ft-lint" / "launch.json"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_path() == tmp_path / "home" / ".local" / "state" / "ft-lint" / "launch.json"


def test_uploads_are_kept_per_provider_endpoint_and_content(tmp_path):
    path = tmp_path / "state" / "launch.json"
    key = LaunchState.upload_key("openai", "https://api.openai.com/v1", "ab" * 32)
    LaunchState(path).record_upload(key, Upload("file-1", "train.jsonl", 10, "2026-11-22T00:00:00+00:00"))

    reread = LaunchState(path)
    assert reread.upload(key) == Upload("file-1", "train.jsonl", 10, "2026-11-22T00:00:00+00:00")
    assert reread.upload(LaunchState.upload_key("openai", "http://localhost:8000/v1", "ab" * 32)) is None
    assert reread.upload(LaunchState.upload_key("together", "https://api.openai.com/v1", "ab" * 32)) is None

    reread.forget_upload(key)
    assert LaunchState(path).upload(key) is None


def test_writes_replace_the_file_whole_and_leave_no_temporary_file(tmp_path):
    path = tmp_path / "launch.json"
    state = LaunchState(path)
    state.record_job("request-key", "ftjob-1")
    state.record_upload("upload-key", Upload("file-1", "a.jsonl", 1, "t"))

    assert [p.name for p in tmp_path.iterdir()] == ["launch.json"]
    data = json.loads(path.read_text())
    assert data["jobs"]["request-key"]["job_id"] == "ftjob-1"
    assert data["uploads"]["upload-key"]["file_id"] == "file-1"


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "launch.json"
    LaunchState(path).record_job("first", "ftjob-1")
    before = path.read_text()

    def broken_dump(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("ft_lint.launch.state.json.dump", broken_dump)
    with pytest.raises(StateError, match="cannot write the launch state file: No space left on device"):
        LaunchState(path).record_job("second", "ftjob-2")

    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["launch.json"]


def test_a_damaged_state_file_is_named_in_the_error(tmp_path):
    path = tmp_path / "launch.json"
    path.write_text("{not json")

    with pytest.raises(StateError, match=r"launch\.json: the launch state file is damaged"):
        LaunchState(path)
