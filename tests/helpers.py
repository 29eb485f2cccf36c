"""Small helpers the tests share: write data files, lint them, pick findings apart."""

from __future__ import annotations

import json
import random
from pathlib import Path

from ft_lint.config import Settings
from ft_lint.engine import lint
from ft_lint.findings import Finding


def encode(line: object) -> bytes:
    """A record (dict) as compact JSON; bytes and str lines as given."""
    if isinstance(line, bytes):
        return line
    if isinstance(line, str):
        return line.encode("utf-8")
    return json.dumps(line, ensure_ascii=False).encode("utf-8")


def write_jsonl(path: Path, lines: list | tuple) -> Path:
    """Records (compact JSON) and ready-made lines (str or bytes), one per line; folders are made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(encode(line) + b"\n" for line in lines))
    return path


# Rules tested in files of their own, left out elsewhere so that small fixture files stay clean:
# those that check a file against a model (size, count, length, retirement: test_limits.py) and
# those that compare examples by similarity (test_similarity.py): fixtures are alike on purpose.
RULES_TESTED_ELSEWHERE = ["FT005", "FT006", "FT3", "FT402", "FT403"]
# The fixtures are OpenAI data, linted as for a user who names an OpenAI model: a file is then
# read as the OpenAI format its records have, even where another format (TRL's, which allows
# any extra key) would take a lone record too (see test_formats_detection.py for that).
OPENAI_MODEL = "gpt-4.1-mini-2025-04-14"


def lint_paths(paths: list[Path], **settings) -> list[Finding]:
    settings.setdefault("ignore", RULES_TESTED_ELSEWHERE)
    settings.setdefault("model", OPENAI_MODEL)
    findings, _ = lint(paths, Settings(paths=list(paths), **settings))
    return findings


def where(findings: list[Finding], code: str) -> list[tuple[int, str]]:
    """(line, pointer) of each finding of one rule, in report order."""
    return [(f.line, f.pointer) for f in findings if f.code == code]


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


def of(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def words(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(3, 8))) for _ in range(count)]


def chat_line(user: str, assistant: str) -> bytes:
    record = {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]}
    return json.dumps(record).encode()


def awkward_file(path, rng: random.Random):
    """Lines of every kind, with exact and near copies of early lines placed far below them."""
    originals = [(" ".join(words(rng, 8)) + "?", " ".join(words(rng, 120))) for _ in range(12)]
    lines = [chat_line(*original) for original in originals]
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    for number in range(1, 160):
        user, answer = originals[number % len(originals)] if number % 23 == 0 else (" ".join(words(rng, 8)) + "?", " ".join(words(rng, 40)))
        if number % 29 == 0:  # near copy: one word of a long answer changed
            user, answer = originals[number % len(originals)]
            answer = answer.replace(answer.split()[60], "changed", 1)
        lines.append(chat_line(user, answer))
        if number % 17 == 0:
            lines.append(b"")
        if number % 31 == 0:
            lines.append(b"{'messages': [}")
        if number % 37 == 0:
            lines.append(b"[1, 2]")
    endings = [b"\r\n" if i % 5 == 0 else b"\n" for i in range(len(lines))]
    path.write_bytes(b"".join(line + ending for line, ending in zip(lines, endings)))
    return path
