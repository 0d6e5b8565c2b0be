# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make demo   read, check and render the bundled real reports into reports/
#   make test   run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,ocr]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/govdisclosure batch data/corpus -o reports

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/bench_parse.py
	$(BIN)/python bench/bench_damage.py
	$(BIN)/python bench/bench_checks.py
	$(BIN)/python bench/bench_render.py
	$(BIN)/python bench/bench_index.py
	$(BIN)/python bench/bench_corpus.py

clean:
	rm -rf $(VENV) reports
