"""settings.py reads every environment variable of the project, with a clear error."""

from __future__ import annotations

import pytest

from dagster_project.lib.warehouse import WarehouseResource
from dagster_project.settings import SettingError, load_settings


def test_defaults_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ATTRIBUTION_LOOKBACK_DAYS",
        "ATTRIBUTION_HALF_LIFE_DAYS",
        "ATTRIBUTION_QUARANTINE_ERROR_RATE",
        "ATTRIBUTION_FRESHNESS_DAYS",
        "ATTRIBUTION_AS_OF",
        "DBT_LOG_LEVEL_FILE",
        "ATTRIBUTION_DUCKDB_MEMORY_LIMIT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ATTRIBUTION_SCOPE", "")  # empty is unset
    settings = load_settings()
    assert (settings.lookback_days, settings.half_life_days, settings.scope) == (None, None, None)
    assert (settings.quarantine_error_rate, settings.freshness_days) == (0.01, 2.0)
    assert settings.dbt_log_level_file == "info"
    assert settings.duckdb_memory_limit == "6GB"


def test_values_reach_the_warehouse_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTRIBUTION_LOOKBACK_DAYS", "30")
    monkeypatch.setenv("ATTRIBUTION_HALF_LIFE_DAYS", "3.5")
    monkeypatch.setenv("ATTRIBUTION_FRESHNESS_DAYS", "7")
    monkeypatch.setenv("ATTRIBUTION_AS_OF", "2026-01-01")
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    monkeypatch.setenv("ATTRIBUTION_DUCKDB_MEMORY_LIMIT", "3GB")
    warehouse = WarehouseResource.from_settings()
    assert (warehouse.lookback_days, warehouse.half_life_days) == (30, 3.5)
    assert warehouse.freshness_days == 7.0 and warehouse.as_of == "2026-01-01"
    assert warehouse.dbt_env()["DBT_LOG_LEVEL_FILE"] == "debug"
    assert warehouse.dbt_env()["ATTRIBUTION_DUCKDB_MEMORY_LIMIT"] == "3GB"
    assert warehouse.dbt_vars()["attribution_lookback_days"] == 30


@pytest.mark.parametrize(
    ("name", "value"),
    [("ATTRIBUTION_LOOKBACK_DAYS", "30.5"), ("ATTRIBUTION_FRESHNESS_DAYS", "two")],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError, match=name):
        load_settings()
