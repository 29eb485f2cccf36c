"""--tokenizer and --max-seq-length: examples rendered by a model folder's own chat template
(FT306-FT309, `ft-lint stats`). Each test builds a small tokenizer with the `tokenizers` library
(words and punctuation are a token each, the chat tokens are special) and writes its template."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import chat, findings_json, run_cli, write_jsonl

pytest.importorskip("tokenizers")
pytest.importorskip("jinja2")

SPECIAL_TOKENS = [
    "<|im_start|>",
    "<|im_end|>",
    "<|begin_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
]

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# Llama 3's shape: a BOS token, headers, trimmed content, <|eot_id|> after each turn.
LLAMA3 = (
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)
# The same with the answers marked, as templates written for assistant-only loss do.
LLAMA3_MARKED = (
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' }}"
    "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] | trim + '<|eot_id|>' }}"
    "{% endgeneration %}{% else %}{{ message['content'] | trim + '<|eot_id|>' }}{% endif %}{% endfor %}"
)
NO_SYSTEM = (
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}" + CHATML
)
DROPS_SYSTEM = (
    "{% for message in messages %}{% if message['role'] != 'system' %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# Gemma's way: the system prompt goes into the first user turn, so nothing is dropped.
MERGES_SYSTEM = (
    "{% if messages[0]['role'] == 'system' %}{% set first = messages[0]['content'] + '\n\n' %}"
    "{% set rest = messages[1:] %}{% else %}{% set first = '' %}{% set rest = messages %}{% endif %}"
    "{% for message in rest %}{{ '<|im_start|>' + message['role'] + '\n' }}{% if loop.first %}{{ first }}{% endif %}"
    "{{ message['content'] + '<|im_end|>\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def model_folder(folder: Path, template: str | None = CHATML, *, in_jinja_file: bool = False) -> Path:
    """A model folder: tokenizer.json, tokenizer_config.json (with the template, or beside it in
    chat_template.jinja)."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.add_special_tokens(SPECIAL_TOKENS)
    tokenizer.save(str(folder / "tokenizer.json"))
    config: dict = {"bos_token": {"content": "<|begin_of_text|>"}, "eos_token": "<|im_end|>"}
    if template is not None and in_jinja_file:
        (folder / "chat_template.jinja").write_text(template)
    elif template is not None:
        config["chat_template"] = template
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return folder


def words(count: int) -> str:
    return " ".join(f"w{n}" for n in range(count))


def lint(tmp_path: Path, records: list[dict], template: str = CHATML, *options: str) -> list[dict]:
    data = write_jsonl(tmp_path / "train.jsonl", records)
    model = model_folder(tmp_path / "model", template)
    return findings_json(
        str(data), "--no-cache", "--select", "FT306,FT307,FT308,FT309", "--tokenizer", str(model), *options
    )


# ChatML: "<|im_start|> user WORDS <|im_end|>" is 3 + words tokens; the answer's span is
# "WORDS<|im_end|>\n": words + 1 trained tokens after the 2-token header.
def chatml_tokens(user_words: int, answer_words: int) -> int:
    return (3 + user_words) + 2 + (answer_words + 1)


def test_truncation_reports_the_trained_tokens_lost(tmp_path):
    total = chatml_tokens(2, 10)  # 18; the answer's 11 trained tokens are its last ones
    findings = lint(tmp_path, [chat(words(2), words(10))], CHATML, "--max-seq-length", str(total - 4))
    [finding] = findings
    assert finding["code"] == "FT306" and finding["pointer"] == "/messages/1"
    assert "4 past max-seq-length 14" in finding["message"] and "4 of its 11 trained tokens" in finding["message"]


def test_an_example_that_fits_exactly_or_is_cut_only_after_its_answer_is_silent(tmp_path):
    exact = chat(words(2), words(10))
    trailing = {"messages": [*chat(words(2), words(3))["messages"], {"role": "user", "content": words(30)}]}
    budget = chatml_tokens(2, 10)
    assert chatml_tokens(2, 3) < budget < chatml_tokens(2, 3) + 33  # the trailing turn alone is cut
    assert lint(tmp_path, [exact, trailing], CHATML, "--max-seq-length", str(budget)) == []


def test_an_example_that_loses_its_whole_answer_is_an_error(tmp_path):
    long_prompt = chat(words(40), words(5))
    one_token_kept = chat(words(2), words(5))  # its header ends at token 7, the budget keeps token 8
    findings = lint(tmp_path, [long_prompt, one_token_kept], CHATML, "--max-seq-length", "8")
    assert [(f["line"], f["code"]) for f in findings] == [(1, "FT307"), (2, "FT306")]
    assert findings[0]["severity"] == "error" and "all 6 trained tokens" in findings[0]["message"]
    assert "5 of its 6 trained tokens" in findings[1]["message"]


def test_without_max_seq_length_nothing_is_cut(tmp_path):
    assert lint(tmp_path, [chat(words(4000), words(5))]) == []


def test_llama3_style_template_counts_bos_headers_and_the_end_of_turn(tmp_path):
    # <|begin_of_text|> + (header 3 + 2 words + eot) + (header 3 + 10 words + eot): 21 tokens, 11 trained
    findings = lint(tmp_path, [chat(words(2), words(10))], LLAMA3, "--max-seq-length", "20")
    [finding] = findings
    assert "21 tokens" in finding["message"] and "1 of its 11 trained tokens" in finding["message"]


def test_generation_blocks_mark_the_trained_tokens(tmp_path):
    findings = lint(tmp_path, [chat(words(2), words(10))], LLAMA3_MARKED, "--max-seq-length", "15")
    [finding] = findings  # the answer starts at token 10: 5 kept
    assert "21 tokens" in finding["message"] and "6 of its 11 trained tokens" in finding["message"]


def test_a_weight_0_answer_is_not_trained(tmp_path):
    record = {
        "messages": [
            {"role": "user", "content": words(2)},
            {"role": "assistant", "content": words(3), "weight": 0},
            {"role": "user", "content": words(2)},
            {"role": "assistant", "content": words(3)},
        ]
    }
    # first turns: 5 + 2 + 4 = 11, then 5 + 2: the trained answer starts at token 18
    findings = lint(tmp_path, [record], CHATML, "--max-seq-length", "17")
    assert [f["code"] for f in findings] == ["FT307"] and "all 4 trained tokens" in findings[0]["message"]


def test_a_template_that_refuses_a_system_role(tmp_path):
    findings = lint(tmp_path, [chat("Hi", "Hello", system="Be brief."), chat("Hi", "Hello")], NO_SYSTEM)
    assert [(f["line"], f["code"]) for f in findings] == [(1, "FT308")]
    assert "System role not supported" in findings[0]["message"]


def test_a_template_that_drops_the_system_prompt(tmp_path):
    records = [chat("Hi", "Hello", system="Be brief.")]
    findings = lint(tmp_path, records, DROPS_SYSTEM)
    assert [(f["line"], f["code"], f["pointer"]) for f in findings] == [(1, "FT309", "/messages/0")]
    assert "system message 0" in findings[0]["message"]


def test_a_template_that_moves_the_system_prompt_into_the_first_turn_drops_nothing(tmp_path):
    assert lint(tmp_path, [chat("Hi", "Hello", system="Be brief.")], MERGES_SYSTEM) == []


def test_a_message_the_template_renders_as_json_is_not_dropped(tmp_path):
    as_json = CHATML.replace("message['content'] +", "message['content'] | tojson +")
    record = chat('He said "hi"\nthen left', "Bye")
    assert lint(tmp_path, [record], as_json) == []


def test_a_hostile_template_is_refused_not_run(tmp_path):
    findings = lint(tmp_path, [chat()], "{{ 'x' * 1000000000 }}" + CHATML)
    assert [f["code"] for f in findings] == ["FT308"] and "multiplies" in findings[0]["message"]
    for hostile in (
        "{{ 'x'.ljust(10000000000) }}",
        "{{ '{:>9000000000}'.format(1) }}",
        "{{ '%9000000000d' % 1 }}",
        "{{ '%*d' % (9000000000, 1) }}",
    ):
        findings = lint(tmp_path, [chat()], hostile + CHATML)
        assert [f["code"] for f in findings] == ["FT308"], hostile


@pytest.mark.slow
def test_a_template_that_loops_for_ever_is_stopped(tmp_path):
    loop = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    findings = lint(tmp_path, [chat()], loop + CHATML)
    assert [f["code"] for f in findings] == ["FT308"] and "did not finish" in findings[0]["message"]


def test_the_template_may_be_in_chat_template_jinja(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [chat(words(40), words(5))])
    model = model_folder(tmp_path / "model", NO_SYSTEM, in_jinja_file=True)
    findings = findings_json(str(data), "--no-cache", "--tokenizer", str(model), "--max-seq-length", "8")
    assert "FT307" in {f["code"] for f in findings}


def test_a_hugging_face_cache_entry_is_read_at_its_refs_main_snapshot(tmp_path):
    entry = tmp_path / "hub" / "models--org--name"
    model_folder(entry / "snapshots" / "abc123", CHATML)
    model_folder(entry / "snapshots" / "old", NO_SYSTEM)
    (entry / "refs").mkdir()
    (entry / "refs" / "main").write_text("abc123\n")
    data = write_jsonl(tmp_path / "train.jsonl", [chat("Hi", "Hello", system="Be brief.")])
    assert findings_json(str(data), "--no-cache", "--select", "FT308", "--tokenizer", str(entry)) == []
    (entry / "refs" / "main").write_text("old")
    assert [
        f["code"] for f in findings_json(str(data), "--no-cache", "--select", "FT308", "--tokenizer", str(entry))
    ] == ["FT308"]


@pytest.mark.parametrize(
    ("prepare", "named"),
    [
        (lambda folder: folder, "no such folder"),
        (lambda folder: (folder.mkdir(), folder)[1], "tokenizer.json"),
        (lambda folder: model_folder(folder, None), "no chat template"),
        (
            lambda folder: (model_folder(folder).joinpath("tokenizer_config.json").write_text("{"), folder)[1],
            "not valid JSON",
        ),
        (
            lambda folder: (model_folder(folder).joinpath("tokenizer.json").write_text("{}"), folder)[1],
            "not a tokenizer",
        ),
        (lambda folder: _fifo(folder), "not a regular file"),
    ],
)
def test_a_folder_that_cannot_be_used_is_a_one_line_error_naming_it(tmp_path, prepare, named):
    data = write_jsonl(tmp_path / "train.jsonl", [chat()])
    folder = prepare(tmp_path / "model")
    result = run_cli("check", str(data), "--no-cache", "--tokenizer", str(folder))
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("ft-lint: error: ") and result.err.count("\n") == 1
    assert str(tmp_path / "model") in result.err and named in result.err


def _fifo(folder: Path) -> Path:
    """A model folder whose tokenizer.json is a FIFO: a reader that opened it would wait for ever."""
    model_folder(folder).joinpath("tokenizer.json").unlink()
    os.mkfifo(folder / "tokenizer.json")
    return folder


def test_a_hf_cache_ref_that_is_a_path_is_refused(tmp_path):
    entry = tmp_path / "models--org--name"
    (entry / "snapshots").mkdir(parents=True)
    (entry / "refs").mkdir()
    (entry / "refs" / "main").write_text("../../elsewhere")
    data = write_jsonl(tmp_path / "train.jsonl", [chat()])
    result = run_cli("check", str(data), "--no-cache", "--tokenizer", str(entry))
    assert result.code == 2 and "does not name a snapshot" in result.err


def test_max_seq_length_without_a_tokenizer_is_a_usage_error(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [chat()])
    result = run_cli("check", str(data), "--no-cache", "--max-seq-length", "100")
    assert result.code == 2 and "--tokenizer" in result.err


def test_configuration_keys_relative_to_the_configuration_file(tmp_path):
    project = tmp_path / "project"
    model_folder(project / "models" / "mine")
    write_jsonl(project / "data" / "train.jsonl", [chat(words(40), words(5))])
    (project / "ft-lint.toml").write_text('tokenizer = "models/mine"\nmax-seq-length = 8\nselect = ["FT3"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    findings = findings_json(
        "--no-cache", "--config", str(project / "ft-lint.toml"), str(project / "data"), cwd=elsewhere
    )
    assert [f["code"] for f in findings] == ["FT307"]
    # the command line wins
    findings = findings_json(
        "--no-cache",
        "--config",
        str(project / "ft-lint.toml"),
        str(project / "data"),
        "--max-seq-length",
        "100",
        cwd=elsewhere,
    )
    assert findings == []


@pytest.mark.parametrize("line", ["max-seq-length = 0", 'max-seq-length = "4096"', "tokenizer = 3", 'tokenizer = ""'])
def test_bad_configuration_values_name_the_key(tmp_path, line):
    (tmp_path / "ft-lint.toml").write_text(line + "\n")
    data = write_jsonl(tmp_path / "train.jsonl", [chat()])
    result = run_cli("check", str(data), "--no-cache", cwd=tmp_path)
    assert result.code == 2 and line.split(" =")[0] in result.err


def test_no_provider_limits_are_assumed_for_local_training(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [chat()])  # one example: below any provider's minimum
    model = model_folder(tmp_path / "model")
    assert findings_json(str(data), "--no-cache", "--tokenizer", str(model)) == []
    assert "against no provider's limits" in run_cli("check", str(data), "--no-cache", "--tokenizer", str(model)).out
    named = findings_json(str(data), "--no-cache", "--tokenizer", str(model), "--model", "gpt-4.1-mini-2025-04-14")
    assert "FT006" in {f["code"] for f in named}


def test_stats_of_lengths_against_the_budget(tmp_path):
    data = write_jsonl(
        tmp_path / "train.jsonl",
        [
            chat(words(2), words(3)),
            chat(words(2), words(10)),
            chat(words(40), words(5)),
            chat("Hi", "Hello", system="S"),
        ],
    )
    model = model_folder(tmp_path / "model", NO_SYSTEM)
    result = run_cli("stats", str(data), "--tokenizer", str(model), "--max-seq-length", "14", "--output-format", "json")
    assert result.code == 0, result.err
    local = json.loads(result.out)[0]["local"]
    assert {k: local[k] for k in ("examples", "fit", "cut", "lose_everything", "refused", "max_seq_length")} == {
        "examples": 3,
        "fit": 1,
        "cut": 2,
        "lose_everything": 1,
        "refused": 1,
    } | {"max_seq_length": 14}
    assert local["tokens"]["min"] == chatml_tokens(2, 3) and local["tokens"]["max"] == chatml_tokens(40, 5)
    text = run_cli("stats", str(data), "--tokenizer", str(model), "--max-seq-length", "14")
    assert "max-seq-length 14: 1 fit, 2 cut, 1 of them lose every trained token" in text.out
    assert "1 example the template cannot render" in text.out


# Drops earlier answers' text before a "</think>", as reasoning templates do: the conversation up
# to an earlier answer is not a prefix of the whole, so its span is found by its text.
NOT_PREFIX_STABLE = (
    "{% for message in messages %}{% set content = message['content'] %}"
    "{% if message['role'] == 'assistant' and not loop.last and '</think>' in content %}"
    "{% set content = content.split('</think>')[-1] %}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + content + '<|im_end|>\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def test_a_template_that_is_not_prefix_stable_has_its_answers_found_by_their_text(tmp_path):
    record = {
        "messages": [
            {"role": "user", "content": words(2)},
            {"role": "assistant", "content": "<think> w1 w2 </think> w3 w4 w5"},
            {"role": "user", "content": words(2)},
            {"role": "assistant", "content": words(3)},
        ]
    }
    # 22 tokens: the first answer rewritten (its text is not there: FT309, and no span), the last
    # answer's 4 trained tokens at 18-21
    findings = lint(tmp_path, [record], NOT_PREFIX_STABLE, "--max-seq-length", "20")
    assert sorted((f["code"], f["pointer"]) for f in findings) == [("FT306", "/messages/3"), ("FT309", "/messages/1")]
    [cut] = [f for f in findings if f["code"] == "FT306"]
    assert "2 of its 4 trained tokens" in cut["message"] and "found by their text" in cut["message"]


@pytest.mark.slow
def test_linting_without_a_tokenizer_imports_neither_library(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [chat()])
    probe = (
        "import sys\nfrom ft_lint.cli import cli\ntry:\n"
        f"    cli.main(['check', '--no-cache', {str(data)!r}, '--exit-zero'], standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('tokenizers', 'jinja2') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert "1 record" in result.stdout and result.stdout.splitlines()[-1] == "[]"
