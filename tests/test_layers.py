"""The package's layers, read from its source with `ast` (imports inside functions too).

LAYERS orders the package's modules: a module imports only from its own layer or an earlier
one, and no two modules import each other, however indirectly. The main line runs reader ->
formats -> record -> rules -> scanning -> engine (the lint) -> session (the run) -> cli; the
rest sits where what it imports puts it. An import under `if TYPE_CHECKING:` (an annotation,
never run) is not counted.

`ft_lint/rules/` holds rules and nothing else uses them directly: a module outside it may
import the `ft_lint.rules` package itself (Rule, Problem types, the catalog), never one of
its rule modules. What rules use (detectors, redaction, digests, image headers) lives in
modules of its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ft_lint

PACKAGE = Path(ft_lint.__file__).parent
RULES = PACKAGE / "rules"
RULE_MODULES = frozenset(path.stem for path in RULES.glob("*.py") if path.stem != "__init__")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, dotted name) of every module the source imports, wherever the import statement
    is; `from package import name` counts as package.name too, as name may be a module."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1 more
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if (
                name in ("import_module", "__import__")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((node.lineno, node.args[0].value))
    return found


LAYERS: list[tuple[str, ...]] = [
    # what everything may use: no import of anything above
    (
        "ft_lint",
        "ft_lint.errors",
        "ft_lint.atomic",
        "ft_lint.time_limits",
        "ft_lint.findings",
        "ft_lint.escaping",
        "ft_lint.detectors",
        "ft_lint.digests",
        "ft_lint.edits",
        "ft_lint.globs",
        "ft_lint.grouping",
        "ft_lint.image_headers",
        "ft_lint.inplace",
        "ft_lint.input_kinds",  # the catalog of input files by suffix
        "ft_lint.progress",
        "ft_lint.open_tokenizers",  # the open models' tokenizer catalog, which models.py checks names against
        "ft_lint.models",
        "ft_lint.histogram",
        "ft_lint.profiles",
        "ft_lint.launch.options",
        "ft_lint.launch",
    ),
    ("ft_lint.redaction", "ft_lint.excerpt", "ft_lint.minhash"),  # text made safe to print; similarity sketches
    ("ft_lint.decompress", "ft_lint.tables"),  # compressed streams, bounded; CSV and TSV rows as records
    ("ft_lint.parquet_rows", "ft_lint.reader", "ft_lint.chunking"),  # bytes to entries
    ("ft_lint.files", "ft_lint.hub_datasets", "ft_lint.pairing"),  # which files a run reads, their names, their pairs
    ("ft_lint.formats",),  # entries to formats
    ("ft_lint.model_templates",),  # open models' examples as their chat templates render them
    ("ft_lint.tokens", "ft_lint.model_choice", "ft_lint.local_tokenizer", "ft_lint.chat_templates"),
    ("ft_lint.context",),  # a file's format and model, for every command
    ("ft_lint.record",),
    ("ft_lint.rules", *(f"ft_lint.rules.{name}" for name in sorted(RULE_MODULES))),
    ("ft_lint.config",),  # the settings (it reads the rule catalog)
    ("ft_lint.cache", "ft_lint.scanning"),
    (
        "ft_lint.reporters",
        "ft_lint.reporters.text",
        "ft_lint.reporters.json_reporter",
        "ft_lint.reporters.github",
        "ft_lint.reporters.sarif",
        "ft_lint.github_summary",
    ),
    ("ft_lint.engine", "ft_lint.stats", "ft_lint.html_report", "ft_lint.baseline"),  # the lint; `ft-lint stats`
    # and its --html page; the findings known before
    (
        "ft_lint.fixer",
        "ft_lint.launch.masking",
        "ft_lint.launch.base",
        "ft_lint.launch.linted",
        "ft_lint.launch.state",
        "ft_lint.launch.openai_api",
        "ft_lint.launch.azure_api",
        "ft_lint.launch.together_api",
        "ft_lint.launch.fireworks_api",
        "ft_lint.launch.bedrock_api",
        "ft_lint.launch.vertex_api",
        "ft_lint.launch.flow",
    ),
    ("ft_lint.clean_copy",),  # --write-clean
    ("ft_lint.session",),  # the run: fix, diff, lint, report, launch
    ("ft_lint.launch.cli_options", "ft_lint.cli"),
    ("ft_lint.github_action", "ft_lint.__main__"),
]
LAYER_OF = {module: number for number, layer in enumerate(LAYERS) for module in layer}


def package_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "schemas" not in path.relative_to(PACKAGE).parts
    }


def runtime_imports(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """imported_modules, less what is imported under `if TYPE_CHECKING:`."""
    tree = ast.parse(source)
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    kept = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Call)) and id(node) not in typing_only
    ]
    lines = {node.lineno for node in kept}
    typed_lines = {node.lineno for node in ast.walk(tree) if id(node) in typing_only and hasattr(node, "lineno")}
    return [
        (line, name)
        for line, name in imported_modules(source, module, is_package)
        if line in lines or line not in typed_lines
    ]


def package_imports(modules: dict[str, Path]) -> dict[str, dict[str, int]]:
    """module -> {package module it imports: the first line}; `from package import name` counts
    as an import of package.name when that is a module, else of the package."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        found: dict[str, int] = {}
        for line, name in runtime_imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            if name in modules and name != module:
                found.setdefault(name, line)
        for name in list(found):  # `from ft_lint.launch import flow` lists ft_lint.launch and ft_lint.launch.flow
            if any(other.startswith(name + ".") and other in found and found[other] == found[name] for other in found):
                del found[name]
        graph[module] = found
    return graph


def upward_imports(graph: dict[str, dict[str, int]]) -> list[str]:
    return sorted(
        f"{module} (layer {LAYER_OF[module]}) line {line}: {name} (layer {LAYER_OF[name]})"
        for module, imports in graph.items()
        for name, line in imports.items()
        if LAYER_OF[name] > LAYER_OF[module]
    )


def import_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for name in graph.get(module, {}):
            if name not in index:
                visit(name)
                low[module] = min(low[module], low[name])
            elif name in stack:
                low[module] = min(low[module], index[name])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_every_module_has_a_layer():
    modules = package_modules()
    assert sorted(set(modules) - set(LAYER_OF)) == []
    assert sorted(set(LAYER_OF) - set(modules)) == []
    assert len(LAYER_OF) == sum(map(len, LAYERS))  # no module in two layers


def test_no_module_imports_from_a_later_layer():
    assert upward_imports(package_imports(package_modules())) == []


def test_no_import_cycle():
    assert import_cycles(package_imports(package_modules())) == []


def test_the_main_line_runs_one_way():
    main_line = [
        "ft_lint.reader",
        "ft_lint.formats",
        "ft_lint.record",
        "ft_lint.rules",
        "ft_lint.scanning",
        "ft_lint.engine",
        "ft_lint.session",
        "ft_lint.cli",
    ]
    assert [LAYER_OF[module] for module in main_line] == sorted(LAYER_OF[module] for module in main_line)
    assert len({LAYER_OF[module] for module in main_line}) == len(main_line)


def test_the_checks_find_an_upward_import_and_a_cycle():
    graph = {"ft_lint.reader": {"ft_lint.engine": 3}, "ft_lint.engine": {"ft_lint.reader": 1}}
    assert upward_imports(graph) == [
        f"ft_lint.reader (layer {LAYER_OF['ft_lint.reader']}) line 3: "
        f"ft_lint.engine (layer {LAYER_OF['ft_lint.engine']})"
    ]
    assert import_cycles(graph) == [["ft_lint.engine", "ft_lint.reader"]]


@pytest.mark.parametrize(
    "source",
    [
        "def sniff():\n    from ft_lint.session import run",
        "from ft_lint import session",
        "import ft_lint.session",
        "from . import session",
        "importlib.import_module('ft_lint.session')",
    ],
)
def test_a_lazy_or_relative_import_counts(source):
    names = {name for _, name in runtime_imports(source, "ft_lint.engine")}
    assert "ft_lint.session" in names


def test_an_annotation_only_import_does_not_count():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from ft_lint.config import Settings\n"
        "import ft_lint.reader\n"
    )
    assert [name for _, name in runtime_imports(source, "ft_lint.model_choice")] == [
        "typing",
        "typing.TYPE_CHECKING",
        "ft_lint.reader",
    ]


def rule_module_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """ "line N: ft_lint.rules.<module>" for each rule module the source imports."""
    found = set()
    for line, name in imported_modules(source, module, is_package):
        parts = name.split(".")
        if parts[:2] == ["ft_lint", "rules"] and len(parts) > 2 and parts[2] in RULE_MODULES:
            found.add(f"line {line}: ft_lint.rules.{parts[2]}")
    return sorted(found)


def test_nothing_outside_rules_imports_a_rule_module():
    assert {"privacy", "dataset", "reading", "similarity", "images"} <= RULE_MODULES
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if RULES in path.parents:
            continue
        found = rule_module_imports(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
        if found:
            offenders[str(path.relative_to(PACKAGE.parent))] = found
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "import ft_lint.rules.privacy",
        "from ft_lint.rules.dataset import canonical_digest",
        "from ft_lint.rules import privacy",
        "from ft_lint.rules import catalog, similarity",
        "def fix():\n    from ft_lint.rules.reading import duplicate_keys",
        "class A:\n    def f(self):\n        import ft_lint.rules.images as images",
        "from .rules.privacy import redact",
        "from .rules import dataset",
        "importlib.import_module('ft_lint.rules.similarity')",
    ],
)
def test_the_check_finds_a_rule_module_import(source):
    assert rule_module_imports(source, "ft_lint.fixer")


@pytest.mark.parametrize(
    "source",
    [
        "from ft_lint.rules import catalog, Rule, EntryRule",
        "from ft_lint import rules",
        "import ft_lint.rules",
        "from ft_lint.redaction import redact",
        "from . import rules",
        "from .rules import find_rule",
    ],
)
def test_the_package_base_may_be_imported(source):
    assert rule_module_imports(source, "ft_lint.engine") == []


def test_relative_imports_resolve_from_the_module_package():
    assert rule_module_imports("from ..rules import privacy", "ft_lint.launch.masking")
    assert rule_module_imports("from ..rules import privacy", "ft_lint.launch", is_package=True)
    assert rule_module_imports("from .rules import privacy", "ft_lint.launch.masking") == []  # ft_lint.launch.rules
    assert rule_module_imports("from .rules import privacy", "ft_lint.launch", is_package=True) == []
