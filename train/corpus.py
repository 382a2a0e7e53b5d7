"""The annotated corpus: records, the JSONL reader and the problems it reports.

A record is one sentence: ``{"id", "text", "entities": [{"start", "end", "label", "text"}], "meta"}``. The reader
never raises on bad input and never drops part of a record: a line is either loaded exactly or reported as a
``Problem`` that says where, what was found, what was expected and how to fix it.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

from model.atomic import atomic_write_text  # noqa: F401 - re-exported for train.* callers
from model.errors import InputError, read_text
from model.spans import Entity

LABELS = ("FACTION", "LOCATION", "OPERATION", "CASUALTY", "DATE", "PERSON")
SPLITS = ("train", "dev", "test")


@dataclass
class Document:
    """One annotated sentence and where it came from (``source`` is ``file:line``, for messages)."""

    id: str
    text: str
    entities: list[Entity]
    meta: dict = field(default_factory=dict)
    source: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "text": self.text,
                "entities": [
                    {"start": e.start, "end": e.end, "label": e.label, "text": e.text} for e in self.entities
                ],
                "meta": self.meta,
            },
            ensure_ascii=False,
        )


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, printed as ``file:line id: message``."""

    where: str
    record_id: str
    message: str

    def __str__(self) -> str:
        rid = f" {self.record_id}" if self.record_id else ""
        return f"{self.where}{rid}: {self.message}"


def _entity(raw: object, text: str, k: int) -> tuple[Optional[Entity], Optional[str]]:
    """Parse one entity object; return (entity, None) or (None, message)."""
    if not isinstance(raw, dict):
        return None, f"entity {k} is {type(raw).__name__}, expected an object with start, end, label, text"
    missing = [key for key in ("start", "end", "label", "text") if key not in raw]
    if missing:
        return None, f"entity {k} lacks {', '.join(missing)}; expected start, end, label and text"
    extra = sorted(set(raw) - {"start", "end", "label", "text"})
    if extra:
        return None, f"entity {k} has unknown keys {extra}; expected only start, end, label, text"
    start, end, label, etext = raw["start"], raw["end"], raw["label"], raw["text"]
    if type(start) is not int or type(end) is not int:
        return None, f"entity {k} has start={start!r} end={end!r}, expected integers; write character offsets"
    if not isinstance(label, str) or not isinstance(etext, str):
        return None, f"entity {k} has label={label!r} text={etext!r}, expected strings"
    if not 0 <= start < end <= len(text):
        return None, (
            f"entity {k} {label} has offsets {start}-{end} outside the text (length {len(text)}); "
            "expected 0 <= start < end <= len(text); regenerate offsets from the markup"
        )
    if text[start:end] != etext:
        return None, (
            f"entity {k} {label} text {etext!r} != text[{start}:{end}] {text[start:end]!r}; "
            "expected them equal; regenerate offsets from the markup"
        )
    return Entity(start, end, label, etext), None


def parse_record(line: str, where: str) -> tuple[Optional[Document], list[Problem]]:
    """Parse one JSONL line into a Document, or report why it cannot be loaded exactly."""
    try:
        raw = json.loads(line)
    except (ValueError, RecursionError) as exc:  # ValueError: also an int over sys.get_int_max_str_digits()
        msg = getattr(exc, "msg", None) or (f"{type(exc).__name__}: {exc}"[:120] if isinstance(exc, ValueError)
                                            else type(exc).__name__)
        return None, [Problem(where, "", f"invalid JSON ({msg}); expected one JSON object per line")]
    if not isinstance(raw, dict):
        return None, [Problem(where, "", f"found a JSON {type(raw).__name__}, expected an object per line")]
    rid = raw.get("id")
    rid_s = rid if isinstance(rid, str) else ""
    problems: list[Problem] = []
    if not isinstance(rid, str) or not rid:
        problems.append(Problem(where, "", f"id is {rid!r}, expected a non-empty string; give every record an id"))
    text = raw.get("text")
    if not isinstance(text, str):
        problems.append(Problem(where, rid_s, f"text is {type(text).__name__}, expected a string"))
        return None, problems
    raw_entities = raw.get("entities", [])
    if not isinstance(raw_entities, list):
        problems.append(Problem(where, rid_s, f"entities is {type(raw_entities).__name__}, expected a list"))
        return None, problems
    meta = raw.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        problems.append(Problem(where, rid_s, f"meta is {type(meta).__name__}, expected an object or absent"))
    extra = sorted(set(raw) - {"id", "text", "entities", "meta"})
    if extra:
        problems.append(
            Problem(where, rid_s, f"unknown keys {extra}; expected only id, text, entities, meta; remove them")
        )
    entities: list[Entity] = []
    for k, item in enumerate(raw_entities):
        ent, msg = _entity(item, text, k)
        if msg:
            problems.append(Problem(where, rid_s, msg))
        else:
            entities.append(ent)  # type: ignore[arg-type]
    if problems:
        return None, problems
    return Document(rid, text, entities, meta, where), []


JSONL_FILE = "a UTF-8 JSONL corpus file (one JSON record per line)"


def read_jsonl(path: str | os.PathLike) -> tuple[list[Document], list[Problem]]:
    """Read a JSONL corpus file: every line is loaded exactly or reported (blank lines are skipped).

    A path that is not a readable UTF-8 file is not a corpus with problems but the wrong input: it raises
    ``MissingInput`` / ``InputError`` (``model/errors.py``).
    """
    docs: list[Document] = []
    problems: list[Problem] = []
    path = Path(path)
    content = read_text(path, JSONL_FILE)
    for n, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        doc, found = parse_record(line, f"{path}:{n}")
        problems.extend(found)
        if doc is not None:
            docs.append(doc)
    return docs, problems


def corpus_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Expand directories into their ``*.jsonl`` files (sorted); keep files as given.

    A folder without any ``*.jsonl`` file raises ``InputError`` (it is almost always the wrong folder)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.jsonl"))
            if not found:
                raise InputError("a folder with no *.jsonl file", where=str(p),
                                 expected="a JSONL corpus file or a folder of them", fix="name the corpus folder")
            out.extend(found)
        else:
            out.append(p)
    return out


def load_documents(paths: Sequence[str | os.PathLike]) -> list[Document]:
    """Load JSONL files or directories; raise ``InputError`` (one line: the first problem, how many more) when any
    line is bad."""
    docs: list[Document] = []
    problems: list[Problem] = []
    files = corpus_files(paths)
    for f in files:
        d, p = read_jsonl(f)
        docs.extend(d)
        problems.extend(p)
    if problems:
        raise InputError(first_problem(problems, "war-ner validate " + " ".join(map(str, files))))
    return docs


def first_problem(problems: Sequence[Problem], lister: str) -> str:
    """One line for an error: the first problem, and how to list the others when there are more."""
    more = f" (and {len(problems) - 1} more problem(s): `{lister}` lists them all)" if len(problems) > 1 else ""
    return f"{problems[0]}{more}"


def write_jsonl_atomic(path: str | os.PathLike, docs: Iterable[Document]) -> None:
    """Write records to ``path`` atomically, one JSON object per line."""
    atomic_write_text(path, "".join(doc.to_json() + "\n" for doc in docs))
