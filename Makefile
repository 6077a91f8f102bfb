# Two commands for a newcomer: `make run` and `make test`. Every target bootstraps .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export ATTRIBUTION_WAREHOUSE_PATH ?= $(CURDIR)/data/warehouse.duckdb
export ATTRIBUTION_RAW_DIR ?= $(CURDIR)/data/raw
export PATH := $(abspath $(BIN)):$(PATH)
DBT := cd dbt && $(abspath $(BIN))/dbt

.PHONY: run test check dev docs lint manifest bootstrap clean browser report-screenshot \
	cluster-up cluster-down test-spark-session

bootstrap: $(STAMP)

# A venv is complete once pip is in it (venv installs pip last): one whose creation was
# interrupted (a python without pip) is made again rather than failing every later make.
$(BIN)/pip:
	$(PYTHON) -m venv --clear $(VENV)

$(STAMP): pyproject.toml | $(BIN)/pip
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The Spark engine (pyspark, dbt-spark) is an optional extra: `make test` always proves both
# engines; `make run` installs it only when DBT_TARGET=spark.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(SPARK_STAMP)

ENGINE_STAMP := $(if $(filter spark spark_thrift,$(DBT_TARGET)),$(SPARK_STAMP),$(STAMP))

$(DAGSTER_HOME)/dagster.yaml: | $(STAMP)
	mkdir -p $(DAGSTER_HOME)
	printf 'telemetry:\n  enabled: false\n' > $@

# dbt's manifest is what Dagster builds its asset graph from. It is parsed again only when
# something it is made of changed: a file of the dbt project, the installed packages, or an
# environment variable the project reads (PARSE_ENV, remembered in dbt/target/.parse-env).
# A second `make run` on unchanged inputs parses nothing.
MANIFEST := dbt/target/manifest.json
PARSE_ENV_FILE := dbt/target/.parse-env
PARSE_ENV := $(foreach name,DBT_TARGET DBT_THREADS ATTRIBUTION_WAREHOUSE_PATH ATTRIBUTION_RAW_DIR \
	ATTRIBUTION_RAW_LOCATION ATTRIBUTION_SPARK_DIR ATTRIBUTION_SPARK_MASTER \
	ATTRIBUTION_SPARK_PARTITIONS ATTRIBUTION_DUCKDB_MEMORY_LIMIT ATTRIBUTION_SPARK_HOST \
	ATTRIBUTION_SPARK_PORT ATTRIBUTION_SPARK_USER ATTRIBUTION_SPARK_AUTH,$(name)=$($(name)))
DBT_PROJECT_FILES := $(shell find dbt/dbt_project.yml dbt/profiles.yml dbt/models dbt/macros \
	dbt/lookups dbt/tests -type f 2>/dev/null)
$(shell mkdir -p dbt/target && { test "$$(cat $(PARSE_ENV_FILE) 2>/dev/null)" = "$(PARSE_ENV)" \
	|| echo "$(PARSE_ENV)" > $(PARSE_ENV_FILE); })

# Parsed for the target the runs use (dagster-dbt passes --target): dbt keys its saved parse
# on the target named, so a parse without one would be parsed again in full by the first run.
$(MANIFEST): $(STAMP) $(PARSE_ENV_FILE) $(DBT_PROJECT_FILES)
	$(DBT) parse --quiet --target $(or $(strip $(DBT_TARGET)),duckdb)
	touch $@

manifest: $(MANIFEST)

run: $(ENGINE_STAMP) $(DAGSTER_HOME)/dagster.yaml manifest
	$(BIN)/python -m dagster_project.run

# The Dagster UI on the same project, DAGSTER_HOME and warehouse as `make run`: its runs,
# check results and the daily schedule (the daemon runs alongside). DEV_PORT picks the port.
DEV_PORT ?= 3000
dev: $(ENGINE_STAMP) $(DAGSTER_HOME)/dagster.yaml manifest
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(DEV_PORT)

# A Spark cluster on this machine from the pinned pyspark (master, one worker, the Thrift
# server that DBT_TARGET=spark_thrift talks to), all bound to 127.0.0.1, its files under
# data/spark_cluster (ATTRIBUTION_SPARK_CLUSTER_DIR); down stops what up started, only that.
cluster-up: $(SPARK_STAMP)
	$(BIN)/python -m dagster_project.lib.spark_cluster up

cluster-down: $(SPARK_STAMP)
	$(BIN)/python -m dagster_project.lib.spark_cluster down

# What runs produce: the data area (warehouse, raw files, serving copies, report, Dagster's
# run history, Spark's warehouse) and the logs and targets of dbt and Spark. The sources, the
# committed sample exports (seeds/), the dbt lookups (dbt/lookups/) and .venv stay.
clean:
	rm -rf data dbt/target dbt/logs logs derby.log dbt/derby.log

# dbt docs (models, columns, tests, lineage to the exposures) as one self-contained page,
# dbt/target/static_index.html, with the catalog of the warehouse (built first if missing).
docs: $(STAMP) manifest
	test -f $(ATTRIBUTION_WAREHOUSE_PATH) || $(MAKE) run
	$(DBT) docs generate --static --quiet
	@echo "dbt docs: $(CURDIR)/dbt/target/static_index.html"

# sqlfluff on every core (--processes 0): the dbt templater compiles once, then the files are
# linted in parallel (78 s on one process, 47 s on two).
lint: $(STAMP) manifest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	ATTRIBUTION_WAREHOUSE_PATH=:memory: $(BIN)/sqlfluff lint --processes 0 dbt/models

PYTEST := $(BIN)/pytest -q -n 2 --dist loadgroup --no-loadscope-reorder --durations=40

# The full gate CI runs: lint and every test, both engines, the builds, the browser; the
# slowest tests are listed at the end (the 20-minute budget is spent there).
test: $(SPARK_STAMP) $(DAGSTER_HOME)/dagster.yaml browser lint
	$(PYTEST)

# Spark in session mode (dbt-spark and the checks in this process): `make test` proves the
# same SQL on Spark through the local cluster (tests/test_spark_cluster.py) instead.
test-spark-session: $(SPARK_STAMP) $(DAGSTER_HOME)/dagster.yaml manifest
	ATTRIBUTION_TEST_SPARK_SESSION=1 $(PYTEST) tests/test_spark.py

# The edit loop: lint and every test that needs no full warehouse build and starts no dbt or
# Dagster process (the `warehouse` and `slow` markers, set in tests/conftest.py).
check: $(STAMP) $(DAGSTER_HOME)/dagster.yaml lint
	$(PYTEST) -m "not warehouse and not slow"

# Headless Chromium for the leadership report's browser test: Debian's chromium and
# chromium-driver, installed once (apt's package lists are refreshed only if needed).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_INSTALL := $(SUDO) apt-get install -y --no-install-recommends chromium chromium-driver
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || \
		{ $(APT_INSTALL) || { $(SUDO) apt-get update && $(APT_INSTALL); }; }

# A PNG of the whole leadership report (after `make run`), e.g. for release notes.
report-screenshot: $(STAMP) browser
	test -f $(ATTRIBUTION_WAREHOUSE_PATH) || $(MAKE) run
	$(BIN)/python -m dagster_project.lib.browser docs/leadership_report.png
