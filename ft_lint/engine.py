"""The one function the CLI calls: lint what the settings name, report, return the exit code."""

from __future__ import annotations

import functools
import sys
from array import array
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from itertools import islice
from pathlib import Path
from typing import Collection, Iterator

from ft_lint import pairing
from ft_lint.cache import CacheWriter, RecordCache, cache_directory, key_function, settings_fingerprint
from ft_lint.cache import load as load_cache
from ft_lint.cache import prune as prune_cache
from ft_lint.config import current_date
from ft_lint.findings import Finding, Problem
from ft_lint.formats import Format, all_formats, detect
from ft_lint.model_choice import ModelChoice, choose_model, model_notes
from ft_lint.reader import Kind, UnreadableFile, WholeFileProblem, read_entries
from ft_lint.record import Record
from ft_lint.reporters import RunSummary, get_reporter
from ft_lint.rules import Dataset, FileSummary, Rule, Summaries
from ft_lint.rules.privacy import redact
from ft_lint.scanning import FileScope, Report, RuleSet, Scan, WorkerDied, entries_at, file_blocks, jobs_to_use, make_record, scan_blocks, scan_in_workers, worker_ranges

DATA_SUFFIXES = (".jsonl", ".ndjson")
SNIFF_RECORDS = 50
SNIFF_ENTRIES = 1000  # lines read at most while sniffing, so a file of broken lines stays cheap
EXCERPT_CHARS = 100
REDACTED_WINDOW = 8 * 1024  # bytes of a record masked before its excerpt is cut (longer than a secret)


class UsageError(Exception):
    """A path or option the user gave that cannot be used: one line, exit code 2."""


def run(settings, report=None) -> int:
    """Lint, then `report(findings, run_summary, settings)` (default: `write_report`); the exit code."""
    files = collect_files(settings.paths)
    if not files:  # a mistyped folder in CI would otherwise pass silently
        names = ", ".join(map(display_name, settings.paths))
        print(f"ft-lint: warning: no data files (*.jsonl, *.ndjson, *.json arrays) in {names}", file=sys.stderr)
    if settings.diff:  # print what --fix would change, and nothing else
        from ft_lint.fixer import show_diff

        return show_diff(files, settings, sys.stdout)
    if settings.output_file is not None:
        _open_report(settings.output_file).close()  # a report that cannot be written fails before the work
    launch = None
    if settings.launch is not None:  # what --launch can check without the lint comes first
        from ft_lint.launch.flow import prepare

        launch = prepare(settings, files)
    if settings.fix:
        from ft_lint.fixer import fix_and_lint

        findings, run_summary = fix_and_lint(files, settings)
    else:
        findings, run_summary = lint(files, settings)
    (report or write_report)(findings, run_summary, settings)
    return launch.after_lint(findings) if launch else exit_code(findings, settings)


def exit_code(findings: list[Finding], settings) -> int:
    if settings.exit_zero:
        return 0
    return 1 if any(f.severity >= settings.fail_on for f in findings) else 0


def write_report(findings: list[Finding], run_summary: RunSummary, settings) -> None:
    if settings.statistics:
        report = _report_statistics
    else:
        report = get_reporter(settings.output_format)
    target = settings.output_file
    with (_open_report(target) if target else nullcontext(sys.stdout)) as out:
        report(findings, run_summary, out)


def _open_report(target: Path):
    try:
        return target.open("w", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{target}: cannot write the report: {error.strerror or error}") from None


def _report_statistics(findings: list[Finding], run_summary: RunSummary, out) -> None:
    counts = Counter((f.code, f.name, f.severity.label) for f in findings)
    for (code, name, severity), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        out.write(f"{count:>8}  {code}  {name}  [{severity}]\n")
    from ft_lint.reporters import summary_line

    out.write(summary_line(findings, run_summary) + "\n")


def collect_files(paths: list[Path]) -> list[Path]:
    """Files named, and the data files inside folders named, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _is_data_file(p, path))
            if not found and path.suffix.lower() in (*DATA_SUFFIXES, ".json"):
                raise UsageError(f"{path}: is a directory, not a data file")
            files += found
        elif path.exists():
            files.append(path)
        elif path.is_symlink():
            raise UsageError(f"{path}: broken symbolic link")
        else:
            raise UsageError(f"{path}: no such file or directory")
    return list(dict.fromkeys(files))


def _is_data_file(path: Path, folder: Path) -> bool:
    if any(part.startswith(".") for part in path.relative_to(folder).parts[:-1]):
        return False  # .git, .venv and the like inside the folder named
    suffix = path.suffix.lower()
    if suffix in DATA_SUFFIXES:
        return True
    return suffix == ".json" and _holds_array(path)


def _holds_array(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"["
    except OSError:
        return False


class _Collector:
    def __init__(self, settings, rules: RuleSet):
        self.settings = settings
        self.rules = rules
        self.findings: list[Finding] = []
        self.excerpts = settings.output_format == "full" and not settings.statistics
        self.columns = {rule.code: Summaries() for rule in rules.dataset}  # the only per-record state of a run
        self.model_choices: list[ModelChoice] = []
        self.cache_folder = None if settings.no_cache else cache_directory(settings.config_file, settings.cache_dir)
        self._saver: ThreadPoolExecutor | None = None  # writes the record caches, see save_later
        self.today = current_date(settings)
        self.file_formats: dict[str, Format | None] = {}
        self.line_offsets: dict[str, array] = {}  # JSONL files: where each line starts
        self._ignored: dict[str, set[str]] = {}

    def save_later(self, writer: CacheWriter, path: Path) -> None:
        """Write a file's record cache in the background, while the next file is read and the
        dataset rules run: on one thread for all of them (a thread per file would be thousands)."""
        if self._saver is None:
            self._saver = ThreadPoolExecutor(1, thread_name_prefix="ft-lint-cache")
        self._saver.submit(writer.save, self.cache_folder, path)

    def finish_saving(self) -> None:
        if self._saver is not None:
            self._saver.shutdown(wait=True)  # the thread ends too: nothing holds a lock when workers fork
            self._saver = None

    def reporter(self, filename: str) -> Report:
        """What a scan of this file reports its problems to."""
        return lambda rule, line, problem, raw: self.add(rule, filename, line, problem, raw)

    def add(self, rule: Rule, filename: str, line: int, problem: Problem, raw: bytes = b"") -> None:
        if rule.code in self._ignored_for(filename):
            return
        excerpt = _excerpt(raw) if self.excerpts and raw else ""
        self.findings.append(
            Finding(
                code=rule.code,
                name=rule.name,
                severity=problem.severity or rule.severity,
                filename=filename,
                line=line,
                pointer=redact(problem.pointer),
                message=redact(problem.message),
                related=problem.related,
                fix=problem.fix,
                excerpt=excerpt,
                edit=problem.edit,
            )
        )

    def _ignored_for(self, filename: str) -> set[str]:
        if filename not in self._ignored:
            self._ignored[filename] = self.settings.ignored_codes_for(filename)
        return self._ignored[filename]


def _excerpt(raw: bytes) -> str:
    """The start of the record, secrets and personal data masked: masked over a wider
    window than is shown, so a secret cut by the edge is never shown in part."""
    text = redact(raw[:REDACTED_WINDOW].decode("utf-8", errors="replace"))
    return text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS or len(raw) > REDACTED_WINDOW else "")


def lint(files: list[Path], settings) -> tuple[list[Finding], RunSummary]:
    rules = RuleSet.build(settings)
    collector = _Collector(settings, rules)
    forced = all_formats()[settings.format] if settings.format else None
    try:
        plan = pairing.plan(files, settings.validation, settings.configured_pairs())
    except pairing.PairingError as error:
        raise UsageError(str(error)) from None
    run_summary = RunSummary(files=len(plan.files), fail_on=settings.fail_on)
    for path in plan.files:
        try:
            file_rules = rules.for_file(path in plan.given, plan.is_paired(path))
            run_summary.records += _lint_file(path, forced, collector, file_rules, is_validation=path in plan.training_of)
        except UsageError as error:
            if path in plan.given:
                raise
            run_summary.notes.append(f"{error} (read only to pair it; its pair was not checked)")
    paths = {display_name(path): path for path in plan.files}
    dataset = Dataset(
        training_of={display_name(v): tuple(map(display_name, t)) for v, t in plan.training_of.items()},
        reread=functools.partial(_reread, paths, collector, forced),
        jobs=jobs_to_use(settings.jobs),
    )
    for rule in rules.dataset:
        column = collector.columns.pop(rule.code)  # let go of each rule's summaries once it is done
        for location, problem in rule.check_dataset(column, dataset):
            collector.add(rule, location.filename, location.line, problem)
    if rules.uses_model:
        run_summary.notes += model_notes(collector.model_choices)
    findings = sorted(collector.findings, key=Finding.sort_key)
    collector.finish_saving()
    if collector.cache_folder:
        prune_cache(collector.cache_folder)
    return findings, run_summary


def display_name(path: Path) -> str:
    return path.as_posix()


def _lint_file(path: Path, forced: Format | None, collector: _Collector, rules: RuleSet, is_validation: bool = False) -> int:
    """Lint one file with these rules; returns the number of records (JSON objects) read."""
    filename = display_name(path)
    try:
        file_format = forced or sniff_file(path, filename, collector.settings)
        choice = choose_model(collector.settings, filename, file_format.name if file_format else None)
        collector.model_choices.append(choice)
        collector.file_formats[filename] = file_format
        fingerprint = settings_fingerprint(collector.settings, file_format=file_format and file_format.name, model=choice.model and choice.model.id, rules=rules.codes())
        scope = FileScope(path, filename, forced, file_format, choice.model, rules, fingerprint)
        scan = _scan_file(scope, collector)
    except WholeFileProblem as problem:
        for rule in rules.entry:
            if rule.code == WholeFileProblem.code:
                collector.add(rule, filename, 1, Problem(problem.message))
        return 0
    except (UnreadableFile, WorkerDied) as error:
        raise UsageError(str(error)) from None
    try:
        size_bytes = path.stat().st_size
    except OSError as error:
        raise UsageError(f"{path}: disappeared while it was being read ({error.strerror})") from None
    summary = FileSummary(
        filename=filename,
        size_bytes=size_bytes,
        records=scan.records,
        format=file_format.name if file_format else None,
        records_by_format=dict(scan.records_by_format),
        first_lines_by_format=scan.first_lines,
        unrecognised_records=scan.unrecognised,
        first_unrecognised=scan.first_unrecognised,
        model=choice.model,
        model_chosen=choice.chosen,
        today=collector.today,
        is_validation=is_validation,
    )
    for rule in rules.file:
        for problem in rule.check_file(summary):
            collector.add(rule, filename, problem.line or 1, problem)
    return scan.records


def _scan_file(scope: FileScope, collector: _Collector) -> Scan:
    """Scan a file through its cache (by worker processes when it is big) and keep its summaries."""
    settings = collector.settings
    directory = collector.cache_folder
    previous = load_cache(directory, scope.path, scope.fingerprint) if directory else RecordCache(scope.fingerprint)
    jobs = jobs_to_use(settings.jobs)
    ranges = worker_ranges(scope.path, jobs)
    scanned = None
    if len(ranges) > 1:
        collector.finish_saving()  # no fork while a thread may hold a lock
        scanned = scan_in_workers(scope, ranges, jobs, previous, functools.partial(_Collector, settings, RuleSet()))
    if scanned:
        scan, findings, writer = scanned
        collector.findings += findings
    else:
        scan, writer = scan_blocks(scope, file_blocks(scope.path, key_function(scope.fingerprint)), previous, collector.reporter(scope.filename))
    writer.resolve(previous)
    del previous  # the old results are not needed any more; memory goes to the new ones
    if directory:  # the writer changes no more; lint() waits for it
        collector.save_later(writer, scope.path)
    if scan.offsets:
        collector.line_offsets[scope.filename] = scan.offsets
    if writer.columns:  # the dataset rules' summaries, of the records only
        import numpy as np  # the dataset rules need it anyway

        is_record = np.frombuffer(writer.kinds, dtype=np.uint8) != 0  # kind 0: not a record
        record_lines = array("Q", np.frombuffer(scan.lines, dtype=np.uint64)[is_record].tobytes())
        for code, (lengths, joined) in writer.columns.items():
            column_lengths = array("I", np.frombuffer(lengths, dtype=np.uint32)[is_record].tobytes())
            collector.columns[code].add(scope.filename, record_lines, column_lengths, joined)
    return scan


def _reread(paths: dict[str, Path], collector: _Collector, forced: Format | None, filename: str, lines: Collection[int]) -> Iterator[Record]:
    """The records of a file read before that start at these lines, read again (see rules.Dataset):
    JSONL lines where the scan saw them start, a JSON array's records by reading it again."""
    offsets = collector.line_offsets.get(filename)
    wanted = set(lines)
    entries = entries_at(paths[filename], offsets, wanted) if offsets else read_entries(paths[filename], only_lines=wanted)
    for entry in entries:
        if entry.kind is Kind.RECORD and entry.line in wanted:
            yield make_record(filename, entry, forced, collector.file_formats.get(filename))


def sniff_format(path: Path, targets: Collection[str] | None = None) -> Format | None:
    """The format of a file: the one most of its first records are detected as (see
    `formats.detect`), the higher priority on a tie. Not the one most records are valid in:
    a permissive format (TRL's) would then win every file of a strict one (OpenAI's) and
    hide its errors. With `targets` (the formats the chosen model trains on), one of those
    wins whenever the records have its keys, so the file is checked against what the model takes.
    """
    records = [entry.value for entry in islice(read_entries(path), SNIFF_ENTRIES) if entry.kind is Kind.RECORD][:SNIFF_RECORDS]
    formats = all_formats()
    votes: Counter[str] = Counter(found.name for value in records if (found := detect(value)) is not None)
    fitting: Counter[str] = Counter(name for value in records for name in targets or () if formats[name].fits_keys(value))
    names = list(fitting or votes)
    if not names:
        return None
    return max((formats[name] for name in names), key=lambda f: (votes[f.name], fitting[f.name], f.priority))


def sniff_file(path: Path, filename: str, settings) -> Format | None:
    """The format a file is checked as when none is forced: sniffed, preferring the formats
    of the model named for the file (--model, per-file settings or `model =`)."""
    from ft_lint.models import resolve_model

    named = settings.model_for(filename)
    return sniff_format(path, resolve_model(named).formats if named else None)
