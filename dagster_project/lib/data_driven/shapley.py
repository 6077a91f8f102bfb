"""Shapley values of a conversion model: the `shapley` data-driven model.

The counting game (v(S) = the conversion rate of journeys whose channel set is exactly S) is
not usable on B2B volumes: most channel sets occur a handful of times, and a few channels
take most of the credit by chance. So a model smooths first: an L2-regularised logistic
regression of won against lost on which channels a journey holds, v(T) = sigmoid(b0 + the
coefficients of T), and each channel of a journey's set S gets its exact Shapley value in the
game (S, v), with v of the empty set as the baseline. The values depend only on S, so they
are computed once per distinct set over its 2^|S| coalitions.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from math import factorial

import numpy as np
from sklearn.linear_model import LogisticRegression

MAX_SET_SIZE = 22
COALITIONS_AT_ONCE = 1 << 16


@dataclass(frozen=True)
class LogisticFit:
    intercept: float
    coefficients: np.ndarray  # per channel


def presence(sets: tuple[tuple[int, ...], ...], channel_count: int) -> np.ndarray:
    matrix = np.zeros((len(sets), channel_count))
    for row, channel_set in enumerate(sets):
        matrix[row, list(channel_set)] = 1.0
    return matrix


def fit_logistic(x: np.ndarray, lost: np.ndarray, won: np.ndarray, c: float) -> LogisticFit:
    """Won (1) against lost (0) on the channel presence `x` of each distinct set, weighted by
    how many journeys of each outcome have that set. lbfgs leaves the intercept unpenalised
    and is deterministic. With only one outcome there is nothing to learn: no channel moves
    the odds (every coefficient 0)."""
    if won.sum() == 0 or lost.sum() == 0:
        return LogisticFit(0.0, np.zeros(x.shape[1]))
    features = np.vstack([x, x])
    outcome = np.concatenate([np.zeros(len(x)), np.ones(len(x))])
    weight = np.concatenate([lost, won]).astype(float)
    keep = weight > 0
    model = LogisticRegression(C=c, solver="lbfgs", max_iter=10_000, tol=1e-10)
    model.fit(features[keep], outcome[keep], sample_weight=weight[keep])
    return LogisticFit(float(model.intercept_[0]), np.asarray(model.coef_[0], dtype=float))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _by_size(n: int) -> np.ndarray:
    return np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])


@functools.lru_cache(maxsize=32)
def _coalitions(n: int, first: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Coalitions first .. first + rows of n players: which players each holds, and the
    signed weight its value gets in each player's Shapley value (kept: a fit computes the
    same sizes again for every resample)."""
    weight = _by_size(n)
    masks = np.arange(first, min(first + rows, 1 << n))
    bits = ((masks[:, None] >> np.arange(n)) & 1).astype(float)
    size = bits.sum(axis=1).astype(int)
    joined = weight[np.maximum(size - 1, 0)][:, None]  # v(T) as T = a coalition + c
    left_out = -weight[np.minimum(size, n - 1)][:, None]  # v(T) as a coalition without c
    return bits, np.where(bits > 0, joined, left_out)


def shapley_values_of_sets(coefficients: np.ndarray, intercept: float) -> np.ndarray:
    """Exact Shapley values for many journeys' sets of the same size n at once: row i holds
    the coefficients of set i's players, and gets their values in the game
    v(T) = sigmoid(intercept + sum of T's coefficients): for each player c, the sum over the
    coalitions T without c of |T|! (n - |T| - 1)! / n! (v(T + c) - v(T)).

    That sum is linear in the 2^n coalition values: v(T) enters each player's value with
    +w(|T| - 1) if the player is in T and -w(|T|) if not. So the values of every set are two
    matrix products, the coalition sums (coalitions x players times players x sets) and the
    signed weights (players x coalitions times coalitions x sets), which is what lets a
    bootstrap recompute thousands of sets per resample. Coalitions are taken 2^16 at a time
    and sets ~4M coalition values at a time, so a set of 22 channels stays within memory."""
    sets, n = coefficients.shape
    if n > MAX_SET_SIZE:
        raise ValueError(f"a journey holds {n} channels; Shapley values stop at {MAX_SET_SIZE}")
    values = np.zeros((sets, n))
    rows = min(1 << n, COALITIONS_AT_ONCE)
    chunk = max(1, (1 << 22) // rows)
    for first in range(0, 1 << n, rows):
        bits, signed = _coalitions(n, first, rows)
        for start in range(0, sets, chunk):
            block = coefficients[start : start + chunk]
            value = _sigmoid(intercept + bits @ block.T)  # coalitions x sets
            values[start : start + chunk] += (signed.T @ value).T
    return values


def shapley_values(coefficients: np.ndarray, intercept: float) -> np.ndarray:
    """The Shapley values of one set's players (see shapley_values_of_sets)."""
    return shapley_values_of_sets(coefficients[None, :], intercept)[0]


@dataclass(frozen=True)
class SetsOfSize:
    """Channel sets of one size n: where each is in the caller's list, and its channels."""

    indexes: np.ndarray  # sets
    members: np.ndarray  # sets x n channel indexes


def by_size(channel_sets: Sequence[tuple[int, ...]]) -> list[SetsOfSize]:
    grouped: dict[int, list[int]] = {}
    for index, channel_set in enumerate(channel_sets):
        grouped.setdefault(len(channel_set), []).append(index)
    return [
        SetsOfSize(
            np.array(indexes, dtype=np.int64),
            np.array([channel_sets[i] for i in indexes], dtype=np.int64).reshape(len(indexes), n),
        )
        for n, indexes in sorted(grouped.items())
    ]


def shares_of_size(fit: LogisticFit, sets: SetsOfSize) -> tuple[np.ndarray, np.ndarray]:
    """Each set's Shapley values floored at 0 and normalised (sets x n), and whether any is
    positive (where none is, the row is 0 and the journey falls back to linear)."""
    values = np.maximum(shapley_values_of_sets(fit.coefficients[sets.members], fit.intercept), 0)
    totals = values.sum(axis=1)
    positive = totals > 0
    shares = np.divide(values, totals[:, None], out=np.zeros_like(values), where=positive[:, None])
    return shares, positive


def shares_of_sets(
    fit: LogisticFit, channel_sets: Sequence[tuple[int, ...]]
) -> list[np.ndarray | None]:
    """Per set, its shares (see shares_of_size); None when none is positive."""
    shares: list[np.ndarray | None] = [None] * len(channel_sets)
    for sets in by_size(channel_sets):
        if sets.members.shape[1] == 0:
            continue
        values, positive = shares_of_size(fit, sets)
        for row, index in enumerate(sets.indexes):
            if positive[row]:
                shares[index] = values[row]
    return shares


def set_shares(fit: LogisticFit, channel_set: tuple[int, ...]) -> np.ndarray | None:
    """One set's shares (see shares_of_sets)."""
    return shares_of_sets(fit, [channel_set])[0]
