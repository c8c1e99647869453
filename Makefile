# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
export PLAYWRIGHT_CHROMIUM_EXECUTABLE ?= $(CHROMIUM)

.PHONY: run test setup lint format migrate seed worker inbound clean lock help var security audit bench bench-peer

help:
	@echo "make run    set up if needed, load demo data, serve on http://127.0.0.1:$(PORT) with a Celery worker"
	@echo "make inbound  receive replies by e-mail: LMTP on 127.0.0.1:8025 and .eml files in var/mail/inbound/"
	@echo "make test   set up if needed and run the whole test suite"
	@echo "make lint   ruff (lint and format check)"
	@echo "make lock   re-resolve requirements*.lock from pyproject.toml"
	@echo "make bench  measure the key pages, the digest and the reminders on PostgreSQL (BENCHMARKS.md)"
	@echo "make bench-peer  the same pages beside a peer's (Indico, installed under var/peer/) (BENCHMARKS.md)"
	@echo "make security  bandit on the application code, shellcheck on the scripts"
	@echo "make audit  known vulnerabilities in the locked Python and npm packages (needs the advisory services)"

# --- setup: a virtual environment from the lock file, npm packages from theirs, the front end built
$(BIN)/.installed: requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build/static/.built: node_modules/.installed scripts/build-frontend.mjs $(wildcard static/scss/*.scss)
	npm run --silent build

var:
	mkdir -p var/mail/inbound var/media var/staticfiles var/celery/queue var/celery/processed var/celery/control

setup: $(BIN)/.installed node_modules/.installed build/static/.built var

migrate: setup
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo

# Links in e-mails and calendar files name the address being served: SITE_URL follows PORT
# unless it is set (for the server and the worker alike, which writes the e-mails).
run worker: export SITE_URL ?= http://127.0.0.1:$(PORT)

# Serves the site and runs a real Celery worker with its embedded scheduler beside it
# (filesystem broker by default, Redis when REDIS_URL is set), and the inbound mail service
# (replies by e-mail: LMTP on 127.0.0.1:8025, and .eml files dropped into var/mail/inbound/).
# Ctrl+C stops them all.
run: seed
	@echo "E-mails are written to var/mail/ (one .eml file per message)."
	@echo "Replies: drop an .eml into var/mail/inbound/, or relay to LMTP 127.0.0.1:8025."
	@$(BIN)/celery -A cop_platform worker --beat --pool=solo --loglevel=INFO --logfile=var/celery.log & \
	  worker=$$!; \
	  $(BIN)/python manage.py mail_inbound >var/inbound.log 2>&1 & lmtp=$$!; \
	  $(BIN)/python manage.py mail_inbound --folder >var/inbound-folder.log 2>&1 & folder=$$!; \
	  trap "kill $$worker $$lmtp $$folder 2>/dev/null" EXIT INT TERM; \
	  echo "Celery worker and scheduler running (log: var/celery.log)"; \
	  echo "Inbound mail service running (logs: var/inbound.log, var/inbound-folder.log)"; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

worker: setup
	$(BIN)/celery -A cop_platform worker --beat --pool=solo --loglevel=INFO

# The inbound mail service alone, in the foreground: LMTP on INBOUND_HOST:INBOUND_PORT
# (127.0.0.1:8025) and the development folder var/mail/inbound/. Ctrl+C stops both.
inbound: migrate
	@$(BIN)/python manage.py mail_inbound --folder & folder=$$!; \
	  trap "kill $$folder 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/python manage.py mail_inbound

# Browser tests need Debian's chromium, and Java for the HTML checker (vnu-jar) they run on
# every page. Where either is missing: in CI that is a failure; on a workstation the suite
# runs without the browser tests and says so loudly.
test: setup
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -z "$$missing" ]; then \
	  $(BIN)/python -m pytest $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
	  echo "ERROR: the browser tests need$$missing. Install: apt-get update && apt-get install -y$$missing" >&2; exit 1; \
	else \
	  echo "************************************************************************"; \
	  echo "* Missing:$$missing"; \
	  echo "* so the browser tests (and the HTML check of their pages) are NOT run."; \
	  echo "* Install with: sudo apt-get update && sudo apt-get install$$missing"; \
	  echo "************************************************************************"; \
	  $(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS); \
	fi

# The benchmark of BENCHMARKS.md: a seeded PostgreSQL database (DATABASE_URL, default
# cop_scale), Redis, and wrk. BENCH_ARGS passes options, e.g. BENCH_ARGS="--digest-limit 10000".
bench: setup
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
	$(BIN)/python scripts/bench/run.py $(BENCH_ARGS)

# Our pages beside a peer's, Indico, on the same machine, PostgreSQL and Redis (BENCHMARKS.md,
# "Against a peer"). The peer is installed from the package registry into var/peer/venv, never
# into .venv, and its database, indico_peer, is filled once from ours. BENCH_PEER_ARGS passes
# options, e.g. BENCH_PEER_ARGS="--rounds 1 --pairs meeting_anonymous". Not part of `make test`.
bench-peer: setup
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
	$(BIN)/python scripts/bench/peer/run.py --python $(PYTHON) $(BENCH_PEER_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Static security checks, offline: bandit (every finding fixed or justified in place with
# `# nosec`) and shellcheck.
security: setup
	$(BIN)/bandit -c pyproject.toml -r accounts communities conveners cop_platform core dashboard devdata discussions evaluation knowledge meetings messages -q
	shellcheck -x scripts/*.sh .ci/run

# Known vulnerabilities in the locked packages. Needs the PyPI JSON API (pip-audit) and the npm
# registry's advisory endpoint; --strict fails when a package could not be checked at all.
audit: setup
	$(BIN)/pip-audit --strict --require-hashes -r requirements.lock --progress-spinner off
	npm audit --omit=dev --audit-level=low

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock:
	$(PYTHON) -m venv var/uv && var/uv/bin/pip install --quiet uv
	var/uv/bin/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --quiet -o requirements.lock
	var/uv/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --quiet -o requirements-dev.lock

clean:
	rm -rf $(VENV) node_modules build var
