"""Row counts for the tables a dbt step built, read in one query once dbt has finished.

dagster-dbt's `fetch_row_counts()` counts each table in a thread pool fed by a loop that polls
its futures without sleeping; on DuckDB that loop spins for the whole `dbt build` (the events
are held until dbt releases the file), taking one of the machine's cores from dbt. Counting
here, after the build, costs one read-only query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dagster import AssetMaterialization, MetadataValue, Output

from dagster_project.lib.warehouse import WarehouseResource


def _counted_node(event: Any, nodes: Mapping[str, Any]) -> tuple[str, str] | None:
    """(unique_id, `schema.alias`) of a table the event materialised; None for anything else."""
    if not isinstance(event, AssetMaterialization | Output):
        return None
    unique_id = getattr(event.metadata.get("unique_id"), "text", None)
    node = nodes.get(unique_id or "")
    if node is None or node["config"].get("materialized") in ("view", "ephemeral"):
        return None
    # Schema and name only: the database part follows the warehouse file's name, which can
    # differ from the one the manifest was parsed with.
    return unique_id, f'"{node["schema"]}"."{node["alias"]}"'


def with_row_counts(
    events: Iterable[Any], manifest: Mapping[str, Any], warehouse: WarehouseResource
) -> list[Any]:
    """The events, each table's materialisation with `dagster/row_count` attached."""
    nodes = manifest.get("nodes", {})
    located = [(event, _counted_node(event, nodes)) for event in events]
    tables = dict(node for _, node in located if node is not None)
    if not tables:
        return [event for event, _ in located]
    counts_sql = " union all ".join(
        f"select '{unique_id}' as unique_id, count(*) as row_count from {relation}"
        for unique_id, relation in tables.items()
    )
    counts = warehouse.query(counts_sql).set_index("unique_id")["row_count"]
    return [
        event
        if node is None
        else event.with_metadata(
            {**event.metadata, "dagster/row_count": MetadataValue.int(int(counts[node[0]]))}
        )
        for event, node in located
    ]
