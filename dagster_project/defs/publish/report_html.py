"""Renders the leadership report: one self-contained HTML file, charts inline as SVG.

Definitions are not written here: each term of the report points at the dbt description of
the column it shows (published as a column comment in the serving database), so the hover
text, the glossary, the dbt docs and the BI tools all say the same thing.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from dagster_project.defs.groups import ALL_GROUPS, INGESTION
from dagster_project.defs.publish.report_data import (
    HEADLINE_MODEL,
    PROPENSITY_HORIZON_DAYS,
    ReportData,
)
from dagster_project.lib.svg import Bar, bar_chart, range_dot_plot

TEMPLATES = Path(__file__).parent / "templates"
DASH = "\u2013"  # shown where a number is undefined (a rate with no denominator)
TIMES = "\u00d7"

# Report term -> (label, the published column whose dbt description defines it).
TERMS: dict[str, tuple[str, str]] = {
    "opportunities": ("Opportunities created", "rpt_marketing_contribution.opportunities"),
    "pipeline": ("Pipeline created", "rpt_marketing_contribution.pipeline_usd"),
    "sourced_pipeline": (
        "Marketing-sourced pipeline",
        "rpt_marketing_contribution.sourced_pipeline_usd",
    ),
    "influenced_pipeline": (
        "Marketing-influenced pipeline",
        "rpt_marketing_contribution.influenced_pipeline_usd",
    ),
    "revenue": ("Revenue won", "rpt_marketing_contribution.revenue_usd"),
    "sourced_revenue": (
        "Marketing-sourced revenue",
        "rpt_marketing_contribution.sourced_revenue_usd",
    ),
    "influenced_revenue": (
        "Marketing-influenced revenue",
        "rpt_marketing_contribution.influenced_revenue_usd",
    ),
    "attributed_pipeline": (
        "Attributed pipeline",
        "rpt_attribution_by_channel.attributed_pipeline_usd",
    ),
    "attributed_revenue": (
        "Attributed revenue",
        "rpt_attribution_by_channel.attributed_revenue_usd",
    ),
    "spend": ("Spend", "rpt_campaign_roi.spend_usd"),
    "roi": ("ROI", "rpt_campaign_roi.roi"),
    "roas": ("ROAS", "rpt_campaign_roi.roas"),
    "attributed_won_deals": ("Attributed won deals", "rpt_campaign_roi.attributed_won_deals"),
    "lead": ("Leads", "rpt_funnel_conversion.lead_count"),
    "mql": ("MQLs", "rpt_funnel_conversion.mql_count"),
    "sql": ("SQLs", "rpt_funnel_conversion.sql_count"),
    "opportunity": ("Opportunities", "rpt_funnel_conversion.opportunity_count"),
    "won": ("Won deals", "rpt_funnel_conversion.won_count"),
    "lead_to_mql_rate": ("Lead → MQL", "rpt_funnel_conversion.lead_to_mql_rate"),
    "mql_to_sql_rate": ("MQL → SQL", "rpt_funnel_conversion.mql_to_sql_rate"),
    "sql_to_opportunity_rate": (
        "SQL → opportunity",
        "rpt_funnel_conversion.sql_to_opportunity_rate",
    ),
    "opportunity_to_won_rate": (
        "Opportunity → won",
        "rpt_funnel_conversion.opportunity_to_won_rate",
    ),
    "transition_count": ("Transitions", "rpt_funnel_velocity.transition_count"),
    "median_days": ("Median days", "rpt_funnel_velocity.median_days"),
    "p75_days": ("75th percentile days", "rpt_funnel_velocity.p75_days"),
    "win_rate": ("Win rate", "rpt_sales_velocity.win_rate"),
    "avg_deal_size": ("Average deal", "rpt_sales_velocity.avg_deal_size_usd"),
    "avg_sales_cycle": ("Sales cycle (days)", "rpt_sales_velocity.avg_sales_cycle_days"),
    "sales_velocity": ("Sales velocity", "rpt_sales_velocity.sales_velocity_usd_per_day"),
    "target": ("Target", "rpt_plan_vs_actual.target"),
    "actual": ("Actual", "rpt_plan_vs_actual.actual"),
    "attainment": ("Attainment", "rpt_plan_vs_actual.attainment"),
    "gap": ("Gap", "rpt_plan_vs_actual.gap"),
    "booked": ("Booked so far", "rpt_revenue_forecast.booked_usd"),
    "open_pipeline": ("Open pipeline", "rpt_revenue_forecast.open_pipeline_usd"),
    "new_pipeline": ("Not yet created", "rpt_revenue_forecast.new_pipeline_usd"),
    "expected_bookings": ("Expected bookings", "rpt_revenue_forecast.expected_bookings_usd"),
    "forecast_low": ("Low", "rpt_revenue_forecast.low_usd"),
    "forecast_high": ("High", "rpt_revenue_forecast.high_usd"),
    "forecast_target": ("Bookings target", "rpt_revenue_forecast.target_usd"),
    "forecast_gap": ("Gap to target", "rpt_revenue_forecast.gap_usd"),
    "win_probability": ("Win probability", "fct_opportunity_scores.score"),
    "scored_type": ("Type", "fct_opportunity_scores.opportunity_type"),
    "scored_stage": ("Stage", "fct_opportunity_scores.stage_name"),
    "scored_amount": ("Amount", "fct_opportunity_scores.amount_usd"),
    "new_opportunity_probability": ("Chance of a new opportunity", "fct_account_scores.score"),
    "drivers": ("Drivers", "fct_opportunity_scores.driver_1"),
    "auc": ("AUC", "rpt_propensity_performance.auc"),
    "top_decile_rate": ("Top tenth", "rpt_propensity_performance.top_decile_rate"),
    "base_rate": ("Overall rate", "rpt_propensity_performance.base_rate"),
    # The words that say why a section is empty, and the freshness rows.
    "won_opportunities": ("Closed-won deals", "rpt_marketing_contribution.won_opportunities"),
    "as_of": ("As-of time", "dim_attribution_models.as_of_at"),
    "data_ends_at": ("Data's end", "dim_attribution_models.data_ends_at"),
    "built_at": ("Build started", "dim_attribution_models.built_at"),
    "is_complete": ("Complete period", "rpt_plan_vs_actual.is_complete"),
    "touched_at": ("Latest touch", "fct_touchpoints.touched_at"),
    "created_at": ("Latest opportunity created", "dim_opportunities.created_at"),
    "close_date": ("Latest deal closed", "dim_opportunities.close_date"),
    "invoice_date": ("Latest invoice", "fct_invoices.invoice_date"),
    "spend_date": ("Latest marketing spend", "fct_marketing_spend.spend_date"),
}
# Where the as-of time came from (dim_attribution_models.as_of_source), in words.
AS_OF_ORIGINS = {
    "data": "the data's end",
    "as_of var": "set by ATTRIBUTION_AS_OF",
    "build time": "the build time: no data",
}
# Freshness row (report_data's labels) -> the term defining the date it shows.
FRESHNESS_TERMS = {
    "Data's end": "data_ends_at",
    "Build started": "built_at",
    "Latest touch": "touched_at",
    "Latest opportunity created": "created_at",
    "Latest deal closed": "close_date",
    "Latest invoice": "invoice_date",
    "Latest marketing spend": "spend_date",
}


@dataclass(frozen=True)
class CheckStatus:
    """One check behind the report's numbers and how it last ended."""

    asset: str
    check: str
    status: str  # passed | warned | failed | not run
    blocking: bool
    description: str
    evaluated: str  # where and when it was evaluated


class MissingDefinition(KeyError):
    """A term of the report has no dbt description: document the column in dbt first."""


def _number(template: str) -> Callable[[object], str]:
    """A formatter of one number by `template`; a dash where the number is undefined."""

    def formatted(value: object) -> str:
        return DASH if pd.isna(value) else template.format(float(value))  # type: ignore[arg-type]

    return formatted


usd_full = _number("${:,.0f}")
count = _number("{:,.0f}")
pct = _number("{:.0%}")
ratio = _number("{:,.1f}" + TIMES)
days = _number("{:,.0f} d")


def _float(value: object) -> float:
    """A number for a chart: NULL (None or NaN) is NaN, which the chart draws as undefined."""
    return math.nan if pd.isna(value) else float(value)  # type: ignore[arg-type]


def usd(value: object) -> str:
    """Compact dollars for headlines: $15.2M, $345k, $980."""
    if pd.isna(value):
        return DASH
    number = float(value)  # type: ignore[arg-type]
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= size:
            return f"${number / size:,.1f}{suffix}"
    return usd_full(number)


def timestamp(value: object) -> str:
    """To the second: sub-second digits only make a freshness table harder to read."""
    if pd.isna(value):
        return DASH
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S").removesuffix(" 00:00:00")


def day(value: object) -> str:
    return DASH if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def text(value: object) -> str:
    """A name or a list of drivers as it is; a dash where there is none (NULL or empty)."""
    return DASH if pd.isna(value) or value == "" else str(value)


class Glossary:
    """Resolves report terms to their dbt definitions and renders them with hover text."""

    def __init__(self, definitions: dict[str, str], models: Sequence[tuple[str, str]]):
        self.entries: dict[str, tuple[str, str]] = {}
        for key, (label, column) in TERMS.items():
            if column not in definitions:
                raise MissingDefinition(f"{key}: no dbt description for {column}")
            self.entries[key] = (label, definitions[column])
        for model, description in models:
            self.entries[f"model_{model}"] = (model, description)

    def definition(self, key: str) -> str:
        return self.entries[key][1]

    def term(self, key: str, label: str | None = None) -> Markup:
        """A label with its definition on hover and a link to the glossary entry."""
        name, definition = self.entries[key]
        return Markup(
            f'<a class="term" href="#g-{escape(key)}" title="{escape(definition)}">'
            f"{escape(label or name)}</a>"
        )

    def num(self, key: str, text: str) -> Markup:
        """A formatted number whose hover text says what it is."""
        name, definition = self.entries[key]
        return Markup(
            f'<span class="num" title="{escape(f"{name}: {definition}")}">{escape(text)}</span>'
        )


@dataclass(frozen=True)
class EmptyNotes:
    """What each section says instead of a table or chart when it has nothing to show.

    None where the section has something. Written for the CRO: what is missing, and why (the
    window, the as-of time, the source it needs), never an empty chart or a stack trace.
    """

    data_ends: Markup | None  # header: the whole window lies after the data
    not_provided: Markup | None  # header: the optional sources the export left out
    no_activity: Markup | None  # no opportunity created and no deal won in the window
    no_pipeline: Markup | None
    no_revenue: Markup | None
    no_spend: Markup | None
    no_campaign_spend: Markup | None
    no_funnel: Markup | None
    no_velocity: Markup | None
    no_sales_velocity: Markup | None
    no_plan: Markup | None
    no_forecast: Markup | None = None
    no_open_deals: Markup | None = None
    no_accounts_to_score: Markup | None = None


def empty_notes(data: ReportData, g: Glossary) -> EmptyNotes:
    """The sentences for the sections of `data` that are empty (see EmptyNotes)."""
    c = data.contribution
    window = Markup("this window ({} to {})").format(data.period_start, data.period_end)
    as_of = g.term("as_of", "the as-of time")
    complete_quarter = Markup("complete {}").format(g.term("is_complete", "quarter"))
    opportunities = Markup("No {} in {}.").format(
        g.term("opportunities", "opportunities created"), window
    )
    won = Markup("No {} in {}.").format(g.term("won_opportunities", "closed-won deals"), window)
    data_ends = None
    if data.data_end is None:
        data_ends = Markup("Nothing was loaded: no touch and no opportunity.")
    elif data.data_ends_before_window:
        data_ends = Markup(
            "The data ends on {} ({}), before this window: nothing in the window to show."
            " A build as of a time just after the data (ATTRIBUTION_AS_OF) reports on it."
        ).format(data.data_end.on, g.term(FRESHNESS_TERMS[data.data_end.what]))
    no_pipeline, no_revenue = c["opportunities"] == 0, c["won_opportunities"] == 0
    missing = set(data.not_provided)

    def needs(*sources: str) -> str:
        """Why a section is empty when a source it needs was not provided at all."""
        absent = [source for source in sources if source in missing]
        return f" ({' and '.join(absent)} not provided)" if absent else ""

    no_plan = None
    if data.plan_periods == 0:
        no_plan = Markup(
            "No {}: plan vs actual needs revenue/targets, for a period begun before {}{}."
        ).format(g.term("target", "targets"), as_of, needs("revenue/targets"))
    elif data.plan_quarter is None:
        no_plan = Markup("No {} before {} yet.").format(complete_quarter, as_of)
    return EmptyNotes(
        data_ends=data_ends,
        not_provided=Markup(
            "Not provided in this export: {}. These sources are optional; they landed empty, and"
            " the sections that need them say so."
        ).format(", ".join(data.not_provided))
        if data.not_provided
        else None,
        no_activity=Markup("No {} and no {} in {}.").format(
            g.term("opportunities", "opportunities created"),
            g.term("won_opportunities", "closed-won deals"),
            window,
        )
        if no_pipeline and no_revenue
        else None,
        no_pipeline=opportunities if no_pipeline or data.pipeline_by_channel.empty else None,
        no_revenue=won if no_revenue or data.revenue_by_channel.empty else None,
        no_spend=Markup(
            "No {} in {}: ROI needs campaign/ad_spend or campaign costs (actual_cost){}."
        ).format(
            g.term("spend", "marketing spend"),
            window,
            needs("campaign/ad_spend", "campaign/campaigns"),
        )
        if data.channel_roi.empty
        else None,
        no_campaign_spend=Markup("No campaign has {} in {}.").format(
            g.term("spend", "spend"), window
        )
        if data.top_campaigns.empty
        else None,
        no_funnel=Markup("No {} in {}: the funnel follows the leads created in it.").format(
            g.term("lead", "leads created"), window
        )
        if not (data.funnel["count"] > 0).any()
        else None,
        no_velocity=Markup("No stage changes in a {} before {}{}.").format(
            complete_quarter, as_of, needs("crm/opportunity_stage_history")
        )
        if data.velocity_quarter is None or data.funnel_velocity.empty
        else None,
        no_sales_velocity=Markup("No opportunities created in a {} before {}.").format(
            complete_quarter, as_of
        )
        if data.sales_velocity.empty
        else None,
        no_plan=no_plan,
        no_forecast=Markup("No forecast yet: it learns from the {} before {}{}.").format(
            g.term("opportunities", "deals created and closed"), as_of, needs("crm/opportunities")
        )
        if data.forecast.empty
        else None,
        no_open_deals=(
            Markup("Every deal open at {} is a renewal: no other deal to list.").format(as_of)
            if data.open_renewals
            else Markup("No deal open at {}: no deal to score{}.").format(
                as_of, needs("crm/opportunities")
            )
        )
        if data.buyers_opportunities.empty
        else None,
        no_accounts_to_score=Markup(
            "No account without an open deal at {}: no account to score{}."
        ).format(as_of, needs("crm/accounts"))
        if data.buyers_accounts.empty
        else None,
    )


STATUSES = ("passed", "failed", "warned", "not run")


def _tally(checks: Sequence[CheckStatus]) -> dict[str, int]:
    """How many checks, how many blocking, and how many in each status."""
    statuses = Counter(check.status for check in checks)
    blocking = sum(check.blocking for check in checks)
    return {"total": len(checks), "blocking": blocking, **{s: statuses[s] for s in STATUSES}}


def _by_layer(checks: Sequence[CheckStatus]) -> dict[str, dict[str, int]]:
    """A tally per layer (the first part of the asset key; raw/ is ingestion), in data order."""
    grouped: dict[str, list[CheckStatus]] = defaultdict(list)
    for check in checks:
        layer = check.asset.split("/")[0]
        grouped[INGESTION if layer == "raw" else layer].append(check)
    # Layers in the order data flows through them (defs/groups.py).
    rank = {layer: position for position, layer in enumerate(ALL_GROUPS)}
    ordered = sorted(grouped, key=lambda layer: (rank.get(layer, len(rank)), layer))
    return {layer: _tally(grouped[layer]) for layer in ordered}


def _overall(checks: Sequence[CheckStatus]) -> tuple[str, str]:
    """The status pill: its colour and its text."""
    tally = _tally(checks)
    text = f"{tally['passed']} of {tally['total']} checks passed"
    extras = [f"{tally[status]} {status}" for status in STATUSES[1:] if tally[status]]
    if extras:
        text += " · " + ", ".join(extras)
    state = "failed" if tally["failed"] else "warned" if extras else "passed"
    return state, text


def render_report(
    data: ReportData,
    headline_checks: Sequence[CheckStatus],
    other_checks: Sequence[CheckStatus],
    *,
    generated_at: datetime | None = None,
) -> str:
    """The whole report as one HTML string."""
    generated_at = generated_at or datetime.now(UTC).replace(tzinfo=None)
    models = data.models
    glossary = Glossary(
        data.definitions,
        list(
            zip(
                data.marketing_attributed["model"],
                data.marketing_attributed["description"],
                strict=True,
            )
        ),
    )
    revenue = data.revenue_by_channel
    notes = empty_notes(data, glossary)
    channel_values = {
        channel: {model: _float(revenue.loc[channel, model]) for model in models}
        for channel in revenue.index
    }
    funnel_bars = [
        Bar(
            label=glossary.entries[row.stage][0],
            value=_float(row.count),
            tooltip=f"{glossary.entries[row.stage][0]}: {count(row.count)}",
        )
        for row in data.funnel.itertuples()
    ]
    roi_bars = [
        Bar(
            label=str(row.campaign_name),
            value=_float(row.roi),
            tooltip=f"{row.campaign_name}: ROI {pct(row.roi)} on {usd_full(row.spend_usd)} spend",
        )
        for row in data.top_campaigns.itertuples()
    ]
    plan_bars = [
        Bar(
            label=str(row.metric),
            value=_float(row.attainment),
            tooltip=f"{row.metric}: {count(row.actual)} of {count(row.target)}"
            f" ({pct(row.attainment)})",
            highlight=bool(row.is_shortfall),
        )
        for row in data.plan_totals.itertuples()
    ]
    checks = [*headline_checks, *other_checks]
    state, overall = _overall(checks)
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        usd=usd,
        usd_full=usd_full,
        count=count,
        pct=pct,
        ratio=ratio,
        days=days,
        timestamp=timestamp,
        day=day,
        text=text,
    )
    template = environment.get_template("leadership_report.html.j2")
    return template.render(
        data=data,
        headline_checks=headline_checks,
        other_checks=other_checks,
        layers=_by_layer(other_checks),
        not_passing=[c for c in checks if c.status != "passed"],
        check_state=state,
        check_summary=overall,
        g=glossary,
        notes=notes,
        freshness_terms=FRESHNESS_TERMS,
        as_of_origins=AS_OF_ORIGINS,
        models=models,
        headline_model=HEADLINE_MODEL,
        horizon_days=PROPENSITY_HORIZON_DAYS,
        generated_at=generated_at,
        attribution_chart=None
        if notes.no_revenue
        else range_dot_plot(
            channel_values,
            models,
            label="Attributed revenue by channel under each model",
            fmt=usd_full,
        ),
        funnel_chart=None
        if notes.no_funnel
        else bar_chart(funnel_bars, label="Funnel: leads to won deals", fmt=count),
        roi_chart=bar_chart(
            roi_bars, label="Top campaigns by ROI", fmt=pct, width=820, label_width=330
        ),
        plan_chart=bar_chart(
            plan_bars,
            label="Attainment of plan, last complete quarter",
            fmt=pct,
            reference=1.0,
            reference_label="plan",
        ),
    )
