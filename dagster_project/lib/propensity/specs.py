"""What each propensity model reads: one row per snapshot of a deal or an account, its outcome,
and the features dbt computed as of the snapshot (intermediate/propensity)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    """A propensity model's table, key, outcome and features.

    `log_features` are counts and amounts with long tails: they enter as log1p so that one huge
    deal or a bot-like account does not decide the fit.
    """

    name: str
    table: str
    key: str
    entity: str
    outcome: str
    numeric: tuple[str, ...]
    log_features: tuple[str, ...]
    categorical: tuple[str, ...]


ENGAGEMENT = (
    "touches_30d",
    "touches_90d",
    "engagement_trend",
    "form_fills_90d",
    "event_responses_90d",
    "contacts_engaged_90d",
    "days_since_last_touch",
)

OPPORTUNITY = ModelSpec(
    name="opportunity",
    table="int_opportunity_snapshots_enriched",
    key="opportunity_snapshot_id",
    entity="opportunity_id",
    outcome="is_won",
    numeric=(
        "amount_usd",
        "days_open",
        "buying_group_size",
        "has_decision_maker",
        "has_champion",
        *ENGAGEMENT,
    ),
    log_features=("amount_usd", "touches_30d", "touches_90d", "form_fills_90d"),
    categorical=("stage_name", "segment", "region", "industry", "opportunity_type"),
)

ACCOUNT = ModelSpec(
    name="account",
    table="int_accounts_snapshotted",
    key="account_snapshot_id",
    entity="account_id",
    outcome="has_new_opportunity",
    numeric=(
        "touches_14d",
        *ENGAGEMENT,
        "paid_touches_90d",
        "contacts_engaged_30d",
        "leads_90d",
        "mqls_90d",
        "open_mqls",
        "deals_before",
        "deals_won_before",
        "deals_lost_before",
        "days_since_last_deal",
    ),
    log_features=(
        "touches_14d",
        "touches_30d",
        "touches_90d",
        "paid_touches_90d",
        "form_fills_90d",
    ),
    categorical=("segment", "region", "industry"),
)

SPECS = (OPPORTUNITY, ACCOUNT)

# How a feature reads in a driver ("the three features that raise it most"), for sales.
LABELS = {
    "amount_usd": "amount (USD)",
    "days_open": "days open",
    "buying_group_size": "contacts in the buying group",
    "has_decision_maker": "a decision maker or economic buyer involved",
    "has_champion": "a champion involved",
    "touches_14d": "touches in the last 14 days",
    "touches_30d": "touches in the last 30 days",
    "touches_90d": "touches in the last 90 days",
    "engagement_trend": "touches in the last 30 days against the 30-day mean of the 60 before",
    "form_fills_90d": "form fills in the last 90 days",
    "event_responses_90d": "webinar and event responses in the last 90 days",
    "paid_touches_90d": "paid-media touches in the last 90 days",
    "contacts_engaged_30d": "contacts engaged in the last 30 days",
    "contacts_engaged_90d": "contacts engaged in the last 90 days",
    "days_since_last_touch": "days since the last touch",
    "leads_90d": "new leads in the last 90 days",
    "mqls_90d": "new MQLs in the last 90 days",
    "open_mqls": "open MQLs",
    "deals_before": "deals before",
    "deals_won_before": "deals won before",
    "deals_lost_before": "deals lost before",
    "days_since_last_deal": "days since the last deal",
    "stage_name": "stage",
    "segment": "segment",
    "region": "region",
    "industry": "industry",
    "opportunity_type": "type",
}
