"""--launch with Azure OpenAI: the openai SDK's AzureOpenAI client against a fake Azure resource."""

from __future__ import annotations

import pytest

from ft_lint.launch import JobSettings
from ft_lint.launch.base import LaunchError
from launch_support import launch, train_and_validation, write_records

MODEL = "azure/gpt-4o-mini-2024-07-18"
API_VERSION = "2025-04-01-preview"


def test_uploads_and_creates_the_job_on_the_azure_resource(azure_api, tmp_path, capsys):
    train, val = train_and_validation(tmp_path)

    assert launch([train], MODEL, validation=val, job=JobSettings(n_epochs=2, suffix="garden")) == 0

    for request in azure_api.requests:
        assert request.path.startswith("/openai/")
        assert request.query == {"api-version": API_VERSION}
        assert request.headers["api-key"] == "azure-test-key"
    forms = [request.form() for request in azure_api.seen("POST", "/files")]
    assert [(form["purpose"].text, form["file"].content) for form in forms] == [
        ("fine-tune", train.read_bytes()),
        ("fine-tune", val.read_bytes()),
    ]
    [job] = azure_api.seen("POST", "/fine_tuning/jobs")
    train_id, val_id = azure_api.files
    assert job.json() == {
        "model": "gpt-4o-mini-2024-07-18",  # Azure's name, without the table's azure/ prefix
        "training_file": train_id,
        "validation_file": val_id,
        "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
        "suffix": "garden",
    }
    assert "--provider azure-openai" in capsys.readouterr().out


def test_large_files_use_the_uploads_api_on_azure_too(azure_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl")

    assert launch([train], MODEL, multipart_threshold=1000, part_size=8192) == 0

    assert azure_api.seen("POST", "/files") == []
    assert [request.path for request in azure_api.seen("POST", "/uploads")] == ["/openai/uploads"]
    [file_id] = azure_api.files
    assert azure_api.content_of(file_id) == train.read_bytes()


def test_missing_azure_settings_are_named_and_nothing_is_sent(azure_api, tmp_path, monkeypatch):
    train = write_records(tmp_path / "train.jsonl")
    for name in ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION"):
        monkeypatch.delenv(name)

    with pytest.raises(LaunchError) as refused:
        launch([train], MODEL)

    assert str(refused.value) == (
        "Azure OpenAI credentials missing: set AZURE_OPENAI_API_KEY (or AZURE_OPENAI_AD_TOKEN), "
        "AZURE_OPENAI_ENDPOINT (or --base-url), OPENAI_API_VERSION (nothing was sent)"
    )
    assert azure_api.requests == []


def test_the_endpoint_can_come_from_base_url(azure_api, tmp_path, monkeypatch):
    train = write_records(tmp_path / "train.jsonl")
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT")

    assert launch([train], MODEL, base_url=azure_api.url) == 0

    assert len(azure_api.jobs) == 1
