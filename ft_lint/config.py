"""Settings: defaults, then the closest configuration file, then the command line; frozen once
built. RunOptions: what this run does with the findings (fix, diff, the report, launch)."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ft_lint.escaping import terminal
from ft_lint.findings import Severity
from ft_lint.globs import Globs
from ft_lint.launch.options import MAX_SECONDS, NETWORK_SETTINGS, PROVIDER_SETTINGS, RETRIES_SETTING, LaunchOptions

if TYPE_CHECKING:
    from ft_lint.local_tokenizer import LocalModel
    from ft_lint.rules import Rule

# What a configuration key does with its value: check it and set it in the Settings' values
Setter = Callable[[dict[str, Any], Any], None]

CONFIG_FILES = (".ft-lint.toml", "ft-lint.toml", "pyproject.toml")  # first found in a folder wins
OUTPUT_FORMATS = ("full", "concise", "json", "github", "sarif")
TODAY_VARIABLE = "FT_LINT_TODAY"  # pretend today is this date (YYYY-MM-DD): for tests and reproducible CI
PER_FILE_SETTINGS = ("model",)  # keys a [tool.ft-lint.per-file-settings."<glob>"] table may hold


class ConfigError(Exception):
    """Bad configuration: reported as one line, exit code 2."""


@dataclass(frozen=True)
class Settings:
    """The configuration: what to lint and how. Built once (load_settings, then the command
    line's overrides with dataclasses.replace) and never changed after."""

    paths: list[Path] = field(default_factory=list)
    select: list[str] = field(default_factory=lambda: ["ALL"])
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    format: str | None = None
    model: str | None = None  # None: each file is checked against its format's default model
    per_file_models: dict[str, str] = field(default_factory=dict)  # glob -> model; the last match wins
    fail_on: Severity = Severity.WARNING
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    output_format: str = "full"
    exit_zero: bool = False
    config_file: Path | None = None
    today: dt.date | None = None  # None: $FT_LINT_TODAY, else the real date (see current_date)
    validation: Path | None = None  # --validation: paired with every other file given
    pairs: dict[str, list[str]] = field(default_factory=dict)  # training file -> validation files, relative to root
    launch_network: dict[str, float] = field(
        default_factory=dict
    )  # connect-timeout ... max-retries (launch.options.NETWORK_SETTINGS); the command line's win
    fireworks_account: str | None = None  # `fireworks-account`: --launch's Fireworks account; --fireworks-account wins
    launch_settings: dict[str, str] = field(default_factory=dict)  # s3-bucket ... (PROVIDER_SETTINGS); likewise
    jobs: int | None = None  # worker processes for a large JSONL file; None: the cores available
    cache_dir: str | None = None  # `cache-dir`, relative to the configuration file (see ft_lint/cache.py)
    no_cache: bool = False  # --no-cache: neither read nor write the record cache
    baseline: Path | None = None  # `baseline` (relative to the configuration file) or --baseline: findings to hide
    tokenizer: Path | None = None  # --tokenizer: a model folder whose tokenizer and chat template render each example
    max_seq_length: int | None = None  # --max-seq-length: where training cuts a rendered example

    @property
    def root(self) -> Path:
        """Where relative patterns in the configuration are anchored."""
        return self.config_file.parent if self.config_file else Path.cwd()

    def enabled_rules(self) -> list[type[Rule]]:
        from ft_lint.rules import catalog

        chosen = expand_selectors(self.select) | expand_selectors(self.extend_select)
        dropped = expand_selectors(self.ignore)
        return [rule for code, rule in catalog().items() if code in chosen - dropped]

    def configured_pairs(self) -> dict[Path, list[Path]]:
        """`pairs` of the configuration as paths (relative to the current folder where they can be)."""
        return {
            _near(self.root / training): [_near(self.root / v) for v in validations]
            for training, validations in self.pairs.items()
        }

    def ignored_codes_for(self, filename: str) -> set[str]:
        codes: set[str] = set()
        for pattern in self._patterns_matching(filename, self.per_file_ignores):
            codes |= expand_selectors(self.per_file_ignores[pattern])
        return codes

    @property
    def own_files(self) -> tuple[Path, ...]:
        """Files of ft-lint's own that may sit among the data (the baseline): not data to lint."""
        return (self.baseline,) if self.baseline else ()

    def model_for(self, filename: str) -> str | None:
        """The model named for this file: on the command line, per file, or for all files."""
        matching = self._patterns_matching(filename, self.per_file_models)
        return self.per_file_models[matching[-1]] if matching else self.model

    def _patterns_matching(self, filename: str, patterns: dict[str, Any]) -> list[str]:
        """The glob patterns, in configuration order, that match the file's path or name."""
        if not patterns:
            return []  # the usual case, without resolving the path for every file
        path = Path(filename)
        try:
            relative = path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            relative = path.as_posix()
        return _globs(tuple(patterns)).matching((relative, path.name))

    def local_model(self) -> LocalModel | None:
        """The model folder's tokenizer and template (--tokenizer), with the sequence length
        training cuts at; None when no tokenizer is named. Loaded once per run."""
        if self.tokenizer is None:
            if self.max_seq_length is not None:
                raise ConfigError(
                    "max-seq-length needs the model's tokenizer: name its folder with --tokenizer or `tokenizer =`"
                )
            return None
        from ft_lint.local_tokenizer import load_local_model

        return load_local_model(self.tokenizer, self.max_seq_length)

    def with_model(self, name: str) -> Settings:
        """These settings with a model named on the command line: it wins over every file's setting."""
        return replace(self, model=_model_name(name), per_file_models={})


@dataclass(frozen=True)
class RunOptions:
    """What this run does besides the lint: the command line's --fix, --diff, -o, --statistics,
    --write-baseline, --launch, --allow-empty."""

    fix: bool = False  # apply safe fixes, then report what remains
    unsafe_fixes: bool = False  # with fix or diff: apply the fixes that change content too
    diff: bool = False  # print the fixes as a unified diff instead of applying them
    force: bool = False  # with fix: also fix read-only files and files with other hard links
    output_file: Path | None = None  # -o: the report goes there, not to standard output
    statistics: bool = False  # the number of findings per rule instead of each finding
    write_clean: Path | None = None  # --write-clean: where to copy the records that passed
    progress: bool = False  # a progress line on stderr where one may show (the command's default; --no-progress)
    launch: LaunchOptions | None = None  # --launch: send the data that passed
    write_baseline: Path | None = None  # --write-baseline: record this run's findings there
    allow_empty: bool = False  # paths that hold no data file pass (else a usage error)


@functools.lru_cache(maxsize=4)  # per-file-ignores and per-file-settings, asked for every file
def _globs(patterns: tuple[str, ...]) -> Globs:
    return Globs(patterns)


def expand_selectors(selectors: list[str]) -> set[str]:
    """Rule selectors (ALL, a code prefix like FT1, a code, or a rule name) to codes."""
    codes: set[str] = set()
    for selector in selectors:
        matched = _selected(selector.strip())
        if not matched:
            raise ConfigError(f"unknown rule selector {selector!r} (see `ft-lint rules`)")
        codes |= matched
    return codes


@functools.cache  # a configuration may name the same few selectors thousands of times (per-file-ignores)
def _selected(wanted: str) -> frozenset[str]:
    from ft_lint.rules import catalog

    return frozenset(
        code
        for code, rule in catalog().items()
        if wanted.upper() == "ALL" or code.startswith(wanted.upper()) or rule.name == wanted.lower()
    )


def _near(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The closest configuration file and what it holds (read once: a pyproject.toml is read to
    see whether it has a [tool.ft-lint] table, and a big one takes a while)."""
    for folder in (start.resolve(), *start.resolve().parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml":
                return candidate, _load_toml(candidate)
            try:
                data = _load_toml(candidate)
            except ConfigError as error:
                if _mentions_our_table(candidate):  # ignoring it would drop the whole configuration
                    raise
                print(terminal(f"ft-lint: warning: {error}; skipped, it has no [tool.ft-lint] table"), file=sys.stderr)
                continue
            if "ft-lint" in _tools(data):
                return candidate, data
    return None


# A line of TOML that opens [tool.ft-lint] (or a table inside it) or sets a key of it:
# `[tool.ft-lint]`, `[tool."ft-lint".options.FT113]`, `tool.ft-lint.select = ...`, `ft-lint = {...}` under [tool]
_OUR_TABLE = re.compile(r"""^[ \t]*(\[{1,2}[ \t]*)?(tool[ \t]*\.[ \t]*)?["']?ft-lint["']?[ \t]*[.=\]]""", re.MULTILINE)


def _mentions_our_table(pyproject: Path) -> bool:
    """Whether a pyproject.toml that is not valid TOML holds ft-lint's configuration, as far as its text tells."""
    try:
        return _OUR_TABLE.search(pyproject.read_text(encoding="utf-8", errors="replace")) is not None
    except OSError:
        return True  # it could not be read as TOML either: the error says why


def _tools(pyproject: dict[str, Any]) -> dict[str, Any]:
    tools = pyproject.get("tool")
    return tools if isinstance(tools, dict) else {}


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)  # tomli (Python 3.10) ships no types
            return data
    except tomllib.TOMLDecodeError as error:
        where = str(error)
        if where.endswith("(at end of document)"):  # tomllib names every other place by line and column
            where = where.removesuffix(")") + f", line {_line_count(path)})"
        raise ConfigError(f"{path}: invalid TOML: {where}") from None
    except ValueError:  # what tomllib lets through: int() refusing a number of thousands of digits
        raise ConfigError(
            f"{path}: invalid TOML: an integer of more than {sys.get_int_max_str_digits()} digits"
        ) from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None


def _line_count(path: Path) -> int:
    with path.open("rb") as handle:
        return max(1, sum(1 for _ in handle))


def load_settings(config_file: Path | None, search_from: Path) -> Settings:
    """Defaults updated by the given configuration file, or the closest one found."""
    if config_file is None:
        found = find_config(search_from)
        if found is None:
            return Settings()
        path, data = found
    elif not config_file.is_file():
        raise ConfigError(f"{config_file}: configuration file not found")
    else:
        path, data = config_file, _load_toml(config_file)
    table = _tools(data).get("ft-lint", {}) if path.name == "pyproject.toml" else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.ft-lint] must be a table, not {type(table).__name__}")
    values: dict[str, Any] = {"config_file": path}
    _apply(values, table, path)
    if "tokenizer" in values:  # relative to the configuration file, as cache-dir is
        values["tokenizer"] = path.parent / values["tokenizer"]
    return Settings(**values)


def _apply(values: dict[str, Any], table: dict[str, Any], path: Path) -> None:
    """The table's keys into `values`: Settings' fields."""
    where = "[tool.ft-lint]" if path.name == "pyproject.toml" else path.name
    for key, value in table.items():
        handler = _KEYS.get(key)
        if handler is None:
            raise ConfigError(f"{path}: unknown key {key!r} in {where} (known: {', '.join(sorted(_KEYS))})")
        try:
            handler(values, value)
        except (TypeError, ValueError, ConfigError) as error:
            raise ConfigError(f"{path}: bad value for {key!r} in {where}: {error}") from None


def _codes(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of rule codes or names")
    expand_selectors(value)
    return value


def _string_choice(choices: tuple[str, ...] | None) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or (choices and value not in choices):
            raise ValueError(f"expected one of {', '.join(choices)}" if choices else "expected a string")
        return value

    return check


def _per_file_ignores(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise TypeError("expected a table of glob = [codes]")
    return {pattern: _codes(codes) for pattern, codes in value.items()}


def _format_name(value: Any) -> str:
    from ft_lint.formats import all_formats

    return _string_choice(tuple(all_formats()))(value)


def _model_name(value: Any) -> str:
    from ft_lint.models import UnknownModelError, resolve_model

    name = _string_choice(None)(value)
    try:
        resolve_model(name)
    except UnknownModelError as error:
        raise ValueError(f"{error} (`ft-lint models` lists them)") from None
    return name


def _per_file_settings(value: Any) -> dict[str, str]:
    """[per-file-settings."<glob>"] tables; only `model` so far, so they are kept as glob -> model."""
    if not isinstance(value, dict) or not all(isinstance(table, dict) for table in value.values()):
        raise TypeError('expected a table per glob, e.g. [tool.ft-lint.per-file-settings."data/llama/*.jsonl"]')
    models: dict[str, str] = {}
    for pattern, table in value.items():
        for key, setting in table.items():
            if key not in PER_FILE_SETTINGS:
                raise ValueError(f"{pattern!r}: unknown key {key!r} (known: {', '.join(PER_FILE_SETTINGS)})")
            models[pattern] = _model_name(setting)
    return models


def current_date(settings: Settings) -> dt.date:
    """The date rules count days from: settings.today, else $FT_LINT_TODAY, else the real date."""
    if settings.today is not None:
        return settings.today
    given = os.environ.get(TODAY_VARIABLE)
    if not given:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        raise ConfigError(f"{TODAY_VARIABLE}={given!r} is not a date like 2026-11-22") from None


def _rule_options(value: Any) -> dict[str, dict[str, Any]]:
    from ft_lint.rules import find_rule

    if not isinstance(value, dict):
        raise TypeError("expected a table per rule, e.g. [tool.ft-lint.options.FT113]")
    resolved: dict[str, dict[str, Any]] = {}
    for selector, options in value.items():
        rule = find_rule(selector)
        if rule is None:
            raise ValueError(f"unknown rule {selector!r}")
        if not isinstance(options, dict):
            raise TypeError(f"options of {selector} must be a table")
        for key, option_value in options.items():
            if key not in rule.OPTIONS:
                known = ", ".join(rule.OPTIONS) or "none"
                raise ValueError(f"rule {rule.code} has no option {key!r} (options: {known})")
            try:
                resolved.setdefault(rule.code, {})[key] = rule.OPTIONS[key].coerce(option_value)
            except ValueError as error:
                raise ValueError(f"{rule.code} option {key!r}: {error}") from None
    return resolved


def _pairs(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise TypeError('expected a table of "training file" = "validation file" (or a list of them)')
    pairs = {}
    for training, validations in value.items():
        validations = [validations] if isinstance(validations, str) else validations
        if not isinstance(validations, list) or not validations or not all(isinstance(v, str) for v in validations):
            raise TypeError(f"{training!r}: expected a validation file name or a list of them")
        pairs[training] = validations
    return pairs


def _setter(attribute: str, convert: Callable[[Any], object]) -> Setter:
    def set_value(values: dict[str, Any], value: Any) -> None:
        values[attribute] = convert(value)

    return set_value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TypeError("expected a whole number of at least 1")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError("expected a non-empty string")
    return value


def _launch_setting(name: str) -> Setter:
    """A timeout in seconds, or max-retries (a whole number, 0 or more)."""

    def set_value(values: dict[str, Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError("expected a number")
        if name == RETRIES_SETTING and (not isinstance(value, int) or value < 0):
            raise ValueError("expected a whole number of 0 or more")
        if name != RETRIES_SETTING and not 0 < value <= MAX_SECONDS:
            raise ValueError(f"expected a number of seconds above 0, at most {MAX_SECONDS}")
        values.setdefault("launch_network", {})[name] = value

    return set_value


def _provider_setting(name: str) -> Setter:
    """A launch setting of the provider (launch.options.PROVIDER_SETTINGS): text."""

    def set_value(values: dict[str, Any], value: Any) -> None:
        values.setdefault("launch_settings", {})[name] = _text(value).strip()

    return set_value


def _baseline(values: dict[str, Any], value: Any) -> None:
    """A path relative to the configuration file (load_settings sets `config_file` first)."""
    values["baseline"] = values["config_file"].parent / _text(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected true or false")
    return value


_KEYS = {
    "select": _setter("select", _codes),
    "extend-select": _setter("extend_select", _codes),
    "ignore": _setter("ignore", _codes),
    "per-file-ignores": _setter("per_file_ignores", _per_file_ignores),
    "format": _setter("format", _format_name),
    "model": _setter("model", _model_name),
    "per-file-settings": _setter("per_file_models", _per_file_settings),
    "fail-on": _setter("fail_on", lambda v: Severity.parse(_string_choice(("info", "warning", "error"))(v))),
    "output-format": _setter("output_format", _string_choice(OUTPUT_FORMATS)),
    "options": _setter("rule_options", _rule_options),
    "exit-zero": _setter("exit_zero", _boolean),
    "pairs": _setter("pairs", _pairs),
    "jobs": _setter("jobs", _positive_int),
    "cache-dir": _setter("cache_dir", _text),
    "baseline": _baseline,
    "tokenizer": _setter("tokenizer", lambda value: Path(_text(value)).expanduser()),
    "max-seq-length": _setter("max_seq_length", _positive_int),
    **{name: _launch_setting(name) for name in NETWORK_SETTINGS},
    "fireworks-account": _setter("fireworks_account", _text),
    **{name: _provider_setting(name) for name in PROVIDER_SETTINGS},
}
