# Fresh start: `make crawl` sets up and runs the crawl; `make test` sets up and runs the tests.
VENV ?= .venv
BIN = $(VENV)/bin
ARGS ?=

SCHEDULES ?= 200

.PHONY: crawl demo test test-min-scrapy lint docs bench soak coverage

$(BIN)/scrapy: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

crawl: $(BIN)/scrapy
	$(BIN)/scrapy crawl channel9 $(ARGS)

# The project offline in about a minute: the fake site crawled into demo/ (never data/),
# its dataset, card and plot built there, the runs shown (see channel9/demo/run.py).
demo: $(BIN)/scrapy
	$(BIN)/python -m channel9.demo.run demo

lint: $(BIN)/scrapy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Four workers on two cores: the tests spend much of their time waiting on sockets and on
# the processes they start, so two workers leave the cores idle (5:47 against 3:50 here).
# Work stealing: a worker left idle takes tests queued on another, so all four end together.
# Bytecode caches written even where the environment turns them off (PYTHONDONTWRITEBYTECODE):
# otherwise each worker rewrites every test module's asserts again (collection 6 s, not 4).
test: export PYTHONDONTWRITEBYTECODE =
test: lint
	$(BIN)/pytest -n 4 --dist worksteal

# The oldest Scrapy the project supports (the pin in pyproject.toml), in a second venv:
# whole crawls, inputs, the archive, robots.txt and the public-API check.
MIN_VENV ?= .venv-min-scrapy
MIN_SCRAPY = $(shell sed -n 's/.*"scrapy>=\([0-9.]*\),.*/\1/p' pyproject.toml)
test-min-scrapy:
	python3 -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/python -m pip install --quiet -e '.[test,scrapyd]' 'scrapy==$(MIN_SCRAPY)'
	$(MIN_VENV)/bin/pytest -n 2 tests/test_public_api.py tests/crawl/test_crawl.py \
		tests/crawl/test_inputs.py tests/archive/test_archive.py tests/crawl/test_hostile.py -k 'not soak'

# The manual (docs/, mkdocs.yml) as a website in site/; strict, so that a broken link or a
# missing page fails the build. The reference pages are generated from the code.
docs: $(BIN)/scrapy
	$(BIN)/mkdocs build --strict --site-dir site

# The randomized fault test at length: SCHEDULES seeded schedules of faults, kills and
# bounded runs (the short version runs in `make test`).
soak: $(BIN)/scrapy
	CHANNEL9_SOAK_SCHEDULES=$(SCHEDULES) $(BIN)/pytest tests/crawl/test_chaos.py -k soak -n 2

# The share of the project's lines the suite runs (in its own process: the crawls and
# commands it starts as processes of their own are not counted).
coverage: $(BIN)/scrapy
	$(BIN)/pytest -n 4 --cov=channel9 --cov-report=term

bench: $(BIN)/scrapy
	$(BIN)/python benchmarks/crawl.py
	$(BIN)/python benchmarks/crawl.py --articles 600 --heavy
	$(BIN)/python benchmarks/gc_threshold.py
	$(BIN)/python benchmarks/archive_compression.py
	$(BIN)/python benchmarks/dataset.py
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/quiet_runs.py
