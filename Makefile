# The two commands: `make run` (set up and serve on 127.0.0.1:8000) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench install migrate demo schema clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py billing_demo_plans
	$(PY) manage.py community_demo

# One ASGI process for REST and WebSockets, and, standing in for Celery beat, a loop that
# sends due scheduled notifications every 30 seconds; both stop with the server.
run: demo
	@$(PY) manage.py dispatch_notifications --every 30 & dispatcher=$$!; \
	trap 'kill $$dispatcher 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/daphne -b 127.0.0.1 -p 8000 config.asgi:application

# One test process per CPU (pytest-xdist), each with its own test database and Redis
# database; `make test PYTEST_ARGS=` runs them in one process.
PYTEST_ARGS ?= -n auto

test: install
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: install
	$(PY) manage.py spectacular --file schema.yml

bench: install
	bash bench/run.sh

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
