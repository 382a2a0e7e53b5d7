"""Event records v3 on hand-made text: one incident per place when a record's place is one of a list, and
"advancing" or "trying to advance" is a clash, not a territorial battle."""
from __future__ import annotations

from model.events import Casualty, EventDate, EventRecord, EventType, Mention, build_events
from model.events.split import place_list, split_by_place
from model.spans import Entity


def _m(text: str, where: str, nth: int = 0) -> Mention:
    s = -1
    for _ in range(nth + 1):
        s = where.index(text, s + 1)
    return Mention(text, text, s, s + len(text))


def _rec(text: str, places: list[Mention], offset: int = 0) -> EventRecord:
    shifted = [Mention(m.value, m.text, m.start + offset, m.end + offset) for m in places]
    cas = [Casualty("5", offset + text.index("5"), offset + text.index("5") + 1, 5, 5, "exact", "killed",
                    counted=True)] if "5" in text else []
    return EventRecord("r", None, offset, offset + len(text), text, EventType("explosion_remote_violence",
                       "Air/drone strike"), EventDate("2020-01-02", source="span"), locations=shifted,
                       casualties=cas, fatalities=5 if cas else 0)


def test_strikes_on_a_list_of_villages_are_one_incident_each_and_the_toll_stays_with_the_first():
    text = "شنت الطائرات غارات على كفرزيتا واللطامنة، ومورك وقتل 5 مدنيين."
    places = [_m("كفرزيتا", text), _m("واللطامنة", text), _m("ومورك", text)]
    out = split_by_place([_rec(text, places, offset=7)])
    assert [r.locations[0].text for r in out] == ["كفرزيتا", "واللطامنة", "ومورك"]
    assert [r.fatalities for r in out] == [5, 0, 0] and [[c.counted for c in r.casualties] for r in out] == [
        [True], [False], [False]]  # the victims are still known (civilians or not), the toll counted once
    assert all((r.start, r.end, r.event_type.value) == (7, 7 + len(text), "explosion_remote_violence") for r in out)
    # each copy's place still indexes the caller's text
    full = "x" * 7 + text
    assert all(full[r.locations[0].start:r.locations[0].end] == r.locations[0].text for r in out)


def test_a_place_not_in_a_list_a_container_and_the_area_between_two_places_are_not_split():
    one = "قصفت الطائرات حي الرمل بمدينة صور."
    assert len(split_by_place([_rec(one, [_m("حي الرمل", one), _m("بمدينة صور", one)])])) == 1
    between = "اشتباكات بين تل أبيض ورأس العين."
    assert place_list(_rec(between, [_m("تل أبيض", between), _m("ورأس العين", between)])) == [
        _m("تل أبيض", between)]
    far = "غارات على كفرزيتا ثم قصف مدفعي على مورك."
    assert len(split_by_place([_rec(far, [_m("كفرزيتا", far), _m("مورك", far)])])) == 1
    assert split_by_place([_rec(one, [])])[0].locations == []


def test_the_list_is_found_around_the_incidents_place_wherever_it_stands():
    text = "غارات على كفرزيتا واللطامنة."
    kfr, lat = _m("كفرزيتا", text), _m("واللطامنة", text)
    assert place_list(_rec(text, [lat, kfr]))[0].text == "واللطامنة"  # the head's place first, then the rest
    assert [m.text for m in place_list(_rec(text, [lat, kfr]))] == ["واللطامنة", "كفرزيتا"]


def _battle(text: str, *spans: tuple[str, str]) -> EventRecord:
    ents = [Entity(text.index(s), text.index(s) + len(s), label, s) for s, label in spans]
    (rec,) = build_events(text, ents, "2020-01-02", geocode=False)
    return rec


def test_an_advance_or_a_failed_attempt_is_a_clash_and_a_capture_is_territorial():
    advance = _battle("دارت اشتباكات وتقدمت قوات النظام في البلدة.", ("قوات النظام", "FACTION"))
    assert advance.event_type.sub_event_type == "Armed clash"
    failed = _battle("دارت اشتباكات وفشلت قوات النظام في السيطرة على البلدة.", ("قوات النظام", "FACTION"))
    assert failed.event_type.sub_event_type == "Armed clash"
    taken = _battle("دارت اشتباكات وسيطرت قوات النظام على البلدة.", ("قوات النظام", "FACTION"))
    assert taken.event_type.sub_event_type == "Government regains territory"
    killed = _battle("تقدمت قوات النظام في البلدة وقتل 5 عناصر.", ("قوات النظام", "FACTION"), ("5 عناصر", "CASUALTY"))
    assert (killed.event_type.value, killed.event_type.sub_event_type) == ("battle", "Armed clash")
