"""Entity-level evaluation the way the field reports it: seqeval micro P/R/F1 (strict IOB2 and default mode),
per-type scores, and a table of type and boundary errors.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from typing import Optional, Sequence

from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2

from model.spans import bio_to_spans
from model.words import Word


def _spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Word-index spans ``(first, last_exclusive, type)`` decoded leniently (as conlleval)."""
    words = [Word(i, i + 1, "x") for i in range(len(tags))]
    return [(e.start, e.end, e.label) for e in bio_to_spans("x" * len(tags), words, tags)]


def error_table(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict:
    """Count, per gold type: correct, type errors (same words, other type), boundary errors (overlap, same type),
    type+boundary errors, missed; and spurious predictions per predicted type."""
    table: dict[str, Counter] = {}
    confusion: Counter = Counter()
    spurious: Counter = Counter()
    for g_tags, p_tags in zip(gold, pred):
        g, p = _spans(g_tags), _spans(p_tags)
        p_used = set()
        for gs, ge, gt in g:
            row = table.setdefault(gt, Counter())
            overlaps = [(ps, pe, pt) for ps, pe, pt in p if ps < ge and gs < pe]
            p_used.update(overlaps)
            if (gs, ge, gt) in overlaps:
                row["correct"] += 1
            elif any((ps, pe) == (gs, ge) for ps, pe, _ in overlaps):
                pt = next(pt for ps, pe, pt in overlaps if (ps, pe) == (gs, ge))
                row["type"] += 1
                confusion[f"{gt}->{pt}"] += 1
            elif any(pt == gt for _, _, pt in overlaps):
                row["boundary"] += 1
            elif overlaps:
                row["type+boundary"] += 1
            else:
                row["missed"] += 1
        for span in p:
            if span not in p_used:
                spurious[span[2]] += 1
    return {"per_gold_type": {k: dict(v) for k, v in sorted(table.items())},
            "type_confusions": dict(confusion.most_common()), "spurious": dict(spurious)}


def score(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict:
    """seqeval scores: ``strict`` (IOB2), ``default`` (conlleval-like), per-type and the error table."""
    gold, pred = [list(g) for g in gold], [list(p) for p in pred]
    for i, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted; expected equal lengths")
    out: dict = {"sentences": len(gold)}
    for mode, kwargs in (("strict", {"mode": "strict", "scheme": IOB2}), ("default", {})):
        report = classification_report(gold, pred, output_dict=True, zero_division=0, **kwargs)
        out[mode] = {
            "precision": precision_score(gold, pred, zero_division=0, **kwargs),
            "recall": recall_score(gold, pred, zero_division=0, **kwargs),
            "f1": f1_score(gold, pred, zero_division=0, **kwargs),
            "per_type": {
                k: {"precision": v["precision"], "recall": v["recall"], "f1": v["f1-score"], "support": int(v["support"])}
                for k, v in report.items() if not k.endswith(" avg")
            },
        }
    out["errors"] = error_table(gold, pred)
    return out


def format_report(metrics: dict, title: str = "") -> str:
    """The metrics as a plain-text table."""
    lines = [title] if title else []
    for mode in ("strict", "default"):
        m = metrics[mode]
        lines.append(f"{mode:8s} micro P {m['precision']:.4f}  R {m['recall']:.4f}  F1 {m['f1']:.4f}")
    lines.append(f"{'type':12s} {'P':>7s} {'R':>7s} {'F1':>7s} {'support':>8s}   (strict)")
    for k, v in metrics["strict"]["per_type"].items():
        lines.append(f"{k:12s} {v['precision']:7.4f} {v['recall']:7.4f} {v['f1']:7.4f} {v['support']:8d}")
    cols = ["correct", "type", "boundary", "type+boundary", "missed"]
    lines.append(f"{'errors':12s} " + " ".join(f"{c:>13s}" for c in cols))
    for k, v in metrics["errors"]["per_gold_type"].items():
        lines.append(f"{k:12s} " + " ".join(f"{v.get(c, 0):13d}" for c in cols))
    if metrics["errors"]["type_confusions"]:
        lines.append("type confusions: " + ", ".join(f"{k} {v}" for k, v in metrics["errors"]["type_confusions"].items()))
    if metrics["errors"]["spurious"]:
        lines.append("spurious: " + ", ".join(f"{k} {v}" for k, v in metrics["errors"]["spurious"].items()))
    return "\n".join(lines)


def evaluate_predictor(predictor, examples, batch_size: Optional[int] = None, docs=None) -> dict:
    """Score a Predictor on Examples (words + gold tags): predictions on the whole sentence, scored per word.
    With ``docs`` (the Documents the examples came from), the phenomenon slices are added (``train/slices.py``)."""
    tagged = predictor.predict_word_tags([ex.words for ex in examples])
    gold = [ex.tags for ex in examples]
    pred = [[t if t in predictor.id2label.values() else "O" for t in tags] for tags, _ in tagged]
    metrics = score(gold, pred)
    if docs is not None:
        from train.slices import score_slices

        sentences = [{"words": ex.words, "text": d.text, "doc": d.meta.get("doc", d.id)} for ex, d in zip(examples, docs)]
        metrics["slices"] = score_slices(sentences, gold, pred)
    return metrics


def evaluate(model_dir: str | os.PathLike, data: Sequence[str | os.PathLike],
             out_json: Optional[str | os.PathLike] = None, batch_size: int = 32, slices: bool = False) -> dict:
    """Evaluate a checkpoint folder on JSONL/CoNLL data; optionally write the metrics JSON (atomically)."""
    from model.predictor import Predictor
    from train.data import load_any, to_example

    docs = load_any(data)  # first: bad data fails in a second, before a model is loaded
    predictor = Predictor.from_pretrained(model_dir, batch_size=batch_size)
    examples = [to_example(d) for d in docs]
    metrics = evaluate_predictor(predictor, examples, docs=docs if slices else None)
    metrics["data"] = [str(d) for d in data]
    metrics["model"] = str(model_dir)
    # what ran: a checkpoint with an up-to-date onnx-int8/ export is scored on it (WAR_NER_ENGINE=torch: on torch)
    metrics["engine"] = predictor.engine
    metrics["engine_dir"] = str(predictor.model_dir)
    if out_json:
        from model.atomic import atomic_write_text

        atomic_write_text(out_json, json.dumps(metrics, indent=2, ensure_ascii=False))
    return metrics
