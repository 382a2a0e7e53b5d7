"""Score the event rules on gold entities: casualty fields against the hand-annotated layer
``data/annotations/layers/casualty_fields.jsonl`` (count_min, count_max, qualifier, status per CASUALTY span)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

FIELDS = ("count_min", "count_max", "qualifier", "status")


def casualty_field_accuracy(data: Sequence[str | os.PathLike], fields_path: str | os.PathLike) -> dict:
    """Build records per input line exactly as ``war-ner events`` does, then compare every CASUALTY span's fields.

    A span counts as correct when all four fields equal the annotation; spans with no annotation are skipped
    and counted apart.
    """
    from model.events import build_events
    from train.data import load_any

    gold = {}
    for line in Path(fields_path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            gold[(g["id"], g["start"], g["end"])] = g
    total = correct = unannotated = 0
    per_field = {f: 0 for f in FIELDS}
    errors = []
    for doc in load_any(data):
        predicted = {}
        for rec in build_events(doc.text, doc.entities, doc.meta.get("date"), source_id=doc.id):
            for c in rec.to_dict()["casualties"]:
                predicted[(c["start"], c["end"])] = c
        for e in doc.entities:
            if e.label != "CASUALTY":
                continue
            g = gold.get((doc.id, e.start, e.end))
            if g is None:
                unannotated += 1
                continue
            total += 1
            p = predicted.get((e.start, e.end), {})
            ok = [f for f in FIELDS if p.get(f) == g[f]]
            for f in ok:
                per_field[f] += 1
            if len(ok) == len(FIELDS):
                correct += 1
            else:
                errors.append({"id": doc.id, "text": e.text, "gold": {f: g[f] for f in FIELDS},
                               "predicted": {f: p.get(f) for f in FIELDS}})
    return {
        "spans": total,
        "all_fields_correct": correct,
        "accuracy": correct / total if total else 0.0,
        "per_field_accuracy": {f: (n / total if total else 0.0) for f, n in per_field.items()},
        "unannotated_spans": unannotated,
        "errors": errors,
    }
