"""Which annotation format a file holds, from its name and its first record.

Rules, in order: a folder is our JSONL corpus; ``.txt/.conll/.bio/.iob`` is our markup when its first line is
``# doc:``, else CoNLL; otherwise the first record
decides: ``data`` or ``annotations`` -> Label Studio; ``tokens``, ``spans`` or ``_input_hash`` -> Prodigy;
``label``/``labels`` lists or ``entities`` with ``start_offset`` -> doccano; ``entities`` with ``start`` (or an
``id`` and a ``text``) -> our JSONL. Anything else asks for ``--from``.
"""
from __future__ import annotations

import json
from pathlib import Path

from model.errors import InputError, MissingInput, read_text
from train.conll import is_conll_path

FORMATS = ("jsonl", "labelstudio", "doccano", "prodigy", "conll", "markup")
_EXPECTED = "a JSONL corpus, Label Studio, doccano, Prodigy, CoNLL or markup file"


def format_of_record(raw: object) -> str | None:
    """The format one parsed record belongs to, or None when it could be several.

    >>> format_of_record({"text": "x", "label": [[0, 1, "DATE"]]})
    'doccano'
    >>> format_of_record({"data": {"text": "x"}, "annotations": []})
    'labelstudio'
    """
    if isinstance(raw, list):
        return format_of_record(raw[0]) if raw else None
    if not isinstance(raw, dict):
        return None
    if "data" in raw and isinstance(raw["data"], dict) or "annotations" in raw or "predictions" in raw:
        return "labelstudio"
    if "tokens" in raw or "spans" in raw or "_input_hash" in raw:
        return "prodigy"
    if isinstance(raw.get("label"), list) or isinstance(raw.get("labels"), list):
        return "doccano"
    entities = raw.get("entities")
    if isinstance(entities, list):
        first = entities[0] if entities else {}
        if isinstance(first, dict) and "start_offset" in first:
            return "doccano"
        return "jsonl"
    if "id" in raw and "text" in raw:
        return "jsonl"
    return None


def _first_record(text: str) -> object:
    stripped = text.lstrip()
    if stripped.startswith("["):
        # the first task of a JSON list, without parsing the whole (possibly large) file
        try:
            obj, _ = json.JSONDecoder().raw_decode(stripped, 1 + len(stripped[1:]) - len(stripped[1:].lstrip()))
            return obj
        except ValueError:
            return None
    for line in text.split("\n"):
        if line.strip():
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def detect_format(path: str | Path) -> str:
    """The format of ``path`` by the rules above; ``InputError`` when they cannot tell."""
    path = Path(path)
    if not path.exists():
        raise MissingInput("no such file or directory", where=str(path), expected=_EXPECTED, fix="check the path")
    if path.is_dir():
        return "jsonl"
    text = read_text(path, _EXPECTED)
    if is_conll_path(path):
        first_line = next((line.strip() for line in text.split("\n") if line.strip()), "")
        return "markup" if first_line.startswith("# doc:") else "conll"
    first = _first_record(text)
    if isinstance(first, dict) and isinstance(first.get("label"), list) and first["label"] and \
            isinstance(first["label"][0], dict) and "labels" in first["label"][0]:
        raise InputError("a Label Studio JSON-MIN export (flat 'label' objects without the annotation's offsets "
                         "history)", where=str(path), expected="Label Studio's full JSON export",
                         fix="export the project again choosing 'JSON', not 'JSON-MIN'")
    fmt = format_of_record(first)
    if fmt is None:
        found = "an empty file" if first is None and not path.read_bytes().strip() else (
            f"a first record with keys {sorted(first)[:8]}" if isinstance(first, dict) else "no JSON record")
        raise InputError(f"cannot tell the format: {found}", where=str(path), expected=_EXPECTED,
                         fix=f"pass --from with one of {', '.join(FORMATS)}")
    return fmt
