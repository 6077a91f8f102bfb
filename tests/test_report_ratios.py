"""The report's ROAS and ROI (one Python function) are dbt's (macro efficiency_ratios)."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from dagster_project.defs.publish.report_data import with_return_ratios
from tests.helpers.warehouse_build import BuiltWarehouse


@pytest.mark.parametrize("table", ["reports.rpt_channel_roi", "reports.rpt_campaign_roi"])
def test_report_ratios_match_the_dbt_macro(built_warehouse: BuiltWarehouse, table: str) -> None:
    """Applied to each month's row, the report's function gives the row's own roas and roi."""
    serving = built_warehouse.resource.serving_database_path
    with duckdb.connect(serving, read_only=True) as con:
        rows = con.execute(f"select spend_usd, attributed_revenue_usd, roas, roi from {table}").df()
    spent = rows[rows["spend_usd"] > 0]
    assert len(spent) > 0 and rows.loc[rows["spend_usd"] == 0, "roas"].isna().all()
    ours = with_return_ratios(rows.drop(columns=["roas", "roi"]))
    assert list(ours.index) == list(spent.index)  # the rows dbt gives a ratio, no other
    np.testing.assert_allclose(ours["roas"], spent["roas"], rtol=1e-12)
    np.testing.assert_allclose(ours["roi"], spent["roi"], rtol=1e-12)
