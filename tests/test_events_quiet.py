"""Event records round 4 on hand-made text: clauses that tell no incident of their own (quotes, parades, plans,
background, tallies, "تحت سيطرة"), a weekday that names a place ("سوق الجمعة"), the weapon of the clause that tells
the strike, and the two sides of "بين X و Y"."""
from __future__ import annotations

import numpy as np
import pytest

from model.event_heads import INCIDENT_TYPES, ROLES, EventHeads, HeadOutputs, apply_heads
from model.events import EventDate, EventRecord, EventType, Mention
from tests._events_helpers import report

HEADS = EventHeads(np.zeros((4, 5)), np.zeros(5), np.zeros((4, 4)), np.zeros(4))
STRIKE = "قصفت طائرات [[FACTION|التحالف الدولي]] مواقع في [[LOCATION|حي الصناعة]] [[DATE|فجر اليوم]]."


@pytest.mark.parametrize("line", [
    # a direct quote after a speech verb and a colon
    'وأضاف: "العربات لا تستطيع دخول الأزقة، لذلك نتقدم سيراً ونعتمد على طائرات مسيرة".',
    # a parade shows weapons; nothing was struck
    "وشاركت في الاستعراض دبابات وراجمات صواريخ إضافة إلى طائرات مروحية حلقت فوق [[LOCATION|نهر دجلة]].",
    # a plan or an order awaited
    "وقالت القوات إنها تطوق البلدة استعداداً لاقتحامها.",
    "وقال المتحدث إن قواته تنتظر الأوامر لبدء الهجوم على [[LOCATION|تلعفر]].",
    # who holds a place is not a takeover
    "ويقيم النازحون قرب [[LOCATION|الحويجة]] الخاضعة تحت سيطرة [[FACTION|التنظيم]].",
    # a tally over a long period
    "وبلغ عدد الغارات على [[LOCATION|ريف دير الزور]] [[CASUALTY|14]] غارة منذ [[DATE|مطلع العام الجاري]].",
    # the past perfect with no day of its own: background
    "وكانت [[FACTION|القوات العراقية]] قد سيطرت على [[LOCATION|الحي]] وقصفت مواقع التنظيم.",
])
def test_a_clause_telling_no_incident_of_its_own_makes_no_record(line: str) -> None:
    assert report(STRIKE) and len(report(STRIKE, line)) == 1, report(STRIKE, line)
    assert report(line) == []


def test_a_takeover_word_outside_those_contexts_still_makes_a_record() -> None:
    assert len(report("ويقيم النازحون قرب [[LOCATION|الحويجة]] بعد سيطرة [[FACTION|التنظيم]] عليها.")) == 1
    assert len(report("وقالت القوات إنها تطوق البلدة وبدأت اقتحامها.")) == 1
    assert len(report('وأضاف أن "القوات تقدمت سيراً" نحو [[LOCATION|الحي]].')) == 1


def test_the_past_perfect_with_a_day_of_its_own_is_an_incident() -> None:
    records = report("وكانت [[FACTION|الفرقة الرابعة]] قد شنت [[DATE|فجر الخميس]] هجوماً على [[LOCATION|الشياح]].")
    assert len(records) == 1 and records[0].event_type.value == "battle"


def test_clauses_continuing_a_tally_make_no_record_either() -> None:
    records = report(
        "وثق المرصد مقتل [[CASUALTY|49742]] شخصاً خلال العام، في حصيلة هي الأدنى منذ [[DATE|عام 2012]].",
        "وبين القتلى [[CASUALTY|13617]] مدنياً.",
    )
    assert records == []


def test_a_parade_where_people_were_hurt_is_still_an_incident() -> None:
    records = report("انفجرت قذيفة خلال الاستعراض في [[LOCATION|الساحة]] فقتلت [[CASUALTY|ثلاثة]] أشخاص.")
    assert len(records) == 1 and records[0].fatalities == 3


def test_a_weekday_that_names_a_market_neither_dates_the_record_nor_cuts_the_place() -> None:
    # the tagger cut "سوق الجمعة" into a place and a date
    records = report("سقطت قذائف على [[LOCATION|وسوق]] [[DATE|الجمعة]] [[DATE|ليل الأربعاء]].", date="2020-03-26")
    (rec,) = records
    assert rec.date.text == "ليل الأربعاء" and rec.date.value == "2020-03-25"
    assert [m.text for m in rec.locations] == ["وسوق الجمعة"]
    # a weekday after a named place is the day: "قصفت الطائرات حلب الجمعة"
    (rec,) = report("قصفت الطائرات [[LOCATION|حلب]] [[DATE|الجمعة]].", date="2020-03-26")
    assert rec.date.text == "الجمعة" and [m.text for m in rec.locations] == ["حلب"]


def test_the_sub_type_is_the_weapon_of_the_clause_that_tells_the_strike() -> None:
    records = report(
        "سقطت أكثر من [[CASUALTY|40]] قذيفة صاروخية على [[LOCATION|حي الهضبة]] فقتلت [[CASUALTY|أربعة]] مدنيين.",
        "وأغلقت سلطات الطيران المدني الملاحة بالمطار متهمة المسلحين بإطلاق القذائف.",
    )
    assert records[0].event_type.sub_event_type == "Shelling/artillery/missile attack"
    # civil aviation is no air strike on its own either
    (rec,) = report("قصفت المدفعية المطار، وتوقفت حركة الطيران المدني.")
    assert rec.event_type.sub_event_type == "Shelling/artillery/missile attack"


def _side(name: str, p: float = 0.9) -> np.ndarray:
    out = np.full(len(ROLES), (1 - p) / (len(ROLES) - 1))
    out[ROLES.index(name)] = p
    return out


def _battle(text: str, *names: str) -> tuple[EventRecord, list[Mention]]:
    ms = [Mention(n, n, text.index(n), text.index(n) + len(n)) for n in names]
    return EventRecord("r", None, 0, len(text), text, EventType("battle", "Armed clash"), EventDate(),
                       actors=list(ms)), ms


@pytest.mark.parametrize("text,names,one,two", [
    # both put on side 2 by the head: X leads, the actor after "و" is the other side
    ("تدور اشتباكات بين مسلحي رجال الكرامة ومجموعات أهلية من الجبل تتبع قوات الفجر.",
     ("رجال الكرامة", "قوات الفجر"), "رجال الكرامة", "قوات الفجر"),
    # "بين X وY من جهة، وZ من جهة أخرى": Y is X's ally, Z the other side
    ("تتواصل الاشتباكات بين قوات النظام ولواء القدس من جهة، وتنظيم الدولة من جهة أخرى.",
     ("قوات النظام", "ولواء القدس", "وتنظيم الدولة"), "قوات النظام", "وتنظيم الدولة"),
])
def test_between_x_and_y_puts_one_side_each(text: str, names: tuple, one: str, two: str) -> None:
    rec, ms = _battle(text, *names)
    words = [(m.start, m.end, _side("side2")) for m in ms]
    (kept,) = apply_heads([rec], HeadOutputs([(0, len(text), np.eye(len(INCIDENT_TYPES))[0] * 0.9)], words, text),
                          HEADS)
    first, second = kept.sides()
    assert first[0].text == one and second[0].text == two


def test_a_tally_makes_no_record_but_its_count_is_still_read():
    from model.events import build_events
    from model.spans import Entity

    text = "وبلغ عدد الضربات منذ مطلع العام الجاري 20 ضربة أسفرت بمجملها عن مقتل 17 مدنياً."
    start, since = text.index("17"), text.index("مطلع")
    ents = [Entity(since, since + 17, "DATE", text[since : since + 17]), Entity(start, start + 2, "CASUALTY", "17")]
    assert build_events(text, ents, "2021-05-01") == []
    kept = build_events(text, ents, "2021-05-01", drop_quiet=False)
    assert [(c.count_min, c.status) for r in kept for c in r.casualties] == [(17, "killed")]
