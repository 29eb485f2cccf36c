"""Credentials never printed: what --launch prints goes through `mask` first.

Servers may echo a request's headers in an error body (Authorization: Bearer ..., api-key:
...), and a base URL may carry a user and password (https://user:password@host/...; the SDKs
send them as Basic credentials). Masked, in this order: the values of the providers'
credential variables wherever they appear, credential headers, the user part of URLs, then
whatever the detectors take for a secret or personal data (ft_lint.redaction.redact).
"""

from __future__ import annotations

import os
import re

MASK = "[masked]"
# Every provider's, whichever is launching: an error may quote another one's too.
CREDENTIAL_VARIABLES = (
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_AD_TOKEN",
    "TOGETHER_API_KEY",
    "FIREWORKS_API_KEY",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)
SHORTEST_MASKED_VALUE = 8  # shorter values are common words; a header or URL shape still masks them
_HEADER = re.compile(
    r"""(?ix)\b((?:proxy-)?authorization|(?:x-)?api[-_]?key|(?:x-)?auth[-_]?token)  # the header's name
    (["']?\s*[:=]\s*["']?)  # its separator, quoted or not (an echoed dict, a header line)
    (?:(bearer|basic|token)\s+)?  # the scheme
    [^\s"',;}]+  # the credential"""
)
_URL_USER = re.compile(r"(?<=://)[^/\s?#@]*@")


def mask(text: str) -> str:
    from ft_lint.redaction import redact  # not needed to import the launch options

    for value in sorted(filter(None, map(os.environ.get, CREDENTIAL_VARIABLES)), key=len, reverse=True):
        if len(value) >= SHORTEST_MASKED_VALUE:
            text = text.replace(value, MASK)
    text = _HEADER.sub(lambda match: f"{match[1]}{match[2]}{match[3] + ' ' if match[3] else ''}{MASK}", text)
    return redact(_URL_USER.sub(MASK + "@", text))
