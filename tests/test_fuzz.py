"""Property tests: arbitrary bytes and arbitrary records of every format, thrown at the
reader, every rule, every reporter and the fixer.

Each test is bounded (FT_LINT_FUZZ_EXAMPLES examples, default 40; no per-example
deadline, as the first example pays for compiling the schemas), so the suite stays fast
in CI; raise the number locally to search longer.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ft_lint.config import RunOptions, Settings
from ft_lint.detectors import ALL_PERSONAL_DETECTORS, SECRET_DETECTORS, find
from ft_lint.engine import lint
from ft_lint.fixer import fix_and_lint
from ft_lint.formats import all_formats
from ft_lint.reader import BOM, WholeFileProblem, non_text_reason, read_entries
from ft_lint.redaction import redact, redact_pointer
from ft_lint.reporters import REPORTERS, get_reporter

pytestmark = pytest.mark.slow  # long hypothesis runs

EXAMPLES = int(os.environ.get("FT_LINT_FUZZ_EXAMPLES", "40"))
bounded = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

# --- strategies --------------------------------------------------------------------------------

TRICKY_TEXT = [
    "",
    " ",
    "  padded  ",
    "\n\n",
    "<|im_start|>user",
    "[INST] hi [/INST]",
    "\nUser: hi",
    "Ã© â€™",
    "\ufffd",
    "maria.silva@gmail.com",
    "+44 20 7946 0958",
    "4539 1488 0343 6467",
    "DE89 3704 0044 0532 0130 00",
    "529.982.247-25",
    "sk-" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kM9nP2rS5uX8",
    "postgres://u:Pa55w0rdZ9@db.acme.io",
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC\n",
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
    '{"city": "Paris"}',
    "{city: Paris}",
    "data:image/png;base64,iVBORw0KGgo=",
    "https://example.com/a.png",
    "\u2028",
    "é" * 3,
]
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(TRICKY_TEXT),
    st.builds(lambda a, b: a + b, st.sampled_from(TRICKY_TEXT), st.text(max_size=10)),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False), texts
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3), max_leaves=8
)

roles = st.one_of(
    st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", "bot", ""]), texts, json_values
)
parts = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": texts}),
    st.fixed_dictionaries(
        {
            "type": st.just("image_url"),
            "image_url": st.fixed_dictionaries(
                {
                    "url": st.sampled_from(
                        [
                            "https://example.com/c.png",
                            "http://x/y.gif",
                            "data:image/png;base64,iVBORw0KGgo=",
                            "data:image/jpeg;base64,!!",
                        ]
                    )
                }
            ),
        }
    ),
    json_values,
)
contents = st.one_of(texts, st.none(), st.lists(parts, max_size=3), json_values)
tool_calls = st.lists(
    st.fixed_dictionaries(
        {"id": st.sampled_from(["call_1", "call_2"]), "type": st.just("function")},
        optional={
            "function": st.fixed_dictionaries(
                {"name": st.sampled_from(["get_weather", "bad name"])},
                optional={"arguments": st.one_of(texts, json_values)},
            )
        },
    ),
    max_size=2,
)
messages = st.fixed_dictionaries(
    {"role": roles},
    optional={
        "content": contents,
        "name": texts,
        "weight": st.sampled_from([0, 1, 0.5, "1"]),
        "tool_calls": tool_calls,
        "tool_call_id": st.sampled_from(["call_1", "call_2", "call_9"]),
        "extra": json_values,
    },
)
message_lists = st.lists(messages, max_size=4)
tools = st.lists(
    st.fixed_dictionaries(
        {
            "type": st.just("function"),
            "function": st.fixed_dictionaries(
                {"name": st.sampled_from(["get_weather", "get_weather", "bad name"])},
                optional={"parameters": json_values, "description": texts},
            ),
        }
    ),
    max_size=2,
)
chat_records = st.fixed_dictionaries(
    {"messages": message_lists},
    optional={"tools": tools, "parallel_tool_calls": json_values, "functions": json_values, "metadata": json_values},
)
preference_records = st.fixed_dictionaries(
    {
        "input": st.one_of(st.fixed_dictionaries({"messages": message_lists}, optional={"tools": tools}), json_values),
        "preferred_output": message_lists,
        "non_preferred_output": message_lists,
    }
)
prompt_records = st.fixed_dictionaries(
    {"prompt": st.one_of(texts, json_values), "completion": st.one_of(texts, json_values)}
)
records = st.one_of(chat_records, preference_records, prompt_records, st.dictionaries(texts, json_values, max_size=3))


@st.composite
def jsonl_files(draw) -> bytes:
    """Records of every format as JSONL, with the irregular lines real files have."""
    pool = draw(st.lists(records, min_size=1, max_size=5))
    lines: list[bytes] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["record", "record", "record", "blank", "garbage", "duplicate-key"]))
        record = draw(st.sampled_from(pool))
        if kind == "record":
            style = draw(st.sampled_from(["compact", "spaced", "ascii", "orjson"]))
            try:
                text = orjson.dumps(record) if style == "orjson" else None
            except TypeError:  # orjson writes no integer over 64 bits
                text = None
            if text is None:
                text = json.dumps(
                    record, ensure_ascii=style == "ascii", separators=(",", ":") if style == "compact" else None
                ).encode()
        elif kind == "blank":
            text = draw(st.sampled_from([b"", b" ", b"\t ", "\u3000".encode()]))
        elif kind == "garbage":
            text = draw(st.binary(max_size=20)).replace(b"\n", b"")
        else:
            text = b'{"messages": [], "messages": ' + json.dumps(record).encode() + b"}"
        lines.append(text + draw(st.sampled_from([b"\n", b"\r\n"])))
    data = b"".join(lines)
    if draw(st.booleans()):
        data = data.rstrip(b"\r\n")
    return (BOM if draw(st.booleans()) else b"") + data


@st.composite
def array_files(draw) -> bytes:
    values = draw(st.lists(st.one_of(records, json_values), max_size=4))
    separator = draw(st.sampled_from([",", ",\n", ",\n\n  "]))
    return (BOM if draw(st.booleans()) else b"") + (
        "[" + separator.join(json.dumps(v) for v in values) + "]\n"
    ).encode()


# --- invariants --------------------------------------------------------------------------------


@contextmanager
def data_file(data: bytes, name: str):
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / name
        path.write_bytes(data)
        yield path
    finally:
        shutil.rmtree(folder)


def lines_with_endings(data: bytes) -> list[bytes]:
    """Lines as the reader splits them (on \\n only), without a leading BOM."""
    return re.findall(rb"[^\n]*\n|[^\n]+$", data[len(BOM) :] if data.startswith(BOM) else data)


def line_count(data: bytes) -> int:
    return len(data.split(b"\n")) - data.endswith(b"\n") if data else 0


def pointers(value, prefix: str = ""):
    yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from pointers(child, prefix + "/" + str(key).replace("~", "~0").replace("/", "~1"))


def points_into(value, pointer: str) -> bool:
    """The pointer resolves, or is one whose keys were masked (a key holding personal data)."""
    return resolve(value, pointer) or ("[" in pointer and pointer in {redact_pointer(p) for p in pointers(value)})


def resolve(value, pointer: str) -> bool:
    """RFC 6901, written here independently of ft_lint.findings.existing_pointer."""
    try:
        for part in pointer.split("/")[1:]:
            key = part.replace("~1", "/").replace("~0", "~")
            value = value[int(key) if isinstance(value, list) and key.isdigit() else key]
    except (KeyError, IndexError, TypeError):
        return False
    return True


def values_by_line(path: Path, data: bytes) -> dict[int, list]:
    """The JSON values each line starts: parsed here for JSONL, by the reader for arrays."""
    found: dict[int, list] = {}
    if path.suffix == ".json":
        try:
            for entry in read_entries(path):
                found.setdefault(entry.line, []).append(entry.value)
        except WholeFileProblem:
            pass
        return found
    for number, line in enumerate(data.split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        with suppress(orjson.JSONDecodeError):
            found[number] = [orjson.loads(line[len(BOM) :] if number == 1 and line.startswith(BOM) else line)]
    return found


def lint_and_check(path: Path, data: bytes, **overrides) -> list:
    run_settings = Settings(output_format="full", **overrides)
    findings, summary = lint([path], run_settings)
    lines = max(1, line_count(data))
    values = values_by_line(path, data)
    for finding in findings:
        assert 1 <= finding.line <= lines, finding
        if finding.pointer:
            assert any(points_into(v, finding.pointer) for v in values.get(finding.line, [])), finding
        for related in finding.related:
            assert 1 <= related.line <= lines
    for name in REPORTERS:
        get_reporter(name)(findings, summary, io.StringIO())
    return findings


# --- properties --------------------------------------------------------------------------------


@bounded
@given(st.binary(max_size=300), st.sampled_from(["train.jsonl", "train.json"]))
def test_arbitrary_bytes_never_break_the_reader_or_a_rule(data, name):
    with data_file(data, name) as path:
        try:
            entries = list(read_entries(path))
        except WholeFileProblem:
            entries = []
        assert all(1 <= e.line <= max(1, line_count(data)) for e in entries)
        assert [e.line for e in entries] == sorted(e.line for e in entries)
        lint_and_check(path, data)


@bounded
@given(jsonl_files(), st.sampled_from([None, *sorted(all_formats())]))
def test_records_of_every_format_give_findings_that_point_into_them(data, forced_format):
    with data_file(data, "train.jsonl") as path:
        lint_and_check(path, data, format=forced_format)


@bounded
@given(array_files())
def test_json_array_files(data):
    with data_file(data, "train.json") as path:
        lint_and_check(path, data)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) if b"\r" not in data.replace(b"\r\n", b"") else data.split(b"\n")


@bounded
@given(st.one_of(jsonl_files(), st.binary(max_size=200)))
def test_safe_fixes_only_drop_whole_lines_and_settle(data):
    with data_file(data, "train.jsonl") as path:
        remaining, _ = fix_and_lint([path], Settings(), RunOptions(fix=True))
        fixed = path.read_bytes()
        # the fixed file is the original's lines, some left out: a subsequence, byte for byte
        original = iter(lines_with_endings(data))
        assert all(line in original for line in lines_with_endings(fixed))
        if fixed == data and [f for f in remaining if f.code in ("FT004", "FT010")]:
            # refused: without its first lines the file would start like gzip or UTF-16
            assert non_text_reason(re.sub(rb"^(\xef\xbb\xbf)?(\s*\n)*", b"", data)[:4])
        else:
            assert not [f for f in remaining if f.code in ("FT004", "FT010")]
        ambiguous = {f.line for f in remaining if f.code == "FT008"}
        assert all(f.line in ambiguous or f.related[0].line in ambiguous for f in remaining if f.code == "FT401")
        fix_and_lint([path], Settings(), RunOptions(fix=True))
        assert path.read_bytes() == fixed  # a second run has nothing left to do


@bounded
@given(jsonl_files())
def test_unsafe_fixes_keep_every_record_valid_and_settle(data):
    with data_file(data, "train.jsonl") as path:
        before = {f.line for f in lint([path], Settings())[0] if f.code in ("FT001", "FT003")}
        remaining, _ = fix_and_lint([path], Settings(), RunOptions(fix=True, unsafe_fixes=True))
        ambiguous = {f.line for f in remaining if f.code == "FT008"}
        assert all(f.line in ambiguous for f in remaining if f.code == "FT202")
        assert len([f for f in remaining if f.code in ("FT001", "FT003")]) == len(
            before
        )  # no line broken, none repaired
        fixed = path.read_bytes()
        fix_and_lint([path], Settings(), RunOptions(fix=True, unsafe_fixes=True))
        assert path.read_bytes() == fixed


@bounded
@given(
    st.one_of(
        st.text(max_size=200),
        st.lists(st.sampled_from([*TRICKY_TEXT, "x", " ", "1", "@", "-", "."]), max_size=30).map("".join),
    )
)
def test_detectors_report_exact_spans_and_redaction_hides_them(text):
    found = find(text, SECRET_DETECTORS + ALL_PERSONAL_DETECTORS)
    for item in found:
        assert text[item.start : item.end] == item.value
        assert item.value not in item.shown or len(item.value) <= 4
    masked = redact(text)
    for item in found:
        # each find is masked (the same text glued to a word elsewhere is no find)
        if len(item.value) >= 12 and text.count(item.value) == sum(f.value == item.value for f in found):
            assert item.value not in masked
