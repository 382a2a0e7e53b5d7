"""Reports in, record lines out: the checks and the serialisation every front end shares.

``war-ner extract`` (one process, worker processes, Ray) and ``war-ner serve`` read a report the same way (a
string ``text``, an optional ``id`` and ISO ``date``, any other fields kept) and write each record the same way
(``record_line``), so their records are identical byte for byte.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from model.errors import InputError

# The fields a report object may carry that the extraction reads; any other field is copied to its records.
REPORT_FIELDS = ("id", "text", "date")
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number",
               bool: "a boolean", type(None): "null"}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[T ])")


@dataclass
class Report:
    """One input report: its text, its id, its date when the input gives one, and what else the input carried."""

    id: str
    text: str
    date: Optional[str] = None
    entities: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, for messages ("a number", "an array", ...)."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def check_date(value: Any, where: str) -> Optional[str]:
    """``None`` for no date, the stripped value for an ISO day (``YYYY-MM-DD``, a time may follow), else an error.

    >>> check_date("2017-09-14", "--date")
    '2017-09-14'
    >>> check_date("2017-13-45", "--date")
    Traceback (most recent call last):
    ...
    model.errors.InputError: --date: date '2017-13-45' is not a calendar day; expected an ISO date YYYY-MM-DD (e.g. 2017-09-14); fix: give the report's publication day, or leave the date out
    """
    if value is None or value == "":
        return None
    fix = "give the report's publication day, or leave the date out"
    if not isinstance(value, str):
        raise InputError(f"date is {json_type(value)} ({value!r})", expected="an ISO date string YYYY-MM-DD",
                         where=where, fix=fix)
    text = value.strip()
    try:
        ok = bool(_ISO_DAY.match(text)) and dt.date.fromisoformat(text[:10]) is not None
    except ValueError:
        ok = False
    if not ok:
        raise InputError(f"date {value!r} is not a calendar day", expected="an ISO date YYYY-MM-DD (e.g. 2017-09-14)",
                         where=where, fix=fix)
    return text


def report_from_object(raw: Any, where: str, default_id: Optional[str], default_date: Optional[str]) -> Report:
    """A report from one parsed JSON object (a JSONL line, a request body); ``where`` names it in errors."""
    shape = '{"id": ..., "text": ..., "date": ...}'
    if not isinstance(raw, dict):
        raise InputError(f"found {json_type(raw)}", expected=f"one object per line, {shape}", where=where,
                         fix="write each report as one JSON object on its own line")
    if "text" not in raw:
        raise InputError(f"no 'text' field (fields: {', '.join(map(repr, raw)) or 'none'})",
                         expected=f"an object with the report text, {shape}", where=where,
                         fix="add the report text as 'text'")
    if not isinstance(raw["text"], str):
        raise InputError(f"'text' is {json_type(raw['text'])}", expected="a string", where=where,
                         fix="give the report text as a JSON string")
    rid = raw.get("id", default_id)
    if rid is None or isinstance(rid, (dict, list, bool, float)):
        raise InputError(f"'id' is {json.dumps(rid)}", expected="a string or an integer", where=where,
                         fix="give every report a unique string id")
    meta = raw.get("meta") if isinstance(raw.get("meta"), dict) else {}
    date = check_date(raw.get("date") or meta.get("date") or default_date, f"{where} ({rid})")
    extra = {k: v for k, v in raw.items() if k not in REPORT_FIELDS}
    return Report(str(rid), raw["text"], date, extra=extra)


def record_line(record, extra: Optional[dict] = None) -> str:
    """One record as a JSON line (Arabic unescaped); the report's other input fields go under ``report_fields``."""
    d = record.to_dict()
    if extra:
        d["report_fields"] = extra
    return json.dumps(d, ensure_ascii=False) + "\n"

