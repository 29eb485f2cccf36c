"""--launch with Fireworks AI: the real fireworks-ai SDK against a fake Fireworks API."""

from __future__ import annotations

import json

import pytest

from ft_lint.launch import JobSettings
from ft_lint.launch.base import LaunchError
from launch_server import Answer
from launch_support import (
    RULES,
    launch,
    preference_record,
    prompt_completion_record,
    sha256_of,
    train_and_validation,
    write_records,
)
from support import run_cli

MODEL = "accounts/fireworks/models/llama-v3p1-8b-instruct"
ACCOUNT = "/v1/accounts/garden-lab"
SFT, DPO = ACCOUNT + "/supervisedFineTuningJobs", ACCOUNT + "/dpoJobs"


@pytest.fixture
def data(tmp_path):
    return train_and_validation(tmp_path)


def dataset_name(path) -> str:
    return f"accounts/garden-lab/datasets/ft-lint-{sha256_of(path)[:40]}"


def lose_the_first_answer(api, handler: str) -> list[Answer]:
    """The first request to `handler` is carried out but answered HTTP 500, as if its answer
    were lost; returns the answers the handler gave, in order."""
    carry_out, answers = getattr(api, handler), []

    def carried_out_but_lost(request, *groups):
        answers.append(carry_out(request, *groups))
        lost = Answer(500, {"code": 13, "message": "lost"}, {"retry-after-ms": "10"})
        return lost if len(answers) == 1 else answers[-1]

    setattr(api, handler, carried_out_but_lost)
    return answers


def test_uploads_datasets_named_by_their_sha256_and_creates_the_supervised_job(fireworks_api, data, capsys):
    train, val = data

    assert launch([train], MODEL, validation=val, job=JobSettings(n_epochs=2, batch_size=16, learning_rate=2e-5)) == 0

    created = [request.json() for request in fireworks_api.seen("POST", ACCOUNT + "/datasets")]
    assert [(body["datasetId"], body["dataset"]["exampleCount"]) for body in created] == [
        (dataset_name(train).rpartition("/")[2], "60"),
        (dataset_name(val).rpartition("/")[2], "10"),
    ]
    for path in (train, val):
        assert fireworks_api.content_of(dataset_name(path)) == path.read_bytes()
    [job] = fireworks_api.seen("POST", SFT)
    assert job.headers["authorization"] == "Bearer fw-test-key-1234"
    assert job.json() == {
        "dataset": dataset_name(train), "evaluationDataset": dataset_name(val), "baseModel": MODEL,
        "epochs": 2, "batchSizeSamples": 16, "learningRate": 2e-5,
    }  # fmt: skip
    assert job.query["supervisedFineTuningJobId"].startswith("ft-lint-")
    [name] = fireworks_api.jobs
    assert f"created fine-tuning job {name} (JOB_STATE_VALIDATING)" in capsys.readouterr().out


def test_preference_data_makes_a_dpo_job_with_the_dpo_loss_and_its_beta(fireworks_api, tmp_path):
    train = write_records(tmp_path / "prefs.jsonl", preference_record)

    assert launch([train], MODEL, job=JobSettings(beta=0.2, n_epochs=1)) == 0

    assert fireworks_api.seen("POST", SFT) == []
    [job] = fireworks_api.seen("POST", DPO)
    assert job.json() == {
        "dataset": dataset_name(train),
        "trainingConfig": {"baseModel": MODEL, "epochs": 1},
        "lossConfig": {"method": "DPO", "dpo": {"beta": 0.2}},
    }
    assert job.query["dpoJobId"].startswith("ft-lint-")


@pytest.mark.parametrize(
    ("settings", "refusal"),
    [
        (JobSettings(learning_rate_multiplier=2.0), "--learning-rate-multiplier: Fireworks cannot take it"),
        (JobSettings(suffix="garden"), "--suffix: Fireworks cannot take it"),
        (JobSettings(beta=0.5), "--beta 0.5: Fireworks takes a DPO beta under 0.5"),
    ],
)
def test_settings_fireworks_cannot_take_are_refused_before_anything_is_sent(fireworks_api, tmp_path, settings, refusal):
    train = write_records(tmp_path / "prefs.jsonl", preference_record)

    with pytest.raises(LaunchError, match=refusal):
        launch([train], MODEL, job=settings)

    assert fireworks_api.requests == []


def test_a_format_the_model_does_not_train_on_is_refused_before_any_upload(fireworks_api, tmp_path):
    train = write_records(tmp_path / "pc.jsonl", prompt_completion_record)

    with pytest.raises(LaunchError, match=f"{MODEL} does not train on openai-prompt-completion data"):
        launch([train], MODEL)

    assert fireworks_api.requests == []


def test_a_validation_file_for_a_dpo_job_is_refused_before_any_upload(fireworks_api, tmp_path):
    train = write_records(tmp_path / "prefs.jsonl", preference_record)
    val = write_records(tmp_path / "prefs-val.jsonl", preference_record, count=10, seed=2)

    with pytest.raises(LaunchError, match="Fireworks' DPO jobs take no validation dataset"):
        launch([train], MODEL, validation=val)

    assert fireworks_api.requests == []


def test_the_same_request_again_reuses_the_dataset_and_creates_no_second_job(fireworks_api, data, capsys):
    train, _ = data
    launch([train], MODEL)
    [name] = fireworks_api.jobs

    assert launch([train], MODEL) == 0
    assert launch([train], MODEL, job=JobSettings(n_epochs=3)) == 0

    assert len(fireworks_api.seen("POST", ACCOUNT + "/datasets")) == 1
    assert len(fireworks_api.seen("POST", ACCOUNT + "/datasets/.+:upload")) == 1
    out = capsys.readouterr().out
    assert f"reusing {train}: uploaded before as {dataset_name(train)}" in out
    assert f"job {name} was created from these files and settings" in out
    assert len(fireworks_api.jobs) == 2
    assert fireworks_api.seen("POST", SFT)[-1].json()["dataset"] == dataset_name(train)


def test_without_the_state_file_the_dataset_and_the_job_are_found_on_the_account(
    fireworks_api, data, clean_env, capsys
):
    train, _ = data
    launch([train], MODEL)
    (clean_env / "state" / "launch.json").unlink()

    assert launch([train], MODEL) == 0

    assert len(fireworks_api.seen("POST", ACCOUNT + "/datasets/.+:upload")) == 1
    assert len(fireworks_api.seen("POST", SFT)) == 1
    [name] = fireworks_api.jobs
    out = capsys.readouterr().out
    assert f"reusing {train}: found uploaded before as {dataset_name(train)}" in out
    assert f"{name} (it exists: created before from the same request; JOB_STATE_" in out


def test_a_job_created_while_its_answer_was_lost_is_taken_not_created_again(fireworks_api, data, capsys):
    train, _ = data
    answers = lose_the_first_answer(fireworks_api, "create_job")

    assert launch([train], MODEL) == 0

    # The SDK retries a 409 too (its retries count them): every later try meets the job.
    assert answers[0].status == 200 and {answer.status for answer in answers[1:]} == {409}
    [name] = fireworks_api.jobs
    assert f"{name} (it exists: created before from the same request; JOB_STATE_" in capsys.readouterr().out


def test_relaunch_creates_another_job_with_an_id_the_api_chooses(fireworks_api, data):
    train, _ = data
    launch([train], MODEL)

    assert launch([train], MODEL, relaunch=True) == 0

    assert len(fireworks_api.jobs) == 2
    assert "supervisedFineTuningJobId" not in fireworks_api.seen("POST", SFT)[-1].query


def test_http_500s_are_retried(fireworks_api, data):
    fireworks_api.fail("POST", ACCOUNT + "/datasets", times=1)
    fireworks_api.fail("POST", ACCOUNT + "/datasets/.+:upload", times=1)
    fireworks_api.fail("POST", SFT, times=2)

    assert launch([data[0]], MODEL) == 0

    assert len(fireworks_api.seen("POST", ACCOUNT + "/datasets/.+:upload")) == 2
    assert len(fireworks_api.seen("POST", SFT)) == 3
    assert len(fireworks_api.jobs) == 1


def test_a_fault_that_lasts_is_reported_in_one_line_after_the_retries(fireworks_api, data):
    fireworks_api.fail("POST", SFT, times=10)

    with pytest.raises(LaunchError) as refused:
        launch([data[0]], MODEL, max_retries=1)

    assert str(refused.value) == (
        f"creating the fine-tuning job: {fireworks_api.url} answered HTTP 500: the server had an error (2 tries)"
    )
    assert fireworks_api.jobs == {}


def test_a_large_file_goes_to_a_signed_url_whose_failed_put_is_sent_again(fireworks_api, data):
    train, _ = data
    fireworks_api.fail("PUT", "/signed/.+", times=1)

    assert launch([train], MODEL, multipart_threshold=100) == 0

    assert fireworks_api.seen("POST", ACCOUNT + "/datasets/.+:upload") == []
    puts = fireworks_api.seen("PUT", "/signed/.+")
    assert len(puts) == 2
    assert puts[-1].headers["x-goog-content-length-range"] == f"{train.stat().st_size},{train.stat().st_size}"
    assert "authorization" not in puts[-1].headers
    assert len(fireworks_api.seen("POST", ACCOUNT + "/datasets/.+:validateUpload")) == 1
    assert fireworks_api.content_of(dataset_name(train)) == train.read_bytes()


def test_missing_credentials_send_nothing(fireworks_api, data, monkeypatch):
    monkeypatch.delenv("FIREWORKS_API_KEY")
    monkeypatch.delenv("FIREWORKS_ACCOUNT_ID")

    with pytest.raises(LaunchError) as refused:
        launch([data[0]], MODEL)

    assert str(refused.value) == (
        "Fireworks AI credentials missing: set FIREWORKS_API_KEY, FIREWORKS_ACCOUNT_ID (or --fireworks-account) "
        "(nothing was sent)"
    )
    assert fireworks_api.requests == []


def test_the_account_option_wins_over_the_environment(fireworks_api, data):
    assert launch([data[0]], MODEL, fireworks_account="orchard") == 0

    assert [request.path for request in fireworks_api.seen("POST", "/v1/accounts/.+/supervisedFineTuningJobs")] == [
        "/v1/accounts/orchard/supervisedFineTuningJobs"
    ]


def test_a_key_echoed_by_the_server_is_masked(fireworks_api, data):
    fireworks_api.fail("GET", ACCOUNT + "/datasets/.+", kind="echo")

    with pytest.raises(LaunchError) as refused:
        launch([data[0]], MODEL)

    assert "fw-test-key-1234" not in str(refused.value)
    assert "[masked]" in str(refused.value)


def test_wait_follows_the_status_and_the_progress_until_the_job_ends(fireworks_api, data, capsys):
    assert launch([data[0]], MODEL, wait=True) == 0

    [name] = fireworks_api.jobs
    lines = capsys.readouterr().out.splitlines()
    following = lines[lines.index(f"job {name}: JOB_STATE_VALIDATING") :]
    assert following == [
        f"job {name}: JOB_STATE_VALIDATING",
        "  Validating the dataset",
        f"job {name}: JOB_STATE_RUNNING",
        "  Training started",
        "  epoch 0: 50% done",
        "  epoch 1: 100% done",
        f"job {name}: JOB_STATE_COMPLETED",
        f"job {name} succeeded: fine-tuned model accounts/garden-lab/models/{name.rpartition('/')[2]}",
    ]


def test_dry_run_prints_the_dataset_names_and_the_job_request_and_sends_nothing(fireworks_api, data, capsys):
    train, val = data

    assert launch([train], MODEL, validation=val, dry_run=True) == 0

    assert fireworks_api.requests == []
    out = capsys.readouterr().out
    assert f"as {dataset_name(train)} (unless it is found there already: checked at launch)" in out
    request = json.loads(out[out.index("{", out.index("would send")) :])
    assert request.pop("supervised_fine_tuning_job_id").startswith("ft-lint-")
    assert request == {"dataset": dataset_name(train), "base_model": MODEL, "evaluation_dataset": dataset_name(val)}


def test_the_dry_run_names_the_job_the_launch_creates(fireworks_api, data, capsys):
    train, _ = data
    launch([train], MODEL, dry_run=True)
    out = capsys.readouterr().out
    planned = json.loads(out[out.index("{", out.index("would send")) :])["supervised_fine_tuning_job_id"]

    launch([train], MODEL)

    assert list(fireworks_api.jobs) == [f"accounts/garden-lab/supervisedFineTuningJobs/{planned}"]


def test_a_signed_url_that_keeps_failing_is_reported_in_one_line(fireworks_api, data):
    train, _ = data
    fireworks_api.fail("PUT", "/signed/.+", times=10)

    with pytest.raises(LaunchError) as refused:
        launch([train], MODEL, multipart_threshold=100, max_retries=1)

    assert str(refused.value) == f"uploading {train}: the signed upload URL failed: HTTP 500 (2 tries)"
    assert fireworks_api.seen("POST", ACCOUNT + "/datasets/.+:validateUpload") == []
    assert fireworks_api.jobs == {}


@pytest.mark.parametrize(
    ("option", "account"), [((), "from-config"), (("--fireworks-account", "from-option"), "from-option")]
)
def test_the_account_comes_from_the_option_else_the_configuration(fireworks_api, tmp_path, option, account):
    write_records(tmp_path / "train.jsonl")
    (tmp_path / "ft-lint.toml").write_text(f'select = {RULES!r}\nfireworks-account = "from-config"\n')

    code, _, err = run_cli("check", "train.jsonl", "--model", MODEL, "--launch", *option, cwd=tmp_path)

    assert (code, err) == (0, "")
    [name] = fireworks_api.jobs
    assert name.startswith(f"accounts/{account}/supervisedFineTuningJobs/ft-lint-")


def test_follow_command_follows_a_fireworks_job_by_its_name(fireworks_api, data):
    launch([data[0]], MODEL)
    [name] = fireworks_api.jobs
    fireworks_api.jobs[name]["script"] = [{"status": "JOB_STATE_FAILED", "events": ["Out of memory at step 3"]}]

    code, out, err = run_cli("follow", name, "--provider", "fireworks")

    assert code == 2
    assert out.splitlines() == [f"job {name}: JOB_STATE_FAILED", "  Out of memory at step 3"]
    assert err == f"ft-lint: error: job {name} ended JOB_STATE_FAILED: Out of memory at step 3\n"


def test_a_malformed_account_id_is_refused_in_one_line_even_by_a_dry_run(fireworks_api, data):
    with pytest.raises(LaunchError, match="Fireworks account id 'Garden/Lab': expected up to 63 lower-case"):
        launch([data[0]], MODEL, fireworks_account="Garden/Lab", dry_run=True)

    assert fireworks_api.requests == []


def test_a_dataset_created_while_its_answer_was_lost_is_uploaded_to(fireworks_api, data):
    train, _ = data
    answers = lose_the_first_answer(fireworks_api, "create_dataset")

    assert launch([train], MODEL) == 0

    assert answers[0].status == 200 and {answer.status for answer in answers[1:]} == {409}
    assert fireworks_api.content_of(dataset_name(train)) == train.read_bytes()
