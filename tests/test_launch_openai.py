"""--launch with OpenAI (and any OpenAI-compatible API): the real openai SDK against a fake API."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from ft_lint.launch import JobSettings
from ft_lint.launch.base import LaunchError
from ft_lint.launch.options import Timeouts
from launch_server import OpenAIFake, serve
from launch_support import (
    chat_record,
    launch,
    preference_record,
    prompt_completion_record,
    sha256_of,
    train_and_validation,
    write_records,
)
from support import sparse_file

MODEL = "gpt-4o-mini-2024-07-18"


@pytest.fixture
def data(tmp_path):
    return train_and_validation(tmp_path)


def test_uploads_both_files_and_creates_the_job_with_the_settings_given(openai_api, data, capsys):
    train, val = data
    settings = JobSettings(n_epochs=3, batch_size=4, learning_rate_multiplier=0.5, suffix="garden", seed=7)

    assert launch([train], "gpt-4o-mini", validation=val, job=settings) == 0

    uploads = openai_api.seen("POST", "/files")
    assert [request.headers["authorization"] for request in uploads] == ["Bearer sk-test"] * 2
    forms = [request.form() for request in uploads]
    assert [form["purpose"].text for form in forms] == ["fine-tune", "fine-tune"]
    assert [form["file"].filename for form in forms] == ["train.jsonl", "val.jsonl"]
    assert [form["file"].content for form in forms] == [train.read_bytes(), val.read_bytes()]
    train_id, val_id = (request_id for request_id in openai_api.files)
    [job] = openai_api.seen("POST", "/fine_tuning/jobs")
    assert job.json() == {
        "model": MODEL,
        "training_file": train_id,
        "validation_file": val_id,
        "method": {
            "type": "supervised",
            "supervised": {"hyperparameters": {"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 0.5}},
        },
        "suffix": "garden",
        "seed": 7,
    }
    [job_id] = openai_api.jobs
    out = capsys.readouterr().out
    assert f"created fine-tuning job {job_id}" in out
    assert f"ft-lint follow {job_id} --provider openai" in out


def test_settings_not_given_are_not_sent(openai_api, data):
    train, _ = data

    assert launch([train], MODEL) == 0

    [job] = openai_api.seen("POST", "/fine_tuning/jobs")
    assert job.json() == {
        "model": MODEL,
        "training_file": next(iter(openai_api.files)),
        "method": {"type": "supervised"},
    }


def test_preference_data_makes_a_dpo_job_with_its_beta(openai_api, tmp_path):
    train = write_records(tmp_path / "prefs.jsonl", preference_record)

    assert launch([train], MODEL, job=JobSettings(n_epochs=2, beta=0.1)) == 0

    [job] = openai_api.seen("POST", "/fine_tuning/jobs")
    assert job.json()["method"] == {"type": "dpo", "dpo": {"hyperparameters": {"n_epochs": 2, "beta": 0.1}}}


def test_an_absolute_learning_rate_is_refused_before_sending(openai_api, data):
    with pytest.raises(LaunchError, match="OpenAI takes a scaling of its own learning rate"):
        launch([data[0]], MODEL, job=JobSettings(learning_rate=1e-5))

    assert openai_api.requests == []


def test_beta_on_supervised_data_is_refused_before_sending(openai_api, data):
    train, _ = data

    with pytest.raises(LaunchError, match="--beta is a DPO setting"):
        launch([train], MODEL, job=JobSettings(beta=0.1))

    assert openai_api.requests == []


def test_a_fine_tuned_model_is_sent_by_the_name_given(openai_api, data):
    train, _ = data
    fine_tuned = f"ft:{MODEL}:acme::abc123"

    assert launch([train], fine_tuned) == 0

    [job] = openai_api.seen("POST", "/fine_tuning/jobs")
    assert job.json()["model"] == fine_tuned


def test_a_rerun_reuses_the_uploaded_files_after_checking_they_exist(openai_api, data, capsys):
    train, val = data
    launch([train], MODEL, validation=val)
    ids = list(openai_api.files)

    assert launch([train], MODEL, validation=val, job=JobSettings(suffix="second")) == 0

    assert len(openai_api.seen("POST", "/files")) == 2  # from the first run only
    assert sorted(request.path.rsplit("/", 1)[1] for request in openai_api.seen("GET", "/files/.+")) == sorted(ids)
    second = openai_api.seen("POST", "/fine_tuning/jobs")[-1].json()
    assert (second["training_file"], second["validation_file"]) == tuple(ids)
    assert f"reusing {train}: uploaded before as {ids[0]}" in capsys.readouterr().out


def test_the_same_request_again_creates_no_second_job_unless_relaunched(openai_api, data, capsys):
    train, _ = data
    launch([train], MODEL)
    [job_id] = openai_api.jobs

    assert launch([train], MODEL) == 0
    assert len(openai_api.jobs) == 1
    assert f"job {job_id} was created from these files and settings" in capsys.readouterr().out

    assert launch([train], MODEL, relaunch=True) == 0
    assert len(openai_api.jobs) == 2


def test_a_file_gone_from_the_provider_is_uploaded_again(openai_api, data):
    train, _ = data
    launch([train], MODEL)
    openai_api.files.clear()

    assert launch([train], MODEL, job=JobSettings(seed=1)) == 0

    assert len(openai_api.seen("POST", "/files")) == 2
    [new_id] = openai_api.files
    assert openai_api.seen("POST", "/fine_tuning/jobs")[-1].json()["training_file"] == new_id


def test_uploads_are_remembered_per_base_url(openai_api, data, monkeypatch):
    train, _ = data
    launch([train], MODEL)
    other = OpenAIFake()
    stop = serve(other)
    try:
        assert launch([train], MODEL, base_url=other.url + "/v1") == 0  # --base-url wins over OPENAI_BASE_URL
    finally:
        stop()

    [upload] = other.seen("POST", "/files")
    assert upload.form()["file"].content == train.read_bytes()
    assert len(openai_api.seen("POST", "/files")) == 1


def test_a_file_over_the_files_api_limit_goes_through_the_uploads_api_in_parts(openai_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl", count=60)
    size = train.stat().st_size

    assert launch([train], MODEL, multipart_threshold=size - 1, part_size=4096) == 0

    assert openai_api.seen("POST", "/files") == []
    [created] = openai_api.seen("POST", "/uploads")
    assert created.json() == {
        "bytes": size,
        "filename": "train.jsonl",
        "mime_type": "application/jsonl",
        "purpose": "fine-tune",
    }
    parts = [request.form()["data"].content for request in openai_api.seen("POST", "/uploads/.+/parts")]
    assert len(parts) == math.ceil(size / 4096) > 1
    assert all(len(part) <= 4096 for part in parts)
    [file_id] = openai_api.files
    assert openai_api.content_of(file_id) == train.read_bytes()
    assert openai_api.seen("POST", "/fine_tuning/jobs")[0].json()["training_file"] == file_id


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(openai_api, data, capsys):
    train, val = data

    assert launch([train], MODEL, validation=val, job=JobSettings(n_epochs=2), dry_run=True) == 0

    assert openai_api.requests == []
    out = capsys.readouterr().out
    for path in (train, val):
        assert f"{path.stat().st_size} bytes, sha256 {sha256_of(path)}" in out
    body = json.loads(out[out.index("{") :])
    assert body == {
        "model": MODEL,
        "training_file": f"<file id of {train.as_posix()}>",
        "validation_file": f"<file id of {val.as_posix()}>",
        "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
    }


def test_data_that_fails_the_lint_is_not_sent(openai_api, tmp_path, capsys):
    train = write_records(tmp_path / "train.jsonl")
    with train.open("a") as handle:
        handle.write(
            json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}]}) + "\n"
        )

    assert launch([train], MODEL) == 1

    assert openai_api.requests == []
    assert "nothing sent" in capsys.readouterr().out


def test_exit_zero_does_not_let_failing_data_through(openai_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl")
    with train.open("a") as handle:
        handle.write('{"messages": [{"role": "user", "content": "Hi"}]}\n')

    from ft_lint import session
    from ft_lint.config import RunOptions, Settings
    from ft_lint.launch import LaunchOptions
    from launch_support import RULES, TODAY

    settings = Settings(paths=[train], select=list(RULES), model=MODEL, exit_zero=True, today=TODAY)
    assert session.run(settings, RunOptions(launch=LaunchOptions())) == 1
    assert openai_api.requests == []


def test_missing_api_key_sends_nothing(openai_api, data, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")

    with pytest.raises(LaunchError, match="OpenAI credentials missing: set OPENAI_API_KEY"):
        launch([data[0]], MODEL)

    assert openai_api.requests == []


@pytest.mark.parametrize(
    ("model", "today", "refusal"),
    [
        ("gpt-3.5-turbo-0613", None, "takes no new fine-tuning jobs since 2024-06-13"),
        (MODEL, dt.date(2027, 1, 7), "takes no new fine-tuning jobs since 2027-01-06"),
    ],
)
def test_a_model_past_its_last_day_for_new_jobs_is_refused(openai_api, data, model, today, refusal):
    with pytest.raises(LaunchError, match=refusal):
        launch([data[0]], model, **({"today": today} if today else {}))

    assert openai_api.requests == []


def test_a_model_on_its_last_day_still_takes_the_job(openai_api, data):
    assert launch([data[0]], MODEL, today=dt.date(2027, 1, 6)) == 0
    assert len(openai_api.jobs) == 1


@pytest.mark.parametrize(
    ("make", "model", "refusal"),
    [
        (prompt_completion_record, MODEL, "does not train on openai-prompt-completion"),
        (preference_record, "gpt-3.5-turbo-0125", "does not train on openai-preference"),
        (chat_record, "babbage-002", "does not train on openai-chat"),
    ],
)
def test_a_format_the_model_does_not_train_on_is_refused(openai_api, tmp_path, make, model, refusal):
    train = write_records(tmp_path / "train.jsonl", make)

    with pytest.raises(LaunchError, match=refusal):
        launch([train], model)

    assert openai_api.requests == []


def test_validation_data_of_another_format_is_refused(openai_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl")
    val = write_records(tmp_path / "val.jsonl", preference_record, count=10)

    with pytest.raises(LaunchError, match="must match"):
        launch([train], MODEL, validation=val)

    assert openai_api.requests == []


def test_a_file_over_the_uploads_api_limit_is_refused_before_reading_it(openai_api, tmp_path):
    train = sparse_file(tmp_path / "train.jsonl", 8_000_000_001)

    with pytest.raises(LaunchError, match="8000000001 bytes, over the 8000000000 bytes OpenAI takes"):
        launch([train], MODEL)

    assert openai_api.requests == []


def test_more_than_one_training_file_is_refused(openai_api, tmp_path):
    write_records(tmp_path / "a.jsonl")
    write_records(tmp_path / "b.jsonl", seed=3)

    with pytest.raises(LaunchError, match="sends one training file"):
        launch([tmp_path], MODEL)


def test_http_500s_are_retried(openai_api, data):
    train, _ = data
    openai_api.fail("POST", "/files", times=2)
    openai_api.fail("POST", "/fine_tuning/jobs", times=1)

    assert launch([train], MODEL) == 0

    assert len(openai_api.seen("POST", "/files")) == 3
    assert len(openai_api.files) == 1
    assert len(openai_api.seen("POST", "/fine_tuning/jobs")) == 2
    assert len(openai_api.jobs) == 1


@pytest.mark.slow
def test_a_timeout_is_retried(openai_api, data):
    train, _ = data
    openai_api.timeout_seconds = 1.0
    openai_api.fail("POST", "/fine_tuning/jobs", kind="timeout")

    assert launch([train], MODEL, timeouts=Timeouts(connect=5.0, read=0.3, upload=5.0)) == 0

    assert len(openai_api.seen("POST", "/fine_tuning/jobs")) == 2
    assert len(openai_api.jobs) == 1


def test_a_fault_that_lasts_is_reported_in_one_line_after_the_retries(openai_api, data):
    train, _ = data
    openai_api.fail("POST", "/files", times=10)

    with pytest.raises(LaunchError) as refused:
        launch([train], MODEL, max_retries=2)

    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(
        f"uploading {train}: {openai_api.url}/v1 answered HTTP 500: the server had an error (3 tries)"
    )
    assert len(openai_api.seen("POST", "/files")) == 3
    assert openai_api.jobs == {}


def test_wait_follows_the_job_with_its_status_and_losses_until_it_ends(openai_api, data, capsys):
    train, _ = data

    assert launch([train], MODEL, wait=True) == 0

    [job_id] = openai_api.jobs
    lines = capsys.readouterr().out.splitlines()
    statuses = [line.split(": ", 1)[1] for line in lines if line.startswith(f"job {job_id}: ")]
    assert statuses == ["validating_files", "queued", "running", "succeeded"]
    assert "  step 1: training loss 1.5000, validation loss 1.7500" in lines
    assert "  step 2: training loss 0.7500, validation loss 0.8750" in lines
    assert lines.index("  step 1: training loss 1.5000, validation loss 1.7500") < lines.index(
        "  step 2: training loss 0.7500, validation loss 0.8750"
    )
    assert lines[-1] == f"job {job_id} succeeded: fine-tuned model ft:{MODEL}:org-test::abc123"


def test_wait_reports_a_failed_job(openai_api, data):
    openai_api.script = [{"status": "validating_files"}, {"status": "failed"}]

    with pytest.raises(LaunchError, match="ended failed: training file has too few examples"):
        launch([data[0]], MODEL, wait=True)


def test_a_model_the_table_does_not_know_is_refused(openai_api, data):
    with pytest.raises(LaunchError, match="unknown model 'acme-base-7b'"):
        launch([data[0]], "acme-base-7b", provider="openai")

    assert openai_api.requests == []


def test_a_dry_run_after_a_launch_shows_the_file_it_would_reuse(openai_api, data, capsys):
    train, _ = data
    launch([train], MODEL)
    [file_id] = openai_api.files
    sent = len(openai_api.requests)

    assert launch([train], MODEL, job=JobSettings(n_epochs=2), dry_run=True) == 0  # another job request

    assert len(openai_api.requests) == sent
    out = capsys.readouterr().out
    assert f"would reuse {train}:" in out
    assert json.loads(out[out.index("{", out.index("would send")) :])["training_file"] == file_id


def test_the_dry_run_and_the_launch_agree_that_a_job_is_not_created_twice(openai_api, data, capsys):
    train, val = data
    launch([train], MODEL, validation=val)
    [job_id] = openai_api.jobs
    capsys.readouterr()

    assert launch([train], MODEL, validation=val, dry_run=True) == 0
    dry = capsys.readouterr().out
    assert launch([train], MODEL, validation=val) == 0
    real = capsys.readouterr().out

    assert f"would reuse job {job_id}: created from these files and settings on" in dry
    assert "would send" not in dry
    assert f"job {job_id} was created from these files and settings on" in real
    assert list(openai_api.jobs) == [job_id]


def test_the_dry_run_says_a_changed_request_or_relaunch_would_create_a_job(openai_api, data, capsys):
    train, _ = data
    launch([train], MODEL)
    [job_id] = openai_api.jobs
    capsys.readouterr()

    assert launch([train], MODEL, job=JobSettings(n_epochs=2), dry_run=True) == 0
    changed = capsys.readouterr().out
    assert launch([train], MODEL, relaunch=True, dry_run=True) == 0
    relaunched = capsys.readouterr().out

    assert "would reuse job" not in changed
    assert '"n_epochs": 2' in changed
    assert f"would create another job (--relaunch): job {job_id} was created from these before" in relaunched
    assert "would send" in relaunched
    assert list(openai_api.jobs) == [job_id]


def test_a_damaged_state_file_stops_the_launch_before_any_upload(openai_api, data, clean_env):
    state = clean_env / "state" / "launch.json"
    state.parent.mkdir()
    state.write_text("[1, 2")

    with pytest.raises(LaunchError, match="the launch state file is damaged"):
        launch([data[0]], MODEL)

    assert openai_api.requests == []


@pytest.mark.slow
def test_an_unreachable_api_is_reported_in_one_line_after_the_retries(openai_api, data, monkeypatch):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port}/v1")

    with pytest.raises(
        LaunchError, match=rf"uploading .*train.jsonl: cannot reach http://127.0.0.1:{closed_port}/v1: .* \(2 tries\)$"
    ):
        launch([data[0]], MODEL, max_retries=1)


def test_a_rejected_job_request_is_reported_once_and_the_uploads_are_kept(openai_api, data):
    train, _ = data
    openai_api.fail("POST", "/fine_tuning/jobs", kind="400")

    with pytest.raises(LaunchError) as refused:
        launch([train], MODEL, job=JobSettings(batch_size=128))

    assert str(refused.value) == (
        f"creating the fine-tuning job: {openai_api.url}/v1 answered HTTP 400:"
        " batch_size 128 is above the model's maximum of 64"
    )
    assert len(openai_api.seen("POST", "/fine_tuning/jobs")) == 1  # a rejection is not retried

    assert launch([train], MODEL, job=JobSettings(batch_size=64)) == 0
    assert len(openai_api.seen("POST", "/files")) == 1
