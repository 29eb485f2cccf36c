"""--launch with Vertex AI: the real google-genai and google-cloud-storage SDKs against a fake
Vertex AI and Cloud Storage JSON API, with a fixed OAuth token given as the SDKs take credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("google.genai")
from google.oauth2.credentials import Credentials

from ft_lint.launch import JobSettings, LaunchOptions
from ft_lint.launch.base import LaunchError
from ft_lint.launch.flow import follow_job, make_provider
from launch_server import VERTEX_SCRIPT
from launch_support import chat_record, launch, sha256_of, train_and_validation, write_records
from support import run_cli

MODEL = "gemini-2.5-flash"
TOKEN = "ya29.test-token"
PARENT = "projects/test-project/locations/us-central1"


def gemini_record(rng) -> dict:
    system, user, model = (message["content"] for message in chat_record(rng)["messages"])
    return {
        "systemInstruction": {"role": "system", "parts": [{"text": system}]},
        "contents": [{"role": "user", "parts": [{"text": user}]}, {"role": "model", "parts": [{"text": model}]}],
    }


def vertex_launch(paths, **options) -> int:
    return launch(paths, options.pop("model", MODEL), credentials=Credentials(token=TOKEN), **options)


@pytest.fixture
def data(tmp_path):
    return train_and_validation(tmp_path, gemini_record)


def object_uri(path) -> str:
    return f"gs://test-bucket/ft-lint/{sha256_of(path)}.jsonl"


def test_uploads_to_cloud_storage_and_creates_the_tuning_job(vertex_api, data):
    train, val = data

    assert vertex_launch([train], validation=val, job=JobSettings(n_epochs=3, suffix="garden")) == 0

    assert vertex_api.objects == {uri.removeprefix("gs://"): path.read_bytes() for uri, path in (
        (object_uri(train), train), (object_uri(val), val))}  # fmt: skip
    uploads = vertex_api.seen("POST", "/upload/storage/v1/b/test-bucket/o")
    assert [request.query["ifGenerationMatch"] for request in uploads] == ["0", "0"]  # never overwrites
    [job] = vertex_api.seen("POST", f"/v1beta1/{PARENT}/tuningJobs")
    assert job.headers["authorization"] == f"Bearer {TOKEN}"
    body = job.json()
    assert body["baseModel"] == MODEL
    assert body["supervisedTuningSpec"]["trainingDatasetUri"] == object_uri(train)
    assert body["supervisedTuningSpec"]["validationDatasetUri"] == object_uri(val)
    assert body["supervisedTuningSpec"]["hyperParameters"]["epochCount"] == 3
    assert body["tunedModelDisplayName"] == "garden"
    assert list(body["labels"]) == ["ft-lint-request"]


def test_a_rerun_reuses_the_upload_and_the_job(vertex_api, data, capsys):
    train, _ = data
    vertex_launch([train])
    [job_id] = vertex_api.jobs

    assert vertex_launch([train]) == 0

    assert len(vertex_api.seen("POST", "/upload/storage/v1/b/.+/o")) == 1
    assert len(vertex_api.jobs) == 1
    out = capsys.readouterr().out
    assert f"job {job_id} was created from these files and settings" in out

    assert vertex_launch([train], dry_run=True) == 0
    assert f"would reuse job {job_id}: created from these files and settings" in capsys.readouterr().out


def test_an_object_already_in_the_bucket_is_not_sent_again(vertex_api, data, tmp_path, monkeypatch):
    train, _ = data
    vertex_launch([train])
    monkeypatch.setenv("FT_LINT_STATE_FILE", str(tmp_path / "another-state.json"))  # a state forgotten

    assert vertex_launch([train], job=JobSettings(n_epochs=2)) == 0

    assert len(vertex_api.seen("POST", "/upload/storage/v1/b/.+/o")) == 1
    assert [job["request"]["supervisedTuningSpec"]["trainingDatasetUri"] for job in vertex_api.jobs.values()] == [
        object_uri(train)
    ] * 2


def test_a_job_whose_answer_was_lost_is_found_by_its_label_not_created_again(vertex_api, data, tmp_path, monkeypatch):
    train, _ = data
    vertex_launch([train])
    [job_id] = vertex_api.jobs
    monkeypatch.setenv("FT_LINT_STATE_FILE", str(tmp_path / "another-state.json"))
    vertex_api.fail("POST", f"/v1beta1/{PARENT}/tuningJobs", times=1)  # as if the job was created, the answer lost

    assert vertex_launch([train]) == 0

    assert list(vertex_api.jobs) == [job_id]
    assert len(vertex_api.seen("GET", f"/v1beta1/{PARENT}/tuningJobs")) == 1


def test_http_500s_are_retried(vertex_api, data):
    train, _ = data
    vertex_api.fail("POST", "/upload/storage/v1/b/.+/o", times=1)
    vertex_api.fail("POST", f"/v1beta1/{PARENT}/tuningJobs", times=2)

    assert vertex_launch([train]) == 0

    assert len(vertex_api.seen("POST", "/upload/storage/v1/b/.+/o")) == 2
    assert len(vertex_api.seen("POST", f"/v1beta1/{PARENT}/tuningJobs")) == 3
    assert len(vertex_api.jobs) == 1
    assert vertex_api.objects == {object_uri(train).removeprefix("gs://"): train.read_bytes()}


def test_http_500s_that_go_on_are_reported_in_one_line(vertex_api, data):
    train, _ = data
    vertex_api.fail("POST", "/upload/storage/v1/b/.+/o", times=10)

    with pytest.raises(LaunchError) as refused:
        vertex_launch([train], max_retries=1)

    assert str(refused.value) == (
        f"uploading {train}: {vertex_api.url} answered HTTP 500: the server had an error (2 tries)"
    )
    assert vertex_api.jobs == {}


def test_a_resumable_upload_sends_the_bytes_in_chunks(vertex_api, tmp_path):
    train = write_records(tmp_path / "big.jsonl", gemini_record, count=800)
    assert 256 * 1024 < train.stat().st_size < 512 * 1024

    assert vertex_launch([train], multipart_threshold=0, part_size=256 * 1024) == 0

    assert vertex_api.objects[object_uri(train).removeprefix("gs://")] == train.read_bytes()
    assert len(vertex_api.seen("PUT", "/upload/resumable/.+")) == 2


@pytest.mark.parametrize(
    ("make", "model", "job", "refusal"),
    [
        (chat_record, MODEL, None, "gemini-2.5-flash does not train on openai-chat data"),
        (gemini_record, "gemini-2.0-flash-001", None, "gemini-2.0-flash-001 shut down on 2026-02-05"),
        (gemini_record, MODEL, JobSettings(batch_size=8), "--batch-size: Gemini supervised tuning"),
    ],
)
def test_refusals_come_before_any_upload(vertex_api, tmp_path, make, model, job, refusal):
    train = write_records(tmp_path / "train.jsonl", make)

    with pytest.raises(LaunchError, match=refusal):
        vertex_launch([train], model=model, job=job)

    assert vertex_api.requests == []


@pytest.mark.slow  # lints 5,001 examples
def test_a_validation_file_over_the_model_table_maximum_is_refused(vertex_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl", gemini_record)
    val = write_records(tmp_path / "val.jsonl", gemini_record, count=5_001, seed=3)

    with pytest.raises(LaunchError, match="5001 examples, over the 5000 vertex takes in a validation file"):
        vertex_launch([train], validation=val, ignore=["FT123"])  # its rule off: the launch refuses all the same

    assert vertex_api.requests == []


def test_a_missing_bucket_is_refused_before_the_lint(vertex_api, data, monkeypatch):
    monkeypatch.delenv("FT_LINT_GCS_URI")

    with pytest.raises(LaunchError, match="set --gcs-uri gs://BUCKET/PREFIX"):
        vertex_launch([data[0]])


def test_missing_application_default_credentials_are_one_line(vertex_api, data, tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "absent.json"))

    with pytest.raises(LaunchError, match=r"^Vertex AI credentials missing: no Application Default Credentials"):
        launch([data[0]], MODEL)

    assert vertex_api.requests == []


@pytest.mark.slow
def test_wait_follows_the_job_to_its_tuned_model(vertex_api, data, capsys):
    vertex_api.fail("GET", f"/v1beta1/{PARENT}/tuningJobs/.+", times=1)  # retried by google-genai

    assert vertex_launch([data[0]], wait=True) == 0

    [job_id] = vertex_api.jobs
    assert len(vertex_api.seen("GET", f"/v1beta1/{job_id}")) == len(VERTEX_SCRIPT) + 1
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("  ")] == ["  step 1 of 2 done", "  step 2 of 2 done"]
    assert lines[-1] == f"job {job_id} succeeded: fine-tuned model {PARENT}/models/77"


def test_the_dry_run_names_the_object_and_the_request(vertex_api, data, capsys):
    train, _ = data

    assert vertex_launch([train], dry_run=True) == 0

    out = capsys.readouterr().out
    assert f"would upload {train}: " in out
    assert f" as {object_uri(train)} (unless it is found there already" in out
    request = json.loads(out[out.index("{") :])
    assert request["training_dataset"] == {"gcs_uri": object_uri(train)}
    assert vertex_api.requests == []


def test_the_command_line_wins_over_the_configuration_keys(clean_env, tmp_path, monkeypatch):
    train = write_records(tmp_path / "train.jsonl", gemini_record)
    (tmp_path / "ft-lint.toml").write_text(
        'gcs-uri = "gs://config-bucket/data/"\ngcp-project = "config-project"\ngcp-location = "europe-west4"\n'
    )
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "environment-project")
    monkeypatch.setenv("FT_LINT_TODAY", "2026-11-22")

    code, out, err = run_cli(
        "check", "train.jsonl", "--select", "FT1,FT2", "--model", MODEL, "--launch", "--dry-run",
        "--gcp-project", "option-project", cwd=tmp_path,
    )  # fmt: skip

    assert (code, err) == (0, "")
    sha256 = sha256_of(train)
    assert "Vertex AI at https://europe-west4-aiplatform.googleapis.com, model gemini-2.5-flash" in out
    assert f"sha256 {sha256} as gs://config-bucket/data/{sha256}.jsonl (unless" in out
    assert "/projects/option-project/locations/europe-west4/tuningJobs" in out


def test_a_gcs_uri_that_is_no_gs_uri_is_refused_in_one_line(clean_env, tmp_path):
    train = write_records(tmp_path / "train.jsonl", gemini_record)

    code, _, err = run_cli("check", str(train), "--model", MODEL, "--launch", "--dry-run", "--gcs-uri", "s3://b/p")

    assert code == 2
    assert err == (
        "ft-lint: error: Vertex AI reads the data from Cloud Storage: set --gcs-uri gs://BUCKET/PREFIX "
        "(or the gcs-uri key, or FT_LINT_GCS_URI); got 's3://b/p'\n"
    )


@pytest.mark.slow
def test_application_default_credentials_from_a_metadata_server(vertex_api, data, tmp_path):
    """The CLI in a process of its own, credentials and project found by google-auth itself (the
    Compute Engine metadata server it reads its host from at import)."""
    train, _ = data
    host = vertex_api.url.removeprefix("http://")
    env = {name: value for name, value in os.environ.items() if name != "GOOGLE_CLOUD_PROJECT"}
    env.update(GCE_METADATA_HOST=host, GCE_METADATA_IP=host, CLOUDSDK_CONFIG=str(tmp_path / "gcloud"),
               FT_LINT_TODAY="2026-11-22")  # fmt: skip

    result = subprocess.run(
        [sys.executable, "-m", "ft_lint", "check", str(train), "--select", "FT1,FT2", "--model", MODEL, "--launch"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip

    assert (result.returncode, result.stderr) == (0, "")
    [job] = vertex_api.seen("POST", "/v1beta1/projects/metadata-project/locations/us-central1/tuningJobs")
    assert job.headers["authorization"] == f"Bearer {vertex_api.token}"
    [upload] = vertex_api.seen("POST", "/upload/storage/v1/b/test-bucket/o")
    assert upload.headers["authorization"] == f"Bearer {vertex_api.token}"
    [job_id] = vertex_api.jobs
    assert f"follow it here: ft-lint follow {job_id} --provider vertex" in result.stdout


def test_follow_finds_the_project_and_location_in_the_job_name(vertex_api, data, monkeypatch):
    vertex_launch([data[0]])
    [job_id] = vertex_api.jobs
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT")
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "europe-west4")
    lines: list[str] = []

    provider = make_provider("vertex", LaunchOptions(provider="vertex", credentials=Credentials(token=TOKEN)))
    assert follow_job(provider, job_id, 0.0, lines.append) == 0

    assert lines[-1] == f"job {job_id} succeeded: fine-tuned model {PARENT}/models/77"
    assert {request.path for request in vertex_api.seen("GET", "/v1beta1/.+")} == {f"/v1beta1/{job_id}"}


@pytest.mark.parametrize(
    ("option", "value", "refusal"),
    [
        ("--gcp-location", "evil.example/x", "--gcp-location 'evil.example/x': not a Google Cloud region name"),
        ("--gcs-uri", "gs://Bad Bucket/x", "got 'gs://Bad Bucket/x'"),
    ],
)
def test_a_location_or_bucket_that_is_no_name_is_refused(clean_env, tmp_path, option, value, refusal):
    train = write_records(tmp_path / "train.jsonl", gemini_record)

    code, _, err = run_cli(
        "check", str(train), "--model", MODEL, "--launch", "--dry-run", "--gcs-uri", "gs://b-1/p", option, value
    )

    assert code == 2
    assert refusal in err and err.count("\n") == 1


def test_an_upload_stored_by_a_try_whose_answer_was_lost_is_not_overwritten(vertex_api, data):
    train, _ = data
    key = object_uri(train).removeprefix("gs://")

    def store_then_fail(request):
        if key not in vertex_api.objects:
            vertex_api.objects[key] = train.read_bytes()

    vertex_api.on("POST", "/upload/storage/v1/b/.+/o", store_then_fail)
    vertex_api.fail("POST", "/upload/storage/v1/b/.+/o", times=1)

    assert vertex_launch([train]) == 0

    assert len(vertex_api.seen("POST", "/upload/storage/v1/b/.+/o")) == 2  # the second answered 412
    assert vertex_api.objects == {key: train.read_bytes()}
    assert len(vertex_api.jobs) == 1


def test_an_object_of_that_name_with_other_bytes_stops_the_launch(vertex_api, data):
    train, _ = data
    key = object_uri(train).removeprefix("gs://")
    vertex_api.objects[key] = b"other bytes\n"

    with pytest.raises(LaunchError, match=r"exists with other bytes than its name says; remove it, or set another"):
        vertex_launch([train])

    assert vertex_api.objects == {key: b"other bytes\n"}
    assert vertex_api.jobs == {}
