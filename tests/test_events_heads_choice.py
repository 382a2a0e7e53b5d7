"""Event records v3 on hand-made text: how the learned heads' outputs edit a record (which type when its sentences
disagree, two sides in a battle, which place comes first)."""
from __future__ import annotations

from model.event_heads import HeadOutputs, apply_heads
from model.events import EventDate, EventRecord, EventType, Mention
from model.events.places import broad, order_places
from tests._events_helpers import HEADS
from tests._events_helpers import role as _role
from tests._events_helpers import types as _types


def _m(text: str, where: str, value: str | None = None, role=None) -> Mention:
    s = where.index(text)
    return Mention(value or text, text, s, s + len(text), role)


def test_a_battle_record_spanning_the_shelling_told_inside_it_stays_a_battle():
    text = "تدور اشتباكات عنيفة بين الطرفين في البلدة.\nوسقطت قذائف هاون على الأحياء."
    cut = text.index("\n")
    rec = EventRecord("r", None, 0, len(text), text, EventType("battle", "Armed clash"), EventDate())
    out = HeadOutputs([(0, cut, _types(battle=0.99)), (cut + 1, len(text), _types(explosion_remote_violence=1.0))],
                      [], text)
    (kept,) = apply_heads([rec], out, HEADS)
    assert kept.event_type.value == "battle" and kept.event_type.sub_event_type == "Armed clash"


def test_when_no_sentence_agrees_with_the_rules_the_first_incident_sentence_decides():
    text = "قتل 3 مدنيين في البلدة.\nوقصفت الطائرات البلدة."
    cut = text.index("\n")
    rec = EventRecord("r", None, 0, len(text), text, EventType("other"), EventDate())
    out = HeadOutputs([(0, cut, _types(violence_against_civilians=0.8)),
                       (cut + 1, len(text), _types(explosion_remote_violence=0.95))], [], text)
    (kept,) = apply_heads([rec], out, HEADS)
    assert kept.event_type.value == "violence_against_civilians"


def test_a_battle_whose_actors_the_head_all_puts_on_side_one_gets_two_sides():
    text = "تواصلت المواجهات بين حزب الله والجيش الإسرائيلي في البلدة."
    hez, idf = _m("حزب الله", text, "Hezbollah"), _m("والجيش الإسرائيلي", text, "Military Forces of Israel")
    rec = EventRecord("r", None, 0, len(text), text, EventType("battle", "Armed clash"), EventDate(), actors=[hez, idf])
    words = [(hez.start, hez.end, _role("side1")), (idf.start, idf.end, _role("side1", 0.6))]
    (kept,) = apply_heads([rec], HeadOutputs([(0, len(text), _types(battle=0.9))], words, text), HEADS)
    one, two = kept.sides()
    assert [m.value for m in one] == ["Hezbollah"] and [m.value for m in two] == ["Military Forces of Israel"]
    # an explosion keeps the head's sides as they are: two initiators stay on side 1
    rec2 = EventRecord("r", None, 0, len(text), text, EventType("explosion_remote_violence"), EventDate(),
                       actors=[_m("حزب الله", text), _m("والجيش الإسرائيلي", text)])
    (kept2,) = apply_heads([rec2], HeadOutputs([(0, len(text), _types(explosion_remote_violence=0.9))], words, text),
                           HEADS)
    assert len(kept2.sides()[0]) == 2


def test_places_the_head_is_sure_of_keep_the_text_order():
    text = "سقطت قذائف على حي الهضبة وسوق الجمعة."
    a, b = _m("حي الهضبة", text), _m("وسوق الجمعة", text)
    rec = EventRecord("r", None, 0, len(text), text, EventType("explosion_remote_violence"), EventDate(),
                      locations=[a, b])
    # the second is a hair surer: read as yes/no, both are the incident's place, and the first named leads
    words = [(a.start, a.end, _role("place", 0.98)), (b.start, b.end, _role("place", 0.99))]
    first, second = apply_heads([rec], HeadOutputs([(0, len(text), _types(explosion_remote_violence=0.9))], words,
                                                   text), HEADS)
    # (two places in a list are two incidents: tests/test_events_split.py)
    assert first.locations[0].text == "حي الهضبة" and second.locations[0].text == "وسوق الجمعة"


def test_datelines_glosses_regions_and_containers_go_after_the_specific_place():
    text = "الموصل (العراق) (رويترز) - قال مسؤولون إن غارات استهدفت حارة حريك في الضاحية الجنوبية لبيروت."
    dateline, gloss = _m("الموصل", text), _m("العراق", text)
    harat, dahiyeh, beirut = _m("حارة حريك", text), _m("الضاحية الجنوبية", text), _m("لبيروت", text)
    locs = [dateline, gloss, harat, dahiyeh, beirut]
    assert [broad(m, text, locs) for m in locs] == [True, True, False, True, True]
    assert order_places(locs, text, lambda m: False)[0] is harat
    # a place the head is sure of leads whatever its form
    assert order_places(locs, text, lambda m: m is beirut)[0] is beirut
    rural = "قصفت الطائرات مواقع في ريف جسر الشغور وقرية محمبل."
    jisr, village = _m("جسر الشغور", rural), _m("وقرية محمبل", rural)
    assert order_places([jisr, village], rural, lambda m: False) == [village, jisr]
    assert order_places([jisr, village], None, lambda m: False) == [jisr, village]  # no text: text order
