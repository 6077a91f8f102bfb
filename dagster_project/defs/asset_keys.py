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


def written_asset_key(family: str, name: str) -> AssetKey:
    """Key of an asset of the run that writes `<family>/<name>` into the raw area itself (the
    data-driven fit; dbt sources with meta `written_by`): not an export, so not under raw/."""
    return AssetKey([family, name])
