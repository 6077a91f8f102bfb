"""The dbt CLI resource, without the start-up work dagster-dbt does on every call.

dagster-dbt builds a dbt Core adapter in this process for each `dbt` invocation (loading the
profile, the project and every macro: about 3 seconds, twice a run) so that its
`fetch_row_counts()` and `fetch_column_metadata()` can query the warehouse. Nothing here uses
them: row counts come from one query after the build (row_counts.py), so the adapter is not
built. And it asks the dbt executable for its version by starting it (`dbt --version`, about
2 seconds a run); the version is the dbt-core this project pins, installed beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as installed_version
from typing import Any

from dagster_dbt import DbtCliResource
from packaging import version


class AttributionDbtCliResource(DbtCliResource):
    """`dbt` as dagster-dbt runs it, minus the unused in-process adapter and version probe."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))
