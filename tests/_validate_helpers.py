"""Shared by the tests/test_validate_*.py files: corpus records written here and the problems the validator finds."""
from __future__ import annotations

import json
import re
from pathlib import Path

from train.validate import validate_paths

TEXT = "هاجمت وقوات النظام بلدة الغدير فجر اليوم."


def span(text: str, surface: str, label: str) -> dict:
    start = text.index(surface)
    return {"start": start, "end": start + len(surface), "label": label, "text": surface}


_DEFAULT = object()


def record(rid: str = "r1-1", text: str = TEXT, entities=_DEFAULT, doc: str = "r1", split: str = "train",
           date: str = "2018-03-04", **extra) -> dict:
    if entities is _DEFAULT:
        entities = [span(text, "وقوات النظام", "FACTION"), span(text, "بلدة الغدير", "LOCATION"),
                    span(text, "فجر اليوم", "DATE")]
    rec = {"id": rid, "text": text, "entities": entities, "meta": {"doc": doc, "date": date, "split": split}}
    rec.update(extra)
    return rec


def write(path: Path, *lines) -> Path:
    """Write JSONL lines: dicts are dumped, strings written as they are."""
    path.write_text(
        "".join((json.dumps(x, ensure_ascii=False) if isinstance(x, dict) else x) + "\n" for x in lines),
        encoding="utf-8",
    )
    return path


def problems_of(tmp_path: Path, *lines, name: str = "train.jsonl") -> tuple[Path, list[str]]:
    f = write(tmp_path / name, *lines)
    return f, [str(p) for p in validate_paths([tmp_path])]


def assert_one(problems: list[str], where: str, rid: str, pattern: str) -> str:
    """Exactly one problem matches ``where rid: pattern``; return it."""
    head = re.escape(where) + (" " + re.escape(rid) if rid else "") + ": "
    hits = [p for p in problems if re.match(head + pattern, p)]
    assert len(hits) == 1, f"expected one problem like {head + pattern!r} in {problems!r}"
    return hits[0]
