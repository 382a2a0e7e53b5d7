"""Validator: record rules (train.validate.check_document), each failing example and its message pinned."""
from __future__ import annotations

import re

import pytest

from train.validate import validate_paths
from tests._validate_helpers import TEXT, assert_one, problems_of, record, span, write


# ---------------------------------------------------------------- record rules (check_document)


def test_unknown_label(tmp_path):
    f, problems = problems_of(tmp_path, record(entities=[span(TEXT, "وقوات النظام", "ARMY")]))
    assert problems == [
        f"{f}:1 r1-1: entity ARMY 'وقوات النظام' at 6-18: unknown label 'ARMY'; "
        "expected one of FACTION, LOCATION, OPERATION, CASUALTY, DATE, PERSON"
    ]


def test_any_labels_accepted_with_labels_none(tmp_path):
    write(tmp_path / "train.jsonl", record(entities=[span(TEXT, "وقوات النظام", "ORG")]))
    assert validate_paths([tmp_path], labels=None) == []


def test_span_after_the_clitic_is_not_on_word_boundaries(tmp_path):
    text = "تقدمت وقوات النظام نحو التلة."
    start = text.index("قوات النظام")
    e = {"start": start, "end": start + len("قوات النظام"), "label": "FACTION", "text": "قوات النظام"}
    f, problems = problems_of(tmp_path, record(text=text, entities=[e]))
    msg = assert_one(problems, f"{f}:1", "r1-1",
                     re.escape(f"entity FACTION 'قوات النظام' at {start}-{start + 11}: "
                               "span does not start and end on word boundaries; expected whole words"))
    assert re.search(r"glued clitic such as و/ب/ل belongs inside the span", msg)


def test_span_ending_inside_a_word(tmp_path):
    text = "قصفت الطائرات بلدة الغديرات."
    s = text.index("بلدة")
    e = {"start": s, "end": s + len("بلدة الغدير"), "label": "LOCATION", "text": "بلدة الغدير"}
    f, problems = problems_of(tmp_path, record(text=text, entities=[e]))
    assert_one(problems, f"{f}:1", "r1-1", r"entity LOCATION 'بلدة الغدير' .*not start and end on word bound")


def test_final_full_stop_inside_the_span_is_aligned_but_quote_rule_kept(tmp_path):
    """A span that takes the final '.' is on word boundaries (the validator cannot tell it apart)."""
    text = "قصفت الطائرات بلدة الغدير."
    e = span(text, "بلدة الغدير.", "LOCATION")
    _, problems = problems_of(tmp_path, record(text=text, entities=[e]))
    assert problems == []


@pytest.mark.parametrize("surface", ["بلدة الغدير ", " بلدة الغدير"])
def test_whitespace_at_span_edge(tmp_path, surface):
    f, problems = problems_of(tmp_path, record(entities=[span(TEXT, surface, "LOCATION")]))
    s = TEXT.index(surface)
    assert problems == [
        f"{f}:1 r1-1: entity LOCATION {surface!r} at {s}-{s + len(surface)}: span has whitespace at its edge; "
        "expected none; move the offsets onto the word"
    ]


def test_overlapping_spans(tmp_path):
    a = span(TEXT, "بلدة الغدير", "LOCATION")
    b = span(TEXT, "الغدير فجر اليوم", "DATE")
    f, problems = problems_of(tmp_path, record(entities=[a, b]))
    assert_one(problems, f"{f}:1", "r1-1",
               re.escape(f"entity DATE 'الغدير فجر اليوم' at {b['start']}-{b['end']}: overlaps or precedes "
                         f"LOCATION 'بلدة الغدير' at {a['start']}-{a['end']}; expected sorted, non-overlapping"))


def test_unsorted_spans(tmp_path):
    a = span(TEXT, "وقوات النظام", "FACTION")
    b = span(TEXT, "فجر اليوم", "DATE")
    f, problems = problems_of(tmp_path, record(entities=[b, a]))
    assert problems == [
        f"{f}:1 r1-1: entity FACTION 'وقوات النظام' at 6-18: overlaps or precedes DATE 'فجر اليوم' at "
        f"{b['start']}-{b['end']}; expected sorted, non-overlapping spans; keep one of them"
    ]


def test_same_span_twice_overlaps(tmp_path):
    a = span(TEXT, "فجر اليوم", "DATE")
    f, problems = problems_of(tmp_path, record(entities=[a, a]))
    assert_one(problems, f"{f}:1", "r1-1", r"entity DATE 'فجر اليوم' .*overlaps or precedes DATE")


@pytest.mark.parametrize("text", [" هدوء في المدينة.", "هدوء في المدينة.\n", "هدوء في المدينة.\u00a0"])
def test_text_with_leading_or_trailing_whitespace(tmp_path, text):
    f, problems = problems_of(tmp_path, record(text=text, entities=[]))
    assert problems == [f"{f}:1 r1-1: text has leading or trailing whitespace; expected none; strip the sentence"]


@pytest.mark.parametrize("doc", [None, "", 5])
def test_meta_doc_missing(tmp_path, doc):
    rec = record()
    if doc is None:
        del rec["meta"]["doc"]
    else:
        rec["meta"]["doc"] = doc
    f, problems = problems_of(tmp_path, rec)
    assert problems == [f"{f}:1 r1-1: meta.doc is {doc!r}; expected the report id (a non-empty string)"]


def test_meta_absent_reports_each_field(tmp_path):
    rec = record()
    del rec["meta"]
    f, problems = problems_of(tmp_path, rec)
    assert len(problems) == 3
    assert_one(problems, f"{f}:1", "r1-1", r"meta\.doc is None")
    assert_one(problems, f"{f}:1", "r1-1", r"meta\.split is None")
    assert_one(problems, f"{f}:1", "r1-1", r"meta\.date is None")


@pytest.mark.parametrize("split", ["validation", "Train", "", None])
def test_meta_split_invalid(tmp_path, split):
    f, problems = problems_of(tmp_path, record(split=split))
    assert problems == [f"{f}:1 r1-1: meta.split is {split!r}; expected one of train, dev, test"]


@pytest.mark.parametrize("date", ["2017-13-01", "yesterday", "2017-02-30", "2017-6-6", "06/06/2017",
                                  "2017-06-06T10:00", "٢٠١٧-٠٦-٠٦", "2019-W01-1", "20170606", None, 20170606])
def test_meta_date_invalid(tmp_path, date):
    f, problems = problems_of(tmp_path, record(date=date))
    assert problems == [f"{f}:1 r1-1: meta.date is {date!r}; expected the report date as YYYY-MM-DD"]


def test_meta_date_valid_leap_day(tmp_path):
    _, problems = problems_of(tmp_path, record(date="2016-02-29"))
    assert problems == []
