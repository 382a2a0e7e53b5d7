"""Event records from (text, entities): casualty fields, merging, fatalities, types, offsets, exports."""
from __future__ import annotations

import csv
import io
import json
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.events import ACLED_COLUMNS, EventRecord, build_events, join_sentences
from model.export import render_html, write_csv, write_jsonl
from model.spans import Entity
from train.corpus import read_jsonl
from train.markup import parse_markup  # only to read the corpus markup files; test sentences use marked()

ROOT = Path(__file__).resolve().parents[1]
MARKUP = ROOT / "data" / "annotations" / "markup"
TEST_JSONL = ROOT / "data" / "annotations" / "test.jsonl"


_MARK = re.compile(r"\[\[([A-Z]+)\|([^\[\]]+)\]\]")


def marked(line: str) -> tuple[str, list[Entity]]:
    """A test sentence written with ``[[LABEL|text]]`` marks -> (its text, its entities), offsets counted here.

    >>> marked("قصف على [[LOCATION|الرقة]].")
    ('قصف على الرقة.', [Entity(start=8, end=13, label='LOCATION', text='الرقة', score=None)])
    """
    parts = _MARK.split(line)  # text, label, surface, text, label, surface, ..., text
    text, entities = parts[0], []
    for label, surface, after in zip(parts[1::3], parts[2::3], parts[3::3]):
        entities.append(Entity(len(text), len(text) + len(surface), label, surface))
        text += surface + after
    assert "[[" not in text and "]]" not in text, f"a mark is not [[LABEL|text]]: {line}"
    return text, entities


def report(*lines: str, date: str | None = "2017-06-06", **kw) -> list[EventRecord]:
    """Build events from marked sentences (``[[LABEL|text]]``), one sentence per argument."""
    text, ents = join_sentences([marked(line) for line in lines], sep=" ")
    return build_events(text, ents, date, "t-1", **kw)


def casualties(records: list[EventRecord]) -> list[tuple]:
    return [(c.text, c.count_min, c.count_max, c.qualifier, c.status) for r in records for c in r.casualties]


# ---------------------------------------------------------------------------------------------------------------
# Status, qualifier and affiliation rules


@pytest.mark.parametrize(
    "line,expected",
    [
        ("مقتل [[CASUALTY|5]] مدنيين وإصابة [[CASUALTY|10]] آخرين.", ["killed", "wounded"]),
        ("قُتل [[CASUALTY|٢٢]] مدنياً وجُرح [[CASUALTY|نحو ٤٠]] آخرين.", ["killed", "wounded"]),
        ("سقط [[CASUALTY|5]] قتلى و[[CASUALTY|12]] جريحاً.", ["killed", "wounded"]),
        ("قالت مصادر إن [[CASUALTY|17]] مقاتلاً قتلوا وأصيب [[CASUALTY|أكثر من 60]] آخرين.", ["killed", "wounded"]),
        ("لقي [[CASUALTY|ثلاثة]] جنود حتفهم.", ["killed"]),
        ("استشهاد [[CASUALTY|تسعة]] أشخاص.", ["killed"]),
        ("انتشلت الفرق جثث [[CASUALTY|نحو عشرين]] شخصاً.", ["killed"]),
        ("وأسروا [[CASUALTY|١٨]] مسلحاً.", ["captured"]),
        ("اعتقلت [[FACTION|القوات الأمنية]] [[CASUALTY|14]] مشتبهاً بهم.", ["captured"]),
        ("وقع [[CASUALTY|العشرات]] من الجنود في الأسر.", ["captured"]),
        ("قالوا إنهم سلّموا أنفسهم، وهم [[CASUALTY|٤٤]] عنصراً سلموا أنفسهم.", ["captured"]),
        ("أعلنوا فقدان [[CASUALTY|أكثر من 1500]] شخص.", ["missing"]),
        ("ولا يزال [[CASUALTY|المئات]] في عداد المفقودين.", ["missing"]),
        ("وما يزال مصير [[CASUALTY|١٩]] جندياً مجهولاً.", ["missing"]),
        ("سقط [[CASUALTY|عشرات]] بين قتيل وجريح.", ["unknown"]),
        ("أسفر عن مقتل وإصابة [[CASUALTY|20]] شخصاً.", ["unknown"]),
        ("وصل [[CASUALTY|20]] شخصاً إلى المدينة.", ["unknown"]),
        ("ارتفع عدد القتلى إلى [[CASUALTY|45]].", ["killed"]),
        ("ارتفع عدد الجرحى إلى [[CASUALTY|45]].", ["wounded"]),
        ("مقتل [[CASUALTY|20]] مدنياً، بينهم [[CASUALTY|5]] أطفال.", ["killed", "killed"]),
        ("مقتل [[CASUALTY|113]] عنصراً من [[FACTION|قوات النظام]] منذ بدء المعركة، مقابل [[CASUALTY|حوالي 250]] من عناصر [[FACTION|التنظيم]].",
         ["killed", "killed"]),
        ("قالت مصادر إن [[CASUALTY|سبعة]] مدنيين، بينهم [[CASUALTY|ثلاثة]] أطفال، قتلوا بانفجار.", ["killed", "killed"]),
        ("بين الضحايا [[CASUALTY|عشرات]] الأطفال.", ["unknown"]),
        ("ارتفع عدد ضحايا القصف إلى [[CASUALTY|١١]].", ["killed"]),
    ],
)
def test_status(line: str, expected: list[str]) -> None:
    assert [c[4] for c in casualties(report(line))] == expected


@pytest.mark.parametrize(
    "line,expected",
    [
        ("مقتل [[CASUALTY|15]] شخصاً على الأقل.", (15, None, "at_least")),
        ("مقتل [[CASUALTY|خمسة]] مقاتلين على الأقل من الطرفين.", (5, None, "at_least")),
        ("وقالت المصادر إن [[CASUALTY|49]] منهم على الأقل قُتلوا.", (49, None, "at_least")),
        ("مقتل [[CASUALTY|أكثر من 40]] عنصراً.", (40, None, "at_least")),
        ("وقالت مصادر إن عدد الجرحى تجاوز [[CASUALTY|١٥٠]].", (150, None, "at_least")),
        ("بينما تجاوز عدد الجرحى [[CASUALTY|146]].", (146, None, "at_least")),
        ("مقتل [[CASUALTY|نحو 30]] عنصراً.", (30, 30, "approximately")),
        ("مقتل [[CASUALTY|15]] شخصاً، على الأقل بحسب المصادر.", (15, 15, "exact")),
    ],
)
def test_qualifier_after_the_counted_noun(line: str, expected: tuple) -> None:
    c = report(line)[0].casualties[0]
    assert (c.count_min, c.count_max, c.qualifier) == expected


@pytest.mark.parametrize(
    "line,expected",
    [
        ("مقتل [[CASUALTY|7]] عناصر من [[FACTION|قوات النظام]].", "Military Forces of Syria"),
        ("مقتل [[CASUALTY|7]] من عناصر [[FACTION|قوات النظام]].", "Military Forces of Syria"),
        ("مقتل [[CASUALTY|12]] عنصراً من [[FACTION|تنظيم “الدولة الإسلامية”]].", "Islamic State"),
        ("أسر [[CASUALTY|نحو 120]] من مقاتلي [[FACTION|التنظيم]].", "Islamic State"),
        ("مقتل [[CASUALTY|العشرات]] في صفوف [[FACTION|قسد]].", "Syrian Democratic Forces"),
        ("استقبال [[CASUALTY|خمسة عشر]] جريحاً من مقاتلي [[FACTION|البيشمركة]].", "Peshmerga"),
        ("مقتل [[CASUALTY|9]] مدنيين.", "civilians"),
        ("مقتل [[CASUALTY|عشرات]] الأطفال.", "civilians"),
        ("إصابة [[CASUALTY|٣]] نساء.", "civilians"),
        ("وقتلوا [[CASUALTY|١٢]] عاملاً، بينهم عمال أجانب.", "civilians"),
        ("ارتفع عدد القتلى المدنيين إلى [[CASUALTY|45]].", "civilians"),
        ("بلغت حصيلة قتلى [[FACTION|التنظيم]] في المعارك [[CASUALTY|أكثر من 1800]].", "Islamic State"),
        ("وقالت مصادر إن [[FACTION|الشرطة الاتحادية]] وحدها خسرت [[CASUALTY|400]] عنصر.", "Military Forces of Iraq"),
        # the faction after a weapon or an agent is the attacker, not the victims' side
        ("مقتل [[CASUALTY|3]] أشخاص بقصف [[FACTION|قوات النظام]].", None),
        ("اعتقلت [[FACTION|القوات الأمنية]] [[CASUALTY|14]] مشتبهاً بهم.", None),
        ("مقتل [[CASUALTY|45]] مسلحاً.", None),
    ],
)
def test_affiliation(line: str, expected) -> None:
    assert report(line)[0].casualties[0].affiliation == expected


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


# ---------------------------------------------------------------------------------------------------------------
# Offsets always index the input, whatever the entities look like

SAMPLE = (
    "قصفت طائرات التحالف الدولي مواقع في حي الصناعة فجر اليوم. أسفر القصف عن مقتل 12 عنصراً من داعش، "
    "بينهم 3 قياديين.\nوفي الرقة، اندلعت اشتباكات بين قسد والتنظيم أسفرت عن مقتل نحو 30 مقاتلاً وإصابة العشرات."
)
LABELS = ("FACTION", "LOCATION", "OPERATION", "CASUALTY", "DATE", "OTHER")


def _all_spans(record: EventRecord) -> list[tuple]:
    d = record.to_dict()
    spans = [(d["text"], d["start"], d["end"])]
    for key in ("locations", "actors", "casualties"):
        spans += [(x["text"], x["start"], x["end"]) for x in d[key]]
    for obj in (d["event_type"], d["date"], d["operation"]):
        if obj and obj.get("start") is not None:
            spans.append((obj["text"], obj["start"], obj["end"]))
    return spans


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-5, len(SAMPLE) + 5), st.integers(0, 30), st.sampled_from(LABELS)), max_size=14))
def test_offsets_index_the_input_for_any_entities(raw) -> None:
    entities = [Entity(s, s + n, label, "stale text") for s, n, label in raw]
    for record in build_events(SAMPLE, entities, "2017-06-06"):
        for text, start, end in _all_spans(record):
            assert 0 <= start <= end <= len(SAMPLE) and SAMPLE[start:end] == text
        json.dumps(record.to_dict(), ensure_ascii=False)


# ---------------------------------------------------------------------------------------------------------------
# Exports


def _sample_items() -> list[tuple[str, list[Entity], list[EventRecord]]]:
    lines = [
        "قصفت طائرات [[FACTION|التحالف الدولي]] مواقع في [[LOCATION|حي الصناعة]] [[DATE|فجر اليوم]].",
        "وأسفر القصف عن مقتل [[CASUALTY|12]] عنصراً من [[FACTION|تنظيم “الدولة الإسلامية”]] <b>&amp; \"آخرين\"</b>.",
    ]
    parts = [marked(line) for line in lines]
    text, ents = join_sentences(parts, sep="\n")
    text_b = "اشتباكات في [[x]] < > & ' \" بين الطرفين.\n\nسطر ثانٍ"
    ents_b = [Entity(0, 8, "NEWLABEL", text_b[0:8], 0.5), Entity(2, 4, "DATE", text_b[2:4])]  # overlap dropped
    return [(text, ents, build_events(text, ents, "2017-06-06", "r-1")),
            (text_b, ents_b, build_events(text_b, ents_b, None, "r-2"))]


def test_jsonl_round_trips() -> None:
    items = _sample_items()
    records = [r for _, _, rs in items for r in rs]
    buf = io.StringIO()
    assert write_jsonl(records, buf) == len(records)
    rows = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [row["fatalities"] for row in rows] == [r.fatalities for r in records]
    assert rows[0]["casualties"][0]["text"] == "12"


def test_csv_has_acled_columns_and_parses_back() -> None:
    records = [r for _, _, rs in _sample_items() for r in rs]
    buf = io.StringIO(newline="")
    assert write_csv(records, buf) == len(records)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue(), newline="")))
    assert list(rows[0].keys()) == list(ACLED_COLUMNS)
    for column in ("event_date", "event_type", "sub_event_type", "actor1", "actor2", "location", "fatalities",
                   "notes", "source"):
        assert column in rows[0]
    assert rows[0]["event_type"] == "Explosions/Remote violence"
    assert rows[0]["fatalities"] == "12" and rows[0]["source"] == "r-1"
    assert json.loads(rows[0]["casualties_json"])[0]["status"] == "killed"
    assert rows[0]["notes"] == records[0].text  # newlines and quotes survive


class _Reader(HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.depth_in_text = 0
        self.texts: list[str] = []
        self.current: list[str] = []
        self.html_attrs: dict = {}
        self.marks: list[dict] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_attrs = a
        for key in ("src", "href"):
            if key in a:
                self.external.append(a[key])
        if tag == "link":
            self.external.append("link")
        if tag in self.VOID:
            return
        if self.depth_in_text:
            self.depth_in_text += 1
            if tag == "mark":
                self.marks.append(a)
        elif tag == "div" and "report-text" in (a.get("class") or ""):
            self.depth_in_text = 1
            self.current = []
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> after {self.stack[-3:]}"
        self.stack.pop()
        if self.depth_in_text:
            self.depth_in_text -= 1
            if self.depth_in_text == 0:
                self.texts.append("".join(self.current))

    def handle_data(self, data):
        if self.depth_in_text:
            self.current.append(data)


def test_html_is_self_contained_and_text_round_trips() -> None:
    items = _sample_items()
    page = render_html(items, "تقرير <تجريبي>")
    reader = _Reader()
    reader.feed(page)
    reader.close()
    assert reader.stack == []  # every element closed, in order
    assert reader.html_attrs == {"lang": "ar", "dir": "rtl"}
    assert reader.external == []
    assert "http" not in page and "@import" not in page and "url(" not in page
    assert reader.texts == [text for text, _, _ in items]  # escaped exactly, offsets intact
    labels = [m["data-label"] for m in reader.marks]
    assert labels[:3] == ["FACTION", "LOCATION", "DATE"] and "NEWLABEL 0.50" in labels
    assert all(m.get("title") == m["data-label"] for m in reader.marks)
    for label in ("FACTION", "LOCATION", "OPERATION", "CASUALTY", "DATE"):
        assert f"mark.ent-{label}" in page  # colour rule per label
    # the second report's only trigger word lies inside an entity, so it has no events
    assert page.count('<table class="events">') == 1 and "لا أحداث" in page
    assert "<title>تقرير &lt;تجريبي&gt;</title>" in page


# ---------------------------------------------------------------------------------------------------------------
# Corpus runs

# Hand-checked casualty spans from data/annotations/markup: each row was decided by reading its sentence.
# doc | span text | occurrence of that text in the doc | count_min | count_max | qualifier | status
GOLD = """
irq-001|ما لا يقل عن 23|0|23|-|at_least|killed
irq-001|العشرات|0|20|99|vague|captured
irq-002|نحو 200|0|200|200|approximately|killed
irq-002|مئات|0|200|999|vague|captured
irq-002|أكثر من 1500|0|1500|-|at_least|missing
irq-003|17|0|17|17|exact|killed
irq-003|أكثر من 60|0|60|-|at_least|wounded
irq-003|14|0|14|14|exact|captured
irq-004|على الأقل 48|0|48|-|at_least|killed
irq-004|أربعة|0|4|4|exact|wounded
irq-005|نحو 350|0|350|350|approximately|killed
irq-005|تسعة|0|9|9|exact|killed
irq-006|ثلاثة عشر|0|13|13|exact|killed
irq-006|١٨|0|18|18|exact|captured
irq-006|حوالي 30|0|30|30|approximately|wounded
irq-007|643|0|643|643|exact|missing
irq-007|49|0|49|-|at_least|killed
irq-007|أكثر من 1800|0|1800|-|at_least|killed
irq-007|العشرات|0|20|99|vague|killed
irq-008|عشرات|0|20|99|vague|killed
irq-008|خمسة عشر|0|15|15|exact|wounded
irq-009|٢٢|0|22|22|exact|killed
irq-009|نحو ٤٠|0|40|40|approximately|wounded
irq-009|27|0|27|27|exact|captured
irq-010|أكثر من 70|0|70|-|at_least|killed
irq-010|ثلاثة|0|3|3|exact|killed
irq-010|11|0|11|11|exact|wounded
irq-010|ستة|0|6|6|exact|wounded
irq-011|قرابة 20|0|20|20|approximately|killed
irq-012|أكثر من 5800|0|5800|-|at_least|killed
irq-012|نحو ١٩٠٠٠|0|19000|19000|approximately|wounded
irq-012|المئات|0|200|999|vague|missing
irq-012|ما لا يقل عن 400|0|400|-|at_least|killed
irq-012|نحو 120|0|120|120|approximately|captured
irq-013|٩|0|9|9|exact|killed
irq-013|٢٣|0|23|23|exact|wounded
irq-014|خمسة|0|5|-|at_least|killed
irq-015|سبعة|0|7|7|exact|captured
irq-015|اثنان|0|2|2|exact|killed
irq-015|٣|0|3|3|exact|wounded
irq-016|أربعة|0|4|4|exact|killed
irq-016|ثمانية|0|8|8|exact|wounded
irq-017|١١|0|11|11|exact|killed
irq-017|العشرات|0|20|99|vague|wounded
irq-018|11|0|11|11|exact|killed
irq-018|ما لا يقل عن 12|0|12|-|at_least|wounded
irq-018|اثنين|0|2|2|exact|captured
irq-019|تسعة|0|9|9|exact|killed
irq-019|نحو عشرين|0|20|20|approximately|killed
irq-019|أربعة|0|4|4|exact|killed
irq-020|ثلاثة|0|3|3|exact|killed
irq-020|17|0|17|-|at_least|killed
irq-021|أربعة|0|4|4|exact|killed
irq-021|ستة|0|6|6|exact|wounded
irq-021|19|0|19|19|exact|killed
irq-022|46|0|46|46|exact|killed
irq-022|١٢|0|12|12|exact|killed
irq-022|خمسة|0|5|5|exact|captured
yem-001|١٣|0|13|13|exact|killed
yem-001|خمسة|0|5|5|exact|killed
yem-002|١١|0|11|11|exact|killed
yem-002|أربعة|0|4|4|exact|killed
yem-002|نحو ٢٠|0|20|20|approximately|wounded
yem-002|عشرات|0|20|99|vague|wounded
yem-003|٣٧|0|37|37|exact|killed
yem-003|أكثر من ١٢٠|0|120|-|at_least|wounded
yem-003|١٧|0|17|17|exact|captured
yem-004|ما لا يقل عن ٢٢|0|22|-|at_least|killed
yem-004|ثلاثة|0|3|3|exact|killed
yem-005|٤٣|0|43|43|exact|killed
yem-005|نحو ١٥|0|15|15|approximately|captured
yem-005|سبعة|0|7|7|exact|killed
yem-006|٢٣|0|23|23|exact|killed
yem-006|تسعة|0|9|9|exact|killed
yem-006|٤١|0|41|41|exact|wounded
yem-006|أحد عشر|0|11|11|exact|missing
yem-006|ثمانية|0|8|8|exact|captured
yem-007|ستة|0|6|6|exact|killed
yem-007|ثلاثة|0|3|3|exact|killed
yem-007|٥٤|0|54|54|exact|killed
yem-008|قرابة ٣٠|0|30|30|approximately|killed
yem-008|ثلاثة|0|3|3|exact|killed
yem-008|١٤|0|14|14|exact|captured
yem-009|٥١|0|51|51|exact|killed
yem-009|٤٠|0|40|40|exact|killed
yem-009|٧٩|0|79|79|exact|wounded
yem-010|أكثر من ٢٥٠|0|250|-|at_least|killed
yem-010|٣١|0|31|31|exact|captured
yem-010|عشرات|0|20|99|vague|wounded
yem-010|أربعة|0|4|4|exact|killed
yem-011|ما لا يقل عن ٤٠|0|40|-|at_least|killed
yem-011|حوالي ٢٦٠|0|260|260|approximately|wounded
yem-011|١٩|0|19|19|exact|missing
yem-012|12|0|12|12|exact|killed
yem-012|أكثر من 50|0|50|-|at_least|captured
yem-012|عشرات|0|20|99|vague|unknown
yem-013|مئات|0|200|999|vague|killed
yem-013|نحو ٧٠|0|70|70|approximately|missing
yem-014|١٠٥٦|0|1056|1056|exact|captured
yem-014|٦٨١|0|681|681|exact|captured
yem-014|٣٧٥|0|375|375|exact|captured
yem-014|مئات|0|200|999|vague|captured
yem-014|أكثر من ثلاثمئة|0|300|-|at_least|missing
yem-015|٣٢|0|32|32|exact|killed
yem-015|١٦|0|16|16|exact|killed
yem-015|سبعة|0|7|7|exact|wounded
yem-015|٤|0|4|4|exact|wounded
yem-015|خمسة عشر|0|15|15|exact|missing
yem-016|٢٣٠|0|230|230|exact|captured
yem-016|عشرين|0|20|-|at_least|killed
yem-016|٩|0|9|9|exact|killed
yem-016|٣٥|0|35|35|exact|wounded
yem-017|٤٦|0|46|46|exact|killed
yem-017|ما لا يقل عن ثلاثين|0|30|-|at_least|captured
yem-017|٨|0|8|8|exact|missing
yem-018|أكثر من عشرين|0|20|-|at_least|killed
yem-018|ثمانية|0|8|8|exact|killed
yem-018|ثلاثة|0|3|3|exact|wounded
yem-019|تسعة|0|9|9|exact|killed
yem-019|خمسة|0|5|5|exact|killed
yem-019|٢٧|0|27|27|exact|missing
yem-020|ستة|0|6|6|exact|captured
yem-020|على الأقل ١٠|0|10|-|at_least|wounded
yem-021|نحو ٩٠٠|0|900|900|approximately|captured
yem-021|١٠٤|0|104|104|exact|captured
yem-021|ستة عشر|0|16|16|exact|captured
yem-021|أكثر من مئة|0|100|-|at_least|captured
yem-021|المئات|0|200|999|vague|missing
yem-022|ما لا يقل عن ٣٥|0|35|-|at_least|killed
yem-022|أكثر من 60|0|60|-|at_least|wounded
yem-022|٤٤|0|44|44|exact|captured
yem-022|عشرات|0|20|99|vague|missing
lss-001|24|0|24|24|exact|killed
lss-001|ما يزيد عن 120|0|120|-|at_least|wounded
lss-001|سبعة|0|7|7|exact|captured
lss-002|ما لا يقل عن 11|0|11|-|at_least|killed
lss-002|خمسة|0|5|5|exact|killed
lss-002|٢٣|0|23|23|exact|wounded
lss-003|ثلاثة عشر|0|13|-|at_least|killed
lss-003|أربعة|0|4|4|exact|killed
lss-003|نحو 30|0|30|30|approximately|captured
lss-003|ثلاثة|0|3|3|exact|killed
lss-004|51|0|51|51|exact|killed
lss-004|138|0|138|138|exact|wounded
lss-005|106|0|106|106|exact|killed
lss-005|أكثر من 200|0|200|-|at_least|missing
lss-006|32|0|32|32|exact|killed
lss-006|159|0|159|159|exact|wounded
lss-007|56|0|56|56|exact|killed
lss-007|595|0|595|595|exact|wounded
lss-007|ثلاثة|0|3|3|exact|killed
lss-008|أكثر من 1,100|0|1100|-|at_least|killed
lss-008|العشرات|0|20|99|vague|killed
lss-009|على الأقل ٤٧|0|47|-|at_least|killed
lss-009|مئات|0|200|999|vague|captured
lss-009|عشرين|0|20|20|exact|captured
lss-010|ما لا يقل عن 104|0|104|-|at_least|killed
lss-010|35|0|35|35|exact|killed
lss-010|عشرات|0|20|99|vague|wounded
lss-011|نحو 40|0|40|40|approximately|killed
lss-011|تسعة|0|9|9|exact|killed
lss-011|١٢|0|12|12|exact|wounded
lss-011|خمس|0|5|5|exact|wounded
lss-011|ما يزيد عن 2,000|0|2000|-|at_least|killed
lss-011|المئات|0|200|999|vague|missing
lss-012|أكثر من ألفين|0|2000|-|at_least|killed
lss-012|ثلاثة|0|3|3|exact|killed
lss-012|١٩|0|19|19|exact|killed
lss-013|276|0|276|276|exact|killed
lss-013|ما يزيد عن 300|0|300|-|at_least|wounded
lss-013|حوالي 70|0|70|70|approximately|missing
lss-013|عشرة|0|10|10|exact|killed
lss-014|26|0|26|26|exact|killed
lss-014|56|0|56|56|exact|wounded
lss-014|أربعة|0|4|4|exact|killed
lss-015|نحو 100|0|100|100|approximately|killed
lss-015|16|0|16|16|exact|captured
lss-015|30|0|30|30|exact|killed
lss-015|4|0|4|4|exact|killed
lss-016|37|0|37|-|at_least|killed
lss-016|212|0|212|212|exact|wounded
lss-016|ثلاثة|0|3|3|exact|killed
lss-016|عشرات|0|20|99|vague|unknown
lss-016|ستة|0|6|6|exact|killed
lss-017|نحو 20|0|20|20|approximately|killed
lss-017|أربعة|0|4|4|exact|killed
lss-017|١١|0|11|11|exact|wounded
lss-018|ما لا يقل عن 60|0|60|-|at_least|killed
lss-018|أكثر من 150|0|150|-|at_least|captured
lss-018|١٤|0|14|14|exact|wounded
lss-019|سبعة|0|7|7|exact|killed
lss-019|ثلاثة|0|3|3|exact|killed
lss-019|عشرة|0|10|-|at_least|killed
lss-019|٩|0|9|9|exact|captured
lss-019|خمسة|0|5|5|exact|killed
lss-020|55|0|55|55|exact|killed
lss-020|146|0|146|-|at_least|wounded
lss-021|أكثر من 400|0|400|-|at_least|killed
lss-021|تسعة|0|9|9|exact|killed
lss-021|عشرات|0|20|99|vague|missing
lss-022|ثلاثة|0|3|3|exact|killed
lss-022|قرابة عشرة|0|10|10|approximately|wounded
lss-022|٨|0|8|8|exact|killed
snw-001|ما لا يقل عن 50|0|50|-|at_least|killed
snw-001|أكثر من 40|0|40|-|at_least|killed
snw-001|خمسة عشر|0|15|15|exact|killed
snw-001|تسعة|0|9|9|exact|killed
snw-001|أربعة|0|4|4|exact|killed
snw-002|11|0|11|-|at_least|killed
snw-002|ثلاث|0|3|3|exact|killed
snw-002|مئات|0|200|999|vague|captured
snw-002|١٥٠|0|150|-|at_least|wounded
snw-003|58|0|58|58|exact|killed
snw-003|أحد عشر|0|11|11|exact|killed
snw-003|ثماني|0|8|8|exact|killed
snw-003|أكثر من 200|0|200|-|at_least|wounded
snw-004|سبعة|0|7|7|exact|killed
snw-004|11|0|11|11|exact|killed
snw-004|ثلاثة|0|3|3|exact|captured
snw-005|16|0|16|16|exact|killed
snw-005|حوالي 5|0|5|5|approximately|killed
snw-005|أكثر من 280|0|280|-|at_least|killed
snw-005|نحو 1500|0|1500|1500|approximately|killed
snw-005|عشرات|0|20|99|vague|missing
snw-006|ثلاثة|0|3|3|exact|killed
snw-006|خمسة|0|5|5|exact|wounded
snw-006|68|0|68|68|exact|killed
snw-007|22|0|22|22|exact|killed
snw-007|19|0|19|19|exact|killed
snw-007|خمسة|0|5|5|exact|killed
snw-008|ثلاثة|0|3|3|exact|killed
snw-008|عشرات|0|20|99|vague|wounded
snw-008|أكثر من 950|0|950|-|at_least|killed
snw-008|٢٣٠|0|230|230|exact|killed
snw-009|سبعة وعشرين|0|27|27|exact|killed
snw-009|أحد عشر|0|11|11|exact|killed
snw-009|ثلاثة|0|3|3|exact|captured
snw-009|ثمانية|0|8|8|exact|killed
snw-009|خمسة|0|5|5|exact|killed
snw-010|خمسة وعشرين|0|25|25|exact|killed
snw-010|على الأقل 10|0|10|-|at_least|killed
snw-010|العشرات|0|20|99|vague|wounded
snw-010|ثلاثة|0|3|3|exact|missing
snw-011|ثمانية|0|8|8|exact|killed
snw-011|13|0|13|13|exact|killed
snw-011|نحو عشرين|0|20|20|approximately|killed
snw-012|33|0|33|33|exact|killed
snw-012|أكثر من 70|0|70|-|at_least|killed
snw-012|نحو 15|0|15|15|approximately|killed
snw-013|أربعة|0|4|4|exact|killed
snw-013|9|0|9|9|exact|wounded
snw-013|ما لا يقل عن 12|0|12|-|at_least|captured
snw-014|١١|0|11|11|exact|killed
snw-014|ستة|0|6|6|exact|killed
snw-014|خمسة|0|5|5|exact|wounded
snw-015|اثنين|0|2|2|exact|killed
snw-015|قرابة 20|0|20|20|approximately|killed
snw-015|حوالي 9|0|9|9|approximately|killed
snw-015|أربعة|0|4|4|exact|wounded
snw-016|عشرات|0|20|99|vague|killed
snw-016|15|0|15|15|exact|killed
snw-016|٦|0|6|6|exact|killed
snw-016|أكثر من 70|0|70|-|at_least|wounded
snw-016|أربعة|0|4|4|exact|killed
snw-017|نحو 40|0|40|40|approximately|killed
snw-017|سبعة|0|7|7|exact|captured
snw-017|23|0|23|23|exact|killed
snw-018|تسعة|0|9|9|exact|killed
snw-018|خمسة|0|5|5|exact|killed
snw-018|أكثر من 25|0|25|-|at_least|captured
snw-019|أربعين|0|40|40|exact|killed
snw-019|١١|0|11|11|exact|killed
snw-019|ستة|0|6|6|exact|killed
snw-019|أربعة|0|4|4|exact|wounded
snw-020|أكثر من 60|0|60|-|at_least|killed
snw-020|تسعة|0|9|9|exact|captured
snw-020|قرابة 12|0|12|12|approximately|killed
snw-020|خمسة|0|5|5|exact|missing
snw-021|9|0|9|9|exact|killed
snw-021|ثلاثة|0|3|3|exact|killed
snw-021|ما لا يقل عن 75|0|75|-|at_least|wounded
snw-021|17|0|17|17|exact|killed
snw-022|أكثر من 250|0|250|-|at_least|killed
snw-022|نحو 130|0|130|130|approximately|killed
snw-022|قرابة 90|0|90|90|approximately|killed
snw-022|أربعة وعشرين|0|24|24|exact|killed
snw-022|العشرات|0|20|99|vague|captured
snw-022|أربعة|0|4|4|exact|killed
ssc-001|ما لا يقل عن 17|0|17|-|at_least|killed
ssc-001|11|0|11|-|at_least|killed
ssc-002|تسعة|0|9|9|exact|killed
ssc-002|ثلاثة|0|3|3|exact|killed
ssc-002|أكثر من 40|0|40|-|at_least|wounded
ssc-002|خمسة|0|5|5|exact|captured
ssc-003|أكثر من 50|0|50|-|at_least|killed
ssc-003|نحو 80|0|80|80|approximately|killed
ssc-003|العشرات|0|20|99|vague|captured
ssc-004|٧|0|7|7|exact|killed
ssc-004|١٥|0|15|15|exact|wounded
ssc-004|22|0|22|22|exact|killed
ssc-004|14|0|14|-|at_least|killed
ssc-005|ما لا يقل عن 113|0|113|-|at_least|killed
ssc-005|حوالي 250|0|250|250|approximately|killed
ssc-006|15|0|15|-|at_least|killed
ssc-006|نحو 20|0|20|20|approximately|wounded
ssc-006|أكثر من 30|0|30|-|at_least|killed
ssc-006|أربعة|0|4|4|exact|captured
ssc-007|٤١|0|41|41|exact|killed
ssc-007|١٣|0|13|13|exact|killed
ssc-007|أكثر من 500|0|500|-|at_least|killed
ssc-007|2000|0|2000|-|at_least|wounded
ssc-007|ستة|0|6|6|exact|wounded
ssc-008|العشرات|0|20|99|vague|killed
ssc-008|أكثر من 500|0|500|-|at_least|wounded
ssc-008|مئات|0|200|999|vague|captured
ssc-008|قرابة 1700|0|1700|1700|approximately|killed
ssc-009|219 على الأقل|0|219|-|at_least|killed
ssc-009|حوالي 190|0|190|190|approximately|killed
ssc-010|عشرة|0|10|10|exact|killed
ssc-010|نحو 35|0|35|35|approximately|wounded
ssc-011|215|0|215|215|exact|killed
ssc-011|٩٤|0|94|-|at_least|killed
ssc-011|قرابة 180|0|180|180|approximately|wounded
ssc-011|خمسة عشر|0|15|15|exact|wounded
ssc-011|أكثر من 30|0|30|-|at_least|captured
ssc-012|21|0|21|-|at_least|killed
ssc-012|12|0|12|12|exact|killed
ssc-013|تسعة|0|9|9|exact|killed
ssc-013|ثلاثة|0|3|3|exact|killed
ssc-013|خمسة|0|5|5|exact|wounded
ssc-013|44|0|44|44|exact|killed
ssc-014|٢٧|0|27|-|at_least|killed
ssc-014|11|0|11|11|exact|killed
ssc-015|أكثر من 60|0|60|-|at_least|captured
ssc-015|حوالي 25|0|25|25|approximately|captured
ssc-015|ثمانية|0|8|8|exact|killed
ssc-015|ثلاث|0|3|3|exact|killed
ssc-015|١٢|0|12|12|exact|killed
ssc-015|7|0|7|7|exact|killed
ssc-016|ما لا يقل عن 24|0|24|-|at_least|killed
ssc-016|16|0|16|16|exact|killed
ssc-016|تسعة|0|9|9|exact|killed
ssc-016|خمسة|0|5|5|exact|captured
ssc-017|ثلاثة عشر|0|13|13|exact|killed
ssc-017|أربعة|0|4|4|exact|missing
ssc-017|نحو 10|0|10|10|approximately|wounded
ssc-017|٣٧٠|0|370|370|exact|killed
ssc-018|17|0|17|17|exact|killed
ssc-018|٣|0|3|3|exact|killed
ssc-018|ما لا يقل عن 20|0|20|-|at_least|wounded
ssc-018|ستة|0|6|6|exact|captured
ssc-019|أكثر من 300|0|300|-|at_least|killed
ssc-019|عشرات|0|20|99|vague|killed
ssc-019|مئات|0|200|999|vague|captured
ssc-019|4|0|4|4|exact|wounded
ssc-020|حوالي عشرين|0|20|20|approximately|killed
ssc-020|خمسة|0|5|5|exact|captured
ssc-020|١٨|0|18|18|exact|wounded
ssc-021|16|0|16|16|exact|killed
ssc-021|ثمانية|0|8|8|exact|killed
ssc-021|ثلاثة|0|3|3|exact|killed
ssc-021|على الأقل سبعة|0|7|-|at_least|wounded
ssc-022|٥٣|0|53|-|at_least|killed
ssc-022|سبعة|0|7|7|exact|killed
ssc-022|عشرات|0|20|99|vague|missing
ssc-022|أكثر من 100|0|100|-|at_least|killed
ssc-022|ثلاثة|0|3|3|exact|wounded
"""
MIN_ACCURACY = 0.95


def _gold() -> dict[tuple[str, str, int], tuple]:
    table = {}
    for line in GOLD.strip().splitlines():
        doc, text, occ, lo, hi, qualifier, status = line.split("|")
        table[(doc, text, int(occ))] = (None if lo == "-" else int(lo), None if hi == "-" else int(hi), qualifier, status)
    return table


@lru_cache(maxsize=1)
def _markup_docs() -> dict[str, list]:
    by_doc: dict[str, list] = {}
    for path in sorted(MARKUP.glob("*.txt")):
        docs, _problems = parse_markup(path)
        for d in docs:
            by_doc.setdefault(d.meta["doc"], []).append(d)
    return by_doc


def _score(predicted: dict[tuple[str, str, int], tuple]) -> tuple[int, list[str]]:
    gold = _gold()
    found = [key for key in gold if key in predicted]
    wrong = [f"{key}: expected {gold[key]}, got {predicted[key]}" for key in found if predicted[key] != gold[key]]
    return len(found), wrong


def _read_casualties(groups: dict[str, list[tuple[str, list[Entity], str | None]]]) -> dict[tuple[str, str, int], tuple]:
    """Run build_events on each group of (text, entities, date) and key its casualties like the gold table."""
    out = {}
    for doc_id, parts in groups.items():
        seen: dict[str, int] = {}
        for text, entities, date in parts:
            by_span = {}
            for record in build_events(text, entities, date, doc_id):
                for c in record.casualties:
                    assert text[c.start : c.end] == c.text
                    by_span[(c.start, c.end)] = (c.count_min, c.count_max, c.qualifier, c.status)
            for e in entities:
                if e.label == "CASUALTY":
                    occ = seen.get(e.text, 0)
                    seen[e.text] = occ + 1
                    out[(doc_id, e.text, occ)] = by_span.get((e.start, e.end), ("no record",))
    return out


def test_gold_table_is_hand_checked_and_large_enough() -> None:
    gold = _gold()
    assert len(gold) >= 40
    assert len({doc.split("-")[0] for doc, _, _ in gold}) >= 4  # spans from several files


@pytest.mark.skipif(not MARKUP.is_dir() or not any(MARKUP.glob("*.txt")), reason="no markup files in data/annotations/markup")
def test_casualty_fields_on_markup_reports() -> None:
    """Whole reports (sentences joined) against the hand-checked table: >= 95% of the spans fully right."""
    groups = {}
    for doc_id, docs in _markup_docs().items():
        text, entities = join_sentences([(d.text, d.entities) for d in docs], sep="\n")
        groups[doc_id] = [(text, entities, docs[0].meta.get("date"))]
    found, wrong = _score(_read_casualties(groups))
    assert found >= 40, f"only {found} hand-checked spans found in the markup files"
    accuracy = 1 - len(wrong) / found
    assert accuracy >= MIN_ACCURACY, f"{accuracy:.1%} of {found} right:\n" + "\n".join(wrong)


@pytest.mark.skipif(not TEST_JSONL.exists(), reason="data/annotations/test.jsonl not generated yet (war-ner markup ...)")
def test_build_events_on_every_test_record() -> None:
    """Every test-split sentence builds (gold entities, one sentence at a time); hand-checked spans stay >= 95%."""
    docs, problems = read_jsonl(TEST_JSONL)
    assert not problems, problems[:5]
    groups: dict[str, list] = {}
    for d in docs:
        groups.setdefault(d.meta.get("doc", d.id), []).append((d.text, d.entities, d.meta.get("date")))
    predicted = _read_casualties(groups)
    assert len(predicted) == sum(1 for d in docs for e in d.entities if e.label == "CASUALTY")
    found, wrong = _score(predicted)
    assert found >= 40, f"only {found} hand-checked spans found in the test split"
    assert 1 - len(wrong) / found >= MIN_ACCURACY, "\n".join(wrong)
