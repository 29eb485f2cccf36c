"""The excerpt under a finding in `full` output: the text around what the finding points at."""

from __future__ import annotations

import json

from ft_lint.excerpt import EXCERPT_CHARS, excerpt
from support import run_cli

LONG_SYSTEM = "You are the support assistant of a shop that sells garden tools. " * 5


def record(*messages: dict) -> bytes:
    return json.dumps({"messages": list(messages)}).encode()


def test_the_place_pointed_at_shows_whatever_comes_first_in_the_record():
    raw = record(
        {"role": "system", "content": LONG_SYSTEM},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": ""},
    )
    assert excerpt(raw, "/messages/2/content") == '{"role":"assistant","content":""}'
    # a message after a long one: from a little before it, to the end of the list
    assert (
        excerpt(raw, "/messages/1")
        == '…t sells garden tools. "},{"role":"user","content":"Hi"},{"role":"assistant","content":""}]'
    )


def test_a_member_far_into_its_object_is_shown_from_just_before_it():
    raw = json.dumps(
        {"messages": [{"role": "user", "content": "Hi"}], "metadata": {"notes": "x" * 300, "source": 7}}
    ).encode()
    shown = excerpt(raw, "/metadata/source")
    assert shown.startswith("…") and shown.endswith('"source":7}') and len(shown) <= EXCERPT_CHARS + 2


def test_the_whole_record_and_text_that_is_not_json_show_the_line_as_written():
    raw = record({"role": "user", "content": "Hi"})
    assert excerpt(raw, "") == raw.decode()
    assert excerpt(b"{'role': 'user'}", "/role") == "{'role': 'user'}"
    assert excerpt(b"x" * 500, "") == "x" * EXCERPT_CHARS + "…"


def test_secrets_are_masked_wherever_they_stand():
    key = "sk-proj-" + "aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xY" * 2
    raw = record({"role": "system", "content": f"key: {key}"}, {"role": "assistant", "content": f"use {key}"})
    for pointer in ("/messages/1/content", "/messages/1", "/messages/0/content", ""):
        shown = excerpt(raw, pointer)
        assert key[:14] not in shown and "[OpenAI API key: sk-p…]" in shown, pointer


def test_a_json_array_file_shows_the_record_not_its_opening_brace(tmp_path):
    records = [{"instruction": f"Say {n}.", "input": "", "output": f"{n}"} for n in range(3)]
    records[1]["output"] = ""
    (tmp_path / "data.json").write_text(json.dumps(records, indent=4))
    result = run_cli("check", "--select", "FT201", str(tmp_path / "data.json"))
    excerpts = [line for line in result.out.splitlines() if line.startswith("  | ")]
    assert excerpts == ['  | …"input":"","output":""}']
