"""Amazon Bedrock model customisation, through boto3 (the `bedrock` extra).

The data goes to S3 under a key made of its sha256 (`{prefix}data/{sha256}.jsonl`): a HEAD comes
before every PUT, so bytes already there are never sent again, whichever machine sent them. The
PUT carries the sha256 (ChecksumSHA256), which S3 checks against what it receives. The job is
CreateModelCustomizationJob: FINE_TUNING, or DISTILLATION for bedrock-distillation data (prompts
a teacher model answers). Its jobName, customModelName and clientRequestToken derive from a hash
of the request, so the same request sent again (a retry, or a re-run that lost the state file)
is recognised by Bedrock as the same job rather than creating a second one.

Settings, each an option, a configuration key, or else from the environment:
- s3-bucket (FT_LINT_S3_BUCKET) and s3-prefix (FT_LINT_S3_PREFIX, default ft-lint/): where the
  data and the job's output go;
- role-arn (FT_LINT_BEDROCK_ROLE_ARN): the IAM role Bedrock runs the job as;
- region: else AWS_REGION, AWS_DEFAULT_REGION, the AWS profile's;
- teacher-model: for distillation.
Credentials come from boto3's own chain (environment, profile, SSO, the machine's role).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import Any

from ft_lint.launch.base import DeadlinePassed, JobState, LaunchError, Progress, Provider, one_line
from ft_lint.launch.linted import LintedFile
from ft_lint.launch.options import JobSettings, LaunchOptions

S3_PUT_BYTES = 5_000_000_000  # S3 takes up to 5 GB in one PutObject (decimal reading, as in models.toml)
DEFAULT_PREFIX = "ft-lint/"
DISTILLATION = "distillation"
FINISHED = {"Completed", "Failed", "Stopped"}
SUCCEEDED = "Completed"
NAME_DIGITS = 20  # of the request's hash, in the job's and the custom model's names
MODEL_NAME_CHARS = 63  # customModelName's most
# A customModelName (botocore's CustomModelName pattern): letters and digits, each followed by at most one - or _.
MODEL_NAME = re.compile(r"[0-9a-zA-Z]([_-]?[0-9a-zA-Z])*")
STAGES = (
    ("validationDetails", "data validation"),
    ("dataProcessingDetails", "data processing"),
    ("trainingDetails", "training"),
)
CREDENTIALS = "AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the machine's role)"
ALREADY_THERE = ("ResourceInUseException", "ConflictException")


@dataclass(frozen=True)
class Hyperparameter:
    name: str  # Bedrock's
    low: float
    high: float


# The hyperparameters each family takes, by JobSettings field, with Bedrock's ranges:
# https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-nova-mm.html (Nova Micro, Lite, Pro;
# no batch size; Nova 2 Lite's page was not found: Nova's are assumed) and cm-hp-meta-llama31.html,
# cm-hp-meta-llama32.html (Llama 3.1, 3.2; 3.3 assumed the same), read 2026-12-07.
NOVA = {
    "n_epochs": Hyperparameter("epochCount", 1, 5),
    "learning_rate": Hyperparameter("learningRate", 1e-6, 1e-4),
}
LLAMA = {
    "n_epochs": Hyperparameter("epochCount", 1, 10),
    "batch_size": Hyperparameter("batchSize", 1, 1),
    "learning_rate": Hyperparameter("learningRate", 5e-6, 0.1),
}
HYPERPARAMETERS = {"amazon.nova-": NOVA, "meta.llama3": LLAMA}  # model id prefix -> its family's
OPTION_OF = {"n_epochs": "--n-epochs", "batch_size": "--batch-size", "learning_rate": "--learning-rate"}


class BedrockProvider(Provider):
    name = "bedrock"
    title = "Amazon Bedrock"
    sdk_module = "boto3"
    extra = "bedrock"
    base_url_variable = "AWS_ENDPOINT_URL_BEDROCK"
    max_upload_bytes = S3_PUT_BYTES

    def __init__(self, options: LaunchOptions):
        super().__init__(options)
        self._clients: dict[tuple[str, float, str], Any] = {}
        self._last_job: dict[str, Any] = {}
        # --relaunch makes a new request (names and token) for this run; the same all through it.
        self._relaunch = str(time.time_ns()) if options.relaunch else ""

    # --- settings ----------------------------------------------------------------------------

    def _setting(self, name: str, variable: str = "") -> str:
        return self.options.settings.get(name) or (os.environ.get(variable, "") if variable else "")

    @property
    def bucket(self) -> str:
        return self._setting("s3-bucket", "FT_LINT_S3_BUCKET").removeprefix("s3://").strip("/")

    @property
    def prefix(self) -> str:
        given = self.options.settings.get("s3-prefix", os.environ.get("FT_LINT_S3_PREFIX", DEFAULT_PREFIX))
        prefix = given.strip("/")
        return prefix + "/" if prefix else ""

    @property
    def role_arn(self) -> str:
        return self._setting("role-arn", "FT_LINT_BEDROCK_ROLE_ARN")

    @cached_property
    def region(self) -> str:
        return (
            self._setting("region")
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or self._profile_region()
        )

    @staticmethod
    def _profile_region() -> str:
        try:
            import botocore.session
        except ImportError:  # no SDK: the environment's alone (a dry run needs no SDK)
            return ""
        with _aws_configuration():
            region = botocore.session.Session().get_config_variable("region")
        return str(region or "")

    def missing_settings(self) -> list[str]:
        needed = (
            (self.bucket, "--s3-bucket (or the s3-bucket key, or FT_LINT_S3_BUCKET)"),
            (self.role_arn, "--role-arn (or the role-arn key, or FT_LINT_BEDROCK_ROLE_ARN)"),
            (self.region, "--region (or the region key, AWS_REGION, AWS_DEFAULT_REGION, or the AWS profile's)"),
        )
        return [name for value, name in needed if not value]

    def missing_credentials(self) -> list[str]:
        with _aws_configuration():
            return [] if self._session.get_credentials() is not None else [CREDENTIALS]

    @property
    def endpoint(self) -> str:
        explicit = self.options.base_url or os.environ.get(self.base_url_variable) or os.environ.get("AWS_ENDPOINT_URL")
        return (explicit or f"https://bedrock.{self.region}.amazonaws.com").rstrip("/")

    @property
    def upload_location(self) -> str:
        s3 = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        return f"{(s3 or f'https://s3.{self.region}.amazonaws.com').rstrip('/')} s3://{self.bucket}/{self.prefix}"

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}data/{sha256}.jsonl"

    def _uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def derived_file_id(self, sha256: str) -> str:
        """The S3 URI: the launch HEADs it before any PUT."""
        return self._uri(self._key(sha256))

    def upload_method(self, size: int) -> str:
        return "S3 PutObject, with its sha256 for S3 to check"

    # --- the job request ---------------------------------------------------------------------

    def job_request(
        self, model: str, training_file: str, validation_file: str | None, method: str, settings: JobSettings
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "roleArn": self.role_arn,
            "baseModelIdentifier": model,
            "customizationType": "DISTILLATION" if method == DISTILLATION else "FINE_TUNING",
            "trainingDataConfig": {"s3Uri": training_file},
        }
        if validation_file:
            request["validationDataConfig"] = {"validators": [{"s3Uri": validation_file}]}
        request["outputDataConfig"] = {"s3Uri": f"s3://{self.bucket}/{self.prefix}output/"}
        hyperparameters = self._hyperparameters(model, method, settings)
        if hyperparameters:
            request["hyperParameters"] = hyperparameters
        if method == DISTILLATION:
            request["customizationConfig"] = {"distillationConfig": {"teacherModelConfig": self._teacher()}}
        digest = hashlib.sha256(json.dumps([self.region, request, self._relaunch], sort_keys=True).encode())
        token = digest.hexdigest()
        model_name = f"{self._model_name_start(settings.suffix)}-{token[:NAME_DIGITS]}"
        return {
            "jobName": f"ft-lint-{token[:NAME_DIGITS]}",
            "customModelName": model_name,
            "clientRequestToken": token,
            **request,
        }

    @staticmethod
    def _model_name_start(suffix: str | None) -> str:
        if suffix is None:
            return "ft-lint"
        most = MODEL_NAME_CHARS - NAME_DIGITS - 1
        if len(suffix) > most or not MODEL_NAME.fullmatch(suffix):
            raise LaunchError(
                f"--suffix {suffix!r}: Bedrock's custom model names take letters and digits, each followed by at "
                f"most one - or _, up to {most} characters here"
            )
        return suffix

    def _teacher(self) -> dict[str, Any]:
        teacher = self._setting("teacher-model")
        if not teacher:
            raise LaunchError(
                "distillation (bedrock-distillation data) needs the model that writes the answers: "
                "--teacher-model (or the teacher-model key), e.g. amazon.nova-pro-v1:0"
            )
        return {"teacherModelIdentifier": teacher}

    @staticmethod
    def _hyperparameters(model: str, method: str, settings: JobSettings) -> dict[str, str]:
        if settings.learning_rate_multiplier is not None:
            raise LaunchError(
                "--learning-rate-multiplier: Bedrock takes the learning rate itself: give --learning-rate"
            )
        if settings.seed is not None:
            raise LaunchError("--seed: Bedrock's customisation jobs take no seed; leave it out")
        given = {field: getattr(settings, field) for field in OPTION_OF if getattr(settings, field) is not None}
        if not given:
            return {}
        first = OPTION_OF[next(iter(given))]
        if method == DISTILLATION:
            raise LaunchError(f"{first}: Bedrock's distillation jobs take no hyperparameters; leave it out")
        family = next((table for start, table in HYPERPARAMETERS.items() if model.startswith(start)), None)
        if family is None:
            raise LaunchError(f"{first}: ft-lint does not know the hyperparameters Bedrock takes for {model}")
        sent = {}
        for field, value in given.items():
            if field not in family:
                raise LaunchError(f"{OPTION_OF[field]}: Bedrock takes no such hyperparameter for {model}")
            known = family[field]
            if not known.low <= value <= known.high:
                span = f"{known.low:g}" if known.low == known.high else f"{known.low:g} to {known.high:g}"
                raise LaunchError(f"{OPTION_OF[field]} {value:g}: Bedrock takes {known.name} {span} for {model}")
            sent[known.name] = f"{value:g}"
        return sent

    def job_request_label(self) -> str:
        return (
            "boto3's bedrock create_model_customization_job with these arguments "
            f"(POST {self.endpoint}/model-customization-jobs)"
        )

    # --- calls -------------------------------------------------------------------------------

    @cached_property
    def _session(self) -> Any:
        return self.sdk.session.Session()

    def _aws(self, service: str, read_seconds: float, region: str = "") -> Any:
        """A client with the launch's timeouts and retries (botocore's standard mode: 5xx,
        throttling and connection faults, with exponential backoff)."""
        region = region or self.region
        key = (service, read_seconds, region)
        if key not in self._clients:
            from botocore.config import Config

            config = Config(
                connect_timeout=self.options.timeouts.connect,
                read_timeout=read_seconds,
                retries={"total_max_attempts": self.options.max_retries + 1, "mode": "standard"},
            )
            explicit = self.options.base_url if service == "bedrock" else None
            self._clients[key] = self._session.client(service, region_name=region, endpoint_url=explicit, config=config)
        return self._clients[key]

    def _bedrock(self, job_id: str = "") -> Any:
        """Bedrock's client in the job's region (a job ARN names it)."""
        parts = job_id.split(":")
        region = parts[3] if job_id.startswith("arn:") and len(parts) > 3 else ""
        return self._aws("bedrock", self.options.timeouts.read, region)

    def make_client(self, sdk: ModuleType, read_seconds: float) -> Any:
        return self._aws("bedrock", read_seconds)

    def upload(self, linted: LintedFile) -> str:
        """The PUT; the launch has HEADed the key first (derived_file_id)."""
        sha256 = linted.sha256()
        key = self._key(sha256)
        # boto3 reads the body more than once (a retry starts again): a private copy of the linted bytes.
        with linted.private_copy() as copy, copy.open("rb") as body:
            self._aws("s3", self.options.timeouts.upload).put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType="application/jsonl",
                ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode(),
            )
        return self._uri(key)

    def file_exists(self, file_id: str, size: int) -> bool:
        from botocore.exceptions import ClientError

        bucket, _, key = file_id.removeprefix("s3://").partition("/")
        try:
            found = self._aws("s3", self.options.timeouts.read).head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise
        return bool(found.get("ContentLength") == size)

    def create_job(self, request: dict[str, Any]) -> tuple[str, str]:
        from botocore.exceptions import ClientError

        try:
            job_id: str = self.client.create_model_customization_job(**request)["jobArn"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ALREADY_THERE:
                raise
            job_id = self._same_job(request, error)
        return job_id, self.job_state(job_id).status

    def _same_job(self, request: dict[str, Any], error: Exception) -> str:
        """The job a name clash points at, when it is this request's (a retry whose first try
        went through, or a re-run without the state file); else the clash stands."""
        job = self.client.get_model_customization_job(jobIdentifier=request["jobName"])
        if job.get("clientRequestToken") != request["clientRequestToken"]:
            raise error
        same: str = job["jobArn"]
        return same

    def job_state(self, job_id: str) -> JobState:
        job = self._bedrock(job_id).get_model_customization_job(jobIdentifier=job_id)
        self._last_job = job
        status = str(job.get("status", "InProgress"))
        detail = ""
        if status == SUCCEEDED:
            detail = str(job.get("outputModelArn") or job.get("outputModelName") or "")
        elif status in FINISHED:
            detail = one_line(str(job.get("failureMessage") or ""))
        return JobState(status, status in FINISHED, status == SUCCEEDED, detail)

    def new_progress(self, job_id: str, progress: Progress) -> list[str]:
        """The stages' statuses as they change; the losses Bedrock reports once the job ends
        (the step-wise ones go to the output folder in S3)."""
        job = self._last_job  # job_state's look, just before
        lines = []
        details = job.get("statusDetails") or {}
        for key, label in STAGES:
            status = (details.get(key) or {}).get("status")
            line = f"{label}: {status}"
            if status and line not in progress.seen_events:
                progress.seen_events.add(line)
                lines.append(line)
        if job.get("status") == SUCCEEDED and "losses" not in progress.seen_events:
            progress.seen_events.add("losses")
            losses = [("training loss", (job.get("trainingMetrics") or {}).get("trainingLoss"))]
            for metric in job.get("validationMetrics") or []:
                losses.append(("validation loss", metric.get("validationLoss")))
            shown = [f"{name} {value:.4f}" for name, value in losses if isinstance(value, (int, float))]
            if shown:
                lines.append(", ".join(shown))
        return lines

    @contextmanager
    def translated_errors(self, action: str, uploading: bool = False) -> Iterator[None]:
        """botocore's exceptions, and the deadline, as one line naming what failed and after how many tries."""
        from botocore import exceptions as aws

        timeouts = self.options.timeouts
        try:
            yield
        except DeadlinePassed:
            raise self.deadline_error(action) from None
        except aws.NoCredentialsError:
            raise LaunchError(f"{action}: no {CREDENTIALS} found") from None
        except (aws.ConnectTimeoutError, aws.ReadTimeoutError) as error:
            waited, option = (timeouts.upload, "--upload-timeout") if uploading else (timeouts.read, "--read-timeout")
            if isinstance(error, aws.ConnectTimeoutError):
                waited, option = timeouts.connect, "--connect-timeout"
            raise LaunchError(
                f"{action}: {error.kwargs.get('endpoint_url', self.endpoint)} did not answer within {waited:g} s "
                f"({option}; {self.options.max_retries + 1} tries)"
            ) from None
        except aws.ClientError as error:
            raise LaunchError(f"{action}: {_answer(error)}") from None
        except aws.ParamValidationError as error:
            raise LaunchError(f"{action}: the boto3 SDK refused: {one_line(str(error))}") from None
        except aws.ConnectionError as error:  # cannot connect, or the connection broke
            raise LaunchError(f"{action}: {one_line(str(error))} ({self.options.max_retries + 1} tries)") from None
        except aws.BotoCoreError as error:  # an answer it could not read, ...
            raise LaunchError(f"{action}: {one_line(str(error))}") from None


@contextmanager
def _aws_configuration() -> Iterator[None]:
    """Reading the AWS configuration (a profile AWS_PROFILE names that does not exist, a broken
    config file): one line."""
    from botocore.exceptions import BotoCoreError

    try:
        yield
    except BotoCoreError as error:
        raise LaunchError(f"the AWS configuration: {one_line(str(error))}") from None


def _answer(error: Any) -> str:
    """A refusal or a server fault as AWS answered it (botocore's ClientError), with the tries it took."""
    response = error.response
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
    tries = response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
    code = response.get("Error", {}).get("Code", "")
    message = one_line(str(response.get("Error", {}).get("Message") or ""))
    said = ": ".join(part for part in (code, message) if part)
    return f"{error.operation_name} answered HTTP {status}: {said}" + (f" ({tries} tries)" if tries > 1 else "")
