"""--launch on hostile ground: data files that change behind the lint's back, servers that never
answer or that echo credentials, base URLs with a password. The real SDKs against local fakes;
command-line runs in a child process under a hang guard (hostile_limits.run_limited)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import socket
import sys
import threading

import pytest

from ft_lint.launch import JobSettings
from ft_lint.launch.base import LaunchError, one_line
from ft_lint.launch.linted import FileChanged, LintedFile
from ft_lint.launch.masking import mask
from hostile_limits import run_limited
from launch_support import RULES, launch, write_records
from support import run_cli

OPENAI_MODEL = "gpt-4o-mini-2024-07-18"
AZURE_MODEL = "azure/gpt-4o-mini-2024-07-18"
TOGETHER_MODEL = "Qwen/Qwen3-8B"
SELECT = ["--select", ",".join(RULES)]
UNLINTED_LINE = b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "never linted"}]}\n'


def changed(path, how: str) -> None:
    """Changes the file as a process racing the launch would."""
    content = path.read_bytes()
    if how == "append":
        path.write_bytes(content + UNLINTED_LINE)
    elif how == "rewrite":  # same size, another word in the last line
        at = content.rindex(b"garden")
        path.write_bytes(content[:at] + b"GARDEN" + content[at + len(b"garden") :])
    elif how == "truncate":
        path.write_bytes(content[: content.rindex(b"\n", 0, -1) + 1])


def refusal_pattern(path) -> str:
    return rf"^{re.escape(str(path))} changed since the lint read it \(.+\); no job was created: lint it again$"


# --- the bytes sent are the bytes linted -------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("in_parts", [False, True])
@pytest.mark.parametrize("how", ["append", "rewrite", "truncate"])
def test_a_file_changed_between_the_lint_and_the_upload_is_not_sent(openai_api, tmp_path, how, in_parts):
    train = write_records(tmp_path / "train.jsonl")
    uploads_api = {"multipart_threshold": 1, "part_size": 4096} if in_parts else {}

    with pytest.raises(FileChanged, match=refusal_pattern(train)):
        launch([train], OPENAI_MODEL, report=lambda *_: changed(train, how), **uploads_api)

    assert openai_api.requests == []


def test_together_is_not_sent_a_file_changed_after_the_lint(together_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl")

    with pytest.raises(FileChanged, match=refusal_pattern(train)):
        launch([train], TOGETHER_MODEL, report=lambda *_: changed(train, "append"))

    assert together_api.seen("PUT", "/presigned/.+") == []
    assert together_api.jobs == {}


def test_a_file_changed_after_its_upload_creates_no_job(openai_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl")
    linted = train.read_bytes()
    openai_api.on("POST", "/files", lambda request: changed(train, "append"))

    with pytest.raises(FileChanged, match=refusal_pattern(train)):
        launch([train], OPENAI_MODEL)

    [file_id] = openai_api.files
    assert openai_api.content_of(file_id) == linted
    assert openai_api.jobs == {}


def test_together_uploads_the_linted_bytes_even_when_the_file_changes_meanwhile(together_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl")
    linted = train.read_bytes()
    together_api.on("POST", "/files", lambda request: changed(train, "rewrite"))  # asked for an upload URL

    with pytest.raises(FileChanged, match=refusal_pattern(train)):
        launch([train], TOGETHER_MODEL)

    [put] = together_api.seen("PUT", "/presigned/.+")
    assert put.body == linted
    assert together_api.jobs == {}


def test_a_file_rewritten_during_an_upload_in_parts_is_cancelled_not_completed(openai_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl")
    openai_api.on("POST", "/uploads/.+/parts", lambda request: changed(train, "rewrite"))

    with pytest.raises(FileChanged, match=refusal_pattern(train)):
        launch([train], OPENAI_MODEL, multipart_threshold=1, part_size=4096)

    assert openai_api.seen("POST", "/uploads/.+/complete") == []
    assert len(openai_api.seen("POST", "/uploads/.+/cancel")) == 1
    assert openai_api.files == {}
    assert openai_api.jobs == {}


def test_a_file_uploaded_before_but_changed_after_its_lint_is_neither_sent_nor_trained_on(openai_api, tmp_path):
    train = write_records(tmp_path / "train.jsonl")
    launch([train], OPENAI_MODEL)

    with pytest.raises(FileChanged, match=refusal_pattern(train)):
        launch([train], OPENAI_MODEL, job=JobSettings(seed=2), report=lambda *_: changed(train, "append"))

    assert len(openai_api.seen("POST", "/files")) == 1  # the first launch's
    assert len(openai_api.jobs) == 1


@pytest.fixture
def big_file(tmp_path):
    """Over 512 KB: with --jobs 2, worker processes lint it in byte ranges, each hashed apart."""
    return write_records(tmp_path / "train.jsonl", count=1800)


@pytest.mark.slow
def test_a_file_linted_by_workers_is_sent_whole_and_remembered_by_its_sha256(openai_api, big_file, clean_env):
    read = {}
    assert (
        launch([big_file], OPENAI_MODEL, jobs=2, report=lambda findings, summary, settings: read.update(summary.read))
        == 0
    )

    assert len(read[big_file.as_posix()]) > 1  # ranges hashed by the workers
    [file_id] = openai_api.files
    assert openai_api.content_of(file_id) == big_file.read_bytes()
    assert hashlib.sha256(big_file.read_bytes()).hexdigest() in (clean_env / "state" / "launch.json").read_text()


@pytest.mark.slow
def test_a_byte_changed_in_a_file_linted_by_workers_is_refused(openai_api, big_file):
    def change_a_middle_byte(*_):
        content = bytearray(big_file.read_bytes())
        middle = content.index(b"garden", len(content) // 2)
        content[middle] = ord("G")
        big_file.write_bytes(bytes(content))

    with pytest.raises(FileChanged, match=refusal_pattern(big_file)):
        launch([big_file], OPENAI_MODEL, jobs=2, report=change_a_middle_byte)

    assert openai_api.requests == []


def test_linted_ranges_are_checked_in_chunks_of_any_size(tmp_path):
    path = tmp_path / "data.jsonl"
    content = bytes(range(256)) * 40
    path.write_bytes(content)
    ranges = tuple(
        (start, end, hashlib.sha256(content[start:end]).hexdigest())
        for start, end in ((0, 3000), (3000, 7001), (7001, 10240))
    )
    linted = LintedFile(path, ranges)

    for size in (1, 999, 3000, 4096, 1 << 20):
        assert b"".join(linted.chunks(size)) == content
    assert linted.sha256() == hashlib.sha256(content).hexdigest()

    with pytest.raises(FileChanged, match="it changed while the lint read it"):  # a range a worker found cut short
        LintedFile(path, (ranges[0], ranges[2])).check()
    path.write_bytes(content[:5000] + b"x" + content[5001:])
    with pytest.raises(FileChanged, match="its bytes differ"):
        linted.check()


# --- timeouts and the deadline ---------------------------------------------------------------


@pytest.fixture
def silent_server():
    """Accepts connections on 127.0.0.1 and never answers; its URL."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    accepted, done = [], threading.Event()

    def accept() -> None:
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    done.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def launch_in_child(clean_env, train, base_url: str, *options: str):
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": base_url,
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    return run_limited(
        "check", str(train), *SELECT, "--model", OPENAI_MODEL, "--launch", *options, env=env, seconds=90, memory_mb=4096
    )


@pytest.mark.slow
def test_a_server_that_never_answers_is_given_up_after_the_timeout_and_its_retries(clean_env, silent_server, tmp_path):
    train = write_records(tmp_path / "train.jsonl")

    done = launch_in_child(clean_env, train, f"{silent_server}/v1", "--upload-timeout", "0.5", "--max-retries", "1")

    assert not done.timed_out
    assert done.code == 2
    assert done.err == (
        f"ft-lint: error: uploading {train}: {silent_server}/v1 did not answer within 0.5 s"
        " (--upload-timeout; 2 tries)\n"
    )


@pytest.mark.slow
def test_the_launch_deadline_stops_whatever_is_under_way(clean_env, silent_server, tmp_path):
    train = write_records(tmp_path / "train.jsonl")

    done = launch_in_child(clean_env, train, f"{silent_server}/v1", "--upload-timeout", "600", "--launch-deadline", "1")

    assert not done.timed_out
    assert done.code == 2
    assert done.err == (
        f"ft-lint: error: uploading {train}: stopped at the launch deadline, 1 s (--launch-deadline); "
        "the request under way may have been carried out\n"
    )


def test_dry_run_prints_the_timeouts_from_the_options_then_the_configuration(clean_env, tmp_path, monkeypatch):
    train = write_records(tmp_path / "train.jsonl")
    config = tmp_path / "ft-lint.toml"
    config.write_text("connect-timeout = 4\nread-timeout = 7.5\nmax-retries = 1\n")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")

    code, out, _ = run_cli(
        "check",
        str(train),
        *SELECT,
        "--config",
        str(config),
        "--model",
        OPENAI_MODEL,
        "--launch",
        "--dry-run",
        "--connect-timeout",
        "3",
        "--launch-deadline",
        "90",
    )

    assert code == 0
    assert "timeouts: connect 3 s, read 7.5 s, uploads 120 s; 1 retry; the launch within 90 s" in out.splitlines()


@pytest.mark.parametrize(("setting", "complaint"), [
    ("read-timeout = 0", "expected a number of seconds above 0, at most 604800"),
    ("launch-deadline = inf", "expected a number of seconds above 0, at most 604800"),
    ("launch-deadline = 'soon'", "expected a number"),
    ("max-retries = 1.5", "expected a whole number of 0 or more"),
])  # fmt: skip
def test_a_bad_timeout_in_the_configuration_is_one_line_and_exit_2(clean_env, tmp_path, setting, complaint):
    train = write_records(tmp_path / "train.jsonl")
    config = tmp_path / "ft-lint.toml"
    config.write_text(setting + "\n")

    code, _, err = run_cli("check", str(train), "--config", str(config))

    assert code == 2
    assert err == f"ft-lint: error: {config}: bad value for {setting.split()[0]!r} in ft-lint.toml: {complaint}\n"


# --- no credential printed -------------------------------------------------------------------

API_KEY = "k3y-0f-the-t3st-acc0unt-Zq81"


@pytest.mark.parametrize(("fixture", "model", "variable"), [
    ("openai_api", OPENAI_MODEL, "OPENAI_API_KEY"),
    ("azure_api", AZURE_MODEL, "AZURE_OPENAI_API_KEY"),  # sent as an api-key header
    ("together_api", TOGETHER_MODEL, "TOGETHER_API_KEY"),
])  # fmt: skip
def test_a_server_echoing_the_credentials_has_them_masked(request, monkeypatch, tmp_path, fixture, model, variable):
    api = request.getfixturevalue(fixture)
    monkeypatch.setenv(variable, API_KEY)
    api.fail("POST", "/files", kind="echo")

    with pytest.raises(LaunchError) as refused:
        launch([write_records(tmp_path / "train.jsonl")], model)

    message = str(refused.value)
    assert "answered HTTP 401" in message
    assert API_KEY[:8] not in message
    assert "[masked]" in message


PASSWORD = "pw-9f8e7d6c5b4a"


def test_a_password_in_the_base_url_is_never_printed(openai_api, tmp_path, capsys):
    train = write_records(tmp_path / "train.jsonl")
    base_url = openai_api.url.replace("://", f"://alice:{PASSWORD}@") + "/v1"
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()

    assert launch([train], OPENAI_MODEL, base_url=base_url, dry_run=True) == 0
    assert launch([train], OPENAI_MODEL, base_url=base_url) == 0
    openai_api.fail("POST", "/fine_tuning/jobs", kind="echo")
    with pytest.raises(LaunchError) as refused:
        launch([train], OPENAI_MODEL, base_url=base_url, relaunch=True)
    printed = capsys.readouterr()
    code, out, err = run_cli("follow", "ftjob-none", "--base-url", base_url)

    shown = "\n".join([printed.out, printed.err, str(refused.value), out, err])
    assert code == 2
    assert f"http://[masked]@{openai_api.url.removeprefix('http://')}/v1" in printed.out
    assert "--base-url http://[masked]@" in printed.out
    assert PASSWORD not in shown
    assert basic not in shown


@pytest.mark.parametrize(("url", "complaint"), [
    ("http://alice:{password}@127.0.0.1:port/v1", "Port could not be cast to integer value as 'port'"),
    ("http://alice:{password}@[::1/v1", "Invalid IPv6 URL"),
    ("htps://alice:{password}@api.example.com/v1", "not an http:// or https:// URL"),
    ("api.example.com/v1", "not an http:// or https:// URL"),
])  # fmt: skip
def test_a_base_url_the_sdks_cannot_use_is_one_line_before_the_lint_or_the_follow(
    clean_env, tmp_path, monkeypatch, url, complaint
):
    train = write_records(tmp_path / "train.jsonl")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")

    code, out, err = run_cli(
        "check", str(train), "--model", OPENAI_MODEL, "--launch", "--base-url", url.format(password=PASSWORD)
    )

    assert code == 2
    assert out == ""  # before the lint
    assert re.fullmatch(
        rf"ft-lint: error: base URL \S+: {re.escape(complaint)} \(--base-url or OPENAI_BASE_URL\)\n", err
    )
    assert PASSWORD not in err

    code, _, err = run_cli("follow", "ftjob-1", "--base-url", url.format(password=PASSWORD))

    assert code == 2
    assert re.fullmatch(
        rf"ft-lint: error: base URL \S+: {re.escape(complaint)} \(--base-url or OPENAI_BASE_URL\)\n", err
    )


@pytest.mark.parametrize("text", [
    "you sent Authorization: Bearer {key}",
    '{{"headers": {{"Authorization": "Bearer {key}", "api-key": "{key}"}}}}',
    "{{'x-api-key': '{key}'}}",
    "Proxy-Authorization: Basic {key}",
    "api_key={key}; retry later",
    "the key {key} is not valid",
    "https://user:{key}@example.com/v1 and https://{key}@localhost",
])  # fmt: skip
def test_mask_hides_credential_values_headers_and_url_users(monkeypatch, text):
    monkeypatch.setenv("TOGETHER_API_KEY", API_KEY)

    masked = mask(text.format(key=API_KEY))

    assert API_KEY[:8] not in masked
    assert "[masked]" in masked


def test_a_long_message_is_masked_before_it_is_cut(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)

    shown = one_line("x" * 280 + f" you sent {API_KEY}")  # unmasked, the cut falls within the key

    assert API_KEY[:6] not in shown
