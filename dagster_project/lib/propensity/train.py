"""Train on the past, judge on the months after, score at the as-of time.

Three sets of snapshot rows, by time alone: training (taken before the cutoff, outcome known
before it), evaluation (taken from the cutoff to the as-of time, outcome known by then) and
scoring (taken at the as-of time). The metrics come from a model that saw only the training
rows; the published scores come from the same kind of model refitted on every row whose outcome
was known at the as-of time. Two kinds compete on the evaluation rows: a logistic regression
and gradient boosting; boosting is used only if it judges strictly better there.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from dagster_project.lib.propensity import channels, metrics
from dagster_project.lib.propensity.specs import LABELS, ModelSpec

LOGISTIC = "logistic_regression"
BOOSTING = "gradient_boosting"
SHUFFLES = 20
SHUFFLED_ROWS = 20_000  # each shuffled fit reads at most this many training rows
DRIVERS = 3


@dataclass(frozen=True)
class Settings:
    """`max_rows`: the most snapshots a fit or a judgement reads; more are sampled down
    (seeded), as a million monthly snapshots teach a few dozen coefficients no more than a few
    hundred thousand do, and cost minutes per fit."""

    cutoff_at: pd.Timestamp
    as_of_at: pd.Timestamp
    seed: int
    max_rows: int = 100_000


@dataclass(frozen=True)
class Result:
    scores: pd.DataFrame
    metrics: dict[str, object]
    calibration: pd.DataFrame


def features(frame: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    out = frame[list(spec.numeric) + list(spec.categorical)].copy()
    for column in spec.numeric:
        out[column] = out[column].astype(float)
        if column in spec.log_features:
            out[column] = np.log1p(out[column].clip(lower=0))
    for column in spec.categorical:
        out[column] = out[column].astype(str)
    return out


def pipeline(kind: str, spec: ModelSpec, seed: int) -> Pipeline:
    """A missing number (a deal's USD amount without an fx rate) is the training median for
    the logistic regression; boosting learns where missing values go."""
    if kind == LOGISTIC:
        numeric: object = make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
        )
        classifier: object = LogisticRegression(max_iter=2000)
    else:
        numeric = "passthrough"
        classifier = HistGradientBoostingClassifier(
            max_depth=3, learning_rate=0.05, max_iter=200, random_state=seed
        )
    encode = ColumnTransformer(
        [
            ("numeric", numeric, list(spec.numeric)),
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                list(spec.categorical),
            ),
        ]
    )
    return Pipeline([("encode", encode), ("classify", classifier)])


# Training, evaluation, refit and scoring rows.
Sets = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]


def split(frame: pd.DataFrame, spec: ModelSpec, settings: Settings) -> Sets:
    """Training, evaluation, refit and scoring rows, each ordered by key (repeatable fits).
    reading.py states the same four conditions in SQL; a test holds the two equal."""
    if not frame[spec.key].is_monotonic_increasing:
        frame = frame.sort_values(spec.key, kind="mergesort")
    known = frame[spec.outcome].notna()
    taken = frame["snapshot_at"]
    known_at = frame["outcome_known_at"]
    training = frame[known & (taken < settings.cutoff_at) & (known_at <= settings.cutoff_at)]
    evaluation = frame[
        known
        & (taken >= settings.cutoff_at)
        & (taken < settings.as_of_at)
        & (known_at <= settings.as_of_at)
    ]
    refit = frame[known & (taken < settings.as_of_at) & (known_at <= settings.as_of_at)]
    scoring = frame[taken == settings.as_of_at]
    return (
        sampled(training, settings.max_rows, settings.seed),
        sampled(evaluation, settings.max_rows, settings.seed),
        sampled(refit, settings.max_rows, settings.seed),
        scoring,
    )


def sample_positions(count: int, limit: int, seed: int) -> np.ndarray | None:
    """Which of `count` rows a seeded uniform sample of at most `limit` keeps, as ascending
    positions; None: all of them. reading.py draws from the warehouse's counts with it."""
    if count <= limit:
        return None
    return np.sort(np.random.default_rng(seed).choice(count, size=limit, replace=False))


def sampled(rows: pd.DataFrame, limit: int, seed: int) -> pd.DataFrame:
    """At most `limit` rows, a seeded uniform sample in the rows' order (which is by key)."""
    keep = sample_positions(len(rows), limit, seed)
    return rows if keep is None else rows.iloc[keep]


def _fit(kind: str, rows: pd.DataFrame, spec: ModelSpec, seed: int, labels: np.ndarray) -> Pipeline:
    model = pipeline(kind, spec, seed)
    model.fit(features(rows, spec), labels)
    return model


def _predict(
    model: Pipeline | None, rows: pd.DataFrame, spec: ModelSpec, fallback: float
) -> np.ndarray:
    if model is None or rows.empty:
        return np.full(len(rows), fallback)
    return model.predict_proba(features(rows, spec))[:, 1]


def fitted(kind: str, rows: pd.DataFrame, spec: ModelSpec, seed: int) -> Pipeline | None:
    """None when the rows hold one outcome only: nothing to tell apart (scores are the rate)."""
    labels = rows[spec.outcome].astype(int).to_numpy()
    if len(np.unique(labels)) < 2:
        return None
    return _fit(kind, rows, spec, seed, labels)


def shuffled_auc(
    training: pd.DataFrame, evaluation: pd.DataFrame, spec: ModelSpec, kind: str, seed: int
) -> float | None:
    """The mean evaluation AUC of models trained on the training labels shuffled (seeded, 20
    times, on at most SHUFFLED_ROWS training rows): what no signal scores. Far from 0.5 would
    mean the features know the outcome by another route than the one the labels teach."""
    training = sampled(training, SHUFFLED_ROWS, seed)
    labels = training[spec.outcome].astype(int).to_numpy()
    outcomes = evaluation[spec.outcome].astype(int).to_numpy()
    if len(np.unique(labels)) < 2 or len(np.unique(outcomes)) < 2:
        return None
    # The encoding (imputed medians, scaling, one-hot columns) never reads the labels: it is
    # fitted and applied once, and only the classifier is refitted per shuffle: the AUCs the
    # whole pipeline gives (tests/test_propensity_math.py), the sample's two models fitted in
    # 6.07 s instead of 7.66 s (medians of 3).
    model = pipeline(kind, spec, seed)
    encode = model.named_steps["encode"]
    x_training = encode.fit_transform(features(training, spec))
    x_evaluation = encode.transform(features(evaluation, spec))
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(SHUFFLES):
        classifier = clone(model.named_steps["classify"])
        classifier.fit(x_training, rng.permutation(labels))
        values.append(metrics.auc(outcomes, classifier.predict_proba(x_evaluation)[:, 1]))
    return float(np.mean([v for v in values if v is not None]))


def drivers(
    model: Pipeline | None, rows: pd.DataFrame, reference: pd.DataFrame, spec: ModelSpec
) -> pd.DataFrame:
    """The three features that raise each row's score most: each feature in turn is set to the
    typical value of the refit rows (median; the commonest category) and the drop in the score
    is that feature's push. Only features that push up are named."""
    columns = [f"driver_{i}" for i in range(1, DRIVERS + 1)]
    if model is None or rows.empty:
        return pd.DataFrame(None, index=rows.index, columns=columns, dtype=object)
    x = features(rows, spec)
    base = model.predict_proba(x)[:, 1]
    typical = features(reference, spec)
    names = [*spec.numeric, *spec.categorical]
    push = np.empty((len(x), len(names)))
    for j, column in enumerate(names):
        moved = x.copy()
        if column in spec.numeric:
            moved[column] = float(typical[column].median())
        else:
            moved[column] = typical[column].mode().sort_values().iloc[0]
        push[:, j] = base - model.predict_proba(moved)[:, 1]
    # Largest push first; ties keep the features' order (a stable sort).
    order = np.argsort(-push, axis=1, kind="stable")[:, :DRIVERS]
    out = pd.DataFrame(None, index=rows.index, columns=columns, dtype=object)
    positions = np.arange(len(x))
    for k in range(order.shape[1]):
        picked = order[:, k]
        raises = push[positions, picked] > 0
        for j, feature in enumerate(names):
            where = raises & (picked == j)
            if where.any():
                values = rows[feature].to_numpy()[where]
                out.iloc[np.flatnonzero(where), k] = [_describe(feature, v) for v in values]
    return out


def _describe(column: str, value: object) -> str:
    """Numbers rounded to whole units with thousands separators ("amount (USD): 9,910")."""
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        value = "unknown" if np.isnan(value) else f"{float(value):,.0f}"
    return f"{channels.label(column) or LABELS.get(column, column)}: {value}"


def run(
    frame: pd.DataFrame,
    spec: ModelSpec,
    settings: Settings,
    touches: channels.ChannelTouches | None = None,
) -> Result:
    """`run_sets` on the sets `split` takes from all of a model's snapshots."""
    return run_sets(split(frame, spec, settings), spec, settings, touches)


def run_sets(
    sets: Sets,
    spec: ModelSpec,
    settings: Settings,
    touches: channels.ChannelTouches | None = None,
) -> Result:
    """Judge both kinds on the evaluation rows, keep the better, refit it and score. With
    `touches`, each set read gains the touches by channel as features (after sampling)."""
    training, evaluation, refit, scoring = sets
    if touches is not None and touches.names:
        spec = touches.spec(spec)
        training, evaluation, refit, scoring = (
            touches.join(rows) for rows in (training, evaluation, refit, scoring)
        )
    outcomes = evaluation[spec.outcome].astype(int)
    judged = {}
    for kind in (LOGISTIC, BOOSTING):
        model = fitted(kind, training, spec, settings.seed)
        base = float(training[spec.outcome].mean()) if len(training) else 0.0
        judged[kind] = pd.Series(_predict(model, evaluation, spec, base), index=evaluation.index)
    aucs = {kind: metrics.auc(outcomes.to_numpy(), s.to_numpy()) for kind, s in judged.items()}
    kind = BOOSTING if (aucs[BOOSTING] or 0) > (aucs[LOGISTIC] or 0) else LOGISTIC
    summary = metrics.summary(outcomes, judged[kind], evaluation[spec.key])
    final = fitted(kind, refit, spec, settings.seed)
    rate = float(refit[spec.outcome].mean()) if len(refit) else 0.0
    score = pd.Series(_predict(final, scoring, spec, rate), index=scoring.index)
    scores = pd.DataFrame(
        {
            "model": spec.name,
            "entity_id": scoring[spec.entity].astype(str),
            "scored_at": scoring["snapshot_at"],
            "score": score,
            "decile": metrics.deciles(score, scoring[spec.key]),
        }
    ).join(drivers(final, scoring, refit, spec))
    row: dict[str, object] = {
        "model": spec.name,
        "algorithm": kind,
        "cutoff_at": settings.cutoff_at,
        "as_of_at": settings.as_of_at,
        "training_rows": len(training),
        "training_positives": int(training[spec.outcome].sum()),
        "evaluation_rows": len(evaluation),
        "evaluation_positives": int(outcomes.sum()),
        **summary,
        "logistic_auc": aucs[LOGISTIC],
        "boosting_auc": aucs[BOOSTING],
        "shuffled_auc": shuffled_auc(training, evaluation, spec, kind, settings.seed),
        "scored_rows": len(scoring),
    }
    table = metrics.calibration(outcomes, judged[kind], evaluation[spec.key])
    table.insert(0, "model", spec.name)
    return Result(scores.reset_index(drop=True), row, table)
