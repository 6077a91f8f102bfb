"""Shared fixtures: one real Dagster materialisation of the sample into a temp warehouse.

Everything downstream (marts vs the pandas reference, checks, the standalone dbt run) reads
the warehouse this session fixture builds, so the expensive build happens once.

`make test` runs the suite on two workers (pytest-xdist, `--dist loadgroup`). A real build
is mostly single-threaded Python (Dagster and dbt), so two at once use both cores. Tests
are grouped so that an expensive fixture is built on one worker only: the tests of a module
stay together (their module-scoped builds are made once), and every module that reads a
named shape (tests/helpers/shapes.py) joins one group. The sample build is made at most once
per worker.

This file imports nothing that loads the Dagster definitions (they are built from dbt's
manifest): pytest_configure makes sure there is one first, then the test modules import them.
"""

from __future__ import annotations

import os

# One OpenMP thread per process, set before numpy or scikit-learn is loaded (the xdist workers
# inherit it). Each worker runs whole builds, and scikit-learn's gradient boosting (the
# propensity step) waits at its OpenMP barriers by spinning: two threads per worker on two
# cores made two sample builds at once take 86-93 s each, against 51 s with one thread each
# (one build alone: 48-53 s either way; tests/test_propensity_math.py holds it).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.helpers.shapes import ShapeBuilds
    from tests.helpers.warehouse_build import BuiltWarehouse

SHAPES_GROUP = "shapes"
# Measured in `make test` (minutes on two busy cores, 2026-12-05): the Spark cluster's module
# (~8), the shapes (~6), the 1M-touchpoint comparison and the contact_role build (~5), the
# incremental builds (~3), the killed and failing runs (~3), the hypothesis examples (~2).
LONGEST_GROUPS = (
    "tests/test_spark_cluster.py",
    SHAPES_GROUP,
    "tests/test_reference_at_scale.py",
    "tests/test_incremental_attribution.py",
    "tests/test_publish.py",
    "tests/test_any_valid_export.py",
)


DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"


def pytest_configure(config: pytest.Config) -> None:
    """Parse dbt once if there is no manifest: tests load the definitions, which are built
    from it, and importing them no longer parses (`make test` parses first anyway)."""
    if (DBT_DIR / "target" / "manifest.json").exists() or hasattr(config, "workerinput"):
        return  # xdist workers start after the controller has parsed
    dbt = Path(sys.executable).parent / "dbt"
    subprocess.run([str(dbt), "parse", "--quiet"], cwd=DBT_DIR, check=True)


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    from tests.helpers.warehouse_build import materialize_all

    return materialize_all(tmp_path_factory.mktemp("sample_build"))


@pytest.fixture(scope="session")
def shape_builds(tmp_path_factory: pytest.TempPathFactory) -> ShapeBuilds:
    """The named shapes of tests/helpers/shapes.py, each built on first use."""
    from tests.helpers.shapes import ShapeBuilds

    return ShapeBuilds(tmp_path_factory)


# What makes a test need a full warehouse build (minutes): the fixtures that hold one, or a
# module that builds its own with these functions (module, name).
WAREHOUSE_FIXTURES = frozenset({"built_warehouse", "shape_builds"})
WAREHOUSE_BUILDERS = frozenset(
    {
        ("tests.helpers.warehouse_build", "materialize_all"),
        ("tests.helpers.shape_runs", "run_shape"),
    }
)
# Modules whose tests start dbt, `make` or the Dagster UI in a subprocess (tens of seconds
# each) without a full build: `slow`, left out of `make check` too.
SLOW_MODULES = frozenset(
    {"tests/test_makefile.py", "tests/test_model_seed_guard.py", "tests/test_generic_macros.py"}
)


def _needs_a_warehouse(item: pytest.Item) -> bool:
    if WAREHOUSE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    module = getattr(item, "module", None)
    return any(
        (getattr(value, "__module__", None), getattr(value, "__name__", None)) in WAREHOUSE_BUILDERS
        for value in vars(module).values()
        if callable(value)
    )


def _mark_tiers(items: list[pytest.Item]) -> None:
    """The one place tests get their tier: `warehouse` for every test that needs a full build,
    `slow` for the subprocess tests of SLOW_MODULES. `make check` leaves both out; `make test`
    runs everything."""
    for item in items:
        if _needs_a_warehouse(item):
            item.add_marker(pytest.mark.warehouse)
        if item.nodeid.split("::")[0] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tiers first (_mark_tiers), then an xdist group per test module (its module-scoped
    builds are made once), one for every module that reads the named shapes, and the longest
    groups first, so that the two workers finish together instead of one running the Spark
    build alone at the end."""
    shape_modules = {
        item.nodeid.split("::")[0]
        for item in items
        if "shape_builds" in getattr(item, "fixturenames", ())
    }
    _mark_tiers(items)
    for item in items:
        module = item.nodeid.split("::")[0]
        item.add_marker(
            pytest.mark.xdist_group(SHAPES_GROUP if module in shape_modules else module)
        )

    def rank(item: pytest.Item) -> int:
        group = next(item.iter_markers("xdist_group")).args[0]
        return LONGEST_GROUPS.index(group) if group in LONGEST_GROUPS else len(LONGEST_GROUPS)

    items.sort(key=rank)  # stable: the order inside a group is kept
