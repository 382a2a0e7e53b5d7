"""Authoring markup: ``[[LABEL|surface text]]`` inline, so offsets are never typed by hand.

A markup file holds reports; each report opens with ``# doc:``, ``# date:`` and ``# split:`` lines and each
following non-empty line is one sentence. ``python -m train.markup --check FILE...`` lists the problems.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Iterable, Optional, Sequence

from model.errors import InputError, read_text
from model.spans import Entity
from train.corpus import LABELS, SPLITS, Document, Problem, first_problem, write_jsonl_atomic
from train.incidents import RawIncident, compile_layer, write_layer
from train.validate import check_corpus, check_document

MARKUP_FILE = "a UTF-8 markup file ('# doc:' header lines, [[LABEL|text]] marks)"
_MARK = re.compile(r"\[\[([^\[\]|]*)\|([^\[\]]*)\]\]")
_HEADER = re.compile(r"^#\s*(doc|date|split|incident)\s*:\s*(.*?)\s*$")


def parse_sentence(line: str, where: str, labels: Sequence[str] = LABELS) -> tuple[str, list[Entity], list[str]]:
    """Strip the marks from one line; return (text, entities, messages).

    >>> parse_sentence("قصف على [[LOCATION|الرقة]].", "x")[:2]
    ('قصف على الرقة.', [Entity(start=8, end=13, label='LOCATION', text='الرقة', score=None)])
    """
    out: list[str] = []
    entities: list[Entity] = []
    messages: list[str] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(line):
        out.append(line[pos : m.start()])
        length += m.start() - pos
        label, surface = m.group(1), m.group(2)
        if label not in labels:
            messages.append(f"unknown label {label!r} in {m.group(0)!r}; expected one of {', '.join(labels)}")
        if not surface.strip():
            messages.append(f"empty entity {m.group(0)!r}; expected [[LABEL|text]] with text")
        entities.append(Entity(length, length + len(surface), label, surface))
        out.append(surface)
        length += len(surface)
        pos = m.end()
    out.append(line[pos:])
    text = "".join(out)
    for token in ("[[", "]]"):
        if token in text:
            messages.append(f"stray {token!r} left after parsing; expected [[LABEL|text]] marks, closed, not nested")
    return text, entities, messages


def parse_markup(path: str | Path, labels: Sequence[str] = LABELS) -> tuple[list[Document], list[Problem]]:
    """Parse one markup file into Documents; every structural problem is reported with its line."""
    docs, _, problems = parse_markup_incidents(path, labels)
    return docs, problems


def parse_markup_incidents(path: str | Path, labels: Sequence[str] = LABELS
                           ) -> tuple[list[Document], list[RawIncident], list[Problem]]:
    """Parse one markup file into Documents and its ``# incident:`` lines, as written."""
    path = Path(path)
    docs: list[Document] = []
    incidents: list[RawIncident] = []
    problems: list[Problem] = []
    header: dict[str, str] = {}
    count = 0
    for n, raw in enumerate(read_text(path, MARKUP_FILE).split("\n"), start=1):
        where = f"{path}:{n}"
        line = raw.rstrip("\r")
        if not line.strip():
            header = {}  # a blank line ends the report (GUIDELINES.md): later sentences need their own header
            continue
        h = _HEADER.match(line)
        if h:
            key, value = h.groups()
            if key == "doc":
                header, count = {"doc": value}, 0
            elif not header:
                problems.append(Problem(where, "", f"'# {key}:' before any '# doc:' line; expected '# doc:' first"))
            elif key == "incident":
                incidents.append(RawIncident(header["doc"], where, value))
            else:
                header[key] = value
            continue
        if line.lstrip().startswith("#"):
            problems.append(Problem(where, "", f"unknown header {line!r}; expected '# doc:', '# date:', '# split:' or '# incident:'"))
            continue
        if "doc" not in header:
            problems.append(Problem(where, "", "sentence before any '# doc:' line; start the report with its header"))
            continue
        count += 1
        rid = f"{header['doc']}-{count}"
        text, entities, messages = parse_sentence(line.strip(), where, labels)
        problems.extend(Problem(where, rid, m) for m in messages)
        meta = {"doc": header["doc"], "date": header.get("date"), "split": header.get("split")}
        docs.append(Document(rid, text, entities, meta, where))
    return docs, incidents, problems


def check_markup(paths: Iterable[str | Path], labels: Sequence[str] = LABELS,
                 incidents: bool = True) -> tuple[list[Document], list[Problem]]:
    """Parse markup files and run every validator rule on the result (the incident layer's too)."""
    docs, _, problems = compile_markup(paths, labels, incidents)
    return docs, problems


def compile_markup(paths: Iterable[str | Path], labels: Sequence[str] = LABELS, incidents: bool = True
                   ) -> tuple[list[Document], list[dict], list[Problem]]:
    """Parse markup files into sentences and the compiled incident layer, with every problem found."""
    docs: list[Document] = []
    raws: list[RawIncident] = []
    problems: list[Problem] = []
    for p in paths:
        d, r, bad = parse_markup_incidents(p, labels)
        docs.extend(d)
        raws.extend(r)
        problems.extend(bad)
    for d in docs:
        problems.extend(check_document(d, labels))
    problems.extend(check_corpus(docs, {}))
    layer: list[dict] = []
    if incidents:
        layer, bad = compile_layer(raws, docs)
        problems.extend(bad)
    return docs, layer, problems


def markup_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into their ``*.txt`` files (sorted); a folder without any raises ``InputError``."""
    out: list[Path] = []
    for p in map(Path, paths):
        found = sorted(p.glob("*.txt")) if p.is_dir() else [p]
        if not found:
            raise InputError("a folder with no *.txt file", where=str(p), expected=f"{MARKUP_FILE} or a folder of them",
                             fix="name the markup folder (data/annotations/markup)")
        out.extend(found)
    return out


def markup_to_jsonl(paths: Iterable[str | Path], out_dir: str | Path) -> dict[str, int]:
    """Convert markup to ``{train,dev,test}.jsonl`` in ``out_dir``; refuse (write nothing) on any problem."""
    files = markup_files(paths)
    docs, layer, problems = compile_markup(files)
    if problems:
        lister = "war-ner markup --check " + " ".join(map(str, files))
        raise InputError(first_problem(problems, lister), fix="correct the markup and rerun (nothing was written)")
    if not docs:
        raise InputError("no sentence (the input is empty)", where=", ".join(map(str, files)),
                         expected=f"{MARKUP_FILE} with at least one report", fix="nothing was written")
    counts = {}
    for split in SPLITS:
        chosen = [d for d in docs if d.meta["split"] == split]
        write_jsonl_atomic(Path(out_dir) / f"{split}.jsonl", chosen)
        counts[split] = len(chosen)
    if layer:
        write_layer(Path(out_dir) / "layers" / "incidents.jsonl", layer)
        counts["incidents"] = sum(1 for r in layer if not r.get("none"))
    return counts


def _main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m train.markup", description=__doc__)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--check", action="store_true", help="only report problems and counts")
    ap.add_argument("--out-dir", help="write {train,dev,test}.jsonl here")
    args = ap.parse_args(argv)
    docs, problems = check_markup(markup_files(args.paths))
    for p in problems:
        print(p)
    reports = len({d.meta["doc"] for d in docs})
    mentions = Counter(e.label for d in docs for e in d.entities)
    print(f"{len(problems)} problem(s); {reports} reports, {len(docs)} sentences; mentions: "
          + ", ".join(f"{k} {mentions.get(k, 0)}" for k in LABELS))
    if args.out_dir and not problems:
        print(markup_to_jsonl(args.paths, args.out_dir))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(_main())
