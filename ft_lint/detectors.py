"""Detectors of secrets and personal data in text: API keys, tokens, private keys,
passwords in connection strings; e-mail addresses, phone numbers, card numbers (Luhn),
IBANs (mod 97), CPF and CNPJ numbers (check digits).

`find` (and `find_secrets`, `find_personal_data`) says what a text holds; `Screen` says which
detectors may find something in a record's raw bytes. The rules FT501 and FT502
(ft_lint/rules/privacy.py) report what is found, and ft_lint/redaction.py masks it in every
text ft-lint prints.

Every pattern is bounded, so scanning stays linear in the length of the text (a 60 MB
string holds no trap); cheap byte tests (see Sample) decide which patterns run at all.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Found:
    kind: str
    start: int
    end: int
    value: str
    shown: str  # the masked form that may be printed

    @property
    def label(self) -> str:
        return f"{self.kind} ({self.shown})"


Check = Callable[[re.Match[str]], bool]


class Sample:
    """What fast byte tests tell about a text (its UTF-8 bytes, or an ASCII image of it
    with the same positions): which detectors need to run, and where numbers are."""

    MIN_DIGITS = 7  # a number worth a look (phone, card, IBAN, CPF, CNPJ) has at least this many
    LONG_TOKEN = 20  # every key or token looked for holds a run this long of _TOKEN_BYTES
    _BEFORE, _AFTER = 24, 36  # around a digit run: a label like "CPF: ", an IBAN's letters

    def __init__(self, data: bytes):
        self.data = data

    @functools.cached_property
    def has_long_token(self) -> bool:
        return has_long_token(self.data)

    @functools.cached_property
    def escaped(self) -> bool:
        """JSON escapes (`\\u0040` for `@`, `\\/`) could hide an anchor in raw JSON."""
        return is_escaped(self.data)

    @functools.cached_property
    def number_windows(self) -> list[tuple[int, int]]:
        """Stretches of text around runs of digits and number punctuation."""
        windows: list[tuple[int, int]] = []
        for run in _number_runs(self.data):
            start, end = max(0, run.start() - self._BEFORE), min(len(self.data), run.end() + self._AFTER)
            if windows and start <= windows[-1][1]:
                windows[-1] = (windows[-1][0], end)
            else:
                windows.append((start, end))
        return windows


def has_long_token(data: bytes) -> bool:
    return b"a" * Sample.LONG_TOKEN in data.translate(_TOKEN_MASK)


def is_escaped(data: bytes) -> bool:
    return _JSON_ESCAPE.search(data) is not None


def _number_runs(data: bytes) -> Iterator[re.Match[bytes]]:
    """Runs of digits and number punctuation that hold at least Sample.MIN_DIGITS digits."""
    mask = data.translate(_NUMBER_MASK)
    return (run for run in _NUMBER_RUN.finditer(mask) if mask.count(b"0", run.start(), run.end()) >= Sample.MIN_DIGITS)


def _byte_mask(chosen: str, then: int, otherwise: int) -> bytes:
    return bytes(then if chr(b) in chosen else otherwise for b in range(256))


_TOKEN_MASK = _byte_mask(string.ascii_letters + string.digits + "_+/-", ord("a"), ord(" "))
# digits become "0", number punctuation ".", anything else " "; runs then start with a literal
_NUMBER_MASK = bytes(
    digit or other
    for digit, other in zip(
        _byte_mask(string.digits, ord("0"), 0), _byte_mask(" .()/+-", ord("."), ord(" ")), strict=True
    )
)
_NUMBER_RUN = re.compile(rb"0[0.]{5,}")
# `\u00` or `\/`: one search for the backslash (a regex's one-byte literal prefix is found as
# fast as memchr finds it) costs less than two substring tests
_JSON_ESCAPE = re.compile(rb"\\(?:u00|/)")
# Bytes of English text and JSON, most frequent first (any other byte is rarer): an anchor is
# looked for only where its least frequent byte is (a one-byte test is a memchr, many times faster
# than a substring search).
_FREQUENT_BYTES = b' e"taoinshrdlcumwfgypbvk,.:{}[]0123456789ETAOINSHRDLCUMWFGYPBVKjxqJXQZ'


def _rarest_byte(anchor: bytes) -> bytes:
    rank = {byte: index for index, byte in enumerate(_FREQUENT_BYTES)}
    return bytes([max(anchor, key=lambda byte: rank.get(byte, len(rank)))])


class TextView:
    """A text, and a Sample of its ASCII image (other characters become `?`)."""

    def __init__(self, text: str):
        self.text = text
        self.sample = Sample(text.encode("ascii", errors="replace"))


@dataclass(frozen=True)
class Detector:
    """One kind of thing to find. `anchors`: literals one of which every match holds,
    tested before the pattern runs over the whole text; None: the match is a number,
    looked for only in the text's number windows. `long_token`: every match holds a run
    of Sample.LONG_TOKEN token characters (one test rules out most detectors at once);
    `digit_run`: every match holds Sample.MIN_DIGITS ASCII digits in a row, so a text without
    number windows cannot hold one (a cheaper test than an anchor like "cpf", which prose
    letters make a substring search).
    Patterns start with their literal (the regex engine then skips to it); secrets' patterns
    bound only their end, so a key glued to a word is found."""

    kind: str
    anchors: tuple[str, ...] | None
    pattern: re.Pattern[str]
    check: Check = lambda match: True
    show: Callable[[str], str] = lambda value: value[:4] + "…"
    group: int = 0  # the part of the match that is the secret
    long_token: bool = False
    digit_run: bool = False

    @functools.cached_property
    def _byte_anchors(self) -> tuple[tuple[bytes, bytes], ...]:
        """(its least frequent byte, the anchor) per anchor."""
        return tuple((_rarest_byte(anchor.encode()), anchor.encode()) for anchor in self.anchors or ())

    @property
    def needs_digits(self) -> bool:
        """Every match holds a run of ASCII digits (a number, or digit_run)."""
        return self.anchors is None or self.digit_run

    def may_occur_in(self, sample: Sample) -> bool:
        """False when the sampled text cannot hold a match."""
        if (self.needs_digits and not sample.number_windows) or (self.long_token and not sample.has_long_token):
            return False
        return self.anchors is None or self.anchored_in(sample.data)

    def anchored_in(self, data: bytes) -> bool:
        """One of the anchors is in the bytes."""
        for rare, anchor in self._byte_anchors:  # noqa: SIM110 (a generator costs more than these tests)
            if rare in data and anchor in data:
                return True
        return False

    def find(self, view: TextView) -> Iterator[Found]:
        """Matches in the view's text (call only where `may_occur_in` holds)."""
        for start, end in view.sample.number_windows if self.anchors is None else [(0, len(view.text))]:
            for match in self.pattern.finditer(view.text, start, end):
                if self.check(match):
                    value = match.group(self.group)
                    yield Found(self.kind, match.start(self.group), match.end(self.group), value, self.show(value))


# --- secrets ---------------------------------------------------------------------------------

_PLACEHOLDER_WORDS = (
    "example",
    "xxxx",
    "your",
    "placeholder",
    "redacted",
    "dummy",
    "fake",
    "sample",
    "insert",
    "replace",
    "here",
    "0000",
    "1234",
)


def _looks_random(token: str, min_run: int = 16) -> bool:
    """A random token: digits, upper and lower case, a long unbroken alphanumeric run,
    and no placeholder word (`sk-your-key-here`, `AKIAIOSFODNN7EXAMPLE`)."""
    lowered = token.lower()
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        return False
    if not (any(c.isdigit() for c in token) and any(c.isupper() for c in token) and any(c.islower() for c in token)):
        return False
    return max((len(run) for run in re.findall(r"[A-Za-z0-9]+", token)), default=0) >= min(min_run, len(token))


def _random_after(prefix_length: int, min_run: int = 16) -> Check:
    return lambda match: _looks_random(match.group(0)[prefix_length:], min_run)


_NAMED_OPENAI_KEYS = ("proj-", "svcacct-", "admin-")
_LEGACY_OPENAI_KEY = re.compile("[A-Za-z0-9]{48}")
_GLUING_CHAR = re.compile(r"(?<!\\)[A-Za-z0-9_-]")  # a token character, not the letter of an escape (`\n`)


def _openai_key(match: re.Match[str]) -> bool:
    """Random after `sk-`. Words end in `sk-` (ask-, task-, disk-), so after a token character
    only a named key (`sk-proj-`...) or a legacy key's 48 letters and digits count."""
    body = match.group(0)[3:]
    if not _looks_random(body):
        return False
    glued = match.start() > 0 and _GLUING_CHAR.match(match.string, match.start() - 1) is not None
    return not glued or body.startswith(_NAMED_OPENAI_KEYS) or _LEGACY_OPENAI_KEY.fullmatch(body) is not None


def _aws_id(match: re.Match[str]) -> bool:
    tail = match.group(0)[4:]
    return "EXAMPLE" not in tail and any(c.isdigit() for c in tail) and any(c.isalpha() for c in tail)


def _aws_secret(match: re.Match[str]) -> bool:
    return _looks_random(match.group(1), min_run=6)


def _jwt(match: re.Match[str]) -> bool:
    header = match.group(0).split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(decoded, dict) and "alg" in decoded


_PLACEHOLDER_PASSWORDS = {
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "changeme",
    "pw",
    "p",
    "user",
    "username",
    "admin",
}


def _password(match: re.Match[str]) -> bool:
    user, password, host = match.group("user"), match.group("password"), match.group("host").lower()
    if password.lower() in _PLACEHOLDER_PASSWORDS or password == user or not password.strip("*x.X"):
        return False
    if any(mark in password for mark in "${}<>[]%*") or any(word in password.lower() for word in _PLACEHOLDER_WORDS):
        return False
    return not _is_reserved_domain(host)


def _show_key_header(value: str) -> str:
    return value[: value.index("-----", 5) + 5]


def _token(literal: str, rest: str, token_chars: str = "A-Za-z0-9_-") -> re.Pattern[str]:
    """`literal` + `rest`, not followed by another token character. Whatever comes before it:
    a key glued to a word (`xxxxsk-proj-…`) is still a key."""
    return re.compile(re.escape(literal) + rest + f"(?![{token_chars}])")


# What base64 and base64url data is made of
_DATA_RUN_BEFORE = re.compile(r"[A-Za-z0-9+/_-]+\Z")


def _outside_random_data(check: Check) -> Check:
    """`check`, and the match is not glued to 16 or more random-looking characters: random data
    (base64) holds every prefix now and then, while a key glued to a word (`xxxxsk-proj-…`,
    `Bearerghp_…`) is still a key."""

    def checked(match: re.Match[str]) -> bool:
        glued = _DATA_RUN_BEFORE.search(match.string, max(0, match.start() - 64), match.start())  # enough to judge
        return check(match) and not (glued and len(glued[0]) >= 16 and _looks_random(glued[0]))

    return checked


def _show_connection(value: str) -> str:
    return "://…@" + value.rsplit("@", 1)[1]


_SECRET_PATTERNS = (
    Detector(
        "Anthropic API key", ("sk-ant-",), _token("sk-ant-", "[A-Za-z0-9_-]{20,250}"), _random_after(7), long_token=True
    ),
    Detector(
        "OpenAI API key",
        ("sk-",),
        _token("sk-", f"(?!ant-)(?:{'|'.join(_NAMED_OPENAI_KEYS)})?[A-Za-z0-9_-]{{20,250}}"),
        _openai_key,
        long_token=True,
    ),
    Detector(
        "AWS access key id",
        ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA"),
        re.compile(r"A(?:KIA|SIA|GPA|IDA|ROA|IPA|NPA|NVA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
        _aws_id,
        long_token=True,
    ),
    Detector(
        "AWS secret access key",
        ("ecret", "ECRET", "AKIA", "ASIA"),
        # 40 characters named a secret key, or right after an access key id
        re.compile(
            r"(?:[Ss](?i:ecret[_ -]?(?:access[_ -]?)?key)[\"']?\s{0,3}[:=]\s{0,3}[\"']?"
            r"|A[KS]IA[A-Z0-9]{16}[^A-Za-z0-9/+]{1,40}?)"
            r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        _aws_secret,
        group=1,
        long_token=True,
    ),
    Detector(
        "Google API key", ("AIza",), _token("AIza", "[A-Za-z0-9_-]{35}"), _random_after(4, min_run=4), long_token=True
    ),
    Detector(
        "GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        re.compile(r"gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])"),
        _random_after(4),
        long_token=True,
    ),
    Detector(
        "GitHub token",
        ("github_pat_",),
        _token("github_pat_", "[A-Za-z0-9_]{50,255}", "A-Za-z0-9_"),
        _random_after(11, min_run=8),
        long_token=True,
    ),
    Detector(
        "GitLab token",
        ("glpat-",),
        _token("glpat-", "[A-Za-z0-9_-]{20,50}"),
        _random_after(6, min_run=6),
        long_token=True,
    ),
    Detector(
        "Slack token",
        ("xox",),
        re.compile(r"xox[abprs]-\d{6,20}-[A-Za-z0-9-]{10,200}(?![A-Za-z0-9_-])"),
        lambda m: "your" not in m.group(0).lower(),
        long_token=True,
    ),
    Detector(
        "Slack webhook",
        ("hooks.slack.com",),
        re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32}"),
        _random_after(49, min_run=8),
        long_token=True,
    ),
    Detector(
        "Stripe live key",
        ("_live_",),
        re.compile(r"[sr]k_live_[A-Za-z0-9]{20,250}(?![A-Za-z0-9])"),
        _random_after(8),
        long_token=True,
    ),
    Detector(
        "Hugging Face token",
        ("hf_",),
        _token("hf_", "[A-Za-z0-9]{30,40}", "A-Za-z0-9_"),
        _random_after(3),
        long_token=True,
    ),
    Detector(
        "npm token", ("npm_",), _token("npm_", "[A-Za-z0-9]{36}", "A-Za-z0-9_"), _random_after(4), long_token=True
    ),
    Detector(
        "PyPI token",
        ("pypi-AgEIcHlwaS5vcmc",),
        _token("pypi-AgEIcHlwaS5vcmc", "[A-Za-z0-9_-]{50,300}"),
        long_token=True,
    ),
    Detector(
        "SendGrid key",
        ("SG.",),
        _token("SG.", r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
        _random_after(3, min_run=6),
        long_token=True,
    ),
    Detector(
        "private key block",
        ("PRIVATE KEY",),
        # the header, optional header lines, then key material (newlines raw or as \n escapes)
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[rn]){0,8}"
            r"(?:[A-Za-z-]{1,30}:[^\n\\]{0,200}(?:\s|\\[rn]){1,8}){0,4}"
            r"[A-Za-z0-9+/=]{32}[A-Za-z0-9+/=\s\\]{0,20000}(?:-----END [A-Z0-9 ]{0,40}-----)?"
        ),
        show=_show_key_header,
        long_token=True,
    ),
    Detector(
        "JSON Web Token",
        ("eyJ",),
        _token("eyJ", r"[A-Za-z0-9_-]{10,2000}\.ey[A-Za-z0-9_-]{10,8000}\.[A-Za-z0-9_-]{0,2000}"),
        _jwt,
    ),
    Detector(
        "password in a connection string",
        ("://",),
        # from `://`: the scheme before it is not part of the secret
        re.compile(
            r"://(?P<user>[^\s:/@\"'<>]{1,100}):(?P<password>[^\s@/\"'<>]{1,200})@(?P<host>[A-Za-z0-9.-]{1,255})"
        ),
        _password,
        show=_show_connection,
    ),
)
# no key is found in the middle of random data
SECRET_DETECTORS = tuple(replace(detector, check=_outside_random_data(detector.check)) for detector in _SECRET_PATTERNS)

# --- personal data ---------------------------------------------------------------------------

_RESERVED_DOMAINS = ("example.com", "example.org", "example.net", "localhost")
_RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".example.com", ".example.org", ".example.net")
_FILE_EXTENSIONS = {
    "png",
    "jpg",
    "jpeg",
    "gif",
    "svg",
    "webp",
    "ico",
    "bmp",
    "js",
    "ts",
    "css",
    "py",
    "json",
    "yaml",
    "yml",
    "txt",
    "md",
    "html",
    "htm",
    "pdf",
    "zip",
    "gz",
    "tar",
    "xml",
    "csv",
}


# Registered, but the domains data generators and docs put made-up people at (bob@company.com,
# john.doe@email.com): reporting them would bury the real addresses.
_PLACEHOLDER_DOMAINS = ("email.com", "company.com", "domain.com", "mydomain.com", "somedomain.com", "test.com")


def _is_reserved_domain(domain: str) -> bool:
    """RFC 2606 and RFC 6761 names: nobody's address lives there."""
    domain = domain.lower().rstrip(".")
    return domain in _RESERVED_DOMAINS or domain.endswith(_RESERVED_SUFFIXES)


def _is_placeholder_domain(domain: str) -> bool:
    return _is_reserved_domain(domain) or domain.lower().rstrip(".") in _PLACEHOLDER_DOMAINS


def _email(match: re.Match[str]) -> bool:
    local, _, domain = match.group(0).partition("@")
    tld = domain.rsplit(".", 1)[-1]
    if not (tld.isalpha() and 2 <= len(tld) <= 24) or tld.lower() in _FILE_EXTENSIONS or _is_placeholder_domain(domain):
        return False
    if local.startswith(".") or local.endswith(".") or local == "git":  # git@github.com:owner/repo is a remote
        return False
    if any(word in match.group(0).lower() for word in ("your", "example")):  # you@yourdomain.com
        return False
    # `user:password@host` is a connection string (FT501), not an address
    before = match.string[max(0, match.start() - 300) : match.start()]
    return not before or before[-1].isspace() or "://" not in before.split()[-1]


def _show_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:2]}…@{domain}"


def digits_of(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _phone(match: re.Match[str]) -> bool:
    text = match.group(0)
    digits = digits_of(text)
    if digits.startswith("1") and _is_fictional_north_american(digits[1:]):  # +1 555 ...
        return False
    return 8 <= len(digits) <= 15 and text.count("(") == text.count(")") <= 1


def _is_fictional_north_american(digits: str) -> bool:
    """Numbers no one answers: area code 555 is not assigned, and 555-0100 to 555-0199 are
    reserved for fiction in every area code (NANPA)."""
    return len(digits) == 10 and (digits.startswith("555") or digits[3:8] == "55501")


def _north_american_phone(match: re.Match[str]) -> bool:
    return not _is_fictional_north_american(digits_of(match.group(0)))


def _national_phone(match: re.Match[str]) -> bool:
    return 9 <= len(digits_of(match.group(0))) <= 11


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card_issuer_fits(digits: str) -> bool:
    length, two, four = len(digits), int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return length in (13, 16, 19)  # Visa
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return length == 16  # Mastercard
    if two in (34, 37):
        return length == 15  # American Express
    if two in (36, 38, 30):
        return length in (14, 16)  # Diners Club
    if digits.startswith(("6011", "65", "644", "645", "646", "647", "648", "649", "62", "35")):
        return 16 <= length <= 19  # Discover, UnionPay, JCB
    return False


# The issuers' and payment processors' published test numbers that are not made of one or two
# repeated digits (Stripe, Adyen, PayPal and Braintree documentation list these).
_TEST_CARDS = frozenset({
    "378282246310005", "371449635398431", "378734493671000", "30569309025904", "38520000023237",
    "6011000990139424", "3530111333300000", "3566002020360505", "4012888888881881", "4000056655665556",
    "5105105105105100", "5200828282828210", "2223003122003222", "4222222222222", "6200000000000005",
    "36227206271667", "3056930009020004", "6011981111111113", "4917610000000000", "4035501000000008",
})  # fmt: skip


def _card(match: re.Match[str]) -> bool:
    digits = digits_of(match.group(0))
    # numbers of one or two repeated digits are test numbers too (4242 4242 4242 4242)
    return (
        13 <= len(digits) <= 19
        and _card_issuer_fits(digits)
        and luhn_valid(digits)
        and len(set(digits)) >= 4
        and digits not in _TEST_CARDS
    )


# Lengths from the SWIFT IBAN registry.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_valid(text: str) -> bool:
    compact = text.replace(" ", "")
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _cpf_check_digit(digits: str) -> str:
    weight = len(digits) + 1
    remainder = sum(int(d) * (weight - i) for i, d in enumerate(digits)) * 10 % 11
    return str(remainder % 10)


def cpf_valid(text: str) -> bool:
    digits = digits_of(text)
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    return _cpf_check_digit(digits[:9]) == digits[9] and _cpf_check_digit(digits[:10]) == digits[10]


def _cnpj_check_digit(digits: str) -> str:
    weights = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2][-len(digits) :]
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "0" if remainder < 2 else str(11 - remainder)


def cnpj_valid(text: str) -> bool:
    digits = digits_of(text)
    if len(digits) != 14 or len(set(digits)) == 1:
        return False
    return _cnpj_check_digit(digits[:12]) == digits[12] and _cnpj_check_digit(digits[:13]) == digits[13]


def _group_is(valid: Callable[[str], bool], group: int = 0) -> Check:
    return lambda match: valid(match.group(group))


def _number(rest: str, first: str = r"\d") -> re.Pattern[str]:
    """A number starting with `first` (one character), not glued to a word, a sign, a dot
    or a dash on either side (so not inside a UUID, hash, version or date), nor the tail
    of a longer group of digits (`0044 0532 0130` inside an IBAN)."""
    return re.compile(first + r"(?<![\w+.-]" + first + r")(?<!\d[ .-]" + first + ")" + rest + r"(?![\w-])")


# In priority order: a span taken by one kind is not reported again as another.
PERSONAL_DETECTORS = {
    "card": (
        Detector(
            "card number",
            None,
            _number(
                r"(?:\d{3}([ -]?)\d{4}\1\d{4}\1\d{1,7}"
                r"|(?<=3)[47]\d\d([ -]?)\d{6}\2\d{5}"
                r"|(?<=3)[068]\d\d([ -]?)\d{6}\3\d{4})"
            ),
            _card,
        ),
    ),
    "iban": (
        Detector(
            "IBAN",
            None,
            re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d\d(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])"),
            _group_is(iban_valid),
        ),
    ),
    "cnpj": (
        Detector(
            "CNPJ", None, _number(r"\d\.\d{3}\.\d{3}/\d{4}-\d\d"), _group_is(cnpj_valid), show=lambda v: v[:2] + "…"
        ),
        Detector(
            "CNPJ",
            ("cnpj", "CNPJ"),
            re.compile(r"(?i:cnpj)\b\D{0,20}?(?<![0-9])([0-9]{14})(?![0-9])"),
            _group_is(cnpj_valid, 1),
            show=lambda v: v[:2] + "…",
            group=1,
            digit_run=True,
        ),
    ),
    "cpf": (
        Detector("CPF", None, _number(r"\d\d\.\d{3}\.\d{3}-\d\d"), _group_is(cpf_valid), show=lambda v: v[:3] + "…"),
        Detector(
            "CPF",
            ("cpf", "CPF"),
            re.compile(r"(?i:cpf)\b\D{0,20}?(?<![0-9])([0-9]{11})(?![0-9])"),
            _group_is(cpf_valid, 1),
            show=lambda v: v[:3] + "…",
            group=1,
            digit_run=True,
        ),
    ),
    "email": (
        Detector(
            "e-mail address",
            ("@",),
            re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}"),
            _email,
            show=_show_email,
        ),
    ),
    "phone": (
        # international (E.164, with or without spacing): +44 20 7946 0958, +5511987654321
        Detector("phone number", None, re.compile(r"\+(?<![\w+]\+)[1-9](?:[ .-]?\(?\d\)?){7,14}(?![\w-])"), _phone),
        # North American: (212) 736-0147, 212-736-0147, 212.736.0147 (NXX rules; one kind of separator)
        Detector(
            "phone number",
            None,
            _number(r"\d{3}\) ?[2-9]\d\d-\d{4}", first=r"\("),
            lambda m: m.group(0)[1] in "23456789" and _north_american_phone(m),
        ),
        Detector("phone number", None, _number(r"\d\d([-.])[2-9]\d\d\1\d{4}", first="[2-9]"), _north_american_phone),
        # national with a trunk 0, grouped: 020 7946 0958, 06 12 34 56 78, 030-1234-5678
        Detector(
            "phone number", None, _number(r"[1-9]\d{0,3}([ .-])\d{2,4}(?:\1\d{2,4}){1,3}", first="0"), _national_phone
        ),
    ),
}
PERSONAL_KINDS = tuple(PERSONAL_DETECTORS)


ALL_PERSONAL_DETECTORS = tuple(detector for kind in PERSONAL_KINDS for detector in PERSONAL_DETECTORS[kind])


def find(text: str, detectors: tuple[Detector, ...]) -> list[Found]:
    """What the detectors find in the text, overlaps resolved in the detectors' order."""
    view = TextView(text)
    active = [detector for detector in detectors if detector.may_occur_in(view.sample)]
    if not active:
        return []
    return _first_of_overlapping(found for detector in active for found in detector.find(view))


def find_secrets(text: str) -> list[Found]:
    return find(text, SECRET_DETECTORS)


def find_personal_data(text: str) -> list[Found]:
    return find(text, ALL_PERSONAL_DETECTORS)


def _first_of_overlapping(candidates: Iterator[Found]) -> list[Found]:
    """Drops a find that overlaps one found before it (detectors run in priority order)."""
    kept: list[Found] = []
    for found in candidates:
        if all(found.end <= other.start or found.start >= other.end for other in kept):
            kept.append(found)
    return sorted(kept, key=lambda f: f.start)


class Screen:
    """Which of these detectors may find something in what a record's raw bytes hold: all of
    them where JSON escapes could hide an anchor, else those whose `may_occur_in` holds for a
    Sample of the bytes. Asked of every record, so the two tests that rule out most detectors
    at once (a long token, a run of digits) run first, once, and only the detectors they leave
    are looked at one by one."""

    def __init__(self, detectors: tuple[Detector, ...]):
        self.detectors = detectors
        self._wants_numbers = any(detector.needs_digits for detector in detectors)
        self._wants_long_token = any(detector.long_token for detector in detectors)
        # (has a long token, has number windows) -> the detectors that may still match, in order
        self._left = {
            (long_token, numbers): [
                detector
                for detector in detectors
                if (numbers or not detector.needs_digits) and (long_token or not detector.long_token)
            ]
            for long_token in (False, True)
            for numbers in (False, True)
        }

    def __call__(self, raw: bytes) -> tuple[Detector, ...]:
        """Without a Sample: its cached properties cost more than these tests on a typical record."""
        if is_escaped(raw):
            return self.detectors
        long_token = self._wants_long_token and has_long_token(raw)
        numbers = self._wants_numbers and any(_number_runs(raw))
        return tuple(
            detector
            for detector in self._left[long_token, numbers]
            if detector.anchors is None or detector.anchored_in(raw)
        )
