# The front door. `make demo` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DB ?= archive.db

.PHONY: install demo test test-fast crawl serve bench lint

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

demo: install  ## crawl the bundled offline demo site into $(DB) and browse it in Datasette
	$(PY) -m libya_archive demo --db $(DB)

test: install  ## the test suite: real HTTP server, real Scrapy, real SQLite, real Datasette
	$(PY) -m pytest

test-fast: install  ## the tests that start no crawl, no browser and no install (~20 s)
	$(PY) -m pytest -m "not crawl and not browser and not install"

crawl: install  ## crawl every enabled outlet of outlets.yml (live, needs the internet)
	$(PY) -m libya_archive crawl --db $(DB)

serve: install  ## browse $(DB) in Datasette on 127.0.0.1:8001
	$(PY) -m libya_archive serve --db $(DB)

bench: install  ## benchmarks that print figures against a floor measured in the same run
	$(PY) bench/extraction_quality.py
	$(PY) bench/relevance_quality.py
	$(PY) bench/entities_quality.py
	$(PY) bench/crawl_throughput.py
	$(PY) bench/reextract.py
	$(PY) bench/backfill.py
	$(PY) bench/crawl_scale.py
	$(PY) bench/crawl_distributed.py
	$(PY) bench/datasette_browse.py
	$(PY) bench/dedup_nearduplicates.py

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
