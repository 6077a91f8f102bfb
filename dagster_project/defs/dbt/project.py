"""The dbt project as Dagster sees it: where it is and where its manifest comes from."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.settings import DBT_PROJECT_DIR, load_settings

# dagster-dbt's preparer (used by `dagster dev`) runs plain `dbt`: make it the dbt installed
# beside this interpreter even when the venv's bin directory is not on PATH.
_BIN = str(Path(sys.executable).parent)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")

attribution_dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target=load_settings().dbt_target,
)
# `dagster dev` re-parses on start so model edits show up; `make` targets parse explicitly
# before loading definitions (Makefile `manifest`). A fresh checkout without a manifest
# (say, pytest run directly) gets one parsed here, once.
if attribution_dbt_project.manifest_path.exists():
    attribution_dbt_project.prepare_if_dev()
else:
    attribution_dbt_project.preparer.prepare(attribution_dbt_project)
