"""Score the geocoder against a hand-made gold layer of places (``war-ner evaluate-geo``).

Each gold line names a LOCATION surface of a report's sentence and the GeoNames id it should get (or null) with
ACLED's ``geo_precision``. The resolver runs on that span in the context of its whole report (all the report's
sentences joined, all its LOCATION spans, the country ``build_events`` would give its records), as it does in
the pipeline. Scores:

- ``precision``: right ids among the non-null answers; ``recall``: right ids among the gold non-null lines;
- ``geo_precision_accuracy``: the answer's precision code equals the gold one (null = null counts);
- ``within_25km``: the answer's point lies within 25 km of the gold point (an answer at a nearby town still
  puts the incident on the right spot of a country-scale map);
- the share of test-split incidents (``layers/incidents.jsonl``, each incident's first location span) placed at
  precision 1, 2, 3 or not at all; plus the cost: the gazetteer's first load (seconds, RSS before/after) and
  the lookup time per event record once it is loaded.
"""
from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from model.errors import InputError, read_text
from model.events.records import Geo
from model.spans import Entity

NEAR_KM = 25.0
_PRECISIONS = (1, 2, 3, None)


@dataclass
class GeoReport:
    """One report: joined text, entities, where each sentence starts, its split and date."""

    id: str
    text: str
    entities: list[Entity]
    offsets: dict[str, int]
    split: Optional[str] = None
    date: Optional[str] = None
    country: Optional[str] = None
    geo: dict[tuple[int, int], Geo] = field(default_factory=dict)

    @property
    def spans(self) -> list[tuple[int, int]]:
        return [(e.start, e.end) for e in self.entities if e.label == "LOCATION"]


def read_gold(path: str | Path) -> list[dict]:
    """The gold places layer; a line that is not a place object raises ``InputError`` with ``file:line``."""
    out = []
    for n, line in enumerate(read_text(Path(path), "a UTF-8 JSONL places layer").split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise InputError(f"invalid JSON ({getattr(exc, 'msg', exc)})", where=where,
                             expected="one place object per line") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("surface"), str) or not rec.get("doc"):
            raise InputError("not a place object", where=where,
                             expected='an object with "surface", "doc", "sentence", "geonameid", "precision"')
        if rec.get("geonameid") is not None and not isinstance(rec["geonameid"], int):
            raise InputError(f"geonameid {rec['geonameid']!r}", where=where, expected="an integer or null")
        if rec.get("precision") not in _PRECISIONS:
            raise InputError(f"precision {rec.get('precision')!r}", where=where, expected="1, 2, 3 or null")
        rec["_where"] = where
        out.append(rec)
    if not out:
        raise InputError("no place (the layer is empty)", where=str(path), expected="one place object per line")
    return out


def build_reports(docs: Sequence) -> dict[str, GeoReport]:
    """Sentence ``Document``s grouped into reports (``meta.doc``) and joined as the pipeline joins them."""
    from model.events import build_events, join_sentences

    by_doc: dict[str, list] = defaultdict(list)
    for d in docs:
        by_doc[d.meta.get("doc", d.id)].append(d)
    reports = {}
    for doc_id, sentences in by_doc.items():
        text, entities = join_sentences([(d.text, d.entities) for d in sentences])
        offsets, pos = {}, 0
        for d in sentences:
            offsets[d.id] = pos
            pos += len(d.text) + 1
        meta = sentences[0].meta
        # The country build_events gives the report's records (places and actors voted), as in the pipeline.
        records = build_events(text, entities, meta.get("date"), geocode=False)
        country = next((r.country for r in records if r.country), None)
        reports[doc_id] = GeoReport(doc_id, text, entities, offsets, meta.get("split"), meta.get("date"), country)
    return reports


def _find_span(report: GeoReport, sentence: Optional[str], surface: str) -> Optional[tuple[int, int]]:
    """The report's LOCATION span with this surface, in ``sentence`` when the gold line names one."""
    lo, hi = 0, len(report.text)
    if sentence in report.offsets:
        lo = report.offsets[sentence]
        following = [o for o in report.offsets.values() if o > lo]
        hi = min(following) if following else hi
    for s, e in report.spans:
        if lo <= s < hi and report.text[s:e] == surface:
            return s, e
    for s, e in report.spans:
        if lo <= s < hi and report.text[s:e].strip() == surface.strip():
            return s, e
    return None


def _rss_mib() -> Optional[float]:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2 ** 20
    except ImportError:
        return None


def measure_load() -> dict:
    """Seconds and resident memory the gazetteer's first load takes in this process."""
    from model.geo import load_gazetteer

    loaded = load_gazetteer.cache_info().currsize > 0
    before = _rss_mib()
    start = time.perf_counter()
    gazetteer = load_gazetteer()
    seconds = time.perf_counter() - start
    after = _rss_mib()
    return {"places": len(gazetteer), "already_loaded": loaded, "seconds": round(seconds, 3),
            "rss_before_mib": before and round(before, 1), "rss_after_mib": after and round(after, 1),
            "rss_added_mib": round(after - before, 1) if before and after else None}


def measure_lookup(reports: dict[str, GeoReport]) -> dict:
    """Geocoding time per event record and per report, the gazetteer already loaded (records from gold entities)."""
    from model.events import build_events
    from model.geo import geocode_records

    n_records, n_reports, seconds = 0, 0, 0.0
    for r in reports.values():
        records = build_events(r.text, r.entities, r.date, source_id=r.id, geocode=False)
        if not records:
            continue
        start = time.perf_counter()
        geocode_records(records, r.text, r.spans, r.country)
        seconds += time.perf_counter() - start
        n_records += len(records)
        n_reports += 1
    return {"records": n_records, "reports": n_reports,
            "ms_per_record": round(1000 * seconds / n_records, 3) if n_records else None,
            "ms_per_report": round(1000 * seconds / n_reports, 3) if n_reports else None}


def _scores(rows: Sequence[dict]) -> dict:
    answered = [r for r in rows if r["answer"] is not None]
    gold_points = [r for r in rows if r["gold"] is not None]
    right = sum(1 for r in answered if r["answer"] == r["gold"])
    p = right / len(answered) if answered else 0.0
    rec = right / len(gold_points) if gold_points else 0.0
    near = [r for r in answered if r["km"] is not None]
    by_precision = {}
    for code in _PRECISIONS:
        sub = [r for r in rows if r["gold_precision"] == code]
        by_precision["null" if code is None else str(code)] = {
            "n": len(sub), "right_id": sum(1 for r in sub if r["answer"] == r["gold"]),
            "same_precision": sum(1 for r in sub if r["precision"] == code)}
    return {
        "n": len(rows), "gold_points": len(gold_points), "answers": len(answered), "right": right,
        "precision": round(p, 4), "recall": round(rec, 4), "f1": round(2 * p * rec / (p + rec), 4) if p + rec else 0.0,
        "geo_precision_accuracy": round(sum(r["precision"] == r["gold_precision"] for r in rows) / len(rows), 4)
        if rows else 0.0,
        "within_25km": {"n": len(near), "share": round(sum(r["km"] <= NEAR_KM for r in near) / len(near), 4)
                        if near else 0.0},
        "by_gold_precision": by_precision,
    }


def evaluate_geo(gold: Sequence[dict], reports: dict[str, GeoReport], incidents: Sequence[dict] = (),
                 gazetteer=None) -> dict:
    """Scores of the resolver on ``gold`` (``read_gold``) in the context of ``reports`` (``build_reports``), the
    shares of the test split's incidents per precision, and every disagreement (``errors``)."""
    from model.geo import geocode_spans, load_gazetteer
    from model.geo.gazetteer import distance_km

    gazetteer = gazetteer or load_gazetteer()
    wanted: dict[str, set] = defaultdict(set)
    for inc in incidents:
        if inc.get("doc") in reports and inc.get("location"):
            loc = inc["location"][0]
            off = reports[inc["doc"]].offsets.get(loc.get("sentence"))
            if off is not None:
                wanted[inc["doc"]].add((off + loc["start"], off + loc["end"]))
    for r in reports.values():
        r.geo = geocode_spans(r.text, sorted(set(r.spans) | wanted[r.id]), r.country, gazetteer)

    rows, unmatched, errors = [], [], []
    for g in gold:
        report = reports.get(g["doc"])
        span = _find_span(report, g.get("sentence"), g["surface"]) if report else None
        if span is None:
            unmatched.append(g["_where"])
            continue
        geo = report.geo[span]
        km = None
        if geo.geonameid is not None and g.get("geonameid") in gazetteer.places:
            km = round(distance_km(gazetteer.places[geo.geonameid], gazetteer.places[g["geonameid"]]), 1)
        row = {"split": g.get("split") or report.split, "gold": g.get("geonameid"),
               "gold_precision": g.get("precision"), "answer": geo.geonameid, "precision": geo.geo_precision,
               "km": km}
        rows.append(row)
        if row["answer"] != row["gold"] or row["precision"] != row["gold_precision"]:
            errors.append({"where": g["_where"], "surface": g["surface"], "gold": [g.get("geonameid"),
                           g.get("gazetteer_name"), g.get("precision")],
                           "answer": [geo.geonameid, geo.name, geo.geo_precision], "km": km,
                           "via": geo.via, "reason": geo.reason})
    splits = sorted({r["split"] for r in rows if r["split"]})
    out = {"all": _scores(rows), **{s: _scores([r for r in rows if r["split"] == s]) for s in splits},
           "unmatched": unmatched}

    shares: Counter = Counter()
    no_location = 0
    for inc in incidents:
        report = reports.get(inc.get("doc"))
        if report is None or report.split != "test" or inc.get("none"):
            continue
        if not inc.get("location"):
            no_location += 1
            continue
        loc = inc["location"][0]
        off = report.offsets.get(loc.get("sentence"))
        geo = report.geo.get((off + loc["start"], off + loc["end"])) if off is not None else None
        shares[geo.geo_precision if geo else None] += 1
    total = sum(shares.values())
    out["test_incidents"] = {"with_location": total, "without_location": no_location}
    for code in _PRECISIONS:
        out["test_incidents"][f"precision_{code or 'null'}"] = {
            "n": shares[code], "share": round(shares[code] / total, 4) if total else 0.0}
    out["errors"] = errors
    return out
