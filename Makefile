# make run: set up and start the app on the demo hospital; make test: set up and run all tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DB ?= data/demo.duckdb
PORT ?= 8501
ADDRESS ?= 127.0.0.1

.PHONY: run test setup demo bench clean

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

$(DB): | $(VENV)/.installed
	$(PY) -m analysis demo --db $(DB)

demo: $(VENV)/.installed
	$(PY) -m analysis demo --db $(DB)

run: $(VENV)/.installed $(DB)
	PARTY_DASHBOARD_DB=$(DB) $(PY) -m streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS)

test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2 --dist loadfile

bench: $(VENV)/.installed
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(DB) tests/screenshots bench/results
