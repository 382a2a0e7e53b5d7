"""Placing one report's LOCATION spans on the map, as ACLED codes ``geo_precision``.

Each span is read (``model.geo.names``) and looked up in the gazetteer:
1. the place itself (precision 1): the whole name, or the name after a settlement head (``مدينة الرقة``); a
   bare province name that is not also its capital's name (``الأنبار``) is the province (precision 3);
2. the place a head word points at: ``ريف X``/``شمال X``/``مطار X``/``قضاء X`` -> X (precision 2),
   ``محافظة X``/``ولاية X`` -> X's capital (precision 3);
3. otherwise the containing place the text gives: a LOCATION right after it (``قرية X بريف Y``), the report's
   dateline, another place of the sentence, a province named in the report (precision 2, or 3 for a province).
Homonyms are settled by the report's country (given, or voted by its places), then by distance to the report's
places that have one reading only, then by population. A span left without a point says why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence, Union

from model.aliases import lookup_location
from model.events.records import Geo
from model.geo.gazetteer import COUNTRY_CODES, Gazetteer, Place, distance_km
from model.geo.names import (
    BUILDING, DIRECTION, DISTRICT, PROVINCE, QUARTER, RELIEF, RURAL, SITE, STREET, WATER, ParsedName,
    drop_glued_letter, parse_name,
)
from model.words import split_sentences

# A foreign homonym is taken only when it is a city: a village of the report's country missing from the
# gazetteer shares its name with some village elsewhere far more often than a report names a foreign village.
FOREIGN_MIN_POPULATION = 50_000
# GeoNames lists some towns twice (Az Zāwīyah / Zawiya): entries this close are one place.
SAME_PLACE_KM = 15.0
# A quarter or street whose name is also a town's is that town only this close to the town the text gives.
NEAR_KM = 25.0
_DATELINE_AFTER = re.compile(r"\s*[(\-–—:]")
_CITY_HEADS = frozenset("مدينه العاصمه عاصمه مدن مدينتي".split())
_DIRECTION_WORDS = frozenset("الشمالي الجنوبي الشرقي الغربي الشماليه الجنوبيه الشرقيه الغربيه".split())


@dataclass
class _Answer:
    place: Place
    precision: int
    via: Optional[str] = None
    sure: bool = True  # one reading only: an anchor for the report's homonyms
    region: bool = False  # a named region, not a province: too wide to contain the report's other places


_Own = Union[_Answer, str, None]  # a point, a reason there is none, or "ask the text for a containing place"


def country_code(country: Optional[str]) -> Optional[str]:
    """ISO2 for an English country name as in the alias table (``Syria`` -> ``SY``); ISO2 codes pass through."""
    if not country:
        return None
    if len(country) == 2 and country.isupper():
        return country
    return COUNTRY_CODES.get(country)


class ReportGeocoder:
    """The places of one report: ``geo(start, end)`` is the ``Geo`` of the LOCATION span ``text[start:end]``."""

    def __init__(self, gazetteer: Gazetteer, text: str, spans: Sequence[tuple[int, int]],
                 country: Optional[str] = None):
        self.gaz = gazetteer
        self.text = text
        self.spans = sorted({(s, e) for s, e in spans if 0 <= s < e <= len(text)})
        self.surfaces = [text[s:e] for s, e in self.spans]
        self.parsed = [parse_name(t) for t in self.surfaces]
        self._sentences = split_sentences(text)
        self.country = self._vote_country(country_code(country))
        self.anchors: list[Place] = []
        own = [self._own(i) for i in range(len(self.spans))]
        self.anchors = [a.place for a in own if isinstance(a, _Answer) and a.sure and a.precision < 3]
        # Second pass: homonyms chosen again, now near the places the report names unambiguously.
        self.own = [a if not isinstance(a, _Answer) or a.sure else self._own(i) for i, a in enumerate(own)]
        self._geo = {span: self._final(i) for i, span in enumerate(self.spans)}

    def geo(self, start: int, end: int) -> Geo:
        """The ``Geo`` of a span given to the constructor (an unknown span gets a reason, not an error)."""
        return self._geo.get((start, end)) or Geo(reason="not a LOCATION span of this report")

    # -- the report's country ------------------------------------------------------------------------------------

    def _vote_country(self, given: Optional[str]) -> Optional[str]:
        """The report's country: ``given`` (the records' country, voted from the alias table by places and
        actors) counts three votes; the report's places vote too, so a Libyan report that the alias table
        took for Yemeni (``البيضاء``) is still read as Libyan when its other places are Libyan."""
        votes: dict[str, float] = {given: 3.0} if given else {}
        # Generic names (حي صلاح الدين، شارع بغداد) say little about the country: they vote only when nothing
        # else does.
        named = [p for p in self.parsed if p.kind not in (QUARTER, STREET, BUILDING, WATER)] or self.parsed
        for p in named:
            # A country named is often a neighbour or a foreign power (كينيا، الولايات المتحدة): one vote. A place
            # of one country only: two. A homonym (طرابلس) splits its vote, whatever the alias table says.
            country = self.gaz.country_named(p.full) or self.gaz.country_named(p.core)
            if country:
                votes[country] = votes.get(country, 0.0) + 1.0
                continue
            countries = {c.country for c in self.gaz.candidates(p.core)} | {
                pr.country for pr in self.gaz.provinces(p.core)}
            if not countries:
                entry = lookup_location(p.core)
                countries = {country_code(entry.get("country"))} - {None} if entry else set()
            for c in countries:
                votes[c] = votes.get(c, 0.0) + (2.0 if len(countries) == 1 else 1.0 / len(countries))
        return max(votes, key=votes.get) if votes else None

    # -- choosing among homonyms ------------------------------------------------------------------------------------

    def _pick(self, places: Sequence[Place], hint: Optional[str],
              foreign: bool = True) -> tuple[Optional[Place], bool]:
        """One of ``places``: in the report's country, else in the alias table's country for the name, else
        (``foreign``) a city elsewhere; among several, the one nearest the report's unambiguous places."""
        pool: list[Place] = []
        for code in (self.country, hint) if foreign or not self.country else (self.country,):
            pool = [p for p in places if code and p.country == code]
            if pool:
                break
        if not pool and (foreign or not self.country):
            pool = [p for p in places if not self.country or p.population >= FOREIGN_MIN_POPULATION]
        if not pool:
            return None, False
        biggest = max(pool, key=lambda p: p.population)
        if all(distance_km(biggest, p) < SAME_PLACE_KM for p in pool):
            return biggest, True
        if self.anchors:
            nearest = min(pool, key=lambda p: (min(distance_km(p, a) for a in self.anchors), -p.population))
            return nearest, False
        return biggest, False

    def _town(self, key: str, precision: int, strict: bool = False, aliases: bool = True) -> Optional[_Answer]:
        """The gazetteer place called ``key``; ``strict``: only in the report's country; ``aliases``: ask the
        alias table too (not for a name with its head word: the table drops heads, ``حي صلاح الدين``).

        Exact names first (with the alias table's other spellings and English name for it); names matched
        loosely (articles, spaces) or after dropping a letter that may be a glued preposition (``بسراقب``) are
        taken only in the report's country.
        """
        if not key:
            return None
        places = self.gaz.candidates(key, loose=False)
        entry = lookup_location(key) if aliases else None
        hint = country_code(entry.get("country")) if entry else None
        if entry and not [p for p in places if p.country in (self.country, hint)]:
            for alias in entry["aliases"]:
                places = places + self.gaz.candidates(alias, loose=False)
            for code in {hint, self.country} - {None}:
                places = places + self.gaz.by_latin_name(entry["canonical"], code)
        place, sure = self._pick(places, hint, foreign=not strict)
        if place is None:
            near = self.gaz.candidates(key)
            near += [p for shorter in drop_glued_letter(key) for p in self.gaz.candidates(shorter)]
            place, sure = self._pick(near, None, foreign=False)
        return _Answer(place, precision, sure=sure) if place else None

    def _province(self, key: str) -> Optional[_Answer]:
        provinces = self.gaz.provinces(key)
        inside = [p for p in provinces if p.country == self.country] if self.country else provinces
        if not inside:
            return None
        return _Answer(inside[0].capital, 3, sure=True, region=inside[0].region)

    # -- one span on its own ---------------------------------------------------------------------------------------

    def _own(self, i: int) -> _Own:
        p = self.parsed[i]
        kind = p.kind
        if not p.core and kind != STREET:
            return "no place name in the span"
        if self.gaz.country_named(p.full):
            return "a country, not a point (ACLED codes no location below the country)"
        if kind is None:
            precision = 2 if _DIRECTION_WORDS.intersection(p.trailing) else 1
            # "حلب القديمة": the old city of Aleppo, never a foreign homonym of "حلب".
            return (self._bare(p.full) or (self._bare(p.core, precision, strict=True) if p.trailing else None)
                    or self._trimmed(p))
        if kind != PROVINCE:
            # The whole name first: "وادي العيون" and "مخيم اليرموك" are gazetteer entries.
            whole = self._town(p.full, 1, strict=True, aliases=False)
            if whole:
                return whole
        if self.gaz.country_named(p.core):
            return "a part of a country, not a point"
        if kind == WATER:
            return "a river or sea: no point of its own"
        if kind in (QUARTER, STREET):
            return None  # generic names (حي الزهور، شارع بغداد): the town the text puts them in decides
        if kind == PROVINCE:
            return self._province(p.core) or self._town(p.core, 3, strict=True)
        if kind == BUILDING:  # مستشفى نيالا التعليمي: in Nyala
            return self._town(p.core, 1, strict=True) or self._trimmed(p, 1)
        if kind in (RURAL, DIRECTION, DISTRICT, SITE, RELIEF):
            found = self._bare(p.core, strict=True) or self._trimmed(p)
            if found and found.precision == 1:
                found.precision = 2
            return found
        # A settlement head: مدينة الرقة. A foreign city is "مدينة X", never "بلدة X" or "قرية X".
        return self._bare(p.core, strict=p.heads[0][0] not in _CITY_HEADS) or self._trimmed(p)

    def _bare(self, key: str, precision: int = 1, strict: bool = False) -> Optional[_Answer]:
        """A name with no head: the province when the name is a province's and not its capital's (``الأنبار``),
        else the town, else the province."""
        province = self._province(key)
        if province:
            entry = next(pr for pr in self.gaz.provinces(key) if pr.capital == province.place)
            if not entry.town_too:
                return province
        return self._town(key, precision, strict=strict) or province

    def _trimmed(self, p: ParsedName, precision: int = 2) -> Optional[_Answer]:
        """``درعا البلد`` -> ``درعا``: a name whose last words are qualifiers (``ال``-words), near the town the
        first words name (precision 2), only in the report's country."""
        words = p.core.split()
        while self.country and len(words) > 1 and words[-1].startswith("ال"):
            words.pop()
            found = self._town(" ".join(words), precision, strict=True)
            if found:
                return found
        return None

    # -- the containing place the text gives -------------------------------------------------------------------

    def _sentence(self, offset: int) -> tuple[int, int]:
        for s, e in self._sentences:
            if s <= offset < e:
                return s, e
        return 0, len(self.text)

    def _is_dateline(self, j: int) -> bool:
        s, e = self.spans[j]
        line_start = self.text.rfind("\n", 0, s) + 1
        return not self.text[line_start:s].strip() and bool(_DATELINE_AFTER.match(self.text, e))

    def _containers(self, i: int) -> list[int]:
        """Other spans that may contain span ``i``, best first: the span right after it (``قرية X بريف Y``),
        the dateline, the rest of its sentence (nearest first), the report's provinces; for a quarter or
        street, the report's other places too (nearest first)."""
        s, e = self.spans[i]
        lo, hi = self._sentence(s)
        order: list[int] = []
        if i + 1 < len(self.spans) and self.spans[i + 1][0] < hi:
            nxt = i + 1
            gap = self.text[e:self.spans[nxt][0]]
            sibling = self.surfaces[nxt].startswith("و") and not self.parsed[nxt].full.startswith("و")
            if len(gap) <= 30 and not re.search(r"[،,؛;]|\sو", gap) and not sibling:
                order.append(nxt)
        order += [j for j in range(len(self.spans)) if self._is_dateline(j)]
        by_distance = sorted(range(len(self.spans)), key=lambda j: abs(self.spans[j][0] - s))
        order += [j for j in by_distance if lo <= self.spans[j][0] < hi]
        order += [j for j in by_distance if isinstance(self.own[j], _Answer) and self.own[j].precision == 3
                  and not self.own[j].region]
        if self.parsed[i].kind in (QUARTER, STREET):
            order += by_distance  # a quarter or street is in a town: the report's nearest one
        seen: set[int] = {i}
        return [j for j in order if not (j in seen or seen.add(j))]

    def _contained(self, i: int) -> Optional[_Answer]:
        p = self.parsed[i]
        containers = self._containers(i)
        if p.kind in (QUARTER, STREET):
            # A quarter is in a town: a town of the report before a province of its sentence.
            town = [j for j in containers if isinstance(self.own[j], _Answer) and self.own[j].precision < 3]
            containers = town + containers
        for j in containers:
            outer = self.own[j]
            if not isinstance(outer, _Answer) or (self.country and outer.place.country != self.country):
                continue
            if p.kind in (QUARTER, STREET) and p.core:
                # "حي جوبر" in a Damascus report: the quarter itself when the gazetteer has it next to its town.
                own = [c for c in self.gaz.candidates(p.core) if distance_km(c, outer.place) <= NEAR_KM]
                if own:
                    return _Answer(min(own, key=lambda c: distance_km(c, outer.place)), 1)
            return _Answer(outer.place, 3 if outer.precision == 3 else 2, via=self.surfaces[j])
        return None

    def _final(self, i: int) -> Geo:
        found = self.own[i]
        if found is None:
            found = self._contained(i) or (f"'{self.parsed[i].core}' is not in the gazetteer and the text names "
                                           "no town or province it is in")
        if isinstance(found, str):
            return Geo(reason=found)
        place = found.place
        return Geo(place.geonameid, place.name, place.latitude, place.longitude, self.gaz.admin1(place),
                   place.country, found.precision, found.via, None)
