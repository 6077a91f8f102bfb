"""The Python layering, read from the source (ast): fast, nothing is imported or built.

From the bottom up:
- `settings` imports nothing from the project, and is the only module reading the project's
  environment variables;
- `lib/` imports `settings` and `lib` only;
- `defs/` modules beside the domains (`groups`, `asset_keys`) import `settings` and `lib`;
- `defs/<domain>/` imports `settings`, `lib`, those shared `defs` modules, its own domain and
  the domains before it in the order data flows: ingest -> dbt -> data_driven -> propensity ->
  checks -> publish (data_driven and propensity are the two Python fits between dbt's steps);
- `definitions`, `run`, `summary` and `run_outcome` sit on top and may import anything;
- `generate/` (the sample data generator) imports `settings`, `lib` and itself, never `defs`.
No module imports a private Dagster or dagster-dbt module (`dagster._...`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = "dagster_project"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

DOMAINS = ("ingest", "dbt", "data_driven", "propensity", "checks", "publish")
"""defs/ domains in the order data flows: each may import only itself and earlier ones."""

SHARED_DEFS = ("groups", "asset_keys")
"""defs/ modules every domain may import (names and keys more than one domain spells)."""

TOP = ("definitions", "run", "summary", "run_outcome")

PRIVATE_PACKAGES = ("dagster", "dagster_dbt")

PRIVATE_API_USERS = {
    "lib/event_log.py": (
        "subclasses Dagster's SQLite event log, which Dagster configures by this module path"
        " in dagster.yaml but does not export; tests/test_event_log.py proves the stock storage"
        " reads what it writes, so an upgrade that breaks it fails there"
    ),
}
"""Modules that may import Dagster's private modules, and why (the version is pinned)."""

ENV_READERS = {
    "settings.py": "the one place environment variables are read",
    "lib/engines.py": (
        "renders profiles.yml as dbt does, with its env_var(); reads the Thrift password when"
        " it connects, so that no resource holds it"
    ),
}
"""Modules (besides generate/) that may read os.environ, and why."""

ENV_WRITES = {"update"}
"""os.environ methods that set, rather than read, the environment (dbt's subprocess env)."""


def _modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _name(path: Path) -> str:
    """`dagster_project.defs.dbt.assets` for dagster_project/defs/dbt/assets.py."""
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module an `import` or `from ... import` of this file names, with its line."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                package = _name(path).split(".")
                if path.name != "__init__.py":
                    package = package[:-1]
                base = ".".join(package[: len(package) - node.level + 1])
                yield node.lineno, f"{base}.{node.module}" if node.module else base
            elif node.module:
                yield node.lineno, node.module


def _layer(module: str) -> tuple[str, ...]:
    """The parts of a project module's name below the package: ('defs', 'dbt', 'assets')."""
    return tuple(module.split(".")[1:])


def _allowed(importer: tuple[str, ...], imported: tuple[str, ...]) -> bool:
    """Whether a module of the project may import another one (both as `_layer` parts)."""
    if not imported:
        return importer[:1] in {(name,) for name in TOP}  # the package itself
    top = importer[0]
    if top == "settings":
        return False
    if top == "lib":
        return imported[0] in {"settings", "lib"}
    if top == "generate":
        return imported[0] in {"settings", "lib", "generate"}
    if top in TOP:
        return True
    if top == "defs":
        if imported[0] in {"settings", "lib"}:
            return True
        if imported[0] != "defs":
            return False
        if len(imported) == 1 or imported[1] in SHARED_DEFS:
            return True
        if len(importer) == 1 or importer[1] in SHARED_DEFS:
            return False  # shared defs modules import no domain
        if importer[1] not in DOMAINS or imported[1] not in DOMAINS:
            return False
        return DOMAINS.index(imported[1]) <= DOMAINS.index(importer[1])
    return False


def _project_imports() -> Iterator[tuple[Path, int, str]]:
    for path in _modules():
        for line, module in _imports(path):
            yield path, line, module


def test_every_module_is_covered_by_a_rule() -> None:
    """A new top-level module or defs domain needs its place in the layering first."""
    known = {"settings", "lib", "defs", "generate", "__init__", *TOP}
    tops = {path.relative_to(ROOT).parts[0].removesuffix(".py") for path in _modules()}
    assert tops <= known, f"not placed in the layering: {sorted(tops - known)}"
    defs = ROOT / "defs"
    below = {
        path.relative_to(defs).parts[0].removesuffix(".py")
        for path in defs.rglob("*.py")
        if path.relative_to(defs).parts[0] != "__init__.py"
    }
    assert below <= {*DOMAINS, *SHARED_DEFS}, sorted(below - {*DOMAINS, *SHARED_DEFS})


def test_project_imports_follow_the_layering() -> None:
    violations = [
        f"{path.relative_to(ROOT.parent)}:{line} imports {module}"
        for path, line, module in _project_imports()
        if module.split(".")[0] == PACKAGE
        and _name(path) != module  # a package's own __init__ naming itself
        and not _allowed(_layer(_name(path)) or ("__init__",), _layer(module))
    ]
    assert not violations, "\n".join(violations)


def test_no_private_dagster_api() -> None:
    """Only what dagster and dagster_dbt export: no `dagster._core...`, `dagster_dbt._...`,
    outside PRIVATE_API_USERS."""
    violations = [
        f"{path.relative_to(ROOT.parent)}:{line} imports {module}"
        for path, line, module in _project_imports()
        if module.split(".")[0] in PRIVATE_PACKAGES
        and any(part.startswith("_") for part in module.split(".")[1:])
        and path.relative_to(ROOT).as_posix() not in PRIVATE_API_USERS
    ]
    assert not violations, "\n".join(violations)


def _environment_reads(path: Path) -> Iterator[int]:
    """Lines reading the process environment: os.environ (but for a write), os.getenv..."""
    tree = ast.parse(path.read_text(), str(path))
    writes: set[int] = set()
    for node in ast.walk(tree):
        # os.environ.update(...): setting dbt's environment is not reading the project's.
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ENV_WRITES
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "environ"
        ):
            writes.add(id(node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
            if id(node) not in writes:
                yield node.lineno
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in {"environ", "getenv", "environb"} for alias in node.names)
        ):
            yield node.lineno


def test_only_settings_reads_the_environment() -> None:
    readers = [
        f"{path.relative_to(ROOT.parent)}:{line}"
        for path in _modules()
        if path.relative_to(ROOT).parts[0] != "generate"
        and path.relative_to(ROOT).as_posix() not in ENV_READERS
        for line in _environment_reads(path)
    ]
    assert not readers, "read the setting from dagster_project/settings.py:\n" + "\n".join(readers)


@pytest.mark.parametrize(
    ("importer", "imported", "allowed"),
    [
        ("settings", "lib.files", False),
        ("lib.warehouse", "settings", True),
        ("lib.warehouse", "defs.groups", False),
        ("defs.dbt.translator", "defs.asset_keys", True),
        ("defs.ingest.assets", "defs.dbt.translator", False),
        ("defs.checks.contribution", "defs.dbt.assets", True),
        ("defs.dbt.assets", "defs.checks.contribution", False),
        ("defs.publish.report", "defs.ingest.checks", True),
        ("defs.groups", "defs.dbt.assets", False),
        ("generate.runner", "defs.ingest.contracts", False),
        ("run", "defs.publish.report", True),
    ],
)
def test_the_rules_themselves(importer: str, imported: str, allowed: bool) -> None:
    assert _allowed(tuple(importer.split(".")), tuple(imported.split("."))) is allowed


def test_tests_share_code_through_the_helpers_package() -> None:
    """Test modules import shared code from tests.helpers, never from another test module or a
    bare sibling module that only resolves through a sys.path edit, and no file edits
    sys.path."""
    tests_dir = ROOT.parent / "tests"
    siblings = {path.stem for path in tests_dir.glob("*.py")}
    helpers = {path.stem for path in (tests_dir / "helpers").rglob("*.py")}
    problems = []
    for path in sorted(tests_dir.rglob("*.py")):
        where = path.relative_to(ROOT.parent)
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in siblings | helpers or module.startswith("tests.test_"):
                problems.append(f"{where}:{line} imports {module}")
        if "sys.path" in path.read_text() and path.name != "test_imports.py":
            problems.append(f"{where}: edits sys.path")
    assert not problems, "import shared test code from tests.helpers:\n" + "\n".join(problems)
