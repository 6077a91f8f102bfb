"""How good a score is on outcomes it never saw: AUC, Brier, calibration by decile and the top
decile's lift. Deciles count from the top: decile 1 holds the tenth with the highest scores,
the accounts and deals sales should call first."""

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

DECILES = 10


def deciles(scores: pd.Series, keys: pd.Series) -> pd.Series:
    """1 for the highest tenth .. 10; ties in the score are ordered by key, so the split is
    repeatable."""
    frame = pd.DataFrame({"score": scores.to_numpy(), "key": keys.to_numpy()})
    order = frame.sort_values(["score", "key"], ascending=[False, True], kind="mergesort").index
    ranks = np.empty(len(frame), dtype=np.int64)
    ranks[order.to_numpy()] = np.arange(len(frame))
    return pd.Series(1 + (ranks * DECILES) // max(len(frame), 1), index=scores.index)


def auc(outcomes: np.ndarray, scores: np.ndarray) -> float | None:
    """None when the outcomes are all one kind: no order to judge."""
    if len(np.unique(outcomes)) < 2:
        return None
    return float(roc_auc_score(outcomes, scores))


def calibration(outcomes: pd.Series, scores: pd.Series, keys: pd.Series) -> pd.DataFrame:
    """Per decile: rows evaluated, mean predicted probability and the rate that happened."""
    frame = pd.DataFrame(
        {
            "decile": deciles(scores, keys),
            "score": scores.to_numpy(),
            "outcome": outcomes.to_numpy(),
        }
    )
    table = frame.groupby("decile", sort=True).agg(
        evaluated_rows=("outcome", "size"),
        positives=("outcome", "sum"),
        mean_score=("score", "mean"),
        observed_rate=("outcome", "mean"),
    )
    return table.reset_index()


def summary(outcomes: pd.Series, scores: pd.Series, keys: pd.Series) -> dict[str, float | None]:
    """AUC, Brier, the base rate and the top decile's rate and lift over the base rate."""
    y = outcomes.to_numpy(dtype=float)
    p = scores.to_numpy(dtype=float)
    if len(y) == 0:
        return dict.fromkeys(("auc", "brier", "base_rate", "top_decile_rate", "top_decile_lift"))
    base = float(y.mean())
    top = float(y[(deciles(scores, keys) == 1).to_numpy()].mean())
    return {
        "auc": auc(y, p),
        "brier": float(brier_score_loss(y, p)),
        "base_rate": base,
        "top_decile_rate": top,
        "top_decile_lift": top / base if base > 0 else None,
    }
