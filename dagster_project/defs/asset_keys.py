"""Asset keys more than one domain spells: defined here, beside the groups, once.

The ingestion assets land each source at `raw/<family>/<name>`, and dbt's sources point at
those same keys (defs/dbt/translator.py), so both ingest and dbt import the rule from here
rather than ingest reaching into dbt.
"""

from __future__ import annotations

from dagster import AssetKey


def raw_asset_key(family: str, name: str) -> AssetKey:
    """Key of the ingestion asset that lands `<family>/<name>`; dbt sources point at it."""
    return AssetKey(["raw", family, name])
