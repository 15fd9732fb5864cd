# Two commands on a fresh machine: `make demo` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
DEMO   := demo-data
PORT   ?= 8000

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup postgres fonts chromium demo test lint docs bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: setup fonts
	rm -rf $(DEMO)
	$(BIN)/fiveareas generate --scale 0.01 --start 2023-12 --months 13 --seed 42 --out $(DEMO)/city
	$(BIN)/fiveareas run $(DEMO)/city --home $(DEMO)/home
	$(BIN)/fiveareas status --home $(DEMO)/home
	$(BIN)/fiveareas targets --home $(DEMO)/home
	$(BIN)/fiveareas account demo --home $(DEMO)/home
	$(BIN)/fiveareas serve --home $(DEMO)/home --port $(PORT)

# The catalog's PostgreSQL tests start their own throwaway server from Debian's binaries.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
	  echo "installing PostgreSQL (Debian package postgresql)"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# The PDF report embeds a Chinese font: WenQuanYi Micro Hei (Apache-2.0), Debian's package.
fonts:
	@test -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || { \
	  echo "installing fonts-wqy-microhei (Chinese font for the PDF report)"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; }

# The browser tests drive Debian's Chromium through Playwright (which never downloads one here).
chromium:
	@test -x /usr/bin/chromium || { \
	  echo "installing Chromium (Debian package chromium, for the browser tests)"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: setup
	$(BIN)/ruff check src tests benchmarks

test: setup postgres fonts chromium lint
	$(BIN)/pytest -q

docs: setup
	$(BIN)/fiveareas docs --out docs

bench: setup
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/classify.py

clean:
	rm -rf $(VENV) $(DEMO) fiveareas-data
