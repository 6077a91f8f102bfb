"""Both data-driven models fitted on the closed journeys, with a deterministic bootstrap.

What leaves here is small and is all the warehouse needs:
* per model and channel: the effect (Markov: removal effect; Shapley: the logistic
  coefficient), the weight (Markov: the removal effect's share; Shapley: the channel's share
  of the won revenue the model credits), with 90% intervals from resampling the journeys
  with replacement (a fixed seed, so two builds agree to the bit): both of markov's, the
  coefficient only of shapley's (its weight would need every set's Shapley values again);
* per model and channel set: each channel's share of a journey holding exactly that set
  (none when no channel of it has a positive share: the journey falls back to linear).
dbt turns the shares into credits per touch (each channel's share split equally among its
touches), with the same exact-decimal rounding as every other model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    weights: np.ndarray | None  # None: not resampled (shapley, below)


def _touch_fractions(journeys: Journeys) -> np.ndarray:
    """Per journey and channel: the channel's share of the journey's touches (linear)."""
    fractions = np.zeros((journeys.size, len(journeys.channels)))
    for j, touches in enumerate(journeys.touches):
        total = sum(touches.values())
        for channel, count in touches.items():
            fractions[j, channel] = count / total
    return fractions


class Fitter:
    """Fits both models on any multiplicity of the journeys (1 each: the fit itself, kept
    once computed: the weights and the shares both read it)."""

    def __init__(self, journeys: Journeys, settings: FitSettings) -> None:
        self.journeys = journeys
        self.settings = settings
        k = len(journeys.channels)
        self.counter = markov.TransitionCounter(journeys.paths, k)
        self.set_presence = shapley.presence(journeys.sets, k)
        self.fractions = _touch_fractions(journeys)
        self._point_shares: dict[tuple[int, ...], np.ndarray | None] = {}

    @functools.cached_property
    def point_markov(self) -> _Estimate:
        return self.markov(np.ones(self.journeys.size))

    @functools.cached_property
    def point_logistic(self) -> shapley.LogisticFit:
        return self.logistic(np.ones(self.journeys.size))

    def point_shares(self, sets: Sequence[tuple[int, ...]]) -> list[np.ndarray | None]:
        """The fit's Shapley shares of these sets, each set's computed once."""
        missing = [one for one in dict.fromkeys(sets) if one not in self._point_shares]
        computed = shapley.shares_of_sets(self.point_logistic, missing)
        self._point_shares.update(zip(missing, computed, strict=True))
        return [self._point_shares[one] for one in sets]

    def _per(self, index: np.ndarray, size: int, weights: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=weights, minlength=size)

    def markov(self, multiplicity: np.ndarray) -> _Estimate:
        won = self.journeys.won
        lost_paths = self._per(self.journeys.path_of, len(self.journeys.paths), multiplicity * ~won)
        won_paths = self._per(self.journeys.path_of, len(self.journeys.paths), multiplicity * won)
        fit = markov.fit_markov(self.counter.counts(lost_paths, won_paths))
        return _Estimate(fit.removal_effects, fit.weights)

    def logistic(self, multiplicity: np.ndarray) -> shapley.LogisticFit:
        won = self.journeys.won
        sets = len(self.journeys.sets)
        return shapley.fit_logistic(
            self.set_presence,
            self._per(self.journeys.set_of, sets, multiplicity * ~won),
            self._per(self.journeys.set_of, sets, multiplicity * won),
            self.settings.regularisation_c,
        )

    def shapley_coefficients(self, multiplicity: np.ndarray) -> _Estimate:
        """The coefficients alone: what a bootstrap resample refits. The weight would need
        every channel set's Shapley values again per resample (at 10M touchpoints, 200 times
        ~50k sets of up to 2^15 coalitions), so its interval is not given."""
        return _Estimate(self.logistic(multiplicity).coefficients, None)

    @functools.cached_property
    def point_shapley(self) -> _Estimate:
        """Coefficients, and each channel's share of the won revenue the model credits (of the
        won journeys when no revenue is known)."""
        fit = self.point_logistic
        revenue = self.journeys.revenue
        if revenue.sum() <= 0:
            revenue = self.journeys.won.astype(float)
        credited = np.zeros(len(self.journeys.channels))
        per_set = self._per(self.journeys.set_of, len(self.journeys.sets), revenue)
        fallback = np.zeros(len(self.journeys.sets), dtype=bool)
        paid = [s for s in range(len(self.journeys.sets)) if per_set[s] != 0]
        all_shares = self.point_shares([self.journeys.sets[s] for s in paid])
        for s, shares in zip(paid, all_shares, strict=True):
            if shares is None:
                fallback[s] = True
            else:
                credited[list(self.journeys.sets[s])] += per_set[s] * shares
        linear = fallback[self.journeys.set_of]
        credited += revenue[linear] @ self.fractions[linear]
        total = credited.sum()
        weights = credited / total if total > 0 else credited
        return _Estimate(fit.coefficients, weights)


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
    no_interval = np.full(len(journeys.channels), np.nan)
    weight_low, weight_high = (
        np.percentile(np.array([sample.weights for sample in samples]), bounds, axis=0)
        if all(sample.weights is not None for sample in samples)
        else (no_interval, no_interval)
    )
    assert point.weights is not None
    won = int(journeys.won.sum())
    revenue = float(journeys.revenue.sum())
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


def fit_channel_weights(
    journeys: Journeys, settings: FitSettings, fitter: Fitter | None = None
) -> pd.DataFrame:
    """Per model and channel: effect and weight with their bootstrap intervals. `fitter`
    reuses one already built on these journeys (its transition matrix takes a while)."""
    fitter = fitter or Fitter(journeys, settings)
    estimators: dict[str, tuple[Callable[[], _Estimate], Callable[[np.ndarray], _Estimate]]] = {
        "markov": (lambda: fitter.point_markov, fitter.markov),
        "shapley": (lambda: fitter.point_shapley, fitter.shapley_coefficients),
    }
    rng = np.random.default_rng(settings.seed)
    draws = [
        np.bincount(rng.integers(0, journeys.size, journeys.size), minlength=journeys.size)
        for _ in range(settings.resamples if journeys.size else 0)
    ]
    rows = []
    for model, (estimate, resample) in estimators.items():
        point = estimate()
        samples = [resample(draw.astype(float)) for draw in draws] or [point]
        rows.extend(_rows(model, journeys, point, samples, settings.interval))
    return pd.DataFrame(rows, columns=list(WEIGHT_COLUMNS))


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
        "shapley": fitter.point_shares(picked) if journeys.size else [None] * len(picked),
    }
    rows = [
        {"model": model, "channel_set": key, "channel": channel, "share": float(share)}
        for model, all_shares in by_model.items()
        for key, known, shares in zip(keys, known_channels, all_shares, strict=True)
        if shares is not None
        for channel, share in zip(known, shares, strict=True)
    ]
    return pd.DataFrame(rows, columns=["model", "channel_set", "channel", "share"])
