# Quick start: `make demo` shows dunmail at work, `make test` runs every test.
.PHONY: demo test lint bench

demo:
	@bash tests/run.sh --setup
	.venv/bin/dunmail demo

test:
	bash tests/run.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy daemon/domain parsers

bench:
	.venv/bin/python bench/run_all.py
