"""What the leadership report shows, read from the published serving database.

The report is a reader like any BI tool: it opens the serving file read-only, so it shows
exactly the numbers that passed the blocking checks and were published, whichever engine
built them. Every query here reads a public mart or report; none recomputes a metric that
dbt already defines, so the report and the BI tools cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.lib.engines import cap_memory
from dagster_project.settings import DEFAULT_DUCKDB_MEMORY_LIMIT

# The model named in the headline numbers; every model is shown side by side below them.
HEADLINE_MODEL = "w_shaped"
TOP_CAMPAIGNS = 10
TOP_SHORTFALLS = 12
# The report's window: this many complete months before the as-of month.
WINDOW_MONTHS = 12


@dataclass(frozen=True)
class ReportData:
    """Every table the report renders, plus the window and the dates that say how fresh it is."""

    as_of: datetime
    as_of_source: str  # 'data' (the data's end), 'as_of var' (ATTRIBUTION_AS_OF), 'build time'
    period_start: date
    period_end: date  # exclusive: the first day of the as-of month
    contribution: dict[str, float]
    contribution_types: str  # the opportunity types sourced/influenced cover ("New Business")
    marketing_attributed: pd.DataFrame  # model, description, pipeline, revenue (marketing only)
    revenue_by_channel: pd.DataFrame  # channel x model (every model), attributed revenue
    pipeline_by_channel: pd.DataFrame  # channel x model (every model), attributed pipeline
    top_campaigns: pd.DataFrame
    channel_roi: pd.DataFrame
    funnel: pd.DataFrame  # stage, count, conversion to the next stage
    funnel_velocity: pd.DataFrame
    velocity_quarter: date | None
    sales_velocity: pd.DataFrame
    plan_quarter: date | None
    plan_periods: int  # rows of rpt_plan_vs_actual: 0 when no target is for a period begun yet
    plan_totals: pd.DataFrame
    plan_shortfalls: pd.DataFrame
    freshness: pd.DataFrame  # what, latest, table
    data_end: DataEnd | None  # None when nothing was loaded: no touch, no opportunity
    published_at: datetime | None
    definitions: dict[str, str]  # "table.column" and "column" -> dbt's description
    # marts.dim_sources: per source, provided or not, and rows read, loaded, quarantined and
    # not converted to USD (the ingestion counts that prove nothing was lost).
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    # rpt_revenue_forecast at All x All (four quarters) and the backtest's one-line record.
    forecast: pd.DataFrame = field(default_factory=pd.DataFrame)
    forecast_track_record: str = ""
    # "Most likely buyers": the open deals likeliest to win and the accounts without an open
    # deal likeliest to open one (top TOP_BUYERS each, names and drivers), and each propensity
    # model's record on the snapshots after its cutoff, one sentence per model.
    buyers_opportunities: pd.DataFrame = field(default_factory=pd.DataFrame)
    open_renewals: OpenRenewals | None = None
    buyers_accounts: pd.DataFrame = field(default_factory=pd.DataFrame)
    buyers_track_record: dict[str, str] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        """Every attribution model, in the order of the marketing-by-model table."""
        return list(self.marketing_attributed["model"])

    @property
    def not_provided(self) -> tuple[str, ...]:
        """The optional sources the export left out (family/name)."""
        if self.sources.empty:
            return ()
        return tuple(self.sources.loc[~self.sources["is_provided"].astype(bool), "source"])

    @property
    def data_ends_before_window(self) -> bool:
        """The whole window lies after the data: its sections are empty, and the header says why."""
        return self.data_end is None or self.data_end.on < self.period_start


@dataclass(frozen=True)
class OpenRenewals:
    """The open renewals the buyers' list leaves out: how many, and their mean win chance."""

    count: int
    mean_score: float


@dataclass(frozen=True)
class DataEnd:
    """The last day the data reaches, and what reaches it (a touch, a deal...)."""

    on: date
    what: str  # a row label of the freshness table: "Latest touch", "Latest deal closed" ...


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None):
    return con.execute(sql, params or []).df()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None):
    row = con.execute(sql, params or []).fetchone()
    return row[0] if row else None


def _sum(value: object) -> float:
    """A SQL sum as a float: over no row (nothing in the window) it is NULL, held as NaN: 0."""
    return 0.0 if pd.isna(value) else float(value)  # type: ignore[arg-type]


def _window(as_of: datetime) -> tuple[date, date]:
    end = date(as_of.year, as_of.month, 1)
    months = end.year * 12 + end.month - 1 - WINDOW_MONTHS
    return date(months // 12, months % 12 + 1, 1), end


def _contribution(con: duckdb.DuckDBPyConnection, window: list[object]) -> dict[str, float]:
    row = _frame(
        con,
        """
        select
            sum(opportunities) as opportunities,
            sum(sourced_opportunities) as sourced_opportunities,
            sum(influenced_opportunities) as influenced_opportunities,
            sum(pipeline_usd) as pipeline_usd,
            sum(sourced_pipeline_usd) as sourced_pipeline_usd,
            sum(influenced_pipeline_usd) as influenced_pipeline_usd,
            sum(won_opportunities) as won_opportunities,
            sum(revenue_usd) as revenue_usd,
            sum(sourced_revenue_usd) as sourced_revenue_usd,
            sum(influenced_revenue_usd) as influenced_revenue_usd,
            -- What sourced and influenced are shares of: the contribution types' totals.
            sum(case when is_contribution_type then pipeline_usd else 0 end)
                as contribution_pipeline_usd,
            sum(case when is_contribution_type then revenue_usd else 0 end)
                as contribution_revenue_usd
        from reports.rpt_marketing_contribution
        where month_start >= ? and month_start < ?
        """,
        window,
    )
    return {name: _sum(value) for name, value in row.iloc[0].items()}


def _contribution_types(con: duckdb.DuckDBPyConnection) -> str:
    """The opportunity types sourced and influenced cover, in words ("New Business")."""
    types = con.execute(
        "select distinct opportunity_type from reports.rpt_marketing_contribution"
        " where is_contribution_type order by 1"
    ).fetchall()
    return ", ".join(str(t) for (t,) in types) or "no opportunity type in this data"


def attribution_by_channel_sql(measure: str, where: str = "") -> str:
    """Channel x model sums of one measure of rpt_attribution_by_channel (engine-neutral SQL).

    As doubles: the money is DECIMAL, which Spark hands to pandas as Decimal objects that do
    not add up with the floats of the pivot's fill."""
    return (
        f"select channel, model, cast(sum({measure}) as double) as usd"
        f" from reports.rpt_attribution_by_channel {where} group by channel, model"
    )


def pivot_by_channel(rows: pd.DataFrame, models: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per channel, one column per model; channels by descending total.

    A model with no row in `rows` (none in the window, or no credit at all) would get no
    column from the pivot, and every reader indexing the table by model would fail: with
    `models`, each of them is a column, 0 where it has nothing. Money may come as Decimal
    (exact engines) or float: the table is float either way.
    """
    values = rows.assign(usd=rows["usd"].astype(float))
    table = values.pivot(index="channel", columns="model", values="usd")
    if models is not None:
        table = table.reindex(columns=pd.Index(list(models), name="model"))
    table = table.fillna(0.0)
    return table.loc[table.sum(axis=1).sort_values(ascending=False).index]


# The last complete quarter's plan vs actual per metric (each metric has targets at one
# grain, so its rows add up to the total), lowest attainment first. Engine-neutral SQL: the
# `make run` summary runs it on the warehouse, the report on the serving copy.
PLAN_TOTALS_SQL = """
with last_quarter as (
    select max(period_start) as period_start
    from reports.rpt_plan_vs_actual
    where period_type = 'quarter' and is_complete
)
select
    plan.metric,
    min(plan.period_start) as quarter,
    sum(plan.target) as target,
    sum(plan.actual) as actual,
    sum(plan.actual) / nullif(sum(plan.target), 0) as attainment,
    sum(plan.actual) - sum(plan.target) as gap
from reports.rpt_plan_vs_actual as plan
inner join last_quarter on plan.period_start = last_quarter.period_start
where plan.period_type = 'quarter'
group by plan.metric
order by attainment, plan.metric
"""


# "Will we make the number?": the four quarters' bookings forecast for the whole company.
FORECAST_SQL = """
select
    quarter_start, booked_usd, open_pipeline_usd, new_pipeline_usd, expected_bookings_usd,
    low_usd, high_usd, target_usd, gap_usd
from reports.rpt_revenue_forecast
where segment = 'All' and region = 'All'
order by quarter_start
"""
# The forecast's track record in one line: each of the last four backtested quarters as
# forecast at its own start, against what it won.
TRACK_RECORD_QUARTERS = 4
FORECAST_TRACK_RECORD_SQL = f"""
with last_quarters as (
    select is_within_range, error_share
    from reports.rpt_revenue_forecast_backtest
    where segment = 'All' and quarters_ahead = 0
    order by quarter_start desc
    limit {TRACK_RECORD_QUARTERS}
)
select
    count(*) as quarters,
    sum(case when is_within_range then 1 else 0 end) as within_range,
    avg(abs(error_share)) as mean_absolute_error
from last_quarters
"""


def track_record_sentence(row: pd.Series) -> str:
    """The backtest in the words leadership reads it in."""
    quarters = int(row["quarters"])
    if quarters == 0:
        return (
            "No track record yet: the backtest starts once a quarter has begun with a year of"
            " history before it."
        )
    error = row["mean_absolute_error"]
    error_text = "n/a" if pd.isna(error) else f"{float(error):.0%}"
    return (
        f"Last {quarters} quarter{'s' if quarters > 1 else ''}: actual within range"
        f" {int(row['within_range'] or 0)} of {quarters}, mean absolute error {error_text}."
    )


# "Most likely buyers": the open deals and the accounts without one that sales should call
# first, by score (ties: the larger expected value, then the id), with the three features that
# raise each score most, joined in one cell (a NULL driver is left out). Renewals are counted
# apart, not listed: the contract calendar brings them and they win far more often than new
# business (85% on the sample), so they would fill the list and tell sales nothing to do.
TOP_BUYERS = 10
RENEWAL = "Renewal"
# dbt_project.yml's propensity_horizon_days, the window of an account's outcome (no run sets it
# otherwise): tests/test_report_shapes.py holds the two equal.
PROPENSITY_HORIZON_DAYS = 90
_DRIVERS = "nullif(concat_ws('; ', scores.driver_1, scores.driver_2, scores.driver_3), '')"
BUYERS_OPPORTUNITIES_SQL = f"""
select
    scores.opportunity_id,
    coalesce(opportunities.opportunity_name, scores.opportunity_id) as opportunity_name,
    coalesce(accounts.account_name, scores.account_id) as account_name,
    scores.opportunity_type, scores.stage_name, scores.amount_usd, scores.score,
    scores.expected_value_usd,
    {_DRIVERS} as drivers
from marts.fct_opportunity_scores as scores
left join marts.dim_opportunities as opportunities
    on scores.opportunity_id = opportunities.opportunity_id
left join marts.dim_accounts as accounts on scores.account_id = accounts.account_id
where scores.opportunity_type != '{RENEWAL}'
order by scores.score desc, scores.expected_value_usd desc nulls last, scores.opportunity_id
limit {TOP_BUYERS}
"""
OPEN_RENEWALS_SQL = f"""
select count(*) as renewals, avg(score) as mean_score
from marts.fct_opportunity_scores
where opportunity_type = '{RENEWAL}'
"""
BUYERS_ACCOUNTS_SQL = f"""
select
    scores.account_id,
    coalesce(accounts.account_name, scores.account_id) as account_name,
    scores.segment, scores.industry, scores.score,
    {_DRIVERS} as drivers
from marts.fct_account_scores as scores
left join marts.dim_accounts as accounts on scores.account_id = accounts.account_id
order by scores.score desc, scores.account_id
limit {TOP_BUYERS}
"""
PROPENSITY_PERFORMANCE_SQL = """
select model, cutoff_at, evaluation_rows, auc, base_rate, top_decile_rate
from reports.rpt_propensity_performance
"""
# Each propensity model in the sentence's words: who it scores, and what its top tenth did.
PROPENSITY_MODELS = {
    "opportunity": ("Open deals", "won"),
    "account": (
        "Accounts",
        f"opened a new opportunity within {PROPENSITY_HORIZON_DAYS} days",
    ),
}


def propensity_sentence(model: str, performance: pd.DataFrame) -> str:
    """One propensity model's record on the snapshots after its cutoff, in a CRO's words."""
    who, outcome = PROPENSITY_MODELS[model]
    rows = performance[performance["model"] == model] if len(performance) else performance
    tested = rows.iloc[0] if len(rows) else None
    if tested is None or pd.isna(tested["evaluation_rows"]) or not tested["evaluation_rows"]:
        return (
            f"{who}: not tested yet: no snapshot after the cutoff has a known outcome, so the"
            " scores have no track record."
        )
    auc = "n/a" if pd.isna(tested["auc"]) else f"{float(tested['auc']):.2f}"
    chance = "every snapshot ended the same way" if auc == "n/a" else "0.5 is chance"
    sentence = (
        f"{who}: tested on {int(tested['evaluation_rows']):,} snapshots since"
        f" {pd.Timestamp(tested['cutoff_at']):%Y-%m-%d}, AUC {auc} ({chance})"
    )
    top, base = tested["top_decile_rate"], tested["base_rate"]
    if pd.isna(top) or pd.isna(base):
        return f"{sentence}."
    return (
        f"{sentence}; {float(top):.0%} of the top tenth {outcome},"
        f" against {float(base):.0%} overall."
    )


def _open_renewals(con: duckdb.DuckDBPyConnection) -> OpenRenewals | None:
    renewals, mean_score = con.execute(OPEN_RENEWALS_SQL).fetchone() or (0, None)
    return OpenRenewals(int(renewals), float(mean_score)) if renewals else None


def _by_channel(
    con: duckdb.DuckDBPyConnection, measure: str, window: list[object], models: Sequence[str]
) -> pd.DataFrame:
    where = "where month_start >= ? and month_start < ?"
    rows = _frame(con, attribution_by_channel_sql(measure, where), window)
    return pivot_by_channel(rows, models)


def _marketing_attributed(con: duckdb.DuckDBPyConnection, window: list[object]):
    """Credit that lands on marketing channels (is_marketing in the channel seed), per model."""
    return _frame(
        con,
        """
        with marketing_channels as (
            select distinct channel from marts.fct_touchpoints where is_marketing
        )
        select
            models.model,
            models.description,
            coalesce(sum(report.attributed_pipeline_usd), 0) as attributed_pipeline_usd,
            coalesce(sum(report.attributed_revenue_usd), 0) as attributed_revenue_usd
        from marts.dim_attribution_models as models
        left join reports.rpt_attribution_by_channel as report
            on report.model = models.model
            and report.month_start >= ? and report.month_start < ?
            and report.channel in (select channel from marketing_channels)
        group by models.model, models.description
        order by attributed_revenue_usd desc, models.model
        """,
        window,
    )


def with_return_ratios(sums: pd.DataFrame) -> pd.DataFrame:
    """`roas` and `roi` of summed spend and attributed revenue, the report's only definition.

    The same ratios as dbt's macro efficiency_ratios (dbt/macros/efficiency_ratios.sql) that
    rpt_channel_roi and rpt_campaign_roi carry per month: ROAS = attributed_revenue_usd /
    spend_usd, ROI = (attributed_revenue_usd - spend_usd) / spend_usd. A month's ratios do
    not add up to a window's, so the report sums spend and revenue over its window (SQL
    sums, no metric) and divides here; rows without spend (NULL in dbt) are left out.
    tests/test_report_ratios.py holds this function to the macro's values on every report row.
    """
    spent = sums[sums["spend_usd"].astype(float) > 0]
    revenue, spend = spent["attributed_revenue_usd"], spent["spend_usd"]
    return spent.assign(roas=revenue / spend, roi=(revenue - spend) / spend)


def _roi(con: duckdb.DuckDBPyConnection, table: str, key: str, window: list[object]):
    """Marketing spend and attributed revenue summed over the window, then ROI and ROAS."""
    # '(no campaign)' (unmatched spend) has no name: show its key rather than nothing.
    name = (
        f"coalesce(max(campaign_name), {key}) as campaign_name, max(channel) as channel,"
        if key != "channel"
        else ""
    )
    sums = _frame(
        con,
        f"""
        select
            {key}, {name}
            sum(spend_usd) as spend_usd,
            sum(attributed_pipeline_usd) as attributed_pipeline_usd,
            sum(attributed_revenue_usd) as attributed_revenue_usd,
            sum(attributed_won_deals) as attributed_won_deals
        from {table}
        -- Marketing ROI: sales channels' costs (Outbound) are not marketing's to return.
        where model = ? and month_start >= ? and month_start < ? and spend_owner = 'marketing'
        group by {key}
        """,
        [HEADLINE_MODEL, *window],
    )
    ranked = with_return_ratios(sums).sort_values(["roi", key], ascending=[False, True])
    return ranked.reset_index(drop=True)


def _funnel(con: duckdb.DuckDBPyConnection, window: list[object]) -> pd.DataFrame:
    """Cohort view: of the leads created in the window, how many reached each later stage."""
    sums = _frame(
        con,
        """
        select
            sum(lead_count) as lead, sum(mql_count) as mql, sum(sql_count) as sql,
            sum(opportunity_count) as opportunity, sum(won_count) as won,
            sum(lead_to_mql_count) as lead_to_mql, sum(mql_to_sql_count) as mql_to_sql,
            sum(sql_to_opportunity_count) as sql_to_opportunity,
            sum(opportunity_to_won_count) as opportunity_to_won
        from reports.rpt_funnel_conversion
        where view = 'cohort' and month_start >= ? and month_start < ?
        """,
        window,
    ).iloc[0]
    stages = ["lead", "mql", "sql", "opportunity", "won"]
    rows = []
    for stage, following in zip(stages, [*stages[1:], None], strict=True):
        count = _sum(sums[stage])
        converted = _sum(sums[f"{stage}_to_{following}"]) if following else None
        rows.append(
            {
                "stage": stage,
                "count": count,
                "next_stage": following or "",
                "rate_column": f"{stage}_to_{following}_rate" if following else "",
                "conversion_rate": converted / count if following and count else None,
            }
        )
    return pd.DataFrame(rows)


def _last_complete_quarter(con: duckdb.DuckDBPyConnection, table: str, as_of: datetime):
    """The latest quarter that ended before the as-of time, if the table has it."""
    return _scalar(
        con,
        f"""
        select max(quarter_start) from {table}
        where quarter_start + interval 3 month <= cast(? as date)
        """,
        [as_of],
    )


def _freshness(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    latest = [
        ("Data's end", "marts.dim_attribution_models", "max(data_ends_at)"),
        ("Build started", "marts.dim_attribution_models", "max(built_at)"),
        ("Latest touch", "marts.fct_touchpoints", "max(touched_at)"),
        ("Latest opportunity created", "marts.dim_opportunities", "max(created_at)"),
        (
            "Latest deal closed",
            "marts.dim_opportunities",
            "max(case when is_closed then close_date end)",
        ),
        ("Latest invoice", "marts.fct_invoices", "max(invoice_date)"),
        ("Latest marketing spend", "marts.fct_marketing_spend", "max(spend_date)"),
    ]
    rows = [
        {"what": what, "table": table, "latest": _scalar(con, f"select {expr} from {table}")}
        for what, table, expr in latest
    ]
    return pd.DataFrame(rows)


# What says where the data ends: the journeys and the deals (not invoices or spend, which a
# company may not export at all).
DATA_END_ROWS = ("Latest touch", "Latest opportunity created", "Latest deal closed")


def _data_end(freshness: pd.DataFrame) -> DataEnd | None:
    """The latest day a touch or a deal reaches, or None when there is neither."""
    found = [
        DataEnd(on=pd.Timestamp(row.latest).date(), what=str(row.what))
        for row in freshness.itertuples()
        if row.what in DATA_END_ROWS and not pd.isna(row.latest)
    ]
    return max(found, key=lambda end: end.on, default=None)


def _definitions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """dbt's column descriptions, published as comments: the report's glossary comes from them."""
    found: dict[str, str] = {}
    for table, column, comment in con.execute(
        """
        select table_name, column_name, comment from duckdb_columns()
        where schema_name in ('marts', 'reports') and comment is not null and comment <> ''
        order by schema_name desc, table_name, column_index
        """
    ).fetchall():
        found[f"{table}.{column}"] = comment
        found.setdefault(column, comment)
    return found


def load_report_data(
    serving_path: Path | str, memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
) -> ReportData:
    """Read everything the report shows from one read-only connection (one consistent file),
    under the run's DuckDB memory cap."""
    with duckdb.connect(str(serving_path), read_only=True) as con:
        cap_memory(con, memory_limit)
        as_of = _scalar(con, "select max(as_of_at) from marts.dim_attribution_models")
        if as_of is None:
            raise ValueError(f"{serving_path}: marts.dim_attribution_models is empty")
        period_start, period_end = _window(as_of)
        window: list[object] = [period_start, period_end]
        marketing_attributed = _marketing_attributed(con, window)
        models = list(marketing_attributed["model"])
        freshness = _freshness(con)
        velocity_quarter = _last_complete_quarter(con, "reports.rpt_funnel_velocity", as_of)
        plan_quarter = _scalar(
            con,
            "select max(period_start) from reports.rpt_plan_vs_actual"
            " where period_type = 'quarter' and is_complete",
        )
        performance = _frame(con, PROPENSITY_PERFORMANCE_SQL)
        return ReportData(
            as_of=as_of,
            as_of_source=str(
                _scalar(con, "select max(as_of_source) from marts.dim_attribution_models")
            ),
            period_start=period_start,
            period_end=period_end,
            contribution=_contribution(con, window),
            contribution_types=_contribution_types(con),
            marketing_attributed=marketing_attributed,
            revenue_by_channel=_by_channel(con, "attributed_revenue_usd", window, models),
            pipeline_by_channel=_by_channel(con, "attributed_pipeline_usd", window, models),
            top_campaigns=_roi(con, "reports.rpt_campaign_roi", "campaign_key", window).head(
                TOP_CAMPAIGNS
            ),
            channel_roi=_roi(con, "reports.rpt_channel_roi", "channel", window),
            funnel=_funnel(con, window),
            funnel_velocity=_frame(
                con,
                """
                select transition, from_stage, to_stage, transition_count, median_days, p75_days
                from reports.rpt_funnel_velocity
                where segment = 'All' and quarter_start = ?
                order by entity_type desc, transition_order
                """,
                [velocity_quarter],
            ),
            velocity_quarter=velocity_quarter,
            sales_velocity=_frame(
                con,
                """
                select * from reports.rpt_sales_velocity
                where segment = 'All' and quarter_start + interval 3 month <= cast(? as date)
                order by quarter_start desc
                limit 4
                """,
                [as_of],
            ),
            plan_quarter=plan_quarter,
            plan_periods=int(_scalar(con, "select count(*) from reports.rpt_plan_vs_actual") or 0),
            plan_totals=_frame(con, PLAN_TOTALS_SQL).assign(
                # NULL attainment (a target of 0) is no shortfall; Decimal or float alike.
                is_shortfall=lambda frame: frame["attainment"].astype(float) < 1
            ),
            plan_shortfalls=_frame(
                con,
                f"""
                select metric, segment, region, target, actual, attainment, gap, shortfall_rank
                from reports.rpt_plan_vs_actual
                where period_type = 'quarter' and period_start = ? and is_shortfall
                    and not (segment = '(all)' and region = '(all)')
                order by attainment, shortfall_rank
                limit {TOP_SHORTFALLS}
                """,
                [plan_quarter],
            ),
            freshness=freshness,
            data_end=_data_end(freshness),
            published_at=_scalar(con, "select max(published_at) from main.publish_log"),
            definitions=_definitions(con),
            sources=_frame(
                con,
                """
                select source, is_provided, rows_read, rows_loaded, rows_quarantined,
                    rows_not_converted
                from marts.dim_sources
                order by source
                """,
            ),
            forecast=_frame(con, FORECAST_SQL),
            forecast_track_record=track_record_sentence(
                _frame(con, FORECAST_TRACK_RECORD_SQL).iloc[0]
            ),
            buyers_opportunities=_frame(con, BUYERS_OPPORTUNITIES_SQL),
            open_renewals=_open_renewals(con),
            buyers_accounts=_frame(con, BUYERS_ACCOUNTS_SQL),
            buyers_track_record={
                model: propensity_sentence(model, performance) for model in PROPENSITY_MODELS
            },
        )
