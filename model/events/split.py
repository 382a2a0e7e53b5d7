"""One incident per place: a record whose place is one of a list ("غارات على كفرزيتا واللطامنة ومورك") is split.

ACLED codes one event per type of violence, sides, place and day, so strikes on three villages, or clashes that
"spread to A, B and C", are three incidents. The list is read from the record's own LOCATION mentions: the
incident's place (``locations[0]``) and the places joined to it by "و" or "،" alone. The first record keeps the
toll (a report gives one toll for the list; ACLED puts it on one event); the others carry the same type, sides,
date and casualties (none counted: no fatalities), and their own place.
"""
from __future__ import annotations

import copy
from typing import Sequence

from model.arabic import normalise_arabic
from model.events.records import EventRecord


_AREA = {normalise_arabic(w) for w in ("بين", "وبين", "قرب")}


def _joined(gap: str, nxt_text: str) -> bool:
    """Whether ``gap`` (text between two place mentions) joins them as a list: "، "، " و"، or nothing when the
    second is glued to its "و" ("ووادي الربيع")."""
    bare = gap.replace("،", " ").replace(",", " ").strip()
    if bare in ("و",):
        return True
    return bare == "" and ("،" in gap or "," in gap or nxt_text.startswith("و"))


def place_list(rec: EventRecord) -> list:
    """The places listed with the record's own place, that place first (just it when there is no list)."""
    if not rec.locations:
        return []
    head = rec.locations[0]
    mentions = sorted((m for m in rec.locations if rec.start <= m.start and m.end <= rec.end), key=lambda m: m.start)
    if head not in mentions:
        return [head]
    i = mentions.index(head)
    chain = [head]
    # the list may start before the head ("على A وB" with B the head): walk back, then forward
    j = i
    while j > 0 and _joined(rec.text[mentions[j - 1].end - rec.start:mentions[j].start - rec.start], mentions[j].text):
        j -= 1
        chain.insert(0, mentions[j])
    k = i
    while k + 1 < len(mentions) and _joined(rec.text[mentions[k].end - rec.start:mentions[k + 1].start - rec.start],
                                            mentions[k + 1].text):
        k += 1
        chain.append(mentions[k])
    # "بين تل أبيض ورأس العين"، "اشتبكت قرب باب الطوب وشارع الفاروق": the area between, or near, the listed
    # places is one place
    before = rec.text[:chain[0].start - rec.start].split()
    if before and normalise_arabic(before[-1]) in _AREA:
        return [head]
    if chain[0] is not head:
        chain.remove(head)
        chain.insert(0, head)
    return chain


def split_by_place(records: Sequence[EventRecord]) -> list[EventRecord]:
    """Records in report order, each whose place is one of a list followed by one copy per other listed place."""
    out: list[EventRecord] = []
    for rec in records:
        places = place_list(rec)
        out.append(rec)
        for m in places[1:]:
            twin = copy.deepcopy(rec)
            twin.locations = [copy.deepcopy(m)]
            # the toll is the first record's; its casualties stay readable (who was hurt: civilians or not),
            # uncounted
            for c in twin.casualties:
                c.counted = False
            twin.fatalities = 0
            out.append(twin)
    return out
