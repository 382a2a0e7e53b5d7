# Two commands do everything on a fresh machine (Python 3.11 + pip):
#   make run    set up, then train the embedded offline default (e5-offline), evaluate it, extract events
#   make test   set up, then run the test suite (tiny models, offline, under 10 minutes on 2 cores)
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN ?= outputs/e5-offline
EXAMPLE ?= data/examples/deir_ez_zor_2017-09-14.txt

.PHONY: setup run test bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# CPU build here; on a CUDA machine pip picks the CUDA build of the same release.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[offline,onnx,test]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/war-ner validate data/annotations
	$(BIN)/war-ner train configs/e5-offline.yaml --train.output_dir=$(RUN) --train.overwrite=true
	$(BIN)/war-ner evaluate --slices --model $(RUN)/model --out $(RUN)/test_metrics.json data/annotations/test.jsonl
	$(BIN)/war-ner evaluate-events --model $(RUN)/model --out $(RUN)/test_events.json data/annotations/test.jsonl
	$(BIN)/war-ner extract --model $(RUN)/model --format html --out $(RUN)/example.html $(EXAMPLE)
	$(BIN)/war-ner extract --model $(RUN)/model --format jsonl $(EXAMPLE)

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/war-ner bench --model $(RUN)/model --data data/annotations --out $(RUN)/bench.json

clean:
	rm -rf outputs
