"""`make dev`'s server: the Dagster webserver loads the code location (as `dagster dev`
does, with dagster-dbt's dev-mode preparer) and its GraphQL API lists the assets, their
owners and their checks."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from dagster_project.defs import groups
from dagster_project.settings import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


QUERY = """
{
  assetNodes {
    assetKey { path }
    groupName
    owners { ... on TeamAssetOwner { team } }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
  }
}
"""


def _graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_dev_server_lists_the_assets(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        # PATH without the venv: the server must still find this environment's dbt.
        **{k: v for k, v in os.environ.items() if k != "PATH"},
        "PATH": "/usr/bin:/bin",
        "DAGSTER_HOME": str(tmp_path),
        "DO_NOT_TRACK": "1",
    }
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = Path(sys.executable).parent / "dagster"
    server = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-p", str(port)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        nodes: list = []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not nodes:
            time.sleep(3)
            try:
                nodes = _graphql(port)["data"]["assetNodes"]
            except (OSError, KeyError, TypeError, ValueError):
                continue
        paths = {"/".join(node["assetKey"]["path"]) for node in nodes}
        assert "raw/crm/opportunities" in paths
        assert "marts/fct_attribution" in paths
        assert {"serving_database", "leadership_report"} <= paths
        # The graph reads as the data flows: ingestion, dbt layers, publishing.
        assert {node["groupName"] for node in nodes} >= set(groups.ALL_GROUPS)
        assert all(node["owners"] for node in nodes)
        checks = {
            (path, check["name"], check["blocking"])
            for node in nodes
            for path in ["/".join(node["assetKey"]["path"])]
            for check in node["assetChecksOrError"].get("checks", [])
        }
        assert ("marts/fct_attribution", "credits_sum_to_one", True) in checks
        assert any(name.startswith("rows_read_equal_loaded") for _, name, _ in checks)
        assert any(name.startswith("unique_") for _, name, _ in checks)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
