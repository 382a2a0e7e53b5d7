"""Validator: clean input and the train.corpus reader's line-level rules, each failing example and message pinned."""
from __future__ import annotations

import re

import pytest

from train.corpus import read_jsonl
from train.validate import validate_paths
from tests._validate_helpers import TEXT, assert_one, problems_of, record, span, write


# ---------------------------------------------------------------- clean input


def test_clean_file_has_no_problem(tmp_path):
    _, problems = problems_of(tmp_path, record(), record("r1-2", text="انسحبت القوات بعد الظهر.", entities=[]))
    assert problems == []


def test_clean_three_splits_no_problem(tmp_path):
    write(tmp_path / "train.jsonl", record())
    write(tmp_path / "dev.jsonl", record("r2-1", text="هدوء حذر في المدينة.", entities=[], doc="r2", split="dev"))
    write(tmp_path / "test.jsonl", record("r3-1", text="عاد النازحون إلى منازلهم.", entities=[], doc="r3",
                                          split="test"))
    assert validate_paths([tmp_path]) == []


def test_blank_lines_are_skipped_and_line_numbers_kept(tmp_path):
    bad = record("r1-9", entities=[{"start": 0, "end": 5, "label": "ARMY", "text": TEXT[0:5]}])
    f, problems = problems_of(tmp_path, record(), "", "   ", bad)
    assert_one(problems, f"{f}:4", "r1-9", r"entity ARMY .*unknown label 'ARMY'")


# ---------------------------------------------------------------- line-level (reader) rules


def test_invalid_json(tmp_path):
    f, problems = problems_of(tmp_path, record(), '{"id": "r1-2", "text": "ناقص"')
    assert len(problems) == 1
    assert re.fullmatch(re.escape(f"{f}:2: invalid JSON (") + r"[^()]+\); expected one JSON object per line",
                        problems[0])


def test_non_object_line(tmp_path):
    f, problems = problems_of(tmp_path, "[1, 2, 3]", '"نص"')
    assert_one(problems, f"{f}:1", "", r"found a JSON list, expected an object per line")
    assert_one(problems, f"{f}:2", "", r"found a JSON str, expected an object per line")


@pytest.mark.parametrize("rid, shown", [(None, "None"), ("", "''"), (7, "7")])
def test_missing_or_empty_id(tmp_path, rid, shown):
    rec = record()
    if rid is None:
        del rec["id"]
    else:
        rec["id"] = rid
    f, problems = problems_of(tmp_path, rec)
    assert_one(problems, f"{f}:1", "", re.escape(f"id is {shown}, expected a non-empty string"))


@pytest.mark.parametrize("text, kind", [(None, "NoneType"), (12, "int"), (["أ"], "list")])
def test_text_not_a_string(tmp_path, text, kind):
    rec = record()
    rec["text"] = text
    f, problems = problems_of(tmp_path, rec)
    assert problems == [f"{f}:1 r1-1: text is {kind}, expected a string"]


def test_text_missing(tmp_path):
    rec = record()
    del rec["text"]
    f, problems = problems_of(tmp_path, rec)
    assert problems == [f"{f}:1 r1-1: text is NoneType, expected a string"]


@pytest.mark.parametrize("entities, kind", [({"start": 0}, "dict"), ("FACTION", "str"), (None, "NoneType")])
def test_entities_not_a_list(tmp_path, entities, kind):
    f, problems = problems_of(tmp_path, record(entities=entities))
    assert problems == [f"{f}:1 r1-1: entities is {kind}, expected a list"]


@pytest.mark.parametrize("item, kind", [([0, 5, "DATE"], "list"), ("DATE", "str"), (3, "int"), (None, "NoneType")])
def test_entity_not_an_object(tmp_path, item, kind):
    f, problems = problems_of(tmp_path, record(entities=[span(TEXT, "فجر اليوم", "DATE"), item]))
    assert_one(problems, f"{f}:1", "r1-1", re.escape(f"entity 1 is {kind}, expected an object"))


def test_entity_missing_keys(tmp_path):
    f, problems = problems_of(tmp_path, record(entities=[{"start": 0, "label": "DATE"}]))
    assert_one(problems, f"{f}:1", "r1-1", r"entity 0 lacks end, text; expected start, end, label and text")


def test_unknown_entity_keys(tmp_path):
    e = dict(span(TEXT, "فجر اليوم", "DATE"), score=0.9, note="x")
    f, problems = problems_of(tmp_path, record(entities=[e]))
    assert_one(problems, f"{f}:1", "r1-1",
               re.escape("entity 0 has unknown keys ['note', 'score']; expected only start, end, label, text"))


def test_unknown_record_keys(tmp_path):
    f, problems = problems_of(tmp_path, record(source="x", tags=[]))
    assert_one(problems, f"{f}:1", "r1-1",
               re.escape("unknown keys ['source', 'tags']; expected only id, text, entities, meta; remove them"))


def test_meta_not_an_object(tmp_path):
    rec = record()
    rec["meta"] = ["train"]
    f, problems = problems_of(tmp_path, rec)
    assert_one(problems, f"{f}:1", "r1-1", r"meta is list, expected an object or absent")


@pytest.mark.parametrize("start, end, shown", [("6", 18, "start='6' end=18"), (6.0, 18, "start=6.0 end=18"),
                                               (6, None, "start=6 end=None"), (True, 18, "start=True end=18")])
def test_non_integer_offsets(tmp_path, start, end, shown):
    e = {"start": start, "end": end, "label": "FACTION", "text": "وقوات النظام"}
    f, problems = problems_of(tmp_path, record(entities=[e]))
    assert_one(problems, f"{f}:1", "r1-1", re.escape(f"entity 0 has {shown}, expected integers"))


def test_non_string_label(tmp_path):
    e = {"start": 0, "end": 5, "label": 3, "text": TEXT[:5]}
    f, problems = problems_of(tmp_path, record(entities=[e]))
    assert_one(problems, f"{f}:1", "r1-1", re.escape("entity 0 has label=3 text='هاجمت', expected strings"))


@pytest.mark.parametrize("start, end", [(30, 60), (-1, 5), (5, 5), (9, 3)])
def test_offsets_out_of_range(tmp_path, start, end):
    e = {"start": start, "end": end, "label": "DATE", "text": TEXT[start:end] if start >= 0 else ""}
    f, problems = problems_of(tmp_path, record(entities=[e]))
    assert_one(problems, f"{f}:1", "r1-1",
               re.escape(f"entity 0 DATE has offsets {start}-{end} outside the text (length {len(TEXT)})"))


def test_entity_text_differs_from_the_slice(tmp_path):
    good = span(TEXT, "فجر اليوم", "DATE")
    bad = dict(good, start=good["start"] + 1, end=good["end"] + 1)
    f, problems = problems_of(tmp_path, record(entities=[bad]))
    s, e = bad["start"], bad["end"]
    msg = assert_one(problems, f"{f}:1", "r1-1",
                     re.escape(f"entity 0 DATE text 'فجر اليوم' != text[{s}:{e}] {TEXT[s:e]!r}"))
    assert msg.endswith("regenerate offsets from the markup")


def test_one_bad_entity_drops_the_whole_record(tmp_path):
    """The reader never loads part of a record: a bad entity means no document."""
    rec = record(entities=[span(TEXT, "فجر اليوم", "DATE"), {"start": 0}])
    f = write(tmp_path / "train.jsonl", rec)
    docs, problems = read_jsonl(f)
    assert docs == [] and len(problems) == 1
