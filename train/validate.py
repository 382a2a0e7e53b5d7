"""Corpus validator: every rule of ``data/annotations/GUIDELINES.md`` that a machine can check.

Each problem says where (``file:line id``), what was found, what was expected and how to fix it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Optional, Sequence

from model.dates import iso_day
from model.errors import InputError
from model.words import split_words
from train.corpus import LABELS, SPLITS, Document, Problem, corpus_files, read_jsonl


def check_document(doc: Document, labels: Optional[Sequence[str]] = LABELS, need_meta: bool = True) -> list[Problem]:
    """Rules that one record must satisfy on its own."""
    out: list[Problem] = []

    def add(msg: str) -> None:
        out.append(Problem(doc.source, doc.id, msg))

    words = split_words(doc.text)
    starts, ends = {w.start for w in words}, {w.end for w in words}
    if doc.text != doc.text.strip():
        add("text has leading or trailing whitespace; expected none; strip the sentence")
    prev = None
    for e in doc.entities:
        where = f"entity {e.label} {e.text!r} at {e.start}-{e.end}"
        if labels is not None and e.label not in labels:
            add(f"{where}: unknown label {e.label!r}; expected one of {', '.join(labels)}")
        if e.text != e.text.strip():
            add(f"{where}: span has whitespace at its edge; expected none; move the offsets onto the word")
        elif e.start not in starts or e.end not in ends:
            add(
                f"{where}: span does not start and end on word boundaries; expected whole words; "
                "extend it (a glued clitic such as و/ب/ل belongs inside the span)"
            )
        if prev is not None:
            if e.start < prev.end:
                add(
                    f"{where}: overlaps or precedes {prev.label} {prev.text!r} at {prev.start}-{prev.end}; "
                    "expected sorted, non-overlapping spans; keep one of them"
                )
        prev = e
    if need_meta:
        meta = doc.meta
        if not isinstance(meta.get("doc"), str) or not meta.get("doc"):
            add(f"meta.doc is {meta.get('doc')!r}; expected the report id (a non-empty string)")
        split = meta.get("split")
        if split not in SPLITS:
            add(f"meta.split is {split!r}; expected one of {', '.join(SPLITS)}")
        date = meta.get("date")
        if iso_day(date) is None:
            add(f"meta.date is {date!r}; expected the report date as YYYY-MM-DD")
    return out


def check_corpus(docs: Sequence[Document], file_split: dict[str, Optional[str]]) -> list[Problem]:
    """Rules across records: unique ids, split of the file, reports and sentences in one split only."""
    out: list[Problem] = []
    first_id: dict[str, Document] = {}
    doc_split: dict[str, tuple[str, Document]] = {}
    text_split: dict[str, tuple[str, Document]] = {}
    for d in docs:
        if d.id in first_id:
            out.append(Problem(d.source, d.id, f"duplicate id (first at {first_id[d.id].source}); "
                               "expected unique ids across all files; rename one"))
        else:
            first_id[d.id] = d
        split = d.meta.get("split")
        fsplit = file_split.get(d.source.rsplit(":", 1)[0])
        if fsplit and split in SPLITS and split != fsplit:
            out.append(Problem(d.source, d.id, f"meta.split is {split!r} but the file is the {fsplit} file; "
                               f"expected {fsplit!r}; move the record or fix its split"))
        if split not in SPLITS:
            continue
        report = d.meta.get("doc")
        if isinstance(report, str):
            if report in doc_split and doc_split[report][0] != split:
                other = doc_split[report][1]
                out.append(Problem(d.source, d.id, f"report {report!r} is in {split} and in {doc_split[report][0]} "
                                   f"({other.source}); expected one split per report; move the whole report"))
            doc_split.setdefault(report, (split, d))
        key = " ".join(d.text.split())
        if key in text_split and text_split[key][0] != split:
            other = text_split[key][1]
            out.append(Problem(d.source, d.id, f"the same sentence is in {split} and in {text_split[key][0]} "
                               f"({other.source} {other.id}); expected no sentence in two splits; reword or drop one"))
        text_split.setdefault(key, (split, d))
    return out


def validate_paths(paths: Iterable[str | os.PathLike], labels: Optional[Sequence[str]] = LABELS) -> list[Problem]:
    """Validate JSONL files (directories expand to their ``*.jsonl``); return every problem found.

    Input that is not a corpus at all (a missing path, a folder without ``*.jsonl``, a file that is not UTF-8, no
    line at all) raises ``MissingInput`` / ``InputError`` instead: nothing could be checked.
    """
    problems: list[Problem] = []
    docs: list[Document] = []
    file_split: dict[str, Optional[str]] = {}
    files = corpus_files(paths)
    for f in files:
        file_split[str(f)] = f.stem if f.stem in SPLITS else None
        found, bad = read_jsonl(f)
        problems.extend(bad)
        docs.extend(found)
    if not docs and not problems:
        raise InputError("no record (the input is empty)", where=", ".join(map(str, files)),
                         expected="a JSONL corpus with at least one record")
    for d in docs:
        problems.extend(check_document(d, labels))
    problems.extend(check_corpus(docs, file_split))
    for p in map(Path, paths):
        layer = p / "layers" / "incidents.jsonl"
        if p.is_dir() and layer.exists():
            from train.incidents import check_layer, read_layer

            records, bad = read_layer(layer)
            problems.extend(bad)
            problems.extend(check_layer(records, docs, str(layer)))
    return problems
