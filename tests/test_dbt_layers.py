"""The dbt graph reads one way: staging -> intermediate -> marts -> reports -> semantic.

Parses the project (`dbt parse` into a temporary target: no warehouse is built) and fails on
any edge that runs backwards, naming each one. A model's layer is the top folder under
dbt/models. Rules:
  * staging reads only sources (and lookups), and only staging reads sources;
  * a model reads models of its own layer or an earlier one only;
  * reports read no staging (they read marts, or the shared intermediate calendar);
  * lookups (dbt seeds, dbt/lookups/) may be read by any layer.
It also checks where models live: no rpt_ model at the reports/ root, the shared dimensions in
marts/core.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dagster_project.settings import DBT_PROJECT_DIR

LAYERS = ("staging", "intermediate", "marts", "reports", "semantic")
RANK = {layer: rank for rank, layer in enumerate(LAYERS)}
SHARED_DIMENSIONS = ("dim_opportunities", "dim_accounts", "dim_contacts")

Manifest = dict[str, Any]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """A fresh parse of the checked-out project (the committed target/ may be stale)."""
    target = tmp_path_factory.mktemp("dbt_layers_target")
    # dbt's partial parse of the last parse (when there is one) re-reads only changed files.
    saved = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
    if saved.is_file():
        shutil.copy(saved, target / saved.name)
    env = {
        **os.environ,
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target / "logs"),
        "DO_NOT_TRACK": "1",
    }
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [str(dbt), "parse", "--quiet"],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads((target / "manifest.json").read_text())


def _models(manifest: Manifest) -> dict[str, dict[str, Any]]:
    return {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
    }


def model_path(node: dict[str, Any]) -> tuple[str, ...]:
    """The model's path under models/, e.g. ('marts', 'core', 'dim_opportunities.sql')."""
    parts = Path(node["original_file_path"]).parts
    return parts[parts.index("models") + 1 :]


def layer_of(node: dict[str, Any]) -> str | None:
    """The top folder under models/, or None for a model outside the layers."""
    top = model_path(node)[0]
    return top if top in RANK else None


def backward_edges(manifest: Manifest) -> list[str]:
    """Every edge that breaks the layering, as 'reader (layer) -> read (layer): why'."""
    models = _models(manifest)
    offending = []
    for _, node in sorted(models.items()):
        layer = layer_of(node)
        name = node["name"]
        if layer is None:
            offending.append(f"{name}: not in a layer folder ({'/'.join(model_path(node))})")
            continue
        for parent in sorted(set(node["depends_on"]["nodes"])):
            kind = parent.split(".")[0]
            if kind == "seed":
                continue  # lookups: any layer
            if kind == "source":
                if layer != "staging":
                    offending.append(f"{name} ({layer}) -> {parent}: only staging reads sources")
                continue
            if kind != "model":
                continue
            parent_node = models[parent]
            parent_layer = layer_of(parent_node)
            edge = f"{name} ({layer}) -> {parent_node['name']} ({parent_layer})"
            if parent_layer is None:
                offending.append(f"{edge}: reads a model outside the layers")
            elif layer == "staging":
                offending.append(f"{edge}: staging reads only sources")
            elif layer == "reports" and parent_layer == "staging":
                offending.append(f"{edge}: reports read no staging")
            elif RANK[parent_layer] > RANK[layer]:
                offending.append(f"{edge}: reads a later layer")
        if layer == "staging" and not any(
            parent.startswith("source.") for parent in node["depends_on"]["nodes"]
        ):
            offending.append(f"{name} (staging): reads no source")
    return offending


def test_every_edge_reads_forward(manifest: Manifest) -> None:
    offending = backward_edges(manifest)
    assert not offending, "dbt edges that run backwards:\n  " + "\n  ".join(offending)


def test_the_rule_names_a_backward_edge(manifest: Manifest) -> None:
    """The check itself: an intermediate model reading a mart is named, with both ends."""
    models = _models(manifest)
    broken = json.loads(json.dumps(manifest))
    reader = next(
        uid for uid, node in models.items() if node["name"] == "int_opportunity_touches_windowed"
    )
    broken["nodes"][reader]["depends_on"]["nodes"].append("model.attribution.fct_attribution")
    assert backward_edges(broken) == [
        "int_opportunity_touches_windowed (intermediate) -> fct_attribution (marts):"
        " reads a later layer"
    ]


def test_folders_are_where_the_layers_say(manifest: Manifest) -> None:
    paths = {node["name"]: model_path(node) for node in _models(manifest).values()}
    at_reports_root = sorted(
        name for name, path in paths.items() if path[0] == "reports" and len(path) == 2
    )
    assert not at_reports_root, f"reports belong in a domain folder: {at_reports_root}"
    misplaced = sorted(
        name for name, path in paths.items() if name.startswith("rpt_") and path[0] != "reports"
    )
    assert not misplaced, f"rpt_ models outside reports/: {misplaced}"
    for dimension in SHARED_DIMENSIONS:
        assert paths.get(dimension, ())[:2] == ("marts", "core"), (dimension, paths.get(dimension))
    core_yaml = DBT_PROJECT_DIR / "models" / "marts" / "core" / "_core__models.yml"
    assert core_yaml.is_file()
    # One YAML per folder.
    yaml_folders: dict[Path, list[str]] = {}
    for yaml_file in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        if yaml_file.parent != DBT_PROJECT_DIR / "models":
            yaml_folders.setdefault(yaml_file.parent, []).append(yaml_file.name)
    several = {str(k): v for k, v in yaml_folders.items() if len(v) > 1 and not _sources_pair(v)}
    assert not several, f"more than one YAML in a folder: {several}"


def _sources_pair(names: list[str]) -> bool:
    """Staging folders keep their sources beside their models (`_<x>__sources.yml`)."""
    return len(names) == 2 and sum(name.endswith("__sources.yml") for name in names) == 1
