# The daily commands. `make run` and `make test` are the two the README leads with.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint fmt migrations-check install clean-var check-deploy bench vendor-plotly mutate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

# A local secret key and DEBUG=true for the embedded development run; never committed.
.env:
	@$(BIN)/python -c "import secrets; print('DEBUG=true'); print('SECRET_KEY=' + secrets.token_urlsafe(50))" > .env
	@echo "Wrote .env (DEBUG=true and a fresh SECRET_KEY) for local development."

run: install .env
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Tideline: open http://127.0.0.1:8000/  (Ctrl-C stops web, worker and beat)"
	$(BIN)/honcho --procfile Procfile.dev start

test: install
	@mkdir -p var
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Style, formatting, the import contract (pyproject.toml [tool.importlinter]) and types.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	TIDELINE_TESTING=true SECRET_KEY=type-checking-only $(BIN)/mypy .

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

check-deploy: install
	DEBUG=false SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	ALLOWED_HOSTS=tideline.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

clean-var:
	rm -rf var

# Refresh the vendored Plotly "basic" bundle (scatter, bar, pie; ~1.2 MB) from the npm registry.
# Only this target needs Node.js; the bundle is committed, so a fresh machine runs without it.
PLOTLY_VERSION ?= 4.1.1
vendor-plotly:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent plotly.js-basic-dist-min@$(PLOTLY_VERSION) >/dev/null \
	  && tar xzf plotly.js-basic-dist-min-$(PLOTLY_VERSION).tgz \
	  && cp package/plotly-basic.min.js package/LICENSE $(CURDIR)/static/vendor/plotly/ \
	  && echo "plotly.js-basic-dist-min $(PLOTLY_VERSION) (MIT) from the npm registry" > $(CURDIR)/static/vendor/plotly/VERSION \
	  && rm -rf $$tmp
	@ls -l static/vendor/plotly/

# Mutation testing of the critical modules (tools/mutate.py, TESTING.md): `make mutate` runs
# them all, `make mutate MODULE=early_warning` one. Minutes to an hour of CPU: not part of CI.
mutate: install
	nice -n 10 $(BIN)/python tools/mutate.py $(MODULE)
