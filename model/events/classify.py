"""An incident's event type (ACLED type and sub-event type) and its date.

Event type (ACLED)
    Clash words (اشتباكات، معارك، مواجهات، كمين، هجوم بري) make a Battle; otherwise remote weapons (غارة، قصف، مسيرة،
    قذائف، صواريخ، عبوة، لغم، مفخخة، انفجار، انتحاري) make Explosions/Remote violence; otherwise executions,
    assassinations and abductions make Violence against civilians; otherwise a generic attack (هجوم، استهداف،
    اقتحام، رصاص) is a Battle, or Violence against civilians when every victim is a civilian; otherwise control
    words (سيطرة، تقدم، انسحاب، استعادة، اعتقال، اتفاق، تفكيك) make a Strategic development, or a territorial Battle when
    people were killed. A record with casualties and no trigger is ``other``.
"""
from __future__ import annotations

import bisect
import datetime as dt
from typing import Optional

from model.aliases import actor_kind
from model.arabic import normalise_arabic
from model.dates import resolve_date
from model.events.clauses import _Doc, _find_triggers, _period_start, _Trigger
from model.events.incidents import _Draft
from model.events.lexicons import _SUB_EVENTS, _match, _words
from model.events.records import CIVILIANS, Casualty, EventDate, EventRecord, EventType, Mention
from model.spans import Entity

_PAST = _words("past_markers")


def _event_type(doc: _Doc, draft: _Draft, casualties: list[Casualty], actors: list[Mention]) -> EventType:
    triggers = sorted(draft.triggers, key=lambda t: t.tok)
    by_cat: dict[str, list[_Trigger]] = {}
    for t in triggers:
        by_cat.setdefault(t.category, []).append(t)
    killed = [c for c in casualties if c.status == "killed"]
    hurt = [c for c in casualties if c.status in ("killed", "wounded")]
    victims = {c.affiliation for c in hurt if c.affiliation}
    civilians_only = bool(victims) and victims == {CIVILIANS}
    territory = [t for t in by_cat.get("S", []) if t.kind == "territory"]

    def make(value: str, sub: Optional[str], trig: Optional[_Trigger]) -> EventType:
        if trig is None:
            return EventType(value, sub)
        tok = doc.toks[trig.tok]
        return EventType(value, sub, tok.text, tok.start, tok.end)

    def territory_sub() -> str:
        return _territory_sub(actors)

    if "B" in by_cat:
        if territory:
            return make("battle", territory_sub(), by_cat["B"][0])
        return make("battle", _SUB_EVENTS["clash"], by_cat["B"][0])
    if "R" in by_cat:
        disrupted = [t for t in by_cat.get("S", []) if t.kind == "disrupted"]
        if disrupted and not hurt:
            return make("strategic_development", _SUB_EVENTS["disrupted"], disrupted[0])
        # A drone that explodes is a drone strike; "ضربة" alone is an air strike unless artillery is named.
        order = ("suicide", "air", "ied", "shelling", "strike")
        # the weapon of the clause that tells the strike, not of a later clause's aside ("قذيفة صاروخية" then
        # "سلطات الطيران")
        first = next(u for u in draft.units if any(t.category == "R" for t in u.triggers))
        best = min((t for t in first.triggers if t.category == "R"), key=lambda t: order.index(t.kind))
        kind = "air" if best.kind == "strike" else best.kind
        return make("explosion_remote_violence", _SUB_EVENTS[kind], best)
    if "V" in by_cat:
        v = by_cat["V"][0]
        assassination = doc.toks[v.tok].norm.endswith(("اغتيال", "اغتال", "اغتالت", "اغتالوا"))
        if assassination and victims and CIVILIANS not in victims:
            return make("battle", _SUB_EVENTS["clash"], v)
        # people killed make it an attack even when some were also taken ("اختطاف اثنين ... مقتل 11")
        abduction = any(t.kind == "abduction" for t in by_cat["V"]) and not killed
        kind = "abduction" if abduction else "attack"
        first_of_kind = next((t for t in by_cat["V"] if t.kind == kind), v)
        return make("violence_against_civilians", _SUB_EVENTS[kind], first_of_kind)
    if "W" in by_cat:
        w = by_cat["W"][0]
        if civilians_only:
            return make("violence_against_civilians", _SUB_EVENTS["attack"], w)
        if territory:
            return make("battle", territory_sub(), w)
        return make("battle", _SUB_EVENTS["clash"], w)
    if "S" in by_cat:
        if territory and killed:
            return make("battle", territory_sub(), territory[0])
        advance = [t for t in by_cat["S"] if t.kind == "advance"]
        if advance and killed:
            # "تقدمت القوات ... وقتل 5": fighting, but no place is said to have changed hands
            return make("battle", _SUB_EVENTS["clash"], advance[0])
        s = by_cat["S"][0]
        return make("strategic_development", _SUB_EVENTS[s.kind], s)
    return EventType("other")


def _territory_sub(actors: list[Mention]) -> str:
    state = ("state", "foreign_state", "coalition")
    gainer = next((a for a in actors if a.role != "target"), None)
    if gainer is not None:
        return "Government regains territory" if actor_kind(gainer.value) in state else "Non-state actor overtakes territory"
    # only the loser is named ("تحرير تكريت من قبضة التنظيم"): the other side took the ground
    loser = actors[0] if actors else None
    if loser is not None and actor_kind(loser.value) not in state:
        return "Government regains territory"
    return "Non-state actor overtakes territory"


def sub_event_type_for(record: EventRecord, value: str) -> Optional[str]:
    """The sub-event type the rules give an incident of type ``value`` from the trigger words of ``record``'s own
    text (None when none of its words is of that type): used when the learned incident head retypes a record,
    and when records of one incident are merged."""
    spans = [(m, "FACTION") for m in record.actors] + [(m, "LOCATION") for m in record.locations]
    spans += [(c, "CASUALTY") for c in record.casualties]
    ents = sorted({(m.start - record.start, m.end - record.start, label, m.text) for m, label in spans
                   if record.start <= m.start and m.end <= record.end})
    doc = _Doc(record.text, [Entity(*e) for e in ents], None, record.country or "")
    triggers = _find_triggers(doc, list(range(len(doc.toks))))
    kinds = {c: [t.kind for t in triggers if t.category == c] for c in ("B", "R", "V", "W", "S")}
    killed = any(c.status == "killed" for c in record.casualties)
    if value == "battle":
        if "territory" in kinds["S"]:
            return _territory_sub(record.actors)
        return _SUB_EVENTS["clash"] if kinds["B"] or kinds["W"] or kinds["V"] or kinds["S"] else None
    if value == "explosion_remote_violence" and kinds["R"]:
        order = ("suicide", "air", "ied", "shelling", "strike")
        kind = min(kinds["R"], key=order.index)
        return _SUB_EVENTS["air" if kind == "strike" else kind]
    if value == "violence_against_civilians":
        abduction = "abduction" in kinds["V"] and not killed
        return _SUB_EVENTS["abduction" if abduction else "attack"]
    if value == "strategic_development" and kinds["S"]:
        return _SUB_EVENTS[kinds["S"][0]]
    return None


def _event_date(doc: _Doc, draft: _Draft, previous: Optional[dt.date]) -> EventDate:
    dates = [k for k in draft.entities if doc.label(k) == "DATE" and not _period_start(doc, k)]
    for k in dates:
        e = doc.entities[k]
        value = resolve_date(e.text, doc.ref, previous)
        if value is not None:
            return EventDate(value.isoformat(), e.text, e.start, e.end, "span")
    # a date of the record that names no day ("مطلع أيار"): the day is read from before it, like an undated record
    start = draft.units[0].start
    n_before = bisect.bisect_right(doc.date_ends, (start, len(doc.entities)))
    for _, k in reversed(doc.date_ends[:n_before]):
        if _period_start(doc, k) or _past_marked(doc, k):
            continue  # "رداً على تفجير وقع الأحد الماضي": an earlier event's day, not this record's
        e = doc.entities[k]
        value = resolve_date(e.text, doc.ref, previous)
        if value is not None:
            return EventDate(value.isoformat(), e.text, e.start, e.end, "previous")
    if doc.ref is not None:
        return EventDate(doc.ref.isoformat(), None, None, None, "report")
    if dates:
        e = doc.entities[dates[0]]
        return EventDate(None, e.text, e.start, e.end, "span")
    return EventDate()


def _past_marked(doc: _Doc, k: int) -> bool:
    """"الأحد الماضي"، "مساء الأحد الفائت": a weekday or period the text itself marks as past."""
    words = [normalise_arabic(w) for w in doc.entities[k].text.split()]
    return any(_match(w, _PAST) for w in words)
