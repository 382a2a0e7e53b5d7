"""Score the event rules on gold entities: casualty fields against the hand-annotated layer
``data/annotations/layers/casualty_fields.jsonl`` (count_min, count_max, qualifier, status per CASUALTY span)."""
from __future__ import annotations

import json
import os
from typing import Sequence

from model.errors import InputError, read_text

FIELDS = ("count_min", "count_max", "qualifier", "status")
_KEYS = ("id", "start", "end") + FIELDS
_LAYER = "a UTF-8 JSONL casualty-fields layer (data/annotations/layers/casualty_fields.jsonl)"


def read_casualty_fields(path: str | os.PathLike) -> dict[tuple, dict]:
    """The layer keyed by ``(id, start, end)``; a line that is not such an object raises a one-line ``InputError``."""
    gold = {}
    for n, line in enumerate(read_text(path, _LAYER).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            g = json.loads(line)
        except ValueError as exc:
            raise InputError(f"invalid JSON ({getattr(exc, 'msg', exc)})", where=f"{path}:{n}",
                             expected="one JSON object per line") from None
        if not isinstance(g, dict):
            found = f"found a JSON {type(g).__name__}"
        elif [k for k in _KEYS if k not in g]:
            found = f"found an object without {', '.join(k for k in _KEYS if k not in g)}"
        elif not isinstance(g["id"], str) or type(g["start"]) is not int or type(g["end"]) is not int:
            found = f"found id={g['id']!r} start={g['start']!r} end={g['end']!r}"
        else:
            found = ""
        if found:
            raise InputError(found, where=f"{path}:{n}", expected=f"an object with {', '.join(_KEYS)} per line "
                             "(id a string, start and end integers)")
        gold[(g["id"], g["start"], g["end"])] = g
    if not gold:
        raise InputError("no line (the layer is empty)", where=str(path), expected=_LAYER)
    return gold


def casualty_field_accuracy(data: Sequence[str | os.PathLike], fields: str | os.PathLike | dict) -> dict:
    """Build records per input line as ``war-ner events`` does (quiet clauses kept: ``build_events``'s
    ``drop_quiet``), then compare every CASUALTY span's fields.

    A span counts as correct when all four fields equal the annotation; spans with no annotation are skipped
    and counted apart.
    """
    from model.events import build_events
    from train.data import load_any

    gold = fields if isinstance(fields, dict) else read_casualty_fields(fields)
    total = correct = unannotated = 0
    per_field = {f: 0 for f in FIELDS}
    errors = []
    for doc in load_any(data):
        predicted = {}
        # every count is read, also in a tally or a quote that makes no incident record
        for rec in build_events(doc.text, doc.entities, doc.meta.get("date"), source_id=doc.id, drop_quiet=False):
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
