# Linli: `make run` starts everything; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install run test unit bench fuzz broker chromium clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@bash deploy/local/python.sh "$(PYTHON)" "$(VENV)"
	@$(VENV)/bin/pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
	@$(PY) -c "import nameko, pymongo, secantus, flask_smorest" || { echo "dependency install failed; see the pip output above." >&2; exit 1; }
	@touch $@

broker:
	@bash deploy/local/broker.sh

# Debian's chromium and chromedriver for the browser tests (tests/browser/), installed when missing.
chromium:
	@bash deploy/local/chromium.sh

# Start RabbitMQ (if needed), the embedded database (unless MONGO_URI is set), every
# service and the gateway. SCALE="canteen=3 library=2" runs replicas. Ctrl-C stops it all.
run: install
	@bash deploy/local/broker.sh --mark var/broker-started-by-make-run
	@$(PY) deploy/local/run.py

# The whole suite: unit, integration and end-to-end, on a real broker and database.
test: install broker chromium
	@$(PY) -m pytest $(PYTEST_ARGS)

unit: install
	@$(PY) -m pytest tests/unit $(PYTEST_ARGS)

# Throughput and latency through the gateway against the bare RPC echo, in one run.
bench: install broker
	@$(PY) -c "import matplotlib" 2>/dev/null || $(VENV)/bin/pip install -q -e '.[test,bench]' 2>&1 | grep -v '^WARNING: Location' || true
	@$(PY) tests/load/bench.py $(BENCH_ARGS)

# The long fuzz run: every route, 1000 examples each, random seed (make test runs 20).
fuzz: install broker
	@LINLI_FUZZ_EXAMPLES=$${LINLI_FUZZ_EXAMPLES:-1000} LINLI_FUZZ_SECONDS=$${LINLI_FUZZ_SECONDS:-1800} $(PY) -m pytest tests/e2e/test_fuzz.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var/test-logs bench-results
