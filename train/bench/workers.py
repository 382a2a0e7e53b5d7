"""Inference workers: each runs one path in its own (fresh) process and returns plain JSON-able results.

``infer``: load, warm up, throughput over all test reports, per-report latency, the cost on long reports, peak
RSS, outputs for scoring. ``scale``: wall time for 1, 10, 100, 1,000 reports (test reports repeated).
"""
from __future__ import annotations

import statistics
import sys
import time
from typing import Callable

from train.bench.system import memory_mb, set_threads


def _runner(spec: dict) -> tuple[Callable[[list[str]], list], object]:
    """``run_all(texts) -> entities per text`` for the spec's path, and the predictor (None for the pipeline)."""
    kind = spec["path"]
    if kind == "pipeline":
        from transformers import pipeline

        pipe = pipeline("token-classification", model=spec["model_dir"], aggregation_strategy="simple", device=-1)
        # one call per report: what a user writes first
        return (lambda texts: [[[int(e["start"]), int(e["end"]), str(e["entity_group"])] for e in pipe(t)]
                               for t in texts]), None
    from model.predictor import Predictor

    predictor = Predictor.from_pretrained(spec["model_dir"], num_threads=spec["threads"],
                                          batch_size=spec["batch_size"], engine=spec.get("engine", "auto"))
    if kind.startswith("records"):  # end to end: text -> entities -> event records (heads included)
        def run_all(texts: list[str]) -> list:
            # all reports in one call, as predict() has them: the encoder's batches span reports
            out = []
            for ents, recs in predictor.extract_batch(texts):
                run_all.records += len(recs)
                out.append([[e.start, e.end, e.label] for e in ents])
            return out

        run_all.records = 0
        return run_all, predictor
    return (lambda texts: [[[e.start, e.end, e.label] for e in ents] for ents in predictor.predict(texts)]), predictor


def _latencies(run_all, texts: list[str]) -> list[float]:
    lat = []
    for text in texts:
        s = time.perf_counter()
        run_all([text])
        lat.append(time.perf_counter() - s)
    return lat


def _long_cost(run_all, predictor, long_reports: list[dict], repeats: int) -> dict:
    """One long report per call, ``repeats`` times each: ms per report, words/s, and the windows it took."""
    rows = []
    for rep in long_reports:
        walls = []
        for _ in range(repeats):
            s = time.perf_counter()
            run_all([rep["text"]])
            walls.append(time.perf_counter() - s)
        row = {"doc": rep["doc"], "words": rep["words"], "sentences": rep["sentences"],
               "ms": round(1000 * statistics.median(walls), 2),
               "words_per_s": round(rep["words"] / statistics.median(walls), 1)}
        if predictor is not None:
            wins = predictor.windows(rep["text"])
            row["windows"] = len(wins)
            row["longest_window"] = max((len(w) for w in wins), default=0)
        rows.append(row)
    words = sum(r["words"] for r in rows)
    seconds = sum(r["ms"] for r in rows) / 1000
    return {"reports": rows, "words": words, "ms_per_report": round(1000 * seconds / max(len(rows), 1), 2),
            "words_per_s": round(words / seconds, 1) if seconds else None}


def infer_worker(spec: dict) -> dict:
    """One inference path in this process: load, warm up, throughput, latency, long reports, peak RSS, outputs."""
    kind = spec["path"]
    # the ONNX paths must not pay for importing torch; they set ONNX Runtime's threads through the Predictor
    set_threads(spec["threads"], torch_too="onnx" not in kind)
    reports = spec["reports"]
    texts = [r["text"] for r in reports]
    t0 = time.perf_counter()
    run_all, predictor = _runner(spec)
    load_s = time.perf_counter() - t0
    mem_loaded = memory_mb()
    run_all(texts[: min(3, len(texts))])  # warm-up: first-call allocations, lazy imports
    if hasattr(run_all, "records"):
        run_all.records = 0
    runs, entities = [], None
    for _ in range(spec["repeats"]):
        t = time.perf_counter()
        if kind == "pipeline":  # the baseline is one call per report: its latencies are the throughput run
            entities, lat = [], []
            for text in texts:
                s = time.perf_counter()
                entities.append(run_all([text])[0])
                lat.append(time.perf_counter() - s)
            runs.append({"seconds": time.perf_counter() - t, "latencies": lat})
        else:
            entities = run_all(texts)
            runs.append({"seconds": time.perf_counter() - t})
    records = getattr(run_all, "records", None)
    if kind != "pipeline":
        for run in runs:
            run["latencies"] = _latencies(run_all, texts)
    out = {"path": kind, "model_dir": spec["model_dir"], "reports": len(texts),
           "sentences": sum(len(r["sentences"]) for r in reports), "load_seconds": round(load_s, 3),
           "throughput_seconds": [round(r["seconds"], 5) for r in runs],
           "latencies_s": [round(x, 6) for r in runs for x in r["latencies"]],
           "rss_after_load_mb": mem_loaded.get("rss_mb"), "entities": entities, "word_tags": None}
    if records is not None:
        out["records_per_pass"] = records // max(spec["repeats"], 1)
    if spec.get("long_reports") and kind != "pipeline":  # the pipeline has no windows: it truncates
        out["long"] = _long_cost(run_all, predictor, spec["long_reports"], spec.get("long_repeats", 1))
    if predictor is not None:
        sentences = [[w[2] for w in s["words"]] for r in reports for s in r["sentences"]]
        out["word_tags"] = [tags for tags, _ in predictor.predict_word_tags(sentences)]
        out["engine"] = predictor.engine
    out["peak_rss_mb"] = memory_mb()["peak_rss_mb"]
    out["torch_imported"] = "torch" in sys.modules
    out["threads"] = {"torch": sys.modules["torch"].get_num_threads() if "torch" in sys.modules else None}
    if predictor is not None and predictor.engine == "onnx":
        out["threads"]["onnxruntime_intra_op"] = predictor.runner.session.get_session_options().intra_op_num_threads
    return out


def scale_worker(spec: dict) -> dict:
    """Wall time of ``Predictor.predict`` on N reports (the test reports repeated cyclically) for each N."""
    set_threads(spec["threads"], torch_too="onnx" not in spec["path"])
    from model.predictor import Predictor

    predictor = Predictor.from_pretrained(spec["model_dir"], num_threads=spec["threads"],
                                          batch_size=spec["batch_size"], engine=spec.get("engine", "auto"))
    texts = [r["text"] for r in spec["reports"]]
    predictor.predict(texts[:3])
    rows = []
    for n in spec["sizes"]:
        batch = [texts[i % len(texts)] for i in range(n)]
        reps = spec["repeats"] if n <= 10 else 1
        walls = []
        for _ in range(reps):
            t = time.perf_counter()
            predictor.predict(batch)
            walls.append(time.perf_counter() - t)
        wall = statistics.median(walls)
        sentences = sum(len(spec["reports"][i % len(texts)]["sentences"]) for i in range(n))
        rows.append({"reports": n, "sentences": sentences, "wall_seconds": round(wall, 4),
                     "ms_per_report": round(1000 * wall / n, 3), "sentences_per_s": round(sentences / wall, 1),
                     "repeats": reps})
    per_report = [r["ms_per_report"] for r in rows]
    return {"path": spec["path"], "model_dir": spec["model_dir"], "sizes": rows,
            "max_over_min_ms_per_report": round(max(per_report) / min(per_report), 3) if per_report else None,
            **memory_mb()}
