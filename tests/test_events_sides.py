"""Event records v5 on hand-made text: allies, conjuncts and sources (which side a FACTION is on), civilians as
side 2 of an explosion that hit them, kinds of place that are no place, a dateline's place named again, a list of
places "near" which a clash ran, one death told without a figure, and tolls added to a running one."""
from __future__ import annotations

from model.event_heads import HeadOutputs, apply_heads
from model.events import Casualty, EventDate, EventRecord, EventType, Mention, build_events
from model.events.places import generic, order_places
from model.events.sides import is_ally, is_conjunct, reported_from
from model.events.singular import one_death
from model.events.split import place_list
from model.spans import Entity
from tests._events_helpers import HEADS
from tests._events_helpers import role as _role
from tests._events_helpers import types as _types


def _m(text: str, where: str, value: str | None = None) -> Mention:
    s = where.index(text)
    return Mention(value or text, text, s, s + len(text))


def _apply(text: str, etype: str, actors: list[Mention], roles: list[str]) -> EventRecord:
    rec = EventRecord("r", None, 0, len(text), text, EventType(etype), EventDate(), actors=actors)
    words = [(m.start, m.end, _role(r)) for m, r in zip(actors, roles)]
    (kept,) = apply_heads([rec], HeadOutputs([(0, len(text), _types(**{etype: 0.9}))], words, text), HEADS)
    return kept


def _ents(text: str, *spans: tuple[str, str]) -> list[Entity]:
    out, after = [], 0
    for label, s in spans:
        i = text.index(s, after)
        out.append(Entity(i, i + len(s), label, s))
        after = i + len(s)
    return out


def test_an_ally_is_associated_with_the_side_it_supports_not_put_on_the_other_side():
    text = "استعادت قوات النظام بدعم من القوات الروسية السيطرة على المدينة بعد معارك مع داعش."
    regime, russia, isis = _m("قوات النظام", text), _m("القوات الروسية", text), _m("داعش", text)
    assert is_ally(russia, text) and not is_ally(regime, text) and not is_ally(isis, text)
    # the head puts the ally on side 2: it is side 1's associate, after side 1's own actor
    kept = _apply(text, "battle", [regime, russia, isis], ["side1", "side2", "side2"])
    one, two = kept.sides()
    assert [m.text for m in one] == ["قوات النظام", "القوات الروسية"] and [m.text for m in two] == ["داعش"]
    row = kept.to_acled_row()
    assert (row["actor1"], row["assoc_actor_1"], row["actor2"]) == ("قوات النظام", "القوات الروسية", "داعش")
    glued = "سيطرت المقاومة الشعبية مدعومة بقوات التحالف على المطار."
    assert is_ally(_m("بقوات التحالف", glued), glued)
    assert is_ally(_m("حزب الله", "فرضت قوات النظام مدعومة بعناصر حزب الله سيطرتها."),
                   "فرضت قوات النظام مدعومة بعناصر حزب الله سيطرتها.")


def test_a_conjunct_shares_its_actors_side_but_two_sides_between_bayn_stay_apart():
    text = "فرضت قوات النظام وحزب الله سيطرتها على المدينة."
    regime, hez = _m("قوات النظام", text), _m("وحزب الله", text)
    assert is_conjunct(hez, regime, text)
    kept = _apply(text, "battle", [regime, hez], ["side1", "side2"])
    assert [m.text for m in kept.sides()[0]] == ["قوات النظام", "وحزب الله"] and kept.sides()[1] == []
    between = "تدور اشتباكات بين قوات النظام وحزب الله في البلدة."
    a, b = _m("قوات النظام", between), _m("وحزب الله", between)
    kept = _apply(between, "battle", [a, b], ["side1", "side1"])
    assert [m.text for m in kept.sides()[0]] == ["قوات النظام"] and [m.text for m in kept.sides()[1]] == ["وحزب الله"]
    # an agreement names two parties, not one side
    deal = "وتوصل جيش الإسلام والقوات الروسية إلى اتفاق."
    x, y = _m("جيش الإسلام", deal), _m("والقوات الروسية", deal)
    kept = _apply(deal, "strategic_development", [x, y], ["side1", "side2"])
    assert [m.text for m in kept.sides()[1]] == ["والقوات الروسية"]


def test_a_source_is_not_side_one_when_its_report_names_who_fired():
    text = "وقالت لجان المقاومة في الفاشر إن قذائف أطلقتها قوات الدعم السريع سقطت على السوق."
    source, rsf = _m("لجان المقاومة", text), _m("قوات الدعم السريع", text)
    assert reported_from(source, text) is not None and reported_from(rsf, text) is None
    kept = _apply(text, "explosion_remote_violence", [source, rsf], ["side1", "side1"])
    assert [m.text for m in kept.sides()[0]] == ["قوات الدعم السريع"]
    # the speaker is the only side named: it stays
    alone = "وقال الجيش إن طائراته قصفت مواقع في البلدة."
    army = _m("الجيش", alone)
    assert [m.text for m in _apply(alone, "explosion_remote_violence", [army], ["side1"]).sides()[0]] == ["الجيش"]
    # "أعلنت X استعادة ...": no complementizer, not a source
    assert reported_from(_m("القوات العراقية", "أعلنت القوات العراقية استعادة الحي."),
                         "أعلنت القوات العراقية استعادة الحي.") is None


def _cas(text: str, figure: str, n: int, status: str, affiliation, counted: bool = True, **flags) -> Casualty:
    s = text.index(figure)
    return Casualty(figure, s, s + len(figure), n, n, "exact", status, affiliation, counted=counted, **flags)


def test_an_explosion_that_hurt_civilians_has_civilians_as_side_two_even_with_an_armed_group_named_hit():
    text = "أصيب ثمانية مدنيين جراء قصف مدفعي من دبابات الجيش على المخيم."
    army = _m("الجيش", text)
    army.role = "target"  # the head read "من دبابات الجيش" as the side hit
    rec = EventRecord("r", None, 0, len(text), text, EventType("explosion_remote_violence"), EventDate(),
                      actors=[army], casualties=[_cas(text, "ثمانية", 8, "wounded", "civilians", counted=False)])
    assert rec.civilian_victims()
    row = rec.to_acled_row()
    assert row["actor2"] == "Civilians" and row["assoc_actor_2"] == "الجيش"
    # soldiers hit as well: the armed side named stays side 2
    rec.casualties.append(_cas(text, "دبابات", 2, "killed", "Military Forces", counted=True))
    assert not rec.civilian_victims() and rec.to_acled_row()["actor2"] == "الجيش"


def test_mostly_civilian_dead_and_an_earlier_armed_toll_still_make_civilians_side_two():
    text = "قتل أربعين بينهم ١١ طفلاً إضافة إلى ستة عناصر. وارتفع عدد قتلى الجيش إلى 68."
    cas = [_cas(text, "أربعين", 40, "killed", None), _cas(text, "١١", 11, "killed", "civilians", counted=False,
                                                          subset=True),
           _cas(text, "ستة", 6, "killed", "Syrian National Army"),
           _cas(text, "68", 68, "killed", "Turkish Armed Forces", counted=False, running_total=True)]
    rec = EventRecord("r", None, 0, len(text), text, EventType("explosion_remote_violence"), EventDate(),
                      casualties=cas)
    assert rec.civilian_victims()
    rec.casualties = [cas[2], cas[3]]  # only the armed dead: not civilians
    assert not rec.civilian_victims()


def test_a_kind_of_place_is_no_place_and_makes_no_container_broad():
    text = "سقطت قذيفة قرب سوق شعبي في الجحملية، وأطلقت من التلال الشرقية."
    market, place, hills = _m("سوق شعبي", text), _m("الجحملية", text), _m("التلال الشرقية", text)
    assert generic(market) and not generic(place) and not generic(_m("حي الرمل", "في حي الرمل"))
    assert generic(_m("بوابة المعسكر", "عند بوابة المعسكر"))
    # the head is sure of the market: still a named place leads, and "سوق في الجحملية" does not demote it
    assert order_places([market, place, hills], text, lambda m: m is market)[0] is place


def test_a_dateline_place_named_again_in_the_body_is_read_where_the_body_names_it():
    text = "كركوك (العراق) (أ ب) - دخلت القوات العراقية مدينة كركوك وسيطرت على مبنى المحافظة."
    ents = _ents(text, ("LOCATION", "كركوك"), ("LOCATION", "العراق"), ("FACTION", "القوات العراقية"),
                 ("LOCATION", "مدينة كركوك"))
    (rec,) = build_events(text, ents, "2017-10-16", geocode=False)
    kirkuk = [m for m in rec.locations if m.text.endswith("كركوك")]
    assert len(kirkuk) == 1 and kirkuk[0].start == text.index("مدينة كركوك")
    assert text[kirkuk[0].start:kirkuk[0].end] == kirkuk[0].text


def test_a_list_of_places_near_which_a_clash_ran_is_one_place():
    text = "اشتبكت الشرطة مع مسلحي التنظيم قرب باب الطوب وشارع الفاروق."
    a, b = _m("باب الطوب", text), _m("وشارع الفاروق", text)
    # the head was put second ("قرب X" is broad): the list still starts after "قرب"
    rec = EventRecord("r", None, 0, len(text), text, EventType("battle"), EventDate(), locations=[b, a])
    assert place_list(rec) == [b]
    strikes = "قصفت الطائرات باب الطوب وشارع الفاروق."
    rec = EventRecord("r", None, 0, len(strikes), strikes, EventType("battle"), EventDate(),
                      locations=[_m("باب الطوب", strikes), _m("وشارع الفاروق", strikes)])
    assert len(place_list(rec)) == 2


def test_one_death_told_without_a_figure_is_one_fatality():
    assert one_death("اغتال مسلحون مجهولون مساء أمس مختاراً محلياً أمام منزله.")
    assert one_death("لقي طفل حتفه برصاص قناص.") and one_death("عثر الأهالي على جثة رجل.")
    assert not one_death("نجا القيادي من محاولة اغتيال.") and not one_death("عثر الأهالي على جثث.")
    text = "اغتال مسلحون مجهولون مساء أمس مختاراً محلياً في منطقة الحسينية."
    (rec,) = build_events(text, _ents(text, ("LOCATION", "منطقة الحسينية")), "2020-01-02", geocode=False)
    assert rec.fatalities == 1
    # a counted figure stands: no extra death added
    text2 = "اغتال مسلحون 3 موظفين في البلدة."
    (rec2,) = build_events(text2, _ents(text2, ("CASUALTY", "3")), "2020-01-02", geocode=False)
    assert rec2.fatalities == 3


def test_a_toll_added_to_one_over_weeks_is_not_counted():
    text = ("تجددت الاشتباكات بين الفصيلين في البلدة.\nوأسفر الاقتتال المستمر منذ الـ 28 من نيسان عن مقتل أكثر من 300 "
            "مقاتل، إضافة إلى عشرات المدنيين.")
    ents = _ents(text, ("CASUALTY", "أكثر من 300"), ("CASUALTY", "عشرات"))
    recs = build_events(text, ents, "2020-05-04", geocode=False, drop_quiet=False)
    cas = [c for r in recs for c in r.casualties]
    assert [c.counted for c in cas] == [False, False] and all(c.cumulative for c in cas)
    # "منذ فجر اليوم": today's fighting, counted
    today = "وأسفر الاقتتال المستمر منذ فجر اليوم عن مقتل 12 مقاتلاً."
    (rec,) = build_events(today, _ents(today, ("CASUALTY", "12")), "2020-05-04", geocode=False)
    assert rec.fatalities == 12


def test_an_incident_reported_weeks_late_still_makes_its_record():
    # ACLED codes an event by its own date however late it is reported (a monthly review, a late confirmation):
    # an old date alone is no sign of background (the past perfect and "منذ" are: tests/test_events_quiet.py)
    text = ("اشتبكت القوات مع مسلحي التنظيم في حي الزنجيلي اليوم.\n"
            "وفي 17 أيار قتل 12 مدنياً بقصف على حي الميدان.")
    ents = _ents(text, ("LOCATION", "حي الزنجيلي"), ("DATE", "اليوم"), ("DATE", "17 أيار"), ("CASUALTY", "12"),
                 ("LOCATION", "حي الميدان"))
    recs = build_events(text, ents, "2017-06-20", geocode=False)
    assert [(r.text.split()[0], r.date.value) for r in recs] == [("اشتبكت", "2017-06-20"), ("وفي", "2017-05-17")]


def test_who_took_the_ground_is_read_from_the_sides_the_head_gives():
    text = "سيطرت قوات النظام على البلدة بعد معارك مع داعش."
    regime, isis = _m("قوات النظام", text, "Military Forces of Syria"), _m("داعش", text, "Islamic State")
    regime.role, isis.role = None, "attacker"  # the rules' first guess: the group took it
    rec = EventRecord("r", None, 0, len(text), text, EventType("battle", "Non-state actor overtakes territory"),
                      EventDate(), actors=[isis, regime])
    words = [(regime.start, regime.end, _role("side1")), (isis.start, isis.end, _role("side2"))]
    (kept,) = apply_heads([rec], HeadOutputs([(0, len(text), _types(battle=0.9))], words, text), HEADS)
    assert kept.event_type.sub_event_type == "Government regains territory"
    # no side left on side 1: the rules' sub-type stands
    rec2 = EventRecord("r", None, 0, len(text), text, EventType("battle", "Non-state actor overtakes territory"),
                       EventDate(), actors=[])
    (kept2,) = apply_heads([rec2], HeadOutputs([(0, len(text), _types(battle=0.9))], [], text), HEADS)
    assert kept2.event_type.sub_event_type == "Non-state actor overtakes territory"
