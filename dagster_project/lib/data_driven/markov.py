"""The first-order Markov chain of the journeys and each channel's removal effect, in closed
form: absorption probabilities come from one linear solve of the absorbing chain, so two fits
of the same journeys give the same numbers (the simulation the common open implementations
use drifts from run to run).

States: start (0), the channels (1..k), conversion (k+1), null (k+2). A journey walks start,
its collapsed path, then conversion when won or null when lost (a path's step to END).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from dagster_project.lib.data_driven.journeys import END, Steps


@dataclass(frozen=True)
class MarkovFit:
    conversion_probability: float  # P(conversion) from start
    removal_effects: np.ndarray  # per channel: 1 - P_without_c / P
    weights: np.ndarray  # per channel: removal effect over the sum of them (0 when none)


class TransitionCounter:
    """Transition counts of any weighting of the paths, as sparse products: the bootstrap asks
    for hundreds of them."""

    def __init__(self, steps: Steps, channel_count: int, path_count: int) -> None:
        self.states = channel_count + 3
        self.conversion = channel_count + 1
        self.null = channel_count + 2
        shape = (path_count, self.states * self.states)
        walked = steps.to_state != END
        self._walked = sparse.csr_matrix(
            (
                steps.count[walked],
                (
                    steps.path[walked],
                    steps.from_state[walked] * self.states + steps.to_state[walked],
                ),
            ),
            shape=shape,
        )
        ended = ~walked
        end_rows, end_from = steps.path[ended], steps.from_state[ended] * self.states
        ones = np.ones(len(end_rows))
        self._won_end = sparse.csr_matrix(
            (ones, (end_rows, end_from + self.conversion)), shape=shape
        )
        self._lost_end = sparse.csr_matrix((ones, (end_rows, end_from + self.null)), shape=shape)

    def counts(self, lost: np.ndarray, won: np.ndarray) -> np.ndarray:
        """The (states x states) transition counts of `lost` and `won` journeys per path."""
        flat = self._walked.T @ (lost + won) + self._won_end.T @ won + self._lost_end.T @ lost
        return np.asarray(flat).reshape(self.states, self.states)


def conversion_probability(counts: np.ndarray, removed: int | None = None) -> float:
    """P(reaching conversion from start) of the chain the counts estimate, optionally with
    channel `removed` (a state index) removed: every transition into it goes to null."""
    channel_count = counts.shape[0] - 3
    transient = channel_count + 1
    totals = counts.sum(axis=1, keepdims=True)
    probabilities = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    q = probabilities[:transient, :transient].copy()
    r = probabilities[:transient, channel_count + 1]
    if removed is not None:
        q[:, removed] = 0.0
    absorbed = np.linalg.solve(np.eye(transient) - q, r)
    return float(absorbed[0])


def fit_markov(counts: np.ndarray) -> MarkovFit:
    channel_count = counts.shape[0] - 3
    baseline = conversion_probability(counts)
    effects = np.zeros(channel_count)
    if baseline > 0:
        for c in range(channel_count):
            without = conversion_probability(counts, removed=1 + c)
            effects[c] = max(0.0, 1.0 - without / baseline)
    total = effects.sum()
    weights = effects / total if total > 0 else np.zeros(channel_count)
    return MarkovFit(baseline, effects, weights)


def set_shares(weights: np.ndarray, channel_set: tuple[int, ...]) -> np.ndarray | None:
    """Each channel of a journey's set gets its weight over the set's total; None when the
    set's channels weigh nothing (the journey falls back to linear)."""
    picked = weights[list(channel_set)]
    total = picked.sum()
    return picked / total if total > 0 else None
