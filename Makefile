# The two set-up commands of the README: `make run` and `make test`.
# Each creates .venv on first use and reinstalls only when setup.cfg changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
DEMO_PORT ?= 8765
MAIL_PORT ?= 8025
# The demo's map has no street map (it never leaves localhost); to see one:
# make run MAP_TILES_URL='https://tile.openstreetmap.org/{z}/{x}/{y}.png'
MAP_TILES_URL ?=

.PHONY: run test bench lint translations clean screenshots

ASSETS := corete/map/assets

AXE := tests/browser/axe

$(STAMP): setup.cfg pyproject.toml $(ASSETS)/package-lock.json $(AXE)/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@# The map's Leaflet and supercluster, from the npm registry: the hub serves
	@# them itself, never from a CDN (versions pinned by package-lock.json).
	npm ci --prefix $(ASSETS) --no-audit --no-fund --loglevel=error
	@# axe-core, the accessibility checker the browser tests run in each page (not served).
	npm ci --prefix $(AXE) --no-audit --no-fund --loglevel=error
	touch $(STAMP)

# docs/screenshots/: the main pages at laptop and phone width, made again from the demo network.
screenshots: $(STAMP) translations
	$(BIN)/python scripts/screenshots.py

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d corete/translations

# Starts the demo network's feed server and a local SMTP server that keeps what the hub sends
# (instance/mail/*.eml), migrates, loads the demo spaces, polls them once, then runs the
# scheduler and the web hub; Ctrl-C stops them all.
run: $(STAMP) translations
	@mkdir -p instance
	@test -f instance/config.py || $(BIN)/python -c "import secrets; print('SECRET_KEY = %r' % secrets.token_hex(32))" > instance/config.py
	$(BIN)/corete db upgrade
	@export CORETE_FETCH_ALLOW_NETWORKS='["127.0.0.1/32"]' CORETE_VALIDATE_ALLOW_NETWORKS='["127.0.0.1/32"]' CORETE_PUBLIC_URL=http://$(HOST):$(PORT) \
	  CORETE_MAIL_SERVER=127.0.0.1 CORETE_MAIL_PORT=$(MAIL_PORT) CORETE_MAIL_DEFAULT_SENDER='CoRete demo <hub@corete.example>' \
	  CORETE_MAP_TILES_URL='$(MAP_TILES_URL)'; \
	trap 'kill 0' EXIT INT TERM; \
	$(BIN)/corete demo serve --port $(DEMO_PORT) & \
	$(BIN)/corete mail catch --port $(MAIL_PORT) --dir instance/mail & \
	sleep 1; \
	$(BIN)/corete demo load --base-url http://127.0.0.1:$(DEMO_PORT) && \
	$(BIN)/corete poll --all && \
	$(BIN)/corete events pictures && \
	{ $(BIN)/corete scheduler & \
	  echo; echo "  CoRete hub: http://$(HOST):$(PORT)/   (API: http://$(HOST):$(PORT)/api/v1/spaces)"; \
	  echo "  Mail the demo hub sends: instance/mail/*.eml, and /outbox for coordinators"; echo; \
	  $(BIN)/corete run --host $(HOST) --port $(PORT); }

test: $(STAMP) translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $(BENCH_STAMP)

# bench_load.py needs PostgreSQL and Redis (127.0.0.1; --database, --redis to change).
bench: $(BENCH_STAMP) translations
	$(BIN)/python bench/bench_poll.py $(BENCH_ARGS)
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_calendar.py
	$(BIN)/python bench/bench_map.py
	$(BIN)/python bench/bench_purchasing.py
	$(BIN)/python bench/bench_skills.py
	$(BIN)/python bench/bench_resources.py
	$(BIN)/python bench/bench_calls.py
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_mail.py
	$(BIN)/python bench/bench_push.py

clean:
	rm -rf $(VENV) $(ASSETS)/node_modules $(AXE)/node_modules instance/*.sqlite3 .pytest_cache
