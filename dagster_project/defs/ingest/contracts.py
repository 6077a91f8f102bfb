"""The declared contract of every source export (see docs in /spec/sources.md) as data.

This module is the single source of truth for what each source file looks like:
its family and name, its ordered columns with a logical type and a required flag,
and its primary key. Landing (``landing.py``) types raw files from it; later stages
(quarantine, staging tests) can extend ``Column`` with allowed values without
changing callers, which is why it is a small frozen dataclass model rather than
ad-hoc dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LogicalType(StrEnum):
    """Logical column types of the raw landing contract, named by their DuckDB type."""

    VARCHAR = "VARCHAR"
    TIMESTAMP = "TIMESTAMP"
    DATE = "DATE"
    DOUBLE = "DOUBLE"
    BIGINT = "BIGINT"
    BOOLEAN = "BOOLEAN"


@dataclass(frozen=True)
class Column:
    """One declared source column: its name, logical type and whether it must be non-NULL."""

    name: str
    type: LogicalType
    required: bool = False


@dataclass(frozen=True)
class SourceContract:
    """The contract of one source export: ``<family>/<name>`` with ordered columns and key."""

    family: str
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def qualified_name(self) -> str:
        """``family/name``, the key used in ``SOURCE_CONTRACTS`` and in raw-area paths."""
        return f"{self.family}/{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in contract order."""
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Names of the columns that must be present in every file and never NULL."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def has_updated_at(self) -> bool:
        """Whether the latest version of a record can be chosen by ``updated_at``."""
        return "updated_at" in self.column_names

    def column(self, name: str) -> Column:
        """The declared column called ``name`` (KeyError if it is not in the contract)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.qualified_name} has no column {name!r}")


# Logical type of every contract column, by column name (the raw landing contract).
_TIMESTAMPS = {
    "created_at",
    "updated_at",
    "lead_created_at",
    "mql_at",
    "sql_at",
    "entered_at",
    "started_at",
    "submitted_at",
    "first_responded_at",
}
_DATES = {
    "close_date",
    "spend_date",
    "invoice_date",
    "service_start",
    "service_end",
    "rate_date",
    "start_date",
    "end_date",
}
_DOUBLES = {"amount", "spend", "budgeted_cost", "target", "usd_per_unit"}
_BIGINTS = {"employee_count", "impressions", "clicks"}
_BOOLEANS = {"is_closed", "is_won", "is_primary", "has_responded"}


def _type_of(name: str) -> LogicalType:
    """Logical type of a column by name; anything not typed is kept as given (VARCHAR)."""
    if name in _TIMESTAMPS:
        return LogicalType.TIMESTAMP
    if name in _DATES:
        return LogicalType.DATE
    if name in _DOUBLES:
        return LogicalType.DOUBLE
    if name in _BIGINTS:
        return LogicalType.BIGINT
    if name in _BOOLEANS:
        return LogicalType.BOOLEAN
    return LogicalType.VARCHAR


def _contract(family: str, name: str, spec: str, key: tuple[str, ...]) -> SourceContract:
    """Build a contract from the sources.md notation: comma-separated names, ``*`` = required."""
    columns = []
    for raw in spec.split(","):
        col = raw.strip()
        required = col.endswith("*")
        col = col.rstrip("*")
        columns.append(Column(col, _type_of(col), required))
    return SourceContract(family, name, tuple(columns), key)


_CONTRACTS: tuple[SourceContract, ...] = (
    # crm/
    _contract(
        "crm",
        "accounts",
        "account_id*, account_name*, domain, industry, region, segment, employee_count, "
        "created_at*, updated_at",
        ("account_id",),
    ),
    _contract(
        "crm",
        "contacts",
        "contact_id*, account_id, email*, first_name, last_name, job_title, created_at*, "
        "lead_created_at, mql_at, sql_at, lead_source, updated_at",
        ("contact_id",),
    ),
    _contract(
        "crm",
        "opportunities",
        "opportunity_id*, account_id*, opportunity_name, opportunity_type, stage_name*, amount*, "
        "currency*, created_at*, close_date*, is_closed*, is_won*, primary_campaign_id, "
        "lead_source, updated_at",
        ("opportunity_id",),
    ),
    _contract(
        "crm",
        "opportunity_contact_roles",
        "opportunity_id*, contact_id*, role, is_primary",
        ("opportunity_id", "contact_id"),
    ),
    _contract(
        "crm",
        "opportunity_stage_history",
        "opportunity_id*, stage_name*, entered_at*, amount",
        ("opportunity_id", "stage_name", "entered_at"),
    ),
    # campaign/
    _contract(
        "campaign",
        "campaigns",
        "campaign_id*, campaign_name*, campaign_type*, utm_campaign, channel, start_date, "
        "end_date, budgeted_cost, currency",
        ("campaign_id",),
    ),
    _contract(
        "campaign",
        "campaign_members",
        "campaign_member_id*, campaign_id*, contact_id*, status*, has_responded*, created_at*, "
        "first_responded_at",
        ("campaign_member_id",),
    ),
    _contract(
        "campaign",
        "ad_spend",
        "spend_date*, platform*, campaign_id, utm_campaign, impressions, clicks, spend*, currency*",
        ("spend_date", "platform", "campaign_id", "utm_campaign"),
    ),
    _contract(
        "campaign",
        "web_sessions",
        "session_id*, anonymous_id*, started_at*, landing_page, referrer, utm_source, "
        "utm_medium, utm_campaign, utm_content, utm_term",
        ("session_id",),
    ),
    _contract(
        "campaign",
        "form_submissions",
        "submission_id*, anonymous_id*, email*, submitted_at*, form_name, page_url",
        ("submission_id",),
    ),
    # revenue/
    _contract(
        "revenue",
        "invoices",
        "invoice_id*, account_id*, opportunity_id, invoice_date*, amount*, currency*, status*, "
        "service_start, service_end",
        ("invoice_id",),
    ),
    _contract(
        "revenue",
        "fx_rates",
        "rate_date*, currency*, usd_per_unit*",
        ("rate_date", "currency"),
    ),
    _contract(
        "revenue",
        "targets",
        "period_month*, metric*, target*, segment, region",
        ("period_month", "metric", "segment", "region"),
    ),
)

SOURCE_CONTRACTS: dict[str, SourceContract] = {c.qualified_name: c for c in _CONTRACTS}
"""Every declared source, keyed ``family/name`` (e.g. ``crm/accounts``), in contract order."""
