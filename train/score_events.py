"""Score event records against the incident layer (``war-ner evaluate-events``).

Each report's sentences are joined (``model.events.join_sentences``), records are built from gold entities
(``--gold-entities``) or from a model's predictions, and paired one to one with the report's gold incidents.

Pairing (greedy, best pair first): a record and an incident can pair only when the record's text overlaps one
of the incident's sentences; their pair score is 2 per shared counted CASUALTY span, 1 per shared sentence, 1
when the record's first location overlaps a gold location span and 1 when the event types agree. Background
incidents (``background: true``) are paired like the others, then dropped with their record: they neither reward
nor penalise. Incident P/R/F1 count paired records as true positives.

On paired incidents, each field is right when:
- ``event_type`` / ``sub_event_type``: equal;
- ``date``: the record's date equals ``date`` or lies inside ``date_range`` (incidents with neither are not scored);
- ``location``: the record's first location overlaps a gold location span (both empty also counts);
- ``actor1`` / ``actor2``: the record's actor on that side overlaps a gold span of that side, or both are civilians
  (both empty also counts); for battles the two sides may be swapped;
- ``fatalities``: equal (a gold null is 0).
``all_fields`` needs every scored field right. ``errors`` lists, to be read: each pair with a wrong field (gold vs
predicted value of each wrong field, the actors' roles and the casualties read), each unpaired record (its text
and type) and each missed incident (its sentences' text). ``violent_on_no_incident`` is the share of sentences of reports
with no incident that a battle, explosion or violence-against-civilians record touches.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Optional, Sequence

from model.spans import Entity

FIELDS = ("event_type", "sub_event_type", "date", "location", "actor1", "actor2", "fatalities")
VIOLENT = ("battle", "explosion_remote_violence", "violence_against_civilians")


def _overlaps(a: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def _side_right(mine: list, gold: list, civilians: bool) -> bool:
    spans = [(g[0], g[1]) for g in gold if g != "civilians"]
    if "civilians" in gold and civilians:
        return True
    if not mine and not gold:
        return True
    return bool(mine) and _overlaps((mine[0].start, mine[0].end), spans)


def score_report(sentences: Sequence, incidents: Sequence[dict], records: Sequence, offsets: dict) -> dict:
    """Pair one report's records with its incidents; ``offsets[sentence id]`` is its start in the joined text."""
    def gspans(inc: dict, key: str) -> list:
        return [x if x == "civilians" else (offsets[x["sentence"]] + x["start"], offsets[x["sentence"]] + x["end"])
                for x in inc.get(key, [])]

    bounds = {d.id: (offsets[d.id], offsets[d.id] + len(d.text)) for d in sentences}
    candidates = []
    for i, inc in enumerate(incidents):
        sent = [bounds[s] for s in inc["sentences"]]
        cas = {(a, b) for a, b in gspans(inc, "casualties")}
        for r, rec in enumerate(records):
            shared = sum(1 for s, e in sent if rec.start < e and s < rec.end)
            if not shared:
                continue
            counted = {(c.start, c.end) for c in rec.casualties if c.counted}
            loc = bool(rec.locations) and _overlaps((rec.locations[0].start, rec.locations[0].end), gspans(inc, "location"))
            score = 2 * len(cas & counted) + shared + loc + (rec.event_type.value == inc["event_type"])
            candidates.append((score, i, r))
    pairs, used_i, used_r = [], set(), set()
    for score, i, r in sorted(candidates, key=lambda x: (-x[0], x[1], x[2])):
        if i not in used_i and r not in used_r:
            pairs.append((i, r))
            used_i.add(i)
            used_r.add(r)
    out = {"tp": 0, "fp": 0, "fn": 0, "fields": defaultdict(lambda: [0, 0]), "all": [0, 0], "pairs": []}
    for i, r in pairs:
        inc, rec = incidents[i], records[r]
        if inc.get("background"):
            continue
        out["tp"] += 1
        right = {"event_type": rec.event_type.value == inc["event_type"],
                 "sub_event_type": rec.event_type.sub_event_type == inc["sub_event_type"],
                 "fatalities": rec.fatalities == (inc["fatalities"] or 0)}
        if inc.get("date") or inc.get("date_range"):
            lo, hi = (inc["date"], inc["date"]) if inc.get("date") else inc["date_range"]
            right["date"] = bool(rec.date.value) and lo <= rec.date.value <= hi
        gl = gspans(inc, "location")
        right["location"] = (not gl and not rec.locations) or (
            bool(rec.locations) and _overlaps((rec.locations[0].start, rec.locations[0].end), gl))
        one, two = rec.sides()
        civ = rec.to_acled_row()["actor2"] == "Civilians"
        g1, g2 = gspans(inc, "actor1"), gspans(inc, "actor2")
        a1, a2 = _side_right(one, g1, False), _side_right(two, g2, civ)
        if inc["event_type"] == "battle" and not (a1 and a2):
            s1, s2 = _side_right(two, g1, False), _side_right(one, g2, civ)
            if s1 and s2:
                a1, a2 = s1, s2
        right["actor1"], right["actor2"] = a1, a2
        for f, ok in right.items():
            out["fields"][f][0] += ok
            out["fields"][f][1] += 1
        out["all"][0] += all(right.values())
        out["all"][1] += 1
        wrong = [f for f, ok in right.items() if not ok]
        values = _values(inc, rec, one, two, civ)
        out["pairs"].append({"incident": inc["id"], "record_text": rec.text[:80], "wrong": wrong,
                             "fields": {f: values[f] for f in wrong}})
    paired_r = {r for _, r in pairs}
    out["fp"] = len(records) - len(pairs)  # a record paired with a background incident is neither TP nor FP
    out["fn"] = sum(1 for i, inc in enumerate(incidents) if i not in used_i and not inc.get("background"))
    texts = {d.id: d.text for d in sentences}
    out["unpaired_records"] = [{"record_text": rec.text, "event_type": rec.event_type.value,
                                "sub_event_type": rec.event_type.sub_event_type}
                               for r, rec in enumerate(records) if r not in paired_r]
    out["missed_incidents"] = [{"incident": inc["id"], "event_type": inc["event_type"],
                                "sub_event_type": inc["sub_event_type"],
                                "text": " / ".join(texts[s] for s in inc["sentences"])}
                               for i, inc in enumerate(incidents) if i not in used_i and not inc.get("background")]
    return out


def _values(inc: dict, rec, one: list, two: list, civilians: bool) -> dict:
    """Gold vs predicted value of every field of a pair, for reading error lists."""
    def texts(key: str) -> list:
        return [x if x == "civilians" else x["text"] for x in inc.get(key, [])]

    return {
        "event_type": {"gold": inc["event_type"], "predicted": rec.event_type.value},
        "sub_event_type": {"gold": inc["sub_event_type"], "predicted": rec.event_type.sub_event_type},
        "date": {"gold": inc.get("date") or inc.get("date_range"), "predicted": rec.date.value,
                 "predicted_from": rec.date.text or rec.date.source},
        "location": {"gold": texts("location"), "predicted": [m.text for m in rec.locations]},
        "actor1": {"gold": texts("actor1"), "predicted": [m.text for m in one],
                   "roles": [f"{m.text}:{m.role}" for m in rec.actors]},
        "actor2": {"gold": texts("actor2"), "predicted": [m.text for m in two] + (["civilians"] if civilians else []),
                   "roles": [f"{m.text}:{m.role}" for m in rec.actors]},
        "fatalities": {"gold": inc["fatalities"], "predicted": rec.fatalities,
                       "counted_gold": [c["text"] if isinstance(c, dict) else c for c in inc.get("casualties", [])],
                       "counted_predicted": [c.text for c in rec.casualties if c.counted],
                       "casualties": [f"{c.text}:{c.status}:{c.affiliation}" for c in rec.casualties]},
    }


def evaluate_events(docs: Sequence, layer: Sequence[dict],
                    records_for: Optional[Callable[[str, list[Entity], Optional[str], str], list]] = None) -> dict:
    """Incident P/R/F1 and field accuracy of the event records of ``docs`` (sentence Documents) against ``layer``.

    ``records_for(text, gold_entities, report_date, report_id)`` builds a joined report's records (a predictor's
    ``extract`` or ``events``); None runs the rules alone on the gold entities."""
    from model.events import build_events, join_sentences, sentence_starts

    if records_for is None:
        records_for = lambda text, gold, date, rid: build_events(text, gold, date, source_id=rid)  # noqa: E731

    by_doc: dict[str, list] = defaultdict(list)
    for d in docs:
        by_doc[d.meta.get("doc", d.id)].append(d)
    incidents: dict[str, list[dict]] = defaultdict(list)
    annotated = set()
    for rec in layer:
        annotated.add(rec["doc"])
        if not rec.get("none"):
            incidents[rec["doc"]].append(rec)
    totals = {"tp": 0, "fp": 0, "fn": 0, "fields": defaultdict(lambda: [0, 0]), "all": [0, 0]}
    no_incident = [0, 0]
    errors = []
    for report, sentences in by_doc.items():
        if report not in annotated:
            continue
        text, gold = join_sentences([(d.text, d.entities) for d in sentences])
        offsets = dict(zip((d.id for d in sentences), sentence_starts([d.text for d in sentences])))
        records = records_for(text, gold, sentences[0].meta.get("date"), report)
        result = score_report(sentences, incidents[report], records, offsets)
        for k in ("tp", "fp", "fn"):
            totals[k] += result[k]
        for f, (ok, n) in result["fields"].items():
            totals["fields"][f][0] += ok
            totals["fields"][f][1] += n
        totals["all"][0] += result["all"][0]
        totals["all"][1] += result["all"][1]
        errors.extend({"report": report, **p} for p in result["pairs"] if p["wrong"])
        errors.extend({"report": report, "unpaired_record": u} for u in result["unpaired_records"])
        errors.extend({"report": report, "missed_incident": m} for m in result["missed_incidents"])
        if not incidents[report]:
            for d in sentences:
                s, e = offsets[d.id], offsets[d.id] + len(d.text)
                no_incident[0] += 1
                no_incident[1] += any(r.event_type.value in VIOLENT and r.start < e and s < r.end for r in records)
    tp, fp, fn = totals["tp"], totals["fp"], totals["fn"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "incidents": {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                      "tp": tp, "fp": fp, "fn": fn},
        "fields": {f: {"accuracy": ok / n if n else 0.0, "n": n}
                   for f in FIELDS for ok, n in [totals["fields"].get(f, [0, 0])]},
        "all_fields": {"accuracy": totals["all"][0] / totals["all"][1] if totals["all"][1] else 0.0,
                       "n": totals["all"][1]},
        "violent_on_no_incident": {"sentences": no_incident[0], "with_violent_record": no_incident[1],
                                   "share": no_incident[1] / no_incident[0] if no_incident[0] else 0.0},
        "errors": errors,
    }
