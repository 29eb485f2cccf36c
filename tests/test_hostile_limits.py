"""Bounds and limits (issue 16): rule options and numeric settings only in their ranges, --jobs no
more than the cores, and work that grows with the files, the pairs and the configuration, not
with their square. Costs are counted (calls, listings, threads), never timed: the timings are
benchmarks/bench_hostile.py's."""

from __future__ import annotations

import fnmatch
import json
import threading
from pathlib import Path

import pytest

from ft_lint import cache, cli, engine, minhash, pairing, scanning
from ft_lint.config import Settings, load_settings
from ft_lint.engine import lint
from ft_lint.rules import Option, catalog
from support import OPENAI_MODEL, chat_line, write_jsonl

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}


def run_cli(*args: str, cwd: Path, capsys, monkeypatch) -> tuple[int, str]:
    """`ft-lint ARGS` in this process: (exit code, standard error)."""
    monkeypatch.chdir(cwd)
    with pytest.raises(SystemExit) as exited:
        cli.main([*args])
    return exited.value.code, capsys.readouterr().err


def assert_one_line_error(code: int, err: str, *words: str) -> None:
    assert code == 2
    assert err.startswith("ft-lint: error: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err


# --- ranges ------------------------------------------------------------------------------------


def test_every_number_option_of_every_rule_declares_its_range():
    numbers = [
        (rule.code, key, option)
        for rule in catalog().values()
        for key, option in rule.OPTIONS.items()
        if isinstance(option.default, (int, float)) and not isinstance(option.default, bool)
    ]
    assert len(numbers) >= 6
    for code, key, option in numbers:
        assert option.minimum is not None and option.maximum is not None, (code, key)
        assert option.minimum <= option.default <= option.maximum, (code, key)
    with pytest.raises(TypeError, match="range"):
        Option(5, "a number option written without its range")


@pytest.mark.parametrize(("code", "expected"), [("FT302", "threshold = 0.9  #"), ("FT113", "max-images = 0  #")])
def test_rule_documentation_names_the_range(code, expected):
    from click.testing import CliRunner

    out = CliRunner().invoke(cli.cli, ["rule", code]).output
    line = next(line for line in out.splitlines() if expected in line)
    assert line.endswith(("(a number from 0.0 to 1.0)", "(a whole number from 0 to 1_000)"))


@pytest.mark.parametrize(
    ("table", "key", "value", "allowed"),
    [
        ("FT302", "threshold", "nan", "a number from 0.0 to 1.0"),
        ("FT302", "threshold", "-0.5", "a number from 0.0 to 1.0"),
        ("FT402", "threshold", "inf", "a number from 0.3 to 1.0"),
        ("example-near-limit", "threshold", "1e999", "a number from 0.0 to 1.0"),  # TOML reads it as inf
        ("FT304", "days", "-1", "a whole number from 0 to 3_650"),
        ("FT113", "max-images", "99999999999999999999999", "a whole number from 0 to 1_000"),
        ("FT113", "max-image-bytes", "-1", "a whole number from 0 to 1_073_741_824"),
        ("FT405", "shingle-size", "0", "a whole number from 1 to 20"),
    ],
)
def test_an_option_out_of_its_range_is_one_line_naming_the_file_key_value_and_range(
    table, key, value, allowed, tmp_path, capsys, monkeypatch
):
    write_jsonl(tmp_path / "data.jsonl", [CHAT])
    (tmp_path / "ft-lint.toml").write_text(f"[options.{table}]\n{key} = {value}\n")
    code, err = run_cli("check", "data.jsonl", cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
    shown = {"1e999": "inf"}.get(value, value)
    assert_one_line_error(code, err, "ft-lint.toml", repr(key), f"expected {allowed}, got {shown}")


def test_a_huge_bad_value_is_shown_cut_short(tmp_path, capsys, monkeypatch):
    write_jsonl(tmp_path / "data.jsonl", [CHAT])
    (tmp_path / "ft-lint.toml").write_text('[options.FT502]\nallow = "' + "x" * 100_000 + '"\n')
    code, err = run_cli("check", "data.jsonl", cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
    assert_one_line_error(code, err, "'allow'", "expected a list of strings")
    assert len(err) < 300


def test_a_number_too_long_for_python_is_a_configuration_error(tmp_path, capsys, monkeypatch):
    write_jsonl(tmp_path / "data.jsonl", [CHAT])
    (tmp_path / "ft-lint.toml").write_text("jobs = " + "9" * 5000 + "\n")  # tomllib lets int()'s ValueError out
    code, err = run_cli("check", "data.jsonl", cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
    assert_one_line_error(code, err, "ft-lint.toml", "invalid TOML", "digits")


def test_a_tool_ft_lint_that_is_not_a_table_is_a_configuration_error(tmp_path, capsys, monkeypatch):
    write_jsonl(tmp_path / "data.jsonl", [CHAT])
    (tmp_path / "pyproject.toml").write_text("[tool]\nft-lint = 5\n")
    assert_one_line_error(
        *run_cli("check", "data.jsonl", cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch),
        "pyproject.toml",
        "must be a table",
    )


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--learning-rate-multiplier", "nan", ["--learning-rate-multiplier", "'nan' is not a number"]),
        ("--beta", "inf", ["--beta", "inf is not in the range 0<x<=1000"]),
        ("--n-epochs", "1" + "0" * 21, ["--n-epochs", "1<=x<=1000"]),
        ("--batch-size", "0", ["--batch-size", "1<=x<=1000000"]),
        ("--seed", "-1", ["--seed", "0<=x<=2147483647"]),
    ],
)
def test_launch_numbers_out_of_range_are_refused_before_anything_is_read(
    option, value, words, tmp_path, capsys, monkeypatch
):
    code, err = run_cli(
        "check",
        "nothing.jsonl",
        "--launch",
        "--dry-run",
        "--model",
        OPENAI_MODEL,
        option,
        value,
        cwd=tmp_path,
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert_one_line_error(code, err, *words)


# --- --jobs ----------------------------------------------------------------------------------------


def test_jobs_beyond_the_cores_are_capped_at_the_cores(monkeypatch):
    monkeypatch.setattr(scanning, "default_jobs", lambda: 2)
    assert [scanning.jobs_to_use(asked) for asked in (None, 1, 2, 1000, 10**40)] == [2, 1, 2, 2, 2]


def test_jobs_1000_forks_no_more_workers_than_cores(tmp_path, monkeypatch):
    """-j 1000 on two cores started a worker per range, 113 on a large file: now two, and the
    near-duplicate search gets two threads."""
    monkeypatch.setattr(scanning, "default_jobs", lambda: 2)
    monkeypatch.setattr(scanning, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(scanning, "MIN_RANGE_BYTES", 2_000)
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"".join(chat_line(f"question {n}", f"answer {n}") + b"\n" for n in range(2_000)))
    workers, threads = [], []
    real_scan, real_pairs = engine.scan_in_workers, minhash.candidate_pairs

    def scan_in_workers(scope, ranges, jobs, *rest):
        workers.append((jobs, len(ranges)))
        return real_scan(scope, ranges, jobs, *rest)

    def candidate_pairs(*args):
        threads.append(args[-1])
        return real_pairs(*args)

    monkeypatch.setattr(engine, "scan_in_workers", scan_in_workers)
    monkeypatch.setattr(minhash, "candidate_pairs", candidate_pairs)
    lint([path], Settings(paths=[path], model=OPENAI_MODEL, jobs=1000, no_cache=True))
    assert workers and all(jobs == 2 and ranges <= 2 * scanning.RANGES_PER_WORKER for jobs, ranges in workers)
    assert threads and set(threads) == {2}


# --- pairing and many files ----------------------------------------------------------------------


def test_pairing_reads_each_name_a_constant_number_of_times(tmp_path, monkeypatch):
    """Each file's name was compared with every name in its folder: 400 files, 160,000 looks."""
    files = []
    for number in range(200):
        for role in ("train", "valid"):
            files.append(tmp_path / f"shard-{number}-{role}.jsonl")
            files[-1].write_text("")
    looks = []
    real = pairing.role_and_key
    monkeypatch.setattr(pairing, "role_and_key", lambda name: looks.append(name) or real(name))
    plan = pairing.plan(files)
    assert len(plan.training_of) == 200 and all(len(trainings) == 1 for trainings in plan.training_of.values())
    assert len(looks) <= 2 * len(files)


def test_validation_against_thousands_of_training_files_pairs_each_once(tmp_path):
    trainings = [tmp_path / f"part{number}.jsonl" for number in range(3_000)]
    for path in trainings:
        path.write_text("")
    validation = tmp_path / "heldout.jsonl"
    validation.write_text("")
    plan = pairing.plan([*trainings, trainings[0]], validation=validation)
    assert plan.training_of == {validation: tuple(trainings)}
    assert plan.is_paired(trainings[-1]) and plan.is_paired(validation)


def write_pairs(folder: Path, count: int) -> list[Path]:
    """`count` training and validation files, each validation example answering another question
    with nearly its training example's answer (an output near-leak: the same question would be an
    exact input leak, FT404's)."""
    files = []
    for number in range(count):
        text = f"the quick brown fox number {number} jumps over the lazy dog and runs far away into the woods today"
        files.append(
            write_jsonl(folder / f"p{number}_train.jsonl", [json.loads(chat_line(f"Tell me story {number}.", text))])
        )
        files.append(
            write_jsonl(
                folder / f"p{number}_valid.jsonl",
                [json.loads(chat_line(f"What happened to fox {number}?", text + " again"))],
            )
        )
    return files


def test_near_leaks_of_many_pairs_are_searched_at_once(tmp_path, monkeypatch):
    """A search per pair cost milliseconds each, and the record table was copied for each."""
    from ft_lint.rules import similarity

    files = write_pairs(tmp_path, 30)
    searches, tables = [], []
    real_pairs, real_table = minhash.candidate_pairs, similarity._Rows.table
    monkeypatch.setattr(minhash, "candidate_pairs", lambda *args: searches.append(1) or real_pairs(*args))
    monkeypatch.setattr(similarity._Rows, "table", lambda self, *args: tables.append(1) or real_table(self, *args))
    findings, _ = lint(files, Settings(paths=files, model=OPENAI_MODEL, select=["FT405"], no_cache=True))
    assert sorted(f.filename for f in findings) == sorted(
        str(path.as_posix()) for path in files if "valid" in path.name
    )
    # the examples of all pairs are alike: each is still compared with its own pair's only
    assert all(f.related[0].filename == f.filename.replace("_valid", "_train") for f in findings)
    assert len(searches) == 2 and len(tables) <= 2  # one for the inputs, one for the outputs


def test_a_run_lists_the_cache_folder_once_and_saves_on_one_thread(tmp_path, monkeypatch, cache_folder):
    """Each cache saved listed the whole cache folder (twice) to prune it, on a thread of its own."""
    import os
    import time

    files = [write_jsonl(tmp_path / f"f{number}.jsonl", [CHAT]) for number in range(40)]
    listings, alive = [], []
    real_listdir, real_glob, real_save = os.listdir, Path.glob, cache.CacheFolder.save
    monkeypatch.setattr(os, "listdir", lambda path=".": listings.append(Path(path)) or real_listdir(path))
    monkeypatch.setattr(Path, "glob", lambda self, pattern: listings.append(self) or real_glob(self, pattern))

    def slow_save(self, writer, data_file):
        time.sleep(0.01)  # a slow disk: saves overlap the reading of the next files
        alive.append(threading.active_count())
        return real_save(self, writer, data_file)

    monkeypatch.setattr(cache.CacheFolder, "save", slow_save)
    lint(files, Settings(paths=files, model=OPENAI_MODEL))
    assert listings.count(cache_folder) == 1
    assert len(list(cache_folder.glob("*.cache"))) == len(files)
    assert max(alive) <= threading.active_count() + 1


def test_pruning_keeps_the_newest_caches_of_every_file_and_drops_stale_temporaries(tmp_path):
    import os

    for owner in ("a", "b"):
        for age in range(cache.FINGERPRINTS_KEPT + 2):
            path = tmp_path / f"{owner}-{age:02x}.cache"
            path.write_bytes(b"")
            os.utime(path, (1000 - age, 1000 - age))
    crashed, writing = (
        f"{'0' * 16}-{digit * 32}.cache.{digit * 8}.tmp" for digit in "12"
    )  # the names write_atomically makes
    (tmp_path / crashed).write_bytes(b"")
    os.utime(tmp_path / crashed, (0, 0))
    (tmp_path / writing).write_bytes(b"")  # another run's, being written
    cache.CacheFolder(tmp_path, b"k" * 32).prune()
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert kept == sorted(
        [f"{owner}-{age:02x}.cache" for owner in "ab" for age in range(cache.FINGERPRINTS_KEPT)] + [writing]
    )


# --- a big configuration ----------------------------------------------------------------------


def test_a_big_pyproject_is_parsed_once_and_the_rules_listed_once(tmp_path, monkeypatch):
    import pkgutil

    import tomllib

    ignores = "\n".join(f'"data/part{number}/*.jsonl" = ["FT105", "secret"]' for number in range(3_000))
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.ft-lint.per-file-ignores]\n{ignores}\n")
    parses, listings = [], []
    real_load, real_modules = tomllib.load, pkgutil.iter_modules
    monkeypatch.setattr(tomllib, "load", lambda handle: parses.append(1) or real_load(handle))
    monkeypatch.setattr(pkgutil, "iter_modules", lambda *args: listings.append(1) or real_modules(*args))
    settings = load_settings(None, tmp_path)
    assert len(settings.per_file_ignores) == 3_000
    assert len(parses) == 1 and len(listings) <= 1


PATTERNS = ["data/part1/*.jsonl", "exact.jsonl", "data/[ab]?.jsonl", "DATA/Upper.jsonl", "*.ndjson", "data/plain.jsonl"]
NAMES = [
    "data/part1/x.jsonl",
    "data/part12/x.jsonl",
    "exact.jsonl",
    "data/a1.jsonl",
    "data/c1.jsonl",
    "DATA/Upper.jsonl",
    "data/upper.jsonl",
    "x/y.ndjson",
    "data/plain.jsonl",
    "plain.jsonl",
]


@pytest.mark.parametrize("name", NAMES)
def test_per_file_globs_match_as_fnmatch_does(name, tmp_path):
    settings = Settings(
        config_file=tmp_path / "ft-lint.toml", per_file_ignores={pattern: ["FT105"] for pattern in PATTERNS}
    )
    expected = [
        pattern for pattern in PATTERNS if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(Path(name).name, pattern)
    ]
    assert settings._patterns_matching(str(tmp_path / name), settings.per_file_ignores) == expected


def test_thousands_of_per_file_globs_are_not_tried_one_by_one_for_a_file_none_matches(tmp_path, monkeypatch):
    settings = Settings(
        config_file=tmp_path / "ft-lint.toml",
        per_file_ignores={f"data/part{n}/*.jsonl": ["FT105"] for n in range(5_000)},
    )
    tries = []
    real = fnmatch.fnmatchcase
    monkeypatch.setattr(fnmatch, "fnmatch", lambda name, pattern: tries.append(1) or fnmatch.fnmatchcase(name, pattern))
    monkeypatch.setattr(fnmatch, "fnmatchcase", lambda name, pattern: tries.append(1) or real(name, pattern))
    assert settings.ignored_codes_for(str(tmp_path / "other" / "x.jsonl")) == set()
    assert settings.ignored_codes_for(str(tmp_path / "data" / "part7" / "x.jsonl")) == {"FT105"}
    assert len(tries) <= 5_000 * 2  # the file that matches is checked pattern by pattern, once


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        ("support@acme.com", True),
        ("SUPPORT@ACME.COM", True),
        ("bob@acme.com", False),
        ("anyone@corp.example.org", True),
        ("+44 20 7946 0958", True),
        ("x@y.z", True),
        ("a[1]@b.com", True),
        ("a1@b.com", False),
    ],
)
def test_the_allow_list_matches_as_fnmatch_does(value, allowed):
    from ft_lint.rules.privacy import Found, PersonalData, _allowed

    rule = PersonalData({"allow": ["Support@acme.com", "*@corp.example.org", "+442079460958", "?@y.z", "a[[]1]@b.com"]})
    assert _allowed(Found("email", 0, len(value), value, ""), rule.allow_list) is allowed


def test_a_long_allow_list_is_not_tried_pattern_by_pattern(monkeypatch):
    from ft_lint.globs import Globs

    allow = Globs([f"user{n}@acme.com" for n in range(20_000)] + ["*@corp.example.org"])
    tries = []
    real = fnmatch.fnmatchcase
    monkeypatch.setattr(fnmatch, "fnmatchcase", lambda name, pattern: tries.append(1) or real(name, pattern))
    assert allow.match_any(["user19999@acme.com"]) and allow.match_any(["bob@corp.example.org"])
    assert not allow.match_any(["bob@acme.com"]) and not tries
