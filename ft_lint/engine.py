"""The one function the CLI calls: lint what the settings name, report, return the exit code."""

from __future__ import annotations

import functools
import os
import sys
from array import array
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import replace
from itertools import islice, takewhile
from pathlib import Path
from typing import Collection, Iterator

import xxhash

from ft_lint import pairing
from ft_lint.cache import CacheFolder, CacheRefused, CacheWriter, RecordCache, key_function, open_folder, settings_fingerprint
from ft_lint.config import current_date
from ft_lint.escaping import terminal
from ft_lint.excerpt import excerpt as record_excerpt
from ft_lint.findings import Finding, Problem
from ft_lint.formats import Format, all_formats, detect
from ft_lint.inplace import reading_lock
from ft_lint.model_choice import ModelChoice, choose_model, model_notes
from ft_lint.reader import Kind, UnreadableFile, WholeFileProblem, file_changed, not_regular_reason, open_data_file, read_entries
from ft_lint.record import Record
from ft_lint.reporters import RunSummary, get_reporter
from ft_lint.rules import Dataset, FileSummary, Rule, Summaries
from ft_lint.redaction import redact, redact_pointer
from ft_lint.scanning import FileScope, Report, RuleSet, Scan, WorkerDied, entries_at, file_blocks, jobs_to_use, make_record, scan_blocks, scan_in_workers, spread_entries, worker_ranges

DATA_SUFFIXES = (".jsonl", ".ndjson")
SNIFF_RECORDS = 50
SNIFF_ENTRIES = 1000  # lines read at most while sniffing, so a file of broken lines stays cheap
SAMPLE_BYTES = 2 << 20  # of a file's records read for the dataset rules to learn from before its scan


class UsageError(Exception):
    """A path or option the user gave that cannot be used: one line, exit code 2."""


def run(settings, report=None) -> int:
    """Lint, then `report(findings, run_summary, settings)` (default: `write_report`); the exit code."""
    files = collect_files(settings.paths)
    if not files:  # a mistyped folder in CI would otherwise pass silently
        names = ", ".join(map(display_name, settings.paths))
        print(terminal(f"ft-lint: warning: no data files (*.jsonl, *.ndjson, *.json arrays) in {names}"), file=sys.stderr)
    if settings.diff:  # print what --fix would change, and nothing else
        from ft_lint.fixer import show_diff

        return show_diff(files, settings, sys.stdout)
    if settings.output_file is not None:  # before anything is read or written
        _refuse_to_overwrite_an_input(settings.output_file, [*_plan(files, settings).files, *filter(None, [settings.config_file])])
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
    if run_summary.not_fixed:  # after the report, so they are what is seen last; nothing is launched
        print("\n".join(f"ft-lint: error: {line}" for line in run_summary.not_fixed), file=sys.stderr)
        return 2
    return launch.after_lint(findings, run_summary.read) if launch else exit_code(findings, settings)


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
    try:
        with (_open_report(target) if target else nullcontext(sys.stdout)) as out:
            report(findings, run_summary, out)
            out.flush()  # a full disk shows here, not as the program exits
    except BrokenPipeError:
        raise  # `ft-lint ... | head`: the CLI's business
    except OSError as error:
        if target is None:  # what could not be written would fail again at exit, after the one line below
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise UsageError(f"{target or 'standard output'}: cannot write the report: {error.strerror or error}") from None


def _open_report(target: Path):
    try:
        return target.open("w", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{target}: cannot write the report: {error.strerror or error}") from None


def _refuse_to_overwrite_an_input(target: Path, inputs: list[Path]) -> None:
    """`-o` naming a file that is read (a data file, a partner found on disk, the configuration)
    would empty it before it is read. The same file is the same device and inode, so a symbolic
    or hard link to an input counts too."""
    try:
        written = target.stat()
    except OSError:
        return  # not there yet: no input
    for path in inputs:
        try:
            same = os.path.samestat(path.stat(), written)
        except OSError:
            continue  # an input that cannot be read is reported when it is linted
        if same:
            raise UsageError(f"{target}: the report would overwrite an input ({display_name(path)}); write it to another file")


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
            found = sorted(p for p in path.rglob("*") if _stays_in(p, path) and _is_regular(p) and _is_data_file(p, path))
            if not found and path.suffix.lower() in (*DATA_SUFFIXES, ".json"):
                raise UsageError(f"{path}: is a directory, not a data file")
            files += found
        elif path.exists():
            reason = not_regular_reason(path.stat().st_mode)
            if reason:  # /dev/zero never ends, a FIFO waits for a writer
                raise UsageError(f"{path}: {reason}")
            files.append(path)
        elif path.is_symlink():
            raise UsageError(f"{path}: broken symbolic link")
        else:
            raise UsageError(f"{path}: no such file or directory")
    return list(dict.fromkeys(files))


def _stays_in(path: Path, folder: Path) -> bool:
    """False, with a note, for a symbolic link in a folder named that leads out of it (to a file,
    or to a folder, which is not walked either): in a stranger's repository, data/x.jsonl ->
    ~/.gitconfig would print that file's lines in excerpts. A file named itself is read."""
    if not path.is_symlink():
        return True
    try:
        if path.resolve().is_relative_to(folder.resolve()):
            return True
    except (OSError, RuntimeError):  # a loop of links: nothing to read
        return False
    if not _in_hidden_folder(path, folder) and (path.is_dir() or path.suffix.lower() in (*DATA_SUFFIXES, ".json")):
        print(f"ft-lint: note: skipped {display_name(path)}: a symbolic link out of {display_name(folder)} (name it to lint it)", file=sys.stderr)
    return False


def _in_hidden_folder(path: Path, folder: Path) -> bool:
    """In .git, .venv and the like inside the folder named."""
    return any(part.startswith(".") for part in path.relative_to(folder).parts[:-1])


def _is_regular(path: Path) -> bool:
    """A regular file (or a link to one). A FIFO, socket or device named like a data file is
    skipped with a warning: reading it could wait forever, or never end."""
    try:
        reason = not_regular_reason(path.stat().st_mode)
    except OSError:  # a broken link
        return False
    if reason and path.suffix.lower() in (*DATA_SUFFIXES, ".json") and not path.is_dir():
        print(f"ft-lint: warning: skipped {display_name(path)}: it {reason}", file=sys.stderr)
    return reason is None


def _is_data_file(path: Path, folder: Path) -> bool:
    if _in_hidden_folder(path, folder):
        return False
    suffix = path.suffix.lower()
    if suffix in DATA_SUFFIXES:
        return True
    return suffix == ".json" and _holds_array(path)


def _holds_array(path: Path) -> bool:
    try:
        with open_data_file(path) as handle:
            return handle.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"["
    except (OSError, UnreadableFile):
        return False


class _Collector:
    def __init__(self, settings, rules: RuleSet, cache: CacheFolder | None = None):
        self.settings = settings
        self.rules = rules
        self.findings: list[Finding] = []
        self.excerpts = settings.output_format == "full" and not settings.statistics
        self.columns = {rule.code: Summaries() for rule in rules.dataset}  # the only per-record state of a run
        self.model_choices: list[ModelChoice] = []
        self.cache = cache  # None: none read or written (--no-cache, or a worker: its parent saves)
        self._saver: ThreadPoolExecutor | None = None  # writes the record caches, see save_later
        self.unsaved: list[str] = []  # why a record cache could not be written
        self.today = current_date(settings)
        self.file_formats: dict[str, Format | None] = {}
        self.line_offsets: dict[str, array] = {}  # JSONL files: where each line starts
        self.entries: dict[str, int] = {}  # lines (JSON array: records) each file holds
        self.read: dict[str, list[tuple[int, int, str]]] = {}  # with --launch: what was read of each file (Scan.digests)
        self._ignored: dict[str, set[str]] = {}

    def save_later(self, writer: CacheWriter, path: Path) -> None:
        """Write a file's record cache in the background, while the next file is read and the
        dataset rules run: on one thread for all of them (a thread per file would be thousands)."""
        if self._saver is None:
            self._saver = ThreadPoolExecutor(1, thread_name_prefix="ft-lint-cache")
        self._saver.submit(self._save, writer, path)

    def _save(self, writer: CacheWriter, path: Path) -> None:
        try:
            self.cache.save(writer, path)
        except OSError as error:  # a full disk, say: the findings stand, the next run starts cold
            self.unsaved.append(f"{self.cache.path}: {error.strerror or error}")

    def finish_saving(self) -> None:
        if self._saver is not None:
            self._saver.shutdown(wait=True)  # the thread ends too: nothing holds a lock when workers fork
            self._saver = None
        if self.unsaved:
            print(f"ft-lint: note: the record cache was not saved ({self.unsaved[0]}); the findings are complete", file=sys.stderr)
            self.cache, self.settings.no_cache = None, True  # said once: not tried again in this run, nor by --fix's next lint
            self.unsaved.clear()

    def reporter(self, filename: str) -> Report:
        """What a scan of this file reports its problems to."""
        return lambda rule, line, problem, raw: self.add(rule, filename, line, problem, raw)

    def add(self, rule: Rule, filename: str, line: int, problem: Problem, raw: bytes = b"") -> None:
        if rule.code in self._ignored_for(filename):
            return
        excerpt = record_excerpt(raw, problem.pointer) if self.excerpts and raw else ""
        self.findings.append(
            Finding(
                code=rule.code,
                name=rule.name,
                severity=problem.severity or rule.severity,
                filename=filename,
                line=line,
                pointer=redact_pointer(problem.pointer),
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


def _cache_folder(settings) -> CacheFolder | None:
    """The record cache of this run: None with --no-cache, or when the folder is not safe to use
    (said once; a cache never changes a finding, so the lint goes on without it)."""
    if settings.no_cache:
        return None
    try:
        return open_folder(settings.config_file, settings.cache_dir)
    except CacheRefused as refused:
        print(f"ft-lint: warning: {refused}; linting without it", file=sys.stderr)
        settings.no_cache = True  # said once: --fix lints again with these settings
        return None


def lint(files: list[Path], settings) -> tuple[list[Finding], RunSummary]:
    rules = RuleSet.build(settings)
    collector = _Collector(settings, rules, _cache_folder(settings))
    forced = all_formats()[settings.format] if settings.format else None
    plan = _plan(files, settings)
    outside = _partners_outside(plan, settings.root)
    run_summary = RunSummary(files=len(plan.files) - len(outside), fail_on=settings.fail_on)
    # A file's shared lock is held from its scan until the dataset rules have read it again, so a
    # --fix rewriting it waits: the findings are of the file before or after, never a mix. Up to
    # HELD_LOCKS files (a descriptor each); beyond, each is locked while it is scanned.
    hold_locks = len(plan.files) <= HELD_LOCKS
    with ExitStack() as held:
        for path in plan.files:
            if path in outside:
                run_summary.notes.append(f"{path}: not read: it lies outside the project and the folders of the files given (its pair was not checked)")
                continue
            try:
                file_rules = rules.for_file(path in plan.given, plan.is_paired(path))
                if hold_locks:
                    held.enter_context(reading_lock(path))
                with nullcontext() if hold_locks else reading_lock(path):
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
    findings = _one_for_each_uniform_failure(sorted(collector.findings, key=Finding.sort_key), collector.entries)
    collector.finish_saving()
    run_summary.read = collector.read
    if collector.cache:
        collector.cache.prune()
    return findings, run_summary


HELD_LOCKS = 256
UNIFORM_MIN_LINES = 10  # a file this long or longer whose every line fails by one rule gets one finding
# Rules about a line's shape (JSON, the format's schema): when one breaks on every line, the file
# is in another shape altogether. Content, privacy and dataset findings each name their own place.
UNIFORM_RULE_FAMILIES = ("FT0", "FT1")


def _one_for_each_uniform_failure(findings: list[Finding], entries: dict[str, int]) -> list[Finding]:
    """A file whose every line one shape rule reports (a file of Python dicts: 4,130 FT001) gets
    one finding for that rule, at its first line, saying so; the per-line ones would bury the
    rest. Findings with a fix are kept one by one: --fix needs each."""
    by_rule: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault((finding.filename, finding.code), []).append(finding)
    uniform = {
        key: group for key, group in by_rule.items()
        if key[1].startswith(UNIFORM_RULE_FAMILIES) and len(group) == entries.get(key[0]) >= UNIFORM_MIN_LINES and len({f.line for f in group}) == len(group) and not any(f.edit for f in group)
    }
    if not uniform:
        return findings
    result = [f for f in findings if (f.filename, f.code) not in uniform]
    for group in uniform.values():
        first = group[0]
        result.append(replace(first, message=f"every line of the file ({len(group):,} lines, {first.line}-{group[-1].line}) fails this way; line {first.line}: {first.message}"))
    return sorted(result, key=Finding.sort_key)


def _plan(files: list[Path], settings) -> pairing.Plan:
    try:
        return pairing.plan(files, settings.validation, settings.configured_pairs())
    except pairing.PairingError as error:
        raise UsageError(str(error)) from None


def _partners_outside(plan: pairing.Plan, project: Path) -> set[Path]:
    """The partners found on disk (not given) that lie, links followed, outside the project folder
    and the folders of the files given. A stranger's valid.jsonl -> ~/private/valid.jsonl, or
    `pairs` naming it, would be read, and the pair rules would tell which of its lines equal
    the stranger's own."""
    partners = [path for path in plan.files if path not in plan.given]
    if not partners:
        return set()
    allowed = {project.resolve(), *(folder.resolve() for folder in {path.parent for path in plan.given})}

    def inside(path: Path) -> bool:
        try:
            return not allowed.isdisjoint(path.resolve().parents)
        except (OSError, RuntimeError):  # a loop of links
            return False

    return {path for path in partners if not inside(path)}


def display_name(path: Path) -> str:
    return path.as_posix()


def _lint_file(path: Path, forced: Format | None, collector: _Collector, rules: RuleSet, is_validation: bool = False) -> int:
    """Lint one file with these rules; returns the number of records (JSON objects) read."""
    filename = display_name(path)
    try:
        size_before = path.stat().st_size  # compared with the size after reading
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror or error}") from None
    try:
        file_format = forced or sniff_file(path, filename, collector.settings)
        choice = choose_model(collector.settings, filename, file_format.name if file_format else None)
        collector.model_choices.append(choice)
        collector.file_formats[filename] = file_format
        model = choice.limits_model
        learned = _learn(path, filename, forced, file_format, rules)
        fingerprint = settings_fingerprint(collector.settings, file_format=file_format and file_format.name, model=model and model.id, rules=rules.codes(), learned=learned)
        if collector.cache:
            fingerprint = collector.cache.secret_fingerprint(fingerprint)
        scope = FileScope(path, filename, forced, file_format, model, rules, fingerprint, hash_bytes=collector.settings.launch is not None)
        scan = _scan_file(scope, collector)
    except WholeFileProblem as problem:
        for rule in rules.entry:
            if rule.code == problem.code:
                collector.add(rule, filename, 1, Problem(problem.message))
        return 0
    except (UnreadableFile, WorkerDied) as error:
        raise UsageError(str(error)) from None
    try:
        size_bytes = path.stat().st_size
    except OSError as error:
        raise UsageError(f"{path}: disappeared while it was being read ({error.strerror})") from None
    if size_bytes != size_before:  # appended to or truncated meanwhile: the findings would describe no version of it
        raise UsageError(str(file_changed(path, size_bytes)))
    summary = FileSummary(
        filename=filename,
        size_bytes=size_bytes,
        records=scan.records,
        format=file_format.name if file_format else None,
        records_by_format=dict(scan.records_by_format),
        first_lines_by_format=scan.first_lines,
        unrecognised_records=scan.unrecognised,
        first_unrecognised=scan.first_unrecognised,
        model=model,
        model_chosen=choice.chosen,
        today=collector.today,
        is_validation=is_validation,
    )
    for rule in rules.file:
        for problem in rule.check_file(summary):
            collector.add(rule, filename, problem.line or 1, problem)
    collector.entries[filename] = len(scan.lines)
    return scan.records


def _learn(path: Path, filename: str, forced: Format | None, file_format: Format | None, rules: RuleSet) -> str:
    """What the dataset rules learn of the file from a sample of its records before the scan
    (see DatasetRule.learn), as a digest for the cache's fingerprint."""
    learners = [rule for rule in rules.dataset if rule.sample_records]
    if not learners:
        return ""
    entries = spread_entries(path, max(rule.sample_records for rule in learners), SAMPLE_BYTES)
    sample = [make_record(filename, entry, forced, file_format) for entry in entries if entry.kind is Kind.RECORD]
    return xxhash.xxh3_128_hexdigest(b"".join(rule.learn(filename, sample) for rule in learners))


def _scan_file(scope: FileScope, collector: _Collector) -> Scan:
    """Scan a file through its cache (by worker processes when it is big) and keep its summaries."""
    settings = collector.settings
    previous = collector.cache.load(scope.path, scope.fingerprint) if collector.cache else RecordCache(scope.fingerprint)
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
    if collector.cache:  # the writer changes no more; lint() waits for it
        collector.save_later(writer, scope.path)
    if scan.offsets:
        collector.line_offsets[scope.filename] = scan.offsets
    if scope.hash_bytes:
        collector.read[scope.filename] = scan.digests
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
    wins whenever the records would be read as it in a file of it (they have its keys and no
    other format's wider ones), so the file is checked against what the model takes; a file
    of another format (Bedrock records, with their schemaVersion, for an OpenAI model) stays
    that format, for FT305 to report.
    """
    first_entries = takewhile(lambda entry: entry.kind is not Kind.TOO_LONG, islice(read_entries(path), SNIFF_ENTRIES))  # not past a line too long to read
    records = [entry.value for entry in first_entries if entry.kind is Kind.RECORD][:SNIFF_RECORDS]
    formats = all_formats()
    votes: Counter[str] = Counter(found.name for value in records if (found := detect(value)) is not None)
    fitting: Counter[str] = Counter(name for value in records for name in targets or () if detect(value, formats[name]) is formats[name])
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
