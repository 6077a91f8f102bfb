"""Macros whose fast forms must keep their plain meaning, proven on a real dbt build of a
minimal project holding the project's own macros.

* `unique_combination` groups rows by a 64-bit hash of the key before grouping by the key
  itself (cheaper on the biggest tables): each repeated key is still reported once with its
  row count, NULL counts as a value, `within` limits the rows tested, and a key without
  repeats passes.
* `first_by` / `last_by` are aggregates (DuckDB's arg_min/arg_max family): they return the
  value of the row that sorts first or last even when that value is NULL, where plain
  arg_max returns another row's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.settings import DBT_PROJECT_DIR

MACRO_FILES = ("test_unique_combination.sql", "incremental_attribution.sql", "cross_engine.sql")

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

# first_by / last_by per group, over (seen_at, id); group g1's latest value is NULL.
PICKS = """
with

events as (

    select * from (
        values
            ('g1', 1, 10, 'first'),
            ('g1', 2, 20, null),
            ('g2', 3, 10, null),
            ('g2', 4, 10, 'tie broken by id'),
            ('g2', 5, 5, 'only where kept')
    ) as t (group_id, id, seen_at, label)

)

select
    group_id,
    {{ first_by('label', ['seen_at', 'id']) }} as first_label,
    {{ last_by('label', ['seen_at', 'id']) }} as last_label,
    {{ first_by('label', ['seen_at', 'id'], 'seen_at >= 10') }} as first_label_from_10,
    {{ last_by('label', ['seen_at', 'id'], 'seen_at > 99') }} as last_label_after_99

from events
group by group_id
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
    (project / "models" / "picks.sql").write_text(PICKS)
    (project / "models" / "_models.yml").write_text(MODELS_YML)
    return project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    """The minimal project built once: its root, each test's (status, failures) and output."""
    root = tmp_path_factory.mktemp("generic_macros")
    project = _project(root)
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
    return root, outcomes, completed.stdout[-3000:]


def _rows(root: Path, table: str, order_by: str) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        schema = con.execute(
            "select schema_name from duckdb_tables() where table_name = ?", [table]
        ).fetchone()
        assert schema is not None, table
        return con.execute(f'select * from "{schema[0]}"."{table}" order by {order_by}').fetchall()


def test_repeated_keys_are_found_exactly(built: tuple[Path, dict, str]) -> None:
    root, outcomes, output = built
    assert outcomes == {
        # (1, 'a') three times and (2, NULL) twice: NULL is a value in a combination.
        "unique_combination_keyed_rows_id__name": ("fail", 2),
        "unique_combination_keyed_rows_id__name__serial": ("pass", 0),
        # Only the rows of segment x: 'a' twice.
        "unique_combination_keyed_rows_name__segment__x_segments": ("fail", 1),
    }, output
    repeats = [row[:2] + row[-1:] for row in _rows(root, "repeated_id_name", "id")]
    assert repeats == [(1, "a", 3), (2, None, 2)]


def test_first_by_and_last_by_return_the_picked_rows_value_even_null(
    built: tuple[Path, dict, str],
) -> None:
    root, _, _ = built
    assert _rows(root, "picks", "group_id") == [
        ("g1", "first", None, "first", None),
        ("g2", "only where kept", "tie broken by id", None, None),
    ]
