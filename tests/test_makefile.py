"""The Makefile's own targets, run as a user runs them: `make dev` serves the Dagster UI on
the same Dagster home and warehouse as `make run`, lists every asset with its group, owner
and checks, and stops on Ctrl-C, `make clean` removes
what runs produce and nothing else, the bootstrap repairs an interrupted venv, and every
`make X` the README mentions has a rule.

A `.PHONY` target without a rule is the trap: `make dev` then prints "Nothing to be done"
and exits 0, so "the command succeeded" proves nothing and each test checks the effect.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dagster_project.defs import groups
from dagster_project.settings import REPO_ROOT
from tests.helpers.ports import free_port

SERVER_TIMEOUT = 300  # seconds; the UI is up in about a minute on two busy cores
# Dagster's own shutdown may take this long on busy cores: `dagster dev` gives the webserver
# and then the daemon 60 s each before it kills them, and their code servers stop when their
# heartbeat has been missing for 30 s.
STOP_TIMEOUT = 180


def _make(*args: str, cwd: Path = REPO_ROOT, env: dict[str, str] | None = None, timeout=120):
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=cwd,
        env=env or os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _readme_make_targets() -> set[str]:
    """`make X` in the README's code (fenced blocks and inline spans), e.g. `make run`."""
    text = (REPO_ROOT / "README.md").read_text()
    fenced = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.DOTALL)
    inline = re.findall(
        r"`([^`\n]+(?:\n[^`\n]+)?)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    )
    code = "\n".join([*fenced, *inline])
    return set(re.findall(r"(?:^|[\s;&|(])make[ \t]+([a-z][a-z0-9_-]*)", code, flags=re.MULTILINE))


def _rules() -> dict[str, str]:
    """Each target in make's database with its block (prerequisites, recipe)."""
    database = subprocess.run(
        ["make", "-pRrq", "-f", "Makefile"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    rules: dict[str, str] = {}
    for block in database.split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("# ")]
        match = re.match(r"^([A-Za-z][\w.-]*):(?!=)(.*)$", lines[0]) if lines else None
        if match:
            rules[match.group(1)] = block
    return rules


def test_every_make_target_in_the_readme_has_a_rule(tmp_path: Path) -> None:
    targets = _readme_make_targets()
    assert {"run", "test", "dev", "docs"} <= targets, targets
    rules = _rules()
    for target in sorted(targets):
        block = rules.get(target)
        assert block is not None, f"README mentions `make {target}`; the Makefile has no rule"
        header = block.splitlines()[0]
        has_prerequisites = bool(header.partition(":")[2].strip())
        assert has_prerequisites or "recipe to execute" in block, (
            f"`make {target}` is declared but does nothing (no prerequisites, no recipe)"
        )
        # And make can plan it (a dry run executes nothing but lines that call make).
        env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home")}
        dry = _make("-n", target, env=env)
        assert dry.returncode == 0, f"make -n {target}: {dry.stderr}"


QUERY = """
{
  instance { info }
  assetNodes {
    assetKey { path }
    groupName
    owners { ... on TeamAssetOwner { team } }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
  }
  workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError {
    ... on RepositoryLocation { repositories {
      allTopLevelResourceDetails { name configuredValues { key value } }
    } }
  } } } }
}
"""


def _graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def _warehouse_config(data: dict) -> dict[str, str]:
    """The `warehouse` resource as the UI's code location configured it."""
    workspace = data.get("workspaceOrError") or {}
    for entry in workspace.get("locationEntries", []):
        for repository in (entry["locationOrLoadError"] or {}).get("repositories", []):
            for resource in repository["allTopLevelResourceDetails"]:
                if resource["name"] == "warehouse":
                    return {v["key"]: json.loads(v["value"]) for v in resource["configuredValues"]}
    return {}


def _assert_lists_the_assets_and_checks(nodes: list[dict]) -> None:
    """The UI shows every asset, grouped as the data flows, owned, with its checks."""
    paths = {"/".join(node["assetKey"]["path"]) for node in nodes}
    assert {"raw/crm/opportunities", "marts/fct_attribution"} <= paths
    assert {"serving_database", "leadership_report"} <= paths
    assert {node["groupName"] for node in nodes} >= set(groups.ALL_GROUPS)
    assert all(node["owners"] for node in nodes)
    checks = {
        ("/".join(node["assetKey"]["path"]), check["name"], check["blocking"])
        for node in nodes
        for check in node["assetChecksOrError"].get("checks", [])
    }
    assert ("marts/fct_attribution", "credits_sum_to_one", True) in checks
    assert any(name.startswith("rows_read_equal_loaded") for _, name, _ in checks)
    assert any(name.startswith("unique_") for _, name, _ in checks)


def _default_signals() -> None:
    """Ctrl-C must reach the server even if this test runs under a shell that ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _group_members(pgid: int) -> list[str]:
    """The command lines still in the group, so a failure says which process stayed."""
    members = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            # The group id is the fifth field of stat, after the parenthesised command name.
            if int((proc / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                members.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue
    return members


def test_make_dev_serves_the_ui_on_the_run_s_home_and_warehouse(tmp_path: Path) -> None:
    port = free_port()
    home, warehouse = tmp_path / "dagster_home", tmp_path / "data" / "warehouse.duckdb"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "ATTRIBUTION_WAREHOUSE_PATH": str(warehouse),
        "ATTRIBUTION_RAW_DIR": str(tmp_path / "data" / "raw"),
        "DO_NOT_TRACK": "1",
    }
    log = tmp_path / "make_dev.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            ["make", "--no-print-directory", "dev", f"DEV_PORT={port}"],
            cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_default_signals,
        )  # fmt: skip
    try:
        data: dict = {}
        deadline = time.monotonic() + SERVER_TIMEOUT
        while time.monotonic() < deadline and not _warehouse_config(data):
            assert server.poll() is None, f"make dev exited: {log.read_text()[-3000:]}"
            time.sleep(2)
            try:
                data = _graphql(port)
            except (OSError, KeyError, TypeError, ValueError):
                continue
        assert _warehouse_config(data), f"no UI on port {port}: {log.read_text()[-3000:]}"
        # The instance is DAGSTER_HOME, prepared by the Makefile (telemetry off), and the
        # code location reads the same warehouse as `make run`.
        assert f"base_dir: {home}" in data["instance"]["info"]
        assert "telemetry:\n  enabled: false" in (home / "dagster.yaml").read_text()
        config = _warehouse_config(data)
        assert config["warehouse_path"] == str(warehouse)
        assert config["raw_dir"] == str(tmp_path / "data" / "raw")
        _assert_lists_the_assets_and_checks(data["assetNodes"])
    finally:
        # Ctrl-C, as in a terminal: the whole group (make, dagster dev, webserver, daemon).
        os.killpg(server.pid, signal.SIGINT)
        try:
            deadline = time.monotonic() + STOP_TIMEOUT
            server.wait(timeout=STOP_TIMEOUT)
            while _group_alive(server.pid) and time.monotonic() < deadline:
                time.sleep(1)
            left = _group_members(server.pid)
        finally:
            if _group_alive(server.pid):
                os.killpg(server.pid, signal.SIGKILL)
    assert not left, f"make dev left processes behind {STOP_TIMEOUT} s after Ctrl-C: {left}"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _scratch_copy(tmp_path: Path) -> tuple[Path, list[str]]:
    """The repository's tracked files (mtimes kept) in a scratch folder, and their names."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.decode()
    tracked = [name for name in listed.split("\0") if name and (REPO_ROOT / name).is_file()]
    scratch = tmp_path / "repo"
    for name in tracked:
        (scratch / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, scratch / name)
    return scratch, tracked


def test_make_clean_removes_run_outputs_and_keeps_sources(tmp_path: Path) -> None:
    scratch, tracked = _scratch_copy(tmp_path)
    before = {name: _digest(scratch / name) for name in tracked}
    outputs = [
        "data/warehouse.duckdb",
        "data/serving.duckdb",
        "data/leadership_report.html",
        "data/raw/crm/opportunities/part-0.parquet",
        "data/raw/_quarantine/crm/opportunities/part-0.parquet",
        "data/dagster_home/dagster.yaml",
        "dbt/target/manifest.json",
        "dbt/logs/dbt.log",
    ]
    for name in outputs:
        (scratch / name).parent.mkdir(parents=True, exist_ok=True)
        (scratch / name).write_text("produced by a run")
    venv = scratch / ".venv" / ".installed"
    venv.parent.mkdir()
    venv.write_text("")

    completed = _make("clean", cwd=scratch)

    assert completed.returncode == 0, completed.stderr
    assert not (scratch / "data").exists()
    assert not (scratch / "dbt" / "target").exists()
    assert not (scratch / "dbt" / "logs").exists()
    after = {name: _digest(scratch / name) for name in before if (scratch / name).is_file()}
    assert after == before, "make clean removed or changed a committed file"
    assert (scratch / "seeds" / "crm" / "opportunities.csv").is_file()
    assert (scratch / "dbt" / "lookups" / "channels.csv").is_file()
    assert venv.is_file(), "make clean removed the venv"


def test_bootstrap_remakes_a_venv_whose_creation_was_interrupted(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    # What an interrupted `python -m venv` leaves: an interpreter, no pip.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    assert (venv / "bin" / "python").exists()
    assert not (venv / "bin" / "pip").exists()

    completed = _make(f"VENV={venv}", f"PYTHON={sys.executable}", str(venv / "bin" / "pip"))

    assert completed.returncode == 0, completed.stderr
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True
    )
    assert pip.returncode == 0, pip.stderr
    # A complete venv is left alone.
    assert _make(f"VENV={venv}", "-q", str(venv / "bin" / "pip")).returncode == 0


def test_manifest_is_parsed_again_only_when_its_inputs_change(tmp_path: Path) -> None:
    """A second `make run` on unchanged inputs parses nothing; a changed model or environment
    variable the dbt project reads makes the next one parse."""
    scratch, _ = _scratch_copy(tmp_path)
    venv = Path(sys.executable).parent.parent
    # The venv running the tests, never reinstalled from the scratch copy (-o: its stamp is
    # not remade).
    make = ("-C", str(scratch), f"VENV={venv}", "-o", str(venv / ".installed"))

    parsed = _make(*make, "manifest")
    assert parsed.returncode == 0, parsed.stderr
    assert (scratch / "dbt" / "target" / "manifest.json").is_file()
    assert _make(*make, "-q", "manifest").returncode == 0, "a second make would parse again"

    assert _make(*make, "-q", "manifest", env={**os.environ, "DBT_THREADS": "3"}).returncode == 1
    assert _make(*make, "manifest").returncode == 0
    assert _make(*make, "-q", "manifest").returncode == 0
    model = scratch / "dbt" / "models" / "marts" / "core" / "dim_accounts.sql"
    os.utime(model)
    assert _make(*make, "-q", "manifest").returncode == 1, "a changed model was not re-parsed"
