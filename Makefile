# Two commands for a newcomer: `make run` and `make test`. Every target bootstraps .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export ATTRIBUTION_WAREHOUSE_PATH ?= $(CURDIR)/data/warehouse.duckdb
export ATTRIBUTION_RAW_DIR ?= $(CURDIR)/data/raw
DBT := cd dbt && ../$(BIN)/dbt

.PHONY: run test dev lint manifest bootstrap clean

bootstrap: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: | $(STAMP)
	mkdir -p $(DAGSTER_HOME)
	printf 'telemetry:\n  enabled: false\n' > $@

# dbt's manifest is what Dagster builds its asset graph from; parse it fresh every time.
manifest: $(STAMP)
	$(DBT) parse --quiet

run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml manifest
	$(BIN)/python -m dagster_project.run

lint: $(STAMP) manifest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	ATTRIBUTION_WAREHOUSE_PATH=:memory: $(BIN)/sqlfluff lint dbt/models

test: $(STAMP) $(DAGSTER_HOME)/dagster.yaml lint
	$(BIN)/pytest -q

dev: $(STAMP) $(DAGSTER_HOME)/dagster.yaml manifest
	$(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf data dbt/target dbt/logs
