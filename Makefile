# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
RUN := $(UV) run --frozen
SEED ?= 42
PRESET ?= demo

.PHONY: install demo test lint manifest bench forecast-eval clean

# uv itself, bootstrapped into .tools/ when the machine has none.
$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

# The project venv (.venv) from the committed lock file.
.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

install: .venv/.synced

demo: manifest
	$(RUN) retailwh demo --preset $(PRESET) --seed $(SEED)

# The manifest is parsed first: a stale one from before a model change would not match dbt's run.
test: manifest
	$(RUN) pytest

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

# Ingest speed per source kind (BENCH_PRESET=ci for a quick run); results in bench/results/.
BENCH_PRESET ?= bench-M
bench: install
	BENCH_PRESET=$(BENCH_PRESET) $(RUN) python bench/ingest_bench.py

# The forecast's accuracy on a chain it was not developed on (seed 2027).
forecast-eval: manifest
	$(RUN) python bench/forecast_eval.py --preset demo --seed 2027

# Parse the dbt project once so Dagster loads fast.
manifest: install
	cd dbt_project && $(RUN) dbt parse --profiles-dir .

clean:
	rm -rf data dbt_project/target dbt_project/logs
