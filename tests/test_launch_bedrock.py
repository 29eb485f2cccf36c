"""--launch on Amazon Bedrock: the real boto3 against moto's S3 and Bedrock on 127.0.0.1, behind
a proxy that records the requests and fails some (bedrock_server.py)."""

from __future__ import annotations

import json
import os
import random

import pytest

from bedrock_server import REGION, start
from ft_lint.launch import JobSettings
from ft_lint.launch.base import LaunchError
from ft_lint.launch.linted import FileChanged
from ft_lint.launch.options import Timeouts
from launch_support import launch, sentence, sha256_of, train_and_validation, write_records
from support import run_cli, sparse_file

MODEL = "amazon.nova-micro-v1:0"
MODEL_ID = "amazon.nova-micro-v1:0:128k"
BUCKET = "ft-lint-test-data"
ROLE = "arn:aws:iam::123456789012:role/BedrockFineTuning"
JOBS = "/model-customization-jobs"


def conversation_record(rng: random.Random) -> dict:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You answer questions about the garden."}],
        "messages": [
            {"role": "user", "content": [{"text": sentence(rng) + " What should I do?"}]},
            {"role": "assistant", "content": [{"text": sentence(rng, 12)}]},
        ],
    }


def prompt_record(rng: random.Random) -> dict:
    """A distillation prompt: the teacher writes the answer."""
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [{"role": "user", "content": [{"text": sentence(rng) + " What should I do?"}]}],
    }


@pytest.fixture(scope="module")
def aws_servers():
    api, stop = start()
    yield api
    stop()


@pytest.fixture
def aws(aws_servers, clean_env, monkeypatch):
    """S3 and Bedrock on 127.0.0.1, a bucket, test credentials, the launch settings in the environment."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "FT_LINT_S3_", "FT_LINT_BEDROCK_")):
            monkeypatch.delenv(name)
    absent = str(clean_env / "no-aws-config")
    monkeypatch.setenv("AWS_CONFIG_FILE", absent)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", absent)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no look for the machine's role
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key-never-printed")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_servers.url)
    monkeypatch.setenv("FT_LINT_S3_BUCKET", BUCKET)
    monkeypatch.setenv("FT_LINT_BEDROCK_ROLE_ARN", ROLE)
    aws_servers.reset()
    import boto3

    boto3.client("s3", endpoint_url=aws_servers.moto_url, region_name=REGION).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return aws_servers


@pytest.fixture
def data(tmp_path):
    return train_and_validation(tmp_path, conversation_record)


def data_key(path) -> str:
    return f"ft-lint/data/{sha256_of(path)}.jsonl"


def test_uploads_the_linted_bytes_to_s3_and_creates_the_job(aws, data):
    train, val = data
    settings = JobSettings(n_epochs=2, learning_rate=2e-5, suffix="garden")

    assert launch([train], MODEL, validation=val, job=settings) == 0

    train_key, val_key = data_key(train), data_key(val)
    assert aws.keys(BUCKET) == sorted([train_key, val_key])
    assert aws.object(BUCKET, train_key) == train.read_bytes()
    assert aws.object(BUCKET, val_key) == val.read_bytes()
    for key in (train_key, val_key):  # a HEAD before each PUT
        looks = [(r.method, r.path) for r in aws.requests if r.path == f"/{BUCKET}/{key}"]
        assert looks == [("HEAD", f"/{BUCKET}/{key}"), ("PUT", f"/{BUCKET}/{key}")]
    [put] = aws.seen("PUT", f"/{BUCKET}/{train_key}")
    assert put.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIATESTKEY/")
    [create] = aws.seen("POST", JOBS)
    body = create.json()
    token = body.pop("clientRequestToken")
    assert body == {
        "jobName": f"ft-lint-{token[:20]}",
        "customModelName": f"garden-{token[:20]}",
        "roleArn": ROLE,
        "baseModelIdentifier": MODEL_ID,
        "customizationType": "FINE_TUNING",
        "trainingDataConfig": {"s3Uri": f"s3://{BUCKET}/{train_key}"},
        "validationDataConfig": {"validators": [{"s3Uri": f"s3://{BUCKET}/{val_key}"}]},
        "outputDataConfig": {"s3Uri": f"s3://{BUCKET}/ft-lint/output/"},
        "hyperParameters": {"epochCount": "2", "learningRate": "2e-05"},
    }
    assert list(aws.jobs()) == [body["jobName"]]


def test_distillation_prompts_make_a_distillation_job_with_its_teacher(aws, tmp_path):
    prompts = write_records(tmp_path / "prompts.jsonl", prompt_record)

    assert launch([prompts], MODEL, settings={"teacher-model": "amazon.nova-pro-v1:0"}) == 0

    body = aws.seen("POST", JOBS)[0].json()
    assert body["customizationType"] == "DISTILLATION"
    assert body["customizationConfig"] == {
        "distillationConfig": {"teacherModelConfig": {"teacherModelIdentifier": "amazon.nova-pro-v1:0"}}
    }
    assert "hyperParameters" not in body


@pytest.mark.parametrize(
    ("model", "make", "job", "settings", "refusal"),
    [
        (MODEL, prompt_record, JobSettings(), {}, "distillation (bedrock-distillation data) needs the model"),
        (MODEL, prompt_record, JobSettings(n_epochs=2), {"teacher-model": "amazon.nova-pro-v1:0"},
         "--n-epochs: Bedrock's distillation jobs take no hyperparameters"),
        (MODEL, conversation_record, JobSettings(n_epochs=6), {}, "--n-epochs 6: Bedrock takes epochCount 1 to 5"),
        (MODEL, conversation_record, JobSettings(batch_size=8), {},
         "--batch-size: Bedrock takes no such hyperparameter"),
        ("meta.llama3-1-8b-instruct-v1:0", conversation_record, JobSettings(batch_size=8), {},
         "--batch-size 8: Bedrock takes batchSize 1 for meta.llama3-1-8b-instruct-v1:0:128k"),
        (MODEL, conversation_record, JobSettings(learning_rate_multiplier=2.0), {}, "give --learning-rate"),
        (MODEL, conversation_record, JobSettings(suffix="two--dashes"), {}, "--suffix 'two--dashes'"),
    ],
)  # fmt: skip
def test_settings_and_data_bedrock_would_refuse_stop_the_launch_before_any_request(
    aws, tmp_path, model, make, job, settings, refusal
):
    train = write_records(tmp_path / "train.jsonl", make, count=120)

    with pytest.raises(LaunchError, match=refusal.replace("(", r"\(").replace(")", r"\)")):
        launch([train], model, job=job, settings=settings)

    assert aws.requests == []


def test_a_file_over_what_one_s3_put_takes_is_refused_before_reading_it(aws, tmp_path):
    train = sparse_file(tmp_path / "train.jsonl", 5_000_000_001)

    with pytest.raises(LaunchError, match="5000000001 bytes, over the 5000000000 bytes Amazon Bedrock takes"):
        launch([train], MODEL)

    assert aws.requests == []


def test_a_file_changed_after_the_lint_is_never_put(aws, data):
    train, _ = data

    def append(*_):
        with train.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(conversation_record(random.Random(9))) + "\n")

    with pytest.raises(FileChanged, match=f"{train} changed since the lint read it"):
        launch([train], MODEL, report=append)

    assert aws.seen("PUT", ".*") == []
    assert aws.jobs() == {}


def test_prompts_for_a_model_that_is_no_distillation_student_are_not_sent(aws, tmp_path):
    prompts = write_records(tmp_path / "prompts.jsonl", prompt_record)

    # Nova 2 Lite trains on conversations only: answerless records fail its lint (FT104).
    assert launch([prompts], "amazon.nova-2-lite-v1:0", settings={"teacher-model": "amazon.nova-pro-v1:0"}) == 1

    assert aws.requests == []


def test_missing_credentials_and_settings_are_one_line_before_the_lint(aws, data, monkeypatch):
    monkeypatch.delenv("FT_LINT_S3_BUCKET")
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    code, _, err = run_cli("check", str(data[0]), "--model", MODEL, "--launch")

    assert code == 2
    assert err == (
        "ft-lint: error: Amazon Bedrock settings missing: --s3-bucket (or the s3-bucket key, or FT_LINT_S3_BUCKET); "
        "--region (or the region key, AWS_REGION, AWS_DEFAULT_REGION, or the AWS profile's) (nothing was sent)\n"
    )
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    code, _, err = run_cli(
        "check", str(data[0]), "--model", MODEL, "--launch", "--s3-bucket", BUCKET, "--region", REGION
    )

    assert code == 2
    assert err.startswith("ft-lint: error: Amazon Bedrock credentials missing: set AWS credentials")
    assert err.count("\n") == 1
    assert aws.requests == []


def test_settings_come_from_the_configuration_when_not_given(aws, data, monkeypatch):
    monkeypatch.delenv("FT_LINT_S3_BUCKET")
    monkeypatch.delenv("FT_LINT_BEDROCK_ROLE_ARN")
    train = data[0]
    (train.parent / "ft-lint.toml").write_text(
        f'select = ["FT1", "FT2"]\ns3-bucket = "{BUCKET}"\ns3-prefix = "/teams/garden/"\nrole-arn = "{ROLE}"\n',
        encoding="utf-8",
    )

    code, out, err = run_cli("check", "train.jsonl", "--model", MODEL, "--launch", cwd=train.parent)

    assert (code, err) == (0, "")
    assert aws.keys(BUCKET) == [f"teams/garden/data/{sha256_of(train)}.jsonl"]
    assert aws.seen("POST", JOBS)[0].json()["outputDataConfig"] == {"s3Uri": f"s3://{BUCKET}/teams/garden/output/"}
    assert "test-secret-key-never-printed" not in out


@pytest.mark.slow
def test_a_rerun_reuses_the_upload_and_the_job(aws, data, capsys):
    train, _ = data
    assert launch([train], MODEL) == 0
    [job_arn] = [job.job_arn for job in aws.jobs().values()]
    capsys.readouterr()
    aws.requests.clear()

    assert launch([train], MODEL) == 0

    assert [(r.method, r.path) for r in aws.requests] == [("HEAD", f"/{BUCKET}/{data_key(train)}")]
    out = capsys.readouterr().out
    assert f"reusing {train}: uploaded before as s3://{BUCKET}/{data_key(train)}" in out
    assert f"job {job_arn} was created from these files and settings" in out


@pytest.mark.slow
def test_without_the_state_file_a_rerun_finds_the_object_and_the_job(aws, data, clean_env, capsys):
    train, _ = data
    assert launch([train], MODEL) == 0
    [job_arn] = [job.job_arn for job in aws.jobs().values()]
    (clean_env / "state" / "launch.json").unlink()
    aws.requests.clear()

    assert launch([train], MODEL) == 0

    assert aws.seen("PUT", ".*") == []  # the HEAD found the bytes there
    assert len(aws.seen("POST", JOBS)) == 1  # Bedrock knows the name: the same request's job
    assert [job.job_arn for job in aws.jobs().values()] == [job_arn]
    assert f"created fine-tuning job {job_arn}" in capsys.readouterr().out


@pytest.mark.slow
def test_relaunch_creates_a_second_job(aws, data):
    train, _ = data
    launch([train], MODEL)

    assert launch([train], MODEL, relaunch=True) == 0

    assert len(aws.jobs()) == 2
    assert len(aws.seen("PUT", ".*")) == 1


@pytest.mark.slow
def test_http_500s_are_retried(aws, data):
    train, _ = data
    aws.fail("PUT", f"/{BUCKET}/.+", times=1)
    aws.fail("POST", JOBS, times=1)

    assert launch([train], MODEL) == 0

    assert len(aws.seen("PUT", f"/{BUCKET}/.+")) == 2
    assert len(aws.seen("POST", JOBS)) == 2
    assert aws.object(BUCKET, data_key(train)) == train.read_bytes()
    assert len(aws.jobs()) == 1


@pytest.mark.slow
def test_a_job_whose_answer_was_lost_is_found_on_the_retry(aws, data):
    aws.fail("POST", JOBS, kind="500-after", times=1)

    assert launch([data[0]], MODEL) == 0

    assert len(aws.seen("POST", JOBS)) == 2  # the retry met the job the first try created
    assert len(aws.jobs()) == 1


@pytest.mark.slow
def test_faults_that_outlast_the_retries_are_one_line(aws, data):
    train, _ = data
    aws.fail("POST", JOBS, times=10)

    with pytest.raises(LaunchError) as failed:
        launch([train], MODEL, max_retries=1)

    assert str(failed.value) == (
        "creating the fine-tuning job: CreateModelCustomizationJob answered HTTP 500: "
        "InternalServerException: the server had an error (2 tries)"
    )
    assert aws.jobs() == {}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "path", "action", "waited"),
    [
        (
            "HEAD",
            f"/{BUCKET}/.+",
            "looking for {train} uploaded before as s3://{bucket}/{key}",
            "0.3 s (--read-timeout",
        ),
        ("PUT", f"/{BUCKET}/.+", "uploading {train}", "0.4 s (--upload-timeout"),
        ("POST", JOBS, "creating the fine-tuning job", "0.3 s (--read-timeout"),
    ],
)
def test_a_server_that_does_not_answer_is_one_line_after_its_timeout(aws, data, method, path, action, waited):
    train, _ = data
    aws.fail(method, path, kind="timeout", times=2)

    with pytest.raises(LaunchError) as failed:
        launch([train], MODEL, max_retries=1, timeouts=Timeouts(connect=5.0, read=0.3, upload=0.4, deadline=60.0))

    message = str(failed.value)
    assert message.startswith(action.format(train=train, bucket=BUCKET, key=data_key(train)) + f": {aws.url}/")
    assert message.endswith(f" did not answer within {waited}; 2 tries)")
    assert aws.jobs() == {}


def test_a_refusal_of_bedrock_is_one_line(aws, data):
    aws.fail("POST", JOBS, kind="400")

    with pytest.raises(LaunchError) as refused:
        launch([data[0]], MODEL)

    assert str(refused.value) == (
        "creating the fine-tuning job: CreateModelCustomizationJob answered HTTP 400: "
        "ValidationException: The provided role does not trust Bedrock"
    )
    assert len(aws.seen("POST", JOBS)) == 1  # a refusal is not retried


@pytest.mark.slow
def test_dry_run_says_what_the_run_does_and_sends_nothing(aws, data, capsys):
    train, _ = data
    assert launch([train], MODEL, dry_run=True, job=JobSettings(n_epochs=3)) == 0
    planned = capsys.readouterr().out
    assert aws.requests == []

    launch([train], MODEL, job=JobSettings(n_epochs=3))
    sent = aws.seen("POST", JOBS)[0].json()
    request = json.loads(planned[planned.index("{") :])
    assert request == sent
    assert f"would upload {train}: {train.stat().st_size} bytes, sha256 " in planned

    assert launch([train], MODEL, dry_run=True, job=JobSettings(n_epochs=3)) == 0
    assert f"would reuse {train}: " in capsys.readouterr().out


def test_wait_follows_the_status_its_stages_and_prints_the_losses(aws, data, capsys, monkeypatch):
    from moto.bedrock.models import ModelCustomizationJob

    # moto's jobs have no stages: each look shows the next of these (Bedrock's statusDetails).
    stages = [
        {"validationDetails": {"status": "InProgress"}},
        {"validationDetails": {"status": "Completed"}, "dataProcessingDetails": {"status": "InProgress"}},
        {"validationDetails": {"status": "Completed"}, "dataProcessingDetails": {"status": "Completed"},
         "trainingDetails": {"status": "Completed"}},
    ]  # fmt: skip
    looks = []
    described = ModelCustomizationJob.to_dict
    monkeypatch.setattr(
        ModelCustomizationJob, "to_dict", lambda job: {**described(job), "statusDetails": stages[len(looks) - 1]}
    )

    def look(request):
        looks.append(request)
        if len(looks) == 3:  # the creation's look, then --wait's
            for job in aws.jobs().values():
                job.status = "Completed"

    aws.on("GET", f"{JOBS}/.+", look)

    assert launch([data[0]], MODEL, wait=True) == 0

    [job] = aws.jobs().values()
    lines = capsys.readouterr().out.splitlines()
    assert lines[-8:] == [
        f"job {job.job_arn}: InProgress",
        "  data validation: Completed",
        "  data processing: InProgress",
        f"job {job.job_arn}: Completed",
        "  data processing: Completed",
        "  training: Completed",
        "  training loss 0.0000, validation loss 0.0000",
        f"job {job.job_arn} succeeded: fine-tuned model {job.output_model_arn}",
    ]


def test_follow_finds_the_job_by_its_arn(aws, data):
    launch([data[0]], MODEL)
    [job] = aws.jobs().values()
    job.status = "Failed"
    job.failure_message = "The training data has too few records"

    code, out, err = run_cli("follow", job.job_arn, "--provider", "bedrock")

    assert code == 2
    assert out == f"job {job.job_arn}: Failed\n"
    assert err == f"ft-lint: error: job {job.job_arn} ended Failed: The training data has too few records\n"


def test_an_aws_secret_in_a_message_is_masked(aws):
    from ft_lint.launch.masking import mask

    assert mask("signed with test-secret-key-never-printed") == "signed with [masked]"
