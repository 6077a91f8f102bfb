"""One Dagster asset per source export: land the files, typed, as Parquet in the raw area.

The raw area (data/raw/<family>/<source>/) is what dbt reads as sources, so it is
engine-neutral: on a distributed engine the same layout lives in object storage.
"""

from __future__ import annotations

from pathlib import Path

from dagster import AssetsDefinition, MaterializeResult, MetadataValue, asset

from dagster_project.defs.asset_keys import raw_asset_key
from dagster_project.defs.groups import INGESTION
from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS, SourceContract
from dagster_project.defs.ingest.landing import land_source
from dagster_project.lib.warehouse import WarehouseResource

# Who answers for a source's landing: the data platform team (file formats, contracts).
INGESTION_OWNERS = ["team:data-platform"]

PROVIDED = "provided"
NOT_PROVIDED = "not provided"


def _landing_asset(contract: SourceContract) -> AssetsDefinition:
    """Build the asset for one source; a factory because all thirteen work the same way."""

    @asset(
        key=raw_asset_key(contract.family, contract.name),
        group_name=INGESTION,
        description=(
            f"`{contract.qualified_name}` export landed as typed Parquet "
            f"(columns per the source contract, timestamps in UTC). "
            f"Source {contract.presence}; when absent it lands empty, marked not provided. "
            f"Required columns: {', '.join(contract.required_columns)}."
        ),
        kinds={"parquet", "duckdb"},
        tags={"layer": "raw", "source_family": contract.family},
        owners=INGESTION_OWNERS,
    )
    def _land(warehouse: WarehouseResource) -> MaterializeResult:
        result = land_source(contract, Path(warehouse.source_dir), Path(warehouse.raw_dir))
        return MaterializeResult(
            metadata={
                "status": PROVIDED if result.provided else NOT_PROVIDED,
                "dagster/row_count": result.rows_loaded,
                "rows_read": result.rows_read,
                "rows_quarantined": result.rows_quarantined,
                "quarantine_path": MetadataValue.path(str(result.quarantine_path)),
                "source_files": MetadataValue.json(result.files),
                "rows_per_file": MetadataValue.json(result.rows_per_file),
                "extra_columns": MetadataValue.json(result.extra_columns),
                "output_path": MetadataValue.path(str(result.output_path)),
            }
        )

    return _land


ingestion_assets: list[AssetsDefinition] = [
    _landing_asset(contract) for contract in SOURCE_CONTRACTS.values()
]
