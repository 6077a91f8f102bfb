"""The data-driven models' math, against numbers worked out by hand and against independent
implementations: a Monte Carlo walk of the fitted chain, Shapley values by enumerating every
order of the players, and the logistic objective minimised by a general-purpose optimiser."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import minimize

from dagster_project.lib.data_driven import markov, shapley
from dagster_project.lib.data_driven.fit import (
    FitSettings,
    Fitter,
    fit_channel_weights,
    set_shares,
)
from dagster_project.lib.data_driven.journeys import Journeys
from tests.helpers.journeys import collapse, counted_tables, journeys_from_runs, parse_runs


def _counts(journeys: Journeys) -> np.ndarray:
    counter = markov.TransitionCounter(journeys.steps, len(journeys.channels), journeys.path_count)
    return counter.counts(journeys.lost, journeys.won)


def _chain(runs: list[str], won: list[bool]) -> tuple[Journeys, markov.MarkovFit]:
    journeys = journeys_from_runs(runs, won)
    return journeys, markov.fit_markov(_counts(journeys))


def test_runs_parse_and_paths_collapse() -> None:
    assert parse_runs("paid*search*2>email*1") == (
        parse_runs("paid*search*2")[0],
        parse_runs("email*1")[0],
    )
    assert parse_runs("paid*search*2")[0].channel == "paid*search"
    assert parse_runs("") == ()
    with pytest.raises(ValueError, match="not a run"):
        parse_runs("email")
    assert collapse(["a", "a", "b", "a", "a"]) == ("a", "b", "a")
    tables = counted_tables(["a*2>a*1>b*1", "", "a*1>b*2", "b*1"], [True, False, False, True])
    paths = tables["int_data_driven_paths_counted"]
    # The journey without a touch teaches nothing; two journeys walk a>b.
    assert paths[["channel_path", "won_journeys", "lost_journeys"]].values.tolist() == [
        ["a>b", 1, 1],
        ["b", 1, 0],
    ]
    steps = tables["int_data_driven_path_steps_counted"]
    assert steps[steps["path_id"] == "o000000"].fillna("").values.tolist() == [
        ["o000000", "", "a", 1],
        ["o000000", "a", "b", 1],
        ["o000000", "b", "", 1],
    ]
    touched = tables["int_data_driven_set_touches_summed"]
    assert touched.values.tolist() == [["a|b", "a", 0.75, 0.0], ["a|b", "b", 0.25, 0.0], [
        "b", "b", 1.0, 0.0]]  # fmt: skip
    journeys = Journeys.from_tables(*tables.values())
    assert journeys.size == 3 and journeys.channels == ("a", "b")
    assert journeys.sets == ((0, 1), (1,))


def test_markov_three_channels_by_hand() -> None:
    """start->A 3, start->B 1; A->B 1, A->C 1, A->null 1; B->conversion 2; C->null 1.
    P(conversion) = 3/4 * 1/3 + 1/4 = 1/2. Without A: 1/4 (RE 1/2); without B: 0 (RE 1);
    without C: 1/2 (RE 0). Weights 1/3, 2/3, 0."""
    journeys, fit = _chain(["A*1>B*1", "A*1>C*1", "B*1", "A*2"], [True, False, True, False])
    assert journeys.channels == ("A", "B", "C")
    assert fit.conversion_probability == pytest.approx(0.5, abs=1e-12)
    assert fit.removal_effects == pytest.approx([0.5, 1.0, 0.0], abs=1e-12)
    assert fit.weights == pytest.approx([1 / 3, 2 / 3, 0.0], abs=1e-12)


def test_markov_solves_a_loop_in_closed_form() -> None:
    """A->B->A->conversion and A->null: from A, x = 1/3 x + 1/3 (B returns to A), so
    P = 1/2; without B, 1/3 (RE 1/3); without A, 0 (RE 1). Weights 3/4 and 1/4."""
    _, fit = _chain(["A*1>B*1>A*1", "A*1"], [True, False])
    assert fit.conversion_probability == pytest.approx(0.5, abs=1e-12)
    assert fit.removal_effects == pytest.approx([1.0, 1 / 3], abs=1e-12)
    assert fit.weights == pytest.approx([0.75, 0.25], abs=1e-12)


def _walk(counts: np.ndarray, walks: int, seed: int) -> tuple[float, np.ndarray]:
    """Monte Carlo: walk the chain from start; a walk converts without channel c exactly when
    it converts and never visits c (removing c sends every walk into c to null)."""
    channels = counts.shape[0] - 3
    conversion, null = channels + 1, channels + 2
    totals = counts.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(
        np.divide(counts, totals, where=totals > 0, out=np.zeros_like(counts)), 1
    )
    rng = np.random.default_rng(seed)
    state = np.zeros(walks, dtype=np.int64)
    visited = np.zeros((walks, channels), dtype=bool)
    active = np.ones(walks, dtype=bool)
    while active.any():
        draws = rng.random(active.sum())
        rows = cumulative[state[active]]
        nxt = np.minimum((rows < draws[:, None]).sum(axis=1), counts.shape[0] - 1)
        state[active] = nxt
        moved = np.flatnonzero(active)
        is_channel = (nxt >= 1) & (nxt <= channels)
        visited[moved[is_channel], nxt[is_channel] - 1] = True
        active[moved[(nxt == conversion) | (nxt == null)]] = False
    converted = state == conversion
    base = converted.mean()
    without = np.array([(converted & ~visited[:, c]).mean() for c in range(channels)])
    return float(base), 1.0 - without / base


def test_markov_closed_form_agrees_with_a_million_simulated_walks() -> None:
    rng = np.random.default_rng(7)
    channels = ["direct", "email", "events", "paid_search", "social"]
    runs, won = [], []
    for _ in range(400):
        length = int(rng.integers(1, 6))
        picked = rng.choice(len(channels), size=length, p=[0.1, 0.3, 0.1, 0.35, 0.15])
        runs.append(">".join(f"{channels[c]}*1" for c in picked))
        won.append(bool(rng.random() < 0.2 + 0.15 * (2 in picked) + 0.1 * (1 in picked)))
    counts = _counts(journeys_from_runs(runs, won))
    fit = markov.fit_markov(counts)
    simulated_base, simulated_effects = _walk(counts, 1_000_000, seed=11)
    simulated_weights = simulated_effects / simulated_effects.sum()
    assert simulated_base == pytest.approx(fit.conversion_probability, abs=0.005)
    assert np.abs(simulated_weights - fit.weights).max() < 0.005
    assert fit.weights.sum() == pytest.approx(1.0)


def test_shapley_three_channels_by_hand() -> None:
    """b0 = 0, coefficients ln 3, ln 3, -ln 3: v(empty) = 1/2, v(a) = v(b) = 3/4, v(c) = 1/4,
    v(ab) = 9/10, v(ac) = v(bc) = 1/2, v(abc) = 3/4. With weights 1/3, 1/6, 1/6, 1/3 by
    coalition size: phi_a = 1/12 + 1/40 + 1/24 + 1/12 = 7/30 = phi_b, phi_c = -13/60
    (sum 1/4 = v(abc) - v(empty)). Shares: c floored to 0, a and b 1/2 each."""
    ln3 = math.log(3)
    values = shapley.shapley_values(np.array([ln3, ln3, -ln3]), 0.0)
    assert values == pytest.approx([7 / 30, 7 / 30, -13 / 60], abs=1e-12)
    fit = shapley.LogisticFit(0.0, np.array([ln3, ln3, -ln3]))
    assert shapley.set_shares(fit, (0, 1, 2)) == pytest.approx([0.5, 0.5, 0.0], abs=1e-12)
    assert shapley.set_shares(fit, (2,)) is None  # nothing positive: linear


def _by_permutations(coefficients: list[float], intercept: float) -> list[float]:
    """Shapley values as the mean marginal gain over every order of the players."""
    n = len(coefficients)

    def value(coalition: frozenset[int]) -> float:
        return 1.0 / (1.0 + math.exp(-(intercept + sum(coefficients[i] for i in coalition))))

    totals = [0.0] * n
    orders = list(itertools.permutations(range(n)))
    for order in orders:
        before: frozenset[int] = frozenset()
        for player in order:
            totals[player] += value(before | {player}) - value(before)
            before = before | {player}
    return [total / len(orders) for total in totals]


def test_shapley_coalition_formula_equals_every_permutation() -> None:
    rng = np.random.default_rng(3)
    for size in (1, 2, 4, 6):
        coefficients = rng.normal(0, 1.5, size)
        intercept = float(rng.normal(-1, 1))
        assert shapley.shapley_values(coefficients, intercept) == pytest.approx(
            _by_permutations(list(coefficients), intercept), abs=1e-12
        )


def test_logistic_fit_minimises_the_stated_objective() -> None:
    """0.5 |beta|^2 + C * weighted log-loss, the intercept not penalised: a general optimiser
    on that objective finds the same coefficients."""
    x = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1], [1, 1, 1]], dtype=float)
    lost = np.array([3, 1, 2, 4, 1], dtype=float)
    won = np.array([1, 3, 2, 0, 2], dtype=float)
    c = 0.7
    fit = shapley.fit_logistic(x, lost, won, c)

    def objective(theta: np.ndarray) -> float:
        z = theta[0] + x @ theta[1:]
        loss = won * np.logaddexp(0, -z) + lost * np.logaddexp(0, z)
        return 0.5 * float(theta[1:] @ theta[1:]) + c * float(loss.sum())

    best = minimize(objective, np.zeros(4), method="BFGS", options={"gtol": 1e-10}).x
    assert fit.intercept == pytest.approx(best[0], abs=1e-5)
    assert fit.coefficients == pytest.approx(best[1:], abs=1e-5)
    assert shapley.fit_logistic(x, lost, np.zeros(5), c).coefficients == pytest.approx(0)


def test_fits_are_deterministic_and_shares_sum_to_one() -> None:
    runs = ["a*2>b*1", "a*1>c*1", "b*1", "c*2>a*1", "a*1", "b*1>c*1", "c*1>b*2"]
    won = [True, False, True, False, True, False, True]
    journeys = journeys_from_runs(runs, won, [100.0, 0, 50.0, 0, 30.0, 0, 20.0])
    settings = FitSettings(resamples=40)
    first = fit_channel_weights(journeys, settings)
    again = journeys_from_runs(runs, won, [100.0, 0, 50.0, 0, 30.0, 0, 20.0])
    second = fit_channel_weights(again, settings)
    assert first.equals(second)
    for _, rows in first.groupby("model"):
        assert rows["weight"].sum() == pytest.approx(1.0)
        assert (rows["effect_low"] <= rows["effect_high"]).all()
    assert (first["weight_low"] <= first["weight_high"]).all()
    assert first[["weight_low", "weight_high"]].notna().all().all()
    shares = set_shares(journeys, ["a|b", "a|b|c", "c", "d", "a|d"], settings)
    for _, rows in shares.groupby(["model", "channel_set"]):
        assert rows["share"].sum() == pytest.approx(1.0)
    assert "d" not in set(shares["channel"])  # a channel the fit never saw weighs nothing


def test_a_resample_is_the_fit_on_the_journeys_it_drew() -> None:
    """A bootstrap resample of the shapley model, refit and credited, equals the model fitted
    on the journeys the resample lists. Every path here is one journey (paths in the runs'
    order), and the draw takes the first won journey three times, the first lost one twice
    and leaves three out."""
    runs = ["a*2>b*1", "a*1>c*1", "b*1", "c*2>a*1", "a*1", "b*1>c*1", "c*1>b*2", "c*1"]
    won = [True, False, True, False, True, False, True, True]
    revenue = [100.0, 0, 50.0, 0, 30.0, 0, 20.0, 70.0]
    drawn = np.array([3, 2, 1, 0, 1, 1, 0, 0], dtype=float)  # journeys drawn per path
    journeys = journeys_from_runs(runs, won, revenue)
    assert journeys.path_count == len(runs) and journeys.won.tolist() == [float(w) for w in won]
    resample = Fitter(journeys, FitSettings()).shapley(
        np.where(won, 0.0, drawn), np.where(won, drawn, 0.0)
    )
    listed = [i for i, times in enumerate(drawn.astype(int)) for _ in range(times)]
    direct = Fitter(
        journeys_from_runs(
            [runs[i] for i in listed], [won[i] for i in listed], [revenue[i] for i in listed]
        ),
        FitSettings(),
    ).point_shapley
    assert resample.weights == pytest.approx(direct.weights, abs=1e-9)
    assert resample.effects == pytest.approx(direct.effects, abs=1e-6)
    # The fit's own counts are the fit itself, to the bit.
    fitter = Fitter(journeys, FitSettings())
    own = fitter.shapley(journeys.lost, journeys.won)
    assert np.array_equal(own.weights, fitter.point_shapley.weights)


@pytest.mark.parametrize(
    ("runs", "won", "revenue"),
    [
        ([], [], None),  # no closed journey at all
        (["a*1", "b*2"], [False, False], None),  # nothing won
        (["a*1", "a*1>b*1"], [True, True], None),  # every journey won, no amount known
    ],
)
def test_thin_journeys_fit_without_failing(
    runs: list[str], won: list[bool], revenue: list[float] | None
) -> None:
    rows = fit_channel_weights(journeys_from_runs(runs, won, revenue), FitSettings(resamples=5))
    assert len(rows) == 2 * len({run.split("*")[0] for text in runs for run in text.split(">")})
    assert rows[["weight", "weight_low", "weight_high"]].notna().all().all()
