"""Glob patterns (fnmatch) asked about many names: per-file-ignores and per-file-settings for
every file, an allow-list for every finding. A configuration may hold thousands of patterns, and
one fnmatch call per pattern per question then costs seconds per thousand questions; here the
plain patterns (no wildcard) are looked up, and the others are tried as one regex first."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable

_WILDCARD = re.compile(r"[*?[]")  # what fnmatch reads as more than itself


class Globs:
    def __init__(self, patterns: Iterable[str]):
        self.patterns = tuple(patterns)
        compared = [os.path.normcase(pattern) for pattern in self.patterns]  # as fnmatch.fnmatch compares them
        self._plain: dict[str, list[int]] = {}
        self._wild: list[tuple[int, str]] = []
        for number, pattern in enumerate(compared):
            if _WILDCARD.search(pattern):
                self._wild.append((number, pattern))
            else:
                self._plain.setdefault(pattern, []).append(number)
        self._any_wild = (
            re.compile("|".join(fnmatch.translate(pattern) for _, pattern in self._wild)).match if self._wild else None
        )

    def match_any(self, names: Iterable[str]) -> bool:
        """Whether a pattern matches one of the names."""
        names = [os.path.normcase(name) for name in names]
        return any(name in self._plain or (self._any_wild is not None and self._any_wild(name)) for name in names)

    def matching(self, names: Iterable[str]) -> list[str]:
        """The patterns, in their order, that match one of the names (each wildcard pattern is
        tried on its own only when one of them matches)."""
        names = [os.path.normcase(name) for name in names]
        found = {number for name in names for number in self._plain.get(name, ())}
        if self._any_wild is not None and any(self._any_wild(name) for name in names):
            found |= {
                number for number, pattern in self._wild if any(fnmatch.fnmatchcase(name, pattern) for name in names)
            }
        return [self.patterns[number] for number in sorted(found)]
