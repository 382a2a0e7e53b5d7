"""What every format reader returns, and the JSON / JSONL record iterators they share (with line numbers)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence, Union

from model.errors import InputError
from train.corpus import Document, Problem
from train.formats.checks import RawSpan, check_spans


@dataclass
class ReadResult:
    """Records loaded exactly, what stops the import (``problems``), and what it does not carry (``notes``)."""

    docs: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    def extend(self, other: "ReadResult") -> None:
        self.docs.extend(other.docs)
        self.problems.extend(other.problems)
        self.notes.extend(other.notes)


def _json_error(exc: ValueError) -> str:
    return getattr(exc, "msg", None) or f"{type(exc).__name__}: {exc}"[:120]


def jsonl_records(path: Path, content: str) -> Iterator[tuple[int, Union[dict, Problem]]]:
    """(line number, object) per non-blank line, or a Problem for a line that is not a JSON object."""
    for n, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except (ValueError, RecursionError) as exc:
            why = _json_error(exc) if isinstance(exc, ValueError) else "nested too deep"
            yield n, Problem(f"{path}:{n}", "", f"invalid JSON ({why}); expected one JSON object per line")
            continue
        if not isinstance(raw, dict):
            yield n, Problem(f"{path}:{n}", "", f"found a JSON {type(raw).__name__}; expected an object per line")
            continue
        yield n, raw


def object_lines(path: Path, content: str, out: "ReadResult") -> Iterator[tuple[str, int, dict]]:
    """(``file:line``, line number, object) per JSON object line; other lines become problems in ``out``."""
    for n, raw in jsonl_records(path, content):
        if isinstance(raw, Problem):
            out.problems.append(raw)
            continue
        yield f"{path}:{n}", n, raw


def record_id(raw: dict, fallback: str) -> str:
    """The record id a task carries (``record_id``, written by our export), else ``fallback``."""
    rid = raw.get("record_id")
    return rid if isinstance(rid, str) and rid else fallback


def recheck(docs: Sequence[Document], labels: Optional[Sequence[str]]) -> "ReadResult":
    """Hold records read by the corpus readers (JSONL, CoNLL, markup) to the same span checks as the tools'
    exports."""
    out = ReadResult()
    for d in docs:
        spans = [RawSpan(e.start, e.end, e.label, e.text, f"entity {k}") for k, e in enumerate(d.entities)]
        entities, problems, notes = check_spans(d.text, spans, d.source, d.id, labels)
        out.problems.extend(problems)
        out.notes.extend(notes)
        if not problems:
            out.docs.append(Document(d.id, d.text, entities, d.meta, d.source))
    return out


def json_array_records(path: Path, content: str, expected: str) -> list[tuple[int, object]]:
    """(line number, item) for each item of a JSON array file (a single object counts as a one-item array).

    A file that is not JSON is not a task file with problems but the wrong input: ``InputError``.
    """
    decoder = json.JSONDecoder()
    pos = len(content) - len(content.lstrip())
    try:
        if content[pos : pos + 1] != "[":
            obj, _ = decoder.raw_decode(content, pos)
            return [(content.count("\n", 0, pos) + 1, obj)]
        items: list[tuple[int, object]] = []
        pos += 1
        while True:
            while pos < len(content) and content[pos] in " \t\r\n,":
                pos += 1
            if content[pos : pos + 1] == "]":
                return items
            if pos >= len(content):
                raise ValueError("the array is not closed")
            line = content.count("\n", 0, pos) + 1
            obj, pos = decoder.raw_decode(content, pos)
            items.append((line, obj))
    except (ValueError, RecursionError) as exc:
        msg = _json_error(exc) if isinstance(exc, ValueError) else "nested too deep"
        raise InputError(f"not a JSON file ({msg})", where=str(path), expected=expected,
                         fix="export it again from the tool") from None
