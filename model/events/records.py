"""Event records: the dataclasses ``build_events`` returns, the event-type tables and the ACLED row mapping."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

from model.arabic import normalise_arabic, proclitic_readings

EVENT_TYPES = ("battle", "explosion_remote_violence", "violence_against_civilians", "strategic_development", "other")
ACLED_EVENT_TYPES = {
    "battle": "Battles",
    "explosion_remote_violence": "Explosions/Remote violence",
    "violence_against_civilians": "Violence against civilians",
    "strategic_development": "Strategic developments",
    "other": "Other",
}
STATUSES = ("killed", "wounded", "captured", "missing", "unknown")
CIVILIANS = "civilians"


@lru_cache(maxsize=1)
def _civilian_places() -> frozenset[str]:
    # read here, not from ``lexicons`` (which sits above this module): the one list this module needs
    data = json.loads((Path(__file__).with_name("lexicons.json")).read_text(encoding="utf-8"))
    return frozenset(normalise_arabic(w) for w in data["civilian_places"].split())


def _names_civilian_place(text: str) -> bool:
    places = _civilian_places()
    return any(r.stem in places for w in text.split() for r in proclitic_readings(normalise_arabic(w.strip("،,.:؛"))))


@dataclass
class EventType:
    """The incident's kind; ``text/start/end`` is the trigger word that decided it (None when nothing did)."""

    value: str
    sub_event_type: Optional[str] = None
    text: Optional[str] = None
    start: Optional[int] = None
    end: Optional[int] = None


@dataclass
class EventDate:
    """The incident's day: ``value`` is ISO or None; ``source`` is ``span`` (a DATE in the record), ``previous``
    (the last DATE before it in the report), ``report`` (the report's own date) or None."""

    value: Optional[str] = None
    text: Optional[str] = None
    start: Optional[int] = None
    end: Optional[int] = None
    source: Optional[str] = None


@dataclass
class Mention:
    """A FACTION, LOCATION or OPERATION span with its canonical value; ``role`` (actors only) is ``attacker``,
    ``target`` or None when the syntax does not show it."""

    value: str
    text: str
    start: int
    end: int
    role: Optional[str] = None


@dataclass
class Geo:
    """Where a LOCATION sits on the map (``model.geo``): a GeoNames point and ACLED's ``geo_precision`` (1: the
    place itself; 2: a town it is in or near, named by the text; 3: the capital of the province it is in), or no
    point (all None) with ``reason`` saying why. ``via`` is the text that gave the point when it is not the place
    itself (``ريف حلب``, the dateline's place); ``country`` is ISO 3166-1 alpha-2."""

    geonameid: Optional[int] = None
    name: Optional[str] = None
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    admin1: Optional[str] = None
    country: Optional[str] = None
    geo_precision: Optional[int] = None
    via: Optional[str] = None
    reason: Optional[str] = None


@dataclass
class PlaceMention(Mention):
    """A LOCATION mention: a ``Mention`` with its place on the map (None until geocoded)."""

    geo: Optional[Geo] = None


@dataclass
class Casualty:
    """One CASUALTY span read: bounds and qualifier (``model.numbers``), who (``affiliation``) and what happened
    to them (``status``); ``counted`` says whether it was added to the record's fatalities."""

    text: str
    start: int
    end: int
    count_min: Optional[int]
    count_max: Optional[int]
    qualifier: str
    status: str
    affiliation: Optional[str] = None
    affiliation_text: Optional[str] = None
    running_total: bool = False
    cumulative: bool = False
    subset: bool = False
    counted: bool = False


@dataclass
class EventRecord:
    """One reported incident. ``start/end`` bound the clauses it was built from; ``text`` is that excerpt."""

    source_id: Optional[str]
    report_date: Optional[str]
    start: int
    end: int
    text: str
    event_type: EventType
    date: EventDate
    locations: list[Mention] = field(default_factory=list)  # PlaceMention from build_events
    actors: list[Mention] = field(default_factory=list)
    operation: Optional[Mention] = None
    casualties: list[Casualty] = field(default_factory=list)
    fatalities: int = 0
    country: Optional[str] = None

    def to_dict(self) -> dict:
        """A JSON-ready dict (plain types only)."""
        return asdict(self)

    def sides(self) -> tuple[list[Mention], list[Mention]]:
        """The actors of each side, as ACLED's row orders them: the attackers (else the first actor whose role is
        unknown) are side 1, everyone else side 2. Targets alone stay on side 2: the attacker is not named."""
        attackers = [a for a in self.actors if a.role == "attacker"]
        if attackers:
            return attackers, [a for a in self.actors if a.role != "attacker"]
        unknown = [a for a in self.actors if a.role is None]
        if unknown:
            return unknown[:1], [a for a in self.actors if a is not unknown[0]]
        return [], list(self.actors)

    def civilian_victims(self) -> bool:
        """Whether the other side is civilians: violence against civilians with no armed side 2 named, or an
        explosion whose hurt are mostly civilians or people of no armed group (a market, a bus, a house), or that
        hurt no one counted but hit homes, a market, a hospital or a camp, when no armed side 2 is named.

        An explosion that hurt civilians and no one armed is against civilians even when an armed group is named
        near it (the head reads "قصف من دبابات الجيش" as a target): ACLED's side 2 is who was hit."""
        kind = self.event_type.value
        if kind == "violence_against_civilians":
            return not self.sides()[1]
        if kind != "explosion_remote_violence":
            return False
        # running totals and cumulative tolls tell of earlier incidents: not who this one hit
        hurt = [c for c in self.casualties if c.status in ("killed", "wounded") and not (c.running_total or c.cumulative)]
        civil = sum(c.count_min or 1 for c in hurt if c.affiliation == CIVILIANS)
        armed = sum(c.count_min or 1 for c in hurt if c.affiliation and c.affiliation != CIVILIANS)
        if self.sides()[1]:
            return bool(civil) and not armed
        if not hurt:
            # no one counted, nothing armed named as hit, but homes, a market or a hospital were: civilians
            return _names_civilian_place(self.text)
        if not armed:
            return True
        # "أربعين قتيلاً، بينهم ١١ طفلاً، إضافة إلى ستة عناصر": most of those hit are not armed
        others = sum(c.count_min or 1 for c in hurt if not c.affiliation and c.counted)
        return bool(civil) and armed < civil + others

    def to_acled_row(self) -> dict[str, object]:
        """ACLED columns where they exist (``event_date`` ... ``source``), then our extras."""
        one, two = self.sides()
        actor1 = one[0].value if one else ""
        actor2 = "Civilians" if self.civilian_victims() else (two[0].value if two else "")
        victims = {c.affiliation for c in self.casualties if c.affiliation}
        civilian_targeting = bool(victims) and victims == {CIVILIANS}
        assoc1 = list(dict.fromkeys(a.value for a in one[1:] if a.value != actor1))
        # civilians as side 2: an armed group named as hit is then associated with them, not dropped
        rest2 = two if actor2 == "Civilians" else two[1:]
        assoc2 = list(dict.fromkeys(a.value for a in rest2 if a.value not in (actor2, actor1) and a.value not in assoc1))
        precision = {"span": 1, "previous": 1, "report": 2}.get(self.date.source or "", "")
        # The first location is the incident's own place; a plain Mention (no geo) leaves the columns empty.
        geo = getattr(self.locations[0], "geo", None) if self.locations else None
        geo = geo or Geo()
        return {
            "event_date": self.date.value or "",
            "year": int(self.date.value[:4]) if self.date.value else "",
            "time_precision": precision,
            "event_type": ACLED_EVENT_TYPES.get(self.event_type.value, "Other"),
            "sub_event_type": self.event_type.sub_event_type or "",
            "actor1": actor1,
            "assoc_actor_1": "; ".join(assoc1),
            "actor2": actor2,
            "assoc_actor_2": "; ".join(assoc2),
            "civilian_targeting": "Civilian targeting" if civilian_targeting else "",
            "country": self.country or "",
            "admin1": geo.admin1 or "",
            "location": self.locations[0].value if self.locations else "",
            "latitude": "" if geo.latitude is None else geo.latitude,
            "longitude": "" if geo.longitude is None else geo.longitude,
            "geo_precision": geo.geo_precision or "",
            "source": self.source_id or "",
            "notes": self.text,
            "fatalities": self.fatalities,
            # ours
            "source_id": self.source_id or "",
            "report_date": self.report_date or "",
            "date_text": self.date.text or "",
            "locations": "; ".join(m.value for m in self.locations),
            "geonameid": geo.geonameid or "",
            "geo_reason": geo.reason or "",
            "operation": self.operation.value if self.operation else "",
            "trigger": self.event_type.text or "",
            "casualties_json": json.dumps([asdict(c) for c in self.casualties], ensure_ascii=False),
        }


ACLED_COLUMNS = (
    "event_date", "year", "time_precision", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "actor2",
    "assoc_actor_2", "civilian_targeting", "country", "admin1", "location", "latitude", "longitude", "geo_precision",
    "source", "notes", "fatalities",
    "source_id", "report_date", "date_text", "locations", "geonameid", "geo_reason", "operation", "trigger",
    "casualties_json",
)
