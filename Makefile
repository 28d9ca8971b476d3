# One machine, no services needed: SQLite and an embedded Redis live in ./instance.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test bench clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/vilvik-server serve

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks against the machine's PostgreSQL and Redis; they empty their own databases.
BENCH_DATABASES := vilvik_bench vilvik_bench_pages
bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	@command -v wrk >/dev/null || { echo "bench.imports needs wrk (Debian: apt-get install wrk)"; exit 1; }
	@for name in $(BENCH_DATABASES); do \
	  psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$$name'" | grep -q 1 \
	    || createdb -h 127.0.0.1 -U postgres $$name; done
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.large_import
	$(BIN)/python -m bench.runs
	$(BIN)/python -m bench.sandbox
	$(BIN)/python -m bench.pages

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
