"""The project's `unique_combination` test still finds every repeat.

It groups rows by a 64-bit hash of the key before grouping by the key itself (cheaper on the
biggest tables), so this proves on a real dbt build that the result is the same as grouping by
the key: each repeated key is reported once with its row count, NULL counts as a value,
`within` limits the rows tested, and a key without repeats passes. The project is a minimal
one holding the project's own macros.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from dagster_project.settings import DBT_PROJECT_DIR

MACRO_FILES = ("test_unique_combination.sql", "incremental_attribution.sql")

ROWS = """
select * from (
    values
        (1, 'a', 10, 'x'),
        (1, 'a', 11, 'x'),
        (1, 'a', 12, 'y'),
        (2, null, 13, 'y'),
        (2, null, 14, 'y'),
        (3, 'b', null, 'y'),
        (4, 'c', null, 'y')
) as t (id, name, serial, segment)
"""

MODELS_YML = """
version: 2
models:
  - name: keyed_rows
    data_tests:
      - unique_combination:
          arguments: {columns: [id, name]}
          config: {store_failures: true, alias: repeated_id_name}
      - unique_combination: {arguments: {columns: [id, name, serial]}, config: {alias: no_repeat}}
      - unique_combination:
          arguments: {columns: [name], within: [segment, x_segments]}
          config: {alias: repeated_within}
"""


def _project(root: Path) -> Path:
    project = root / "project"
    (project / "models").mkdir(parents=True)
    (project / "macros").mkdir()
    for name in MACRO_FILES:
        shutil.copy(DBT_PROJECT_DIR / "macros" / name, project / "macros" / name)
    (project / "dbt_project.yml").write_text(
        "name: attribution\nversion: '0.1.0'\nconfig-version: 2\nprofile: attribution\n"
        "flags: {send_anonymous_usage_stats: false}\n"
        "models: {attribution: {+materialized: table}}\n"
    )
    (project / "profiles.yml").write_text(
        "attribution:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: {root / 'warehouse.duckdb'}\n      threads: 1\n"
    )
    (project / "models" / "keyed_rows.sql").write_text(ROWS)
    (project / "models" / "x_segments.sql").write_text("select 'x' as segment")
    (project / "models" / "_models.yml").write_text(MODELS_YML)
    return project


def test_repeated_keys_are_found_exactly(tmp_path: Path) -> None:
    project = _project(tmp_path)
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--profiles-dir", str(project)],
        cwd=project, env={**os.environ, "DO_NOT_TRACK": "1"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    outcomes = {
        result["unique_id"].split(".")[2]: (result["status"], result["failures"])
        for result in results
        if result["unique_id"].startswith("test.")
    }
    assert outcomes == {
        # (1, 'a') three times and (2, NULL) twice: NULL is a value in a combination.
        "unique_combination_keyed_rows_id__name": ("fail", 2),
        "unique_combination_keyed_rows_id__name__serial": ("pass", 0),
        # Only the rows of segment x: 'a' twice.
        "unique_combination_keyed_rows_name__segment__x_segments": ("fail", 1),
    }, completed.stdout[-3000:]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        schema = con.execute(
            "select schema_name from duckdb_tables() where table_name = 'repeated_id_name'"
        ).fetchone()
        assert schema is not None
        repeats = con.execute(
            f'select id, name, row_count from "{schema[0]}".repeated_id_name order by id'
        ).fetchall()
    assert repeats == [(1, "a", 3), (2, None, 2)]
