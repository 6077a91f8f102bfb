"""A sensor that lands new or changed source files (daily drops) as soon as they appear.

``new_source_files`` lists each source's input files with the landing's own discovery
(``find_input_files``) and compares their (size, mtime_ns) with its cursor. Only when that
cheap fingerprint moved does it hash the files and compare them with the landing manifest
(``_landing.json``); a source whose files differ from what was landed (new, changed or
removed file, or no landing yet) goes into ONE run of ``materialize_everything`` restricted
to those sources' raw assets, everything downstream of them and their checks. The landing
itself is incremental (``landing.land_source``), so only the new or changed files are read.

The cursor keeps only fingerprints confirmed against the manifest, so a change stays pending
until a run has landed it; the run key is a hash of the pending file states, so Dagster never
launches the same change twice (if that run fails, re-run it from the UI or change the file).
A required source without any input file is left alone (its asset would fail; that is for
a run). An optional source without input is pending until its landing has recorded it as not
provided: so a source that disappears is landed empty and its old parts go.

The sensor is STOPPED by default: turn it on in the Dagster UI (Automation -> sensors ->
``new_source_files`` -> toggle on) or with ``dagster sensor start new_source_files``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from dagster_project.defs.asset_keys import raw_asset_key
from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS, SourceContract
from dagster_project.defs.ingest.incremental import file_sha256, read_manifest
from dagster_project.defs.ingest.source_files import (
    SourceFileError,
    find_input_files,
    relative_path,
)
from dagster_project.lib.warehouse import WarehouseResource

JOB_NAME = "materialize_everything"

# cursor: {"family/name": {"relative/file.csv": [size, mtime_ns], ...}, ...}
Fingerprints = dict[str, dict[str, list[int]]]


def _fingerprints(contract: SourceContract, source_dir: Path) -> dict[str, list[int]] | None:
    """(size, mtime_ns) per current input file of a source ({} for an absent optional one);
    None when its landing would fail for want of input (required source, empty folder)."""
    try:
        paths = find_input_files(contract, source_dir)
    except SourceFileError:
        return None
    out: dict[str, list[int]] = {}
    for path in paths:
        st = path.stat()
        out[relative_path(path, source_dir)] = [st.st_size, st.st_mtime_ns]
    return out


def _pending_files(
    contract: SourceContract, source_dir: Path, raw_dir: Path, files: dict[str, list[int]]
) -> dict[str, str] | None:
    """sha256 per current file ({} when none) if the source differs from its landing
    manifest; None when it is landed as it is now."""
    digests = {rel: file_sha256(source_dir / rel) for rel in files}
    manifest = read_manifest(contract, raw_dir)
    landed = {e["file"]: e.get("sha256") for e in (manifest or {}).get("files", [])}
    return None if manifest is not None and landed == digests else digests


def pending_sources(
    warehouse: WarehouseResource, cursor: Fingerprints
) -> tuple[dict[str, dict[str, str]], Fingerprints]:
    """Sources whose files differ from their landing (with file hashes), and the new cursor."""
    source_dir, raw_dir = Path(warehouse.source_dir), Path(warehouse.raw_dir)
    pending: dict[str, dict[str, str]] = {}
    new_cursor: Fingerprints = {}
    for qualified, contract in SOURCE_CONTRACTS.items():
        files = _fingerprints(contract, source_dir)
        if files is None:
            continue
        if cursor.get(qualified) == files:
            new_cursor[qualified] = files  # nothing moved since it was confirmed landed
            continue
        digests = _pending_files(contract, source_dir, raw_dir, files)
        if digests is not None:
            pending[qualified] = digests  # stays out of the cursor until it is landed
        else:
            new_cursor[qualified] = files
    return pending, new_cursor


def _run_key(pending: dict[str, dict[str, str]]) -> str:
    body = json.dumps(pending, sort_keys=True).encode("utf-8")
    return "source-files-" + hashlib.sha256(body).hexdigest()[:24]


@sensor(
    name="new_source_files",
    job_name=JOB_NAME,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description=(
        "Lands new or changed source files (daily drops) and rebuilds what depends on them: "
        "one run per change, restricted to the changed sources and everything downstream."
    ),
)
def new_source_files(context: SensorEvaluationContext, warehouse: WarehouseResource):
    cursor: Fingerprints = json.loads(context.cursor) if context.cursor else {}
    pending, new_cursor = pending_sources(warehouse, cursor)
    if not pending:
        return SensorResult(
            skip_reason=SkipReason("no new, changed or removed source files"),
            cursor=json.dumps(new_cursor, sort_keys=True),
        )
    keys = [raw_asset_key(*qualified.split("/", 1)) for qualified in sorted(pending)]
    selection = AssetSelection.assets(*keys).downstream()
    asset_graph = context.repository_def.asset_graph
    asset_keys = sorted(selection.resolve(asset_graph), key=lambda k: k.to_user_string())
    check_keys = sorted(
        AssetSelection.checks_for_assets(*asset_keys).resolve_checks(asset_graph),
        key=lambda k: k.to_user_string(),
    )
    changed = {q: sorted(files) for q, files in pending.items()}
    context.log.info(f"source files to land: {changed}")
    return SensorResult(
        run_requests=[
            RunRequest(
                run_key=_run_key(pending),
                job_name=JOB_NAME,
                asset_selection=asset_keys,
                asset_check_keys=check_keys,
                tags={"trigger": "new_source_files", "sources": ",".join(sorted(pending))},
            )
        ],
        cursor=json.dumps(new_cursor, sort_keys=True),
    )
