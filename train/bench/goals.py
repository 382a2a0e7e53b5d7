"""The targets a bench run is judged against: thresholds are options (``war-ner bench --goal-...``), not constants."""
from __future__ import annotations

from dataclasses import asdict, dataclass

# each text -> records path and the NER-only path on the same export it is compared with
RECORDS_OF = {"records-onnx-int8": "predictor-onnx-int8", "records-student-int8": "student-onnx-int8"}


@dataclass
class Goals:
    """``speedup``: the fast path's sentences/s over the pipeline's; ``f1_delta_points``: how many F1 points its
    test F1 may lose against the torch model's (a path that scores higher loses nothing); ``peak_rss_mb``: the fast path's peak memory; ``scaling_ratio``: the
    largest over the smallest cost per report from 1 to 1,000 reports; ``training_speedup``: our trainer's
    samples/s over the ``run_ner.py``-style baseline's, at F1 within half a point; ``records_ratio``: text to event
    records (rules and heads included) over NER alone on the same int8 export, sentences/s."""

    speedup: float = 3.0
    f1_delta_points: float = 0.5
    peak_rss_mb: float = 300.0
    scaling_ratio: float = 2.0
    training_speedup: float = 1.3
    records_ratio: float = 0.85

    def as_dict(self) -> dict:
        return asdict(self)


def _fast_path(paths: dict, pipe: dict, torch_: dict, goals: Goals) -> dict:
    """The fastest predictor path whose F1 is within the goal of torch's, and whether it is fast enough."""
    ok = {p: r for p, r in paths.items() if "sentences_per_s" in r and p != "pipeline" and not p.startswith("records")
          and 100 * (torch_["f1"] - r["f1"]) <= goals.f1_delta_points}  # a loss of at most the goal
    if not ok:
        return {"best_path": None, "met": False}
    best = max(ok, key=lambda p: ok[p]["sentences_per_s"])
    speed = ok[best]["sentences_per_s"] / pipe["sentences_per_s"]
    return {"best_path": best, "speedup": round(speed, 2),
            "f1_delta_points": round(100 * (ok[best]["f1"] - torch_["f1"]), 2), "met": bool(speed >= goals.speedup)}


def judge(result: dict, goals: Goals) -> dict:
    """Goal name -> the measured figures and ``met``."""
    out: dict = {}
    for label, ck in result["checkpoints"].items():
        paths = ck["paths"]
        int8, torch_, pipe = (paths.get(k, {}) for k in ("predictor-onnx-int8", "predictor-torch", "pipeline"))
        if not all("sentences_per_s" in p for p in (torch_, pipe)):
            continue
        if "sentences_per_s" in int8:
            speed = int8["sentences_per_s"] / pipe["sentences_per_s"]
            delta = 100 * (int8["f1"] - torch_["f1"])
            out[f"{label}: int8 >= {goals.speedup}x pipeline at F1 within {goals.f1_delta_points} pt of torch"] = {
                "speedup": round(speed, 2), "f1_delta_points": round(delta, 2),
                "met": bool(speed >= goals.speedup and -delta <= goals.f1_delta_points)}
        fast = _fast_path(paths, pipe, torch_, goals)
        out[f"{label}: fastest path losing <= {goals.f1_delta_points} pt against torch >= {goals.speedup}x pipeline"] = fast
        student = paths.get("student-onnx-int8", {})
        if "sentences_per_s" in student:
            speed = student["sentences_per_s"] / pipe["sentences_per_s"]
            delta = 100 * (student["f1"] - torch_["f1"])
            out[f"{label}: distilled student's int8 >= {goals.speedup}x this checkpoint's pipeline at F1 within "
                f"{goals.f1_delta_points} pt of its torch (another checkpoint)"] = {
                "student_model_dir": ck.get("student_model_dir"), "speedup": round(speed, 2),
                "f1_delta_points": round(delta, 2),
                "met": bool(speed >= goals.speedup and -delta <= goals.f1_delta_points)}
        for rec_path, ner_path in RECORDS_OF.items():
            rec, ner = paths.get(rec_path, {}), paths.get(ner_path, {})
            if "sentences_per_s" in rec and "sentences_per_s" in ner:
                ratio = rec["sentences_per_s"] / ner["sentences_per_s"]
                out[f"{label}: {rec_path} >= {goals.records_ratio} of {ner_path}'s sentences/s"] = {
                    "ratio": round(ratio, 3), "met": bool(ratio >= goals.records_ratio)}
        best = fast.get("best_path")
        if best and "peak_rss_mb" in paths[best]:
            out[f"{label}: fast path peak RSS <= {goals.peak_rss_mb:.0f} MiB"] = {
                "path": best, "peak_rss_mb": paths[best]["peak_rss_mb"],
                "met": bool(paths[best]["peak_rss_mb"] <= goals.peak_rss_mb)}
        scaling = ck.get("scaling", {})
        if scaling.get("max_over_min_ms_per_report"):
            ratio = scaling["max_over_min_ms_per_report"]
            out[f"{label}: cost per report flat (max/min <= {goals.scaling_ratio}) from "
                f"{scaling['sizes'][0]['reports']} to {scaling['sizes'][-1]['reports']} reports"] = {
                "path": scaling["path"], "ms_per_report": [r["ms_per_report"] for r in scaling["sizes"]],
                "max_over_min": ratio, "met": bool(ratio <= goals.scaling_ratio)}
    for name, tr in result.get("training", {}).items():
        ours, base = tr.get("ours", {}), tr.get("baseline", {})
        if "samples_per_s" in ours and "samples_per_s" in base:
            speed = ours["samples_per_s"] / base["samples_per_s"]
            out[f"training {name}: ours >= {goals.training_speedup}x baseline samples/s at equal F1"] = {
                "speedup": round(speed, 2), "f1_ours": round(ours["test_f1"], 4),
                "f1_baseline": round(base["test_f1"], 4),
                "met": bool(speed >= goals.training_speedup and ours["test_f1"] >= base["test_f1"] - 0.005)}
    return out
