"""The lint: every file's records through the rules, then the dataset rules over all files;
the findings, sorted, and what the report says about the run (see session.run for the rest)."""

from __future__ import annotations

import functools
import sys
from array import array
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

import xxhash

from ft_lint import pairing
from ft_lint.cache import (
    CacheFolder,
    CacheRefused,
    CacheWriter,
    RecordCache,
    key_function,
    open_folder,
    settings_fingerprint,
)
from ft_lint.config import RunOptions, Settings, current_date
from ft_lint.context import file_context
from ft_lint.errors import UsageError
from ft_lint.escaping import terminal
from ft_lint.excerpt import excerpt as record_excerpt
from ft_lint.files import display_name
from ft_lint.findings import Finding, Problem, Scope
from ft_lint.formats import Format, all_formats
from ft_lint.hub_datasets import Split
from ft_lint.inplace import reading_lock
from ft_lint.model_choice import ModelChoice, model_notes
from ft_lint.progress import Progress
from ft_lint.progress import wanted as progress_wanted
from ft_lint.reader import Kind, UnreadableFile, WholeFileProblem, file_changed, read_entries
from ft_lint.record import Record
from ft_lint.redaction import redact, redact_pointer
from ft_lint.reporters import RunSummary
from ft_lint.rules import Dataset, FileSummary, Rule, Summaries
from ft_lint.scanning import (
    FileScope,
    Report,
    RuleSet,
    Scan,
    WorkerDied,
    entries_at,
    file_blocks,
    jobs_to_use,
    make_record,
    scan_blocks,
    scan_in_workers,
    spread_entries,
    worker_ranges,
)

SAMPLE_BYTES = 2 << 20  # of a file's records read for the dataset rules to learn from before its scan


@dataclass
class LintState:
    """What a run learns as it goes and keeps across its lints (--fix lints again)."""

    cache_off: bool = False  # the record cache was refused or could not be saved: said once, not tried again


class _Collector:
    def __init__(
        self,
        settings: Settings,
        rules: RuleSet,
        cache: CacheFolder | None = None,
        options: RunOptions | None = None,
        state: LintState | None = None,
    ):
        self.settings = settings
        self.options = options if options is not None else RunOptions()
        self.state = state if state is not None else LintState()
        self.rules = rules
        self.findings: list[Finding] = []
        self.excerpts = settings.output_format == "full" and not self.options.statistics
        self.columns = {rule.code: Summaries() for rule in rules.dataset}  # the only per-record state of a run
        self.model_choices: list[ModelChoice] = []
        self.cache = cache  # None: none read or written (--no-cache, or a worker: its parent saves)
        self._saver: ThreadPoolExecutor | None = None  # writes the record caches, see save_later
        self.unsaved: list[str] = []  # why a record cache could not be written
        self.today = current_date(settings)
        self.file_formats: dict[str, Format | None] = {}
        self.line_offsets: dict[str, array[int]] = {}  # JSONL files: where each line starts
        self.entries: dict[str, int] = {}  # lines (JSON array: records) each file holds
        self.read: dict[
            str, list[tuple[int, int, str]]
        ] = {}  # with --launch: what was read of each file (Scan.digests)
        self._ignored: dict[str, set[str]] = {}
        self.progress: Progress | None = None  # the progress line, where one is shown

    def save_later(self, writer: CacheWriter, path: Path) -> None:
        """Write a file's record cache in the background, while the next file is read and the
        dataset rules run: on one thread for all of them (a thread per file would be thousands)."""
        if self._saver is None:
            self._saver = ThreadPoolExecutor(1, thread_name_prefix="ft-lint-cache")
        assert self.cache is not None, "saved only with a record cache"
        self._saver.submit(self._save, self.cache, writer, path)

    def _save(self, cache: CacheFolder, writer: CacheWriter, path: Path) -> None:
        try:
            cache.save(writer, path)
        except OSError as error:  # a full disk, say: the findings stand, the next run starts cold
            self.unsaved.append(f"{cache.path}: {error.strerror or error}")

    def finish_saving(self) -> None:
        if self._saver is not None:
            self._saver.shutdown(wait=True)  # the thread ends too: nothing holds a lock when workers fork
            self._saver = None
        if self.unsaved:
            print(
                terminal(
                    f"ft-lint: note: the record cache was not saved ({self.unsaved[0]}); the findings are complete"
                ),
                file=sys.stderr,
            )
            self.cache, self.state.cache_off = (
                None,
                True,
            )  # said once: not tried again in this run, nor by --fix's next lint
            self.unsaved.clear()

    def reporter(self, filename: str) -> Report:
        """What a scan of this file reports its problems to."""
        return lambda rule, line, problem, raw: self.add(rule, filename, line, problem, raw)

    def add(
        self, rule: Rule, filename: str, line: int, problem: Problem, raw: bytes = b"", scope: Scope = Scope.RECORD
    ) -> None:
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
                scope=scope,
            )
        )

    def _ignored_for(self, filename: str) -> set[str]:
        if filename not in self._ignored:
            self._ignored[filename] = self.settings.ignored_codes_for(filename)
        return self._ignored[filename]


def _cache_folder(settings: Settings, state: LintState) -> CacheFolder | None:
    """The record cache of this run: None with --no-cache, or when the folder is not safe to use
    (said once; a cache never changes a finding, so the lint goes on without it)."""
    if settings.no_cache or state.cache_off:
        return None
    try:
        return open_folder(settings.config_file, settings.cache_dir)
    except CacheRefused as refused:
        print(terminal(f"ft-lint: warning: {refused}; linting without it"), file=sys.stderr)
        state.cache_off = True  # said once: --fix lints again with this state
        return None


def exit_code(findings: list[Finding], settings: Settings) -> int:
    if settings.exit_zero:
        return 0
    return 1 if any(f.severity >= settings.fail_on for f in findings) else 0


def lint(
    files: list[Path], settings: Settings, options: RunOptions | None = None, state: LintState | None = None
) -> tuple[list[Finding], RunSummary]:
    """The findings of these files, and what the report says about the run. `state`: the run's,
    when it lints more than once (--fix)."""
    options = options if options is not None else RunOptions()
    state = state if state is not None else LintState()
    rules = RuleSet.build(settings)
    settings.local_model()  # a tokenizer folder that cannot be read stops the run before any file is read
    collector = _Collector(settings, rules, _cache_folder(settings, state), options, state)
    forced = all_formats()[settings.format] if settings.format else None
    plan = plan_files(files, settings)
    outside = _partners_outside(plan, settings.root)
    if progress_wanted(sys.stderr, settings.output_format, options.progress):
        collector.progress = Progress([path for path in plan.files if path not in outside], sys.stderr)
    run_summary = RunSummary(files=len(plan.files) - len(outside), fail_on=settings.fail_on, notes=list(plan.notes))
    # A file's shared lock is held from its scan until the dataset rules have read it again, so a
    # --fix rewriting it waits: the findings are of the file before or after, never a mix. Up to
    # HELD_LOCKS files (a descriptor each); beyond, each is locked while it is scanned.
    hold_locks = len(plan.files) <= HELD_LOCKS
    with ExitStack() as held:
        if collector.progress:
            held.callback(collector.progress.close)  # the line ends before anything else is printed
        for path in plan.files:
            if path in outside:
                run_summary.notes.append(
                    f"{path}: not read: it lies outside the project and the folders of the files given"
                    " (its pair was not checked)"
                )
                continue
            try:
                file_rules = rules.for_file(path in plan.given, plan.is_paired(path))
                if hold_locks:
                    held.enter_context(reading_lock(path))
                with nullcontext() if hold_locks else reading_lock(path):
                    run_summary.records += _lint_file(
                        path, forced, collector, file_rules, is_validation=path in plan.training_of
                    )
                if collector.progress:
                    collector.progress.file_done(path)
            except UsageError as error:
                if path in plan.given:
                    raise
                run_summary.notes.append(f"{error} (read only to pair it; its pair was not checked)")
        paths = {display_name(path): path for path in plan.files}
        dataset = Dataset(
            training_of={display_name(v): tuple(map(display_name, t)) for v, t in plan.training_of.items()},
            reread=functools.partial(_reread, paths, collector, forced),
            jobs=jobs_to_use(settings.jobs),
            peers=_peer_groups(plan, collector.file_formats),
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
        key: group
        for key, group in by_rule.items()
        if key[1].startswith(UNIFORM_RULE_FAMILIES)
        and len(group) == entries.get(key[0], 0) >= UNIFORM_MIN_LINES
        and len({f.line for f in group}) == len(group)
        and not any(f.edit for f in group)
    }
    if not uniform:
        return findings
    result = [f for f in findings if (f.filename, f.code) not in uniform]
    for group in uniform.values():
        first = group[0]
        result.append(
            replace(
                first,
                message=_every_entry_fails(first, group[-1], len(group)),
                scope=Scope.EVERY_LINE,
            )
        )
    return sorted(result, key=Finding.sort_key)


def _every_entry_fails(first: Finding, last: Finding, count: int) -> str:
    """The message of a finding that stands for the same one on every line (Parquet: row) of the file."""
    unit, first_at, last_at = ("line", first.line, last.line) if first.row is None else ("row", first.row, last.row)
    return (
        f"every {unit} of the file ({count:,} {unit}s, {first_at}-{last_at}) fails this way;"
        f" {unit} {first_at}: {first.message}"
    )


def _peer_groups(plan: pairing.Plan, formats: dict[str, Format | None]) -> dict[str, int]:
    """The files given, by peer group (see rules.Dataset.peers): one group for the files of one
    format and one split: of a Hugging Face dataset (its shards), else the validation files (of a
    pair) or the rest. A validation file is compared with its training data by FT404 and
    FT405, not as a peer; files of different formats hold different kinds of examples, and a file
    of no one format (mixed, or unknown) is compared with itself alone. So is a file named twice
    (data/inside.jsonl -> train.jsonl): its records are not copies of each other."""
    groups: dict[tuple[str, Split | bool], int] = {}
    peers = {}
    seen: set[tuple[int, int]] = set()
    for path in plan.files:
        filename = display_name(path)
        file_format = formats.get(filename)
        if path not in plan.given or file_format is None:
            continue
        try:
            identity = path.stat()
        except OSError:  # gone since it was read: its findings stand, it is compared with nothing
            continue
        if (identity.st_dev, identity.st_ino) not in seen:
            seen.add((identity.st_dev, identity.st_ino))
            split = plan.split_of.get(path, path in plan.training_of)
            peers[filename] = groups.setdefault((file_format.name, split), len(groups))
    return peers


def plan_files(files: list[Path], settings: Settings) -> pairing.Plan:
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


def _lint_file(
    path: Path, forced: Format | None, collector: _Collector, rules: RuleSet, is_validation: bool = False
) -> int:
    """Lint one file with these rules; returns the number of records (JSON objects) read."""
    filename = display_name(path)
    try:
        size_before = path.stat().st_size  # compared with the size after reading
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror or error}") from None
    try:
        context = file_context(path, collector.settings, collector.today)
        file_format, choice = context.format, context.choice
        collector.model_choices.append(choice)
        collector.file_formats[filename] = file_format
        model = choice.limits_model
        learned = _learn(path, filename, forced, file_format, rules)
        local = collector.settings.local_model()
        fingerprint = settings_fingerprint(
            collector.settings,
            file_format=file_format and file_format.name,
            model=model and model.id,
            rules=rules.codes(),
            learned=learned,
            tokenizer=local and local.digest,
        )
        if collector.cache:
            fingerprint = collector.cache.secret_fingerprint(fingerprint)
        scope = FileScope(
            path,
            filename,
            forced,
            file_format,
            model,
            rules,
            fingerprint,
            hash_bytes=collector.options.launch is not None,
            local=local,
        )
        scan = _scan_file(scope, collector)
    except WholeFileProblem as problem:
        for rule in rules.entry:
            if rule.code == problem.code:
                collector.add(rule, filename, 1, Problem(problem.message), scope=Scope.EVERY_LINE)
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
    for file_rule in rules.file:
        for file_problem in file_rule.check_file(summary):
            collector.add(file_rule, filename, file_problem.line or 1, file_problem, scope=Scope.FILE)
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
    previous = (
        collector.cache.load(scope.path, scope.fingerprint) if collector.cache else RecordCache(scope.fingerprint)
    )
    jobs = jobs_to_use(settings.jobs)
    ranges = worker_ranges(scope.path, jobs)
    scanned = None
    if len(ranges) > 1:
        collector.finish_saving()  # no fork while a thread may hold a lock
        scanned = scan_in_workers(
            scope,
            ranges,
            jobs,
            previous,
            functools.partial(_Collector, settings, RuleSet(), options=collector.options),
            collector.progress.advance if collector.progress else None,
        )
    if scanned:
        scan, findings, writer = scanned
        collector.findings += findings
    else:
        scan, writer = scan_blocks(
            scope,
            file_blocks(scope.path, key_function(scope.fingerprint)),
            previous,
            collector.reporter(scope.filename),
            collector.progress.advance if collector.progress else None,
        )
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


def _reread(
    paths: dict[str, Path], collector: _Collector, forced: Format | None, filename: str, lines: Collection[int]
) -> Iterator[Record]:
    """The records of a file read before that start at these lines, read again (see rules.Dataset):
    JSONL lines where the scan saw them start, a JSON array's records by reading it again."""
    offsets = collector.line_offsets.get(filename)
    wanted = set(lines)
    entries = (
        entries_at(paths[filename], offsets, wanted) if offsets else read_entries(paths[filename], only_lines=wanted)
    )
    for entry in entries:
        if entry.kind is Kind.RECORD and entry.line in wanted:
            yield make_record(filename, entry, forced, collector.file_formats.get(filename))
