"""Careful int8, measured: quantisation variants of one fp32 ONNX export against that export.

For every variant: argmax agreement with fp32 at the words' first sub-words ("dev": the dev split plus the
training sentences calibration did not read; "test"), mean |logit difference|, word-tag agreement with fp32 on
test, strict test F1 (``evaluate_predictor``, what ``war-ner evaluate`` reports) and sentences/s on the test
sentences. The sensitivity scan first quantises everything except one block at a time (each encoder layer, the
embeddings, the classifier, each MatMul role across layers, then each MatMul of the most sensitive layer), on
"dev" only, to find what int8 costs most; the variants that keep those fp32 are then scored like the others.
Variants are chosen on "dev"; test F1 is reported, not tuned on.

    python -m train.bench.quant_study --fp32 outputs/fast-cpu/onnx-fp32 --out outputs/fast-cpu/int8-study.json
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from model.atomic import atomic_write_text

# (name, quantize_graph keywords); "calibrated" variants read windows of the training text.
BASE_VARIANTS = [
    ("dynamic per-tensor", {"method": "int8", "per_channel": False}),
    ("dynamic per-channel", {"method": "int8", "per_channel": True}),
    ("dynamic per-channel reduce-range", {"method": "int8", "per_channel": True, "reduce_range": True}),
    ("static minmax per-channel", {"method": "int8-static", "per_channel": True, "calibrate_method": "minmax"}),
    ("static percentile per-channel", {"method": "int8-static", "per_channel": True,
                                       "calibrate_method": "percentile"}),
    ("static entropy per-channel", {"method": "int8-static", "per_channel": True, "calibrate_method": "entropy"}),
    *[(f"dynamic per-channel, smooth {a}", {"method": "int8", "smooth": a}) for a in (0.5, 0.6, 0.75, 0.8, 0.85, 0.9)],
    ("dynamic per-channel reduce-range, smooth 0.8", {"method": "int8", "reduce_range": True, "smooth": 0.8}),
    ("static minmax per-channel, smooth 0.8", {"method": "int8-static", "calibrate_method": "minmax", "smooth": 0.8}),
    ("static percentile per-channel, smooth 0.8", {"method": "int8-static", "calibrate_method": "percentile",
                                                   "smooth": 0.8}),
    ("dynamic per-channel, classifier fp32", {"method": "int8", "keep_fp32": ["classifier"]}),
    ("dynamic per-channel, embeddings fp32", {"method": "int8", "keep_fp32": ["embeddings"]}),
]


# groups of weight MatMuls of the same role across all layers (BERT naming, as the exporter writes it)
GROUPS = [("all attention q/k/v", r"attention/self/(query|key|value)/MatMul"),
          ("all attention output", r"attention/output/dense/MatMul"),
          ("all FFN up (intermediate)", r"intermediate/dense/MatMul"),
          ("all FFN down (output)", r"layer\.\d+/output/dense/MatMul")]
# the weight MatMuls of one layer, by what follows "layer.N/" in their names
ROLES = [("q", "attention/self/query/MatMul"), ("k", "attention/self/key/MatMul"),
         ("v", "attention/self/value/MatMul"), ("attn out", "attention/output/dense/MatMul"),
         ("FFN up", "intermediate/dense/MatMul"), ("FFN down", "output/dense/MatMul")]


def _folder(fp32_dir: Path, dst: Path, spec: dict, calibration: dict) -> Path:
    from model.quantize import quantize_graph

    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(fp32_dir, dst, ignore=shutil.ignore_patterns("model.onnx"))
    kwargs = dict(spec)
    static = spec.get("method") == "int8-static"
    histogram = static and spec.get("calibrate_method", "minmax") != "minmax"  # needs windows of one shape
    needed = static or spec.get("smooth") is not None
    kwargs["calibration"] = (calibration["packed"] if histogram else calibration["windows"]) if needed else None
    info = quantize_graph(fp32_dir / "model.onnx", dst / "model.onnx", **kwargs)
    (dst / "quantize.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return dst


def _batches(tokenizer, sentences: Sequence[Sequence[str]], max_length: int, stride: int, size: int = 32):
    from model.encoding import encode_sentences

    wins = sorted((w for ws in encode_sentences(tokenizer, sentences, max_length, stride) for w in ws), key=len)
    out = []
    for b in range(0, len(wins), size):
        chunk = wins[b : b + size]
        ids = np.zeros((len(chunk), len(chunk[-1])), dtype=np.int64)
        mask = np.zeros_like(ids)
        first = np.zeros(ids.shape, dtype=bool)  # the positions a word's tag is read from
        for r, w in enumerate(chunk):
            ids[r, : len(w)], mask[r, : len(w)], first[r, : len(w)] = w.input_ids, 1, w.first
        out.append((ids, mask, first))
    return out


def _logits(folder: Path, batches, threads: int) -> list[np.ndarray]:
    from model.predictor import Predictor

    runner = Predictor.from_pretrained(folder, num_threads=threads).runner
    return [runner(ids, mask) for ids, mask, _ in batches]


def _agreement(ref: list[np.ndarray], got: list[np.ndarray], batches) -> dict:
    same = total = 0
    diffs = []
    for r, g, (_, _, first) in zip(ref, got, batches):
        real = first
        same += int((r.argmax(-1) == g.argmax(-1))[real].sum())
        total += int(real.sum())
        diffs.append(np.abs(r - g)[real].ravel())
    d = np.concatenate(diffs)
    return {"argmax_agreement": same / total, "positions": total, "flipped": total - same,
            "mean_abs_logit_diff": float(d.mean()), "max_abs_logit_diff": float(d.max())}


def _score(folder: Path, examples, ref_tags, threads: int, passes: int) -> dict:
    from model.predictor import Predictor
    from train.evaluate import evaluate_predictor

    predictor = Predictor.from_pretrained(folder, num_threads=threads)
    sentences = [ex.words for ex in examples]
    predictor.predict_word_tags(sentences[:8])  # warm-up
    walls = []
    for _ in range(passes):
        t = time.perf_counter()
        tagged = predictor.predict_word_tags(sentences)
        walls.append(time.perf_counter() - t)
    tags = [t for ts, _ in tagged for t in ts]
    f1 = evaluate_predictor(predictor, examples)["strict"]["f1"]
    out = {"test_f1": float(f1), "sentences_per_s": len(sentences) / statistics.median(walls),
           "model_mb": round((folder / "model.onnx").stat().st_size / 2**20, 1)}
    if ref_tags is not None:
        out["word_tag_agreement"] = sum(a == b for a, b in zip(tags, ref_tags)) / len(ref_tags)
    return out, tags


def study(fp32_dir: Path, data_dir: Path, out_json: Path, *, threads: int = 2, passes: int = 3,
          calibration_limit: int = 400, sensitivity: bool = True, keep_top: int = 2,
          work_dir: Optional[Path] = None) -> dict:
    """Run the variants (and the sensitivity scan) and write ``out_json``; return the same dict."""
    from model.predictor import Predictor
    from model.quantize import calibration_texts, calibration_windows
    from train.data import load_any, to_example

    fp32_dir, data_dir = Path(fp32_dir), Path(data_dir)
    # agreement is judged on dev plus the training sentences calibration did not read: more words, no test
    dev = [to_example(d) for d in load_any([data_dir / "dev.jsonl"])] + [
        to_example(d) for d in load_any([data_dir / "train.jsonl"])][calibration_limit:]
    test = [to_example(d) for d in load_any([data_dir / "test.jsonl"])]
    base = Predictor.from_pretrained(fp32_dir, num_threads=threads)
    tok, max_len, stride = base.tokenizer, base.max_length, base.stride
    texts = calibration_texts(data_dir / "train.jsonl", calibration_limit)
    calibration = {"windows": calibration_windows(tok, texts, max_len, stride),
                   "packed": calibration_windows(tok, texts, max_len, stride, packed=min(128, max_len))}
    dev_b = _batches(tok, [ex.words for ex in dev], max_len, stride)
    test_b = _batches(tok, [ex.words for ex in test], max_len, stride)
    ref_dev, ref_test = _logits(fp32_dir, dev_b, threads), _logits(fp32_dir, test_b, threads)
    scratch = Path(tempfile.mkdtemp(prefix="war-ner-int8-", dir=work_dir))
    result: dict = {"fp32": str(fp32_dir), "threads": threads,
                    "calibration_windows": {k: len(v) for k, v in calibration.items()},
                    "variants": {}, "sensitivity": {}}
    try:
        fp32_score, ref_tags = _score(fp32_dir, test, None, threads, passes)
        result["variants"]["fp32"] = fp32_score
        variants = list(BASE_VARIANTS)
        if sensitivity:
            def scan(blocks: list) -> list:
                for name, pattern in blocks:
                    folder = _folder(fp32_dir, scratch / "scan", {"method": "int8", "keep_fp32": [pattern]}, calibration)
                    result["sensitivity"][name] = {"pattern": pattern,
                                                   **_agreement(ref_dev, _logits(folder, dev_b, threads), dev_b)}
                    print(f"[int8] fp32 {name}: dev {result['sensitivity'][name]}", file=sys.stderr, flush=True)
                # the blocks whose fp32 copy removes the most flips on dev
                return sorted(blocks, key=lambda b: result["sensitivity"][b[0]]["flipped"])

            nothing = _folder(fp32_dir, scratch / "scan", {"method": "int8"}, calibration)
            result["sensitivity"]["(none)"] = _agreement(ref_dev, _logits(nothing, dev_b, threads), dev_b)
            n_layers = int(json.loads((fp32_dir / "config.json").read_text(encoding="utf-8"))["num_hidden_layers"])
            layers = scan([("classifier", "classifier"), ("embeddings", "embeddings")]
                          + [(f"layer {i}", rf"layer\.{i}/") for i in range(n_layers)] + GROUPS)
            top = [b for b in layers if b[0].startswith("layer")][0]
            i = top[0].split()[1]
            inside = scan([(f"layer {i} {role}", rf"layer\.{i}/{rx}") for role, rx in ROLES])
            result["most_sensitive"] = {"blocks": [n for n, _ in layers[:keep_top]],
                                        "inside_top_layer": [n for n, _ in inside[:keep_top]]}
            for name, pats in ((" + ".join(n for n, _ in layers[:keep_top]), [p for _, p in layers[:keep_top]]),
                               (top[0], [top[1]]), (inside[0][0], [inside[0][1]]),
                               (" + ".join(n for n, _ in inside[:keep_top]), [p for _, p in inside[:keep_top]])):
                variants.append((f"dynamic per-channel, {name} fp32", {"method": "int8", "keep_fp32": pats}))
            variants.append((f"static percentile per-channel, {layers[0][0]} fp32",
                             {"method": "int8-static", "calibrate_method": "percentile",
                              "keep_fp32": [layers[0][1]]}))
        for name, spec in dict(variants).items():  # a name given twice (the same blocks) runs once
            folder = _folder(fp32_dir, scratch / "variant", spec, calibration)
            row = {"spec": spec, "dev": _agreement(ref_dev, _logits(folder, dev_b, threads), dev_b),
                   "test": _agreement(ref_test, _logits(folder, test_b, threads), test_b)}
            row.update(_score(folder, test, ref_tags, threads, passes)[0])
            result["variants"][name] = row
            print(f"[int8] {name}: {json.dumps({k: v for k, v in row.items() if k != 'spec'})}", file=sys.stderr,
                  flush=True)
            atomic_write_text(out_json, json.dumps(result, indent=2))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    atomic_write_text(out_json, json.dumps(result, indent=2))
    return result


def format_study(result: dict) -> str:
    """One line per variant."""
    lines = [f"{'variant':58s} {'test F1':>7s} {'dev agree':>9s} {'test agree':>10s} {'word agree':>10s} "
             f"{'sent/s':>7s} {'MB':>6s}"]
    for name, r in result["variants"].items():
        lines.append(f"{name[:58]:58s} {r['test_f1']:7.4f} {r.get('dev', {}).get('argmax_agreement', 1.0):9.4f} "
                     f"{r.get('test', {}).get('argmax_agreement', 1.0):10.4f} {r.get('word_tag_agreement', 1.0):10.4f} "
                     f"{r['sentences_per_s']:7.1f} {r['model_mb']:6.1f}")
    if result.get("sensitivity"):
        lines.append("sensitivity (dev words whose tag flips vs fp32 when this block alone stays fp32): " + ", ".join(
            f"{k} {v['flipped']}" for k, v in result["sensitivity"].items()))
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m train.bench.quant_study", description=__doc__.split("\n\n")[0])
    p.add_argument("--fp32", required=True, help="an fp32 export (war-ner export-onnx without --quantize)")
    p.add_argument("--data", default="data/annotations", help="folder with train/dev/test.jsonl")
    p.add_argument("--out", required=True, help="results JSON")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--passes", type=int, default=3, help="timed passes over the test sentences per variant")
    p.add_argument("--calibration-limit", type=int, default=400, help="training sentences to calibrate on")
    p.add_argument("--no-sensitivity", action="store_true")
    p.add_argument("--keep-top", type=int, default=2, help="blocks kept fp32 in the sensitivity-driven variants")
    args = p.parse_args(argv)
    result = study(Path(args.fp32), Path(args.data), Path(args.out), threads=args.threads, passes=args.passes,
                   calibration_limit=args.calibration_limit, sensitivity=not args.no_sensitivity,
                   keep_top=args.keep_top)
    print(format_study(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
