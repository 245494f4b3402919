# Build and check the qkv-notebooks series. Every target uses the
# project's own virtual environment in .venv, made on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
START := notebooks/00-start-here.ipynb
LAB_ARGS ?=
# Jupyter refuses to run as root unless told; containers often are root.
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True)

.PHONY: venv lab test notebooks bench clean

venv: $(STAMP)

# Reinstall whenever a pin or the package metadata changes.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements-dev.txt
	$(BIN)/python -m pip install -e .
	# No prompt about Jupyter news in the lab; nothing to fetch here.
	$(BIN)/jupyter labextension disable --level=sys_prefix \
	  @jupyterlab/apputils-extension:announcements
	touch $@

# Local address only, token on; no news feed or update check.
lab: $(STAMP)
	unset MPLBACKEND; $(BIN)/jupyter lab \
	  --ServerApp.ip=127.0.0.1 \
	  --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.news_url=None \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  --LabApp.extension_manager=readonly \
	  --LabApp.default_url=/lab/tree/$(START) \
	  $(ROOT_ARGS) $(LAB_ARGS)

# pytest exits 5 when it collected nothing; that is a failure too.
test: $(STAMP)
	$(BIN)/ruff check
	unset MPLBACKEND; \
	$(BIN)/python -m pytest --nbval --doctest-modules \
	  qkvlib tests notebooks; \
	status=$$?; \
	if [ $$status -eq 5 ]; then \
	  echo "make test: pytest collected no tests" >&2; \
	fi; \
	exit $$status

notebooks: $(STAMP)
	unset MPLBACKEND; $(BIN)/python ci/build_notebooks.py

bench: $(STAMP)
	$(BIN)/python ci/bench.py
	$(BIN)/python ci/bench_widgets.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
