"""Both data-driven models fitted on the closed journeys, with a deterministic bootstrap.

What leaves here is small and is all the warehouse needs:
* per model and channel: the effect (Markov: removal effect; Shapley: the logistic
  coefficient), the weight (Markov: the removal effect's share; Shapley: the channel's share
  of the won revenue the model credits), with 90% intervals from resampling the journeys
  with replacement (a fixed seed, so two builds agree to the bit): each resample refits the
  chain or the logistic regression and, for shapley, credits the resample's won revenue
  with the Shapley values of the refitted model;
* per model and channel set: each channel's share of a journey holding exactly that set
  (none when no channel of it has a positive share: the journey falls back to linear).
dbt turns the shares into credits per touch (each channel's share split equally among its
touches), with the same exact-decimal rounding as every other model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from dagster_project.lib.data_driven import markov, shapley
from dagster_project.lib.data_driven.journeys import Journeys

MODELS = ("markov", "shapley")
SET_SEPARATOR = "|"


@dataclass(frozen=True)
class FitSettings:
    regularisation_c: float = 1.0
    resamples: int = 200
    seed: int = 20_261_203
    interval: float = 0.90


@dataclass(frozen=True)
class _Estimate:
    effects: np.ndarray
    weights: np.ndarray


class Fitter:
    """Fits both models on any count of the journeys per path (their own: the fit itself, kept
    once computed: the weights and the shares both read it)."""

    def __init__(self, journeys: Journeys, settings: FitSettings) -> None:
        self.journeys = journeys
        self.settings = settings
        k = len(journeys.channels)
        self.counter = markov.TransitionCounter(journeys.steps, k, journeys.path_count)
        self.set_presence = shapley.presence(journeys.sets, k)
        self.sets_by_size = [
            sets for sets in shapley.by_size(journeys.sets) if sets.members.shape[1]
        ]

    @functools.cached_property
    def point_markov(self) -> _Estimate:
        return self.markov(self.journeys.lost, self.journeys.won)

    @functools.cached_property
    def point_logistic(self) -> shapley.LogisticFit:
        return self.logistic(self.journeys.lost, self.journeys.won)

    def _per_set(self, per_path: np.ndarray) -> np.ndarray:
        return np.bincount(
            self.journeys.set_of, weights=per_path, minlength=len(self.journeys.sets)
        )

    def markov(self, lost: np.ndarray, won: np.ndarray) -> _Estimate:
        """Fitted on `lost` and `won` journeys per path (the paths' own counts, or a resample)."""
        fit = markov.fit_markov(self.counter.counts(lost, won))
        return _Estimate(fit.removal_effects, fit.weights)

    def logistic(self, lost: np.ndarray, won: np.ndarray) -> shapley.LogisticFit:
        return shapley.fit_logistic(
            self.set_presence,
            self._per_set(lost),
            self._per_set(won),
            self.settings.regularisation_c,
        )

    def shapley(self, lost: np.ndarray, won: np.ndarray) -> _Estimate:
        """Refitted on a resample: its coefficients and the weights its Shapley values give."""
        return self._shapley_estimate(self.logistic(lost, won), won)

    @functools.cached_property
    def point_shapley(self) -> _Estimate:
        return self._shapley_estimate(self.point_logistic, self.journeys.won)

    def _shapley_estimate(self, fit: shapley.LogisticFit, won: np.ndarray) -> _Estimate:
        """The coefficients, and each channel's share of the won revenue the model credits (of
        the won journeys when no revenue is known): a set's amount split by its Shapley shares,
        or by its touches (linear) where none is positive. A resample draws journeys per
        path, not amounts: a path's won revenue is taken as its won journeys (`won`) times
        their mean amount, so the fit's own counts give the fit's own revenue exactly. Sets of
        one size are computed together, and only those that won something."""
        journeys = self.journeys
        drawn = _ratio(won, journeys.won)  # per path: won journeys over the path's own
        per_set = self._per_set(journeys.revenue * drawn)
        if journeys.set_revenue.sum() > 0:
            linear = journeys.linear_revenue * _ratio(per_set, journeys.set_revenue)[:, None]
        else:
            per_set = self._per_set(won)
            linear = journeys.linear_won * _ratio(per_set, self._per_set(journeys.won))[:, None]
        credited = np.zeros(len(journeys.channels))
        for sets in self.sets_by_size:
            paid = per_set[sets.indexes] != 0
            if not paid.any():
                continue
            paid_sets = shapley.SetsOfSize(sets.indexes[paid], sets.members[paid])
            shares, positive = shapley.shares_of_size(fit, paid_sets)
            amount = per_set[paid_sets.indexes[positive]]
            np.add.at(credited, paid_sets.members[positive], amount[:, None] * shares[positive])
            credited += linear[paid_sets.indexes[~positive]].sum(axis=0)
        total = credited.sum()
        return _Estimate(fit.coefficients, credited / total if total > 0 else credited)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    # Float whatever comes in: bincount of no journey at all returns integers.
    out = np.zeros(np.shape(numerator))
    return np.divide(numerator, denominator, out=out, where=denominator > 0)


def _rows(
    model: str,
    journeys: Journeys,
    point: _Estimate,
    samples: Sequence[_Estimate],
    interval: float,
) -> list[dict[str, object]]:
    tail = (1.0 - interval) / 2 * 100
    effects = np.array([sample.effects for sample in samples])
    bounds = (tail, 100 - tail)
    effect_low, effect_high = np.percentile(effects, bounds, axis=0)
    weights = np.array([sample.weights for sample in samples])
    weight_low, weight_high = np.percentile(weights, bounds, axis=0)
    won = int(journeys.won.sum())
    revenue = float(journeys.set_revenue.sum())
    return [
        {
            "model": model,
            "channel": channel,
            "effect": float(point.effects[c]),
            "effect_low": float(effect_low[c]),
            "effect_high": float(effect_high[c]),
            "weight": float(point.weights[c]),
            "weight_low": float(weight_low[c]),
            "weight_high": float(weight_high[c]),
            "fitting_journeys": journeys.size,
            "won_journeys": won,
            "attributed_conversions": won * float(point.weights[c]),
            "attributed_revenue_usd": revenue * float(point.weights[c]),
        }
        for c, channel in enumerate(journeys.channels)
    ]


def _resamples(
    journeys: Journeys, settings: FitSettings
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Bootstrap resamples of the journeys, as lost and won journeys per path. Drawing n
    journeys with replacement from n puts a multinomial number of them in each (path, outcome)
    cell, with the cells' shares of the journeys as probabilities: the same resample as
    listing every journey, drawn from the counts alone. A fixed seed and the paths' order
    (path_id) make two builds, and both models, draw the same; one at a time, as at 10M
    touchpoints 200 resamples of ~0.2M paths would hold 0.7 GB."""
    cells = np.concatenate([journeys.lost, journeys.won])
    n = int(cells.sum())
    rng = np.random.default_rng(settings.seed)
    for _ in range(settings.resamples if n else 0):
        draw = rng.multinomial(n, cells / n).astype(float)
        yield draw[: journeys.path_count], draw[journeys.path_count :]


def fit_channel_weights(
    journeys: Journeys, settings: FitSettings, fitter: Fitter | None = None
) -> pd.DataFrame:
    """Per model and channel: effect and weight with their bootstrap intervals. `fitter`
    reuses one already built on these journeys (its transition matrix takes a while)."""
    fitter = fitter or Fitter(journeys, settings)
    estimators: dict[str, Callable[[np.ndarray, np.ndarray], _Estimate]] = {
        "markov": fitter.markov,
        "shapley": fitter.shapley,
    }
    samples: dict[str, list[_Estimate]] = {model: [] for model in estimators}
    # Each resample is drawn once and refits both models: the draw costs more than the
    # Markov refit (at 10M touchpoints 14 ms against 5 ms).
    with one_blas_thread():
        points = {"markov": fitter.point_markov, "shapley": fitter.point_shapley}
        for lost, won in _resamples(journeys, settings):
            for model, resample in estimators.items():
                samples[model].append(resample(lost, won))
    rows = []
    for model, point in points.items():
        rows.extend(_rows(model, journeys, point, samples[model] or [point], settings.interval))
    return pd.DataFrame(rows, columns=list(WEIGHT_COLUMNS))


def one_blas_thread() -> threadpool_limits:
    """The fit's matrices are small (a ~20-state chain; coalitions x sets blocks), and
    OpenBLAS spreading each product over the machine's threads costs more than it saves: at
    10M touchpoints a resample's Shapley values took 65 ms on two threads and 25 ms on one."""
    return threadpool_limits(limits=1, user_api="blas")


WEIGHT_COLUMNS = (
    "model", "channel", "effect", "effect_low", "effect_high", "weight", "weight_low",
    "weight_high", "fitting_journeys", "won_journeys", "attributed_conversions",
    "attributed_revenue_usd",
)  # fmt: skip


def set_shares(
    journeys: Journeys,
    channel_sets: Sequence[str],
    settings: FitSettings,
    fitter: Fitter | None = None,
) -> pd.DataFrame:
    """Per model, channel set (channels joined by `|`, as the warehouse writes them) and
    channel: the channel's share of a journey with that set. A set with no row under a model
    falls back to linear there. Channels the fit never saw weigh nothing."""
    fitter = fitter or Fitter(journeys, settings)
    markov_weights = fitter.point_markov.weights if journeys.size else np.zeros(0)
    index = {channel: c for c, channel in enumerate(journeys.channels)}
    keys, known_channels = [], []
    for key in sorted(set(channel_sets)):
        channels = key.split(SET_SEPARATOR) if key else []
        known = [channel for channel in channels if channel in index]
        if known:
            keys.append(key)
            known_channels.append(known)
    picked = [tuple(index[channel] for channel in known) for known in known_channels]
    by_model = {
        "markov": [markov.set_shares(markov_weights, one) for one in picked],
        "shapley": (
            shapley.shares_of_sets(fitter.point_logistic, picked)
            if journeys.size
            else [None] * len(picked)
        ),
    }
    rows = [
        {"model": model, "channel_set": key, "channel": channel, "share": float(share)}
        for model, all_shares in by_model.items()
        for key, known, shares in zip(keys, known_channels, all_shares, strict=True)
        if shares is not None
        for channel, share in zip(known, shares, strict=True)
    ]
    return pd.DataFrame(rows, columns=["model", "channel_set", "channel", "share"])
