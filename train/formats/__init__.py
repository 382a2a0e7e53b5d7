"""Annotation formats in and out: our JSONL, Label Studio, doccano, Prodigy, CoNLL and our authoring markup.

``read_input(path, fmt)`` returns a ``ReadResult`` (records loaded exactly, problems, notes on what was not
carried); ``dumps(docs, fmt)`` writes records in a format. Every import is held to the corpus word rule
(``train/formats/checks.py``), whatever the tool; CoNLL keeps words and tags only (its text is the words joined
by single spaces); the markup keeps a report's doc, date and split and numbers sentences ``<doc>-<n>`` (the
corpus's own ids); the other formats keep text, offsets, labels, record ids and meta exactly.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Optional, Sequence

from train.corpus import LABELS, Document
from train.formats.detect import FORMATS, detect_format
from train.formats.records import ReadResult, recheck

__all__ = ["FORMATS", "ReadResult", "detect_format", "read_input", "read_inputs", "dumps"]


def read_input(path: str | Path, fmt: Optional[str] = None, labels: Optional[Sequence[str]] = LABELS,
               use_predictions: bool = False) -> ReadResult:
    """Read one file (or, for our JSONL, a folder of ``*.jsonl``) in ``fmt``, detected when None."""
    fmt = fmt or detect_format(path)
    if fmt == "labelstudio":
        from train.formats import labelstudio

        return labelstudio.read(path, labels, use_predictions)
    if fmt == "doccano":
        from train.formats import doccano

        return doccano.read(path, labels)
    if fmt == "prodigy":
        from train.formats import prodigy

        return prodigy.read(path, labels)
    if fmt == "markup":
        from train.formats import markup

        return markup.read(path, labels)
    if fmt == "conll":
        from train.conll import read_conll

        return recheck(read_conll(path), labels)
    from train.corpus import corpus_files, read_jsonl

    out = ReadResult()
    for f in corpus_files([path]):
        docs, problems = read_jsonl(f)
        out.problems.extend(problems)
        out.extend(recheck(docs, labels))
    return out


def read_inputs(paths: Sequence[str | Path], fmt: Optional[str] = None, labels: Optional[Sequence[str]] = LABELS,
                use_predictions: bool = False) -> ReadResult:
    """``read_input`` over several paths, in order."""
    out = ReadResult()
    for p in paths:
        out.extend(read_input(p, fmt, labels, use_predictions))
    return out


def dumps(docs: Sequence[Document], fmt: str, predictions: Optional[Sequence[dict]] = None) -> str:
    """The file content of ``docs`` in ``fmt``.

    ``predictions`` (one ``{"model_version", "score"}`` per record) marks the entities as a model's
    pre-annotations: Label Studio ``predictions``, Prodigy tasks without an ``answer``; the other formats have no
    such notion and write them as annotations.
    """
    if fmt == "labelstudio":
        from train.formats import labelstudio

        return labelstudio.dumps(docs, predictions)
    if fmt == "doccano":
        from train.formats import doccano

        return doccano.dumps(docs)
    if fmt == "prodigy":
        from train.formats import prodigy

        return prodigy.dumps(docs, answered=predictions is None)
    if fmt == "markup":
        from train.formats import markup

        return markup.dumps(docs)
    if fmt == "conll":
        from train.conll import write_conll

        buf = io.StringIO()
        write_conll(docs, buf)
        return buf.getvalue()
    if fmt == "jsonl":
        return "".join(d.to_json() + "\n" for d in docs)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
