"""The incident layer: which incidents each report reports (GUIDELINES.md, "The incident layer").

Authored in the markup as ``# incident: {json}`` lines inside a report's block (or ``# incident: none``);
compiled to ``layers/incidents.jsonl``, one incident per line, every span given by sentence id and offsets:

    {"id": "sne-001-i1", "doc": "sne-001", "sentences": ["sne-001-1"], "event_type": "battle",
     "sub_event_type": "Armed clash", "date": "2016-11-06", "date_range": null,
     "location": [{"sentence": "sne-001-1", "start": 0, "end": 5, "text": "..."}], "actor1": [...], ...}

Reports with no incident are listed with ``"event_type": null`` and no other field (``"none": true``), so that
"annotated, none found" differs from "not annotated".
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from model.atomic import atomic_write_text
from model.dates import iso_day
from model.errors import read_text
from train.corpus import Document, Problem

EVENT_TYPES = ("battle", "explosion_remote_violence", "violence_against_civilians", "strategic_development", "other")
SUB_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "battle": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "explosion_remote_violence": ("Air/drone strike", "Shelling/artillery/missile attack",
                                  "Remote explosive/landmine/IED", "Suicide bomb", "Grenade", "Chemical weapon"),
    "violence_against_civilians": ("Attack", "Abduction/forced disappearance", "Sexual violence"),
    "strategic_development": ("Arrests", "Looting/property destruction", "Disrupted weapons use", "Agreement",
                              "Non-violent transfer of territory", "Headquarters or base established",
                              "Change to group/activity", "Other"),
    "other": ("Other",),
}
SPAN_KEYS = {"location": "LOCATION", "actor1": "FACTION", "actor2": "FACTION", "assoc_actor1": "FACTION",
             "assoc_actor2": "FACTION", "person1": "PERSON", "person2": "PERSON"}
REQUIRED = ("sentences", "event_type", "sub_event_type", "location", "actor1", "actor2", "fatalities", "casualties")
OPTIONAL = ("date", "date_range", "assoc_actor1", "assoc_actor2", "person1", "person2", "background")
CIVILIANS = "civilians"
_CASUALTY_REF = re.compile(r"^([0-9]+):(.+?)(?:@([0-9]+))?$")


@dataclass
class RawIncident:
    """One ``# incident:`` line as written, before its surfaces are resolved to spans."""

    doc: str
    where: str
    body: str  # the JSON text, or "none"


def _span(doc: Document, k: int) -> dict:
    e = doc.entities[k]
    return {"sentence": doc.id, "start": e.start, "end": e.end, "text": e.text}


def resolve(raw: RawIncident, sentences: Sequence[Document], number: int) -> tuple[Optional[dict], list[Problem]]:
    """Turn one authored incident into a layer record (spans with offsets), or say what is wrong with it."""
    problems: list[Problem] = []

    def bad(msg: str) -> tuple[None, list[Problem]]:
        problems.append(Problem(raw.where, raw.doc, msg))
        return None, problems

    if raw.body.strip() == "none":
        return {"id": f"{raw.doc}-none", "doc": raw.doc, "none": True}, []
    try:
        spec = json.loads(raw.body)
    except ValueError as exc:
        return bad(f"incident is not valid JSON ({getattr(exc, 'msg', exc)}); expected '# incident: {{...}}' "
                   "on one line, or '# incident: none'")
    if not isinstance(spec, dict):
        return bad(f"incident is a JSON {type(spec).__name__}; expected an object")
    unknown = sorted(set(spec) - set(REQUIRED) - set(OPTIONAL))
    missing = [k for k in REQUIRED if k not in spec]
    if unknown or missing:
        return bad(f"incident has unknown keys {unknown} and lacks {missing}; expected the keys of GUIDELINES.md "
                   f"(required: {', '.join(REQUIRED)})")
    nums = spec["sentences"]
    if not isinstance(nums, list) or not nums or not all(type(n) is int and 1 <= n <= len(sentences) for n in nums):
        return bad(f"sentences is {nums!r}; expected a non-empty list of sentence numbers 1..{len(sentences)}")
    chosen = [sentences[n - 1] for n in sorted(set(nums))]
    etype, sub = spec["event_type"], spec["sub_event_type"]
    if etype not in EVENT_TYPES:
        return bad(f"event_type is {etype!r}; expected one of {', '.join(EVENT_TYPES)}")
    if sub not in SUB_EVENT_TYPES[etype]:
        return bad(f"sub_event_type {sub!r} does not belong to {etype}; expected one of "
                   f"{', '.join(SUB_EVENT_TYPES[etype])}")
    date, rng = spec.get("date"), spec.get("date_range")
    if date is not None and rng is not None:
        return bad("incident has both date and date_range; expected one of them (or neither)")
    if date is not None and iso_day(date) is None:
        return bad(f"date is {date!r}; expected an ISO date YYYY-MM-DD or null")
    if rng is not None:
        ends = [iso_day(x) for x in rng] if isinstance(rng, list) and len(rng) == 2 else [None]
        if None in ends or ends[0] > ends[1]:  # type: ignore[operator]
            return bad(f"date_range is {rng!r}; expected [first, last] ISO dates, first <= last")
    fat = spec["fatalities"]
    if fat is not None and (type(fat) is not int or fat < 0):
        return bad(f"fatalities is {fat!r}; expected a non-negative integer or null")
    if "background" in spec and not isinstance(spec["background"], bool):
        return bad(f"background is {spec['background']!r}; expected true or false")
    out: dict = {"id": f"{raw.doc}-i{number}", "doc": raw.doc, "sentences": [d.id for d in chosen],
                 "event_type": etype, "sub_event_type": sub, "date": date, "date_range": rng}
    for key, label in SPAN_KEYS.items():
        values = spec.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            return bad(f"{key} is {values!r}; expected a list of span texts")
        spans: list = []
        for v in values:
            if v == CIVILIANS and key == "actor2":
                spans.append(CIVILIANS)
                continue
            found = [_span(d, k) for d in chosen for k, e in enumerate(d.entities) if e.label == label and e.text == v]
            if not found:
                others = sorted({e.text for d in chosen for e in d.entities if e.label == label})
                return bad(f"{key} {v!r}: no {label} span with that text in sentences {sorted(set(nums))}; "
                           f"expected one of {others or 'none there'}" + ("; write \"civilians\" only as actor2"
                                                                          if v == CIVILIANS else ""))
            spans.extend(found)
        out[key] = spans
    casualties = []
    refs = spec["casualties"]
    if not isinstance(refs, list):
        return bad(f"casualties is {refs!r}; expected a list of \"N:surface\" references")
    for ref in refs:
        m = _CASUALTY_REF.match(ref) if isinstance(ref, str) else None
        if not m or int(m.group(1)) not in nums:
            return bad(f"casualty reference {ref!r}; expected \"N:surface\" with N one of the incident's sentences "
                       f"{sorted(set(nums))}")
        d = sentences[int(m.group(1)) - 1]
        hits = [k for k, e in enumerate(d.entities) if e.label == "CASUALTY" and e.text == m.group(2)]
        which = int(m.group(3) or 1)
        if len(hits) < which:
            others = [e.text for e in d.entities if e.label == "CASUALTY"]
            return bad(f"casualty reference {ref!r}: sentence {m.group(1)} has {len(hits)} CASUALTY span(s) with "
                       f"that text; its CASUALTY spans are {others}")
        if len(hits) > 1 and m.group(3) is None:
            return bad(f"casualty reference {ref!r} is ambiguous: {len(hits)} spans with that text; write "
                       f"\"{ref}@1\" or \"@2\"")
        casualties.append(_span(d, hits[which - 1]))
    out.update(fatalities=fat, casualties=casualties, background=bool(spec.get("background", False)))
    return out, problems


def compile_layer(raws: Iterable[RawIncident], docs: Sequence[Document]) -> tuple[list[dict], list[Problem]]:
    """Resolve every authored incident; once any report has incident lines, check that each report has them
    (or 'none'), and that no CASUALTY span is counted twice."""
    by_doc: dict[str, list[Document]] = defaultdict(list)
    for d in docs:
        by_doc[d.meta.get("doc")].append(d)
    raw_by_doc: dict[str, list[RawIncident]] = defaultdict(list)
    for r in raws:
        raw_by_doc[r.doc].append(r)
    records: list[dict] = []
    problems: list[Problem] = []
    for report, sentences in by_doc.items():
        lines = raw_by_doc.get(report, [])
        if not lines and not raw_by_doc:
            continue  # a corpus without an incident layer (NER only): nothing to check
        if not lines:
            problems.append(Problem(sentences[0].source, report, "report has no '# incident:' line; expected one "
                                    "line per incident it reports, or '# incident: none'"))
            continue
        nones = [r for r in lines if r.body.strip() == "none"]
        if nones and len(lines) > 1:
            problems.append(Problem(nones[0].where, report, "'# incident: none' beside other incident lines; "
                                    "expected either 'none' or the incidents"))
            continue
        for n, r in enumerate(lines, start=1):
            rec, bad = resolve(r, sentences, n)
            problems.extend(bad)
            if rec is not None:
                rec["_where"] = r.where
                records.append(rec)
    problems.extend(check_layer(records, docs))
    for rec in records:
        rec.pop("_where", None)
    return records, problems


def check_layer(records: Sequence[dict], docs: Sequence[Document], source: str = "") -> list[Problem]:
    """Rules on a compiled layer: spans exist in their sentence with the right label, each CASUALTY span is
    counted once, every report of ``docs`` has a line."""
    problems: list[Problem] = []
    ents = {(d.id, e.start, e.end): e.label for d in docs for e in d.entities}
    sentence_ids = {d.id for d in docs}
    counted: dict[tuple, str] = {}
    covered = set()
    for n, rec in enumerate(records, start=1):
        where = rec.get("_where") or f"{source}:{n}"
        rid = str(rec.get("id", ""))
        covered.add(rec.get("doc"))
        if rec.get("none"):
            continue
        for s in rec.get("sentences", []):
            if s not in sentence_ids:
                problems.append(Problem(where, rid, f"sentence {s!r} is not in the corpus; expected an existing id"))
        if rec.get("event_type") not in EVENT_TYPES or rec.get("sub_event_type") not in SUB_EVENT_TYPES.get(
                rec.get("event_type"), ()):
            problems.append(Problem(where, rid, f"event_type/sub_event_type {rec.get('event_type')!r}/"
                                    f"{rec.get('sub_event_type')!r} is not allowed; expected a pair from GUIDELINES.md"))
        for key, label in list(SPAN_KEYS.items()) + [("casualties", "CASUALTY")]:
            for sp in rec.get(key, []):
                if sp == CIVILIANS:
                    continue
                k = (sp.get("sentence"), sp.get("start"), sp.get("end"))
                if ents.get(k) != label:
                    problems.append(Problem(where, rid, f"{key} span {sp.get('text')!r} at {k} is not a {label} "
                                            f"span of the corpus (found {ents.get(k)}); regenerate the layer"))
                if key == "casualties":
                    if k in counted:
                        problems.append(Problem(where, rid, f"CASUALTY {sp.get('text')!r} in {k[0]} is counted in "
                                                f"{counted[k]} too; expected at most one incident per span"))
                    counted[k] = rid
    reports = {d.meta.get("doc"): d for d in docs}
    if records:
        for report, d in reports.items():
            if report not in covered:
                problems.append(Problem(source or d.source, report, "report has no line in the incident layer; "
                                        "expected its incidents or a 'none' line; add '# incident:' lines to its "
                                        "markup and regenerate"))
    return problems


def write_layer(path: str | Path, records: Sequence[dict]) -> None:
    """Write the layer atomically (one JSON object per line)."""
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def read_layer(path: str | Path) -> tuple[list[dict], list[Problem]]:
    """Read a compiled layer; a bad line is a problem, a file that cannot be read as text raises ``InputError``."""
    out, problems = [], []
    for n, line in enumerate(read_text(path, "a UTF-8 JSONL incident layer (layers/incidents.jsonl)").split("\n"),
                             start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            problems.append(Problem(f"{path}:{n}", "", f"invalid JSON ({getattr(exc, 'msg', exc)}); expected one "
                                    "incident object per line"))
            continue
        if not isinstance(rec, dict):
            problems.append(Problem(f"{path}:{n}", "", "expected an incident object per line"))
            continue
        rec["_where"] = f"{path}:{n}"
        out.append(rec)
    return out, problems
