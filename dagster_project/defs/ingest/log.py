"""The ingestion log and the quarantine area as Dagster assets, for dbt's source `ingestion`.

Every landing writes its own row of the log and its own quarantine parts (``landing.py``,
where ``raw_layout.py`` says); these two assets write nothing. They exist so that the graph
says what dbt reads: ``raw/ingestion/landed_sources`` and ``raw/ingestion/quarantined_rows``
depend on every landing asset, and the models over them (``dim_sources``,
``fct_quarantined_rows``) depend on these. A run, or the sensor's run for one changed
source, that re-lands any source thus also rebuilds those models, which would otherwise
keep the counts of an earlier landing. Their materialisations summarise the log: sources
not provided, rows per source.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
from dagster import AssetSpec, MaterializeResult, MetadataValue, multi_asset

from dagster_project.defs.asset_keys import raw_asset_key
from dagster_project.defs.groups import INGESTION
from dagster_project.defs.ingest.assets import INGESTION_OWNERS
from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS
from dagster_project.defs.ingest.raw_layout import (
    PARTS_GLOB,
    landed_sources_dir,
    quarantine_area_glob,
)
from dagster_project.lib.warehouse import WarehouseResource

LOG_FAMILY = "ingestion"  # the dbt source name, hence raw/ingestion/<table>
LANDED_SOURCES_KEY = raw_asset_key(LOG_FAMILY, "landed_sources")
QUARANTINED_ROWS_KEY = raw_asset_key(LOG_FAMILY, "quarantined_rows")
_LANDINGS = [raw_asset_key(c.family, c.name) for c in SOURCE_CONTRACTS.values()]
_TAGS = {"layer": "raw", "source_family": LOG_FAMILY}


def landed_sources(raw_dir: Path) -> pd.DataFrame:
    """The ingestion log: one row per landed source, in contract order."""
    folder = landed_sources_dir(raw_dir)
    if not any(folder.glob(PARTS_GLOB)):
        return pd.DataFrame(columns=["source"])
    with duckdb.connect() as con:
        frame = con.execute(f"select * from read_parquet('{folder / PARTS_GLOB}')").df()
    order = {name: i for i, name in enumerate(SOURCE_CONTRACTS)}
    return frame.sort_values("source", key=lambda s: s.map(order)).reset_index(drop=True)


def quarantined_per_source(raw_dir: Path) -> dict[str, int]:
    """Rows in the quarantine area per source (every source has at least an empty part)."""
    pattern = quarantine_area_glob(raw_dir)
    if not any(Path(raw_dir).glob(str(pattern.relative_to(raw_dir)))):
        return {}
    with duckdb.connect() as con:
        rows = con.execute(
            f"select source, count(*) from read_parquet('{pattern}') group by source"
        ).fetchall()
    return {str(source): int(count) for source, count in rows}


@multi_asset(
    name="ingestion_log",
    specs=[
        AssetSpec(
            key=LANDED_SOURCES_KEY,
            deps=_LANDINGS,
            group_name=INGESTION,
            description=(
                "The ingestion log: one row per source from its last landing (provided or not, "
                "files, rows read = loaded + quarantined, when), "
                "`_ingestion/landed_sources/part-<family>-<name>.parquet` in the raw area."
            ),
            kinds={"parquet"},
            tags=_TAGS,
            owners=INGESTION_OWNERS,
        ),
        AssetSpec(
            key=QUARANTINED_ROWS_KEY,
            deps=_LANDINGS,
            group_name=INGESTION,
            description=(
                "The quarantine area: every input row that broke its source contract, with "
                "source, file, line, column, reason and raw record "
                "(`_quarantine/<family>/<name>/part-*.parquet` in the raw area)."
            ),
            kinds={"parquet"},
            tags=_TAGS,
            owners=INGESTION_OWNERS,
        ),
    ],
)
def ingestion_log(warehouse: WarehouseResource) -> Iterator[MaterializeResult]:
    raw_dir = Path(warehouse.raw_dir)
    log = landed_sources(raw_dir)
    landed = set(log["source"])
    not_provided = [] if log.empty else list(log.loc[~log["is_provided"], "source"])
    yield MaterializeResult(
        asset_key=LANDED_SOURCES_KEY,
        metadata={
            "dagster/row_count": len(log),
            "sources_not_provided": MetadataValue.json(not_provided),
            "sources_never_landed": MetadataValue.json(
                [q for q in SOURCE_CONTRACTS if q not in landed]
            ),
            "sources": MetadataValue.md(log.to_markdown(index=False)),
            "path": MetadataValue.path(str(landed_sources_dir(raw_dir) / PARTS_GLOB)),
        },
    )
    quarantined = quarantined_per_source(raw_dir)
    yield MaterializeResult(
        asset_key=QUARANTINED_ROWS_KEY,
        metadata={
            "dagster/row_count": sum(quarantined.values()),
            "quarantined_rows_per_source": MetadataValue.json(quarantined),
            "path": MetadataValue.path(str(quarantine_area_glob(raw_dir))),
        },
    )


ingestion_log_assets = [ingestion_log]
