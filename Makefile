# The assistant's commands. `make run` and `make test` are all a newcomer needs;
# both set up the environments and train the model when needed.

SYSTEM_PYTHON ?= python3.11
RASA := .venv/rasa/bin/rasa
PY := .venv/actions/bin/python
RASA_DATA := data/nlu data/rules data/stories
RASA_SOURCES := domain.yml config.yml $(shell find $(RASA_DATA) -name '*.yml' 2>/dev/null)
MODEL_STAMP := models/.trained
SPACY_MODEL_STAMP := models/spacy_market/kestrel_manifest.json
WEB_WIDGET := web/vendor/rasa-webchat.js

export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

# conversations last: it copies the FAQ and NLU headline figures into its result
BENCHMARKS := startup faq nlu market recsys routing conversations

.PHONY: help setup lock spacy-model faq-model support-model train run shell seed recommender validate test test-rasa test-python bench bench-quick bench-check clean

help:
	@echo "make run      set up, train if needed, seed, start the assistant (REST, web chat page; Slack, WhatsApp when set)"
	@echo "make shell    the same, talking in this terminal with rasa shell"
	@echo "make test     the whole test suite (what CI runs)"
	@echo "make bench    the benchmarks (results in bench/results/); bench-quick: CI size; bench-check: stale results"
	@echo "make setup | spacy-model | faq-model | support-model | train | seed | recommender | validate | lock | clean"

setup: $(WEB_WIDGET)
	@$(SYSTEM_PYTHON) -m assistant.environments

# The web chat widget, from the npm registry (package-lock.json), copied next to the page.
$(WEB_WIDGET): package-lock.json
	@echo "[setup] web chat widget: npm ci (rasa-webchat)"
	@npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@mkdir -p web/vendor
	@cp node_modules/rasa-webchat/LICENSE web/vendor/rasa-webchat.LICENSE
	@cp node_modules/rasa-webchat/lib/index.js $@

lock:
	bash requirements/lock.sh

# The spaCy ticker model (blank English + EntityRuler) and data/nlu/market_entities.yml,
# generated from the covered list; the builder itself skips work when the list's hash is unchanged.
spacy-model: setup $(SPACY_MODEL_STAMP)

$(SPACY_MODEL_STAMP): data/market/tickers.csv market/universe.py market/spacy_model.py
	@.venv/rasa/bin/python -m market.spacy_model
	@touch $@

# The domain-tuned FAQ encoder (models/faq-encoder, used by the action server when present), then
# its thresholds on the calibration paraphrases; an up-to-date model is not retrained.
faq-model: setup
	@$(PY) -m retrieval.finetune
	@$(PY) -m retrieval.calibration

train: setup spacy-model $(MODEL_STAMP) support-model

# The ticket category/priority model (models/support-router, a few seconds); skipped when up to date.
support-model: setup
	@$(PY) -m support.train --if-stale

$(MODEL_STAMP): $(RASA_SOURCES) $(SPACY_MODEL_STAMP)
	@echo "[train] training the Rasa model (data or config changed)"
	@rm -f models/*.tar.gz
	$(RASA) train --data $(RASA_DATA) --out models --fixed-model-name assistant
	@touch $@

seed: setup
	$(PY) -m commerce seed

recommender: seed
	$(PY) -m commerce train-recommender --if-stale

run: train
	@$(PY) -m assistant.launcher run

shell: train
	@$(PY) -m assistant.launcher shell

validate: setup
	$(RASA) data validate --data $(RASA_DATA) --fail-on-warnings

test: train
	@$(MAKE) --no-print-directory validate test-rasa test-python

test-rasa:
	$(RASA) test core --stories tests/stories --model models --fail-on-prediction-errors --out var/test-results/core
	$(RASA) test nlu --nlu tests/nlu_holdout.yml --model models --out var/test-results/nlu
	$(PY) -m tests.nlu_floor var/test-results/nlu

test-python:
	$(PY) -m pytest tests

bench: train
	@for b in $(BENCHMARKS); do echo "== bench/$$b"; $(PY) -m bench.$$b || exit 1; done

bench-quick: train
	@for b in $(BENCHMARKS); do echo "== bench/$$b (quick)"; $(PY) -m bench.$$b --quick || exit 1; done

# Each result in bench/results/: fresh, or stale (the code or data it measured changed since).
bench-check:
	@$(PY) -m bench.provenance

clean:
	rm -rf var models/*.tar.gz $(MODEL_STAMP)
