"""Merging records of one incident: ACLED counts one incident per type of violence, place and day.

Reports often tell one incident over several sentences: the clash, then its toll ("وقالت مصادر طبية إن ...
قتلوا"), then what the attackers did next ("وقالت مصادر إن المهاجمين سيطروا على ..."). The clause rules
(``incidents``) cannot always see that a later clause continues the incident; once every record is typed (by the
rules or the learned incident head) a record is folded into the one before it when both have the same event type,
the same day, and the later one names no other place.
"""
from __future__ import annotations

from typing import Optional, Sequence

from model.arabic import normalise_arabic
from model.events.classify import sub_event_type_for
from model.events.records import EventRecord
from model.words import split_words


def _places(rec: EventRecord) -> set[str]:
    return {m.value for m in rec.locations}


def _opens_scene(rec: EventRecord) -> bool:
    """"وفي <place>، ...": the record opens on a place of its own, the report turns to another scene. (The
    phrases "في المقابل"، "في سياق متصل" are not enough here: the other side's losses are told that way too.)"""
    words = split_words(rec.text[:80])
    if not words or normalise_arabic(words[0].text) not in ("في", "وفي", "ففي"):
        return False
    near = words[3].end if len(words) > 3 else words[-1].end  # the place is among the next three words
    return any(rec.start + words[1].start <= m.start < rec.start + near for m in rec.locations) if len(words) > 1 else False


def _same_incident(a: EventRecord, b: EventRecord) -> bool:
    """Whether ``b`` (later in the report) reports more of ``a``'s incident."""
    if a.event_type.value != b.event_type.value:
        return False
    if a.date.value and b.date.value and a.date.value != b.date.value and b.date.source == "span":
        return False  # another day is another incident
    # a place of its own that the earlier record does not name: another incident (the same kind elsewhere)
    if _opens_scene(b):
        return False
    if b.locations and a.locations and b.locations[0].value not in _places(a):
        return False
    return True


def _fold(a: EventRecord, b: EventRecord, text: str) -> EventRecord:
    """``a`` widened to cover ``b``: its actors, places and casualties added after ``a``'s own."""
    a.end = max(a.end, b.end)
    a.text = text[a.start:a.end]
    known = {m.value: m for m in a.actors}
    for m in b.actors:
        if m.value not in known:
            a.actors.append(m)
            known[m.value] = m
        elif known[m.value].role is None and m.role is not None:
            known[m.value].role = m.role
    a.actors.sort(key=lambda m: m.role != "attacker")
    places = _places(a)
    a.locations.extend(m for m in b.locations if m.value not in places)
    a.casualties.extend(b.casualties)
    a.fatalities += b.fatalities
    if a.operation is None:
        a.operation = b.operation
    if a.date.source != "span" and b.date.source == "span":
        a.date = b.date
    # a territorial battle told over two sentences ("اشتباكات" ... "وسيطرت"): the sub-type reads all of them
    if a.event_type.value == "battle":
        a.event_type.sub_event_type = sub_event_type_for(a, "battle") or a.event_type.sub_event_type
    return a


def merge_records(records: Sequence[EventRecord], text: Optional[str]) -> list[EventRecord]:
    """Records in report order, each folded into the one before it when both report one incident
    (:func:`_same_incident`); ``text`` is the report the records index (None: nothing is merged)."""
    if text is None:
        return list(records)
    out: list[EventRecord] = []
    for rec in records:
        if out and _same_incident(out[-1], rec):
            _fold(out[-1], rec, text)
        else:
            out.append(rec)
    return out
