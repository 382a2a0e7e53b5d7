"""doccano sequence-labeling JSONL <-> our records.

doccano imports and exports ``{"text": ..., "label": [[start, end, LABEL], ...]}`` per line; exports of
doccano 1.x before 1.6 call the list ``labels``, and relation projects write ``"entities": [{"id",
"start_offset", "end_offset", "label"}]`` with ``"relations"``. Every other key of an imported line is kept by
doccano as metadata and written back at the top level of the export, so our record id travels as
``record_id`` and our meta as ``meta``; any other key a team adds comes back in ``meta``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Sequence

from model.errors import read_text
from train.corpus import LABELS, Document, Problem
from train.formats.checks import RawSpan, checked_document
from train.formats.records import ReadResult, object_lines, record_id

FILE = "a doccano JSONL file (one {'text', 'label': [[start, end, LABEL]]} object per line)"
# keys doccano itself writes, never the team's metadata
_OWN = {"id", "text", "data", "label", "labels", "entities", "relations", "Comments", "comments",
        "annotation_approver", "record_id", "meta"}


def to_record(doc: Document) -> dict:
    """One doccano line (entity scores, on pre-annotations, have no place in it and are left out)."""
    return {"record_id": doc.id, "text": doc.text, "label": [[e.start, e.end, e.label] for e in doc.entities],
            "meta": doc.meta}


def dumps(docs: Sequence[Document]) -> str:
    return "".join(json.dumps(to_record(d), ensure_ascii=False) + "\n" for d in docs)


def _spans(raw: dict, where: str, rid: str, out: ReadResult) -> Optional[list[RawSpan]]:
    if isinstance(raw.get("entities"), list):
        spans = []
        for k, ent in enumerate(raw["entities"]):
            if not isinstance(ent, dict):
                out.problems.append(Problem(where, rid, f"entity {k} is {type(ent).__name__}; expected an object "
                                            "with start_offset, end_offset, label"))
                return None
            spans.append(RawSpan(ent.get("start_offset"), ent.get("end_offset"), ent.get("label"),
                                 what=f"entity {ent.get('id', k)}"))
        relations = raw.get("relations") or []
        if relations:
            out.notes.append(Problem(where, rid, f"{len(relations)} relation(s) not carried: only entity spans are "
                                     "imported; incidents are authored in the markup's '# incident:' lines"))
        return spans
    key = "label" if "label" in raw else "labels"
    items = raw.get(key, [])
    if not isinstance(items, list):
        out.problems.append(Problem(where, rid, f"{key} is {type(items).__name__}; expected a list of "
                                    "[start, end, LABEL]"))
        return None
    spans = []
    for k, item in enumerate(items):
        if isinstance(item, str):
            out.problems.append(Problem(where, rid, f"{key} holds the class {item!r}; expected [start, end, LABEL] "
                                        "spans (this looks like a text-classification export)"))
            return None
        if not (isinstance(item, list) and len(item) == 3):
            out.problems.append(Problem(where, rid, f"{key} item {k} is {item!r}; expected [start, end, LABEL]"))
            continue
        spans.append(RawSpan(item[0], item[1], item[2], what=f"{key} {k}"))
    return spans


def read(path: str | Path, labels: Optional[Sequence[str]] = LABELS) -> ReadResult:
    """Read a doccano JSONL export; every line is loaded exactly or reported."""
    path = Path(path)
    out = ReadResult()
    for where, n, raw in object_lines(path, read_text(path, FILE), out):
        rid = record_id(raw, f"{path.stem}-{raw['id']}" if "id" in raw else f"{path.stem}-{n}")
        meta = dict(raw["meta"]) if isinstance(raw.get("meta"), dict) else {}
        for key, value in raw.items():
            if key not in _OWN:
                meta.setdefault(key, value)
        spans = _spans(raw, where, rid, out)
        if spans is None:
            continue
        text = raw.get("text", raw.get("data"))
        doc, problems, notes = checked_document(rid, text, spans, meta, where, labels)
        out.problems.extend(problems)
        out.notes.extend(notes)
        if doc is not None:
            out.docs.append(doc)
    return out
