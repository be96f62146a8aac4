# The two commands: `make run` (portal on SQLite with the demo province) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format up worker beat messages clean faults backup-drill

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	STATIC_COLLECTED=1 $(PY) manage.py collectstatic --noinput --clear -v0
	@echo "Loading the demo province (its log: var/seed_demo.log)..."
	@$(PY) manage.py seed_demo > var/seed_demo.log 2>&1 || { tail -n 40 var/seed_demo.log; exit 1; }
	@echo
	@echo "truyvet is at http://$(HOST):$(PORT)/"
	@echo "Demo logins (password: $${DEMO_PASSWORD:-demo12345}):"
	@echo "  cdc, healthcentre, commune, checkpoint, venue, facility, vaccinator, busoperator, admin"
	@echo
	STATIC_COLLECTED=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	bin/test-deps
	DJANGO_ENV=test $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_ENV=test $(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Production-shaped on this machine: gunicorn, a Celery worker, a snapshot worker and beat, against
# DATABASE_URL and REDIS_URL (see docs/DEPLOYMENT.md).
up: install
	bin/up

# Fault tests (tests/faults, docs/RELIABILITY.md) on a PostgreSQL cluster and a Redis of their own
# (bin/fault-services, ports 55432 and 56379), never on the developer's: they restart and stop them.
# FAULT_REDIS_DOWN_SECONDS sets the Redis outage (60 by default).
faults: install
	bin/fault-services start >/dev/null
	eval "$$(bin/fault-services env)" && export DATABASE_URL REDIS_URL FAULT_PG_PORT FAULT_REDIS_PORT && \
	  TRUYVET_FAULTS=1 DJANGO_ENV=test $(VENV)/bin/pytest -p no:randomly -s -rxXs tests/faults $(PYTEST_ARGS)

# The restore drill on DATABASE_URL: dump, restore into a new database, compare (docs/RELIABILITY.md).
backup-drill: install
	$(PY) manage.py backup_drill

messages: install
	$(PY) manage.py makemessages -l vi --no-obsolete --ignore=.venv --ignore=static/vendor --ignore=bench
	$(PY) manage.py compilemessages -l vi --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles test-artifacts .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache
