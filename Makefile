# `make` sets everything up and builds the handbook; `make test` runs every test.
# Each step is incremental: a second `make` with nothing changed does no work.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: all build test bench serve clean distclean

all: build

# The virtual environment, rebuilt only when the pinned requirements or the project's metadata change.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

build: $(STAMP)
	@scripts/system-deps.sh build
	$(BIN)/handbook build

test: $(STAMP)
	@scripts/system-deps.sh test
	$(BIN)/python -m pytest

bench: $(STAMP)
	@scripts/system-deps.sh bench
	$(BIN)/python -m bench
	$(BIN)/python -m bench.relevance
	$(BIN)/python -m bench.pathological
	$(BIN)/python -m bench.booklets
	$(BIN)/python -m bench.incremental

serve: build
	$(BIN)/handbook serve

# Built output only: seeds/, docs/ and hand-written pages are never touched.
clean:
	rm -rf site build

distclean: clean
	rm -rf $(VENV)
