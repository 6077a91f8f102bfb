"""Where a landing writes in the raw area, and the schema of the records it keeps there.

The landing writes these places; the ingestion checks, the ingestion log assets, the sensor
and dbt's sources read them. They are named once, here, so a reader can never look in a
folder the landing stopped writing. The layout, per source ``<family>/<name>``:

* ``<raw_dir>/<family>/<name>/part-<key>.parquet``: the rows that met the contract, typed,
  one part per input file (``key`` is a short hash of the file's relative path), with the
  lineage columns ``_source_file`` and ``_source_line`` last;
* ``<raw_dir>/<family>/<name>/_landing.json``: the landing's manifest (underscore: Spark and
  ``*.parquet`` globs skip it);
* ``<raw_dir>/_quarantine/<family>/<name>/part-<key>.parquet``: rows that broke the contract
  (``QUARANTINE_SCHEMA``), one part per input file, empty when nothing was quarantined;
* ``<raw_dir>/_ingestion/landed_sources/part-<family>-<name>.parquet``: the source's row of
  the ingestion log (``LANDED_SOURCES_SCHEMA``), dbt's source ``ingestion.landed_sources``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa

from dagster_project.defs.ingest.contracts import SourceContract

SOURCE_FILE_COLUMN = "_source_file"
SOURCE_LINE_COLUMN = "_source_line"
LINEAGE_COLUMNS = (SOURCE_FILE_COLUMN, SOURCE_LINE_COLUMN)  # after the contract's, in every part
PART_PREFIX = "part-"
PARTS_GLOB = "*.parquet"
MANIFEST_FILE_NAME = "_landing.json"
QUARANTINE_DIR_NAME = "_quarantine"
WORK_DIR_NAME = ".landing_tmp"  # under raw_dir; per-landing temp dirs, removed when done
NOT_PROVIDED_PART = f"{PART_PREFIX}not-provided.parquet"  # the one, empty part of an absent source
INGESTION_DIR_NAME = "_ingestion"
LANDED_SOURCES_DIR_NAME = "landed_sources"

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string()),  # family/name
        pa.field("file", pa.string()),  # relative path, as _source_file
        pa.field("line", pa.int64()),  # physical start line (Parquet: 1-based row number)
        pa.field("column", pa.string()),  # NULL for row-level problems
        pa.field("reason", pa.string()),  # the first problem, in column order, row rules last
        pa.field("raw_record", pa.string()),  # JSON: {column: text} or [fields] if malformed
        pa.field("problem_count", pa.int32()),  # problems found in the row (>= 1)
    ]
)
QUARANTINE_COLUMNS = tuple(QUARANTINE_SCHEMA.names)

# One row per source in the ingestion log: what its last landing found (same totals as the
# manifest). landed_at is UTC without a zone, like every timestamp of the raw area.
LANDED_SOURCES_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string()),  # family/name
        pa.field("source_family", pa.string()),
        pa.field("source_name", pa.string()),
        pa.field("is_provided", pa.bool_()),  # false: no input file, landed empty
        pa.field("file_count", pa.int64()),
        pa.field("rows_read", pa.int64()),
        pa.field("rows_loaded", pa.int64()),
        pa.field("rows_quarantined", pa.int64()),
        pa.field("landed_at", pa.timestamp("us")),
    ]
)


def part_name(rel: str) -> str:
    """The part file that holds the rows of input file ``rel``: stable, one per input file."""
    return f"{PART_PREFIX}{hashlib.sha256(rel.encode('utf-8')).hexdigest()[:16]}.parquet"


def output_dir(contract: SourceContract, raw_dir: Path) -> Path:
    """The folder of a source's landed part files and manifest."""
    return Path(raw_dir) / contract.family / contract.name


def manifest_path(contract: SourceContract, raw_dir: Path) -> Path:
    """Where a source's landing manifest (``_landing.json``) is written."""
    return output_dir(contract, raw_dir) / MANIFEST_FILE_NAME


def quarantine_dir(contract: SourceContract, raw_dir: Path) -> Path:
    """The folder of a source's quarantine part files."""
    return Path(raw_dir) / QUARANTINE_DIR_NAME / contract.family / contract.name


def quarantine_path(contract: SourceContract, raw_dir: Path) -> Path:
    """Glob over the quarantine part files of a source (what DuckDB reads)."""
    return quarantine_dir(contract, raw_dir) / PARTS_GLOB


def quarantine_area_glob(raw_dir: Path) -> Path:
    """Glob over every source's quarantine parts (``<raw_dir>/_quarantine/<family>/<name>/``)."""
    return Path(raw_dir) / QUARANTINE_DIR_NAME / "*" / "*" / PARTS_GLOB


def landed_sources_dir(raw_dir: Path) -> Path:
    """The folder of the ingestion log: one one-row part per landed source."""
    return Path(raw_dir) / INGESTION_DIR_NAME / LANDED_SOURCES_DIR_NAME


def landed_source_path(contract: SourceContract, raw_dir: Path) -> Path:
    """A source's row of the ingestion log, rewritten by each of its landings."""
    return landed_sources_dir(raw_dir) / f"{PART_PREFIX}{contract.family}-{contract.name}.parquet"
