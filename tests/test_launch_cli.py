"""--launch from the command line: option wiring, one-line errors, Ctrl-C, and a lint that
never imports the SDKs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from launch_support import RULES, train_and_validation, write_records
from support import run_cli

SELECT = ["--select", ",".join(RULES)]


@pytest.mark.slow
def test_linting_imports_no_sdk(tmp_path):
    data = write_records(tmp_path / "train.jsonl")
    program = (
        "import sys\n"
        "from ft_lint.cli import cli\n"
        "try:\n"
        f"    cli.main(['check', {str(data)!r}], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(name for name in sys.modules\n"
        "             if name.split('.')[0] in ('openai', 'together', 'fireworks', 'google', 'aiohttp', 'httpx',\n"
        "                                       'httpx2', 'boto3', 'botocore')))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "[]"
    assert "All checks passed" in result.stdout


def test_launch_options_need_launch(clean_env, tmp_path):
    data = write_records(tmp_path / "train.jsonl")

    code, _, err = run_cli("check", str(data), "--n-epochs", "3")

    assert code == 2
    assert err == "ft-lint: error: --n-epochs only applies with --launch\n"


@pytest.mark.parametrize(
    ("model", "today", "refusal"),
    [
        ("gemini-2.0-flash-001", "2026-01-06", "gemini-2.0-flash-001 takes no new fine-tuning jobs since 2026-01-05"),
        ("gemini-2.0-flash-001", "2026-12-07", "gemini-2.0-flash-001 shut down on 2026-02-05"),
        ("open-mistral-nemo-2407", "2026-06-01", "--launch cannot create mistral jobs (open-mistral-nemo-2407)"),
    ],
)
def test_launch_refuses_retired_models_and_providers_it_cannot_launch_on(
    clean_env, tmp_path, monkeypatch, model, today, refusal
):
    monkeypatch.setenv("FT_LINT_TODAY", today)
    data = write_records(tmp_path / "train.jsonl")

    code, _, err = run_cli("check", str(data), "--model", model, "--launch", "--dry-run")

    assert code == 2
    assert err.startswith(f"ft-lint: error: {refusal}") and err.count("\n") == 1


def test_launch_needs_a_model(clean_env, tmp_path):
    data = write_records(tmp_path / "train.jsonl")

    code, _, err = run_cli("check", str(data), "--launch")

    assert code == 2
    assert err.startswith("ft-lint: error: --launch needs --model")


def test_missing_credentials_are_one_line_and_exit_2_before_the_lint(together_api, tmp_path, monkeypatch):
    data = write_records(tmp_path / "train.jsonl")
    monkeypatch.delenv("TOGETHER_API_KEY")

    code, out, err = run_cli("check", str(data), *SELECT, "--model", "Qwen/Qwen3-8B", "--launch")

    assert code == 2
    assert err == "ft-lint: error: Together AI credentials missing: set TOGETHER_API_KEY (nothing was sent)\n"
    assert out == ""  # refused before the lint ran
    assert together_api.requests == []


def test_the_validation_file_is_linted_even_without_launch(clean_env, tmp_path):
    train = write_records(tmp_path / "train.jsonl")
    val = tmp_path / "val.jsonl"
    val.write_text('{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}]}\n')

    code, out, _ = run_cli("check", str(train), *SELECT, "--validation", str(val))

    assert code == 1
    assert f"{val.as_posix()}:1" in out


def test_dry_run_shows_the_together_request_and_sends_nothing(together_api, tmp_path):
    train, val = train_and_validation(tmp_path)
    args = [
        "--model",
        "Qwen/Qwen3-8B",
        "--validation",
        str(val),
        "--launch",
        "--dry-run",
        "--n-epochs",
        "4",
        "--batch-size",
        "8",
        "--suffix",
        "x",
        "--seed",
        "9",
    ]

    code, out, _ = run_cli("check", str(train), *SELECT, *args)

    assert code == 0
    assert together_api.requests == []
    assert json.loads(out[out.index("{") :]) == {
        "model": "Qwen/Qwen3-8B",
        "training_file": f"<file id of {train.as_posix()}>",
        "validation_file": f"<file id of {val.as_posix()}>",
        "n_epochs": 4,
        "batch_size": 8,
        "suffix": "x",
        "random_seed": 9,
        "train_on_inputs": "auto",
    }


def test_launch_lines_go_to_stderr_when_stdout_holds_a_json_report(azure_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl")

    code, out, err = run_cli(
        "check", str(train), *SELECT, "--model", "azure/gpt-4o-mini-2024-07-18", "--launch", "--output-format", "json"
    )

    assert code == 0
    assert json.loads(out) == []
    assert "created fine-tuning job ftjob-" in err


def test_follow_command_follows_a_job_to_its_end(azure_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl")
    run_cli("check", str(train), *SELECT, "--model", "azure/gpt-4o-mini-2024-07-18", "--launch")
    [job_id] = azure_api.jobs
    azure_api.jobs[job_id]["script"] = [
        {"status": "succeeded", "events": [("message", "The job has successfully completed")]}
    ]

    code, out, _ = run_cli("follow", job_id, "--provider", "azure-openai")

    assert code == 0
    assert out.splitlines() == [
        f"job {job_id}: succeeded",
        "  The job has successfully completed",
        f"job {job_id} succeeded: fine-tuned model ft:gpt-4o-mini-2024-07-18:org-test::abc123",
    ]


@pytest.mark.slow
def test_ctrl_c_stops_following_but_not_the_job(azure_api, tmp_path):
    azure_api.script = [{"status": "running"}]  # a job that runs on
    train = write_records(tmp_path / "train.jsonl")
    command = [
        sys.executable,
        "-m",
        "ft_lint",
        "check",
        str(train),
        *SELECT,
        "--model",
        "azure/gpt-4o-mini-2024-07-18",
        "--launch",
        "--wait",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        lines = []
        while not any(line.endswith(": running\n") for line in lines):
            line = process.stdout.readline()
            assert line, f"ended early: {lines} {process.stderr.read()}"
            lines.append(line)
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=20)
    finally:
        process.kill()

    [job_id] = azure_api.jobs
    assert process.returncode == 0, err
    assert (
        f"stopped following; job {job_id} goes on. Follow it again: ft-lint follow {job_id} --provider azure-openai"
        in rest
    )
    assert not [request for request in azure_api.requests if request.path.endswith("/cancel")]


def test_a_retiring_model_that_still_takes_jobs_stops_no_launch(openai_api, tmp_path, monkeypatch):
    # FT304 is info until the model's last day for new jobs; even --fail-on info lets the launch go
    monkeypatch.setenv("FT_LINT_TODAY", "2026-11-22")
    train = write_records(tmp_path / "train.jsonl")
    args = ["--select", "FT1,FT2,FT304", "--fail-on", "info", "--model", "gpt-4o-mini", "--launch", "--dry-run"]
    code, out, _ = run_cli("check", str(train), *args)
    assert code == 0 and "FT304 [info]" in out and "nothing sent" not in out
    assert openai_api.requests == []
    monkeypatch.setenv("FT_LINT_TODAY", "2027-01-07")  # past its last day: refused, nothing sent
    code, _, err = run_cli("check", str(train), *args)
    assert code == 2 and "gpt-4o-mini" in err and openai_api.requests == []
