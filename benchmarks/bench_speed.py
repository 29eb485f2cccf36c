"""Speed of ft-lint against the OpenAI cookbook's data-preparation method, side by side.

Generates chat JSONL files of the sizes asked (deterministic, in benchmarks/data/, git-ignored),
runs every tool on each in its own subprocess, and prints one table: MB/s, examples/s, peak RSS
and the throughput ratio to the cookbook method, cold and (where ft-lint has a cache) warm after
1% of the lines changed.

    python benchmarks/bench_speed.py --sizes 10,100
    python benchmarks/bench_speed.py --sizes 10 --tool "ft-lint -j1={ft_lint} --jobs 1"

A tool is LABEL=COMMAND; in COMMAND, {file} is the data file, {python} this interpreter and
{ft_lint} the default ft-lint command line (without its file). Peak RSS is the largest sum of
the resident memory of the tool's process and all its descendants, sampled every 20 ms (so
worker processes count), and never less than what time(1) reports for the largest process;
peak PSS the same with each page shared between processes counted once.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
MB = 1_000_000
SEED = 20261122
FT_LINT = (
    "{python} -m ft_lint check {file} --model gpt-4o-mini-2024-07-18 --output-format json -o /dev/null --exit-zero"
)
COOKBOOK = "{python} " + shlex.quote(str(HERE / "cookbook_method.py")) + " {file} --encoding o200k_base"
CACHE_OPTION = "--no-cache"  # ft-lint has a cache when its `check --help` offers this


# --- data ---------------------------------------------------------------------------------

_ACCENTED = ["café", "naïve", "über", "señor", "déjà", "façade", "Zürich", "東京", "データ", "привет"]
_FUNCTIONS = ["get_weather", "search_orders", "book_table", "convert_currency", "lookup_user"]


class _Words:
    """Word-like text with a Zipf-shaped vocabulary, drawn in big numpy batches (fast).

    The words are o200k_base's whole-word tokens in rank order (frequent merges first), so
    the text tokenizes like English prose (about 4 bytes per token), which matters because
    tokenizing is what the baseline spends its time on.
    """

    def __init__(self, rng: np.random.Generator, size: int = 30_000):
        words = _english_like_words(size)
        common = 40  # the most frequent words stay plain
        words[common::97] = [_ACCENTED[i % len(_ACCENTED)] for i in range(len(words[common::97]))]
        words[common + 5 :: 13] = [w + "." for w in words[common + 5 :: 13]]
        words[common + 7 :: 29] = [w + "," for w in words[common + 7 :: 29]]
        words[common + 11 :: 401] = [w + "\n\n" for w in words[common + 11 :: 401]]
        self.vocabulary = words
        weights = 1.0 / np.arange(1, size + 1) ** 1.05
        self._probabilities = weights / weights.sum()
        self._rng = rng
        self._batch: list[int] = []
        self._next = 0

    def text(self, words: int) -> str:
        if self._next + words > len(self._batch):
            self._batch = self._rng.choice(len(self.vocabulary), max(1_000_000, words), p=self._probabilities).tolist()
            self._next = 0
        start, self._next = self._next, self._next + words
        return " ".join(map(self.vocabulary.__getitem__, self._batch[start : self._next])).strip()


def _english_like_words(size: int) -> list[str]:
    from ft_lint.tokens import get_encoding

    encoding = get_encoding("o200k_base")
    words = []
    for token in range(encoding.n_vocab):
        try:
            piece = encoding.decode_single_token_bytes(token)
        except KeyError:  # a gap in the ranks
            continue
        if (
            piece[:1] == b" "
            and 3 <= len(piece) <= 13
            and piece[1:].isalpha()
            and piece[1:].islower()
            and piece.isascii()
        ):
            words.append(piece[1:].decode())
            if len(words) == size:
                break
    return words


def _lengths(rng: np.random.Generator, median_words: float, n: int) -> list[int]:
    """Long-tailed message lengths (log-normal), 1 to 20,000 words."""
    return np.clip(rng.lognormal(np.log(median_words), 1.1, n), 1, 20_000).astype(int).tolist()


def _tool_exchange(rng: np.random.Generator, words: _Words, number: int) -> tuple[list[dict], list[dict]]:
    name = _FUNCTIONS[int(rng.integers(len(_FUNCTIONS)))]
    tools = [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": words.text(12),
                "parameters": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string", "description": words.text(6)},
                        "limit": {"type": "integer"},
                    },
                    "required": ["query"],
                },
            },
        }
    ]
    call_id = f"call_{number:08x}"
    messages = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {
                        "name": name,
                        "arguments": orjson.dumps({"query": words.text(4), "limit": int(rng.integers(1, 20))}).decode(),
                    },
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": call_id,
            "content": orjson.dumps({"results": words.text(40).split(". ")}).decode(),
        },
    ]
    return tools, messages


def _records(seed: int):
    """An endless, deterministic stream of chat records as JSON lines (bytes, no newline)."""
    rng = np.random.default_rng(seed)
    words = _Words(rng)
    system_prompts = [words.text(n) for n in (25, 60, 120, 300, 800)]
    recent: list[bytes] = []
    number = 0
    while True:
        batch = 1000
        turns = np.minimum(rng.geometric(0.6, batch), 8).tolist()
        user_lengths = _lengths(rng, 20, sum(turns))
        reply_lengths = _lengths(rng, 45, sum(turns))
        draws = rng.random((batch, 3)).tolist()
        systems = rng.choice(len(system_prompts), batch, p=[0.4, 0.25, 0.15, 0.12, 0.08]).tolist()
        t = 0
        for i in range(batch):
            number += 1
            duplicate, tooled, no_system = draws[i]
            if duplicate < 0.002 and recent:  # a planted exact duplicate of a recent record
                yield recent[int(rng.integers(len(recent)))]
                continue
            messages = [] if no_system < 0.1 else [{"role": "system", "content": system_prompts[systems[i]]}]
            record: dict = {}
            for _ in range(turns[i]):
                messages.append({"role": "user", "content": words.text(user_lengths[t])})
                messages.append({"role": "assistant", "content": words.text(reply_lengths[t])})
                t += 1
            if tooled < 0.05:
                tools, exchange = _tool_exchange(rng, words, number)
                messages[-1:-1] = exchange
                record["tools"] = tools
            record = {"messages": messages, **record}
            line = orjson.dumps(record)
            if len(recent) < 256:
                recent.append(line)
            else:
                recent[number % 256] = line
            yield line


def generate(path: Path, size_bytes: int, seed: int = SEED) -> None:
    """Write records until the file holds at least `size_bytes` (atomically: temp + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial")
    written = 0
    with temporary.open("wb") as out:
        for line in _records(seed):
            out.write(line + b"\n")
            written += len(line) + 1
            if written >= size_bytes:
                break
    os.replace(temporary, path)


def data_file(size_mb: float) -> Path:
    path = DATA / f"chat-{size_mb:g}MB-seed{SEED}.jsonl"
    if not path.exists():
        print(f"generating {path.name} ...", file=sys.stderr, flush=True)
        generate(path, int(size_mb * MB))
    return path


def change_lines(path: Path, fraction: float = 0.01, seed: int = SEED) -> int:
    """Edit `fraction` of the records in place (one word appended to the last message's text).

    Returns the number of lines changed. The file keeps its line count, and stays valid JSONL.
    """
    rng = np.random.default_rng(seed + 1)
    temporary = path.with_suffix(".partial")
    changed = 0
    with path.open("rb") as source, temporary.open("wb") as out:
        for line in source:
            if rng.random() < fraction:
                record = orjson.loads(line)
                record["messages"][-1]["content"] = (record["messages"][-1].get("content") or "") + " edited"
                line = orjson.dumps(record) + b"\n"
                changed += 1
            out.write(line)
    os.replace(temporary, path)
    return changed


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Run:
    tool: str
    size_mb: float
    mode: str  # cold | warm
    seconds: float
    cpu_seconds: float  # user + system time of the tool and its workers
    peak_rss_mb: float
    peak_pss_mb: float  # 0 where /proc has no smaps_rollup
    exit_code: int
    examples: int
    file_mb: float

    @property
    def mb_per_s(self) -> float:
        return self.file_mb / self.seconds

    @property
    def examples_per_s(self) -> float:
        return self.examples / self.seconds


def _descendants_memory(root: int, with_pss: bool = True) -> tuple[int, int]:
    """Resident memory (RSS) and proportional set size (PSS) of all the descendants of a
    process, summed (Linux /proc). Forked workers share the pages they inherited: the RSS sum
    counts those once per process, PSS divides each shared page among its sharers."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)  # fields[1] is the parent pid
        rss[pid] = int(fields[21]) * page
    total_rss = total_pss = 0
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        total_rss += rss.get(pid, 0)
        total_pss += _pss_bytes(pid) if with_pss else 0
        stack += children.get(pid, [])
    return total_rss, total_pss


def _pss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, float, float, int]:
    """Run a command; (wall seconds, CPU seconds, peak RSS and peak PSS in MB, exit code). Its output is discarded.

    The command runs under /usr/bin/time: a process's maximum RSS as the kernel counts it
    starts from its parent's size at fork, and this script is big; time(1) is small.
    """
    with tempfile.NamedTemporaryFile("r") as kernel_peak:
        start = time.perf_counter()
        process = subprocess.Popen(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", kernel_peak.name, *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        peak = peak_pss = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak, peak_pss
            count = 0
            while not done.wait(0.02):
                # Each sample costs this process ~1 ms of CPU (it reads /proc), a PSS ~4 ms more
                # (the kernel walks the pages): every 20 ms and every 100 ms, so that the
                # sampling takes under a tenth of a core from the tool being measured
                rss, pss = _descendants_memory(process.pid, with_pss=count % 5 == 0)
                peak, peak_pss, count = max(peak, rss), max(peak_pss, pss), count + 1

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        errors = process.stderr.read().decode(errors="replace").strip()
        process.wait()
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        reported = kernel_peak.read().strip().splitlines()[-1].split()  # time(1) may print a note first
    if process.returncode != 0:
        print(f"  exit {process.returncode}: {shlex.join(command)}\n  {errors[-2000:]}", file=sys.stderr)
    kilobytes, user, system = int(reported[0]), float(reported[1]), float(reported[2])
    return seconds, user + system, max(peak, kilobytes * 1024) / 2**20, peak_pss / 2**20, process.returncode


def expand(template: str, file: Path) -> list[str]:
    python = shlex.quote(sys.executable)
    text = template.replace("{ft_lint}", FT_LINT).replace("{python}", python)
    return [part.replace("{file}", str(file)) for part in shlex.split(text)]


def has_cache(template: str) -> bool:
    command = [part for part in expand(template, Path("x")) if part != "x"]
    if "check" not in command:
        return False
    command = [*command[: command.index("check") + 1], "--help"]
    found = subprocess.run(command, capture_output=True, text=True)
    return CACHE_OPTION in found.stdout


def bench_tool(label: str, template: str, size_mb: float, source: Path, examples: int, warm: bool) -> list[Run]:
    """A cold run (empty cache) and, when asked, a warm run after 1% of the lines changed."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="ft-lint-bench-", dir=DATA) as scratch:
        # an installed package has its bytecode: let the tools write theirs whatever this shell says
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["FT_LINT_CACHE_DIR"] = str(Path(scratch) / "cache")
        target = source
        if warm:  # the cache is per data file: work on a copy that can be edited
            target = Path(scratch) / source.name
            shutil.copyfile(source, target)
        file_mb = target.stat().st_size / MB
        runs.append(
            Run(label, size_mb, "cold", *measure(expand(template, target), env), examples=examples, file_mb=file_mb)
        )
        if warm:
            change_lines(target)
            os.sync()  # the edit's 1 GB of dirty pages written back now, not during the measured run
            runs.append(
                Run(label, size_mb, "warm", *measure(expand(template, target), env), examples=examples, file_mb=file_mb)
            )
    return runs


def table(runs: list[Run]) -> str:
    baseline = {r.size_mb: r for r in runs if r.tool == "cookbook"}
    header = (
        "tool",
        "size",
        "run",
        "seconds",
        "CPU s",
        "MB/s",
        "examples/s",
        "peak RSS",
        "peak PSS",
        "vs cookbook",
        "CPU vs cookbook",
    )
    rows = [header]
    for r in runs:
        base = baseline.get(r.size_mb)
        ratio = f"{r.mb_per_s / base.mb_per_s:.2f}x" if base else "-"
        cpu_ratio = f"{base.cpu_seconds / r.cpu_seconds:.2f}x" if base and r.cpu_seconds else "-"
        status = "" if r.exit_code == 0 else f" (exit {r.exit_code})"
        rows.append(
            (
                r.tool,
                f"{r.size_mb:g} MB",
                r.mode + status,
                f"{r.seconds:.2f}",
                f"{r.cpu_seconds:.2f}",
                f"{r.mb_per_s:.1f}",
                f"{r.examples_per_s:,.0f}",
                f"{r.peak_rss_mb:,.0f} MB",
                f"{r.peak_pss_mb:,.0f} MB",
                ratio,
                cpu_ratio,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 24):
            count += block.count(b"\n")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100", help="file sizes in MB, comma-separated (e.g. 10,100,1000)")
    parser.add_argument(
        "--tool", action="append", metavar="LABEL=COMMAND", help="a tool to measure (default: ft-lint={ft_lint})"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the cookbook method")
    parser.add_argument(
        "--warm",
        choices=("auto", "yes", "no"),
        default="auto",
        help="measure a warm run (auto: when the tool offers --no-cache)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per tool and size; the fastest is shown (the machine may be shared)"
    )
    parser.add_argument("--json", type=Path, help="also write the runs as JSON here")
    args = parser.parse_args()

    tools = [tuple(spec.split("=", 1)) for spec in (args.tool or ["ft-lint={ft_lint}"])]
    if not args.no_baseline:
        tools.insert(0, ("cookbook", COOKBOOK))
    warm = {
        label: label != "cookbook" and (args.warm == "yes" or (args.warm == "auto" and has_cache(command)))
        for label, command in tools
    }
    runs: list[Run] = []
    for size_mb in (float(s) for s in args.sizes.split(",")):
        source = data_file(size_mb)
        examples = _count_lines(source)
        tries: dict[str, list[list[Run]]] = {label: [] for label, _ in tools}
        for attempt in range(args.repeat):  # tools take turns, so a busy spell hits them alike
            for label, command in tools:
                print(f"{label} on {source.name} ({attempt + 1}/{args.repeat}) ...", file=sys.stderr, flush=True)
                tries[label].append(bench_tool(label, command, size_mb, source, examples, warm[label]))
        for label, _ in tools:
            runs += [min(same_mode, key=lambda r: r.seconds) for same_mode in zip(*tries[label], strict=True)]
    print(table(runs))
    if args.json:
        args.json.write_bytes(
            orjson.dumps(
                [{**vars(r), "mb_per_s": r.mb_per_s, "examples_per_s": r.examples_per_s} for r in runs],
                option=orjson.OPT_INDENT_2,
            )
        )


if __name__ == "__main__":
    main()
