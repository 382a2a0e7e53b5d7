"""Event records from (text, entities): offsets index the input for any entities, and the JSONL/CSV/HTML exports."""
from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from model.events import ACLED_COLUMNS, EventRecord, build_events, join_sentences
from model.export import render_html, write_csv, write_jsonl
from model.spans import Entity
from tests._events_helpers import marked

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
