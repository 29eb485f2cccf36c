"""FT5xx: secrets and personal data in what a record sends to the provider.

Both rules read every string of a record, decoded (message contents and parts, names,
tool call arguments, tool results, tool definitions, any other value, and object keys):
everything in the file is uploaded, trained on or not. Base64 image data URLs are not
read. A line that is not JSON is read as text, and its findings point at the whole line.

What they look for is in ft_lint/detectors.py; a finding shows only its kind and first few
characters, masked as ft_lint/redaction.py masks it in every text ft-lint prints.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from ft_lint.detectors import (
    PERSONAL_DETECTORS,
    PERSONAL_KINDS,
    SECRET_DETECTORS,
    Detector,
    Found,
    Screen,
    digits_of,
    find,
)
from ft_lint.findings import Problem, Severity, pointer_of
from ft_lint.formats import JsonPath
from ft_lint.globs import Globs
from ft_lint.reader import Entry, Kind
from ft_lint.rules import EntryRule, Option, shown


def _strings(value: Any) -> Iterator[tuple[JsonPath, str]]:
    """Every string in a JSON value, object keys too, with its path (a key's is that of its
    value; iterative: depth is no limit)."""
    stack: list[tuple[JsonPath, Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if not (node.startswith("data:") and ";base64," in node[:100]):
                yield path, node
        elif isinstance(node, dict):
            yield from (((*path, key), key) for key in node)
            stack += [((*path, key), child) for key, child in reversed(node.items())]
        elif isinstance(node, list):
            stack += [((*path, i), child) for i, child in reversed(list(enumerate(node)))]


def _texts(entry: Entry) -> Iterator[tuple[JsonPath, str]]:
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
    return allow.match_any({found.value.lower(), ("+" if found.value.startswith("+") else "") + digits_of(found.value)})


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
        return Globs(pattern.lower() for pattern in self.options["allow"])

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

_ALLOW_HELP = 'values never reported, as fnmatch patterns (case-insensitive), e.g. ["support@acme.com", "*@acme.com"]'


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
    A key is found wherever it sits in a string: after an escape (`env:\\nghp_…`, read
    decoded), or glued to a word (`xxxxsk-proj-…`, `Bearerghp_…`). What keeps ordinary text
    out is what follows the prefix: the key's length and characters, the end of the token,
    and the mix of digits and letters of both cases a random key has.
    Not flagged: placeholders (`sk-...`, `sk-your-key-here`, `AKIAIOSFODNN7EXAMPLE`,
    `postgres://user:password@host`, `${DB_PASSWORD}`), tokens without that mix, hosts
    under example.com; a prefix glued to 16 or more random-looking characters (it is then
    part of base64 data); `sk-` glued to a word (`task-`, `disk-`) unless a named key
    (`sk-proj-`, `sk-svcacct-`, `sk-admin-`) or a legacy key's 48 letters and digits
    follow. Every string of the record is read, object keys too (see the module notes);
    image data URLs are not.

    Why: the file is uploaded to a third party, and a model trained on it can repeat
    the key to anyone. The finding shows only the kind and the first characters; every
    output shows it masked the same way (`[GitHub token: ghp_…]`).

    Example (flagged):
        {"role": "assistant", "content": "Set OPENAI_API_KEY=sk-proj-4fT9...(the real key)"}
    Fix: remove or replace the secret, and revoke it: it has been shared.
    """

    code = "FT501"
    name = "secret"
    severity = Severity.ERROR
    OPTIONS: ClassVar[dict[str, Option]] = {"allow": PatternList([], _ALLOW_HELP)}

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
    North American form ((212) 736-0147, 212-736-0147) and grouped national forms with a
    trunk 0 (020 7946 0958, 06 12 34 56 78); card numbers of a known issuer's prefix and
    length that pass the Luhn check; IBANs of the right length for their country that
    pass the mod-97 check; Brazilian CPF and CNPJ numbers with valid check digits
    (formatted, or plain digits right after the word CPF or CNPJ).
    Not flagged, because no real person is behind them: addresses at reserved example
    domains (example.com, *.test, *.invalid, ...) and at the placeholder domains data
    generators use (email.com, company.com, domain.com, ...); test card numbers (the issuers'
    published ones such as 4012 8888 8888 1881, and any made of one or two repeated digits,
    like 4111 1111 1111 1111); fictional North American numbers (area code 555, and
    555-0100 to 555-0199 in any area code); UUIDs, hashes and digit runs glued to letters;
    values on the allow-list.

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
    OPTIONS: ClassVar[dict[str, Option]] = {
        "allow": PatternList([], _ALLOW_HELP),
        "kinds": PatternList(list(PERSONAL_KINDS), "what to look for", check=_known_kind),
    }

    def detectors(self) -> tuple[Detector, ...]:
        return tuple(
            detector
            for kind in PERSONAL_KINDS
            if kind in self.options["kinds"]
            for detector in PERSONAL_DETECTORS[kind]
        )

    def describe(self, found: Found) -> str:
        return f"{found.label} in the data: anonymise it, or allow it in [tool.ft-lint.options.FT502]"
