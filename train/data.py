"""Corpus files -> (words, BIO tags) examples: the one place where gold spans become word tags."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from model.errors import InputError, MissingInput
from model.spans import spans_to_bio
from model.words import split_words
from train.conll import is_conll_path, read_conll
from train.corpus import Document, corpus_files, load_documents

CORPUS_PATH = "a JSONL or CoNLL corpus file, or a folder of *.jsonl files"


@dataclass
class Example:
    """One sentence as words and their gold tags."""

    id: str
    words: list[str]
    tags: list[str]


def load_any(paths: Sequence[str | os.PathLike]) -> list[Document]:
    """Load records from JSONL files/directories and CoNLL files (``.txt``, ``.conll``).

    Bad input raises one-line errors (``model/errors.py``): a missing path, a file that is not UTF-8, a bad line,
    or no record at all in the paths given.
    """
    docs: list[Document] = []
    jsonl: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            raise MissingInput("no such file or directory", where=str(p), expected=CORPUS_PATH, fix="check the path")
        if p.is_file() and is_conll_path(p):
            docs.extend(read_conll(p))
        else:
            jsonl.extend(corpus_files([p]))
    if jsonl:
        docs.extend(load_documents(jsonl))
    if not docs:
        raise InputError("no record (the input is empty)", where=", ".join(map(str, paths)) or None,
                         expected=f"at least one sentence in {CORPUS_PATH}")
    return docs


def to_example(doc: Document) -> Example:
    """Gold spans -> word tags (raises if a span is not word-aligned: run ``war-ner validate``)."""
    words = split_words(doc.text)
    try:
        tags = spans_to_bio(words, doc.entities)
    except ValueError as exc:
        raise ValueError(f"{doc.source} {doc.id}: {exc}") from None
    return Example(doc.id, [w.text for w in words], tags)


def entity_types(docs: Iterable[Document]) -> list[str]:
    return sorted({e.label for d in docs for e in d.entities})


def bio_labels(types: Sequence[str]) -> list[str]:
    """The tag inventory: ``O`` then ``B-``/``I-`` per type, in a stable order.

    >>> bio_labels(["LOC", "DATE"])
    ['O', 'B-DATE', 'I-DATE', 'B-LOC', 'I-LOC']
    """
    return ["O"] + [f"{p}-{t}" for t in sorted(types) for p in ("B", "I")]
