# Fresh start: `make crawl` sets up and runs the crawl; `make test` sets up and runs the tests.
VENV ?= .venv
BIN = $(VENV)/bin
ARGS ?=

.PHONY: crawl test lint bench

$(BIN)/scrapy: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,scrapyd]'
	touch $@

crawl: $(BIN)/scrapy
	$(BIN)/scrapy crawl channel9 $(ARGS)

lint: $(BIN)/scrapy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(BIN)/scrapy
	$(BIN)/python benchmarks/crawl.py
	$(BIN)/python benchmarks/dataset.py
