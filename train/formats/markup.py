"""Our authoring markup (``train/markup.py``) as a format: records out to ``[[LABEL|text]]`` lines, and back.

This is how imported annotations join the corpus: ``war-ner convert export.json --to markup --out
data/annotations/markup/batch.txt``, then ``war-ner markup`` regenerates the JSONL. The markup holds a report's
``doc``, ``date`` and ``split`` and numbers its sentences ``<doc>-<n>``; other meta keys and other ids are not
kept, and a report's ``# incident:`` lines are written by hand (GUIDELINES.md, "The incident layer").
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from model.errors import InputError
from train.corpus import LABELS, Document, Problem
from train.formats.records import ReadResult, recheck


def _line(doc: Document) -> str:
    if "\n" in doc.text or "\r" in doc.text or "[[" in doc.text or "]]" in doc.text:
        raise InputError(f"record {doc.id} holds a line break or '[[', ']]'", where=doc.source or None,
                         expected="one-line sentences without markup brackets", fix="convert to jsonl instead")
    out, pos = [], 0
    for e in doc.entities:
        if any(c in e.text for c in "[]|") or any(c in e.label for c in "[]|"):
            raise InputError(f"record {doc.id} has the span {e.label} {e.text!r} with '[', ']' or '|'",
                             expected="spans the markup can write", fix="convert to jsonl instead")
        out += [doc.text[pos : e.start], f"[[{e.label}|{e.text}]]"]
        pos = e.end
    out.append(doc.text[pos:])
    return "".join(out)


def dumps(docs: Sequence[Document]) -> str:
    """Reports in order of first appearance (``meta.doc``, else the record id), one header block each, its
    sentences in report order when ``meta.sentence`` says it (``war-ner suggest`` sets it)."""
    reports: dict[str, list[Document]] = {}
    for d in docs:
        reports.setdefault(str(d.meta.get("doc") or d.id), []).append(d)
    blocks = []
    for rid, ds in reports.items():
        # suggested sentences come most-uncertain first: put them back in report order (``meta.sentence``)
        ds = sorted(ds, key=lambda d: d.meta.get("sentence", 0) if isinstance(d.meta.get("sentence"), int) else 0)
        head = [f"# doc: {rid}"] + [f"# {k}: {ds[0].meta[k]}" for k in ("date", "split") if ds[0].meta.get(k)]
        blocks.append("\n".join(head + [_line(d) for d in ds]) + "\n")
    return "\n".join(blocks)


def read(path: str | Path, labels: Optional[Sequence[str]] = LABELS) -> ReadResult:
    """Read a markup file; its ``# incident:`` lines are not records (``war-ner markup`` compiles them)."""
    from train.markup import parse_markup_incidents

    docs, incidents, problems = parse_markup_incidents(path, labels or ())
    if labels is None:  # the markup reader checks labels itself; without a label set, keep only other problems
        problems = [p for p in problems if "unknown label" not in p.message]
    out = recheck(docs, labels)
    out.problems[:0] = list(problems)
    if incidents:
        out.notes.insert(0, Problem(str(path), "", f"{len(incidents)} '# incident:' line(s) not carried: "
                                    "`war-ner markup` compiles them into the incident layer"))
    return out
