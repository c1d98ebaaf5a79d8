# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# `make run` is a local demo: DEBUG on (which also allows the development SECRET_KEY).
RUN_ENV := DEBUG=$${DEBUG:-1}
# The web server's port (`PORT=8080 make run`).
PORT ?= 8000

.PHONY: install run serve test lint format migrate demo clean mutation mutation-postgres mutation-results

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(RUN_ENV) $(MANAGE) migrate --noinput

# Idempotent: a second run adds no data and leaves existing logins (and their sessions) alone.
demo: migrate
	$(RUN_ENV) $(MANAGE) load_goals
	$(RUN_ENV) $(MANAGE) load_demo
	$(RUN_ENV) $(MANAGE) load_consultations_demo
	@# 2023, the year of the seed's goals, rolled up by the worker once it starts.
	$(RUN_ENV) $(MANAGE) rollup_kpis --year 2023 --queue --missing
	@# Last month too, so that the recent months' figures (episodes, satisfaction) show at once.
	$(RUN_ENV) $(MANAGE) rollup_kpis --last-month --queue --missing

# Web server, Celery worker and beat together, as the Procfile says; on Ctrl-C honcho sends
# each of them one SIGTERM and waits for them to stop.
run: demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (admin: /admin/, API docs: /api/v1/docs/)"
	@$(RUN_ENV) PORT=$(PORT) PYTHONUNBUFFERED=1 PATH="$(CURDIR)/$(BIN):$$PATH" \
	$(BIN)/honcho start -f Procfile

test: install
	$(BIN)/pytest

# Mutation testing of the rules users rely on (docs/testing.md); not part of `make test`.
# From scratch each time, on SQLite (never the PostgreSQL of DATABASE_URL), at low priority;
# without PYTHONPATH, which would let the tests import the unmutated code.
MUTATION_DB := $(CURDIR)/var/mutation/test.sqlite3
mutation: install
	rm -rf mutants $(dir $(MUTATION_DB))
	mkdir -p $(dir $(MUTATION_DB))
	env -u DATABASE_URL -u PYTHONPATH MUTATION_TEST_DB=$(MUTATION_DB) nice -n 15 $(BIN)/mutmut run --max-children 2
	$(BIN)/python tests/mutation_scores.py

# The same on PostgreSQL (the database of production, and of its GROUPING SETS and
# percentile_cont branches), for DATABASE_URL's server: each mutant's run gets a test database
# of its own, cloned from a migrated template (tests/mutation_postgres.py). MUTANTS="name …"
# runs only those mutants (a sample); the names are `mutmut results`'s.
MUTATION_PG_DB ?= test_mutation
mutation-postgres: install
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "DATABASE_URL must be PostgreSQL"; exit 1;; esac
	rm -rf mutants $(dir $(MUTATION_DB))
	mkdir -p $(dir $(MUTATION_DB))
	DJANGO_SETTINGS_MODULE=tests.settings MUTATION_PG_DB=$(MUTATION_PG_DB) PYTHONPATH=$(CURDIR) \
		$(BIN)/python -m tests.mutation_postgres prepare
	env -u PYTHONPATH MUTATION_PG_DB=$(MUTATION_PG_DB) MUTATION_PG_LOCKS=$(dir $(MUTATION_DB)) \
		nice -n 15 $(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/python tests/mutation_scores.py

# The scores and the surviving mutants of the last run (`$(BIN)/mutmut show <name>` for one).
mutation-results: install
	$(BIN)/python tests/mutation_scores.py
	$(BIN)/mutmut results

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
