"""The dbt CLI resource, without the in-process dbt adapter dagster-dbt opens on every call.

dagster-dbt builds a dbt Core adapter in this process for each `dbt` invocation (loading the
profile, the project and every macro: about 3 seconds, twice a run) so that its
`fetch_row_counts()` and `fetch_column_metadata()` can query the warehouse. Nothing here uses
them: row counts come from one query after the build (row_counts.py), so the adapter is not
built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dagster_dbt import DbtCliResource


class AttributionDbtCliResource(DbtCliResource):
    """`dbt` as dagster-dbt runs it, minus the unused in-process adapter."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None
