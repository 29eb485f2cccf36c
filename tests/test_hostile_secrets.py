"""Issue 16, item 1: no output of ft-lint shows a secret, wherever the secret sits in the data.

Every kind of secret FT501 knows is planted where masking the raw line missed it: at the start
of a string, after a JSON escape, spelled with escapes itself, glued to a word, and as an object
key. Each record also has a finding that quotes it (leading whitespace: FT202, whose unsafe fix
puts the line in `--diff --unsafe-fixes`) and a copy (FT401, whose safe fix puts it in `--diff`).
Every output is then searched for the secret."""

from __future__ import annotations

import io
import json
import string

import pytest

import ft_lint.github_summary
from ft_lint.detectors import find_secrets
from ft_lint.github_action import run_action
from ft_lint.redaction import redact_json, redact_pointer
from support import findings_json, run_cli
from test_privacy import AWS_SECRET, CONNECTION, PASSWORD, PRIVATE_KEY, SECRETS, UPPER_DIGITS, rand

# kind -> (the text planted, the parts of it no output may show): every kind FT501 knows
PLANTED = {kind: (secret, [secret]) for kind, secret in SECRETS.items()}
for kind, secret in {
    "npm token": "npm_" + rand(36),
    "PyPI token": "pypi-AgEIcHlwaS5vcmc" + rand(70),
    "SendGrid key": f"SG.{rand(22)}.{rand(43)}",
}.items():
    PLANTED[kind] = (secret, [secret])
WEBHOOK_SECRET = rand(24)
PLANTED["Slack webhook"] = (
    f"https://hooks.slack.com/services/T{rand(9, UPPER_DIGITS)}/B{rand(9, UPPER_DIGITS)}/{WEBHOOK_SECRET}",
    [WEBHOOK_SECRET],
)
PLANTED["AWS secret access key"] = (f"aws_secret_access_key={AWS_SECRET}", [AWS_SECRET])
PLANTED["private key block"] = (PRIVATE_KEY, PRIVATE_KEY.splitlines()[1:-1])
PLANTED["password in a connection string"] = (CONNECTION, [PASSWORD])


def _escaped(text: str) -> str:
    """The text as a JSON string's body."""
    return json.dumps(text)[1:-1]


def _in_content(body: str) -> str:
    return '{"messages": [{"role": "user", "content": "' + body + '"}, {"role": "assistant", "content": "  ok"}]}'


def _as_key(body: str) -> str:
    return (
        '{"messages": [{"role": "user", "content": "hi", "' + body + '": 1}, {"role": "assistant", "content": "  ok"}]}'
    )


# place -> the record line holding the secret there, from the secret's JSON-escaped body
PLACES = {
    "at the start of a string": lambda body: _in_content(body + " is the key"),
    "after a \\n escape": lambda body: _in_content("env:\\n" + body),
    "spelled with \\u and \\/ escapes": lambda body: _in_content(
        f"\\u{ord(body[0]):04x}" + body[1:].replace("/", "\\/")
    ),
    "glued to a word": lambda body: _in_content("xxxx" + body),
    "as an object key": _as_key,
    "as an object key, after a \\n escape": lambda body: _as_key("env:\\n" + body),
}

LINES = [(kind, place, PLACES[place](_escaped(text))) for kind, (text, _) in PLANTED.items() for place in PLACES]


def _plant(folder) -> None:
    """Each line twice: the copy is a duplicate (FT401)."""
    (folder / "train.jsonl").write_text("".join(f"{line}\n{line}\n" for _, _, line in LINES), encoding="utf-8")


def _assert_no_secret(printed: str) -> None:
    printed = printed.replace("\\/", "/")  # JSON outputs may spell a slash so
    for kind, (_, sensitive) in PLANTED.items():
        for value in sensitive:
            # not the value, nor any 12 characters of it
            shown = [value[i : i + 12] for i in range(len(value) - 11) if value[i : i + 12] in printed]
            assert not shown, f"{kind}: {shown[0]!r} printed"


def test_every_planted_secret_is_found(tmp_path):
    _plant(tmp_path)
    flagged = {f["line"] for f in findings_json("--no-cache", str(tmp_path / "train.jsonl")) if f["code"] == "FT501"}
    missed = [(kind, place) for number, (kind, place, _) in enumerate(LINES) if 2 * number + 1 not in flagged]
    assert missed == []


OUTPUTS = {
    "full": ["--output-format", "full"],
    "concise": ["--output-format", "concise"],
    "json": ["--output-format", "json"],
    "github": ["--output-format", "github"],
    "sarif": ["--output-format", "sarif"],
    "statistics": ["--statistics"],
    "diff": ["--diff"],
    "unsafe diff": ["--diff", "--unsafe-fixes"],
}


@pytest.mark.slow
@pytest.mark.parametrize("output", OUTPUTS)
def test_no_output_shows_a_planted_secret(tmp_path, output):
    _plant(tmp_path)
    result = run_cli("check", "--no-cache", *OUTPUTS[output], "train.jsonl", cwd=tmp_path)
    assert result.code == 1, result.err
    if output == "full":
        assert "  | {" in result.out  # the records are quoted, masked
    if output == "diff":
        assert result.out.count("\n-{") == len(LINES)  # each copy, deleted, is in the diff, masked
    if output == "unsafe diff":
        assert result.out.count("\n+{") == len(LINES)  # every line is in the diff (its copy deleted), masked
    _assert_no_secret(result.out + result.err)


@pytest.mark.slow
def test_the_github_action_shows_no_planted_secret(tmp_path, monkeypatch, capsys):
    """Annotations, the full report in the log, the SARIF file and the job summary (every finding
    in it, not only the first ones)."""
    _plant(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ft_lint.github_summary, "FIRST_FINDINGS", 10_000)
    env = {
        "FT_LINT_PATHS": "train.jsonl",
        "FT_LINT_SARIF_FILE": "ft-lint.sarif",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    log = io.StringIO()
    assert run_action(env, log) == 1
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "FT501" in summary and "::error " in log.getvalue() and "Full report" in log.getvalue()
    _assert_no_secret(
        log.getvalue() + capsys.readouterr().err + summary + (tmp_path / "ft-lint.sarif").read_text(encoding="utf-8")
    )


# --- how the masking works ------------------------------------------------------------------

KEY = SECRETS["GitHub token"]


def test_a_json_line_is_masked_in_its_decoded_strings_and_kept_as_written_elsewhere():
    clean = '{"a": "caf\\u00e9 \\"x\\"\\n", "b": [1, 2.50]}'
    assert redact_json(clean) == clean
    line = '{"caf\\u00e9": "\\u00e9t\\u00e9", "env:\\n' + KEY + '": "x\\t' + KEY + '"}'
    # the literals holding the key are escaped again in their own style (\u escapes or not)
    assert (
        redact_json(line)
        == '{"caf\\u00e9": "\\u00e9t\\u00e9", "env:\\n[GitHub token: ghp_…]": "x\\t[GitHub token: ghp_…]"}'
    )
    assert redact_json('["\\u0067' + KEY[1:] + '"]') == '["[GitHub token: ghp_\\u2026]"]'


def test_a_string_cut_by_the_excerpt_window_is_masked_and_left_open():
    assert redact_json('{"content": "env:\\n' + KEY) == '{"content": "env:\\n[GitHub token: ghp_…]'
    assert (
        redact_json('{"content": "env:\\n' + KEY + " and \\u00")
        == '{"content": "env:\\n[GitHub token: ghp_…] and \\u00'
    )


def test_a_lone_surrogate_escape_stays_an_escape():
    masked = redact_json('{"content": "\\ud800 ' + KEY + '"}')
    assert masked == '{"content": "\\ud800 [GitHub token: ghp_\\u2026]"}'


def test_what_spans_strings_is_masked_as_written():
    """An AWS secret key is found after its name, which a record may hold as the member's key."""
    masked = redact_json(f'{{"aws_secret_access_key": "{AWS_SECRET}"}}')
    assert AWS_SECRET not in masked and "[AWS secret access key: " in masked


def test_pointer_keys_are_masked_as_decoded():
    pointer = "/messages/0/" + CONNECTION.replace("~", "~0").replace("/", "~1")
    assert (
        redact_pointer(pointer)
        == "/messages/0/postgres[password in a connection string: :~1~1…@db.internal.acme.io]:5432~1orders"
    )
    assert redact_pointer("/messages/0/content") == "/messages/0/content"


# --- what counts as a key ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", PLANTED)
def test_a_key_glued_to_a_word_is_found(kind):
    text, sensitive = PLANTED[kind]
    found = find_secrets(f"token:xxxx{text}")
    assert len(found) == 1 and all(value in found[0].value for value in sensitive)


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


def test_image_url_quoted_in_a_message_is_masked_before_it_is_cut(tmp_path):
    url = f"ftp://x.io/?t={KEY}"  # masked, its start fits the 40 characters quoted
    record = {
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]},
            {"role": "assistant", "content": "A cat."},
        ]
    }
    (tmp_path / "train.jsonl").write_text(json.dumps(record) + "\n")
    messages = [
        f["message"] for f in findings_json("--no-cache", str(tmp_path / "train.jsonl")) if f["code"] == "FT113"
    ]
    assert messages and "[GitHub token: gh" in messages[0]
    assert KEY[4:12] not in messages[0]


def test_a_key_after_an_escape_in_a_quoted_value_is_masked(tmp_path):
    """Messages quote values with repr(), which writes a newline as `\\n`: the `n` of an escape
    is not a word the key is glued to (a bare `sk-` key glued to a word needs a longer form)."""
    key = "sk-" + rand(30)
    (tmp_path / "train.jsonl").write_text(
        json.dumps(
            {"messages": [{"role": "user", "content": "hi", f"env:\n{key}": 1}, {"role": "assistant", "content": "ok"}]}
        )
        + "\n"
    )
    findings = findings_json("--no-cache", str(tmp_path / "train.jsonl"))
    assert {"FT102", "FT501"} <= {f["code"] for f in findings}
    assert key[3:15] not in json.dumps(findings)
