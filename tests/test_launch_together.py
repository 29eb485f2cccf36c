"""--launch with Together AI: the real together SDK against a fake Together API."""

from __future__ import annotations

import pytest

from ft_lint.launch import JobSettings
from ft_lint.launch.base import LaunchError
from ft_lint.launch.options import Timeouts
from launch_support import launch, preference_record, sha256_of, train_and_validation, write_records

MODEL = "Qwen/Qwen3-8B"


@pytest.fixture
def data(tmp_path):
    return train_and_validation(tmp_path)


def test_uploads_through_presigned_urls_and_creates_the_job(together_api, data):
    train, val = data
    settings = JobSettings(n_epochs=2, batch_size=16, learning_rate=2e-5, suffix="garden", seed=5)

    assert launch([train], MODEL, validation=val, job=settings) == 0

    asks = [request.form() for request in together_api.seen("POST", "/files")]
    assert [(form["purpose"].text, form["file_name"].text, form["file_type"].text) for form in asks] == [
        ("fine-tune", "train.jsonl", "jsonl"),
        ("fine-tune", "val.jsonl", "jsonl"),
    ]
    assert [form["checksum"].text for form in asks] == [sha256_of(p) for p in (train, val)]
    train_id, val_id = together_api.files
    assert [request.body for request in together_api.seen("PUT", "/presigned/.+")] == [
        train.read_bytes(),
        val.read_bytes(),
    ]
    assert together_api.content_of(train_id) == train.read_bytes()
    assert len(together_api.seen("POST", "/files/.+/preprocess")) == 2
    [job] = together_api.seen("POST", "/fine-tunes")
    assert job.headers["authorization"] == "Bearer together-test-key"
    body = job.json()
    sent = ("model", "training_file", "validation_file", "n_epochs", "batch_size", "suffix", "random_seed")
    assert {key: body[key] for key in sent} == {
        "model": MODEL, "training_file": train_id, "validation_file": val_id,
        "n_epochs": 2, "batch_size": 16, "suffix": "garden", "random_seed": 5,
    }  # fmt: skip
    assert body["learning_rate"] == 2e-5
    assert body["training_method"]["method"] == "sft"


def test_preference_data_makes_a_dpo_job_with_its_beta(together_api, tmp_path):
    train = write_records(tmp_path / "prefs.jsonl", preference_record)

    assert launch([train], MODEL, job=JobSettings(beta=0.2)) == 0

    [job] = together_api.seen("POST", "/fine-tunes")
    method = job.json()["training_method"]
    assert (method["method"], method["dpo_beta"]) == ("dpo", 0.2)


def test_a_learning_rate_multiplier_is_refused_before_anything_is_sent(together_api, data):
    with pytest.raises(LaunchError, match="Together takes an absolute learning rate"):
        launch([data[0]], MODEL, job=JobSettings(learning_rate_multiplier=2.0))

    assert together_api.requests == []


def test_a_rerun_reuses_the_uploaded_file(together_api, data):
    train, _ = data
    launch([train], MODEL)
    [file_id] = together_api.files

    assert launch([train], MODEL, job=JobSettings(suffix="again")) == 0

    assert len(together_api.seen("POST", "/files")) == 1
    assert [request.path for request in together_api.seen("GET", "/files/.+")] == [f"/v1/files/{file_id}"]
    assert together_api.seen("POST", "/fine-tunes")[-1].json()["training_file"] == file_id


def test_missing_api_key_sends_nothing(together_api, data, monkeypatch):
    monkeypatch.delenv("TOGETHER_API_KEY")

    with pytest.raises(LaunchError, match="Together AI credentials missing: set TOGETHER_API_KEY"):
        launch([data[0]], MODEL)

    assert together_api.requests == []


def test_http_500s_are_retried(together_api, data):
    together_api.fail("POST", "/files/.+/preprocess", times=1)
    together_api.fail("POST", "/fine-tunes", times=2)

    assert launch([data[0]], MODEL) == 0

    assert len(together_api.seen("POST", "/files/.+/preprocess")) == 2
    assert len(together_api.seen("POST", "/fine-tunes")) == 3
    assert len(together_api.jobs) == 1


@pytest.mark.slow
def test_wait_prints_the_losses_from_the_job_metrics(together_api, data, capsys):
    assert launch([data[0]], MODEL, wait=True) == 0

    [job_id] = together_api.jobs
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("  step")] == [
        "  step 1: train/loss 2.5000",
        "  step 2: train/loss 1.2500",
        "  step 2: eval/loss 1.5000",
    ]
    assert lines[-1] == f"job {job_id} succeeded: fine-tuned model user-test/model-ft"


@pytest.mark.slow
def test_a_failed_put_to_the_presigned_url_is_sent_again(together_api, data):
    train, _ = data
    together_api.fail("PUT", "/presigned/.+", times=1)
    together_api.timeout_seconds = 1.0
    together_api.fail("PUT", "/presigned/.+", kind="timeout", times=1)

    assert launch([train], MODEL, timeouts=Timeouts(connect=5.0, read=5.0, upload=0.3)) == 0

    assert len(together_api.seen("PUT", "/presigned/.+")) == 3
    uploaded = [file_id for file_id, entry in together_api.files.items() if entry["content"] is not None]
    assert len(uploaded) == 1
    assert together_api.content_of(uploaded[0]) == train.read_bytes()
    assert together_api.seen("POST", "/fine-tunes")[0].json()["training_file"] == uploaded[0]


@pytest.mark.slow
def test_a_presigned_url_that_keeps_failing_is_reported_in_one_line(together_api, data):
    train, _ = data
    together_api.fail("PUT", "/presigned/.+", times=10)

    with pytest.raises(LaunchError) as refused:
        launch([train], MODEL, max_retries=1)

    assert str(refused.value) == f"uploading {train}: the presigned upload URL failed: HTTP 500 (2 tries)"
    assert together_api.jobs == {}
