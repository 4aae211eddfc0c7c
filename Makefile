# Everything installs from nothing but python3 and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CORPUS := .cache/feedparser-corpus/tests
FEEDPARSER_VERSION := 6.0.11
# checkov pins its own boto3, so it lives in a virtualenv of its own.
CHECKOV := .cache/checkov-venv/bin/checkov
CHECKOV_VERSION := 3.3.30

.PHONY: help install demo test lint security browser unit integration e2e bench corpus deploy clean chaos

help:
	@echo "make demo   run the whole pipeline on the embedded AWS (moto), printing documents and deliveries"
	@echo "make test   every check: ruff, cfn-lint, checkov, bandit, unit, integration and end-to-end tests"
	@echo "make bench  the benchmark suite; writes docs/benchmarks.md"
	@echo "make chaos  50 seeded runs of the pipeline with faults injected; writes docs/reliability.md"
	@echo "make deploy sam build && sam deploy (needs an AWS account)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# feedparser's own test corpus, from its source distribution on PyPI, for the parser tests.
$(CORPUS):
	rm -rf .cache/feedparser-sdist .cache/feedparser-corpus
	mkdir -p .cache/feedparser-sdist .cache/feedparser-corpus
	$(PY) -m pip download --quiet --no-deps --no-binary :all: feedparser==$(FEEDPARSER_VERSION) -d .cache/feedparser-sdist
	tar -xzf .cache/feedparser-sdist/feedparser-$(FEEDPARSER_VERSION).tar.gz -C .cache/feedparser-sdist
	cp -r .cache/feedparser-sdist/feedparser-$(FEEDPARSER_VERSION)/tests $(CORPUS)

corpus: $(STAMP) $(CORPUS)

demo: $(STAMP)
	$(VENV)/bin/gazette demo $(if $(OUT),--out $(OUT))

lint: $(STAMP)
	$(VENV)/bin/ruff check functions infra tests benchmarks
	$(VENV)/bin/cfn-lint template.yaml

$(CHECKOV):
	$(PYTHON) -m venv .cache/checkov-venv
	.cache/checkov-venv/bin/pip install --quiet checkov==$(CHECKOV_VERSION)

# Zero failed checkov checks (each skip is justified in the template) and no high-severity bandit finding.
security: $(STAMP) $(CHECKOV)
	$(CHECKOV) -f template.yaml --framework cloudformation --skip-download --quiet --compact
	$(VENV)/bin/bandit -q -r functions --severity-level high

unit: $(STAMP)
	$(PY) -m pytest tests/unit -q

integration: $(STAMP) $(CORPUS)
	$(PY) -m pytest tests/integration -q

e2e: $(STAMP) browser
	$(PY) -m pytest tests/e2e -q

# pytest exits 5 when it collects nothing: that fails here like any other failure.
# The browser tests drive Debian's Chromium (Playwright's own browser download does not work here),
# check that Chinese renders in a CJK font (Debian's fonts-noto-cjk) and run axe-core, from npm, pinned.
AXE_VERSION := 4.14.1
AXE := .cache/axe/node_modules/axe-core/axe.min.js
$(AXE):
	@command -v npm >/dev/null || (apt-get update && apt-get install -y npm)
	npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@$(AXE_VERSION)

browser: $(AXE)
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	@dpkg -s fonts-noto-cjk >/dev/null 2>&1 || (apt-get update && apt-get install -y fonts-noto-cjk)

test: $(STAMP) $(CORPUS) lint security browser
	$(PY) -m pytest tests -q

# Faults injected across the whole pipeline (infra/gazette_local/chaos.py); RUNS=50 SEED=1 by default.
# `make test` runs a short seeded subset (tests/e2e/test_chaos.py).
chaos: $(STAMP)
	$(PY) -m gazette_local.chaos --runs $(or $(RUNS),50) --seed $(or $(SEED),1) --report docs/reliability.md

# The peer (rss2email 3.14 mailing an aiosmtpd sink) lives in a venv of its own, never in the project's.
BENCH_VENV := .cache/bench-venv
$(BENCH_VENV)/bin/r2e:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet rss2email==3.14 aiosmtpd

bench: $(STAMP) $(BENCH_VENV)/bin/r2e
	$(PY) -m benchmarks.run

# The SAM CLI, in a virtualenv of its own; deploying needs AWS credentials and Docker for the build.
SAM := .cache/sam-venv/bin/sam
$(SAM):
	$(PYTHON) -m venv .cache/sam-venv
	.cache/sam-venv/bin/pip install --quiet aws-sam-cli==1.170.0

deploy: $(SAM)
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint
	SAM_CLI_TELEMETRY=0 $(SAM) build
	SAM_CLI_TELEMETRY=0 $(SAM) deploy

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache
