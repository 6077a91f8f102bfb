"""Re-deliveries and overlapping drops: loading is idempotent, keyed by each source's id.

Real exports arrive twice (the same daily file re-sent) and in versions (a later export of
the same record). The sample is rebuilt with a duplicated file and an updated opportunity;
nothing may be counted twice and the latest version must win. Everything the update does not
touch must come out identical to the session's build of the sample: loading the same rows
again, from other files, gives the same tables.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from tests.helpers.warehouse_build import SAMPLE_DIR, BuiltWarehouse, materialize_all


def test_redelivered_files_do_not_double_count(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    shutil.copytree(SAMPLE_DIR, exports)
    sessions = exports / "campaign" / "web_sessions"
    first_drop = sorted(sessions.glob("*.csv"))[0]
    shutil.copy(first_drop, sessions / f"{first_drop.stem}-resent.csv")  # same file twice
    spend = exports / "campaign" / "ad_spend.csv"
    spend_rows = pd.read_csv(spend, dtype=str, keep_default_na=False)
    spend_dir = exports / "campaign" / "ad_spend"
    spend_dir.mkdir()
    spend_rows.head(100).to_csv(spend_dir / "overlapping-drop.csv", index=False)  # overlap
    opportunities = pd.read_csv(
        exports / "crm" / "opportunities.csv", dtype=str, keep_default_na=False
    )
    updated = opportunities.head(1).copy()
    updated["amount"] = "123456.00"
    updated["updated_at"] = "2026-09-30T12:00:00Z"  # a later version of the same record
    versions = exports / "crm" / "opportunities"
    versions.mkdir()
    updated.to_csv(versions / "2026-09-30.csv", index=False)

    rebuilt = materialize_all(tmp_path / "build", exports, marts_only=True)
    assert rebuilt.result.success

    def scalar(build: BuiltWarehouse, sql: str) -> object:
        return build.resource.query(sql).iloc[0, 0]

    for table in ("marts.fct_touchpoints", "marts.dim_opportunities", "marts.fct_attribution"):
        count = f"select count(*) from {table}"
        assert scalar(rebuilt, count) == scalar(built_warehouse, count), table
    total_spend = "select round(sum(spend), 2) from staging.stg_campaign__ad_spend"
    assert scalar(rebuilt, total_spend) == scalar(built_warehouse, total_spend)
    opportunity_id = updated["opportunity_id"].iloc[0]
    amount = scalar(
        rebuilt,
        f"select amount from marts.dim_opportunities where opportunity_id = '{opportunity_id}'",
    )
    assert amount == 123456.0
    for table, order in (
        ("marts.fct_touchpoints", "1"),
        ("marts.dim_opportunities", "1"),
        ("marts.fct_attribution", "1, 2, 3"),
    ):
        sql = f"select * from {table} where {_other_than(table, opportunity_id)} order by {order}"
        pd.testing.assert_frame_equal(
            built_warehouse.resource.query(sql), rebuilt.resource.query(sql), obj=table
        )


def _other_than(table: str, opportunity_id: str) -> str:
    """Rows the updated opportunity does not reach (touchpoints belong to no deal)."""
    return "true" if table == "marts.fct_touchpoints" else f"opportunity_id <> '{opportunity_id}'"
