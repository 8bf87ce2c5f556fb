# Two commands matter: `make demo` and `make test` (`make check` is the
# quick subset). Each builds the virtualenv
# it needs on first use; nothing touches the real ~/.aws.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench bench-peers clean

# pip's own output (and setuptools' banner about editable installs) goes to
# $(VENV)/install.log, shown only if installing fails; a line per step says
# what is happening meanwhile.
$(STAMP): setup.cfg pyproject.toml
	@echo "[1/4] Creating a virtualenv in $(VENV) (first run only)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[2/4] Updating pip"
	@$(BIN)/python -m pip install --upgrade pip > $(VENV)/install.log 2>&1 \
	    || { cat $(VENV)/install.log; echo "Updating pip failed (log above)."; exit 1; }
	@echo "[3/4] Installing awscli-mfa-plugin with the AWS CLI, moto and the test tools (a few minutes)"
	@$(BIN)/python -m pip install -e '.[test]' >> $(VENV)/install.log 2>&1 \
	    || { cat $(VENV)/install.log; echo "Installing failed (log above)."; exit 1; }
	@echo "[4/4] Installing the AWS SDK for JavaScript for one interop test (needs npm; else that test skips)"
	@$(BIN)/python -m tests.jssdk
	@touch $(STAMP)
	@echo "Ready: $$($(BIN)/aws --version 2>&1)"

demo: $(STAMP)
	$(BIN)/python demo/run_demo.py

# Every test, on every core (pytest-xdist; each worker has its own loopback
# STS).  TEST_WORKERS=0 runs them in this one process.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# The quick loop while editing: the tests that start no aws, STS, terminal
# or desktop (marked in tests/conftest.py), under a minute.
check: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not e2e"

bench: $(STAMP)
	$(BIN)/python bench/run.py

# aws-mfa and awsume side by side (installs them into .venv-peers from PyPI).
bench-peers: $(STAMP)
	$(BIN)/python bench/peers.py

clean:
	rm -rf $(VENV) .venv-peers build *.egg-info .pytest_cache .hypothesis
