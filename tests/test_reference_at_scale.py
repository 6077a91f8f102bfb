"""The marts against the pandas references beyond the default build.

* The committed sample built with ``attribution_scope: contact_role`` and a 90-day lookback,
  compared row by row for every opportunity model (and the lead mart, whose window uses the
  same lookback).
* A generated dataset with more than 1M touchpoints, built by the full Dagster job, compared
  row by row for every model; wall time and peak RSS of generation, build and
  reference + comparison are printed (marker ``scale``, so ``-m "not scale"`` skips it).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_project.settings import REPO_ROOT
from tests.helpers import reference as ref
from tests.helpers.processes import descendants
from tests.helpers.reference.on_warehouse import (
    ALL_MODELS,
    Frames,
    assert_leads_match,
    load_and_compute,
    load_and_compute_leads,
)
from tests.helpers.warehouse_build import BuiltWarehouse, materialize_all

# Generator scale giving >= 1M rows in fct_touchpoints (scale 1 ~ 25k; 45 gave 1,147,616).
SCALE = 45
MIN_TOUCHPOINTS = 1_000_000


# ---- a parameterised build ---------------------------------------------------------------------


def assert_attribution_matches(frames: Frames, what: str) -> None:
    assert frames.models, f"{what}: no model in common between the mart and the reference"
    problems = ref.compare_attribution(frames.mart, frames.reference)
    if problems:
        header = f"{what}: fct_attribution differs from the reference ({sorted(frames.models)}):"
        pytest.fail("\n".join([header, *problems]), pytrace=False)


def failed_steps(built: BuiltWarehouse) -> list[str]:
    """Failed step keys with the start of their error message (dbt's FAIL lines included)."""
    out = []
    for event in built.result.all_events:
        if event.is_step_failure:
            error = getattr(event.event_specific_data, "error", None)
            message = (getattr(error, "message", "") or "")[-1500:]
            out.append(f"{event.step_key}: {message}")
    return out


# ---- contact_role scope, 90-day lookback ------------------------------------------------------


@pytest.fixture(scope="module")
def contact_role_build(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    root = tmp_path_factory.mktemp("contact_role_90")
    return materialize_all(root, lookback_days=90, scope="contact_role", marts_only=True)


@pytest.fixture(scope="module")
def contact_role_frames(contact_role_build: BuiltWarehouse) -> Frames:
    return load_and_compute(contact_role_build)


def test_contact_role_build_succeeds(contact_role_build: BuiltWarehouse) -> None:
    assert contact_role_build.result.success, f"failed steps: {failed_steps(contact_role_build)}"


def test_contact_role_lookback_90_matches_reference(contact_role_frames: Frames) -> None:
    assert contact_role_frames.reference["model"].nunique() == len(ref.MODELS)
    assert ref.credit_sum_problems(contact_role_frames.reference) == []
    assert_attribution_matches(contact_role_frames, "scope contact_role, lookback 90")


def test_contact_role_lookback_90_has_every_model(contact_role_frames: Frames) -> None:
    missing = ALL_MODELS - contact_role_frames.mart_models
    assert not missing, f"fct_attribution lacks models {sorted(missing)}"


def test_contact_role_lookback_90_differs_from_default(
    contact_role_frames: Frames, built_warehouse: Any
) -> None:
    # Guard against the vars being ignored: the parameters must change the attribution.
    default = load_and_compute(built_warehouse)
    assert ref.compare_attribution(contact_role_frames.mart, default.mart, max_report=1)


def test_lead_attribution_lookback_90_matches_reference(
    contact_role_build: BuiltWarehouse,
) -> None:
    assert_leads_match(load_and_compute_leads(contact_role_build))


# ---- >= 1M touchpoints --------------------------------------------------------------------------


def _tree_rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants (Linux /proc), 0 if gone."""
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for p in (pid, *descendants(pid)):
        with contextlib.suppress(OSError, ValueError):
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page
    return total


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def measured(name: str, phases: list[Phase], interval: float = 0.1) -> Iterator[Phase]:
    """Wall time and peak RSS (this process plus its children, sampled) of a block."""
    phase = Phase(name)
    stop = threading.Event()
    peak = [_tree_rss_bytes(os.getpid())]

    def sample() -> None:
        while not stop.wait(interval):
            peak[0] = max(peak[0], _tree_rss_bytes(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    start = time.perf_counter()
    sampler.start()
    try:
        yield phase
    finally:
        stop.set()
        sampler.join()
        phase.seconds = time.perf_counter() - start
        phase.peak_rss_mb = max(peak[0], _tree_rss_bytes(os.getpid())) / 2**20
        phases.append(phase)


@pytest.mark.scale
def test_one_million_touchpoints_match_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    phases: list[Phase] = []
    source = tmp_path / "source"
    with measured("generate", phases) as phase:
        cmd = [sys.executable, "-m", "dagster_project.generate", "--scale", str(SCALE)]
        cmd += ["--out", str(source), "--format", "parquet"]
        subprocess.run(cmd, cwd=REPO_ROOT, check=True, capture_output=True, text=True)
        phase.extra["scale"] = SCALE

    with measured("dagster build", phases) as phase:
        built = materialize_all(tmp_path / "build", source, marts_only=True)
    con = duckdb.connect(str(built.warehouse_path), read_only=True)
    try:
        n_touch = con.execute("select count(*) from marts.fct_touchpoints").fetchone()[0]
        n_attr = con.execute("select count(*) from marts.fct_attribution").fetchone()[0]
    finally:
        con.close()
    phase.extra.update(fct_touchpoints=n_touch, fct_attribution=n_attr)

    with measured("reference + compare", phases) as phase:
        frames = load_and_compute(built)
        problems = ref.compare_attribution(frames.mart, frames.reference)
        phase.extra["models"] = sorted(frames.models)

    with capsys.disabled():
        report = {
            p.name: {"s": round(p.seconds, 1), "peak_rss_mb": round(p.peak_rss_mb)} for p in phases
        }
        for p in phases:
            report[p.name].update(p.extra)
        print("\n[scale] " + json.dumps(report))

    assert built.result.success, f"failed steps: {failed_steps(built)}"
    assert n_touch >= MIN_TOUCHPOINTS, f"only {n_touch} touchpoints at scale {SCALE}"
    missing = ALL_MODELS - frames.mart_models
    if problems:
        header = f"scale {SCALE}: fct_attribution differs from the reference:"
        pytest.fail("\n".join([header, *problems]), pytrace=False)
    assert not missing, f"fct_attribution lacks models {sorted(missing)}"
