"""The dbt project as Dagster sees it: where it is and where its manifest comes from."""

from __future__ import annotations

from dagster_dbt import DbtProject

from dagster_project.settings import DBT_PROJECT_DIR, load_settings

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
