"""Maps dbt nodes to Dagster assets: groups by layer, sources onto the ingestion assets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from dagster_project.defs.asset_keys import raw_asset_key, written_asset_key
from dagster_project.defs.groups import DBT_LAYERS, LOOKUPS


class AttributionDbtTranslator(DagsterDbtTranslator):
    """Groups models by their folder's layer and links dbt sources to the raw landing assets."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props.get("source_meta", {}).get("written_by"):
                return written_asset_key(
                    dbt_resource_props["source_name"], dbt_resource_props["name"]
                )
            return raw_asset_key(dbt_resource_props["source_name"], dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return LOOKUPS
        fqn = dbt_resource_props.get("fqn", [])
        layer = next((part for part in fqn if part in DBT_LAYERS), None)
        return layer or super().get_group_name(dbt_resource_props)
