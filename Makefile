# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint typecheck unit bench

setup:
	@bash scripts/bootstrap.sh

demo: setup
	$(BIN)/verzuim-gateway demo --workdir demo-out

lint: setup
	$(BIN)/ruff check gateway adapters demo tests bench

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -n 2 -q

test: lint typecheck unit

bench: setup
	$(BIN)/python bench/rules.py
