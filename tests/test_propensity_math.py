"""Buyer propensity's math on data the test writes, checked against values worked out by hand:
deciles, AUC, Brier, lift and calibration; which snapshots train, judge and get scored; the
drivers named; a model that must not fail on a user's thin data (one outcome, nothing to
score, nothing at all); and the sets read from a DuckDB file batch by batch, equal to the sets
taken from the whole table."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dagster_project.lib.engines import DuckDBEngine
from dagster_project.lib.propensity import channels, metrics, reading
from dagster_project.lib.propensity.specs import ModelSpec
from dagster_project.lib.propensity.train import (
    BOOSTING,
    LOGISTIC,
    SHUFFLES,
    Settings,
    _fit,
    _predict,
    drivers,
    fitted,
    run,
    run_sets,
    shuffled_auc,
    split,
)

SPEC = ModelSpec(
    name="toy",
    table="toy",
    key="snapshot_id",
    entity="entity_id",
    outcome="outcome",
    numeric=("signal", "noise"),
    log_features=("noise",),
    categorical=("segment",),
)
CUTOFF = pd.Timestamp("2026-04-01")
AS_OF = pd.Timestamp("2026-10-01")
SETTINGS = Settings(cutoff_at=CUTOFF, as_of_at=AS_OF, seed=7)


def test_deciles_count_from_the_top_and_break_ties_by_key() -> None:
    scores = pd.Series([0.5] * 10 + [0.9] * 10)
    keys = pd.Series([f"k{i:02d}" for i in range(20)])
    got = metrics.deciles(scores, keys)
    # The ten 0.9s fill deciles 1-5 (two each) in key order k10, k11, ...; the 0.5s 6-10.
    assert got.tolist() == [6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_auc_brier_and_lift_by_hand() -> None:
    outcomes = pd.Series([0, 0, 1, 1] * 5)
    scores = pd.Series([0.1, 0.4, 0.35, 0.8] * 5)
    keys = pd.Series([f"k{i:02d}" for i in range(20)])
    got = metrics.summary(outcomes, scores, keys)
    # Pairs (won, lost): 0.35 beats 0.1 but not 0.4; 0.8 beats both: 3 of 4 orderings right,
    # and every tie across the copies counts one half: (25 x 3 + 0) / 100 = 0.75.
    assert got["auc"] == pytest.approx(0.75)
    # Brier: mean of 0.01, 0.16, 0.4225, 0.04 = 0.158125.
    assert got["brier"] == pytest.approx(0.158125)
    assert got["base_rate"] == pytest.approx(0.5)
    # The top tenth: the two highest (0.8, both won): rate 1, lift 1 / 0.5 = 2.
    assert got["top_decile_rate"] == pytest.approx(1.0)
    assert got["top_decile_lift"] == pytest.approx(2.0)


def test_calibration_by_hand() -> None:
    scores = pd.Series(np.linspace(0.05, 0.95, 20))
    outcomes = pd.Series([0] * 10 + [1] * 10)
    keys = pd.Series([f"k{i:02d}" for i in range(20)])
    table = metrics.calibration(outcomes, scores, keys)
    assert table["decile"].tolist() == list(range(1, 11))
    assert table["evaluated_rows"].tolist() == [2] * 10
    assert table["observed_rate"].tolist() == [1.0] * 5 + [0.0] * 5
    top = table.iloc[0]
    assert top["mean_score"] == pytest.approx((0.95 + scores.iloc[18]) / 2)


def test_auc_is_undefined_on_one_outcome() -> None:
    assert metrics.auc(np.array([1, 1]), np.array([0.2, 0.3])) is None


def _frame(rows: int, seed: int = 1, signal: float = 2.0) -> pd.DataFrame:
    """Monthly snapshots of entities whose outcome follows `signal` (and not `noise`)."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2025-01-01", AS_OF, freq="MS")
    taken = pd.Series(rng.choice(months, rows))
    x = rng.normal(size=rows)
    won = (rng.random(rows) < 1 / (1 + np.exp(-signal * x))).astype(int)
    known_at = taken + pd.to_timedelta(rng.integers(1, 120, rows), unit="D")
    frame = pd.DataFrame(
        {
            "snapshot_id": [f"s{i:05d}" for i in range(rows)],
            "entity_id": [f"e{i:05d}" for i in range(rows)],
            "snapshot_at": taken,
            "signal": x,
            "noise": rng.poisson(3, rows).astype(float),
            "segment": rng.choice(["SMB", "Enterprise"], rows),
            "outcome": won.astype(float),
            "outcome_known_at": known_at,
        }
    )
    scored = frame["snapshot_at"] == AS_OF
    frame.loc[scored, ["outcome", "outcome_known_at"]] = [np.nan, pd.NaT]
    return frame


def test_training_is_before_the_cutoff_and_evaluation_after() -> None:
    frame = _frame(600)
    training, evaluation, refit, scoring = split(frame, SPEC, SETTINGS)
    assert (training["snapshot_at"] < CUTOFF).all()
    assert (training["outcome_known_at"] <= CUTOFF).all()
    assert (evaluation["snapshot_at"] >= CUTOFF).all()
    assert (evaluation["snapshot_at"] < AS_OF).all()
    assert (evaluation["outcome_known_at"] <= AS_OF).all()
    assert (scoring["snapshot_at"] == AS_OF).all()
    # Every row with a known outcome before the as-of time is refitted on, none twice.
    known = frame[frame["outcome"].notna() & (frame["outcome_known_at"] <= AS_OF)]
    assert sorted(refit["snapshot_id"]) == sorted(known["snapshot_id"])
    # A snapshot before the cutoff whose outcome came after it is in neither set.
    late = frame[(frame["snapshot_at"] < CUTOFF) & (frame["outcome_known_at"] > CUTOFF)]
    assert len(late) > 0
    assert not set(late["snapshot_id"]) & set(training["snapshot_id"])
    assert not set(late["snapshot_id"]) & set(evaluation["snapshot_id"])


def test_a_real_signal_is_found_and_shuffled_labels_find_none() -> None:
    result = run(_frame(3000), SPEC, SETTINGS)
    assert result.metrics["auc"] > 0.75
    assert abs(result.metrics["shuffled_auc"] - 0.5) < 0.05
    assert result.calibration["evaluated_rows"].sum() == result.metrics["evaluation_rows"]
    assert set(result.scores["decile"]) == set(range(1, 11))


@pytest.mark.parametrize("kind", [LOGISTIC, BOOSTING])
def test_shuffled_auc_equals_whole_pipelines_refitted_per_shuffle(kind: str) -> None:
    """shuffled_auc encodes the features once and refits only the classifier: the same AUCs
    as fitting the whole pipeline on every shuffle (the encoding never reads the labels)."""
    frame = _frame(800)
    frame.loc[frame.index[::7], "noise"] = np.nan  # the imputer has something to fill
    training, evaluation, _, _ = split(frame, SPEC, SETTINGS)
    labels = training[SPEC.outcome].astype(int).to_numpy()
    outcomes = evaluation[SPEC.outcome].astype(int).to_numpy()
    rng = np.random.default_rng(SETTINGS.seed)
    aucs = []
    for _ in range(SHUFFLES):
        model = _fit(kind, training, SPEC, SETTINGS.seed, rng.permutation(labels))
        aucs.append(metrics.auc(outcomes, _predict(model, evaluation, SPEC, 0.0)))
    expected = float(np.mean([a for a in aucs if a is not None]))
    assert shuffled_auc(training, evaluation, SPEC, kind, SETTINGS.seed) == expected


def test_the_suite_fits_on_one_openmp_thread() -> None:
    """conftest.py sets OMP_NUM_THREADS=1 before scikit-learn loads (it says why); a plugin or
    import that loaded OpenMP first would bring back two spinning threads per worker."""
    import sklearn.ensemble  # noqa: F401 (loads scikit-learn's OpenMP runtime)
    import threadpoolctl  # a dependency of scikit-learn

    openmp = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "openmp"]
    assert openmp, "scikit-learn loaded no OpenMP runtime"
    assert {p["num_threads"] for p in openmp} == {1}


def test_the_driver_named_first_is_the_feature_that_raises_the_score() -> None:
    frame = _frame(3000)
    _, _, refit, _ = split(frame, SPEC, SETTINGS)
    model = fitted(LOGISTIC, refit, SPEC, 7)
    rows = refit.head(2).copy()
    rows["signal"] = [3.0, -3.0]  # far above and far below the typical value (about 0)
    named = drivers(model, rows, refit, SPEC)
    assert named.iloc[0]["driver_1"] == "signal: 3"
    # A low signal lowers the score: it is never named as raising it.
    assert not any(str(v).startswith("signal") for v in named.iloc[1].dropna())


@pytest.mark.parametrize(
    "shape",
    [
        "one outcome only",
        "nothing to score",
        "no rows at all",
        "nothing before the cutoff",
        "missing numbers",
    ],
)
def test_thin_data_scores_without_failing(shape: str) -> None:
    frame = _frame(400)
    if shape == "one outcome only":
        frame.loc[frame["outcome"].notna(), "outcome"] = 0.0
    elif shape == "nothing to score":
        frame = frame[frame["snapshot_at"] < AS_OF]
    elif shape == "no rows at all":
        frame = frame.iloc[0:0]
    elif shape == "missing numbers":  # e.g. a deal's USD amount when its currency has no rate
        frame.loc[frame.index % 3 == 0, "signal"] = np.nan
    else:
        frame = frame[frame["snapshot_at"] >= CUTOFF]
    result = run(frame, SPEC, SETTINGS)
    scored = frame["snapshot_at"] == AS_OF
    assert len(result.scores) == int(scored.sum())
    assert result.scores["score"].between(0, 1).all()
    assert result.metrics["scored_rows"] == int(scored.sum())


def test_large_sets_are_sampled_down_the_same_way_every_time() -> None:
    frame = _frame(2000)
    small = Settings(cutoff_at=CUTOFF, as_of_at=AS_OF, seed=7, max_rows=100)
    first = split(frame, SPEC, small)
    again = split(frame.sample(frac=1, random_state=3), SPEC, small)
    full = split(frame, SPEC, SETTINGS)
    for part, same, whole in zip(first[:3], again[:3], full[:3], strict=True):
        assert len(part) == min(100, len(whole))
        assert part["snapshot_id"].tolist() == same["snapshot_id"].tolist()
        assert set(part["snapshot_id"]) <= set(whole["snapshot_id"])
    # What is scored is never sampled.
    assert len(first[3]) == len(full[3])


def test_touches_by_channel_become_one_feature_per_channel() -> None:
    frame = pd.DataFrame(
        {
            "account_id": ["a", "a", "b"],
            "snapshot_at": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-01-01"]),
            "x": [1, 2, 3],
        }
    )
    long = pd.DataFrame(
        {
            "account_id": ["a", "a", "b"],
            "snapshot_at": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-01"]),
            "channel": ["Webinar", "Paid Search", "Webinar"],
            "touches_90d": [2, 5, 1],
        }
    )
    touches = channels.ChannelTouches.from_long(long)
    names = ("channel_touches_90d:Paid Search", "channel_touches_90d:Webinar")
    assert touches.names == names
    spec = touches.spec(SPEC)
    assert spec.numeric == (*SPEC.numeric, *names)
    assert set(names) <= set(spec.log_features)
    joined = touches.join(frame)
    assert joined["x"].tolist() == [1, 2, 3]  # the snapshots' order is kept
    assert joined[list(names)].to_numpy().tolist() == [[5, 2], [0, 0], [0, 1]]
    assert channels.label(names[1]) == "touches via Webinar in the last 90 days"
    # No channel touched at all: nothing to add.
    empty = channels.ChannelTouches.from_long(long.iloc[0:0])
    assert empty.names == ()
    assert empty.join(frame).equals(frame)


def test_a_model_reads_the_channel_features_of_its_own_snapshots() -> None:
    frame = _frame(600)
    frame["account_id"] = frame["entity_id"]
    long = pd.DataFrame(
        {
            "account_id": frame["account_id"],
            "snapshot_at": frame["snapshot_at"],
            "channel": "Webinar",
            "touches_90d": (frame["signal"] > 0).astype(int) * 3,
        }
    )
    result = run(frame, SPEC, SETTINGS, channels.ChannelTouches.from_long(long))
    assert result.metrics["auc"] > 0.75
    named = result.scores[["driver_1", "driver_2", "driver_3"]].stack().dropna().tolist()
    assert any(n.startswith("touches via Webinar in the last 90 days: ") for n in named)


def _warehouse(path: Path, frame: pd.DataFrame, max_rows: int) -> DuckDBEngine:
    """A DuckDB file holding the snapshots, the settings row and the touches by channel."""
    touches = pd.DataFrame(
        {
            "account_id": frame["account_id"],
            "snapshot_at": frame["snapshot_at"],
            "channel": np.where(frame["noise"] > 3, "Webinar", "Paid Search"),
            "touches_90d": frame["noise"].astype(int),
        }
    )
    settings = pd.DataFrame(
        {"as_of_at": [AS_OF], "cutoff_at": [CUTOFF], "seed": [7], "max_rows": [max_rows]}
    )
    tables = {SPEC.table: frame, reading.SETTINGS_TABLE: settings, channels.TABLE: touches}
    with duckdb.connect(str(path)) as con:
        con.execute("create schema intermediate")
        for name, rows in tables.items():
            con.register("rows", rows)
            con.execute(f"create table intermediate.{name} as select * from rows")
            con.unregister("rows")
    return DuckDBEngine(str(path), "1GB")


@pytest.mark.parametrize(
    ("rows", "max_rows", "shape"),
    [
        (12_000, 500, "sampled"),
        (12_000, 1_000_000, "whole"),
        (3_000, 200, "nothing to score"),
        (0, 200, "no rows at all"),
    ],
)
def test_sets_read_in_batches_are_the_sets_split_takes_from_the_whole_table(
    tmp_path: Path, rows: int, max_rows: int, shape: str
) -> None:
    frame = _frame(max(rows, 1)).sample(frac=1, random_state=5).head(rows)  # stored unordered
    frame["account_id"] = frame["entity_id"].str.slice(0, 4)  # accounts of many snapshots
    if shape == "nothing to score":
        frame = frame[frame["snapshot_at"] < AS_OF]
    engine = _warehouse(tmp_path / "w.duckdb", frame, max_rows)
    settings = Settings(cutoff_at=CUTOFF, as_of_at=AS_OF, seed=7, max_rows=max_rows)
    batches = list(engine.batches(f"select * from intermediate.{SPEC.table}", 2048))
    assert len(batches) == max(1, -(-len(frame) // 2048))  # more than one batch when it can

    got = reading.read_sets(engine.query, lambda sql: engine.batches(sql, 2048), SPEC, settings)
    whole = engine.query(f"select * from intermediate.{SPEC.table}")
    expected = split(whole, SPEC, settings)
    for part, want in zip(got, expected, strict=True):
        assert len(part) == len(want)
        pd.testing.assert_frame_equal(part, want.reset_index(drop=True), check_dtype=False)
    if shape == "sampled":
        assert [len(part) for part in got[:3]] == [max_rows] * 3

    touches = reading.read_touches(engine.query, lambda sql: engine.batches(sql, 2048), got)
    everything = channels.ChannelTouches.from_long(
        engine.query(f"select * from intermediate.{channels.TABLE}")
    )
    assert touches.names == everything.names
    assert len(touches.wide) <= len(everything.wide)
    for part in got:
        pd.testing.assert_frame_equal(touches.join(part), everything.join(part), check_dtype=False)
    if shape == "sampled":
        assert len(touches.wide) < len(everything.wide)  # only the sampled snapshots' touches
        result = run_sets(got, SPEC, settings, touches)
        reference = run(whole, SPEC, settings, everything)
        pd.testing.assert_frame_equal(result.scores, reference.scores)
        assert result.metrics == reference.metrics
