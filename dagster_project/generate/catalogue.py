"""Scale-independent catalogues: campaigns, daily ad spend, fx rates and monthly targets.

Campaigns are a catalogue, not proportional to accounts, so they are fixed for
every scale; ad-spend volumes (impressions, clicks, spend) scale with N so
spend stays plausible against the number of sessions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import (
    AS_OF,
    DAY,
    FX_END,
    FX_START,
    HISTORY_START,
    REGIONS,
    SEGMENTS,
    TARGET_MONTHS,
    to_seconds,
)
from .tables import Frame

QUARTERS = [(y, q) for y in (2024, 2025, 2026) for q in (1, 2, 3, 4)][3:11]
HALVES = [(2024, 2), (2025, 1), (2025, 2), (2026, 1), (2026, 2)]
PAID_TYPES = ("Paid Search", "Paid Social", "Display")
USD_PER = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27}


def _day(iso: str) -> float:
    return to_seconds(iso) / DAY


def _quarter_span(y: int, q: int) -> tuple[float, float]:
    start = _day(f"{y}-{3 * q - 2:02d}-01")
    end = _day(f"{y + (q == 4)}-{(3 * q) % 12 + 1:02d}-01") - 1
    return start, end


def _half_span(y: int, h: int) -> tuple[float, float]:
    start = max(_day(f"{y}-{6 * h - 5:02d}-01"), HISTORY_START / DAY)
    end = min(_day(f"{y + (h == 2)}-{(6 * h) % 12 + 1:02d}-01") - 1, AS_OF // DAY)
    return start, end


@dataclass
class Campaigns:
    """The campaign catalogue, column-wise; days are epoch days."""

    ids: np.ndarray
    names: np.ndarray
    types: np.ndarray
    utm: np.ndarray
    channel: np.ndarray
    start: np.ndarray
    end: np.ndarray
    budget: np.ndarray
    currency: np.ndarray
    platforms: list[tuple[str, ...]]
    actual_cost: np.ndarray

    def of_type(self, ctype: str) -> np.ndarray:
        """Indices of the campaigns of one campaign_type, in catalogue order."""
        return np.flatnonzero(self.types == ctype)

    def frame(self) -> Frame:
        """Rows of campaigns.<ext>."""
        return {
            "campaign_id": self.ids,
            "campaign_name": self.names,
            "campaign_type": self.types,
            "utm_campaign": self.utm,
            "channel": self.channel,
            "start_date": self.start,
            "end_date": self.end,
            "budgeted_cost": self.budget,
            "currency": self.currency,
            "actual_cost": self.actual_cost,
        }


def _campaign_rows() -> list[tuple]:
    """(name, type, utm, channel override, start day, end day, currency, platforms)."""
    rows: list[tuple] = []
    for y, q in QUARTERS:
        s, e = _quarter_span(y, q)
        rows.append(
            (
                f"Paid Search - Brand {y} Q{q}",
                "Paid Search",
                f"ps-brand-{y}q{q}",
                None,
                s,
                e,
                "USD",
                ("google_ads",),
            )
        )
    for y, h in HALVES:
        s, e = _half_span(y, h)
        rows.append(
            (
                f"Paid Search - Non-brand {y} H{h}",
                "Paid Search",
                f"ps-nonbrand-{y}h{h}",
                None,
                s,
                e,
                "USD",
                ("google_ads", "bing_ads"),
            )
        )
        rows.append(
            (
                f"LinkedIn ABM {y} H{h}",
                "Paid Social",
                f"psoc-li-abm-{y}h{h}",
                "Event" if (y, h) == (2025, 2) else None,
                s,
                e,
                "USD",
                ("linkedin_ads",),
            )
        )
        rows.append(
            (
                f"Display Retargeting {y} H{h}",
                "Display",
                f"disp-retarget-{y}h{h}",
                None,
                s,
                e,
                "USD",
                ("google_ads",),
            )
        )
        rows.append(
            (f"Newsletter {y} H{h}", "Email", f"em-newsletter-{y}h{h}", None, s, e, "USD", ())
        )
        rows.append((f"Outbound - SDR Sequence {y} H{h}", "Outbound", None, None, s, e, "USD", ()))
    for fy, (s, e) in (
        (2025, (_day("2024-10-01"), _day("2025-09-30"))),
        (2026, (_day("2025-10-01"), _day("2026-09-30"))),
    ):
        rows.append(
            (
                f"Meta Retargeting FY{fy}",
                "Paid Social",
                f"psoc-meta-retarget-fy{fy}",
                None,
                s,
                e,
                "EUR",
                ("meta_ads",),
            )
        )
        rows.append(
            (
                f"Nurture Program FY{fy}",
                "Email",
                f"em-nurture-fy{fy}",
                "Webinar" if fy == 2026 else None,
                s,
                e,
                "USD",
                (),
            )
        )
        rows.append(
            (
                f"Organic Social FY{fy}",
                "Organic Social",
                f"social-organic-fy{fy}",
                None,
                s,
                e,
                "USD",
                (),
            )
        )
        rows.append(
            (
                f"CloudCo Partner Program FY{fy}",
                "Partner",
                f"partner-cloudco-fy{fy}",
                "Referral" if fy == 2026 else None,
                s,
                e,
                "USD",
                (),
            )
        )
    rows.append(
        (
            "DataSys Co-marketing FY2026",
            "Partner",
            "partner-datasys-fy2026",
            "Partner",
            _day("2025-10-01"),
            _day("2026-09-30"),
            "EUR",
            (),
        )
    )
    for iso, vendor, cur in (
        ("2025-01-15", "techtarget", "USD"),
        ("2025-07-01", "integrate", "EUR"),
        ("2026-01-15", "techtarget", "USD"),
        ("2026-05-01", "integrate", "EUR"),
    ):
        s = _day(iso)
        rows.append(
            (
                f"Content Syndication - {vendor.title()} {iso[:7]}",
                "Content Syndication",
                f"cs-{vendor}-{iso[:7]}",
                "Partner" if vendor == "integrate" and iso.startswith("2026") else None,
                s,
                s + 59,
                cur,
                (),
            )
        )
    webinar_titles = (
        "Attribution 101",
        "Pipeline Math for CMOs",
        "Data Warehouse Marketing",
        "ABM that Works",
        "Revenue Ops Playbook",
        "Forecasting with Intent Data",
        "Closing the Loop with Finance",
        "Multi-touch in Practice",
    )
    for (y, q), title in zip(QUARTERS, webinar_titles, strict=True):
        s, _ = _quarter_span(y, q)
        rows.append((f"Webinar: {title}", "Webinar", None, None, s + 45, s + 45, "USD", ()))
    events = (
        ("SaaStr Annual 2025", "2025-09-09", 3, "USD"),
        ("Web Summit 2025", "2025-11-11", 4, "EUR"),
        ("Dreamforce 2025", "2025-10-14", 3, "USD"),
        ("B2B Marketing Expo London", "2026-03-18", 2, "GBP"),
        ("RevOps Roadshow NYC", "2026-06-10", 1, "USD"),
    )
    for name, iso, days, cur in events:
        s = _day(iso)
        rows.append(
            (name, "Event", None, None, s, s + days - 1, "EUR" if cur != "USD" else "USD", ())
        )
    rows.append(
        (
            "Direct Mail - Enterprise Gift Box 2025",
            "Direct Mail",
            None,
            None,
            _day("2025-04-01"),
            _day("2025-05-31"),
            "USD",
            (),
        )
    )
    rows.append(
        (
            "Direct Mail - Holiday Cards 2025",
            "Direct Mail",
            None,
            None,
            _day("2025-12-01"),
            _day("2025-12-31"),
            "USD",
            (),
        )
    )
    return rows


_BUDGET = {
    "Paid Search": 60_000,
    "Paid Social": 45_000,
    "Display": 20_000,
    "Email": 5_000,
    "Outbound": 30_000,
    "Organic Social": 2_000,
    "Partner": 25_000,
    "Content Syndication": 18_000,
    "Webinar": 6_000,
    "Event": 80_000,
    "Direct Mail": 15_000,
}


def build_campaigns(rng: np.random.Generator) -> Campaigns:
    """The fixed campaign catalogue (ids CMP-0001...)."""
    rows = _campaign_rows()
    n = len(rows)
    col = list(zip(*rows, strict=True))
    types = np.array(col[1], dtype=object)
    budget = np.array([_BUDGET[t] for t in col[1]], dtype=float)
    budget = np.round(budget * rng.uniform(0.7, 1.3, n), -2)
    start = np.array(col[4], dtype=float)
    end = np.array(col[5], dtype=float)
    # A child generator (rng.spawn draws nothing from rng): actual_cost came after the first
    # sample, and every other column of every file must stay byte-identical for the same seed.
    actual_cost = _actual_costs(rng.spawn(1)[0], types, start, end, budget)
    return Campaigns(
        ids=np.array([f"CMP-{i + 1:04d}" for i in range(n)], dtype=object),
        names=np.array(col[0], dtype=object),
        types=types,
        utm=np.array(col[2], dtype=object),
        channel=np.array(col[3], dtype=object),
        start=start,
        end=end,
        budget=budget,
        currency=np.array(col[6], dtype=object),
        platforms=list(col[7]),
        actual_cost=actual_cost,
    )


def _actual_costs(
    rng: np.random.Generator,
    types: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    budget: np.ndarray,
) -> np.ndarray:
    """Program cost outside the ad platforms (venue, fees, agency), in the campaign currency.

    Only campaigns that have started by the as-of date have one, pro rata to the share of
    their days elapsed. Programs cost roughly their budget; paid campaigns spend their money
    on the platforms (ad_spend), so they carry only a small agency/creative cost, or none.
    """
    n = len(types)
    as_of_day = AS_OF // DAY
    paid = np.isin(types, PAID_TYPES)
    factor = np.where(paid, rng.uniform(0.04, 0.12, n), rng.uniform(0.75, 1.15, n))
    no_cost = paid & (rng.uniform(0, 1, n) < 0.5)
    elapsed = np.clip((as_of_day - start + 1) / np.maximum(end - start + 1, 1), 0.0, 1.0)
    cost = np.round(budget * factor * elapsed, 2)
    return np.where(no_cost | (start > as_of_day), np.nan, cost)


def build_ad_spend(rng: np.random.Generator, cat: Campaigns, scale: float) -> Frame:
    """Daily spend per platform per active paid campaign, plus unmatched platform rows.

    A paid campaign spends its budget on the platforms: 85-100% of it (less the small agency
    cost of `_actual_costs`), split over its platforms and paced evenly over its days, with
    weekday seasonality and daily noise, in rows up to the as-of date only (the rest is still
    to be spent). Spend scales with N, like the sessions it buys. bing_ads exports carry no
    CRM campaign id (utm_campaign only) and a retired 'ps-competitor-test' campaign matches
    no campaign at all: both exercise spend mapping by utm_campaign.
    """
    parts: list[Frame] = []
    as_of_day = AS_OF // DAY
    for i in np.flatnonzero(np.isin(cat.types, PAID_TYPES)):
        campaign_days = np.arange(cat.start[i], cat.end[i] + 1)
        pacing = rng.uniform(0.85, 1.0)
        shares = rng.dirichlet(np.full(len(cat.platforms[i]), 4.0))
        for platform, share in zip(cat.platforms[i], shares, strict=True):
            has_id = platform != "bing_ads"
            parts.append(
                _spend_rows(
                    rng,
                    campaign_days,
                    cat.budget[i] * pacing * share * scale,
                    as_of_day,
                    platform,
                    cat.ids[i] if has_id else None,
                    cat.utm[i],
                    cat.currency[i],
                )
            )
    test_days = np.arange(_day("2025-03-01"), _day("2025-03-29") + 1)
    parts.append(
        _spend_rows(
            rng,
            test_days,
            9_000.0 * scale,
            as_of_day,
            "google_ads",
            None,
            "ps-competitor-test",
            "USD",
        )
    )
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _spend_rows(
    rng: np.random.Generator,
    campaign_days: np.ndarray,
    budget: float,
    as_of_day: float,
    platform: str,
    campaign_id: str | None,
    utm: str,
    currency: str,
) -> Frame:
    """One campaign x platform daily series: the budget paced over the campaign's days."""
    cpm, ctr = {
        "google_ads": (18.0, 0.035),
        "bing_ads": (12.0, 0.03),
        "linkedin_ads": (45.0, 0.006),
        "meta_ads": (9.0, 0.009),
    }[platform]
    weekday = (campaign_days.astype(int) + 3) % 7  # 0 = Monday
    weight = np.where(weekday >= 5, 0.45, 1.0) * rng.lognormal(0, 0.15, len(campaign_days))
    planned = budget * weight / weight.sum()
    spent = campaign_days <= as_of_day
    days, spend = campaign_days[spent], np.round(planned[spent], 2)
    n = len(days)
    impressions = rng.poisson(spend / cpm * 1000.0 * rng.lognormal(0, 0.1, n))
    clicks = rng.binomial(impressions, ctr)
    return {
        "spend_date": days.astype(float),
        "platform": np.full(n, platform, dtype=object),
        "campaign_id": np.full(n, campaign_id, dtype=object),
        "utm_campaign": np.full(n, utm, dtype=object),
        "impressions": impressions,
        "clicks": clicks,
        "spend": spend,
        "currency": np.full(n, currency, dtype=object),
    }


def build_fx(rng: np.random.Generator) -> Frame:
    """Business-day rates (weekends missing on purpose) as random walks around 1.08 / 1.27."""
    days = np.arange(_day(FX_START), _day(FX_END) + 1)
    days = days[((days.astype(int) + 3) % 7) < 5]
    n = len(days)
    parts = {"USD": np.ones(n)}
    for cur, mid in (("EUR", 1.08), ("GBP", 1.27)):
        walk = np.cumsum(rng.normal(0, 0.0035, n))
        walk -= np.linspace(0, walk[-1], n) * 0.8  # keep the walk near its anchor
        parts[cur] = np.round(mid * np.exp(walk), 6)
    return {
        "rate_date": np.tile(days, 3).astype(float),
        "currency": np.repeat(np.array(list(parts), dtype=object), n),
        "usd_per_unit": np.concatenate(list(parts.values())),
    }


# Grain per metric: one grain only, so targets never double count when summed.
TARGET_GRAIN = {
    "leads": "total",
    "mqls": "total",
    "sqls": "total",
    "opportunities": "segment",
    "pipeline_usd": "segment_region",
    "bookings_usd": "segment_region",
}


def build_targets(
    rng: np.random.Generator, actuals: dict[tuple[str, str, str, str], float]
) -> Frame:
    """Monthly targets near the generated actuals (x0.9-1.3, smoothed over 3 months).

    ``actuals`` maps (metric, month, segment, region) to the generated value;
    months without actuals (after the as-of date) take the trailing average.
    """
    rows: list[tuple[str, str, float, str | None, str | None]] = []
    for metric, grain in TARGET_GRAIN.items():
        keys: list[tuple[str | None, str | None]]
        if grain == "total":
            keys = [(None, None)]
        elif grain == "segment":
            keys = [(s, None) for s in SEGMENTS]
        else:
            keys = [(s, r) for s in SEGMENTS for r in REGIONS]
        for seg, reg in keys:
            series = np.array([_actual(actuals, metric, m, seg, reg) for m in TARGET_MONTHS])
            known = series[: TARGET_MONTHS.index("2026-09") + 1]
            smooth = np.convolve(np.pad(known, 1, mode="edge"), np.ones(3) / 3, "valid")
            future = np.full(len(TARGET_MONTHS) - len(known), known[-6:].mean())
            base = np.concatenate([smooth, future]) * rng.uniform(0.9, 1.3, len(TARGET_MONTHS))
            usd = metric.endswith("_usd")
            values = np.round(base, -2) if usd else np.maximum(np.round(base), 1.0)
            rows += [
                (m, metric, float(v), seg, reg) for m, v in zip(TARGET_MONTHS, values, strict=True)
            ]
    col = list(zip(*rows, strict=True))
    return {
        "period_month": np.array(col[0], dtype=object),
        "metric": np.array(col[1], dtype=object),
        "target": np.array(col[2], dtype=float),
        "segment": np.array(col[3], dtype=object),
        "region": np.array(col[4], dtype=object),
    }


def _actual(
    actuals: dict[tuple[str, str, str, str], float],
    metric: str,
    month: str,
    seg: str | None,
    reg: str | None,
) -> float:
    """Sum of generated actuals of a metric/month over the unspecified dimensions."""
    return sum(
        v
        for (m, mo, s, r), v in actuals.items()
        if m == metric and mo == month and (seg is None or s == seg) and (reg is None or r == reg)
    )
