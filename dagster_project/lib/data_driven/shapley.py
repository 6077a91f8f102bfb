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

from collections.abc import Sequence
from dataclasses import dataclass
from math import factorial

import numpy as np
from sklearn.linear_model import LogisticRegression

MAX_SET_SIZE = 22  # 2^22 coalitions x 22 channels of float64 is about 0.7 GB


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


def shapley_values_of_sets(coefficients: np.ndarray, intercept: float) -> np.ndarray:
    """Exact Shapley values for many journeys' sets of the same size n at once: row i holds
    the coefficients of set i's players, and gets their values in the game
    v(T) = sigmoid(intercept + sum of T's coefficients): for each player c, the sum over the
    coalitions T without c of |T|! (n - |T| - 1)! / n! (v(T + c) - v(T)). The 2^n coalition
    values of every set come from one matrix product, so a fit's thousands of sets cost
    seconds, not a loop each."""
    sets, n = coefficients.shape
    if n > MAX_SET_SIZE:
        raise ValueError(f"a journey holds {n} channels; Shapley values stop at {MAX_SET_SIZE}")
    masks = np.arange(1 << n)
    bits = ((masks[:, None] >> np.arange(n)) & 1).astype(float)
    size = bits.sum(axis=1).astype(int)
    weight = _by_size(n)
    values = np.empty((sets, n))
    chunk = max(1, (1 << 22) // (1 << n))  # about 4M coalition values (32 MB) at a time
    for start in range(0, sets, chunk):
        block = coefficients[start : start + chunk]
        value = _sigmoid(intercept + bits @ block.T)  # coalitions x sets
        for player in range(n):
            without = masks[bits[:, player] == 0]
            gains = value[without | (1 << player)] - value[without]
            values[start : start + chunk, player] = weight[size[without]] @ gains
    return values


def shapley_values(coefficients: np.ndarray, intercept: float) -> np.ndarray:
    """The Shapley values of one set's players (see shapley_values_of_sets)."""
    return shapley_values_of_sets(coefficients[None, :], intercept)[0]


def shares_of_sets(
    fit: LogisticFit, channel_sets: Sequence[tuple[int, ...]]
) -> list[np.ndarray | None]:
    """Per set, its Shapley values floored at 0 and normalised; None when none is positive
    (the journey falls back to linear). Sets of one size are computed together."""
    shares: list[np.ndarray | None] = [None] * len(channel_sets)
    by_size: dict[int, list[int]] = {}
    for index, channel_set in enumerate(channel_sets):
        by_size.setdefault(len(channel_set), []).append(index)
    for n, indexes in by_size.items():
        if n == 0:
            continue
        matrix = np.array([fit.coefficients[list(channel_sets[i])] for i in indexes])
        values = np.maximum(shapley_values_of_sets(matrix, fit.intercept), 0.0)
        totals = values.sum(axis=1)
        for row, index in enumerate(indexes):
            if totals[row] > 0:
                shares[index] = values[row] / totals[row]
    return shares


def set_shares(fit: LogisticFit, channel_set: tuple[int, ...]) -> np.ndarray | None:
    """One set's shares (see shares_of_sets)."""
    return shares_of_sets(fit, [channel_set])[0]
