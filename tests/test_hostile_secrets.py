"""Issue 16, item 1: no output of ft-lint shows a secret, wherever the secret sits in the data.

Every kind of secret FT501 knows is planted where masking the raw line missed it: at the start
of a string, after a JSON escape, spelled with escapes itself, glued to a word, and as an object
key. Each record also has a finding that quotes it (leading whitespace: FT202, whose unsafe fix
puts the line in `--diff --unsafe-fixes`) and a copy (FT401, whose safe fix puts it in `--diff`).
Every output is then searched for the secret."""

from __future__ import annotations

import json
import string

import pytest

from ft_lint.rules.privacy import find_secrets
from lint_helpers import findings_json
from test_privacy import AWS_SECRET, CONNECTION, PASSWORD, PRIVATE_KEY, SECRETS, rand

# kind -> (the text planted, the parts of it no output may show)
PLANTED = {kind: (secret, [secret]) for kind, secret in SECRETS.items()}
PLANTED["AWS secret access key"] = (f"aws_secret_access_key={AWS_SECRET}", [AWS_SECRET])
PLANTED["private key block"] = (PRIVATE_KEY, PRIVATE_KEY.splitlines()[1:-1])
PLANTED["password in a connection string"] = (CONNECTION, [PASSWORD])


def _escaped(text: str) -> str:
    """The text as a JSON string's body."""
    return json.dumps(text)[1:-1]


def _in_content(body: str) -> str:
    return '{"messages": [{"role": "user", "content": "' + body + '"}, {"role": "assistant", "content": "  ok"}]}'


def _as_key(body: str) -> str:
    return '{"messages": [{"role": "user", "content": "hi", "' + body + '": 1}, {"role": "assistant", "content": "  ok"}]}'


# place -> the record line holding the secret there, from the secret's JSON-escaped body
PLACES = {
    "at the start of a string": lambda body: _in_content(body + " is the key"),
    "after a \\n escape": lambda body: _in_content("env:\\n" + body),
    "spelled with \\u and \\/ escapes": lambda body: _in_content(f"\\u{ord(body[0]):04x}" + body[1:].replace("/", "\\/")),
    "glued to a word": lambda body: _in_content("xxxx" + body),
    "as an object key": _as_key,
    "as an object key, after a \\n escape": lambda body: _as_key("env:\\n" + body),
}

LINES = [(kind, place, PLACES[place](_escaped(text))) for kind, (text, _) in PLANTED.items() for place in PLACES]


def _plant(folder) -> None:
    """Each line twice: the copy is a duplicate (FT401)."""
    (folder / "train.jsonl").write_text("".join(f"{line}\n{line}\n" for _, _, line in LINES), encoding="utf-8")


def test_every_planted_secret_is_found(tmp_path):
    _plant(tmp_path)
    flagged = {f["line"] for f in findings_json("--no-cache", str(tmp_path / "train.jsonl")) if f["code"] == "FT501"}
    missed = [(kind, place) for number, (kind, place, _) in enumerate(LINES) if 2 * number + 1 not in flagged]
    assert missed == []


# --- what counts as a key ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", SECRETS)
def test_a_key_glued_to_a_word_is_found(kind):
    found = find_secrets(f"token:xxxx{SECRETS[kind]}")
    assert [f.value for f in found] == [SECRETS[kind]]


@pytest.mark.parametrize(
    "text",
    [
        # words ending in `sk-` (ask, task, disk, risk) before a name or an identifier
        "ask-Level2AssessmentMatrixReport",
        "the task-Q3ReportGenerationPipeline ran",
        "disk-WDC1TBStorageVolumeSerial9 failed",
        "risk-" + rand(30),  # an unbroken run, but shorter than a legacy key's
        # a prefix inside random data (base64url): glued to 16 or more random-looking characters
        rand(40, string.ascii_letters + string.digits + "_-") + SECRETS["Hugging Face token"] + "-" + rand(8),
    ],
)
def test_words_and_random_data_holding_a_key_prefix_are_not_keys(text):
    assert find_secrets(text) == []
