# Linli build.  `make` alone lists the targets.
#
# Every step is a file with its inputs as prerequisites, so a second `make run` only
# starts the server:
#   .venv/.installed              <- pyproject.toml              (pip install -e '.[dev]')
#   node_modules/.installed       <- package.json, package-lock  (npm ci)
#   static/vendor/*               <- node_modules                (copy, never committed)
#   portal/translations/*/LC_MESSAGES/messages.mo <- messages.po (pybabel compile)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi

NPM_STAMP := node_modules/.installed
VENDOR := static/vendor

TRANSLATIONS := portal/translations
LOCALES := zh
# Each domain with a portal/<domain>/translations folder keeps its own catalogue (its Python
# code and templates/<domain>); the shared catalogue in portal/translations has the rest.
DOMAIN_CATALOGUES := $(patsubst portal/%/translations,%,$(wildcard portal/*/translations))
SHARED_SOURCES := $(filter-out $(addprefix portal/,$(DOMAIN_CATALOGUES) translations __pycache__),$(wildcard portal/*)) \
                  $(filter-out $(addprefix templates/,$(DOMAIN_CATALOGUES)),$(wildcard templates/*))
MO_FILES := $(patsubst %.po,%.mo,$(wildcard portal/translations/*/LC_MESSAGES/messages.po portal/*/translations/*/LC_MESSAGES/messages.po))
EXTRACT = $(BIN)/pybabel -q extract -F babel.cfg \
    -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -k lazy_npgettext:1c,2,3 \
    --add-comments=Translators: --sort-by-file --project=Linli --version=0.1.0

PG_TEST_URL := postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
BENCH_ARGS ?=

heading = @printf '\n==> %s\n' "$(1)"

.PHONY: help setup vendor translations i18n run test bench lint clean distclean

help:
	@echo "Linli make targets:"
	@echo "  make setup         Python venv, front-end libraries, compiled translations"
	@echo "  make run           setup, migrate, seed the demo community, start the portal"
	@echo "                     (PORTAL_HOST / PORTAL_PORT, default 127.0.0.1:5000)"
	@echo "  make test          pytest on SQLite; again on PostgreSQL when CI=true or one"
	@echo "                     answers at 127.0.0.1:5432  (PYTEST_ARGS='-k lockers -x')"
	@echo "  make bench         benchmarks (python -m bench; BENCH_ARGS=...)"
	@echo "  make lint          ruff check, and lint-imports (the domains' declared order)"
	@echo "  make i18n          extract strings and update the .po catalogues ($(LOCALES))"
	@echo "  make translations  compile .po -> .mo (part of setup)"
	@echo "  make clean         remove build outputs and caches (keeps .venv, node_modules, instance/)"
	@echo "  make distclean     clean, and remove .venv and node_modules"

setup: $(VENV_STAMP) vendor translations

# --- Python ------------------------------------------------------------------------------

$(VENV_STAMP): pyproject.toml
	$(call heading,Python environment in $(VENV) (pip install -e '.[dev]'))
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# --- Front-end libraries -----------------------------------------------------------------

$(NPM_STAMP): package.json package-lock.json
	$(call heading,Front-end libraries (npm ci))
	@npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

# vendor-file(file in static/vendor, its source inside node_modules)
define vendor-file
$(VENDOR)/$(1): $(NPM_STAMP)
	@mkdir -p $$(@D)
	@cp node_modules/$(2) $$@
	@echo "    $$@"
VENDOR_FILES += $(VENDOR)/$(1)
endef

$(eval $(call vendor-file,htmx.min.js,htmx.org/dist/htmx.min.js))
$(eval $(call vendor-file,socket.io.min.js,socket.io-client/dist/socket.io.min.js))
$(eval $(call vendor-file,socket.io.min.js.map,socket.io-client/dist/socket.io.min.js.map))
$(eval $(call vendor-file,pico.min.css,@picocss/pico/css/pico.min.css))
# the QR scanner of 核销 and event check-in; its UMD build imports the worker beside itself
$(eval $(call vendor-file,qr-scanner.umd.min.js,qr-scanner/qr-scanner.umd.min.js))
$(eval $(call vendor-file,qr-scanner.umd.min.js.map,qr-scanner/qr-scanner.umd.min.js.map))
$(eval $(call vendor-file,qr-scanner-worker.min.js,qr-scanner/qr-scanner-worker.min.js))
$(eval $(call vendor-file,qr-scanner-worker.min.js.map,qr-scanner/qr-scanner-worker.min.js.map))
$(eval $(call vendor-file,licenses/qr-scanner.txt,qr-scanner/LICENSE))
$(eval $(call vendor-file,licenses/htmx.org.txt,htmx.org/LICENSE))
$(eval $(call vendor-file,licenses/socket.io-client.txt,socket.io-client/LICENSE))
$(eval $(call vendor-file,licenses/pico.md,@picocss/pico/LICENSE.md))

vendor: $(VENDOR_FILES)

# --- Translations ------------------------------------------------------------------------

translations: $(MO_FILES)

%/LC_MESSAGES/messages.mo: %/LC_MESSAGES/messages.po $(VENV_STAMP)
	$(call heading,Compiling translations: $*)
	@rm -f $@
	@$(BIN)/pybabel -q compile -l $(notdir $*) -i $< -o $@
	@test -f $@ || { echo "no $@: is the catalogue header marked '#, fuzzy'?" >&2; exit 1; }
	@touch $@

# update-catalogue FOLDER SOURCES...: extract SOURCES into FOLDER/messages.pot, update its .po files
update-catalogue = \
	echo "    $$1"; mkdir -p "$$1"; folder="$$1"; shift; \
	$(EXTRACT) -o "$$folder/messages.pot" "$$@"; \
	for locale in $(LOCALES); do \
	    $(BIN)/pybabel -q update -i "$$folder/messages.pot" -d "$$folder" -l $$locale \
	        --init-missing --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date; \
	done

PO_FILES = $(wildcard portal/translations/*/LC_MESSAGES/messages.po portal/*/translations/*/LC_MESSAGES/messages.po)

i18n: $(VENV_STAMP)
	$(call heading,Extracting strings and updating the catalogues ($(LOCALES)))
	@$(BIN)/python scripts/i18n_carry.py remember .i18n-known.json $(PO_FILES)
	@set -- $(TRANSLATIONS) $(SHARED_SOURCES); $(update-catalogue)
	@for d in $(DOMAIN_CATALOGUES); do \
	    set -- portal/$$d/translations portal/$$d $$(ls -d templates/$$d 2>/dev/null); $(update-catalogue) \
	done
	@$(BIN)/python scripts/i18n_carry.py fill .i18n-known.json $(PO_FILES) && rm -f .i18n-known.json
	@$(MAKE) translations

# --- Running -----------------------------------------------------------------------------

run: setup
	$(call heading,Database migrations (flask db upgrade))
	@$(FLASK) db upgrade heads
	$(call heading,Demo community (flask demo seed))
	@$(FLASK) demo seed
	$(call heading,Starting the portal (Ctrl-C stops it))
	@$(FLASK) serve

# --- Checks ------------------------------------------------------------------------------

# True when something accepts TCP connections on 127.0.0.1:5432.
pg_answers = timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5432' 2>/dev/null

# With PostgreSQL the two passes run at the same time (most tests wait on sockets, so the two
# cores take both); the PostgreSQL pass's output is shown once the SQLite pass has finished.
test: setup
	@if [ "$${CI:-}" = true ] || $(pg_answers); then \
	    printf '\n==> %s\n' "Tests on SQLite, and meanwhile on PostgreSQL (127.0.0.1:5432/test, browser tests left out)"; \
	    pg_log=$$(mktemp); \
	    PORTAL_TEST_DATABASE_URL='$(PG_TEST_URL)' $(BIN)/pytest -q -m "not browser" $(PYTEST_ARGS) >"$$pg_log" 2>&1 & \
	    pg_pid=$$!; \
	    sqlite_rc=0; $(BIN)/pytest -q $(PYTEST_ARGS) || sqlite_rc=$$?; \
	    pg_rc=0; wait $$pg_pid || pg_rc=$$?; \
	    printf '\n==> %s\n' "Tests on PostgreSQL (127.0.0.1:5432/test, browser tests left out)"; \
	    cat "$$pg_log"; rm -f "$$pg_log"; \
	    [ $$sqlite_rc -eq 0 ] && [ $$pg_rc -eq 0 ]; \
	else \
	    printf '\n==> %s\n' "Tests on SQLite"; \
	    $(BIN)/pytest -q $(PYTEST_ARGS); \
	    printf '\n==> %s\n' "No PostgreSQL at 127.0.0.1:5432: PostgreSQL run skipped"; \
	fi

bench: setup
	$(call heading,Benchmarks (python -m bench))
	@$(BIN)/python -m bench $(BENCH_ARGS)

lint: $(VENV_STAMP)
	$(call heading,ruff check)
	@$(BIN)/ruff check .
	$(call heading,lint-imports (the domains' order: pyproject.toml [tool.importlinter]))
	@$(BIN)/lint-imports --no-cache

# --- Cleaning ----------------------------------------------------------------------------

clean:
	rm -rf $(VENDOR) .pytest_cache .ruff_cache tests/screenshots $(POT)
	find . -path ./.venv -prune -o -path ./node_modules -prune -o \
	    \( -name __pycache__ -o -name '*.egg-info' \) -type d -exec rm -rf {} + -o \
	    -name '*.mo' -path './$(TRANSLATIONS)/*' -type f -exec rm -f {} +

distclean: clean
	rm -rf $(VENV) node_modules
