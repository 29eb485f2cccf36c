"""FT501 secret and FT502 personal-data: what is found, what is not, and that no output
ever shows a secret in full."""

from __future__ import annotations

import base64
import json
import random
import string

import pytest

from ft_lint.detectors import (
    ALL_PERSONAL_DETECTORS,
    SECRET_DETECTORS,
    Sample,
    Screen,
    cnpj_valid,
    cpf_valid,
    find_personal_data,
    find_secrets,
    iban_valid,
    luhn_valid,
)
from ft_lint.redaction import redact
from support import chat, findings_json, jsonl, run_cli

_RANDOM = random.Random(8)


def rand(length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    """A token shaped like a real key: random, holding every class of character its alphabet has."""
    classes = [test for test in (str.isdigit, str.isupper, str.islower) if any(test(c) for c in alphabet)]
    while True:
        token = "".join(_RANDOM.choice(alphabet) for _ in range(length))
        if all(any(test(c) for c in token) for test in classes):
            return token


def _jwt() -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    header, payload = part({"alg": "HS256", "typ": "JWT"}), part({"sub": "42", "name": "Ada"})
    return f"{header}.{payload}.{rand(43, string.ascii_letters + string.digits + '_-')}"


UPPER_DIGITS = string.ascii_uppercase + string.digits
SECRETS = {
    "OpenAI API key": f"sk-proj-{rand(74)}_{rand(40)}-{rand(40)}",
    "OpenAI legacy key": "sk-" + rand(48),
    "Anthropic API key": f"sk-ant-api03-{rand(93)}-{rand(6)}AA",
    "AWS access key id": "AKIA" + rand(16, UPPER_DIGITS),
    "AWS session key id": "ASIA" + rand(16, UPPER_DIGITS),
    "Google API key": "AIza" + rand(35),
    "GitHub token": "ghp_" + rand(36),
    "GitHub OAuth token": "gho_" + rand(36),
    "GitHub app token": "ghs_" + rand(36),
    "GitHub fine-grained token": f"github_pat_{rand(22)}_{rand(59)}",
    "Slack token": f"xoxb-{rand(12, string.digits)}-{rand(13, string.digits)}-{rand(24)}",
    "Stripe live key": "sk_live_" + rand(24),
    "Stripe restricted key": "rk_live_" + rand(24),
    "Hugging Face token": "hf_" + rand(34),
    "GitLab token": "glpat-" + rand(20),
    "JSON Web Token": _jwt(),
}
AWS_SECRET = rand(40, string.ascii_letters + string.digits + "/+")
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "\n".join(rand(64, string.ascii_letters + string.digits + "+/") for _ in range(4))
    + "\n-----END RSA PRIVATE KEY-----"
)
PASSWORD = "Tr0ub4dor" + rand(6)
CONNECTION = f"postgres://app_user:{PASSWORD}@db.internal.acme.io:5432/orders"


@pytest.mark.parametrize("kind", SECRETS)
def test_each_kind_of_token_is_found_and_masked(kind):
    secret = SECRETS[kind]
    found = find_secrets(f"Use this: {secret} (from the dashboard)")
    assert [f.value for f in found] == [secret]
    assert secret not in found[0].shown and len(found[0].shown) <= 5 + len("…")


def test_aws_secret_key_next_to_its_key_id_or_named_is_found():
    key_id = SECRETS["AWS access key id"]
    by_name = find_secrets(f'aws_secret_access_key = "{AWS_SECRET}"')
    next_to_id = find_secrets(f"{key_id},{AWS_SECRET}")
    assert [f.value for f in by_name] == [AWS_SECRET]
    assert [(f.kind, f.value) for f in next_to_id] == [
        ("AWS access key id", key_id),
        ("AWS secret access key", AWS_SECRET),
    ]
    # a lone 40-character token is not called an AWS key: it could be anything
    assert find_secrets(f"checksum {AWS_SECRET}") == []


def test_private_key_block_is_found_with_raw_or_escaped_newlines():
    escaped = PRIVATE_KEY.replace("\n", "\\n")  # as it sits inside tool call arguments
    for text in (PRIVATE_KEY, escaped):
        found = find_secrets(f"key: {text}")
        assert [f.kind for f in found] == ["private key block"]
        assert found[0].shown == "-----BEGIN RSA PRIVATE KEY-----"
        assert found[0].end - found[0].start > len(text) - 40  # the key material is covered, to mask it


def test_password_in_a_connection_string_is_found_but_not_the_rest():
    found = find_secrets(f"DATABASE_URL={CONNECTION}")
    assert [f.kind for f in found] == ["password in a connection string"]
    assert PASSWORD not in found[0].shown


@pytest.mark.parametrize(
    "text",
    [
        "Set the key with `export OPENAI_API_KEY=sk-...` before running.",
        "api_key = 'YOUR_API_KEY'  # or sk-your-key-here",
        "sk-this-is-not-a-real-key-Abc1 and sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "Keys start with the sk- prefix; ask-questions-about-everything-here",
        "AWS documents AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "request id 123e4567-e89b-12d3-a456-426614174000",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "git commit 3f5e2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f",
        "postgres://user:password@localhost/db and mysql://root:${DB_PASSWORD}@db:3306/app",
        "https://admin:hunter2@db.example.com/app",  # documentation host
        "eyJhbGciOiJIUzI1NiJ9 is just a base64 header, not a token",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
        "Visit https://example.com/path?q=1 or ftp://ftp.gnu.org/gnu/",
    ],
)
def test_placeholders_and_look_alikes_are_not_secrets(text):
    assert find_secrets(text) == []


PERSONAL = {
    "e-mail address": "maria.silva@gmail.com",
    "international phone": "+44 20 7946 0958",
    "compact international phone": "+5511987654321",
    "North American phone": "(212) 736-0147",
    "North American phone, dashes": "212-736-0147",
    "French phone": "06 12 34 56 78",
    "Visa card": "4539 1488 0343 6467",
    "Amex card": "371652098435711",
    "IBAN": "DE89 3704 0044 0532 0130 00",
    "compact IBAN": "GB82WEST12345698765432",
    "CPF": "529.982.247-25",
    "CNPJ": "11.222.333/0001-81",
}


@pytest.mark.parametrize("kind", PERSONAL)
def test_each_kind_of_personal_data_is_found(kind):
    value = PERSONAL[kind]
    found = find_personal_data(f"Contact: {value}. Thanks!")
    assert [f.value for f in found] == [value]
    assert value not in found[0].shown


def test_real_numbers_next_to_the_test_ranges_are_found():
    # next to a fictional range, on a real domain, or a test card with a digit changed
    for text, label in (
        ("212-555-0200", "phone number"),
        ("(212) 554-0147", "phone number"),
        ("bob@companies.com", "e-mail address"),
        ("4012 8888 8888 1898", None),  # fails Luhn: not a card at all
        ("4012 8888 8888 1873", "card number"),
    ):
        assert [f.kind for f in find_personal_data(f"Contact: {text}.")] == ([label] if label else [])


def test_cpf_and_cnpj_written_as_plain_digits_need_their_label():
    assert [f.kind for f in find_personal_data("o CPF do cliente é 52998224725")] == ["CPF"]
    assert [f.kind for f in find_personal_data("CNPJ: 11222333000181")] == ["CNPJ"]
    assert find_personal_data("pedido 52998224725 enviado") == []


@pytest.mark.parametrize(
    "text",
    [
        "See you on 2024-01-15 at 10:30; order #1700000000000 shipped.",
        "Version 1.2.3, sizes 256 512 1024 2048, pi is 3.14159265358979",
        "uuid 123e4567-e89b-12d3-a456-426614174000 and hash a3f41111111111111111b2",
        "ISBN 978-3-16-148410-0, IP 192.168.100.200",
        "Test cards: 4242 4242 4242 4242 and 4111 1111 1111 1111",
        "4539 1488 0343 6468 fails the Luhn check",
        "DE89 3704 0044 0532 0130 01 fails mod-97",
        "111.111.111-11 and 529.982.247-26 have wrong check digits",
        "write to support@example.com or you@yourdomain.com; icon@2x.png; git@github.com:org/repo.git",
        "123-456-7890 is not a North American number (area codes never start with 1)",
        # test values: published test cards, fictional phone numbers, placeholder domains
        "Stripe's test cards 4012 8888 8888 1881, 3782 822463 10005 and 5105105105105100",
        "call (555) 234-6789, 212-555-0147, 212.555.0199 or +1 555 867 5309 in the story",
        "ask bob@company.com or john.doe@email.com, or mail@mail.test",
    ],
)
def test_look_alikes_are_not_personal_data(text):
    assert find_personal_data(text) == []


def test_check_digit_algorithms_against_known_values():
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
    assert iban_valid("GB82WEST12345698765432") and not iban_valid("GB82WEST12345698765433")
    assert not iban_valid("XX82WEST12345698765432")  # unknown country
    assert cpf_valid("529.982.247-25") and not cpf_valid("529.982.247-52")
    assert cnpj_valid("11.222.333/0001-81") and not cnpj_valid("11.222.333/0001-18")


def _record_everywhere(secret: str) -> dict:
    """A chat record with the text in a system prompt, tool arguments, a tool result and a tool description."""
    return {
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Look up the order."},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": json.dumps({"token": secret})},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": f"result for {secret}"},
            {"role": "assistant", "content": "Found it."},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "lookup",
                    "description": f"auth {secret}",
                    "parameters": {"type": "object", "properties": {}},
                },
            }
        ],
    }


def test_every_text_of_a_record_is_read_and_pointed_at(tmp_path):
    (tmp_path / "train.jsonl").write_bytes(jsonl(_record_everywhere(SECRETS["GitHub token"])))
    found = [f for f in findings_json(str(tmp_path / "train.jsonl")) if f["code"] == "FT501"]
    assert sorted(f["pointer"] for f in found) == [
        "/messages/2/tool_calls/0/function/arguments",
        "/messages/3/content",
        "/tools/0/function/description",
    ]
    assert all(f["line"] == 1 and f["severity"] == "error" for f in found)


def test_personal_data_in_several_strings_of_a_line_is_each_found(tmp_path):
    """A line's strings are skipped when none of the detectors left can match them (no digit for
    the number detectors alone): an address beside a number is still read."""
    record = {
        "messages": [
            {"role": "user", "content": f"Call me on {PERSONAL['international phone']}."},
            {"role": "assistant", "content": "Noted, and your e-mail?"},
            {"role": "user", "content": f"It is {PERSONAL['e-mail address']}"},
            {"role": "assistant", "content": f"Card {PERSONAL['Visa card']} saved."},
        ]
    }
    (tmp_path / "train.jsonl").write_bytes(jsonl(record))
    found = [f for f in findings_json(str(tmp_path / "train.jsonl")) if f["code"] == "FT502"]
    assert sorted((f["pointer"], f["message"].split(" (")[0]) for f in found) == [
        ("/messages/0/content", "phone number"),
        ("/messages/2/content", "e-mail address"),
        ("/messages/3/content", "card number"),
    ]


def test_a_line_that_is_not_json_is_read_as_text(tmp_path):
    (tmp_path / "train.jsonl").write_text("{'key': '" + SECRETS["Hugging Face token"] + "'}\n")
    found = [f for f in findings_json(str(tmp_path / "train.jsonl")) if f["code"] == "FT501"]
    assert [(f["line"], f["pointer"]) for f in found] == [(1, "")]


def test_image_data_urls_are_not_read(tmp_path):
    noise = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4 + b"4539 1488 0343 6467").decode()
    record = chat(assistant="A cat.")
    record["messages"][0]["content"] = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + noise}},
    ]
    (tmp_path / "train.jsonl").write_bytes(jsonl(record))
    assert not [f for f in findings_json(str(tmp_path / "train.jsonl")) if f["code"] in ("FT501", "FT502")]


def test_allow_list_and_kinds_come_from_configuration(tmp_path):
    (tmp_path / "train.jsonl").write_bytes(
        jsonl(
            chat("Mail help@acme.com or sales@acme.com", "Or call +44 20 7946 0958."),
            chat("Mail maria.silva@gmail.com", "OK."),
        )
    )

    def personal(config: str) -> list[str]:
        (tmp_path / "ft-lint.toml").write_text(config)
        return sorted(
            f["message"].split(" (")[0] + " " + f["message"].split("(")[1].split(")")[0]
            for f in findings_json("train.jsonl", cwd=tmp_path)
            if f["code"] == "FT502"
        )

    assert personal("") == [
        "e-mail address he…@acme.com",
        "e-mail address ma…@gmail.com",
        "e-mail address sa…@acme.com",
        "phone number +44 …",
    ]
    assert personal('[options.FT502]\nallow = ["*@ACME.com"]\n') == [
        "e-mail address ma…@gmail.com",
        "phone number +44 …",
    ]
    assert personal('[options.personal-data]\nallow = ["+442079460958", "help@acme.com"]\nkinds = ["email"]\n') == [
        "e-mail address ma…@gmail.com",
        "e-mail address sa…@acme.com",
    ]


@pytest.mark.parametrize(
    ("config", "complaint"),
    [("allow = 'x@y.z'", "expected a list of strings"), ("kinds = ['emails']", "unknown kind 'emails'")],
)
def test_bad_privacy_options_are_one_line_errors(tmp_path, config, complaint):
    (tmp_path / "train.jsonl").write_bytes(jsonl(chat()))
    (tmp_path / "ft-lint.toml").write_text(f"[options.FT502]\n{config}\n")
    result = run_cli("check", "train.jsonl", cwd=tmp_path)
    assert result.code == 2 and complaint in result.err and len(result.err.strip().splitlines()) == 1


def _leaky_file(tmp_path):
    """Secrets and personal data where other rules also quote the record: in an unknown key,
    as a role (FT103 quotes the role), with whitespace (FT202), duplicated (FT401), in a line
    that is not JSON (FT001), at the start of a long record (the excerpt edge)."""
    key = SECRETS["OpenAI API key"]
    records = [
        chat(f"  my key is {key}  ", f"Card 4539 1488 0343 6467, mail maria.silva@gmail.com, db {CONNECTION}"),
        chat(f"  my key is {key}  ", f"Card 4539 1488 0343 6467, mail maria.silva@gmail.com, db {CONNECTION}"),
        {"messages": [{"role": key, "content": "hi"}, {"role": "assistant", "content": "ok", key: 1}]},
        {
            "messages": [
                {"role": "user", "content": "x" * 70 + " " + SECRETS["JSON Web Token"]},
                {"role": "assistant", "content": "ok"},
            ]
        },
    ]
    data = jsonl(*records) + b"\n" + ("{'token': '" + PRIVATE_KEY.replace("\n", "\\n") + "'}\n").encode()
    (tmp_path / "train.jsonl").write_bytes(data)
    return [key, SECRETS["JSON Web Token"], PRIVATE_KEY.split("\n")[1], PASSWORD, "4539 1488 0343 6467", "maria.silva"]


@pytest.mark.parametrize("output_format", ["full", "concise", "json", "github", "sarif"])
def test_no_output_format_prints_a_secret(tmp_path, output_format):
    sensitive = _leaky_file(tmp_path)
    result = run_cli("check", "--output-format", output_format, "train.jsonl", cwd=tmp_path)
    assert result.code == 1
    printed = result.out + result.err
    assert "FT501" in printed and "FT502" in printed
    for value in sensitive:
        # not the value, nor any 12 characters of it
        assert not any(value[i : i + 12] in printed for i in range(len(value) - 11)), value
    if output_format == "full":
        assert "[OpenAI API key: sk-p…]" in printed  # the excerpt masks, rather than drops, the secret


def test_statistics_and_diff_print_no_secret(tmp_path):
    sensitive = _leaky_file(tmp_path)
    printed = "".join(
        r.out + r.err
        for r in (
            run_cli("check", "--statistics", "train.jsonl", cwd=tmp_path),
            run_cli("check", "--diff", "train.jsonl", cwd=tmp_path),
        )
    )
    assert "-{" in printed  # the diff shows the duplicate it would delete, masked
    for value in sensitive:
        assert not any(value[i : i + 12] in printed for i in range(len(value) - 11)), value


def test_redact_masks_a_secret_cut_by_the_excerpt_edge(tmp_path):
    secret = SECRETS["OpenAI legacy key"]
    # a line that is not JSON shows as written, from its start: the key runs from column 87 to 137
    (tmp_path / "train.jsonl").write_bytes(
        jsonl(chat("x" * 40 + " " + secret, "ok")).replace(b'{"messages"', b"{messages", 1)
    )
    result = run_cli("check", "--select", "FT001", "train.jsonl", cwd=tmp_path)
    excerpt = next(line for line in result.out.splitlines() if line.startswith("  | "))
    assert "x [OpenAI API" in excerpt
    assert secret[3:9] not in excerpt


def test_redact_leaves_clean_text_alone_and_masks_each_find():
    clean = "Paris is the capital of France (population 2,100,000)."
    assert redact(clean) == clean
    masked = redact(f"key {SECRETS['Stripe live key']} mail maria.silva@gmail.com")
    assert masked == "key [Stripe live key: sk_l…] mail [e-mail address: ma…@gmail.com]"


# --- the per-record screen -------------------------------------------------------------------


def _lines_holding(text: str) -> list[bytes]:
    """JSON lines holding the text as a file may spell it: plain UTF-8, every non-ASCII
    character and `/` escaped, `@` and `-` written as \\u escapes, next to non-ASCII text,
    at either edge of the line."""
    record = {"messages": [{"role": "user", "content": f"café 東京 {text}"}, {"role": "assistant", "content": text}]}
    plain = json.dumps(record, ensure_ascii=False).encode()
    return [
        plain,
        json.dumps(record).encode(),
        plain.replace(b"/", b"\\/"),
        plain.replace(b"@", b"\\u0040").replace(b"-", b"\\u002d"),
        text.encode(),  # a line that is not JSON: the raw line is the text
        b'"' + text.encode() + b'"',
    ]


SCREENED = [
    *SECRETS.values(),
    AWS_SECRET,
    PRIVATE_KEY,
    CONNECTION,
    *PERSONAL.values(),
    "o CPF do cliente é 52998224725",
    "o CPF e o CNPJ, sem número",
    "plain words, no digits",
]


@pytest.mark.parametrize("text", SCREENED)
def test_the_screen_keeps_every_detector_a_sample_of_the_line_keeps(text):
    """The screen each record goes through first is Detector.may_occur_in on a Sample of the
    raw line (all detectors where JSON escapes could hide an anchor), only computed faster."""
    detectors = SECRET_DETECTORS + ALL_PERSONAL_DETECTORS
    screen = Screen(detectors)
    for raw in _lines_holding(text):
        sample = Sample(raw)
        expected = detectors if sample.escaped else tuple(d for d in detectors if d.may_occur_in(sample))
        assert screen(raw) == expected, raw


def test_labelled_numbers_are_screened_out_without_a_run_of_digits():
    """ "cpf" and "cnpj" are in much prose; what those detectors find is 11 or 14 digits in a row."""
    labelled = [
        detector for detector in ALL_PERSONAL_DETECTORS if detector.anchors and detector.kind in ("CPF", "CNPJ")
    ]
    screen = Screen(ALL_PERSONAL_DETECTORS)
    assert len(labelled) == 2 and all(detector.digit_run for detector in labelled)
    assert not set(labelled) & set(screen(b'{"content": "o CPF e o CNPJ do cliente, 2024-05"}'))
    assert set(labelled) <= set(screen(b'{"content": "o CPF 52998224725 e o CNPJ 11222333000181"}'))


@pytest.mark.parametrize(
    "text",
    [
        SECRETS["GitHub token"],
        CONNECTION,
        PERSONAL["e-mail address"],
        PERSONAL["CPF"],
        "o CPF do cliente é 52998224725",
    ],
)
def test_values_spelled_with_json_escapes_are_found_as_in_plain_text(tmp_path, text):
    plain, *spelled = _lines_holding(text)[:4]
    (tmp_path / "plain.jsonl").write_bytes(plain + b"\n")
    wanted = [
        (f["code"], f["pointer"], f["message"])
        for f in findings_json(str(tmp_path / "plain.jsonl"))
        if f["code"] in ("FT501", "FT502")
    ]
    assert wanted
    for i, raw in enumerate(spelled):
        (tmp_path / f"spelled{i}.jsonl").write_bytes(raw + b"\n")
        found = [
            (f["code"], f["pointer"], f["message"])
            for f in findings_json(str(tmp_path / f"spelled{i}.jsonl"))
            if f["code"] in ("FT501", "FT502")
        ]
        assert found == wanted, raw
