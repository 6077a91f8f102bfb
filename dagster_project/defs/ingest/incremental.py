"""What was already landed: file fingerprints, the manifest and the ingestion log row.

Daily drops grow a source folder file by file; re-reading every file on every run would
make a landing's cost grow with the source's history. So each landing records, per input
file, its sha256 and row counts (``_landing.json``), and the next landing reads again only
the files whose path or content changed. The sensor compares the same fingerprints to
decide whether a source needs a run at all. A file is hashed once per landing.

The ingestion log row carries the manifest's totals to dbt (``ingestion.landed_sources``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.defs.ingest.contracts import SourceContract
from dagster_project.defs.ingest.headers import InputFile
from dagster_project.defs.ingest.raw_layout import (
    LANDED_SOURCES_SCHEMA,
    landed_source_path,
    manifest_path,
    output_dir,
    part_name,
    quarantine_dir,
)
from dagster_project.lib.files import write_text_atomically

_HASH_CHUNK = 1 << 24


@dataclass(frozen=True)
class FileStats:
    """Per input file: its content hash and rows read = rows loaded + rows quarantined."""

    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    sha256: str


@dataclass(frozen=True)
class LandingPlan:
    """Which input files must be (re)landed, and the recorded stats of those that need not."""

    unchanged: dict[str, FileStats]  # by relative path: taken from the previous manifest
    to_land: list[InputFile]  # new or changed files, in input order
    sha256: dict[str, str]  # by relative path, every current input file


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes, streamed (as recorded in the manifest)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(contract: SourceContract, raw_dir: Path) -> dict | None:
    """The last landing's manifest, or None when there is none (or it is unreadable)."""
    path = manifest_path(contract, raw_dir)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("source") != contract.qualified_name:
        return None
    return body


def plan_landing(
    contract: SourceContract, raw_dir: Path, inputs: list[InputFile], columns: list[str]
) -> LandingPlan:
    """Split the inputs into files to land and files whose parts can stay as they are.

    A file is unchanged when the manifest lists it with the same sha256, its data part has
    exactly ``columns`` (else the output column list changed, and every part must be
    rewritten to keep one schema) and its quarantine part exists.
    """
    out_dir, q_dir = output_dir(contract, raw_dir), quarantine_dir(contract, raw_dir)
    previous = read_manifest(contract, raw_dir) or {}
    known = {entry["file"]: entry for entry in previous.get("files", [])}
    sha256 = {item.rel: file_sha256(item.path) for item in inputs}
    unchanged: dict[str, FileStats] = {}
    to_land: list[InputFile] = []
    for item in inputs:
        entry = known.get(item.rel)
        part = part_name(item.rel)
        if (
            entry is not None
            and entry.get("sha256") == sha256[item.rel]
            and part_columns(out_dir / part) == columns
            and (q_dir / part).is_file()
        ):
            unchanged[item.rel] = FileStats(
                int(entry["rows_read"]),
                int(entry["rows_loaded"]),
                int(entry["rows_quarantined"]),
                sha256[item.rel],
            )
        else:
            to_land.append(item)
    return LandingPlan(unchanged, to_land, sha256)


def part_columns(path: Path) -> list[str] | None:
    """Column names of a landed part (its footer only), None if it is missing or unreadable."""
    try:
        return list(pq.read_schema(path).names)
    except (OSError, pa.ArrowException):
        return None


def _totals(stats: dict[str, FileStats]) -> dict[str, int]:
    """The source's row counts: the manifest and the log row must say the same."""
    return {
        "rows_read": sum(s.rows_read for s in stats.values()),
        "rows_loaded": sum(s.rows_loaded for s in stats.values()),
        "rows_quarantined": sum(s.rows_quarantined for s in stats.values()),
    }


def write_manifest(
    contract: SourceContract,
    raw_dir: Path,
    stats: dict[str, FileStats],
    provided: bool,
    landed_at: datetime,
) -> Path:
    """Write ``_landing.json`` atomically: per-file hashes and row reconciliation.

    A file's parts are named by ``part_name(file)``; the column list is read from the parts.
    """
    body = {
        "source": contract.qualified_name,
        "provided": provided,
        "landed_at": landed_at.isoformat(),
        "files": [
            {
                "file": rel,
                "sha256": s.sha256,
                "rows_read": s.rows_read,
                "rows_loaded": s.rows_loaded,
                "rows_quarantined": s.rows_quarantined,
            }
            for rel, s in stats.items()
        ],
        **_totals(stats),
    }
    text = json.dumps(body, indent=2) + "\n"
    return write_text_atomically(manifest_path(contract, raw_dir), text)


def write_log_row(
    contract: SourceContract,
    raw_dir: Path,
    stats: dict[str, FileStats],
    provided: bool,
    landed_at: datetime,
    tmp: Path,
) -> Path:
    """Write (atomically) the source's one-row part of the ingestion log: the manifest's totals."""
    row = {
        "source": contract.qualified_name,
        "source_family": contract.family,
        "source_name": contract.name,
        "is_provided": provided,
        "file_count": len(stats),
        **_totals(stats),
        "landed_at": landed_at,
    }
    target = landed_source_path(contract, raw_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = tmp / target.name
    pq.write_table(pa.Table.from_pylist([row], schema=LANDED_SOURCES_SCHEMA), partial)
    os.replace(partial, target)
    return target
