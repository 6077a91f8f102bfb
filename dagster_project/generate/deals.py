"""Opportunities, contact roles, stage history and invoices of one block.

Opportunities come from converting buying cycles (New Business, or Expansion
when the account is already a customer) and from renewals of won deals and of
customers that pre-date the history.  Volumes are small (a few per account),
so this part is a plain loop over accounts fed by pre-drawn random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .constants import (
    AMOUNT,
    AS_OF,
    CYCLE_DAYS,
    DAY,
    HISTORY_START,
    HOUR,
    OPEN_STAGES,
    ROLES,
    WIN_RATE,
)
from .people import Accounts, Contacts, Cycles
from .tables import Frame

REGION_CURRENCIES = (("USD",), ("EUR", "GBP", "USD"), ("USD",), ("USD",))
REGION_CURRENCY_P = ((1.0,), (0.6, 0.3, 0.1), (1.0,), (1.0,))


class Draws:
    """Uniform(0,1) numbers drawn in bulk and handed out one by one (fast, deterministic)."""

    def __init__(self, rng: np.random.Generator, size: int = 4096) -> None:
        self._rng = rng
        self._size = size
        self._buf = rng.random(size)
        self._pos = 0

    def u(self, lo: float = 0.0, hi: float = 1.0) -> float:
        """Next uniform number in [lo, hi)."""
        if self._pos == self._size:
            self._buf = self._rng.random(self._size)
            self._pos = 0
        x = float(self._buf[self._pos])
        self._pos += 1
        return lo + (hi - lo) * x

    def normal(self) -> float:
        """Standard normal via Box-Muller from two uniforms."""
        return float(np.sqrt(-2.0 * np.log(1.0 - self.u())) * np.cos(2 * np.pi * self.u()))

    def index(self, n: int) -> int:
        return min(int(self.u() * n), n - 1)


@dataclass
class Opp:
    """One opportunity while it is being generated."""

    account: int
    kind: str
    created: float
    close_at: float
    amount: float
    currency: str
    won: bool
    closed: bool
    segment: int
    cycle: int = -1
    stages: list[tuple[str, float, float]] = field(default_factory=list)


@dataclass
class DealResult:
    """Frames of the deal tables plus the opportunities for the targets' actuals."""

    opportunities: Frame
    roles: Frame
    stages: Frame
    invoices: Frame
    opps: list[Opp]


def _amount(d: Draws, segment: int) -> float:
    median, sigma, lo, hi = AMOUNT[segment]
    value = median * np.exp(sigma * d.normal())
    return float(np.clip(round(value / 50.0) * 50.0, lo, hi))


def _decide(d: Draws, opp: Opp, win_p: float) -> None:
    """Outcome and stage history: lost deals drop out at any stage, open ones stop early."""
    opp.closed = opp.close_at <= AS_OF
    opp.won = opp.closed and d.u() < win_p
    if opp.closed:
        reached = 4 if opp.won else 1 + d.index(4)
        final = "Closed Won" if opp.won else "Closed Lost"
        end = opp.close_at
    else:
        frac = (AS_OF - opp.created) / max(opp.close_at - opp.created, DAY)
        reached = 1 + min(int(frac * 4), 3)
        final = None
        end = AS_OF
    times = sorted(opp.created + (end - opp.created) * d.u(0.05, 0.95) for _ in range(reached - 1))
    first_amount = round(opp.amount * d.u(0.8, 1.2) / 50.0) * 50.0
    opp.stages = [(OPEN_STAGES[0], opp.created, first_amount)]
    for k, t in enumerate(times, start=1):
        opp.stages.append((OPEN_STAGES[k], t, first_amount if k < 2 else opp.amount))
    if final:
        opp.stages.append((final, opp.close_at, opp.amount))


def _cycle_opp(
    d: Draws, acc: Accounts, a: int, tau: float, kind: str, currency: str, engaged: int
) -> Opp:
    seg = int(acc.segment_at(np.array([a]), np.array([tau]))[0])
    mean, sd = CYCLE_DAYS[seg]
    length = (
        float(np.clip(mean + sd * d.normal(), 20, 200)) if kind == "New Business" else d.u(25, 90)
    )
    amount = _amount(d, seg) * (d.u(0.2, 0.5) if kind == "Expansion" else 1.0)
    opp = Opp(
        a, kind, tau, tau + length * DAY, round(amount / 50.0) * 50.0, currency, False, False, seg
    )
    win = WIN_RATE[seg] * (0.85 + 0.05 * min(engaged, 3)) if kind == "New Business" else 0.45
    _decide(d, opp, win)
    return opp


def _renewals(
    d: Draws, acc: Accounts, a: int, anniversary: float, amount: float, currency: str
) -> list[Opp]:
    """Yearly renewal opportunities from an anniversary on, until one is lost (churn)."""
    out: list[Opp] = []
    while anniversary - 60 * DAY <= AS_OF:
        created = anniversary - d.u(45, 75) * DAY
        if created > AS_OF:  # not created yet when the export was taken
            break
        seg = int(acc.segment_at(np.array([a]), np.array([created]))[0])
        amount = round(amount * d.u(0.97, 1.12) / 10.0) * 10.0
        opp = Opp(
            a,
            "Renewal",
            created,
            anniversary + d.u(-15, 10) * DAY,
            amount,
            currency,
            False,
            False,
            seg,
        )
        _decide(d, opp, 0.85)
        if created >= HISTORY_START:
            out.append(opp)
        if opp.closed and not opp.won:
            break
        anniversary += 365 * DAY
    return out


def make_opportunities(
    rng: np.random.Generator, acc: Accounts, cyc: Cycles, con: Contacts
) -> list[Opp]:
    """All opportunities of a block, account by account in time order."""
    d = Draws(rng)
    engaged = np.bincount(con.cycle[con.digital], minlength=len(cyc.tau))
    opps: list[Opp] = []
    for a in range(len(acc)):
        region = int(acc.region[a])
        p = np.cumsum(REGION_CURRENCY_P[region])
        currency = REGION_CURRENCIES[region][int(np.searchsorted(p, d.u() * p[-1]))]
        since = float(acc.customer_since[a])
        customer_from = since if not np.isnan(since) else np.inf
        if customer_from < np.inf:
            seg0 = int(acc.segment0[a])
            opps += _renewals(d, acc, a, since + 365 * DAY, _amount(d, seg0), currency)
        for c in np.flatnonzero((cyc.account == a) & cyc.converts):
            tau = float(cyc.tau[c])
            kind = "Expansion" if customer_from <= tau else "New Business"
            if kind == "Expansion" and d.u() < 0.35:
                continue  # customers' interest turns into an upsell less often than a first deal
            # Created within hours of the buying signal, but not after the export was taken.
            created = min(tau + d.u(0, 8) * HOUR, AS_OF)
            opp = _cycle_opp(d, acc, a, created, kind, currency, int(engaged[c]))
            opp.cycle = int(c)
            opps.append(opp)
            if opp.won and kind == "New Business":
                customer_from = min(customer_from, opp.close_at)
                opps += _renewals(d, acc, a, opp.close_at + 365 * DAY, opp.amount, currency)
    return opps


def _roles(
    d: Draws, opp: Opp, con: Contacts, by_account: dict[int, np.ndarray]
) -> list[tuple[int, str, bool]]:
    """1-3 contacts of the account with distinct roles; the cycle's furthest lead is primary."""
    pool = by_account.get(opp.account)
    if pool is None or len(pool) == 0:
        return []
    n = min(len(pool), 1 + d.index(3) + (opp.segment == 2))
    n = min(n, 3)
    score = np.array(
        [
            (con.cycle[c] == opp.cycle) * 2
            + (not np.isnan(con.sql_at[c]))
            + (not np.isnan(con.mql_at[c]))
            + d.u()
            for c in pool
        ]
    )
    chosen = pool[np.argsort(-score)[:n]]
    roles = list(ROLES)
    out = []
    for k, c in enumerate(chosen):
        role = roles.pop(d.index(len(roles)))
        out.append((int(c), role, k == 0))
    return out


def _invoices(d: Draws, opp: Opp) -> list[tuple[float, float, str, float, float]]:
    """(invoice day, amount, status, service start day, service end day) of a won deal."""
    start = np.floor(opp.close_at / DAY)
    quarterly = d.u() < 0.3
    n = 4 if quarterly else 1
    base = round(opp.amount / n, 2)
    amounts = [base] * (n - 1) + [round(opp.amount - base * (n - 1), 2)]
    rows = []
    for k in range(n):
        day = start + k * 91.0
        if day * DAY > AS_OF:
            break
        span = 90.0 if quarterly else 364.0
        rows.extend(_invoice_status(d, day, amounts[k], day, day + span))
    return rows


def _invoice_status(
    d: Draws, day: float, amount: float, s: float, e: float
) -> list[tuple[float, float, str, float, float]]:
    """Paid when old enough, open when recent; ~3% voided and re-issued a few days later."""

    def status(x: float) -> str:
        age = AS_OF / DAY - x
        return "paid" if age > 45 or (age > 10 and d.u() < 0.5) else "open"

    if d.u() < 0.03:
        reissue = day + float(int(d.u(3, 10)))
        rows = [(day, amount, "void", s, e)]
        if reissue * DAY <= AS_OF:
            rows.append((reissue, amount, status(reissue), s, e))
        return rows
    return [(day, amount, status(day), s, e)]


def make_deals(
    rng: np.random.Generator,
    acc: Accounts,
    cyc: Cycles,
    con: Contacts,
    responses: tuple[np.ndarray, np.ndarray, np.ndarray],
    campaign_ids: np.ndarray,
    counters: dict[str, int],
) -> DealResult:
    """Opportunities and everything that hangs off them, as frames."""
    opps = make_opportunities(rng, acc, cyc, con)
    opps.sort(key=lambda o: (o.created, o.account))
    d = Draws(rng)
    members = ~con.orphan
    by_account = {a: np.flatnonzero(members & (con.account == a)) for a in range(len(acc))}
    resp_contact, resp_campaign, resp_at = responses
    resp_account = con.account[resp_contact]
    opp_rows, role_rows, stage_rows, inv_rows = [], [], [], []
    for opp in opps:
        counters["opportunity"] += 1
        oid = f"OPP-{counters['opportunity']:07d}"
        roles = _roles(d, opp, con, by_account)
        role_rows += [(oid, con.ids[c], role, prim) for c, role, prim in roles]
        campaign = _primary_campaign(d, opp, resp_account, resp_campaign, resp_at, campaign_ids)
        if opp.kind == "New Business":
            src = con.lead_source[roles[0][0]] if roles else None
            src = src if src is not None else "Outbound"
        else:
            src = "Existing Customer"
        stage, last_at = opp.stages[-1][0], opp.stages[-1][1]
        opp_rows.append(
            (
                oid,
                acc.ids[opp.account],
                _opp_name(acc, opp),
                opp.kind,
                stage,
                opp.amount,
                opp.currency,
                opp.created,
                np.floor(opp.close_at / DAY),
                opp.closed,
                opp.won,
                campaign,
                src,
                min(last_at + d.u(0, 48) * HOUR, AS_OF),
            )
        )
        stage_rows += [(oid, s, t, amt) for s, t, amt in opp.stages]
        if opp.won:
            inv_rows += [
                (acc.ids[opp.account], oid, *row, opp.currency) for row in _invoices(d, opp)
            ]
    inv_rows += _adhoc_invoices(d, acc)
    return DealResult(
        _opp_frame(opp_rows),
        _role_frame(role_rows),
        _stage_frame(stage_rows),
        _invoice_frame(inv_rows, counters),
        opps,
    )


def _opp_name(acc: Accounts, opp: Opp) -> str:
    month = np.datetime64(int(opp.created), "s").astype("datetime64[M]").astype(int)
    year, quarter = 1970 + month // 12, month % 12 // 3 + 1
    return f"{acc.names[opp.account]} - {opp.kind} {year}-Q{quarter}"


def _primary_campaign(
    d: Draws,
    opp: Opp,
    resp_account: np.ndarray,
    resp_campaign: np.ndarray,
    resp_at: np.ndarray,
    campaign_ids: np.ndarray,
) -> str | None:
    """The account's latest campaign response in the 180 days before creation (70% of the time)."""
    mask = (
        (resp_account == opp.account)
        & (resp_at <= opp.created)
        & (resp_at >= opp.created - 180 * DAY)
    )
    if not mask.any() or d.u() >= 0.7:
        return None
    rows = np.flatnonzero(mask)
    return str(campaign_ids[resp_campaign[rows[np.argmax(resp_at[rows])]]])


def _adhoc_invoices(d: Draws, acc: Accounts) -> list[tuple]:
    """Professional-services invoices without an opportunity (account_id only)."""
    rows = []
    for a in range(len(acc)):
        if d.u() < 0.03:
            day = np.floor(d.u(HISTORY_START, AS_OF - 20 * DAY) / DAY)
            amount = round(d.u(1_500, 8_000), 2)
            rows.append(
                (
                    acc.ids[a],
                    None,
                    day,
                    amount,
                    "paid" if d.u() < 0.9 else "open",
                    day,
                    day + 30,
                    "USD",
                )
            )
    return rows


def _columns(rows: list[tuple], names: list[str], kinds: str) -> Frame:
    """Column arrays from row tuples; kinds: o = object, f = float, b = bool."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    dtype = {"o": object, "f": float, "b": bool}
    return {n: np.array(c, dtype=dtype[k]) for n, c, k in zip(names, cols, kinds, strict=True)}


def _opp_frame(rows: list[tuple]) -> Frame:
    return _columns(
        rows,
        [
            "opportunity_id",
            "account_id",
            "opportunity_name",
            "opportunity_type",
            "stage_name",
            "amount",
            "currency",
            "created_at",
            "close_date",
            "is_closed",
            "is_won",
            "primary_campaign_id",
            "lead_source",
            "updated_at",
        ],
        "ooooofoffbboof",
    )


def _role_frame(rows: list[tuple]) -> Frame:
    return _columns(rows, ["opportunity_id", "contact_id", "role", "is_primary"], "ooob")


def _stage_frame(rows: list[tuple]) -> Frame:
    return _columns(rows, ["opportunity_id", "stage_name", "entered_at", "amount"], "ooff")


def _invoice_frame(rows: list[tuple], counters: dict[str, int]) -> Frame:
    rows = sorted(rows, key=lambda r: (r[2], r[0]))
    first = counters["invoice"]
    counters["invoice"] = first + len(rows)
    frame = _columns(
        rows,
        [
            "account_id",
            "opportunity_id",
            "invoice_date",
            "amount",
            "status",
            "service_start",
            "service_end",
            "currency",
        ],
        "ooffoffo",
    )
    frame["invoice_id"] = np.array(
        [f"INV-{first + k + 1:07d}" for k in range(len(rows))], dtype=object
    )
    return frame
