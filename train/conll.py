"""CoNLL BIO <-> our JSONL records, so ANERcorp-style corpora (any label set) train and evaluate here.

CoNLL: one ``token TAG`` per line (extra tag columns, as in nested corpora, are ignored: the first is used), a
blank line between sentences. Tokens are joined with single spaces into the record's text.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, TextIO

from model.errors import InputError, read_text
from model.spans import Entity, bio_to_spans, spans_to_bio
from model.words import Word, split_words
from train.corpus import Document, Problem


class ConllError(InputError):
    """A CoNLL line that is not ``token TAG`` (a ``ValueError``, printed on one line by the CLI)."""


def _sentence_to_document(tokens: list[str], tags: list[str], rid: str, where: str) -> Document:
    words, pos = [], 0
    for tok in tokens:
        words.append(Word(pos, pos + len(tok), tok))
        pos += len(tok) + 1
    text = " ".join(tokens)
    return Document(rid, text, [Entity(e.start, e.end, e.label, e.text) for e in bio_to_spans(text, words, tags)],
                    {}, where)


def read_conll(path: str | os.PathLike) -> list[Document]:
    """Read a CoNLL file into records with ids ``<file stem>-<n>``; raise ConllError naming the bad line."""
    path = Path(path)
    docs: list[Document] = []
    tokens: list[str] = []
    tags: list[str] = []
    first_line = 1
    text = read_text(path, "a UTF-8 CoNLL file ('token TAG' lines, a blank line between sentences)")
    # the line ends open() would see (universal newlines), so line numbers match an editor's
    for n, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        parts = line.split()
        if not parts:
            if tokens:
                docs.append(_sentence_to_document(tokens, tags, f"{path.stem}-{len(docs) + 1}",
                                                  f"{path}:{first_line}"))
            tokens, tags = [], []
            continue
        if len(parts) < 2:
            raise ConllError(f"{path}:{n}: found {line.strip()!r}, expected 'token TAG'; add the tag column")
        tag = parts[1]
        if tag != "O" and not (tag[:2] in ("B-", "I-") and len(tag) > 2):
            raise ConllError(f"{path}:{n}: tag {tag!r} is not BIO; expected O, B-TYPE or I-TYPE")
        if not tokens:
            first_line = n
        tokens.append(parts[0])
        tags.append(tag)
    if tokens:
        docs.append(_sentence_to_document(tokens, tags, f"{path.stem}-{len(docs) + 1}", f"{path}:{first_line}"))
    return docs


def document_to_conll(doc: Document) -> str:
    """One record as CoNLL lines (words by the corpus word rule), ending with a blank line."""
    words = split_words(doc.text)
    tags = spans_to_bio(words, doc.entities)
    return "".join(f"{w.text} {t}\n" for w, t in zip(words, tags)) + "\n"


def write_conll(docs: Iterable[Document], fh: TextIO) -> None:
    for doc in docs:
        fh.write(document_to_conll(doc))


def is_conll_path(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in (".txt", ".conll", ".bio", ".iob")


__all__ = ["ConllError", "read_conll", "write_conll", "document_to_conll", "is_conll_path", "Problem"]
