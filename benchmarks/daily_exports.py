"""Yesterday's exports from today's: what an incremental build is measured on.

A daily load adds the newest touches and deals, and closes deals that were open. From a
generated source folder (Parquet, the generator's layout) this writes the same exports as
they stood `days` earlier: touches and deals created since are left out, deals closed since
are open again (stage Negotiation), and every other file is linked unchanged. Building
yesterday's folder and then today's on the same warehouse is one day's incremental run.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

# Touch source -> the column that says when a row came to be.
TOUCHES_AT = {
    "campaign/web_sessions": "started_at",
    "campaign/form_submissions": "submitted_at",
    "campaign/campaign_members": "created_at",
}
DEALS = ("crm/opportunities.parquet", "crm/opportunity_contact_roles.parquet")


def _copy_filtered(con: duckdb.DuckDBPyConnection, path: Path, out: Path, select: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    query = select.format(file=f"'{path}'")
    con.execute(f"copy ({query}) to '{out}' (format parquet)")


def write_yesterday(today: Path, out: Path, as_of: str, days: int) -> tuple[str, float]:
    """Write today's exports as of `days` before `as_of` into `out`; returns that as-of
    time and the share of today's touches that are new since."""
    cut = (datetime.fromisoformat(as_of) - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")
    cut_literal = f"timestamptz '{cut}+00'"
    shutil.rmtree(out, ignore_errors=True)
    new_touches = all_touches = 0
    with duckdb.connect() as con:
        for path in sorted(today.rglob("*.parquet")):
            relative = path.relative_to(today)
            source = next((s for s in TOUCHES_AT if str(relative).startswith(s)), None)
            target = out / relative
            if source is None:
                if str(relative) not in DEALS:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.link(path, target)
                continue
            column = TOUCHES_AT[source]
            _copy_filtered(
                con, path, target, f"select * from {{file}} where {column} < {cut_literal}"
            )
            new, total = con.execute(
                f"select count(*) filter (where {column} >= {cut_literal}), count(*) from '{path}'"
            ).fetchone()
            new_touches += new
            all_touches += total
        deals = today / "crm" / "opportunities.parquet"
        _copy_filtered(
            con,
            deals,
            out / "crm" / "opportunities.parquet",
            f"""
            select * replace (
                case when close_date >= cast({cut_literal} as date) and is_closed
                    then 'Negotiation' else stage_name end as stage_name,
                is_closed and close_date < cast({cut_literal} as date) as is_closed,
                is_won and close_date < cast({cut_literal} as date) as is_won
            )
            from {{file}}
            where created_at < {cut_literal}
            """,
        )
        roles = today / "crm" / "opportunity_contact_roles.parquet"
        _copy_filtered(
            con,
            roles,
            out / "crm" / "opportunity_contact_roles.parquet",
            f"""
            select * from {{file}}
            where opportunity_id in (
                select opportunity_id from '{out / "crm" / "opportunities.parquet"}'
            )
            """,
        )
    return cut, new_touches / max(all_touches, 1)
