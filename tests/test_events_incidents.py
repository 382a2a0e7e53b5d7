"""Event records from (text, entities): one record per incident, fatalities, event types, actors and dates."""
from __future__ import annotations

import pytest

from model.events import build_events
from tests._events_helpers import report

# ---------------------------------------------------------------------------------------------------------------
# One record per incident


def test_consequence_sentence_merges_into_the_incident() -> None:
    records = report(
        "قصفت طائرات [[FACTION|التحالف الدولي]] مواقع في [[LOCATION|حي الصناعة]] [[DATE|فجر اليوم]].",
        "وأسفر القصف عن مقتل [[CASUALTY|12]] عنصراً من [[FACTION|تنظيم “الدولة الإسلامية”]].",
        "وارتفع عدد القتلى إلى [[CASUALTY|15]].",
    )
    assert len(records) == 1
    r = records[0]
    assert r.event_type.value == "explosion_remote_violence"
    assert r.event_type.sub_event_type == "Air/drone strike"
    assert [a.value for a in r.actors] == ["International Coalition", "Islamic State"]
    assert [a.role for a in r.actors] == ["attacker", "target"]
    assert r.date.value == "2017-06-06" and r.date.text == "فجر اليوم"
    assert r.fatalities == 15  # the running total replaces the 12 it includes


def test_casualty_only_sentence_merges_and_new_scene_splits() -> None:
    records = report(
        "اندلعت اشتباكات عنيفة بين [[FACTION|قسد]] [[FACTION|وداعش]] في [[LOCATION|حي الرومانية]] [[DATE|ليل أمس]].",
        "وقتل [[CASUALTY|7]] عناصر من [[FACTION|قسد]].",
        "وفي [[LOCATION|الطبقة]]، قُتل [[CASUALTY|3]] مدنيين بانفجار لغم.",
    )
    assert len(records) == 2
    assert records[0].event_type.value == "battle" and records[0].fatalities == 7
    assert records[0].date.value == "2017-06-05"
    assert records[1].event_type.sub_event_type == "Remote explosive/landmine/IED"
    assert [m.value for m in records[1].locations] == ["Tabqa"]
    assert records[1].date.source == "previous"  # the last DATE before it in the report


def test_clause_with_its_own_attack_splits_a_sentence() -> None:
    records = report(
        "شنت طائرات [[FACTION|التحالف الدولي]] 52 غارة على مواقع [[FACTION|التنظيم]] في [[LOCATION|برطلة]]، "
        "بينما قصفت المدفعية الأمريكية خطوط الدفاع في [[LOCATION|مخمور]].",
    )
    assert [r.event_type.sub_event_type for r in records] == ["Air/drone strike", "Shelling/artillery/missile attack"]
    assert records[0].end <= records[1].start


def test_fresh_attack_in_next_sentence_is_a_new_record() -> None:
    records = report(
        "قتل [[CASUALTY|4]] جنود بكمين قرب [[LOCATION|كركوك]] [[DATE|فجر الأحد]].",
        "واستهدفت طائرة مسيرة سيارة في [[LOCATION|سنجار]]، ما أدى إلى مقتل [[CASUALTY|ثلاثة]] أشخاص.",
    )
    assert [r.event_type.value for r in records] == ["battle", "explosion_remote_violence"]
    assert [r.fatalities for r in records] == [4, 3]


def test_demonstrative_points_back_despite_another_date() -> None:
    records = report(
        "سيطرت [[FACTION|قوات الرد السريع]] [[DATE|الخميس 23 شباط / فبراير 2017]] على [[LOCATION|مطار الموصل الدولي]].",
        "ويأتي هذا التقدم ضمن [[OPERATION|معركة تحرير الموصل]] التي انطلقت [[DATE|الأحد الماضي]].",
        "وقالت مصادر عسكرية إن [[CASUALTY|أكثر من 70]] مسلحاً قتلوا في محيط المطار.",
        date="2017-02-24",
    )
    assert len(records) == 1
    r = records[0]
    assert r.date.value == "2017-02-23"
    assert r.event_type.value == "battle" and r.event_type.sub_event_type == "Government regains territory"
    assert r.operation is not None and r.operation.value == "معركة تحرير الموصل"
    assert r.fatalities == 70


def test_sentence_without_event_makes_no_record() -> None:
    assert report("ولم يصدر أي تعليق رسمي على ما جرى في [[LOCATION|الرقة]].") == []
    assert build_events("", []) == []


# ---------------------------------------------------------------------------------------------------------------
# Fatalities


def test_fatalities_sum_killed_minimums_only() -> None:
    r = report(
        "قصفت طائرات حربية [[LOCATION|أريحا]]، ما أسفر عن مقتل [[CASUALTY|على الأقل 10]] مدنيين "
        "وإصابة [[CASUALTY|العشرات]] وأسر [[CASUALTY|3]] آخرين، ومقتل [[CASUALTY|عشرات]] المسلحين."
    )[0]
    assert r.fatalities == 10 + 20
    assert [c.counted for c in r.casualties] == [True, False, False, True]


def test_subset_is_not_added_twice() -> None:
    r = report("أسفرت الغارة عن مقتل [[CASUALTY|١٣]] مدنياً بينهم [[CASUALTY|خمسة]] أطفال و[[CASUALTY|3]] نساء.")[0]
    assert [c.subset for c in r.casualties] == [False, True, True]
    assert r.fatalities == 13


def test_part_of_the_missing_who_died_is_counted() -> None:
    r = report(
        "اندلعت اشتباكات وأعلن مسؤولون فقدان [[CASUALTY|643]] رجلاً.",
        "وقالت المصادر ذاتها إن [[CASUALTY|49]] منهم على الأقل قُتلوا.",
    )[0]
    assert [c.status for c in r.casualties] == ["missing", "killed"]
    assert r.fatalities == 49


def test_running_total_replaces_only_figures_it_can_include() -> None:
    r = report(
        "اندلعت اشتباكات قُتل فيها [[CASUALTY|5]] عناصر من [[FACTION|قسد]] و[[CASUALTY|8]] مدنيين.",
        "وارتفع عدد قتلى [[FACTION|قسد]] إلى [[CASUALTY|9]].",
    )[0]
    assert [c.counted for c in r.casualties] == [False, True, True]
    assert r.fatalities == 8 + 9


def test_cumulative_total_over_a_period_is_not_this_incidents_toll() -> None:
    r = report(
        "قُتل [[CASUALTY|أربعة]] جنود بكمين نصبه مسلحو [[FACTION|داعش]] قرب [[LOCATION|كركوك]].",
        "وارتفعت بذلك حصيلة قتلى [[FACTION|القوات الأمنية]] منذ مطلع العام إلى [[CASUALTY|19]].",
    )[0]
    assert r.casualties[1].running_total and r.casualties[1].cumulative
    assert r.fatalities == 4


# ---------------------------------------------------------------------------------------------------------------
# Event types and actors


@pytest.mark.parametrize(
    "line,value,sub",
    [
        ("تدور اشتباكات عنيفة بين [[FACTION|قسد]] [[FACTION|وداعش]].", "battle", "Armed clash"),
        ("شن [[FACTION|الحوثيون]] هجوماً برياً على [[LOCATION|مأرب]].", "battle", "Armed clash"),
        ("قُتل [[CASUALTY|أربعة]] جنود بكمين.", "battle", "Armed clash"),
        ("قصفت طائرات حربية [[LOCATION|أريحا]].", "explosion_remote_violence", "Air/drone strike"),
        ("سقطت قذائف هاون على [[LOCATION|حي سكني]].", "explosion_remote_violence", "Shelling/artillery/missile attack"),
        ("انفجرت عبوة ناسفة بسيارة عسكرية.", "explosion_remote_violence", "Remote explosive/landmine/IED"),
        ("فجّر [[FACTION|التنظيم]] جسراً.", "explosion_remote_violence", "Remote explosive/landmine/IED"),
        ("هاجم انتحاري بسيارة مفخخة حاجزاً.", "explosion_remote_violence", "Suicide bomb"),
        ("أعدم [[FACTION|داعش]] [[CASUALTY|تسعة]] رجال.", "violence_against_civilians", "Attack"),
        ("اختطف مسلحون [[CASUALTY|3]] مدنيين.", "violence_against_civilians", "Abduction/forced disappearance"),
        ("قتل [[CASUALTY|3]] مدنيين برصاص قناص.", "violence_against_civilians", "Attack"),
        ("سيطرت [[FACTION|قسد]] على [[LOCATION|الطبقة]] بعد انسحاب [[FACTION|داعش]].", "strategic_development",
         "Non-violent transfer of territory"),
        ("اعتقلت [[FACTION|القوات الأمنية]] [[CASUALTY|14]] مشتبهاً بهم.", "strategic_development", "Arrests"),
        ("فككت فرق الهندسة 200 عبوة ناسفة.", "strategic_development", "Disrupted weapons use"),
        ("أعلن الطرفان وقف إطلاق النار.", "strategic_development", "Agreement"),
        ("سيطرت [[FACTION|قوات النظام]] على البلدة بعد معارك عنيفة.", "battle", "Government regains territory"),
        ("سيطر [[FACTION|داعش]] على البلدة بعد اشتباكات.", "battle", "Non-state actor overtakes territory"),
        ("ارتفع عدد القتلى إلى [[CASUALTY|45]].", "other", None),
    ],
)
def test_event_type(line: str, value: str, sub) -> None:
    r = report(line)[0]
    assert (r.event_type.value, r.event_type.sub_event_type) == (value, sub)


def test_negated_clash_is_not_a_trigger() -> None:
    r = report("انسحبت [[FACTION|قوات البيشمركة]] من [[LOCATION|سنجار]] دون قتال يُذكر.")[0]
    assert r.event_type.value == "strategic_development"


def test_attacker_first() -> None:
    r = report("مقتل [[CASUALTY|3]] عناصر من [[FACTION|قسد]] بقصف [[FACTION|القوات التركية]] على [[LOCATION|تل تمر]].")[0]
    assert [(a.value, a.role) for a in r.actors] == [
        ("Turkish Armed Forces", "attacker"), ("Syrian Democratic Forces", "target")]
    row = r.to_acled_row()
    assert (row["actor1"], row["actor2"]) == ("Turkish Armed Forces", "Syrian Democratic Forces")


def test_civilians_become_actor2() -> None:
    row = report("أعدم [[FACTION|داعش]] [[CASUALTY|تسعة]] مدنيين في [[LOCATION|هيت]].")[0].to_acled_row()
    assert row["actor2"] == "Civilians" and row["civilian_targeting"] == "Civilian targeting"
    assert row["event_type"] == "Violence against civilians" and row["location"] == "Hit"


def test_country_hint_resolves_generic_actor() -> None:
    r = report("استهدفت عبوة ناسفة دورية [[FACTION|للجيش]] في [[LOCATION|بيجي]].")[0]
    assert r.country == "Iraq" and r.actors[0].value == "Military Forces of Iraq"
    r = report("استهدفت عبوة ناسفة دورية [[FACTION|للجيش]].", country="Sudan")[0]
    assert r.actors[0].value == "Military Forces of Sudan"


def test_date_after_since_is_not_the_event_date() -> None:
    r = report("قُتل [[CASUALTY|4]] جنود بكمين [[DATE|ليل أمس]] منذ [[DATE|مطلع العام]].")[0]
    assert r.date.value == "2017-06-05"
    r = report("وقعت اشتباكات منذ [[DATE|السبت الماضي]].")[0]
    assert (r.date.source, r.date.value) == ("report", "2017-06-06")
    r = report("وقعت اشتباكات عنيفة.", date=None)[0]
    assert r.date.value is None and r.report_date is None
