"""FT5xx: secrets and personal data in what a record sends to the provider.

Both rules read every string value of a record (message contents and parts, names,
tool call arguments, tool results, tool definitions, any other key): everything in the
file is uploaded, trained on or not. Object keys and base64 image data URLs are not
read. A line that is not a JSON object is read as text, and its findings point at the
whole line.

What is found is never printed in full: a finding shows its kind and its first few
characters, and `redact` masks the same things in every text ft-lint prints (messages,
excerpts, diffs), whichever rules are enabled.

Every pattern is bounded and anchored at a token boundary, so scanning stays linear in
the length of the text (a 60 MB string holds no trap); cheap byte tests (see Sample)
decide which patterns run at all.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import string
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ft_lint.findings import Problem, Severity, pointer_of
from ft_lint.globs import Globs
from ft_lint.reader import Entry, Kind
from ft_lint.rules import EntryRule, Option, shown


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


Check = Callable[[re.Match], bool]


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


def _number_runs(data: bytes) -> Iterator[re.Match]:
    """Runs of digits and number punctuation that hold at least Sample.MIN_DIGITS digits."""
    mask = data.translate(_NUMBER_MASK)
    return (run for run in _NUMBER_RUN.finditer(mask) if mask.count(b"0", run.start(), run.end()) >= Sample.MIN_DIGITS)


def _byte_mask(chosen: str, then: int, otherwise: int) -> bytes:
    return bytes(then if chr(b) in chosen else otherwise for b in range(256))


_TOKEN_MASK = _byte_mask(string.ascii_letters + string.digits + "_+/-", ord("a"), ord(" "))
# digits become "0", number punctuation ".", anything else " "; runs then start with a literal
_NUMBER_MASK = bytes(digit or other for digit, other in zip(_byte_mask(string.digits, ord("0"), 0), _byte_mask(" .()/+-", ord("."), ord(" "))))
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
    Patterns start with their literal (the regex engine then skips to it) and put
    boundary lookbehinds after it."""

    kind: str
    anchors: tuple[str, ...] | None
    pattern: re.Pattern
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
        for rare, anchor in self._byte_anchors:  # a loop, not any(): a generator costs more than these tests
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

_PLACEHOLDER_WORDS = ("example", "xxxx", "your", "placeholder", "redacted", "dummy", "fake", "sample", "insert", "replace", "here", "0000", "1234")


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


def _aws_id(match: re.Match) -> bool:
    tail = match.group(0)[4:]
    return "EXAMPLE" not in tail and any(c.isdigit() for c in tail) and any(c.isalpha() for c in tail)


def _aws_secret(match: re.Match) -> bool:
    return _looks_random(match.group(1), min_run=6)


def _jwt(match: re.Match) -> bool:
    header = match.group(0).split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(decoded, dict) and "alg" in decoded


_PLACEHOLDER_PASSWORDS = {"password", "passwd", "pass", "pwd", "secret", "changeme", "pw", "p", "user", "username", "admin"}


def _password(match: re.Match) -> bool:
    user, password, host = match.group("user"), match.group("password"), match.group("host").lower()
    if password.lower() in _PLACEHOLDER_PASSWORDS or password == user or not password.strip("*x.X"):
        return False
    if any(mark in password for mark in "${}<>[]%*") or any(word in password.lower() for word in _PLACEHOLDER_WORDS):
        return False
    return not _is_reserved_domain(host)


def _show_key_header(value: str) -> str:
    return value[: value.index("-----", 5) + 5]


def _token(literal: str, rest: str, token_chars: str = "A-Za-z0-9_-") -> re.Pattern:
    """`literal` + `rest`, not glued to other token characters on either side."""
    boundary = f"(?<![{token_chars}]{'.' * len(literal)})"
    return re.compile(re.escape(literal) + boundary + rest + f"(?![{token_chars}])")


def _show_connection(value: str) -> str:
    return "://…@" + value.rsplit("@", 1)[1]


SECRET_DETECTORS = (
    Detector("Anthropic API key", ("sk-ant-",), _token("sk-ant-", "[A-Za-z0-9_-]{20,250}"), _random_after(7), long_token=True),
    Detector("OpenAI API key", ("sk-",), _token("sk-", "(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,250}"), _random_after(3), long_token=True),
    Detector(
        "AWS access key id",
        ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA"),
        re.compile(r"A(?:KIA|SIA|GPA|IDA|ROA|IPA|NPA|NVA)(?<![A-Za-z0-9]....)[A-Z0-9]{16}(?![A-Za-z0-9])"),
        _aws_id,
        long_token=True,
    ),
    Detector(
        "AWS secret access key",
        ("ecret", "ECRET", "AKIA", "ASIA"),
        # 40 characters named a secret key, or right after an access key id
        re.compile(
            r"(?:[Ss](?i:ecret[_ -]?(?:access[_ -]?)?key)[\"']?\s{0,3}[:=]\s{0,3}[\"']?|A[KS]IA(?<![A-Za-z0-9]....)[A-Z0-9]{16}[^A-Za-z0-9/+]{1,40}?)"
            r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        _aws_secret,
        group=1,
        long_token=True,
    ),
    Detector("Google API key", ("AIza",), _token("AIza", "[A-Za-z0-9_-]{35}"), _random_after(4, min_run=4), long_token=True),
    Detector("GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), re.compile(r"gh[pousr]_(?<![A-Za-z0-9_]....)[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])"), _random_after(4), long_token=True),
    Detector("GitHub token", ("github_pat_",), _token("github_pat_", "[A-Za-z0-9_]{50,255}", "A-Za-z0-9_"), _random_after(11, min_run=8), long_token=True),
    Detector("GitLab token", ("glpat-",), _token("glpat-", "[A-Za-z0-9_-]{20,50}"), _random_after(6, min_run=6), long_token=True),
    Detector("Slack token", ("xox",), re.compile(r"xox[abprs]-(?<![A-Za-z0-9_-].....)\d{6,20}-[A-Za-z0-9-]{10,200}(?![A-Za-z0-9_-])"), lambda m: "your" not in m.group(0).lower(), long_token=True),
    Detector("Slack webhook", ("hooks.slack.com",), re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32}"), _random_after(49, min_run=8), long_token=True),
    Detector("Stripe live key", ("_live_",), re.compile(r"[sr]k_live_(?<![A-Za-z0-9_]........)[A-Za-z0-9]{20,250}(?![A-Za-z0-9])"), _random_after(8), long_token=True),
    Detector("Hugging Face token", ("hf_",), _token("hf_", "[A-Za-z0-9]{30,40}", "A-Za-z0-9_"), _random_after(3), long_token=True),
    Detector("npm token", ("npm_",), _token("npm_", "[A-Za-z0-9]{36}", "A-Za-z0-9_"), _random_after(4), long_token=True),
    Detector("PyPI token", ("pypi-AgEIcHlwaS5vcmc",), _token("pypi-AgEIcHlwaS5vcmc", "[A-Za-z0-9_-]{50,300}"), long_token=True),
    Detector("SendGrid key", ("SG.",), _token("SG.", r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"), _random_after(3, min_run=6), long_token=True),
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
    Detector("JSON Web Token", ("eyJ",), _token("eyJ", r"[A-Za-z0-9_-]{10,2000}\.ey[A-Za-z0-9_-]{10,8000}\.[A-Za-z0-9_-]{0,2000}"), _jwt),
    Detector(
        "password in a connection string",
        ("://",),
        # from `://`: the scheme before it is not part of the secret
        re.compile(r"://(?P<user>[^\s:/@\"'<>]{1,100}):(?P<password>[^\s@/\"'<>]{1,200})@(?P<host>[A-Za-z0-9.-]{1,255})"),
        _password,
        show=_show_connection,
    ),
)

# --- personal data ---------------------------------------------------------------------------

_RESERVED_DOMAINS = ("example.com", "example.org", "example.net", "localhost")
_RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".example.com", ".example.org", ".example.net")
_FILE_EXTENSIONS = {"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "js", "ts", "css", "py", "json", "yaml", "yml", "txt", "md", "html", "htm", "pdf", "zip", "gz", "tar", "xml", "csv"}


def _is_reserved_domain(domain: str) -> bool:
    """RFC 2606 and RFC 6761 names: nobody's address lives there."""
    domain = domain.lower().rstrip(".")
    return domain in _RESERVED_DOMAINS or domain.endswith(_RESERVED_SUFFIXES)


def _email(match: re.Match) -> bool:
    local, _, domain = match.group(0).partition("@")
    tld = domain.rsplit(".", 1)[-1]
    if not (tld.isalpha() and 2 <= len(tld) <= 24) or tld.lower() in _FILE_EXTENSIONS or _is_reserved_domain(domain):
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


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _phone(match: re.Match) -> bool:
    text = match.group(0)
    return 8 <= len(_digits(text)) <= 15 and text.count("(") == text.count(")") <= 1


def _national_phone(match: re.Match) -> bool:
    return 9 <= len(_digits(match.group(0))) <= 11


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


def _card(match: re.Match) -> bool:
    digits = _digits(match.group(0))
    # numbers of one or two repeated digits are test numbers (4242 4242 4242 4242)
    return 13 <= len(digits) <= 19 and _card_issuer_fits(digits) and luhn_valid(digits) and len(set(digits)) >= 4


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
    digits = _digits(text)
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    return _cpf_check_digit(digits[:9]) == digits[9] and _cpf_check_digit(digits[:10]) == digits[10]


def _cnpj_check_digit(digits: str) -> str:
    weights = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2][-len(digits):]
    remainder = sum(int(d) * w for d, w in zip(digits, weights)) % 11
    return "0" if remainder < 2 else str(11 - remainder)


def cnpj_valid(text: str) -> bool:
    digits = _digits(text)
    if len(digits) != 14 or len(set(digits)) == 1:
        return False
    return _cnpj_check_digit(digits[:12]) == digits[12] and _cnpj_check_digit(digits[:13]) == digits[13]


def _group_is(valid: Callable[[str], bool], group: int = 0) -> Check:
    return lambda match: valid(match.group(group))


def _number(rest: str, first: str = r"\d") -> re.Pattern:
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
            _number(r"(?:\d{3}([ -]?)\d{4}\1\d{4}\1\d{1,7}|(?<=3)[47]\d\d([ -]?)\d{6}\2\d{5}|(?<=3)[068]\d\d([ -]?)\d{6}\3\d{4})"),
            _card,
        ),
    ),
    "iban": (
        Detector("IBAN", None, re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d\d(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])"), _group_is(iban_valid)),
    ),
    "cnpj": (
        Detector("CNPJ", None, _number(r"\d\.\d{3}\.\d{3}/\d{4}-\d\d"), _group_is(cnpj_valid), show=lambda v: v[:2] + "…"),
        Detector("CNPJ", ("cnpj", "CNPJ"), re.compile(r"(?i:cnpj)\b\D{0,20}?(?<![0-9])([0-9]{14})(?![0-9])"), _group_is(cnpj_valid, 1), show=lambda v: v[:2] + "…", group=1, digit_run=True),
    ),
    "cpf": (
        Detector("CPF", None, _number(r"\d\d\.\d{3}\.\d{3}-\d\d"), _group_is(cpf_valid), show=lambda v: v[:3] + "…"),
        Detector("CPF", ("cpf", "CPF"), re.compile(r"(?i:cpf)\b\D{0,20}?(?<![0-9])([0-9]{11})(?![0-9])"), _group_is(cpf_valid, 1), show=lambda v: v[:3] + "…", group=1, digit_run=True),
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
        # North American: (212) 555-0147, 212-555-0147, 212.555.0147 (NXX rules; one kind of separator)
        Detector("phone number", None, _number(r"\d{3}\) ?[2-9]\d\d-\d{4}", first=r"\("), lambda m: m.group(0)[1] in "23456789"),
        Detector("phone number", None, _number(r"\d\d([-.])[2-9]\d\d\1\d{4}", first="[2-9]")),
        # national with a trunk 0, grouped: 020 7946 0958, 06 12 34 56 78, 030-1234-5678
        Detector("phone number", None, _number(r"[1-9]\d{0,3}([ .-])\d{2,4}(?:\1\d{2,4}){1,3}", first="0"), _national_phone),
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
        return tuple(detector for detector in self._left[long_token, numbers] if detector.anchors is None or detector.anchored_in(raw))


_EVERY_DETECTOR = Screen(SECRET_DETECTORS + ALL_PERSONAL_DETECTORS)


def redact(text: str) -> str:
    """The text with every secret and piece of personal data masked (for printing)."""
    detectors = _EVERY_DETECTOR(text.encode("utf-8", errors="surrogatepass"))
    if not detectors:
        return text
    found = find(text, detectors)
    for item in reversed(found):
        text = text[: item.start] + f"[{item.kind}: {item.shown}]" + text[item.end :]
    return text


# --- the rules -------------------------------------------------------------------------------


def _strings(value: Any) -> Iterator[tuple[tuple, str]]:
    """Every string value in a JSON value, with its path (iterative: depth is no limit)."""
    stack: list[tuple[tuple, Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if not (node.startswith("data:") and ";base64," in node[:100]):
                yield path, node
        elif isinstance(node, dict):
            stack += [((*path, key), child) for key, child in reversed(node.items())]
        elif isinstance(node, list):
            stack += [((*path, i), child) for i, child in reversed(list(enumerate(node)))]


def _texts(entry: Entry) -> Iterator[tuple[tuple, str]]:
    """(path, text) for what the entry holds: its strings, or the raw line (path ())."""
    if entry.kind in (Kind.RECORD, Kind.NOT_OBJECT):
        yield from _strings(entry.value)
    elif entry.kind in (Kind.BAD_JSON, Kind.BAD_ENCODING):
        yield (), entry.raw.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class PatternList(Option):
    """A list of strings, each checked by `check` (which raises ValueError)."""

    check: Callable[[str], None] = lambda item: None

    def coerce(self, value: Any) -> Any:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"expected a list of strings, got {shown(value)}")
        for item in value:
            self.check(item)
        return value


def _allowed(found: Found, allow: Globs) -> bool:
    """Whether an allow-list pattern (fnmatch, case-insensitive: `allow` holds them lowercased)
    names the value as written, or its digits (with a leading +) for numbers."""
    return allow.match_any({found.value.lower(), ("+" if found.value.startswith("+") else "") + _digits(found.value)})


class _PrivacyRule(EntryRule):
    def detectors(self) -> tuple[Detector, ...]:
        raise NotImplementedError

    def describe(self, found: Found) -> str:
        raise NotImplementedError

    @functools.cached_property
    def screen(self) -> Screen:
        return Screen(self.detectors())

    @functools.cached_property
    def allow_list(self) -> Globs:
        """The allow-list, made once: it may be thousands of values long."""
        return Globs(pattern.lower() for pattern in self.settings["allow"])

    def check_entry(self, entry: Entry) -> Iterator[Problem]:
        detectors = self.screen(entry.raw)
        if not detectors:
            return  # the common case: one pass of substring tests over the raw line
        numbers_only = all(detector.needs_digits for detector in detectors)
        for path, text in _texts(entry):
            if numbers_only and _ASCII_DIGIT.search(text) is None:
                continue  # most strings of a line with a number: keys' values, roles, other turns
            reported: set[tuple[str, str]] = set()
            for found in find(text, detectors):
                if _allowed(found, self.allow_list) or (found.kind, found.shown) in reported:
                    continue
                reported.add((found.kind, found.shown))
                yield Problem(self.describe(found), pointer_of(*path))


_ASCII_DIGIT = re.compile("[0-9]")

_ALLOW_HELP = "values never reported, as fnmatch patterns (case-insensitive), e.g. [\"support@acme.com\", \"*@acme.com\"]"


class Secret(_PrivacyRule):
    """API keys, tokens, private keys and passwords in the data.

    Finds: OpenAI (`sk-`, `sk-proj-`), Anthropic (`sk-ant-`), AWS access key ids
    (`AKIA`, `ASIA`) and the secret keys next to them or named `secret key`, Google
    (`AIza`), GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab
    (`glpat-`), Slack tokens (`xoxb-`...) and webhooks, Stripe live keys (`sk_live_`,
    `rk_live_`), Hugging Face (`hf_`), npm, PyPI and SendGrid tokens, private key blocks
    (`-----BEGIN ... PRIVATE KEY-----` followed by key material), JSON Web Tokens (whose
    header decodes to JSON with `alg`), and passwords in connection strings
    (`postgres://user:password@host`).
    Not flagged: placeholders (`sk-...`, `sk-your-key-here`, `AKIAIOSFODNN7EXAMPLE`,
    `postgres://user:password@host`, `${DB_PASSWORD}`), tokens without the mix of digits
    and letters of both cases a random key has, hosts under example.com. Every string
    value of the record is read (see the module notes); image data URLs are not.

    Why: the file is uploaded to a third party, and a model trained on it can repeat
    the key to anyone. The finding shows only the kind and the first characters.

    Example (flagged):
        {"role": "assistant", "content": "Set OPENAI_API_KEY=sk-proj-4fT9...(the real key)"}
    Fix: remove or replace the secret, and revoke it: it has been shared.
    """

    code = "FT501"
    name = "secret"
    severity = Severity.ERROR
    options = {"allow": PatternList([], _ALLOW_HELP)}

    def detectors(self) -> tuple[Detector, ...]:
        return SECRET_DETECTORS

    def describe(self, found: Found) -> str:
        return f"{found.label} in the data: remove it, and revoke it if it is real"


def _known_kind(kind: str) -> None:
    if kind not in PERSONAL_KINDS:
        raise ValueError(f"unknown kind {kind!r} (kinds: {', '.join(PERSONAL_KINDS)})")


class PersonalData(_PrivacyRule):
    """E-mail addresses, phone numbers, card numbers, IBANs, CPF and CNPJ numbers.

    Finds: e-mail addresses; phone numbers in international form (+44 20 7946 0958),
    North American form ((212) 555-0147, 212-555-0147) and grouped national forms with a
    trunk 0 (020 7946 0958, 06 12 34 56 78); card numbers of a known issuer's prefix and
    length that pass the Luhn check; IBANs of the right length for their country that
    pass the mod-97 check; Brazilian CPF and CNPJ numbers with valid check digits
    (formatted, or plain digits right after the word CPF or CNPJ).
    Not flagged: addresses at reserved example domains (example.com, *.test, ...);
    numbers made of one or two repeated digits (test cards like 4242 4242 4242 4242);
    UUIDs, hashes and digit runs glued to letters; values on the allow-list.

    Why: personal data sent to a provider for training can be memorised and repeated by
    the model, and sharing it may need a legal basis you do not have.

    Example (flagged):
        {"role": "user", "content": "Reach me at maria.silva@gmail.com or +55 11 98765-4321"}
    Fix: anonymise the data (replace it with placeholders), or allow what is meant to be
    there (a company's own support address) with the `allow` option.
    """

    code = "FT502"
    name = "personal-data"
    severity = Severity.WARNING
    options = {
        "allow": PatternList([], _ALLOW_HELP),
        "kinds": PatternList(list(PERSONAL_KINDS), "what to look for", check=_known_kind),
    }

    def detectors(self) -> tuple[Detector, ...]:
        return tuple(detector for kind in PERSONAL_KINDS if kind in self.settings["kinds"] for detector in PERSONAL_DETECTORS[kind])

    def describe(self, found: Found) -> str:
        return f"{found.label} in the data: anonymise it, or allow it in [tool.ft-lint.options.FT502]"
