"""The package's layers, read from its source with `ast` (imports inside functions too).

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
            if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def rule_module_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """"line N: ft_lint.rules.<module>" for each rule module the source imports."""
    found = set()
    for line, name in imported_modules(source, module, is_package):
        parts = name.split(".")
        if parts[:2] == ["ft_lint", "rules"] and len(parts) > 2 and parts[2] in RULE_MODULES:
            found.add(f"line {line}: ft_lint.rules.{parts[2]}")
    return sorted(found)


def test_nothing_outside_rules_imports_a_rule_module():
    assert RULE_MODULES >= {"privacy", "dataset", "reading", "similarity", "images"}
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
