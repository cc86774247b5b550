# Two commands do everything on a fresh machine with Python >= 3.11:
#   make run    create .venv, install, and open the app on the bundled pathway with a demo case
#   make test   create .venv, install, and run the whole suite headless (pytest, ruff, mypy)
# Deployment (README, "Deployment"):
#   make bundle      the frozen app in dist/her2-pathways/ (PyInstaller, onedir)
#   make wheel       wheel and sdist in dist/
#   make wheelhouse  every wheel the app needs on this OS, for an offline install
#   make lock        regenerate the hash-locked requirements/py3.X[-dev].txt (needs the network)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYVER := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
LOCK := requirements/py$(PYVER)-dev.txt
RUNTIME_LOCK := requirements/py$(PYVER).txt
LOCK_PYTHONS := 3.11 3.12 3.13
# uv installs the same locked files several times faster; plain pip when uv is not on the PATH.
UV := $(shell command -v uv 2>/dev/null)
INSTALL := $(if $(UV),$(UV) pip install --python $(PY),$(PY) -m pip install)

.PHONY: run test bench bytecode bundle wheel wheelhouse lock clean

# The hash-locked versions first (when this Python has a lock), then the project itself in
# editable mode: with a current lock that second step installs nothing else.
$(STAMP): pyproject.toml $(wildcard $(LOCK))
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	if [ -f $(LOCK) ]; then $(INSTALL) --quiet --require-hashes -r $(LOCK); fi
	$(INSTALL) --quiet -e '.[dev,packaging]'
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

# Compiled bytecode, as a wheel install leaves it: without it (PYTHONDONTWRITEBYTECODE set, or a
# read-only tree) every start compiles the app's modules again (~0.1 s). Stale files are redone;
# a file that does not compile is only reported here (the tests say what is wrong with it).
bytecode:
	-$(PY) -m compileall -q -j 0 app pathways main.py

run: $(STAMP)
	$(PY) main.py resources/cases/04-after-thp-and-tdxd.json

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

bench: $(STAMP) bytecode
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks

bundle: $(STAMP)
	$(PY) -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
		packaging/her2-pathways.spec

wheel: $(STAMP)
	$(PY) -m build --no-isolation --outdir dist .

wheelhouse: wheel
	$(PY) -m pip download --quiet --require-hashes --only-binary=:all: -r $(RUNTIME_LOCK) \
		-d wheelhouse
	cp dist/her2_pathways-*.whl wheelhouse/

lock: $(STAMP)
	for v in $(LOCK_PYTHONS); do \
		$(PY) -m uv pip compile pyproject.toml --extra fhir --universal --python-version $$v \
			--generate-hashes --custom-compile-command "make lock" -q -o requirements/py$$v.txt \
		&& $(PY) -m uv pip compile pyproject.toml --extra dev --extra packaging --universal \
			--python-version $$v --generate-hashes --custom-compile-command "make lock" -q \
			-o requirements/py$$v-dev.txt || exit 1; \
	done

clean:
	rm -rf $(VENV) build dist wheelhouse *.egg-info .pytest_cache .mypy_cache .ruff_cache
