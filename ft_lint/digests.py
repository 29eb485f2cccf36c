"""Digests of JSON values: one canonical serialisation, two hashes.

`canonical_json` writes a value with sorted keys in UTF-8, so the same value gives the same
bytes whatever its key order or spacing. Two hashes of it, each kept on purpose:
`canonical_digest` (16 bytes of blake2b) for FT401, whose fix deletes the lines it matches
(ft_lint/fixer.py recomputes it), and `short_digest` (8 bytes of xxh3) for FT402-FT405,
which only compare.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson
import xxhash

DIGEST_SIZE = 16
SHORT_DIGEST_SIZE = 8


def canonical_json(value: Any) -> bytes:
    """The value as JSON with sorted keys, in UTF-8 (orjson's bytes as they come: no round trip through str)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):  # integers beyond 64 bits (from a .json array)
        return json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")


def canonical_digest(value: Any) -> bytes:
    """The same digest for the same JSON value, whatever its key order or spacing."""
    return hashlib.blake2b(canonical_json(value), digest_size=DIGEST_SIZE).digest()


def short_hash(data: bytes) -> bytes:
    """SHORT_DIGEST_SIZE bytes that tell data apart: xxh3, ~20 times faster than blake2b on a
    record, and as good at 64 bits (a digest this short is no defence against collisions made
    on purpose whatever the hash; FT401, whose fix deletes lines, keeps 16 bytes of blake2b)."""
    return xxhash.xxh3_64_digest(data)


def short_digest(value: Any) -> bytes:
    """The same short digest for the same JSON value, key order aside."""
    return short_hash(canonical_json(value))
