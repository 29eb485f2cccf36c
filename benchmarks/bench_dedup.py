"""Near-duplicates and leakage (FT402-FT405): speed, peak memory, and the planted pairs found.

    python3 benchmarks/bench_dedup.py [MEGABYTES] [--keep FOLDER]

(--keep: generate into FOLDER and keep the data there; a later run with the same FOLDER reuses it.)

Generates a training file of about MEGABYTES (default 100) of chat examples (a shared system
prompt, then user and assistant text drawn from a 20,000-word vocabulary with a Zipf-like
frequency), in which 1% of the examples are planted near-copies of an earlier one (a few words
changed: similarity about 0.85 to 0.97) and 0.5% are further edits (similarity under 0.8, which must
not be reported), plus a validation file (1% of the size) with planted leaks: whole examples, their
input with a new answer, their answer to a new input (FT404), and near copies (FT405). Prints:
  * `ft-lint check --select FT402,FT403,FT404,FT405 train.jsonl` (the validation file is found
    by name): seconds, MB/s of input, peak RSS of the process, and planted pairs found
  * the same with every rule on, for scale
  * MinHash band hashes alone (text extraction excluded): MB of example text per second
Each check runs in its own process, so peak RSS is that run's alone; CPU time (user + system)
is printed beside wall time, since other work on a shared machine slows the wall clock.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ft_lint import minhash
from ft_lint.rules.similarity import example_text

SYSTEM = "You are a helpful assistant for an online bookshop. Answer briefly and politely; never invent titles."
NEAR_SHARE, FAR_SHARE, VALIDATION_SHARE = 0.01, 0.005, 0.01


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Words, and their cumulative Zipf-like weights (for random.choices)."""
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10))) for _ in range(20_000)
    ]
    return words, list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))


def edit(rng: random.Random, text: str, changes: int, words: list[str]) -> str:
    """The text with `changes` words replaced by other words."""
    tokens = text.split()
    for _ in range(changes):
        at = rng.randrange(len(tokens))
        tokens[at] = rng.choice([word for word in rng.sample(words, 2) if word != tokens[at]])
    return " ".join(tokens)


def record(user: str, answer: str) -> str:
    return (
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": user},
                    {"role": "assistant", "content": answer},
                ]
            }
        )
        + "\n"
    )


def generate(folder: Path, megabytes: float) -> dict:
    """train.jsonl and valid.jsonl in the folder; returns what was planted (line numbers)."""
    rng = random.Random(42)
    words, weights = vocabulary(rng)
    planted = {"near": {}, "far": [], "leaks": {}, "near_leaks": {}, "input_leaks": {}, "output_leaks": {}}
    kept: list[tuple[str, str]] = []  # a sample of earlier examples to copy from
    written = line = 0
    with (folder / "train.jsonl").open("w", encoding="utf-8") as out:
        while written < megabytes * 1_000_000:
            line += 1
            roll = rng.random()
            if kept and roll < NEAR_SHARE:
                source_line, (user, answer) = rng.choice(kept)
                planted["near"][line] = source_line
                text = record(user, edit(rng, answer, 1, words))
            elif kept and roll < NEAR_SHARE + FAR_SHARE:
                source_line, (user, answer) = rng.choice(kept)
                planted["far"].append(line)
                text = record(user, edit(rng, answer, 40, words))
            else:
                user = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(10, 60)))
                answer = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(80, 300)))
                text = record(user, answer)
                if len(kept) < 10_000 or rng.random() < 0.01:
                    kept.append((line, (user, answer)))
                    kept = kept[-10_000:]
            out.write(text)
            written += len(text.encode())
    training_lines = line
    with (folder / "valid.jsonl").open("w", encoding="utf-8") as out:
        for number in range(1, max(20, int(training_lines * VALIDATION_SHARE)) + 1):
            roll = rng.random()
            new_user, new_answer = (
                " ".join(rng.choices(words, cum_weights=weights, k=30)),
                " ".join(rng.choices(words, cum_weights=weights, k=150)),
            )
            if roll < 0.16:
                source_line, (user, answer) = rng.choice(kept)
                kind, text = (
                    ("leaks", record(user, answer))
                    if roll < 0.04
                    else ("near_leaks", record(edit(rng, user, 1, words), edit(rng, answer, 1, words)))
                    if roll < 0.08
                    else ("input_leaks", record(user, new_answer))
                    if roll < 0.12
                    else ("output_leaks", record(new_user, answer))
                )
                planted[kind][number] = source_line
                out.write(text)
            else:
                out.write(record(new_user, new_answer))
    return planted


def bench_band_hashes(path: Path) -> None:
    from ft_lint.formats import detect
    from ft_lint.reader import read_entries
    from ft_lint.record import Record

    entries = list(itertools.islice(read_entries(path), 50_000))
    texts = [
        example_text(Record(path.name, entry.line, entry.raw, entry.value, detect(entry.value))) for entry in entries
    ]
    size = sum(len(text.encode()) for text in texts)
    bands, rows = minhash.lsh_shape(0.8)
    minhash.band_hashes(texts[:10], 5, bands, rows)  # tables built once per process
    start, start_cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), 512):
        minhash.band_hashes(texts[i : i + 512], 5, bands, rows)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    label = f"MinHash band hashes ({len(texts):,} examples)"
    print(
        f"{label:<44} {seconds:7.1f} s {size / seconds / 1e6:6.1f} MB/s  "
        f"(CPU {cpu:6.1f} s {size / cpu / 1e6:6.1f} MB/s of text)"
    )


def run_check(label: str, args: list[str], folder: Path, size: int) -> list[dict]:
    start = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ft_lint",
            "check",
            *args,
            "--output-format",
            "json",
            "--exit-zero",
            "-o",
            "report.json",
        ],
        cwd=folder,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{label}: ft-lint failed")
    cpu = usage.ru_utime + usage.ru_stime
    print(
        f"{label:<44} {seconds:7.1f} s {size / seconds / 1e6:6.1f} MB/s  "
        f"(CPU {cpu:6.1f} s {size / cpu / 1e6:6.1f} MB/s)  peak RSS {usage.ru_maxrss / 1024:5.0f} MB"
    )
    return json.loads((folder / "report.json").read_text())


def found(report: list[dict], code: str, filename: str) -> dict[int, int]:
    return {f["line"]: f["related"][0]["line"] for f in report if f["code"] == code and f["filename"] == filename}


def similarity_of(path: Path, first: int, second: int) -> float:
    from ft_lint.formats import detect
    from ft_lint.reader import read_entries
    from ft_lint.record import Record

    entries = list(read_entries(path, only_lines={first, second}))
    texts = [
        example_text(Record(path.name, entry.line, entry.raw, entry.value, detect(entry.value))) for entry in entries
    ]
    return minhash.jaccard(*minhash.shingle_sets(texts, 5))


def planted_found(planted: dict[int, int], reported: dict[int, int]) -> int:
    """Planted pairs reported with their source, or with an earlier copy of the same source."""
    return sum(
        reported.get(line) in (source, *(other for other, its in planted.items() if its == source))
        for line, source in planted.items()
    )


def main() -> None:
    arguments = sys.argv[1:]
    keep = Path(arguments.pop(arguments.index("--keep") + 1)) if "--keep" in arguments else None
    if keep:
        arguments.remove("--keep")
    megabytes = float(arguments[0]) if arguments else 100
    with tempfile.TemporaryDirectory() as scratch:
        folder = keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        record_of_plants = folder / "planted.json"
        if keep and record_of_plants.exists():
            planted = {
                kind: {int(k): v for k, v in lines.items()} if isinstance(lines, dict) else lines
                for kind, lines in json.loads(record_of_plants.read_text()).items()
            }
        else:
            planted = generate(folder, megabytes)
            record_of_plants.write_text(json.dumps(planted))
        size = (folder / "train.jsonl").stat().st_size + (folder / "valid.jsonl").stat().st_size
        print(
            f"data: {size / 1e6:,.1f} MB ({time.perf_counter() - start:.0f} s to generate); "
            f"planted: {len(planted['near'])} near-duplicates, {len(planted['far'])} edits under 0.8, "
            f"{len(planted['leaks'])} leaks, {len(planted['input_leaks'])} input leaks, "
            f"{len(planted['output_leaks'])} output leaks, {len(planted['near_leaks'])} near leaks"
        )
        report = run_check(
            "check FT402,FT403,FT404,FT405", ["train.jsonl", "--select", "FT402,FT403,FT404,FT405"], folder, size
        )
        near = found(report, "FT402", "train.jsonl")
        missed = [(line, source) for line, source in planted["near"].items() if line not in near]
        print(
            f"  FT402: {planted_found(planted['near'], near)} of {len(planted['near'])} planted pairs found, "
            f"{sum(line in near for line in planted['far'])} of {len(planted['far'])} "
            "planted edits under 0.8 reported, "
            f"{len(set(near) - set(planted['near']))} other findings"
        )
        for line, source in missed[:5]:
            similarity = similarity_of(folder / "train.jsonl", line, source)
            print(f"    missed: line {line} ~ line {source}, similarity {similarity:.3f}")
        leaks, near_leaks = found(report, "FT404", "valid.jsonl"), found(report, "FT405", "valid.jsonl")
        exact = {**planted["leaks"], **planted["input_leaks"], **planted["output_leaks"]}
        exact_found = sum(leaks.get(line) == source for line, source in exact.items())
        near_found = sum(near_leaks.get(line) == source for line, source in planted["near_leaks"].items())
        print(
            f"  FT404: {exact_found} of {len(exact)} leaks (whole, input, output) found; "
            f"FT405: {near_found} of {len(planted['near_leaks'])} near leaks found, "
            f"{len(set(leaks) - set(exact)) + len(set(near_leaks) - set(planted['near_leaks']))} other findings"
        )
        run_check("check, every rule", ["train.jsonl"], folder, size)
        bench_band_hashes(folder / "train.jsonl")  # last: a forked child's peak RSS counts its parent's memory


if __name__ == "__main__":
    main()
