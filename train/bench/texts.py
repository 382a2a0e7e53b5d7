"""The texts the benchmark times: test sentences grouped back into reports, and the corpus's long reports."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence

from model.errors import MissingInput


def split_path(data_dir: str | os.PathLike, split: str) -> Path:
    """``<data_dir>/<split>.jsonl``, or a one-line error saying what the folder should hold."""
    p = Path(data_dir) / f"{split}.jsonl"
    if not p.is_file():
        raise MissingInput("no such file", where=str(p), expected=f"{data_dir} to hold train.jsonl and test.jsonl",
                           fix="pass --data FOLDER (e.g. data/annotations of the repository)")
    return p


def _grouped(docs) -> dict[str, list]:
    groups: dict[str, list] = {}
    for d in docs:
        groups.setdefault(str(d.meta.get("doc") or d.id), []).append(d)
    return groups


def load_reports(test_path: str | os.PathLike, max_sentences: Optional[int] = None) -> list[dict]:
    """Test sentences grouped back into reports by ``meta.doc`` (first-appearance order), joined by a space.

    Each report: ``{"doc", "text", "sentences": [{"offset", "words": [[start, end, text]], "tags"}]}`` with word
    offsets into the report text.
    """
    from model.spans import spans_to_bio
    from model.words import split_words
    from train.data import load_any

    docs = load_any([test_path])
    if max_sentences:
        docs = docs[:max_sentences]
    reports = []
    for doc_id, sents in _grouped(docs).items():
        parts, offset, entries = [], 0, []
        for d in sents:
            words = split_words(d.text)
            entries.append({"offset": offset, "words": [[w.start + offset, w.end + offset, w.text] for w in words],
                            "tags": spans_to_bio(words, d.entities)})
            parts.append(d.text)
            offset += len(d.text) + 1
        reports.append({"doc": doc_id, "text": " ".join(parts), "sentences": entries})
    return reports


def long_reports(paths: Sequence[str | os.PathLike], min_words: int = 1000) -> list[dict]:
    """Reports of at least ``min_words`` words in the given corpus files (sentences joined by ``meta.doc``).

    Each: ``{"doc", "text", "words", "sentences"}``. Only their cost is measured, so every split may contribute.
    """
    from model.words import split_words
    from train.data import load_any

    out, seen = [], set()
    for path in paths:
        for doc_id, sents in _grouped(load_any([path])).items():
            text = " ".join(d.text for d in sents)
            n = len(split_words(text))
            if n >= min_words and text not in seen:  # a report in two files is timed once
                seen.add(text)
                out.append({"doc": doc_id, "source": str(path), "text": text, "words": n, "sentences": len(sents)})
    return out


def entities_to_word_tags(words: Sequence[Sequence], entities: Sequence[Sequence]) -> list[str]:
    """BIO word tags from character-span entities ``(start, end, label)`` by the corpus word rule.

    A word belongs to an entity when their spans overlap; the entity's first such word is ``B-``, the rest ``I-``.
    A word already claimed by an earlier entity keeps its tag (sub-word aggregations can overlap a word twice).

    >>> entities_to_word_tags([[0, 4, "قصفت"], [5, 9, "قوات"], [10, 16, "النظام"]], [[6, 16, "FACTION"]])
    ['O', 'B-FACTION', 'I-FACTION']
    """
    tags = ["O"] * len(words)
    for start, end, label in sorted(entities, key=lambda e: (e[0], e[1])):
        first = True
        for i, (ws, we, _) in enumerate(words):
            if ws < end and start < we and tags[i] == "O":
                tags[i] = f"{'B' if first else 'I'}-{label}"
                first = False
    return tags


def report_tags(reports: list[dict], entities: list[list]) -> tuple[list[list[str]], list[list[str]]]:
    """Gold and predicted word tags, sentence by sentence, from each report's predicted character spans."""
    gold, pred = [], []
    for rep, ents in zip(reports, entities):
        for s in rep["sentences"]:
            gold.append(s["tags"])
            pred.append(entities_to_word_tags(s["words"], ents))
    return gold, pred
