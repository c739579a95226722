# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint typecheck unit wheel bench

setup:
	@bash scripts/bootstrap.sh

demo: setup
	$(BIN)/verzuim-gateway demo --workdir demo-out

lint: setup
	$(BIN)/ruff check gateway adapters demo mappings tests bench

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -n 2 -q

# The wheel, installed outside the checkout, runs the pinned commands with its packaged data.
# (before unit, so the test runner's summary stays the last line)
wheel: setup
	@bash scripts/wheel_check.sh

test: lint typecheck wheel unit

bench: setup
	$(BIN)/python bench/rules.py
