"""Source exports written by the tests: any shape, in the contract's layout, as CSV or Parquet.

The sample and the generator share one shape; users' exports do not. `Exports` builds small
exports row by row (accounts, contacts, deals, touches ...) so a test states exactly the shape
it needs, and `write()` lays them out as a user would: one file per source, CSV with the
contract's header or Parquet with real column types, and optional sources left out on request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS, LogicalType

REQUIRED_SOURCES = ("crm/accounts", "crm/contacts", "crm/opportunities")
TOUCH_SOURCES = ("campaign/web_sessions", "campaign/form_submissions", "campaign/campaign_members")
OPTIONAL_SOURCES = tuple(name for name in SOURCE_CONTRACTS if name not in REQUIRED_SOURCES)

_ARROW_TYPES = {
    LogicalType.VARCHAR: pa.string(),
    LogicalType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    LogicalType.DATE: pa.date32(),
    LogicalType.DOUBLE: pa.float64(),
    LogicalType.BIGINT: pa.int64(),
    LogicalType.BOOLEAN: pa.bool_(),
}


def ts(value: str | datetime) -> datetime:
    """A UTC instant from 'YYYY-MM-DD[ HH:MM[:SS]]' (tests speak in plain UTC strings)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _text(value: Any, kind: LogicalType) -> str:
    """A value spelled as the contract says a CSV spells it (empty = NULL)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if kind == LogicalType.TIMESTAMP:
        return ts(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == LogicalType.DATE:
        return (value if isinstance(value, date) else date.fromisoformat(str(value))).isoformat()
    if kind == LogicalType.BOOLEAN:
        return "true" if value else "false"
    if kind == LogicalType.DOUBLE:
        return f"{float(value):.2f}" if float(value).is_integer() else repr(float(value))
    return str(value)


def _typed(value: Any, kind: LogicalType) -> Any:
    """A value as a Parquet export carries it (real types, timestamps in UTC)."""
    if value is None or value == "":
        return None
    if kind == LogicalType.TIMESTAMP:
        moment = ts(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if kind == LogicalType.DATE:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if kind == LogicalType.DOUBLE:
        return float(value)
    if kind == LogicalType.BIGINT:
        return int(value)
    if kind == LogicalType.BOOLEAN:
        return bool(value)
    return str(value)


@dataclass
class Exports:
    """Rows per source (`family/name`), added through the small builders below."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, source: str, **values: Any) -> dict[str, Any]:
        contract = SOURCE_CONTRACTS[source]
        unknown = set(values) - set(contract.column_names)
        if unknown:
            raise KeyError(f"{source} has no column(s) {sorted(unknown)}")
        self.rows[source].append(values)
        return values

    # ---------------------------------------------------------------- CRM

    def account(self, account_id: str, **values: Any) -> str:
        values = {
            "account_name": f"Account {account_id}",
            "segment": "SMB",
            "region": "EMEA",
            "industry": "Software",
            "created_at": "2024-01-01 00:00:00",
            **values,
        }
        self.add("crm/accounts", account_id=account_id, **values)
        return account_id

    def contact(self, contact_id: str, account_id: str | None, **values: Any) -> str:
        values = {
            "email": f"{contact_id.lower()}@example.com",
            "created_at": "2024-01-01 00:00:00",
            **values,
        }
        self.add("crm/contacts", contact_id=contact_id, account_id=account_id, **values)
        return contact_id

    def opportunity(
        self,
        opportunity_id: str,
        account_id: str,
        *,
        amount: float = 1000.0,
        currency: str = "USD",
        created_at: str = "2025-03-01 00:00:00",
        close_date: str = "2025-06-30",
        status: str = "open",
        opportunity_type: str = "New Business",
        **values: Any,
    ) -> str:
        """status: open | won | lost."""
        closed, won = {"open": (False, False), "won": (True, True), "lost": (True, False)}[status]
        stage = {"open": "Proposal", "won": "Closed Won", "lost": "Closed Lost"}[status]
        self.add(
            "crm/opportunities",
            opportunity_id=opportunity_id,
            account_id=account_id,
            opportunity_type=opportunity_type,
            stage_name=values.pop("stage_name", stage),
            amount=amount,
            currency=currency,
            created_at=created_at,
            close_date=close_date,
            is_closed=closed,
            is_won=won,
            **values,
        )
        return opportunity_id

    def contact_role(self, opportunity_id: str, contact_id: str, **values: Any) -> None:
        values = {"role": "Decision Maker", "is_primary": True, **values}
        self.add(
            "crm/opportunity_contact_roles",
            opportunity_id=opportunity_id,
            contact_id=contact_id,
            **values,
        )

    def stage(self, opportunity_id: str, stage_name: str, entered_at: str, **values: Any) -> None:
        self.add(
            "crm/opportunity_stage_history",
            opportunity_id=opportunity_id,
            stage_name=stage_name,
            entered_at=entered_at,
            **values,
        )

    # ---------------------------------------------------------------- touches

    def visit(self, session_id: str, anonymous_id: str, started_at: str, **values: Any) -> None:
        """A web session; tie it to a contact with a form fill from the same anonymous_id."""
        self.add(
            "campaign/web_sessions",
            session_id=session_id,
            anonymous_id=anonymous_id,
            started_at=started_at,
            **values,
        )

    def form_fill(
        self, submission_id: str, anonymous_id: str, email: str, submitted_at: str, **values: Any
    ) -> None:
        self.add(
            "campaign/form_submissions",
            submission_id=submission_id,
            anonymous_id=anonymous_id,
            email=email,
            submitted_at=submitted_at,
            **values,
        )

    def campaign(self, campaign_id: str, campaign_type: str = "Webinar", **values: Any) -> str:
        values = {"campaign_name": f"Campaign {campaign_id}", **values}
        self.add(
            "campaign/campaigns", campaign_id=campaign_id, campaign_type=campaign_type, **values
        )
        return campaign_id

    def response(
        self, member_id: str, campaign_id: str, contact_id: str, responded_at: str, **values: Any
    ) -> None:
        """A campaign member who responded (a touch at `responded_at`)."""
        values = {"status": "Attended", "has_responded": True, "created_at": responded_at, **values}
        self.add(
            "campaign/campaign_members",
            campaign_member_id=member_id,
            campaign_id=campaign_id,
            contact_id=contact_id,
            first_responded_at=responded_at,
            **values,
        )

    def journey(
        self,
        contact_id: str,
        email: str,
        start: str,
        touches: int,
        *,
        every: timedelta = timedelta(hours=1),
        prefix: str | None = None,
        **session_values: Any,
    ) -> None:
        """`touches` touches of one contact: a form fill, then web sessions `every` apart."""
        prefix = prefix or contact_id
        anonymous_id = f"anon-{prefix}"
        first = ts(start)
        self.form_fill(f"SUB-{prefix}", anonymous_id, email, first.isoformat(sep=" "))
        for i in range(1, touches):
            self.visit(
                f"SES-{prefix}-{i:06d}",
                anonymous_id,
                (first + i * every).isoformat(sep=" "),
                **session_values,
            )

    # ---------------------------------------------------------------- money

    def fx_rate(self, currency: str, rate_date: str, usd_per_unit: float) -> None:
        self.add(
            "revenue/fx_rates", rate_date=rate_date, currency=currency, usd_per_unit=usd_per_unit
        )

    def invoice(self, invoice_id: str, account_id: str, **values: Any) -> None:
        values = {"status": "paid", "currency": "USD", **values}
        self.add("revenue/invoices", invoice_id=invoice_id, account_id=account_id, **values)

    def target(self, period_month: str, metric: str, target: float, **values: Any) -> None:
        self.add(
            "revenue/targets", period_month=period_month, metric=metric, target=target, **values
        )

    def spend(self, spend_date: str, platform: str, spend: float, **values: Any) -> None:
        values = {"currency": "USD", **values}
        self.add(
            "campaign/ad_spend", spend_date=spend_date, platform=platform, spend=spend, **values
        )

    # ---------------------------------------------------------------- writing

    def frame(self, source: str) -> pd.DataFrame:
        """The rows of one source with every contract column, in contract order (typed)."""
        contract = SOURCE_CONTRACTS[source]
        return pd.DataFrame(self.typed_rows(source), columns=list(contract.column_names))

    def typed_rows(self, source: str) -> list[dict[str, Any]]:
        """The rows of one source with every contract column, typed."""
        contract = SOURCE_CONTRACTS[source]
        return [
            {c.name: _typed(row.get(c.name), c.type) for c in contract.columns}
            for row in self.rows.get(source, [])
        ]

    def write(
        self,
        root: Path,
        *,
        fmt: str = "csv",
        omit: tuple[str, ...] | None = None,
    ) -> Path:
        """Write every source under `root` (`<family>/<name>.<fmt>`) and return `root`.

        `omit`: sources to leave out entirely (no file). By default the optional sources
        this export has no rows for are left out, as a company without them would; the
        required ones are always written, with a header even when empty.
        """
        if omit is None:
            omit = tuple(s for s in OPTIONAL_SOURCES if not self.rows.get(s))
        for source, contract in SOURCE_CONTRACTS.items():
            if source in omit:
                continue
            path = root / contract.family / f"{contract.name}.{fmt}"
            path.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "csv":
                lines = [",".join(contract.column_names)]
                for row in self.rows.get(source, []):
                    cells = [_text(row.get(c.name), c.type) for c in contract.columns]
                    lines.append(",".join(_csv_cell(cell) for cell in cells))
                path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            elif fmt == "parquet":
                schema = pa.schema(
                    [pa.field(c.name, _ARROW_TYPES[c.type]) for c in contract.columns]
                )
                # Straight from the typed rows: through pandas 3, a missing string is a NaN.
                table = pa.Table.from_pylist(self.typed_rows(source), schema=schema)
                pq.write_table(table, path)
            else:
                raise ValueError(f"unknown format {fmt!r}")
        return root


def _csv_cell(text: str) -> str:
    """RFC 4180 quoting where a cell needs it."""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def one_deal(*, status: str = "won", currency: str = "USD", amount: float = 12_000.0) -> Exports:
    """The smallest valid export: one account, one lead, two touches, one opportunity."""
    exports = Exports()
    exports.account("ACC-1")
    exports.contact(
        "CON-1",
        "ACC-1",
        email="ada@acme.example",
        created_at="2025-01-05 09:00:00",
        lead_created_at="2025-01-10 12:00:00",
    )
    exports.form_fill("SUB-1", "anon-1", "ada@acme.example", "2025-01-10 12:00:00")
    exports.visit("SES-1", "anon-1", "2025-01-09 08:00:00", utm_source="google", utm_medium="cpc")
    exports.opportunity(
        "OPP-1",
        "ACC-1",
        amount=amount,
        currency=currency,
        created_at="2025-02-01 10:00:00",
        close_date="2025-05-15",
        status=status,
    )
    exports.contact_role("OPP-1", "CON-1")
    return exports
