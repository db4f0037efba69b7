# koppmeta: the two commands a newcomer needs are `make reproduce` and `make test`.
# Both create .venv (Python 3.11+) and install the package with what it needs when missing,
# at the exact versions (and hashes) of requirements.lock, so every machine runs the same code.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.koppmeta-installed
LOCK   := requirements.lock
UV     := uv==0.13.9
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: setup reproduce test test-browser lab sync sync-data fixtures bench baselines lock clean

# The files of data/ that the package carries in src/koppmeta/datasets/evidence/ (same list as koppmeta.project.paths.EVIDENCE_FILES).
EVIDENCE_FILES := studies.csv reviews.csv gaps.csv review_trials.csv datapackage.json README.md GAPS.md

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "koppmeta needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) install --quiet --require-hashes -r $(LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

setup: $(STAMP)

## Execute every notebook headless; write figures/ (emptied first, so a figure no notebook writes any more
## leaves it and its manifest), reports/ (notebook pages, the evidence report in Dutch and English as HTML and
## DOCX, the landing page index.html) and the manifest.
reproduce: $(STAMP)
	$(BIN)/koppmeta reproduce

## Run the test suite (parity with metafor, data validation, notebooks).
test: $(STAMP)
	$(BIN)/python -m pytest

## Start JupyterLab on the notebooks with the project's environment and kernel (open the URL it prints).
## JUPYTER_PREFER_ENV_PATH=1 picks the kernel of .venv even if you have a python3 kernel of your own.
lab: $(STAMP)
	JUPYTER_PREFER_ENV_PATH=1 KOPPMETA_ROOT=$(CURDIR) $(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(LAB_ARGS)

## Run notebooks/10_explore in JupyterLab, and reports/explore.html from file://, in headless Chromium
## (needs Debian's chromium and chromium-driver).
test-browser: $(STAMP)
	$(BIN)/python -m pytest -q -rs tests/test_browser.py tests/test_explore_browser.py

## Bring each notebook's .py (py:percent) and .ipynb back in step after editing either.
sync: $(STAMP)
	$(BIN)/jupytext --sync notebooks/[0-9][0-9]_*.py

## Copy the curated evidence base (data/, the source of truth) into the package, so an installed wheel carries it.
## Run after every change to data/; tests/test_packaging.py fails until the copies are equal.
sync-data:
	cp $(addprefix data/,$(EVIDENCE_FILES)) src/koppmeta/datasets/evidence/

## Regenerate the metafor and clubSandwich reference values (needs R with metafor, metadat, clubSandwich).
fixtures:
	Rscript tests/r/make_fixtures.R
	Rscript tests/r/make_fixtures_regression.R
	Rscript tests/r/make_fixtures_bias.R
	Rscript tests/r/make_fixtures_multilevel.R
	Rscript tests/r/make_fixtures_gosh.R
	Rscript tests/r/make_fixtures_own_data.R
	Rscript tests/r/make_fixtures_rare.R

## Time koppmeta against statsmodels, PyMARE and metafor (if Rscript is present); writes benchmarks/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python benchmarks/run.py --write

## Redraw the stored comparison images of tests/test_plotting.py after an intended change to a figure.
baselines: $(STAMP)
	$(BIN)/python tests/test_plotting.py --write-baselines

## Regenerate requirements.lock from the ranges in pyproject.toml (newest versions they allow,
## with hashes, for CPython 3.11 and newer on every platform); then run make test.
lock: | $(BIN)/python
	$(PIP) install --quiet $(UV)
	$(BIN)/uv pip compile pyproject.toml requirements-build.in --extra notebooks --extra test \
	  --universal --python-version 3.11 --generate-hashes --quiet -o $(LOCK)

clean:
	rm -rf $(VENV) reports .pytest_cache
