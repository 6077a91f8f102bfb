"""Shared fixtures: one real Dagster materialisation of the sample into a temp warehouse.

Everything downstream (marts vs the pandas reference, checks, the standalone dbt run) reads
the warehouse this session fixture builds, so the expensive build happens once.
"""

from __future__ import annotations

import pytest
from warehouse_build import BuiltWarehouse, materialize_all


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    return materialize_all(tmp_path_factory.mktemp("sample_build"))
