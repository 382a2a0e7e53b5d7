# Two commands do everything on a fresh machine (Python 3.11 + pip):
#   make run    set up, then train the embedded offline default (e5-offline), evaluate it, extract events, then
#               its fast 6-layer student (make fast)
#   make test   set up, then run the test suite (tiny models, offline, under 10 minutes on 2 cores) and
#               scripts/check_install.sh (a plain `pip install .` in a fresh venv works from any folder)
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN ?= outputs/e5-offline
FAST ?= outputs/e5-offline-6l
FAST_ARGS ?=  # extra overrides for the student's training, e.g. FAST_ARGS=--train.num_threads=2
EXAMPLE ?= data/examples/deir_ez_zor_2017-09-14.txt
# the tag prior of an int8 export is weighed again on dev for that export (training weighed it for torch)
SPLITS := --train data/annotations/train.jsonl --dev data/annotations/dev.jsonl

.PHONY: setup browser run fast test bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# CPU build here; on a CUDA machine pip picks the CUDA build of the same release.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[offline,onnx,geo,test,ray,serve,browser]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/war-ner validate data/annotations
	$(BIN)/war-ner train configs/e5-offline.yaml --train.output_dir=$(RUN) --train.overwrite=true
	$(BIN)/war-ner evaluate --slices --model $(RUN)/model --out $(RUN)/test_metrics.json data/annotations/test.jsonl
	$(BIN)/war-ner evaluate-events --model $(RUN)/model --out $(RUN)/test_events.json data/annotations/test.jsonl
	# the fast path: int8 (SmoothQuant 0.75, calibrated on train) inside the checkpoint; extract then runs it
	$(BIN)/war-ner export-onnx --model $(RUN)/model --out $(RUN)/model/onnx-int8 --quantize int8 --smooth 0.75 \
		--calibration data/annotations/train.jsonl
	$(BIN)/war-ner calibrate-decoding --model $(RUN)/model $(SPLITS)
	$(BIN)/war-ner evaluate --model $(RUN)/model/onnx-int8 --out $(RUN)/test_metrics_int8.json data/annotations/test.jsonl
	$(BIN)/war-ner extract --model $(RUN)/model --format html --out $(RUN)/example.html $(EXAMPLE)
	$(BIN)/war-ner extract --model $(RUN)/model --format jsonl $(EXAMPLE)
	$(MAKE) fast

# The fast default on any x86 CPU: a 6-layer student initialised from $(RUN)/model's layers and distilled from it,
# with its own event heads and its int8 export inside its folder (`war-ner extract --model $(FAST)/model`).
fast: setup
	$(BIN)/war-ner train configs/e5-offline-6l.yaml --model.name=$(RUN)/model --train.distill_from=$(RUN)/model \
		--train.output_dir=$(FAST) --train.overwrite=true $(FAST_ARGS)
	$(BIN)/war-ner export-onnx --model $(FAST)/model --out $(FAST)/model/onnx-int8 --quantize int8 --smooth 0.75 \
		--calibration data/annotations/train.jsonl
	$(BIN)/war-ner calibrate-decoding --model $(FAST)/model $(SPLITS)
	$(BIN)/war-ner evaluate --slices --model $(FAST)/model --out $(FAST)/test_metrics_int8.json data/annotations/test.jsonl
	$(BIN)/war-ner evaluate-events --model $(FAST)/model --out $(FAST)/test_events_int8.json data/annotations/test.jsonl
	$(BIN)/war-ner extract --model $(FAST)/model --format jsonl $(EXAMPLE)

# Best effort, for the page's browser test: Chromium + chromedriver from apt (needs root and apt-get; ~25 s).
# Where they cannot be installed the test skips and says why.
browser:
	@if command -v chromedriver >/dev/null && { command -v chromium || command -v google-chrome; } >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq >/dev/null 2>&1 && \
	     DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; then \
	  echo "make browser: installed chromium and chromium-driver"; \
	else echo "make browser: no chromium/chromedriver (needs root and apt-get); the browser test will skip"; fi

test: setup browser
	$(BIN)/python -m pytest -q
	# a plain `pip install .` into a fresh venv: every subcommand's --help and a bad-input call from another folder
	PY=$(PY) scripts/check_install.sh

bench: setup
	$(BIN)/war-ner bench --model $(RUN)/model --student-model $(FAST)/model --data data/annotations --out $(RUN)/bench.json

clean:
	rm -rf outputs
