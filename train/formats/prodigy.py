"""Prodigy JSONL (``ner.manual`` tasks and ``db-out`` exports) <-> our records.

A task is ``{"text", "tokens": [{"text", "start", "end", "id", "ws"}], "spans": [{"start", "end", "label",
"token_start", "token_end"}], "meta": {...}, "answer": "accept"}``; ``token_end`` is inclusive. We write our words
(the corpus word rule) as the tokens, so Prodigy's token-snapping selects exactly the words a span may hold. Our
record id travels as ``record_id`` (Prodigy keeps every task key), our meta as ``meta`` (shown under the task).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Sequence

from model.errors import read_text
from model.words import split_words
from train.corpus import LABELS, Document, Problem
from train.formats.checks import RawSpan, checked_document
from train.formats.records import ReadResult, object_lines, record_id

FILE = "a Prodigy JSONL file (one {'text', 'tokens', 'spans'} task per line)"


def to_task(doc: Document, answered: bool = True) -> dict:
    """One task; ``answered=False`` leaves out ``answer`` (pre-annotations for ``ner.manual`` to correct)."""
    words = split_words(doc.text)
    tokens = [{"text": w.text, "start": w.start, "end": w.end, "id": i,
               "ws": w.end < len(doc.text) and doc.text[w.end].isspace()} for i, w in enumerate(words)]
    first = {w.start: i for i, w in enumerate(words)}
    last = {w.end: i for i, w in enumerate(words)}
    spans = []
    for e in doc.entities:
        span = {"start": e.start, "end": e.end, "label": e.label,
                "token_start": first[e.start], "token_end": last[e.end]}
        if e.score is not None:
            span["score"] = round(float(e.score), 4)
        spans.append(span)
    task = {"record_id": doc.id, "text": doc.text, "tokens": tokens, "spans": spans, "meta": doc.meta}
    if answered:
        task["answer"] = "accept"
    return task


def dumps(docs: Sequence[Document], answered: bool = True) -> str:
    return "".join(json.dumps(to_task(d, answered), ensure_ascii=False) + "\n" for d in docs)


def _token_problem(span: dict, tokens: list, k: int) -> Optional[str]:
    """Why ``token_start``/``token_end`` disagree with the character offsets, or None."""
    ts, te = span.get("token_start"), span.get("token_end")
    if ts is None and te is None:
        return None
    try:
        tok_start, tok_end = tokens[ts]["start"], tokens[te]["end"]
    except (TypeError, KeyError, IndexError):
        return f"span {k} has token_start={ts!r} token_end={te!r}; expected indices into tokens"
    if (tok_start, tok_end) != (span.get("start"), span.get("end")):
        return (f"span {k} has start/end {span.get('start')}-{span.get('end')} but its tokens {ts}-{te} cover "
                f"{tok_start}-{tok_end}; expected them to agree; export the task again")
    return None


def read(path: str | Path, labels: Optional[Sequence[str]] = LABELS) -> ReadResult:
    """Read Prodigy tasks: accepted (or unanswered) tasks load; rejected, ignored and binary ``ner`` answers are
    notes (they are not complete annotations of the sentence)."""
    path = Path(path)
    out = ReadResult()
    for where, n, raw in object_lines(path, read_text(path, FILE), out):
        rid = record_id(raw, f"{path.stem}-{n}")
        answer = raw.get("answer")
        if answer in ("reject", "ignore"):
            out.notes.append(Problem(where, rid, f"not carried: answered {answer!r}"))
            continue
        if raw.get("_view_id") == "ner":
            out.notes.append(Problem(where, rid, "not carried: a binary ner.teach answer about one span, not a "
                                     "complete annotation of the sentence; annotate it with ner.manual"))
            continue
        if raw.get("relations"):
            out.notes.append(Problem(where, rid, f"{len(raw['relations'])} relation(s) not carried: only entity "
                                     "spans are imported; incidents are authored in the markup's '# incident:' lines"))
        raw_spans = raw.get("spans", [])
        if not isinstance(raw_spans, list):
            out.problems.append(Problem(where, rid, f"spans is {type(raw_spans).__name__}; expected a list"))
            continue
        tokens = raw.get("tokens") if isinstance(raw.get("tokens"), list) else None
        spans: list[RawSpan] = []
        bad = False
        for k, s in enumerate(raw_spans):
            if not isinstance(s, dict):
                out.problems.append(Problem(where, rid, f"span {k} is {type(s).__name__}; expected an object"))
                bad = True
                continue
            if tokens is not None and (msg := _token_problem(s, tokens, k)):
                out.problems.append(Problem(where, rid, msg))
                bad = True
                continue
            spans.append(RawSpan(s.get("start"), s.get("end"), s.get("label"), s.get("text"), f"span {k}",
                                 s.get("score") if isinstance(s.get("score"), (int, float)) else None))
        meta = dict(raw["meta"]) if isinstance(raw.get("meta"), dict) else {}
        doc, problems, notes = checked_document(rid, raw.get("text"), spans, meta, where, labels)
        out.problems.extend(problems)
        out.notes.extend(notes)
        if doc is not None and not bad:
            out.docs.append(doc)
    return out
