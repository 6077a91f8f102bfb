"""The declared contract of every source export, as data (docs/source_contracts.md renders it).

This module is the single source of truth for what each source file looks like:
its family and name, its ordered columns with a logical type, a required flag and optional
value rules (allowed values, a lower bound, currency code, email), row-level rules
(``is_won`` implies ``is_closed``) and its primary key. Landing (``landing.py``) types raw
files from it and quarantines rows that break it (the SQL is compiled in ``contract_sql.py``);
``contract_markdown()`` renders it for the docs. It is a small frozen dataclass model
rather than ad-hoc dicts so callers never change when a rule is added.

How values are compared (decided to match what staging does with the value downstream):

* Allowed values of ``segment`` and ``opportunity_type`` are compared exactly
  (case-sensitive, no trimming): staging passes them through unchanged, so ``" smb"`` would
  silently miss every segment join.
* Allowed values of ``status`` and ``metric`` and currency codes are compared after trimming,
  case-insensitively: staging normalises them with ``lower(trim())`` / ``upper(trim())``.
* Emails are checked after trimming with a pragmatic pattern (``local@label.tld``).
* Landing never rewrites a value: a row either loads as given or is quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class LogicalType(StrEnum):
    """Logical column types of the raw landing contract, named by their DuckDB type."""

    VARCHAR = "VARCHAR"
    TIMESTAMP = "TIMESTAMP"
    DATE = "DATE"
    DOUBLE = "DOUBLE"
    BIGINT = "BIGINT"
    BOOLEAN = "BOOLEAN"


class ValueKind(StrEnum):
    """Special value formats a VARCHAR column must follow."""

    CURRENCY = "currency"  # ISO 4217 code, trimmed, any case
    EMAIL = "email"  # local@domain.tld, trimmed


# Active ISO 4217 codes (2025 list; ANG kept during its replacement by XCG). XXX ("no
# currency") and XTS ("testing") are deliberately absent: they are never a real amount.
_ISO_4217_TEXT = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD
    EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD
    IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
    MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN
    PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN
    SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES
    VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW
    ZWG
"""
ISO_4217_CODES: frozenset[str] = frozenset(_ISO_4217_TEXT.split())

# Columns that hold a person's data, in the contract or as an extra column of an export. The
# quarantine (and so marts.fct_quarantined_rows, which BI tools read) shows none of their
# values: each is replaced by PERSONAL_VALUE in the row as read and in the reason. The file and
# line of a quarantined row say where to look in the export itself.
PERSONAL_COLUMNS = frozenset(
    {"email", "first_name", "last_name", "full_name", "job_title", "phone", "mobile_phone"}
)
PERSONAL_VALUE = "(personal value withheld)"

# Pragmatic email shape: one @, a non-empty local part, dot-separated domain labels and a
# TLD of two or more characters; no whitespace. Checked on the trimmed value.
EMAIL_PATTERN = r"[^@\s]+@([^@\s.]+\.)+[^@\s.]{2,}"


@dataclass(frozen=True)
class Column:
    """One declared source column: name, logical type, required flag and value rules.

    ``allowed_values``: the value must be one of these (exactly, or trimmed and ignoring case
    when ``case_insensitive``). ``min_value``: lower bound of a numeric column, inclusive
    unless ``min_exclusive``. ``kind``: a special VARCHAR format (currency code, email).
    Rules apply to non-NULL values only; ``required`` covers NULLs.
    """

    name: str
    type: LogicalType
    required: bool = False
    allowed_values: tuple[str, ...] = ()
    case_insensitive: bool = False
    min_value: float | None = None
    min_exclusive: bool = False
    kind: ValueKind | None = None

    def rule_text(self) -> str:
        """Human description of the value rules (empty when the column has none)."""
        parts = []
        if self.allowed_values:
            how = "trimmed, any case" if self.case_insensitive else "exact"
            parts.append(f"one of {' / '.join(self.allowed_values)} ({how})")
        if self.min_value is not None:
            bound = number_text(self.min_value)
            parts.append(f"> {bound}" if self.min_exclusive else f">= {bound}")
        if self.kind == ValueKind.CURRENCY:
            parts.append("ISO 4217 currency code (trimmed, any case)")
        elif self.kind == ValueKind.EMAIL:
            parts.append("email address (local@domain.tld, trimmed)")
        return "; ".join(parts)


@dataclass(frozen=True)
class Implies:
    """Row rule: when boolean column ``if_true`` is true, boolean ``then_true`` must be too."""

    if_true: str
    then_true: str

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads."""
        return (self.if_true, self.then_true)

    def describe(self) -> str:
        """The rule as a sentence for docs."""
        return f"`{self.if_true}` implies `{self.then_true}`"

    def violation(self) -> str:
        """The quarantine reason when a row breaks the rule."""
        return f"{self.if_true} is true but {self.then_true} is false"


@dataclass(frozen=True)
class SourceContract:
    """The contract of one source export: ``<family>/<name>`` with ordered columns and key.

    ``required``: a run fails without this source (the CRM core attribution cannot do
    without). ``touch_source``: one of the sources touches come from; each may be absent, but
    not all of them (attribution needs touches). Every other source is optional: when absent
    it lands as an empty table and the models that read it produce nothing from it.
    """

    family: str
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    row_rules: tuple[Implies, ...] = field(default=())
    required: bool = False
    touch_source: bool = False

    @property
    def qualified_name(self) -> str:
        """``family/name``, the key used in ``SOURCE_CONTRACTS`` and in raw-area paths."""
        return f"{self.family}/{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in contract order."""
        return tuple(c.name for c in self.columns)

    @property
    def has_personal_columns(self) -> bool:
        """Whether a row of this source holds a person's data (PERSONAL_COLUMNS)."""
        return any(name in PERSONAL_COLUMNS for name in self.column_names)

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

    @property
    def presence(self) -> str:
        """Whether the export must be provided, in words (docs and error messages)."""
        if self.required:
            return "required"
        if self.touch_source:
            return "optional, but at least one touch source is required"
        return "optional"

    def describe(self) -> str:
        """The contract as a Markdown section: a table of columns and the row rules."""
        lines = [
            f"### {self.qualified_name}",
            "",
            f"Source: {self.presence}. Key: {', '.join(f'`{k}`' for k in self.key)}",
            "",
            "| column | type | required | rule |",
            "|---|---|---|---|",
        ]
        for col in self.columns:
            required = "yes" if col.required else ""
            lines.append(f"| `{col.name}` | {col.type.value} | {required} | {col.rule_text()} |")
        if self.row_rules:
            lines += ["", "Row rules: " + "; ".join(r.describe() for r in self.row_rules) + "."]
        return "\n".join(lines) + "\n"


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
_DOUBLES = {"amount", "spend", "budgeted_cost", "actual_cost", "target", "usd_per_unit"}
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


def number_text(value: float) -> str:
    """A bound as people write it (``0``, not ``0.0``): the docs' rule texts and the
    quarantine reasons must spell it alike."""
    return str(int(value)) if float(value).is_integer() else str(value)


_NON_NEGATIVE = {"min_value": 0.0}
_POSITIVE = {"min_value": 0.0, "min_exclusive": True}
_CURRENCY = {"kind": ValueKind.CURRENCY}
_EMAIL = {"kind": ValueKind.EMAIL}
_SEGMENTS = {"allowed_values": ("SMB", "Mid-Market", "Enterprise")}


def _contract(
    family: str,
    name: str,
    spec: str,
    key: tuple[str, ...],
    rules: dict[str, dict] | None = None,
    row_rules: tuple[Implies, ...] = (),
    *,
    required: bool = False,
    touch_source: bool = False,
) -> SourceContract:
    """Build a contract from the notation of docs/source_contracts.md: comma-separated names,
    ``*`` = required.

    ``rules`` maps a column name to extra ``Column`` fields (allowed values, bounds, kind).
    """
    rules = rules or {}
    columns = []
    for raw in spec.split(","):
        col = raw.strip()
        not_null = col.endswith("*")
        col = col.rstrip("*")
        columns.append(Column(col, _type_of(col), not_null, **rules.get(col, {})))
    unknown = set(rules) - {c.name for c in columns}
    unknown |= {c for rule in row_rules for c in rule.columns} - {c.name for c in columns}
    if unknown:
        raise ValueError(f"{family}/{name}: rules for undeclared columns {sorted(unknown)}")
    return SourceContract(
        family, name, tuple(columns), key, row_rules, required=required, touch_source=touch_source
    )


_CONTRACTS: tuple[SourceContract, ...] = (
    # crm/
    _contract(
        "crm",
        "accounts",
        "account_id*, account_name*, domain, industry, region, segment, employee_count, "
        "created_at*, updated_at",
        ("account_id",),
        {"segment": _SEGMENTS, "employee_count": _NON_NEGATIVE},
        required=True,
    ),
    _contract(
        "crm",
        "contacts",
        "contact_id*, account_id, email*, first_name, last_name, job_title, created_at*, "
        "lead_created_at, mql_at, sql_at, lead_source, updated_at",
        ("contact_id",),
        {"email": _EMAIL},
        required=True,
    ),
    _contract(
        "crm",
        "opportunities",
        "opportunity_id*, account_id*, opportunity_name, opportunity_type, stage_name*, amount*, "
        "currency*, created_at*, close_date*, is_closed*, is_won*, primary_campaign_id, "
        "lead_source, updated_at",
        ("opportunity_id",),
        {
            "opportunity_type": {"allowed_values": ("New Business", "Expansion", "Renewal")},
            "amount": _NON_NEGATIVE,
            "currency": _CURRENCY,
        },
        (Implies("is_won", "is_closed"),),
        required=True,
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
        {"amount": _NON_NEGATIVE},
    ),
    # campaign/
    _contract(
        "campaign",
        "campaigns",
        "campaign_id*, campaign_name*, campaign_type*, utm_campaign, channel, start_date, "
        "end_date, budgeted_cost, currency, actual_cost",
        ("campaign_id",),
        # actual_cost is an optional extension of the source contract (program cost outside
        # the ad platforms, in the campaign currency); a file without the column loads it as NULL.
        {"budgeted_cost": _NON_NEGATIVE, "currency": _CURRENCY, "actual_cost": _NON_NEGATIVE},
    ),
    _contract(
        "campaign",
        "campaign_members",
        "campaign_member_id*, campaign_id*, contact_id*, status*, has_responded*, created_at*, "
        "first_responded_at",
        ("campaign_member_id",),
        touch_source=True,
    ),
    _contract(
        "campaign",
        "ad_spend",
        "spend_date*, platform*, campaign_id, utm_campaign, impressions, clicks, spend*, currency*",
        ("spend_date", "platform", "campaign_id", "utm_campaign"),
        {
            "impressions": _NON_NEGATIVE,
            "clicks": _NON_NEGATIVE,
            "spend": _NON_NEGATIVE,
            "currency": _CURRENCY,
        },
    ),
    _contract(
        "campaign",
        "web_sessions",
        "session_id*, anonymous_id*, started_at*, landing_page, referrer, utm_source, "
        "utm_medium, utm_campaign, utm_content, utm_term",
        ("session_id",),
        touch_source=True,
    ),
    _contract(
        "campaign",
        "form_submissions",
        "submission_id*, anonymous_id*, email*, submitted_at*, form_name, page_url",
        ("submission_id",),
        {"email": _EMAIL},
        touch_source=True,
    ),
    # revenue/
    _contract(
        "revenue",
        "invoices",
        "invoice_id*, account_id*, opportunity_id, invoice_date*, amount*, currency*, status*, "
        "service_start, service_end",
        ("invoice_id",),
        # Negative amounts are credit notes: allowed.
        {
            "currency": _CURRENCY,
            "status": {"allowed_values": ("paid", "open", "void"), "case_insensitive": True},
        },
    ),
    _contract(
        "revenue",
        "fx_rates",
        "rate_date*, currency*, usd_per_unit*",
        ("rate_date", "currency"),
        {"currency": _CURRENCY, "usd_per_unit": _POSITIVE},
    ),
    _contract(
        "revenue",
        "targets",
        "period_month*, metric*, target*, segment, region",
        ("period_month", "metric", "segment", "region"),
        {
            "metric": {
                "allowed_values": (
                    "leads",
                    "mqls",
                    "sqls",
                    "opportunities",
                    "pipeline_usd",
                    "bookings_usd",
                ),
                "case_insensitive": True,
            },
            "target": _NON_NEGATIVE,
            "segment": _SEGMENTS,
        },
    ),
)

SOURCE_CONTRACTS: dict[str, SourceContract] = {c.qualified_name: c for c in _CONTRACTS}
"""Every declared source, keyed ``family/name`` (e.g. ``crm/accounts``), in contract order."""

REQUIRED_SOURCES: tuple[str, ...] = tuple(q for q, c in SOURCE_CONTRACTS.items() if c.required)
"""Sources a run cannot do without: accounts, contacts, opportunities."""

TOUCH_SOURCES: tuple[str, ...] = tuple(q for q, c in SOURCE_CONTRACTS.items() if c.touch_source)
"""Sources touches come from: at least one of them must be provided."""


def _code_list(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def presence_markdown() -> str:
    """Which sources a run needs, as a Markdown paragraph (docs and seeds/README.md)."""
    optional = [q for q, c in SOURCE_CONTRACTS.items() if not (c.required or c.touch_source)]
    return (
        f"Required sources: {_code_list(REQUIRED_SOURCES)}, and at least one of the touch "
        f"sources {_code_list(TOUCH_SOURCES)}. Optional: {_code_list(optional)}. "
        "An absent optional source (or "
        "touch source, when another one is provided) lands as an empty table with the "
        "contract's columns and is recorded as not provided. A missing required source fails "
        "the run, naming the paths it looked for, and so does the absence of every touch "
        "source.\n"
    )


def contract_markdown() -> str:
    """Every source contract as Markdown (which are required, then one section per source)."""
    sections = [contract.describe() for contract in SOURCE_CONTRACTS.values()]
    return "\n".join([presence_markdown(), *sections])
