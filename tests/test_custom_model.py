"""A user adds an attribution model by adding a row to the weights seed: no SQL.

The test copies the dbt project, appends a model row to `attribution_models.csv`, rebuilds
a copy of the sample warehouse with dbt alone and checks the new model end to end against
the independent pandas reference given the same weights.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from dagster_project.settings import DBT_PROJECT_DIR
from tests.helpers import reference as ref
from tests.helpers.warehouse_build import BuiltWarehouse

CUSTOM_ROW = "forty_twenty_forty,P,0.4,0.2,0.4,0,0,A user's own model: 40% FT / 20% LC / 40% OC"
CUSTOM_SPEC = ref.ModelSpec("forty_twenty_forty", "P", {"FT": 0.4, "LC": 0.2, "OC": 0.4})


def test_a_seed_row_adds_a_model(built_warehouse: BuiltWarehouse, tmp_path: Path) -> None:
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    seed = project / "lookups" / "attribution_models.csv"
    seed.write_text(seed.read_text().rstrip("\n") + "\n" + CUSTOM_ROW + "\n")
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse.warehouse_path, warehouse)
    env = {
        **os.environ,
        "ATTRIBUTION_WAREHOUSE_PATH": str(warehouse),
        "ATTRIBUTION_RAW_DIR": str(built_warehouse.raw_dir),
        "DO_NOT_TRACK": "1",
    }
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--exclude", "resource_type:unit_test",
         "--vars", f"{{as_of: '{built_warehouse.as_of}'}}"],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:]

    with duckdb.connect(str(warehouse), read_only=True) as con:
        mart = con.execute(
            "select * from marts.fct_attribution where model = 'forty_twenty_forty'"
        ).df()
        touchpoints = con.execute("select * from marts.fct_touchpoints").df()
        listed = con.execute(
            "select count(*) from marts.dim_attribution_models where model = 'forty_twenty_forty'"
        ).fetchone()
    assert listed == (1,)
    raw = built_warehouse.raw_dir
    expected = ref.reference_attribution(
        touchpoints,
        ref.read_parquet_area(raw / "crm" / "contacts"),
        ref.read_parquet_area(raw / "crm" / "opportunities"),
        ref.read_parquet_area(raw / "crm" / "opportunity_contact_roles"),
        ref.read_parquet_area(raw / "revenue" / "fx_rates"),
        as_of=built_warehouse.as_of,
        models=[CUSTOM_SPEC],
    )
    assert len(mart) > 0
    assert ref.compare_attribution(mart, expected) == []
