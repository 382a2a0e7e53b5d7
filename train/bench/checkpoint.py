"""One checkpoint through every inference path: exports, timed runs in fresh processes, F1, agreement, scaling."""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

from train.bench.texts import report_tags

# records-onnx-int8: the int8 export run from raw text to event records (NER, rules and event heads); with a student,
# records-student-int8 is its int8 export run the same way
PATHS = ("predictor-torch", "pipeline", "predictor-onnx-fp32", "predictor-onnx-int8", "records-onnx-int8")
# the engine each path's Predictor must use (the checkpoint folder may hold a fast path that "auto" would take)
ENGINE = {"predictor-torch": "torch"}


def _percentile(values: Sequence[float], q: float) -> float:
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _export(label: str, model_dir: Path, scratch: Path, quantize_options: dict, student_dir: Optional[Path]):
    """The ONNX folders this checkpoint is timed in (fp32, int8 with ``quantize_options``, the student's fp32 and
    int8: its fp32 line is the speed-up of fewer layers alone, which needs no int8 instructions)."""
    from model.onnx_export import export_onnx

    exports, dirs = {}, {}
    todo = [("predictor-onnx-fp32", model_dir, None), ("predictor-onnx-int8", model_dir, quantize_options)]
    if student_dir is not None:
        todo += [("student-onnx-fp32", student_dir, None), ("student-onnx-int8", student_dir, quantize_options)]
    for name, source, q in todo:
        t = time.perf_counter()
        opts = dict(q or {})
        d = export_onnx(source, scratch / f"{label}-{name}", quantize=opts.pop("quantize", "int8") if q is not None
                        else None, **opts)
        info = json.loads((d / "onnx_export.json").read_text(encoding="utf-8"))
        exports[name] = {"seconds": round(time.perf_counter() - t, 2), "model_mb": round(info["model_bytes"] / 2**20, 2),
                         "verify_vs_torch": info["verify_vs_torch"], "quantize": info.get("quantize"),
                         "quantization": info.get("quantization")}
        dirs[name] = d
    return exports, dirs


def _collect(out: dict, path: str, res: dict, reports: list[dict], gold_sent: list) -> None:
    """Fold one process's result into the path's entry; outputs (F1) come from the first round."""
    from train.evaluate import score

    prev = out["paths"].get(path)
    if "error" in res or (prev is not None and "error" in prev):
        out["paths"].setdefault(path, res)
        return
    if prev is not None:  # later rounds add timings and memory peaks
        prev["throughput_seconds"] += res["throughput_seconds"]
        prev["_latencies"] += res["latencies_s"]
        prev["peak_rss_mb"] = max(prev["peak_rss_mb"], res["peak_rss_mb"])
        prev["load_seconds_rounds"].append(res["load_seconds"])
        if "long" in res:
            prev.setdefault("_long", []).append(res["long"])
        return
    gold, pred = report_tags(reports, res.pop("entities"))
    res["f1"] = float(score(gold, pred)["strict"]["f1"])
    tags = res.pop("word_tags")
    if tags is not None:
        res["f1_sentences"] = float(score(gold_sent, tags)["strict"]["f1"])
    res["_pred"] = pred
    res["_latencies"] = res.pop("latencies_s")
    res["load_seconds_rounds"] = [res["load_seconds"]]
    out["paths"][path] = res


def _summarise(out: dict, rounds: int) -> None:
    for res in out["paths"].values():
        if "error" in res:
            continue
        seconds = statistics.median(res["throughput_seconds"])
        res["sentences_per_s"] = res["sentences"] / seconds
        res["reports_per_s"] = res["reports"] / seconds
        res["sentences_per_s_best"] = res["sentences"] / min(res["throughput_seconds"])
        if "records_per_pass" in res:
            res["records_per_s"] = res["records_per_pass"] / seconds
        res["latency_ms_p50"] = 1000 * _percentile(res["_latencies"], 0.5)
        res["latency_ms_p95"] = 1000 * _percentile(res["_latencies"], 0.95)
        res["rounds"] = rounds
        for extra in res.pop("_long", []):  # the fastest round per long report: load drift only slows
            for row, other in zip(res["long"]["reports"], extra["reports"]):
                if other["ms"] < row["ms"]:
                    row.update(ms=other["ms"], words_per_s=other["words_per_s"])
        if "long" in res:
            seconds_long = sum(r["ms"] for r in res["long"]["reports"]) / 1000
            res["long"]["ms_per_report"] = round(1000 * seconds_long / len(res["long"]["reports"]), 2)
            res["long"]["words_per_s"] = round(res["long"]["words"] / seconds_long, 1)
        del res["_latencies"]
    ref = out["paths"].get("predictor-torch", {})
    pipe = out["paths"].get("pipeline", {})
    for res in out["paths"].values():
        if "error" in res:
            continue
        if "_pred" in ref:
            flat = [t for s in res["_pred"] for t in s]
            flat_ref = [t for s in ref["_pred"] for t in s]
            res["tag_agreement_with_torch"] = sum(a == b for a, b in zip(flat, flat_ref)) / max(len(flat_ref), 1)
        if "sentences_per_s" in pipe:
            res["speedup_vs_pipeline"] = res["sentences_per_s"] / pipe["sentences_per_s"]
    for res in out["paths"].values():
        res.pop("_pred", None)


def bench_checkpoint(label: str, model_dir: Path, reports: list[dict], run: Callable, scratch: Path, *,
                     threads: int, repeats: int, rounds: int, batch_size: int, sizes: Sequence[int],
                     quantize_options: dict, long_reports: Sequence[dict] = (),
                     student_dir: Optional[Path] = None) -> dict:
    """Every path of ``PATHS`` (plus the student's int8 with ``student_dir``) on ``reports``; ``rounds`` fresh
    processes per path, interleaved, against load drift; then the scaling line on the fastest predictor path."""
    out: dict = {"label": label, "model_dir": str(model_dir), "paths": {}}
    out["exports"], dirs = _export(label, model_dir, scratch, quantize_options, student_dir)
    if student_dir is not None:
        out["student_model_dir"] = str(student_dir)
    dirs = {"predictor-torch": model_dir, "pipeline": model_dir, **dirs}
    dirs["records-onnx-int8"] = dirs["predictor-onnx-int8"]  # the same export, run from text to event records
    if "student-onnx-int8" in dirs:
        dirs["records-student-int8"] = dirs["student-onnx-int8"]  # the fast default, from text to records
    gold_sent = [s["tags"] for r in reports for s in r["sentences"]]
    for _ in range(rounds):
        for path, folder in dirs.items():
            res = run("infer", {"path": path, "model_dir": str(folder), "reports": reports, "threads": threads,
                                "repeats": repeats, "batch_size": batch_size, "engine": ENGINE.get(path, "auto"),
                                "long_reports": list(long_reports), "long_repeats": repeats}, scratch)
            _collect(out, path, res, reports, gold_sent)
    _summarise(out, rounds)
    candidates = {p: r for p, r in out["paths"].items()
                  if (p.startswith("predictor") or p.startswith("student")) and "error" not in r}
    if candidates and sizes:
        fastest = max(candidates, key=lambda p: candidates[p]["sentences_per_s"])
        out["scaling"] = run("scale", {"path": fastest, "model_dir": str(dirs[fastest]), "reports": reports,
                                       "threads": threads, "repeats": repeats, "batch_size": batch_size,
                                       "sizes": list(sizes), "engine": ENGINE.get(fastest, "auto")}, scratch)
    return out
