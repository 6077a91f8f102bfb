"""The dbt project as Dagster sees it: where it is and where its manifest comes from.

Importing this module changes nothing: it neither edits PATH nor runs `dbt parse`. The
manifest is made by `make manifest` (every `make` target that loads the definitions parses
first, `make dev` included); the dbt CLI resource runs the dbt installed beside this
interpreter (definitions.py), whatever PATH says.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.settings import DBT_PROJECT_DIR, load_settings

DBT_EXECUTABLE = str(Path(sys.executable).parent / "attribution-dbt")
"""The dbt of this interpreter's environment, whether or not its bin directory is on PATH: dbt's
own command line with dbt-spark's Thrift connections made safe to cancel (lib/dbt_cli.py)."""

attribution_dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target=load_settings().dbt_target,
)


class ManifestMissingError(FileNotFoundError):
    """dbt's manifest has not been parsed: the asset graph cannot be built without it."""


def manifest_path() -> Path:
    """dbt's manifest, which the dbt assets are built from; a clear error when it is missing."""
    path = Path(attribution_dbt_project.manifest_path)
    if not path.exists():
        raise ManifestMissingError(
            f"dbt's manifest {path} does not exist: run `make manifest` (or `cd dbt && dbt "
            "parse`) before loading the Dagster definitions."
        )
    return path
