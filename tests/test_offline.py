"""Linting works with no network and no tiktoken cache, and light runs never import tiktoken."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from reference import ref_messages
from support import chat, write_jsonl

pytestmark = pytest.mark.slow  # each test runs ft-lint in a child process

BLOCK_NETWORK = """
import socket

def _refuse(*args, **kwargs):
    raise OSError("network blocked by the test")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""

# Runs ft-lint's entry point, then says whether tiktoken was imported (on stderr, last line).
RUN_AND_REPORT = """
import sys
from ft_lint.cli import main
sys.argv = ["ft-lint", *sys.argv[1:]]
try:
    main()
except SystemExit as done:
    code = done.code or 0
else:
    code = 0
print("tiktoken imported:", "tiktoken" in sys.modules, file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture
def offline(tmp_path):
    """An environment with sockets refused (sitecustomize) and an empty tiktoken cache folder."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK_NETWORK)
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    env.update(TIKTOKEN_CACHE_DIR=str(cache), DATA_GYM_CACHE_DIR=str(cache), FT_LINT_TODAY="2026-11-22")
    return env, cache


def run(args, env, cwd):
    return subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_the_network_block_is_in_force(offline, tmp_path):
    env, _ = offline
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9), timeout=1)"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert probe.returncode != 0 and "network blocked by the test" in probe.stderr


@pytest.mark.parametrize(("model", "encoding"), [("gpt-4.1-mini", "o200k_base"), ("gpt-3.5-turbo-0125", "cl100k_base")])
def test_counts_tokens_with_no_network_and_an_empty_cache(offline, tmp_path, reference, model, encoding):
    env, cache = offline
    long_record = chat("Summarise: " + "the quick brown fox " * 4000, "A fox, repeatedly.")
    write_jsonl(tmp_path / "train.jsonl", [long_record] + [chat(f"q{i}", "a") for i in range(60)])
    # check: the long record is over 90% of gpt-3.5's 16,385 by bytes, so it is tokenized
    checked = run(
        ["check", "train.jsonl", "--model", model, "--select", "FT301,FT302", "--output-format", "json"], env, tmp_path
    )
    assert checked.returncode in (0, 1), checked.stderr
    stats = run(["stats", "train.jsonl", "--model", model, "--output-format", "json"], env, tmp_path)
    assert stats.returncode == 0, stats.stderr
    [item] = json.loads(stats.stdout)
    assert item["tokens"]["max"] == ref_messages(long_record["messages"], reference[encoding])
    assert "tiktoken imported: True" in stats.stderr
    assert list(cache.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["check", "--help"],
        ["check", "small.jsonl", "--select", "FT1"],
        ["check", "small.jsonl"],  # every rule: small examples are under the limits by their bytes alone
        ["models"],
    ],
)
def test_light_runs_do_not_import_tiktoken(offline, tmp_path, args):
    env, _ = offline
    write_jsonl(tmp_path / "small.jsonl", [chat(f"question {i}", "answer") for i in range(60)])
    result = run(args, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "tiktoken imported: False"
