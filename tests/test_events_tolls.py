"""Event records v3 on hand-made text: a headline's retelling, tolls over a war or a season, and civilians as the
side hit by an explosion that hurt no one counted."""
from __future__ import annotations

from model.events import Casualty, EventDate, EventRecord, EventType, Mention, build_events
from model.events.headline import drop_headlines, headline_end
from model.spans import Entity

HEAD = "مقتل 14 بتفجير سيارة مفخخة في مقديشو"
BODY = "مقديشو – رويترز:: قالت الشرطة إن 14 شخصاً قتلوا بتفجير سيارة مفخخة قرب فندق."
TEXT = HEAD + "\n" + BODY


def _killed(text: str, figure: str, after: int = 0) -> Casualty:
    s = text.index(figure, after)
    return Casualty(figure, s, s + len(figure), 14, 14, "exact", "killed", counted=True)


def _rec(start: int, end: int, etype: str = "explosion_remote_violence", casualties=()) -> EventRecord:
    cas = list(casualties)
    return EventRecord("r", None, start, end, TEXT[start:end], EventType(etype), EventDate(), casualties=cas,
                       fatalities=sum(c.count_min for c in cas if c.counted))


def test_a_dateline_line_marks_where_the_body_starts():
    assert headline_end(TEXT) == len(HEAD) + 1
    assert headline_end(BODY) == 0  # a dateline on the first line: no headline
    assert headline_end("قصف على البلدة.\nوقال مصدر إن 3 قتلوا.") == 0
    assert headline_end("عنوان\nعنوان فرعي\nبغداد (رويترز) - قتل ثلاثة.") == len("عنوان\nعنوان فرعي\n")


def test_a_headline_record_is_dropped_when_the_body_tells_the_same_kind_of_incident():
    head, body = _rec(0, len(HEAD), casualties=[_killed(TEXT, "14")]), _rec(len(HEAD) + 1, len(TEXT))
    assert drop_headlines([head, body], TEXT) == [body]
    # the body tells only a battle: the headline's explosion is all there is of it
    other = _rec(len(HEAD) + 1, len(TEXT), etype="battle")
    assert drop_headlines([head, other], TEXT) == [head, other]
    assert drop_headlines([head, body], None) == [head, body]


def test_a_record_running_from_the_headline_into_the_body_counts_the_dead_once():
    both = _rec(0, len(TEXT), casualties=[_killed(TEXT, "14"), _killed(TEXT, "14", len(HEAD))])
    assert both.fatalities == 28
    (rec,) = drop_headlines([both], TEXT)
    assert rec.fatalities == 14 and [c.counted for c in rec.casualties] == [False, True]


def _fatalities(text: str, figure: str) -> int:
    s = text.index(figure)
    recs = build_events(text, [Entity(s, s + len(figure), "CASUALTY", figure)], "2020-01-02", geocode=False)
    return sum(r.fatalities for r in recs)


def test_a_toll_since_the_war_began_or_over_months_is_not_an_incidents():
    assert _fatalities("وثق نشطاء مقتل أكثر من 1,100 شخص في المدينة منذ اندلاع الحرب.", "أكثر من 1,100 شخص") == 0
    assert _fatalities("قتل 300 مدني في قصف على البلدة خلال الأشهر الماضية.", "300 مدني") == 0
    # "since this morning" is today's incident
    assert _fatalities("قتل 5 مدنيين في قصف على البلدة منذ صباح اليوم.", "5 مدنيين") == 5


def test_an_explosion_that_hit_homes_or_a_market_with_no_one_counted_has_civilians_on_side_2():
    def row(text: str, actors=()) -> dict:
        return EventRecord("r", None, 0, len(text), text, EventType("explosion_remote_violence"), EventDate(),
                           actors=list(actors)).to_acled_row()

    assert row("سقطت قذائف هاون على أحياء سكنية في المدينة")["actor2"] == "Civilians"
    assert row("قصفت الطائرات السوق الرئيسي")["actor2"] == "Civilians"
    assert row("قصفت الطائرات مواقع التنظيم")["actor2"] == ""
    target = Mention("Islamic State", "التنظيم", 0, 7, "target")
    assert row("قصفت الطائرات منازل يتحصن فيها التنظيم", [target])["actor2"] == "Islamic State"
