"""Event records v2 on hand-made text: records of one incident merged, sides, civilian victims, sub-types after
retyping, and the scorer's error lists."""
from __future__ import annotations

from model.events import Casualty, EventDate, EventRecord, EventType, Mention
from model.events.classify import sub_event_type_for
from model.events.merge import merge_records
from train.corpus import Document
from train.score_events import score_report

CLASH = "اشتبكت قوات النظام مع داعش في تدمر."
TOLL = "وقالت مصادر طبية إن 5 عناصر قتلوا."
ELSEWHERE = "وفي حلب، اشتبكت قوات النظام مع داعش."
TEXT = "\n".join([CLASH, TOLL, ELSEWHERE])


def _m(text: str, value: str, role=None, where: str = TEXT, after: int = 0) -> Mention:
    s = where.index(text, after)
    return Mention(value, text, s, s + len(text), role)


def _rec(sentence: str, etype="battle", date="2020-01-02", source="span", actors=(), places=(), killed=0):
    start = TEXT.index(sentence)
    cas = []
    if killed:
        c = TEXT.index(str(killed), start)
        cas = [Casualty(str(killed), c, c + 1, killed, killed, "exact", "killed", counted=True)]
    return EventRecord("r", "2020-01-02", start, start + len(sentence), sentence, EventType(etype, "Armed clash"),
                       EventDate(date, source=source), locations=list(places), actors=list(actors),
                       casualties=cas, fatalities=killed)


def _clash() -> EventRecord:
    return _rec(CLASH, actors=[_m("قوات النظام", "Syrian Army", "attacker"), _m("داعش", "IS", "target")],
                places=[_m("تدمر", "Palmyra")])


def test_a_toll_told_apart_joins_its_incident_and_its_span_indexes_the_text():
    (rec,) = merge_records([_clash(), _rec(TOLL, source="previous", killed=5)], TEXT)
    assert (rec.start, rec.end) == (0, len(CLASH) + 1 + len(TOLL))
    assert rec.text == TEXT[rec.start:rec.end]
    assert rec.fatalities == 5 and [c.text for c in rec.casualties] == ["5"]
    assert [a.value for a in rec.actors] == ["Syrian Army", "IS"] and rec.locations[0].value == "Palmyra"


def test_another_type_place_or_day_stays_its_own_incident():
    other_place = _rec(ELSEWHERE, actors=[_m("قوات النظام", "Syrian Army", "attacker", after=len(CLASH))],
                       places=[_m("حلب", "Aleppo")])
    assert len(merge_records([_clash(), other_place], TEXT)) == 2  # "وفي حلب، ...": a new scene
    assert len(merge_records([_clash(), _rec(TOLL, etype="explosion_remote_violence")], TEXT)) == 2
    assert len(merge_records([_clash(), _rec(TOLL, date="2020-01-01")], TEXT)) == 2
    assert len(merge_records([_clash(), _rec(TOLL)], None)) == 2  # no text: nothing is merged


def test_a_battle_merged_with_its_capture_gets_the_territorial_sub_type():
    text = "اشتبكت قوات النظام مع داعش في تدمر.\nوسيطرت القوات على المدينة."
    first, second = text.split("\n")
    a = EventRecord("r", None, 0, len(first), first, EventType("battle", "Armed clash"), EventDate(),
                    actors=[Mention("Military Forces of Syria", "قوات النظام", 7, 18, "attacker")])
    b = EventRecord("r", None, len(first) + 1, len(text), second, EventType("battle", "Armed clash"), EventDate())
    (rec,) = merge_records([a, b], text)
    assert rec.event_type.sub_event_type == "Government regains territory"


def test_sub_type_for_a_retyped_record_comes_from_its_own_words():
    text = "قتل 3 مدنيين بقصف مدفعي على البلدة"
    rec = EventRecord("r", None, 10, 10 + len(text), text, EventType("battle"), EventDate())
    assert sub_event_type_for(rec, "explosion_remote_violence") == "Shelling/artillery/missile attack"
    assert sub_event_type_for(rec, "violence_against_civilians") == "Attack"
    assert sub_event_type_for(rec, "strategic_development") is None  # no word of that type: the caller's default


def test_a_target_alone_is_actor2_and_unaffiliated_victims_of_a_blast_are_civilians():
    text = "انفجرت عبوة ناسفة بدورية للجيش"
    army = Mention("Military Forces of Iraq", "للجيش", 26, 31, "target")
    rec = EventRecord("r", None, 0, len(text), text, EventType("explosion_remote_violence", "Remote explosive/landmine/IED"),
                      EventDate(), actors=[army])
    assert rec.sides() == ([], [army])
    row = rec.to_acled_row()
    assert (row["actor1"], row["actor2"]) == ("", "Military Forces of Iraq")
    blast = "قتل 4 أشخاص بانفجار سيارة مفخخة في السوق"
    killed = Casualty("4", 4, 5, 4, 4, "exact", "killed", counted=True)
    rec = EventRecord("r", None, 0, len(blast), blast, EventType("explosion_remote_violence"), EventDate(),
                      casualties=[killed], fatalities=4)
    assert rec.to_acled_row()["actor2"] == "Civilians"
    killed.affiliation = "Military Forces of Iraq"  # soldiers killed: not civilians
    assert rec.to_acled_row()["actor2"] == ""


def test_scorer_errors_give_gold_and_predicted_values_and_the_unpaired():
    s1, s2 = CLASH, "وفي حلب قصفت الطائرات السوق."
    meta = {"doc": "r", "date": "2020-01-02"}
    docs = [Document("r-1", s1, [], meta), Document("r-2", s2, [], meta)]
    loc = s1.index("تدمر")
    inc = {"id": "r-i1", "doc": "r", "sentences": ["r-1"], "event_type": "battle", "sub_event_type": "Armed clash",
           "date": "2020-01-02", "date_range": None,
           "location": [{"sentence": "r-1", "start": loc, "end": loc + 4, "text": "تدمر"}],
           "actor1": [], "actor2": [], "fatalities": 2, "casualties": [], "background": False}
    missed = dict(inc, id="r-i2", sentences=["r-2"], event_type="explosion_remote_violence", location=[])
    rec = EventRecord("r", None, 0, len(s1), s1, EventType("battle", "Armed clash"), EventDate("2020-01-02"),
                      locations=[Mention("Palmyra", "تدمر", loc, loc + 4)], fatalities=3)
    stray = EventRecord("r", None, 0, 6, s1[:6], EventType("other"), EventDate())
    out = score_report(docs, [inc, missed], [rec, stray], {"r-1": 0, "r-2": len(s1) + 1})
    (pair,) = out["pairs"]
    assert pair["wrong"] == ["fatalities"] and pair["fields"]["fatalities"]["gold"] == 2
    assert pair["fields"]["fatalities"]["predicted"] == 3
    assert [u["record_text"] for u in out["unpaired_records"]] == [s1[:6]]
    assert [(m["incident"], m["text"]) for m in out["missed_incidents"]] == [("r-i2", s2)]
