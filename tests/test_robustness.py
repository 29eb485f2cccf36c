"""Whatever a file holds, linting it gives findings of catalog rules, never an exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ft_lint.rules import catalog
from support import lint_paths, write_jsonl

pytestmark = pytest.mark.slow  # long hypothesis runs

KEYS = [
    "role",
    "content",
    "messages",
    "tool_calls",
    "id",
    "type",
    "function",
    "name",
    "arguments",
    "tool_call_id",
    "weight",
    "text",
    "image_url",
    "url",
    "tools",
    "parameters",
    "input",
    "preferred_output",
    "non_preferred_output",
    "prompt",
    "completion",
    "x",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    max_leaves=30,
)
MESSAGES = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "tool", "developer", "function", "bot", None, 3])},
    optional=dict.fromkeys(("content", "tool_calls", "tool_call_id", "weight", "name", "function_call"), VALUES),
)
RECORDS = (
    VALUES
    | st.builds(lambda messages, tools: {"messages": messages, "tools": tools}, st.lists(MESSAGES, max_size=5), VALUES)
    | st.builds(
        lambda i, p, n: {"input": i, "preferred_output": p, "non_preferred_output": n},
        VALUES,
        st.lists(MESSAGES, max_size=2),
        st.lists(MESSAGES, max_size=2),
    )
)
BYTES = st.lists(
    st.sampled_from(
        [
            b"{",
            b"}",
            b"[",
            b"]",
            b'"',
            b",",
            b":",
            b"\n",
            b"\r\n",
            b"\xef\xbb\xbf",
            b"\xff",
            b"\xe9",
            b"'",
            b"1",
            b"null",
            b'"messages"',
            b" ",
            b"\\u",
            b"\x00",
        ]
    ),
    max_size=40,
)
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(records=st.lists(RECORDS, min_size=1, max_size=4))
def test_any_json_records_lint_without_error(tmp_path_factory, records):
    lines = [json.dumps(record) for record in records]  # a string record is JSON too, not a raw line
    findings = lint_paths([write_jsonl(tmp_path_factory.mktemp("fuzz") / "data.jsonl", lines)])
    assert {f.code for f in findings} <= set(catalog())
    assert all(1 <= f.line <= len(records) for f in findings)


@FUZZ
@given(parts=BYTES, name=st.sampled_from(["data.jsonl", "data.json"]))
def test_any_bytes_lint_without_error(tmp_path_factory, parts, name):
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(b"".join(parts))
    assert {f.code for f in lint_paths([path])} <= set(catalog())
