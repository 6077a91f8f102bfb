"""Shared fixtures: one real Dagster materialisation of the sample into a temp warehouse.

Everything downstream (marts vs the pandas reference, checks, the standalone dbt run) reads
the warehouse this session fixture builds, so the expensive build happens once.

`make test` runs the suite on two workers (pytest-xdist, `--dist loadgroup`). A real build
is mostly single-threaded Python (Dagster and dbt), so two at once use both cores. Tests
are grouped so that an expensive fixture is built on one worker only: every test that
reads the sample build runs on the same worker, so does every test that reads a named
shape (tests/shapes.py), and the tests of any other module stay
together (their module-scoped builds are made once).
"""

from __future__ import annotations

import pytest
from shapes import ShapeBuilds
from warehouse_build import BuiltWarehouse, materialize_all

SAMPLE_GROUP = "sample_build"
SHAPES_GROUP = "shapes"


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    return materialize_all(tmp_path_factory.mktemp("sample_build"))


@pytest.fixture(scope="session")
def shape_builds(tmp_path_factory: pytest.TempPathFactory) -> ShapeBuilds:
    """The named shapes of tests/shapes.py, each built on first use."""
    return ShapeBuilds(tmp_path_factory)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """An xdist group for every test: the sample build's readers, the shapes' readers, else
    the test's module."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "built_warehouse" in fixtures:
            group = SAMPLE_GROUP
        elif "shape_builds" in fixtures:
            group = SHAPES_GROUP
        else:
            group = item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
