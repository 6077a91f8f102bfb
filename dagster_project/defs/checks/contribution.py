"""Checks that prove marketing's revenue-contribution numbers before anyone reads them.

They read the public marts only and recompute nothing of the attribution rules: each
asserts an invariant that must hold whatever the model (credits sum to one, money
reconciles to the CRM, no credit outside its window). They are blocking, so a failure
stops the publish: neither the serving database nor the leadership report is written.
Sums read fct_attribution_credits, the stored rows of the fct_attribution view (same rows,
without the touch details the view looks up), so they do not pay for the view's lookups;
the window check needs the touch times and reads the view itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)
from dagster_dbt import get_asset_key_for_model

from dagster_project.defs.dbt.assets import dbt_build
from dagster_project.lib.warehouse import WarehouseResource

FCT_ATTRIBUTION = get_asset_key_for_model([dbt_build], "fct_attribution")
DIM_OPPORTUNITIES = get_asset_key_for_model([dbt_build], "dim_opportunities")
DIM_ATTRIBUTION_MODELS = get_asset_key_for_model([dbt_build], "dim_attribution_models")
RPT_MARKETING_CONTRIBUTION = get_asset_key_for_model([dbt_build], "rpt_marketing_contribution")
CENT = 0.005  # "to the cent" for the report's sums (double): less than half a cent apart
MAX_ROWS_SHOWN = 20
CRM_OPPORTUNITIES = "staging.stg_crm__opportunities"


def _result(
    offending: pd.DataFrame, summary: dict[str, object], explain: Callable[[], str]
) -> AssetCheckResult:
    """Pass when nothing offends; else fail with the first offending rows as metadata and
    `explain()`: one line with the worst figure and where to look (the run summary's line)."""
    metadata: dict[str, object] = {"offending_rows": len(offending), **summary}
    if not offending.empty:
        preview = offending.head(MAX_ROWS_SHOWN).to_markdown(index=False, disable_numparse=True)
        metadata["offending_preview"] = MetadataValue.md(preview)
    return AssetCheckResult(
        passed=offending.empty,
        severity=AssetCheckSeverity.ERROR,
        metadata=metadata,
        description=None if offending.empty else explain(),
    )


def _numbers(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """DECIMAL columns as floats for display: DuckDB hands them over as float64, Spark as
    decimal.Decimal objects. Comparisons are made in SQL, exactly, before this."""
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_numeric(out[column].map(lambda v: None if pd.isna(v) else float(v)))
    return out


@asset_check(
    asset=FCT_ATTRIBUTION,
    blocking=True,
    description=(
        "Per opportunity and model, credits (DECIMAL) sum to exactly 1, so no model invents or "
        "loses a fraction of a deal."
    ),
)
def credits_sum_to_one(
    warehouse: WarehouseResource,
) -> AssetCheckResult:
    offending = warehouse.query(
        """
        select model, opportunity_id, sum(credit) as credit_sum, count(*) as rows
        from marts.fct_attribution_credits
        group by model, opportunity_id
        having sum(credit) != 1
        order by model, opportunity_id
        """
    )
    groups = warehouse.query(
        "select count(*) as n from (select distinct model, opportunity_id"
        " from marts.fct_attribution_credits)"
    )
    pairs = int(groups["n"].iloc[0])

    def explain() -> str:
        sums = offending["credit_sum"].map(float)
        worst = offending.loc[(sums - 1).abs().idxmax()]
        return (
            f"{len(offending)} of {pairs} opportunity x model pairs have credits that do not sum"
            f" to 1; worst: {worst['opportunity_id']} under {worst['model']} sums to"
            f" {worst['credit_sum']} over {worst['rows']} rows: look at its rows in"
            " marts.fct_attribution and the model's weights in dbt/lookups/attribution_models.csv"
        )

    return _result(offending, {"opportunity_model_pairs": pairs}, explain)


# Per model: every opportunity of dim_opportunities appears, and attributed money equals the
# USD amounts of the converted ones exactly (DECIMAL sums), in total and deal by deal.
_MODEL_TOTALS_SQL = """
with crm as (
    select
        count(*) as opportunities,
        coalesce(sum(amount_usd), 0) as pipeline_usd,
        coalesce(sum(case when is_won then amount_usd end), 0) as won_usd
    from marts.dim_opportunities
),
deals as (
    select
        model,
        opportunity_id,
        sum(attributed_pipeline_usd) as pipeline_usd,
        sum(attributed_revenue_usd) as revenue_usd,
        max(amount_usd) as amount_usd,
        max(case when is_won then 1 else 0 end) as is_won
    from marts.fct_attribution_credits
    group by model, opportunity_id
),
attributed as (
    select
        model,
        count(*) as opportunities,
        coalesce(sum(pipeline_usd), 0) as pipeline_usd,
        coalesce(sum(revenue_usd), 0) as revenue_usd,
        sum(
            case
                when pipeline_usd is distinct from amount_usd then 1
                when revenue_usd is distinct from (
                    case when amount_usd is null then null when is_won = 1 then amount_usd else 0
                    end
                ) then 1
                else 0
            end
        ) as unbalanced_opportunities
    from deals
    group by model
)
select
    attributed.model,
    crm.opportunities as crm_opportunities,
    attributed.opportunities as attributed_opportunities,
    attributed.opportunities - crm.opportunities as opportunities_diff,
    crm.pipeline_usd as crm_pipeline_usd,
    attributed.pipeline_usd as attributed_pipeline_usd,
    attributed.pipeline_usd - crm.pipeline_usd as pipeline_diff_usd,
    crm.won_usd as crm_won_usd,
    attributed.revenue_usd as attributed_revenue_usd,
    attributed.revenue_usd - crm.won_usd as revenue_diff_usd,
    attributed.unbalanced_opportunities
from attributed cross join crm
order by attributed.model
"""

# Per currency, the CRM as landed (staging, deduplicated) against dim_opportunities: the
# same opportunities and the same amount in their own currency (DECIMAL(18,4) sums: exact).
_MART_CURRENCIES_SQL = """
select
    currency,
    count(*) as opportunities,
    sum(cast(amount as decimal(18, 4))) as amount,
    sum(case when amount_usd is null then 1 else 0 end) as unconverted_opportunities,
    coalesce(sum(case when amount_usd is null then cast(amount as decimal(18, 4)) end), 0)
        as unconverted_amount
from marts.dim_opportunities
group by currency
"""

_CURRENCY_TOTALS_SQL = f"""
with mart as ({_MART_CURRENCIES_SQL}),
crm as (
    select
        currency,
        count(*) as opportunities,
        sum(cast(amount as decimal(18, 4))) as amount
    from {CRM_OPPORTUNITIES}
    group by currency
)
select
    coalesce(crm.currency, mart.currency) as currency,
    coalesce(crm.opportunities, 0) as crm_opportunities,
    coalesce(mart.opportunities, 0) as mart_opportunities,
    coalesce(crm.amount, 0) as crm_amount,
    coalesce(mart.amount, 0) as mart_amount,
    coalesce(mart.opportunities, 0) - coalesce(crm.opportunities, 0) as opportunities_diff,
    coalesce(mart.amount, 0) - coalesce(crm.amount, 0) as amount_diff,
    coalesce(mart.unconverted_opportunities, 0) as unconverted_opportunities,
    coalesce(mart.unconverted_amount, 0) as unconverted_amount
from crm
full outer join mart
    on crm.currency = mart.currency
order by 1
"""

_MODEL_MEASURES = (
    (
        "attributed opportunities",
        "crm_opportunities",
        "attributed_opportunities",
        "opportunities_diff",
    ),
    (
        "attributed pipeline (USD)",
        "crm_pipeline_usd",
        "attributed_pipeline_usd",
        "pipeline_diff_usd",
    ),
    ("attributed revenue (USD)", "crm_won_usd", "attributed_revenue_usd", "revenue_diff_usd"),
)
_CURRENCY_MEASURES = (
    ("opportunities", "crm_opportunities", "mart_opportunities", "opportunities_diff"),
    ("amount (own currency)", "crm_amount", "mart_amount", "amount_diff"),
)


def _exact(value: object) -> str:
    """A count or an amount in full (up to 4 decimals): a markdown table would round it."""
    if isinstance(value, int | np.integer):
        return str(int(value))
    return f"{float(value):.4f}".rstrip("0").rstrip(".")


def _disagreements(
    records: pd.DataFrame, what: str, measures: tuple[tuple[str, str, str, str], ...]
) -> list[dict[str, object]]:
    """A row per record and measure whose difference is not zero."""
    return [
        {
            "what": what,
            "key": record[what],
            "measure": measure,
            "crm": _exact(record[crm]),
            "warehouse": _exact(record[warehouse]),
            "difference": _exact(record[diff]),
        }
        for record in records.to_dict("records")
        for measure, crm, warehouse, diff in measures
        if record[diff] != 0
    ]


def _offending_rows(models: pd.DataFrame, currencies: pd.DataFrame | None) -> pd.DataFrame:
    """One row per disagreement: what (currency or model), which, the measure, both sides."""
    rows: list[dict[str, object]] = []
    if currencies is not None:
        rows += _disagreements(currencies, "currency", _CURRENCY_MEASURES)
    rows += _disagreements(models, "model", _MODEL_MEASURES)
    for record in models.to_dict("records"):
        if record["unbalanced_opportunities"]:
            rows.append(
                {
                    "what": "model",
                    "key": record["model"],
                    "measure": "opportunities whose attributed money != amount_usd",
                    "crm": "0",
                    "warehouse": _exact(record["unbalanced_opportunities"]),
                    "difference": _exact(record["unbalanced_opportunities"]),
                }
            )
    columns = ["what", "key", "measure", "crm", "warehouse", "difference"]
    return pd.DataFrame(rows, columns=columns)


@asset_check(
    asset=FCT_ATTRIBUTION,
    blocking=True,
    additional_deps=[DIM_OPPORTUNITIES],
    description=(
        "Nothing vanishes and every cent is attributed: per currency, dim_opportunities holds "
        "the CRM's opportunities as landed (staging: the same count and amount in their own "
        "currency); per model, every opportunity appears and attributed pipeline and revenue "
        "equal the USD amounts of the converted opportunities exactly, in total and deal by "
        "deal. Deals without an fx rate are counted per currency, never attributed money."
    ),
)
def attribution_reconciles_to_crm(
    warehouse: WarehouseResource,
) -> AssetCheckResult:
    models = warehouse.query(_MODEL_TOTALS_SQL)
    for column in ("crm_opportunities", "attributed_opportunities", "opportunities_diff"):
        models[column] = models[column].astype("int64")
    models["unbalanced_opportunities"] = models["unbalanced_opportunities"].astype("int64")
    # Compared exactly: the differences were computed in DECIMAL by the engine.
    money = [c for c in models.columns if c.endswith("_usd")]
    models = _numbers(models, money)
    if warehouse.has_staging:
        currencies = warehouse.query(_CURRENCY_TOTALS_SQL)
        crm_source = CRM_OPPORTUNITIES
    else:
        currencies = warehouse.query(f"{_MART_CURRENCIES_SQL} order by currency").rename(
            columns={"opportunities": "mart_opportunities", "amount": "mart_amount"}
        )
        crm_source = (
            "not in this file (a published copy holds marts and reports only; the build "
            f"reconciled dim_opportunities to {CRM_OPPORTUNITIES} before publishing it)"
        )
    counts = [c for c in currencies.columns if c.endswith("opportunities") or c.endswith("_diff")]
    for column in counts:
        if column != "amount_diff":
            currencies[column] = currencies[column].astype("int64")
    amounts = [c for c in currencies.columns if "amount" in c]
    currencies = _numbers(currencies, amounts)
    offending = _offending_rows(models, currencies if warehouse.has_staging else None)
    shown_models = models.drop(
        columns=["opportunities_diff", "pipeline_diff_usd", "revenue_diff_usd"]
    )
    shown_currencies = currencies.drop(
        columns=[c for c in ("opportunities_diff", "amount_diff") if c in currencies.columns]
    )
    unconverted = currencies[currencies["unconverted_opportunities"] > 0]
    summary = {
        "models": len(models),
        "crm_source": crm_source,
        "totals": MetadataValue.md(shown_models.to_markdown(index=False)),
        "currencies": MetadataValue.md(shown_currencies.to_markdown(index=False)),
        "unconverted_opportunities": int(currencies["unconverted_opportunities"].sum()),
        "unconverted_by_currency": MetadataValue.json(
            {
                str(row["currency"]): {
                    "opportunities": int(row["unconverted_opportunities"]),
                    "amount": float(row["unconverted_amount"]),
                }
                for row in unconverted.to_dict("records")
            }
        ),
    }
    return _result(offending, summary, lambda: _crm_explanation(offending))


def _crm_explanation(offending: pd.DataFrame) -> str:
    """The first disagreement (currencies first: a deal missing from the marts), with figures."""
    first = offending.iloc[0]
    where = (
        "look for opportunities missing from or changed in marts.dim_opportunities"
        if first["what"] == "currency"
        else "look for opportunities missing from or credited twice in marts.fct_attribution"
    )
    return (
        f"{len(offending)} disagreement(s) with the CRM; first: {first['what']}"
        f" {first['key']}, {first['measure']}: CRM {first['crm']}, warehouse"
        f" {first['warehouse']} (difference {first['difference']}): {where}"
    )


@asset_check(
    asset=FCT_ATTRIBUTION,
    blocking=True,
    additional_deps=[DIM_OPPORTUNITIES, DIM_ATTRIBUTION_MODELS],
    description=(
        "No credited touch lies outside its model's window: none before opportunity creation "
        "minus the lookback, none after creation for pre-opportunity (P) models, none after the "
        "close (end of close day; as-of time when open) for full-journey (J) models."
    ),
)
def no_credit_outside_window(warehouse: WarehouseResource) -> AssetCheckResult:
    # The build's parameters, then plain SQL that DuckDB and Spark both read.
    parameters = warehouse.query(
        "select max(lookback_days) as lookback_days, max(as_of_at) as as_of_at"
        " from marts.dim_attribution_models"
    )
    lookback_days = int(parameters["lookback_days"].iloc[0])
    as_of = pd.Timestamp(parameters["as_of_at"].iloc[0]).strftime("%Y-%m-%d %H:%M:%S")
    offending = warehouse.query(
        f"""
        select
            attribution.model,
            models.attribution_window,
            attribution.opportunity_id,
            attribution.touchpoint_id,
            attribution.touched_at,
            opportunities.created_at,
            opportunities.close_date,
            opportunities.is_closed,
            attribution.credit
        from marts.fct_attribution as attribution
        inner join marts.dim_opportunities as opportunities
            on attribution.opportunity_id = opportunities.opportunity_id
        inner join marts.dim_attribution_models as models
            on attribution.model = models.model
        where attribution.touchpoint_id is not null
          and (
            attribution.touched_at < opportunities.created_at - interval '{lookback_days}' day
            or (models.attribution_window = 'P'
                and attribution.touched_at > opportunities.created_at)
            or (models.attribution_window = 'J' and opportunities.is_closed
                and attribution.touched_at
                    >= cast(opportunities.close_date as timestamp) + interval '1' day)
            or (models.attribution_window = 'J' and not opportunities.is_closed
                and attribution.touched_at > cast('{as_of}' as timestamp))
          )
        order by attribution.model, attribution.opportunity_id, attribution.touched_at
        """
    )
    credited = warehouse.query(
        "select count(*) as n from marts.fct_attribution_credits where touchpoint_id is not null"
    )
    credited_touches = int(credited["n"].iloc[0])
    return _result(
        offending,
        {"credited_touches": credited_touches, "lookback_days": lookback_days},
        lambda: _window_explanation(offending, credited_touches, lookback_days, as_of),
    )


def _window_explanation(
    offending: pd.DataFrame, credited_touches: int, lookback_days: int, as_of: str
) -> str:
    """The touch furthest outside its window, by how many days."""
    touched = pd.to_datetime(offending["touched_at"])
    created = pd.to_datetime(offending["created_at"])
    window_start = created - pd.Timedelta(days=lookback_days)
    # P: up to creation; J: to the end of the close day, or the as-of time while open.
    journey_end = (pd.to_datetime(offending["close_date"]) + pd.Timedelta(days=1)).where(
        offending["is_closed"].astype(bool), pd.Timestamp(as_of)
    )
    window_end = created.where(offending["attribution_window"] == "P", journey_end)
    outside = pd.concat([window_start - touched, touched - window_end], axis=1).max(axis=1)
    worst = offending.loc[outside.idxmax()]
    days = outside.max() / pd.Timedelta(days=1)
    return (
        f"{len(offending)} of {credited_touches} credited touches lie outside their window"
        f" (lookback {lookback_days} days); worst: touch {worst['touchpoint_id']} of"
        f" {worst['opportunity_id']} under {worst['model']}, {days:,.1f} days outside"
        f" (touched {worst['touched_at']}, opportunity created {worst['created_at']}): look at"
        " the window rules in dbt/models/intermediate/attribution/"
    )


@asset_check(
    asset=RPT_MARKETING_CONTRIBUTION,
    blocking=True,
    description=(
        "In every month, opportunity type and segment, marketing-sourced <= marketing-influenced"
        " <= total, for opportunities, pipeline and revenue (to the cent): a sourced deal is"
        " influenced, and influence never exceeds the whole. A type outside"
        " marketing_contribution_opportunity_types (default New Business) has none sourced or"
        " influenced."
    ),
)
def sourced_within_influenced_within_total(warehouse: WarehouseResource) -> AssetCheckResult:
    rows = warehouse.query("select * from reports.rpt_marketing_contribution order by 1")
    breaks = [_excess(rows, part, whole) >= _tolerance(part) for part, whole in CONTRIBUTION_ORDER]
    offending = rows[np.logical_or.reduce(breaks)]
    return _result(
        offending,
        {"month_type_segment_rows": len(rows)},
        lambda: _contribution_explanation(offending, len(rows)),
    )


# Each pair must hold: the part (left) never above the whole (right), money first.
CONTRIBUTION_ORDER = (
    ("sourced_pipeline_usd", "influenced_pipeline_usd"),
    ("influenced_pipeline_usd", "pipeline_usd"),
    ("sourced_revenue_usd", "influenced_revenue_usd"),
    ("influenced_revenue_usd", "revenue_usd"),
    ("sourced_opportunities", "influenced_opportunities"),
    ("influenced_opportunities", "opportunities"),
)
TOTALS = {"pipeline_usd", "revenue_usd", "opportunities"}


def _whole(rows: pd.DataFrame, whole: str) -> pd.Series:
    """What a part may reach: a total is 0 on rows of a type marketing never sources or
    influences (outside marketing_contribution_opportunity_types)."""
    if whole in TOTALS:
        return rows[whole].where(rows["is_contribution_type"].astype(bool), 0)
    return rows[whole]


def _excess(rows: pd.DataFrame, part: str, whole: str) -> pd.Series:
    return rows[part] - _whole(rows, whole)


def _tolerance(part: str) -> float:
    """A whole deal for counts, a cent for money."""
    return 1 if part.endswith("opportunities") else CENT


def _contribution_explanation(offending: pd.DataFrame, rows: int) -> str:
    """The largest excess of a part over its whole, money first (then opportunity counts)."""
    part, whole = next(
        (
            (part, whole)
            for part, whole in CONTRIBUTION_ORDER
            if _excess(offending, part, whole).max() >= _tolerance(part)
        ),
        CONTRIBUTION_ORDER[0],
    )
    worst = offending.loc[_excess(offending, part, whole).idxmax()]
    limit = _whole(offending, whole)[worst.name]
    if whole in TOTALS and not worst["is_contribution_type"]:
        whole = "0 (not a contribution type)"
    return (
        f"{len(offending)} of {rows} month x type x segment rows break sourced <= influenced <="
        f" total; worst: {str(worst['month_start'])[:10]} {worst['opportunity_type']}"
        f" {worst['segment']}: {part} {worst[part]:,.2f} > {whole} {limit:,.2f}: look at"
        " reports.rpt_marketing_contribution and the is_marketing flags in"
        " dbt/lookups/channels.csv"
    )


contribution_checks = [
    credits_sum_to_one,
    attribution_reconciles_to_crm,
    no_credit_outside_window,
    sourced_within_influenced_within_total,
]
