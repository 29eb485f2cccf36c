"""--launch: send data that passed the lint to the provider that trains on it.

`prepare` runs before the lint (the checks that need no lint result: model, provider,
credentials, files, sizes), so a missing key fails at once rather than after a long lint;
`Launch.after_lint` refuses when anything fails at the configured severity, checks the
formats against the model, then uploads (reusing what was uploaded before), creates the job,
and under --wait follows it. Nothing is sent before every check has passed. What is uploaded
is exactly what the lint read (linted.py): a file changed since stops the launch before the
job is created. Uploads and the job's creation have a deadline; every line printed has its
credentials masked. The SDKs are imported only to send.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from ft_lint.config import RunOptions, Settings, current_date
from ft_lint.context import file_context
from ft_lint.engine import exit_code
from ft_lint.files import display_name
from ft_lint.findings import Finding, Severity
from ft_lint.launch.base import LaunchError, Progress, Provider, deadline, import_sdk
from ft_lint.launch.linted import LintedFile
from ft_lint.launch.masking import mask
from ft_lint.launch.options import LaunchOptions
from ft_lint.launch.state import LaunchState, Upload, now
from ft_lint.models import Model, UnknownModelError, resolve_model

UPLOAD_SUFFIX = ".jsonl"
MACHINE_READABLE = ("json", "sarif")
PROVIDER_CLASSES = {
    "openai": ("ft_lint.launch.openai_api", "OpenAIProvider"),
    "azure-openai": ("ft_lint.launch.azure_api", "AzureProvider"),
    "together": ("ft_lint.launch.together_api", "TogetherProvider"),
    "fireworks": ("ft_lint.launch.fireworks_api", "FireworksProvider"),
    "bedrock": ("ft_lint.launch.bedrock_api", "BedrockProvider"),
    "vertex": ("ft_lint.launch.vertex_api", "VertexProvider"),
}
METHOD_BY_FORMAT = {"openai-preference": "dpo", "bedrock-distillation": "distillation"}
NOT_LAUNCHABLE = {
    "openai-rft": "reinforcement fine-tuning needs a grader, which --launch does not set up; "
    "create this job with the provider's own tools",
}


def make_provider(name: str, options: LaunchOptions) -> Provider:
    module, class_name = PROVIDER_CLASSES[name]
    provider: Provider = getattr(importlib.import_module(module), class_name)(options)
    return provider


def refuse_retired(model: Model, today: dt.date) -> None:
    """A job for a model past its last day for new jobs, or shut down, would be rejected."""
    if model.is_shut_down(today):
        raise LaunchError(f"{model.id} shut down on {model.shutdown_date}; choose another --model")
    if not model.accepts_new_jobs(today):
        raise LaunchError(
            f"{model.id} takes no new fine-tuning jobs since {model.last_new_jobs_date}; choose another --model"
        )


def prepare(settings: Settings, run_options: RunOptions, files: list[Path]) -> Launch:
    """Everything that can be checked before the lint; raises LaunchError (exit 2) otherwise."""
    assert run_options.launch is not None
    options: LaunchOptions = run_options.launch
    training, validation = _roles(files, options.validation)
    model_name = settings.model_for(display_name(training))
    if not model_name:
        raise LaunchError("--launch needs --model: the model to fine-tune (`ft-lint models` lists them)")
    try:
        model = resolve_model(model_name)
    except UnknownModelError as error:
        raise LaunchError(f"{error} (`ft-lint models` lists them)") from None
    refuse_retired(model, current_date(settings))
    provider_name = options.provider or model.provider
    if provider_name not in PROVIDER_CLASSES:
        raise LaunchError(
            f"--launch cannot create {provider_name} jobs ({model.id}); it launches on "
            f"{', '.join(PROVIDER_CLASSES)}: create this job with {provider_name}'s own tools"
        )
    provider = make_provider(provider_name, options)
    missing = provider.missing_settings()
    if missing:
        raise LaunchError(f"{provider.title} settings missing: {'; '.join(missing)} (nothing was sent)")
    check_endpoint(provider)
    provider.check_settings()
    for path in filter(None, (training, validation)):
        _check_size(path, provider)
    if not options.dry_run:
        missing = provider.missing_credentials()
        if missing:
            raise LaunchError(f"{provider.title} credentials missing: set {', '.join(missing)} (nothing was sent)")
        import_sdk(provider.sdk_module, provider.extra)
    return Launch(settings, run_options, options, provider, model, model_name, training, validation)


def _roles(files: list[Path], validation: Path | None) -> tuple[Path, Path | None]:
    training = [path for path in files if validation is None or path.resolve() != validation.resolve()]
    if len(training) != 1:
        named = ", ".join(path.as_posix() for path in training) or "none"
        raise LaunchError(
            f"--launch sends one training file (and --validation FILE); the paths hold {len(training)}: {named}"
        )
    for path in filter(None, (training[0], validation)):
        if path.suffix.lower() != UPLOAD_SUFFIX:
            raise LaunchError(f"{path}: providers take {UPLOAD_SUFFIX} files for fine-tuning; rename or convert it")
    return training[0], validation


def check_endpoint(provider: Provider) -> None:
    """A base URL the SDKs cannot send to (they fail late: a traceback, or retries of what cannot work)."""
    url = provider.endpoint
    if not url:  # Azure's resource: asked for with the credentials
        return
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is no number
    except ValueError as error:
        raise LaunchError(f"base URL {url}: {error} (--base-url or {provider.base_url_variable})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LaunchError(
            f"base URL {url}: not an http:// or https:// URL (--base-url or {provider.base_url_variable})"
        )


def _check_size(path: Path, provider: Provider) -> None:
    size = path.stat().st_size
    if size > provider.max_upload_bytes:
        raise LaunchError(
            f"{path}: {size} bytes, over the {provider.max_upload_bytes} bytes {provider.title} takes in one file"
            " (nothing was sent)"
        )


@dataclass
class Launch:
    settings: Settings
    run_options: RunOptions
    options: LaunchOptions
    provider: Provider
    model: Model
    typed_model: str  # the name the user gave
    training: Path
    validation: Path | None

    @property
    def out(self) -> TextIO:
        """Standard output, unless a machine-readable report is being written there."""
        report_on_stdout = self.run_options.output_file is None and not self.run_options.statistics
        return sys.stderr if report_on_stdout and self.settings.output_format in MACHINE_READABLE else sys.stdout

    def say(self, line: str) -> None:
        print(mask(line), file=self.out, flush=True)

    @property
    def model_name(self) -> str:
        typed = self.typed_model.strip()
        if typed.startswith("ft:") or ".ft-" in typed:  # continue training a fine-tuned model
            return typed
        return self.provider.api_model_name(self.model.id)

    def after_lint(self, findings: list[Finding], read: dict[str, list[tuple[int, int, str]]]) -> int:
        """`read`: what the lint read of each file (RunSummary.read)."""
        # A model that is retiring but still takes jobs (FT304 as info) is no reason to wait.
        findings = [f for f in findings if not (f.code == "FT304" and f.severity is Severity.INFO)]
        code = exit_code(findings, replace(self.settings, exit_zero=False))  # --exit-zero lets nothing through
        if code:
            level = self.settings.fail_on
            count = sum(finding.severity >= level for finding in findings)
            self.say(
                f"launch: nothing sent: {count} finding{'s' if count > 1 else ''} at or above {level.label} "
                "(fix them, or set the failing severity with --fail-on)"
            )
            return code
        method = self._method()
        files = [path for path in (self.training, self.validation) if path]
        # Built once with placeholders so that settings the provider cannot take stop us here.
        self._request({path: f"<file id of {path.as_posix()}>" for path in files}, method)
        linted = [self._linted(path, read) for path in files]
        for file in linted:
            self._check_limits(file)
        if self.options.dry_run:
            return self._dry_run(linted, method)
        self.provider.check_files(files)
        return self._send(linted, method)

    @staticmethod
    def _linted(path: Path, read: dict[str, list[tuple[int, int, str]]]) -> LintedFile:
        ranges = read.get(display_name(path))
        if ranges is None:  # not JSONL text: reported, unless that rule is off
            raise LaunchError(f"{path}: the lint could not read it as JSONL; nothing to launch")
        return LintedFile(path, tuple(ranges))

    def _method(self) -> str:
        formats = {path: self._format_of(path) for path in (self.training, self.validation) if path}
        training_format = formats[self.training]
        for path, name in formats.items():
            if name is None:
                raise LaunchError(f"{path}: no record of a known format; nothing to launch")
            if name != training_format:
                raise LaunchError(
                    f"{path} holds {name} records but {self.training} holds {training_format}; they must match"
                )
        if training_format in NOT_LAUNCHABLE:
            raise LaunchError(f"{self.training}: {training_format}: {NOT_LAUNCHABLE[training_format]}")
        if training_format not in self.model.formats:
            raise LaunchError(
                f"{self.model.id} does not train on {training_format} data (it takes {', '.join(self.model.formats)})"
            )
        method = METHOD_BY_FORMAT.get(training_format, "supervised")
        if self.options.job.beta is not None and method != "dpo":
            raise LaunchError(f"--beta is a DPO setting, for preference data; {self.training} holds {training_format}")
        return method

    def _check_limits(self, file: LintedFile) -> None:
        """The model table's limits for one file (rules FT005 and FT123 report them too, unless
        they are off): a job over them would be rejected after the upload."""
        model, path = self.model, file.path
        if model.upload_limit_bytes is not None and file.size > model.upload_limit_bytes:
            raise LaunchError(
                f"{path}: {file.size} bytes, over the {model.upload_limit_bytes} bytes {model.provider} takes "
                f"for {model.id} (nothing was sent)"
            )
        is_validation = self.validation is not None and path == self.validation
        most = model.max_validation_examples if is_validation else model.max_examples
        if most is not None:
            examples = _examples(file)
            if examples > most:
                kind = "validation" if is_validation else "training"
                raise LaunchError(
                    f"{path}: {examples} examples, over the {most} {model.provider} takes in a {kind} file "
                    f"for {model.id} (nothing was sent)"
                )

    def _format_of(self, path: Path) -> str | None:
        if self.settings.format:
            return self.settings.format
        return file_context(path, self.settings, current_date(self.settings)).format_name

    def _request(self, file_ids: dict[Path, str], method: str) -> dict[str, Any]:
        return self.provider.job_request(
            self.model_name,
            file_ids[self.training],
            file_ids.get(self.validation) if self.validation else None,
            method,
            self.options.job,
        )

    def _header(self, method: str) -> str:
        return f"{self.provider.title} at {self.provider.endpoint}, model {self.model_name}, method {method}"

    def _network(self) -> str:
        timeouts, retries = self.options.timeouts, self.options.max_retries
        return (
            f"timeouts: connect {timeouts.connect:g} s, read {timeouts.read:g} s, uploads {timeouts.upload:g} s; "
            f"{retries} retr{'y' if retries == 1 else 'ies'}; the launch within {timeouts.deadline:g} s"
        )

    def _dry_run(self, linted: list[LintedFile], method: str) -> int:
        state = LaunchState()
        self.say(f"launch (dry run: nothing is sent): {self._header(method)}")
        self.say(self._network())
        file_ids = {}
        all_uploaded = True  # an upload gives a new file id: a new request, so a new job
        for file in linted:
            file.check()
            path = file.path
            size, sha256, _, known = self._earlier_upload(file, state)
            facts = f"{size} bytes, sha256 {sha256}"
            if known:
                self.say(
                    f"would reuse {path}: {facts}, uploaded before as {known.file_id} (checked to exist at launch)"
                )
                file_ids[path] = known.file_id
            else:
                derived = self.provider.derived_file_id(sha256)
                where = f" as {derived} (unless it is found there already: checked at launch)" if derived else ""
                self.say(f"would upload {path}: {facts}{where}, via {self.provider.upload_method(size)}")
                all_uploaded = False
                file_ids[path] = derived or f"<file id of {path.as_posix()}>"
        request = self._request(file_ids, method)
        earlier = state.job(self._job_key(request)) if all_uploaded else None
        if earlier and not self.options.relaunch:
            self.say(
                f"would reuse job {earlier['job_id']}: created from these files and settings on"
                f" {earlier['created_at']}; the launch would not create another (--relaunch creates one)"
            )
            return 0
        if earlier:
            self.say(f"would create another job (--relaunch): job {earlier['job_id']} was created from these before")
        self.say(f"would send {self.provider.job_request_label()}:")
        self.say(json.dumps(request, indent=2))
        return 0

    def _send(self, linted: list[LintedFile], method: str) -> int:
        state = LaunchState()
        self.say(f"launch: {self._header(method)}")
        # The deadline stops whatever is under way; the outer translation names the launch
        # when that is none of the requests (each of which names itself).
        with self.provider.translated_errors("launching"), deadline(self.options.timeouts.deadline):
            job_id = self._job(linted, method, state)
        dashboard = self.provider.dashboard_url(job_id)
        if dashboard:
            self.say(f"follow it at {dashboard}")
        self.say(f"follow it here: {follow_command(self.provider, job_id)}")
        if self.options.wait:
            return follow_job(self.provider, job_id, self.options.poll_interval, self.say)
        return 0

    def _job(self, linted: list[LintedFile], method: str, state: LaunchState) -> str:
        """Uploads what is not uploaded yet and creates the job, unless the same request created one before."""
        file_ids = {file.path: self._file_id(file, state) for file in linted}
        for file in linted:  # what was uploaded is what was linted; a file changed since is refused all the same
            file.check()
        request = self._request(file_ids, method)
        key = self._job_key(request)
        earlier = state.job(key)
        if earlier and not self.options.relaunch:
            self.say(
                f"job {earlier['job_id']} was created from these files and settings on {earlier['created_at']}; "
                f"not creating another (--relaunch creates one)"
            )
            earlier_id: str = earlier["job_id"]  # the state file's JSON
            return earlier_id
        with self.provider.translated_errors("creating the fine-tuning job"):
            job_id, status = self.provider.create_job(request)
        state.record_job(key, job_id)
        self.say(f"created fine-tuning job {job_id} ({status})")
        return job_id

    def _job_key(self, request: dict[str, Any]) -> str:
        """The job request's key in the state file: the same request to the same endpoint creates one job."""
        return hashlib.sha256(
            json.dumps([self.provider.name, self.provider.endpoint, request], sort_keys=True).encode()
        ).hexdigest()

    def _earlier_upload(self, file: LintedFile, state: LaunchState) -> tuple[int, str, str, Upload | None]:
        """The linted bytes' size and sha256, their key in the state, and their upload recorded there."""
        sha256 = file.sha256()
        key = state.upload_key(self.provider.name, self.provider.upload_location, sha256)
        return file.size, sha256, key, state.upload(key)

    def _file_id(self, file: LintedFile, state: LaunchState) -> str:
        provider, path = self.provider, file.path
        size, sha256, key, known = self._earlier_upload(file, state)
        if known:
            with provider.translated_errors(f"checking that {known.file_id} ({path}) still exists"):
                exists = provider.file_exists(known.file_id, size)
            if exists:
                self.say(f"reusing {path}: uploaded before as {known.file_id}")
                return known.file_id
            state.forget_upload(key)
        derived = provider.derived_file_id(sha256)
        if derived and (not known or derived != known.file_id):
            with provider.translated_errors(f"looking for {path} uploaded before as {derived}"):
                found = provider.file_exists(derived, size)
            if found:
                state.record_upload(key, Upload(derived, path.name, size, now()))
                self.say(f"reusing {path}: found uploaded before as {derived}")
                return derived
        self.say(f"uploading {path} ({size} bytes) via {provider.upload_method(size)}")
        with provider.translated_errors(f"uploading {path}", uploading=True):
            file_id = provider.upload(file)
        state.record_upload(key, Upload(file_id, path.name, size, now()))
        self.say(f"uploaded {path} as {file_id}")
        return file_id


def _examples(file: LintedFile) -> int:
    """The lines that hold anything but blanks, as FT006 and FT123 count examples."""
    count, filled = 0, False
    for chunk in file.chunks():
        *ended, last = chunk.split(b"\n")
        for line in ended:
            count += filled or bool(line.strip())
            filled = False
        filled = filled or bool(last.strip())
    return count + filled


def follow_command(provider: Provider, job_id: str) -> str:
    base_url = f" --base-url {provider.options.base_url}" if provider.options.base_url else ""
    return f"ft-lint follow {job_id} --provider {provider.name}{base_url}"


def follow_job(provider: Provider, job_id: str, poll_interval: float, say: Callable[[str], None]) -> int:
    """Prints status changes, events and losses until the job ends. Ctrl-C stops following only."""
    progress = Progress()
    last_status = None
    try:
        while True:
            with provider.translated_errors(f"following job {job_id}"):
                state = provider.job_state(job_id)
                lines = provider.new_progress(job_id, progress)
            if state.status != last_status:
                say(f"job {job_id}: {state.status}")
                last_status = state.status
            for line in lines:
                say(f"  {line}")
            if state.finished:
                break
            time.sleep(poll_interval)
    except KeyboardInterrupt:
        say(f"stopped following; job {job_id} goes on. Follow it again: {follow_command(provider, job_id)}")
        return 0
    if not state.succeeded:
        raise LaunchError(f"job {job_id} ended {state.status}" + (f": {state.detail}" if state.detail else ""))
    say(f"job {job_id} succeeded" + (f": fine-tuned model {state.detail}" if state.detail else ""))
    return 0
