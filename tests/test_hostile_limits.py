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

from helpers import OPENAI_MODEL, chat_line, write_jsonl
from ft_lint import cache, cli, engine, minhash, pairing, scanning
from ft_lint.config import Settings, load_settings
from ft_lint.engine import lint
from ft_lint.rules import Option, catalog

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
    """`count` training and validation files, each validation example a near copy of its training one."""
    files = []
    for number in range(count):
        text = f"the quick brown fox number {number} jumps over the lazy dog and runs far away into the woods today"
        files.append(write_jsonl(folder / f"p{number}_train.jsonl", [json.loads(chat_line("q", text))]))
        files.append(write_jsonl(folder / f"p{number}_valid.jsonl", [json.loads(chat_line("q", text + " again"))]))
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
    assert sorted(f.filename for f in findings) == sorted(str(path.as_posix()) for path in files if "valid" in path.name)
    # the examples of all pairs are alike: each is still compared with its own pair's only
    assert all(f.related[0].filename == f.filename.replace("_valid", "_train") for f in findings)
    assert len(searches) == 1 and len(tables) <= 2


def test_a_run_lists_the_cache_folder_once_and_saves_on_one_thread(tmp_path, monkeypatch, cache_folder):
    """Each cache saved listed the whole cache folder (twice) to prune it, on a thread of its own."""
    import os
    import time

    files = [write_jsonl(tmp_path / f"f{number}.jsonl", [CHAT]) for number in range(40)]
    listings, alive = [], []
    real_listdir, real_glob, real_save = os.listdir, Path.glob, cache.CacheWriter.save
    monkeypatch.setattr(os, "listdir", lambda path=".": listings.append(Path(path)) or real_listdir(path))
    monkeypatch.setattr(Path, "glob", lambda self, pattern: listings.append(self) or real_glob(self, pattern))

    def slow_save(self, directory, data_file):
        time.sleep(0.01)  # a slow disk: saves overlap the reading of the next files
        alive.append(threading.active_count())
        return real_save(self, directory, data_file)

    monkeypatch.setattr(cache.CacheWriter, "save", slow_save)
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
    (tmp_path / "x.cache.1.tmp").write_bytes(b"")
    os.utime(tmp_path / "x.cache.1.tmp", (0, 0))
    (tmp_path / "y.cache.2.tmp").write_bytes(b"")  # another run's, being written
    cache.prune(tmp_path)
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert kept == sorted([f"{owner}-{age:02x}.cache" for owner in "ab" for age in range(cache.FINGERPRINTS_KEPT)] + ["y.cache.2.tmp"])


PATTERNS = ["data/part1/*.jsonl", "exact.jsonl", "data/[ab]?.jsonl", "DATA/Upper.jsonl", "*.ndjson", "data/plain.jsonl"]
NAMES = ["data/part1/x.jsonl", "data/part12/x.jsonl", "exact.jsonl", "data/a1.jsonl", "data/c1.jsonl",
         "DATA/Upper.jsonl", "data/upper.jsonl", "x/y.ndjson", "data/plain.jsonl", "plain.jsonl"]
