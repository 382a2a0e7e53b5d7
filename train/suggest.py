"""What to annotate next: sentences of unannotated reports, ranked by how unsure a model is about them.

The pool (raw ``.txt`` reports, JSONL records with a ``text``, or folders of them) is split into sentences with
the predictor's own splitter; sentences already in the corpus are dropped (normalised text match); the model tags
every other sentence and gives each word a probability for every tag. The uncertainty of a sentence is, by
``method``:

- ``margin`` (default): ``1 - min over words (p1 - p2)``, where p1 and p2 are the word's two most probable tags.
  A sentence is as uncertain as its least certain word: one undecided word (a name the model half knows, the edge
  of a span) is where an annotator's correction teaches most, and a long sentence of easy words stays low.
- ``entropy``: the mean over words of the tag distribution's entropy, divided by ``log(number of tags)`` (0-1):
  how unsure the model is on the whole sentence.

The choice is spread over reports: the most uncertain sentence of every report first (reports ordered by it),
then every report's second, and so on, with at most ``per_report`` sentences of one report; so ``--n 50`` gives
50 reports a sentence each before any report gives two.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np

from model.arabic import normalise_arabic
from model.errors import InputError, MissingInput, read_text
from model.spans import Entity, bio_to_spans
from model.words import split_sentences, split_words
from train.corpus import Document

METHODS = ("margin", "entropy")
POOL = "raw report .txt files, JSONL files with a 'text' per line, or folders of them"
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass
class Candidate:
    """One pool sentence: where it comes from, and once scored, the model's uncertainty and entities."""

    report: str
    index: int  # 1-based sentence number in its report (over all its records)
    text: str
    offset: int  # where the sentence starts in the report (or record) text it was cut from
    source: str  # file:line
    meta: dict = field(default_factory=dict)
    uncertainty: float = 0.0
    entities: list[Entity] = field(default_factory=list)


def sentence_key(text: str) -> str:
    """The key two sentences match on: Arabic spelling variants, quotes and spacing do not count.

    >>> sentence_key("قُتل  “٣” عناصر") == sentence_key('قتل "3" عناصر')
    True
    """
    return normalise_arabic(text)


def _cut(report: str, text: str, source: str, meta: dict) -> list[Candidate]:
    return [Candidate(report, k, text[s:e], s, source, dict(meta))
            for k, (s, e) in enumerate(split_sentences(text), start=1)]


def _pool_files(paths: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            raise MissingInput("no such file or directory", where=str(p), expected=POOL, fix="check the path")
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix.lower() in (".txt", ".jsonl"))
            if not found:
                raise InputError("a folder with no .txt or .jsonl file", where=str(p), expected=POOL)
            files.extend(found)
        else:
            files.append(p)
    return files


def read_pool(paths: Sequence[str | Path]) -> list[Candidate]:
    """Every sentence of the pool. A ``.txt`` file is one report (its name is the report id; a ``YYYY-MM-DD`` in
    the name is its date); a JSONL line is a record whose report is ``meta.doc``, else its ``id``, else the line."""
    out: list[Candidate] = []
    for f in _pool_files(paths):
        content = read_text(f, POOL)
        if f.suffix.lower() != ".jsonl":
            m = _DATE.search(f.stem)
            out.extend(_cut(f.stem, content, f"{f}:1", {"doc": f.stem, **({"date": m.group(1)} if m else {})}))
            continue
        for n, line in enumerate(content.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except ValueError:
                raise InputError("invalid JSON", where=f"{f}:{n}", expected="one JSON object with a 'text' per line",
                                 fix="check the file") from None
            data = raw.get("data") if isinstance(raw, dict) and isinstance(raw.get("data"), dict) else raw
            if not isinstance(data, dict) or not isinstance(data.get("text"), str):
                raise InputError("a line without a 'text' string", where=f"{f}:{n}",
                                 expected="one JSON object with a 'text' per line")
            meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
            report = meta.get("doc") or data.get("id") or data.get("record_id") or f"{f.stem}-{n}"
            kept = {k: meta[k] for k in ("doc", "date") if k in meta}
            out.extend(_cut(str(report), data["text"], f"{f}:{n}", {"doc": str(report), **kept}))
    counts: dict[str, int] = {}
    for c in out:  # number sentences through the whole report, over the records it is spread across
        counts[c.report] = c.index = counts.get(c.report, 0) + 1
    return out


def known_keys(docs: Iterable[Document]) -> set[str]:
    """Keys of the corpus sentences, and of the pieces the splitter would cut them into."""
    keys: set[str] = set()
    for d in docs:
        keys.add(sentence_key(d.text))
        keys.update(sentence_key(d.text[s:e]) for s, e in split_sentences(d.text))
    return keys


def drop_known(candidates: Sequence[Candidate], known: set[str]) -> tuple[list[Candidate], int]:
    """The candidates whose text is neither in the corpus nor met earlier in the pool; and how many were dropped."""
    seen = set(known)
    kept = []
    for c in candidates:
        key = sentence_key(c.text)
        if key and key not in seen:
            seen.add(key)
            kept.append(c)
    return kept, len(candidates) - len(kept)


def uncertainty(dists: np.ndarray, method: str = "margin") -> float:
    """A sentence's uncertainty from its words' tag distributions (rows: words), 0 (sure) to 1.

    >>> round(uncertainty(np.array([[0.9, 0.1, 0.0], [0.5, 0.4, 0.1]])), 3)
    0.9
    >>> round(uncertainty(np.array([[1.0, 0.0], [0.5, 0.5]]), "entropy"), 3)
    0.5
    """
    if len(dists) == 0:
        return 0.0
    if method == "margin":
        top = np.sort(dists, axis=1)[:, ::-1]
        second = top[:, 1] if dists.shape[1] > 1 else np.zeros(len(dists))
        return float(1.0 - (top[:, 0] - second).min())
    if method == "entropy":
        p = np.clip(dists, 1e-12, 1.0)
        ent = -(p * np.log(p)).sum(axis=1) / math.log(max(dists.shape[1], 2))
        return float(ent.mean())
    raise ValueError(f"unknown uncertainty method {method!r}; expected one of {', '.join(METHODS)}")


def score(predictor, candidates: Sequence[Candidate], method: str = "margin") -> None:
    """Set each candidate's uncertainty and the model's entities (offsets into the sentence), in one pass."""
    words = [split_words(c.text) for c in candidates]
    rows = predictor.predict_word_distributions([[w.text for w in ws] for ws in words])
    for c, ws, (tags, scores, dists) in zip(candidates, words, rows):
        c.uncertainty = uncertainty(dists, method)
        c.entities = bio_to_spans(c.text, ws, tags, scores)


def spread(candidates: Sequence[Candidate], n: int, per_report: Optional[int] = None) -> list[Candidate]:
    """Up to ``n`` candidates, most uncertain first, taken round robin over reports (see the module doc).

    >>> cs = [Candidate(r, i, f"{r}{i}", 0, "") for r, i in (("a", 1), ("a", 2), ("a", 3), ("b", 1))]
    >>> for c, u in zip(cs, (0.9, 0.8, 0.7, 0.1)): c.uncertainty = u
    >>> [c.text for c in spread(cs, 3)]
    ['a1', 'b1', 'a2']
    >>> [c.text for c in spread(cs, 3, per_report=1)]
    ['a1', 'b1']
    """
    by_report: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_report.setdefault(c.report, []).append(c)
    queues = [sorted(cs, key=lambda c: -c.uncertainty) for cs in by_report.values()]
    if per_report:
        queues = [q[:per_report] for q in queues]
    chosen: list[Candidate] = []
    depth = 0
    while len(chosen) < n and any(len(q) > depth for q in queues):
        layer = sorted((q[depth] for q in queues if len(q) > depth), key=lambda c: -c.uncertainty)
        chosen.extend(layer[: n - len(chosen)])
        depth += 1
    return chosen


def to_documents(chosen: Sequence[Candidate], method: str) -> list[Document]:
    """Records for the annotation tool: the sentence, the model's entities as pre-annotations, and in ``meta``
    the report, its date when known, the sentence number, its offset in the source and the uncertainty."""
    docs = []
    for c in chosen:
        meta = {**c.meta, "sentence": c.index, "offset": c.offset, "source": c.source,
                f"uncertainty_{method}": round(c.uncertainty, 4)}
        docs.append(Document(f"{c.report}-{c.index}", c.text, list(c.entities), meta, c.source))
    return docs


def suggest(model: str | Path, pool: Sequence[str | Path], n: int = 50, method: str = "margin",
            exclude: Sequence[str | Path] = (), per_report: Optional[int] = None, batch_size: int = 32
            ) -> tuple[list[Document], list[dict], dict]:
    """The ``n`` sentences to annotate next with the model's entities; one Label Studio prediction header per
    record (``model_version``, ``score`` = 1 - uncertainty, so Label Studio's ascending sort shows the least
    sure first); and counts of what happened to the pool."""
    from model.predictor import Predictor
    from train.data import load_any

    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", expected=f"one of {', '.join(METHODS)}")
    candidates = read_pool(pool)
    known = known_keys(load_any(list(exclude))) if exclude else set()
    kept, dropped = drop_known(candidates, known)
    predictor = Predictor.from_pretrained(model, batch_size=batch_size)
    score(predictor, kept, method)
    chosen = spread(kept, n, per_report)
    version = f"{Path(model).parent.name}/{Path(model).name}"
    predictions = [{"model_version": version, "score": round(1.0 - c.uncertainty, 4)} for c in chosen]
    stats = {"pool_sentences": len(candidates), "dropped_known_or_repeated": dropped, "scored": len(kept),
             "reports": len({c.report for c in kept}), "chosen": len(chosen),
             "chosen_reports": len({c.report for c in chosen}), "method": method,
             "uncertainty_chosen_mean": round(float(np.mean([c.uncertainty for c in chosen])), 4) if chosen else None,
             "uncertainty_pool_mean": round(float(np.mean([c.uncertainty for c in kept])), 4) if kept else None}
    return to_documents(chosen, method), predictions, stats
