"""Every validator rule (train.corpus reader + train.validate) with a failing example and its message pinned."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from model.errors import InputError, MissingInput
from train.cli import main
from train.corpus import Document, Problem, parse_record, read_jsonl
from train.validate import check_corpus, check_document, validate_paths

TEXT = "هاجمت وقوات النظام بلدة الغدير فجر اليوم."


def span(text: str, surface: str, label: str) -> dict:
    start = text.index(surface)
    return {"start": start, "end": start + len(surface), "label": label, "text": surface}


_DEFAULT = object()


def record(rid: str = "r1-1", text: str = TEXT, entities=_DEFAULT, doc: str = "r1", split: str = "train",
           date: str = "2018-03-04", **extra) -> dict:
    if entities is _DEFAULT:
        entities = [span(text, "وقوات النظام", "FACTION"), span(text, "بلدة الغدير", "LOCATION"),
                    span(text, "فجر اليوم", "DATE")]
    rec = {"id": rid, "text": text, "entities": entities, "meta": {"doc": doc, "date": date, "split": split}}
    rec.update(extra)
    return rec


def write(path: Path, *lines) -> Path:
    """Write JSONL lines: dicts are dumped, strings written as they are."""
    path.write_text(
        "".join((json.dumps(x, ensure_ascii=False) if isinstance(x, dict) else x) + "\n" for x in lines),
        encoding="utf-8",
    )
    return path


def problems_of(tmp_path: Path, *lines, name: str = "train.jsonl") -> tuple[Path, list[str]]:
    f = write(tmp_path / name, *lines)
    return f, [str(p) for p in validate_paths([tmp_path])]


def assert_one(problems: list[str], where: str, rid: str, pattern: str) -> str:
    """Exactly one problem matches ``where rid: pattern``; return it."""
    head = re.escape(where) + (" " + re.escape(rid) if rid else "") + ": "
    hits = [p for p in problems if re.match(head + pattern, p)]
    assert len(hits) == 1, f"expected one problem like {head + pattern!r} in {problems!r}"
    return hits[0]


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


# ---------------------------------------------------------------- corpus rules (check_corpus)


def test_duplicate_id_across_two_files(tmp_path):
    write(tmp_path / "dev.jsonl", record("x-1", text="هدوء في البلدة.", entities=[], doc="x", split="dev"))
    write(tmp_path / "train.jsonl", record(), record("x-1", text="قصف على البلدة.", entities=[], doc="y"))
    problems = [str(p) for p in validate_paths([tmp_path])]
    assert problems == [
        f"{tmp_path / 'train.jsonl'}:2 x-1: duplicate id (first at {tmp_path / 'dev.jsonl'}:1); "
        "expected unique ids across all files; rename one"
    ]


def test_duplicate_id_in_one_file(tmp_path):
    f, problems = problems_of(tmp_path, record(), record(text="نص آخر مختلف.", entities=[]))
    assert_one(problems, f"{f}:2", "r1-1", re.escape(f"duplicate id (first at {f}:1)"))


def test_record_split_differs_from_its_file(tmp_path):
    f, problems = problems_of(tmp_path, record(), record("r9-1", text="هدوء.", entities=[], doc="r9", split="dev"))
    assert problems == [
        f"{f}:2 r9-1: meta.split is 'dev' but the file is the train file; expected 'train'; "
        "move the record or fix its split"
    ]


def test_other_file_names_have_no_split_of_their_own(tmp_path):
    write(tmp_path / "extra.jsonl", record(), record("r9-1", text="هدوء.", entities=[], doc="r9", split="dev"))
    assert validate_paths([tmp_path]) == []


def test_same_report_in_two_splits(tmp_path):
    write(tmp_path / "train.jsonl", record())
    write(tmp_path / "dev.jsonl", record("r1-2", text="انسحبت القوات مساء.", entities=[], split="dev"))
    problems = [str(p) for p in validate_paths([tmp_path])]
    # dev.jsonl is read first (files are sorted), so the train record is the one reported
    assert problems == [
        f"{tmp_path / 'train.jsonl'}:1 r1-1: report 'r1' is in train and in dev ({tmp_path / 'dev.jsonl'}:1); "
        "expected one split per report; move the whole report"
    ]


def test_same_sentence_in_two_splits(tmp_path):
    write(tmp_path / "test.jsonl", record("t-1", text="هدوء  حذر\tفي المدينة.", entities=[], doc="t",
                                          split="test"))
    write(tmp_path / "train.jsonl", record("a-1", text="هدوء حذر في المدينة.", entities=[], doc="a"))
    problems = [str(p) for p in validate_paths([tmp_path])]
    assert problems == [
        f"{tmp_path / 'train.jsonl'}:1 a-1: the same sentence is in train and in test "
        f"({tmp_path / 'test.jsonl'}:1 t-1); expected no sentence in two splits; reword or drop one"
    ]


def test_same_sentence_in_one_split_is_fine(tmp_path):
    _, problems = problems_of(tmp_path, record(), record("r1-2"))
    assert problems == []


def test_check_corpus_directly():
    a = Document("a-1", "نص.", [], {"doc": "a", "split": "train", "date": "2018-01-01"}, "f.jsonl:1")
    b = Document("a-1", "نص.", [], {"doc": "a", "split": "dev", "date": "2018-01-01"}, "g.jsonl:3")
    found = [str(p) for p in check_corpus([a, b], {})]
    assert len(found) == 3
    assert found[0].startswith("g.jsonl:3 a-1: duplicate id (first at f.jsonl:1)")
    assert found[1].startswith("g.jsonl:3 a-1: report 'a' is in dev and in train (f.jsonl:1)")
    assert found[2].startswith("g.jsonl:3 a-1: the same sentence is in dev and in train (f.jsonl:1 a-1)")


def test_check_document_without_meta():
    d = Document("x", "نص قصير", [], {}, "m.txt:2")
    assert check_document(d, need_meta=False) == []
    assert len(check_document(d)) == 3


# ---------------------------------------------------------------- file rules


# A path that is not a corpus at all is an input error (exit 2), not a corpus with problems (exit 1).
def test_non_utf8_file(tmp_path):
    f = tmp_path / "train.jsonl"
    f.write_bytes(json.dumps(record(), ensure_ascii=False).encode("cp1256") + b"\n")
    with pytest.raises(InputError, match=re.escape(f"{f}: not UTF-8 text (byte 0x") + r"[0-9a-f]{2} at offset \d+\); "
                       "expected a UTF-8 JSONL corpus file"):
        validate_paths([tmp_path])


def test_no_jsonl_found(tmp_path):
    (tmp_path / "notes.txt").write_text("لا شيء", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"{tmp_path}: a folder with no *.jsonl file; expected a JSONL")):
        validate_paths([tmp_path])


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(MissingInput, match=re.escape(f"{missing}: no such file; expected a UTF-8 JSONL corpus file")):
        validate_paths([missing])


def test_every_problem_has_a_location(tmp_path):
    lines = [
        record(),
        "not json",
        record("r1-3", text=" فيه مسافة", entities=[{"start": 0, "end": 2}], tags=1),
        record("r1-4", text="قتل عنصرين", entities=[span("قتل عنصرين", "عنصرين", "ARMY")], split="x",
               date="yesterday"),
    ]
    f, problems = problems_of(tmp_path, *lines)
    assert problems
    for p in problems:
        m = re.match(re.escape(str(f)) + r":(\d+)( r1-\d)?: \S", p)
        assert m, p
        line = int(m.group(1))
        if line >= 3:
            assert m.group(2) == f" r1-{line}", p


def test_problem_str():
    assert str(Problem("a.jsonl:3", "x-1", "bad")) == "a.jsonl:3 x-1: bad"
    assert str(Problem("a.jsonl:3", "", "bad")) == "a.jsonl:3: bad"


def test_parse_record_reports_location_and_id():
    doc, problems = parse_record(json.dumps({"id": "q-1", "text": 5}), "f.jsonl:9")
    assert doc is None
    assert [str(p) for p in problems] == ["f.jsonl:9 q-1: text is int, expected a string"]


# ---------------------------------------------------------------- CLI


def test_cli_validate_reports_problems(tmp_path, capsys):
    good = record()
    bad = record("r1-2", text="هاجمت وقوات النظام.", entities=[span("هاجمت وقوات النظام.", "قوات النظام", "FACTION")])
    write(tmp_path / "train.jsonl", good, bad, "[]")
    code = main(["validate", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    f = tmp_path / "train.jsonl"
    assert len(lines) == 2
    # reader problems come first, then the record and corpus rules
    assert lines[0] == f"{f}:3: found a JSON list, expected an object per line"
    assert lines[1].startswith(f"{f}:2 r1-2: entity FACTION 'قوات النظام' at 7-18: span does not start")
    assert "2 problem(s)" in err


def test_cli_validate_clean_dir(tmp_path, capsys):
    write(tmp_path / "train.jsonl", record())
    code = main(["validate", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0
    assert out == ""
    assert "ok: no problems" in err


def test_cli_validate_any_labels(tmp_path, capsys):
    write(tmp_path / "train.jsonl", record(entities=[span(TEXT, "وقوات النظام", "ORG")]))
    assert main(["validate", str(tmp_path)]) == 1
    assert main(["validate", "--any-labels", str(tmp_path)]) == 0
    capsys.readouterr()


def test_cli_validate_empty_dir(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2  # nothing to check: an input error, not problems found
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"war-ner validate: error: {tmp_path}: a folder with no *.jsonl file")


def test_cli_validate_subprocess(tmp_path):
    write(tmp_path / "train.jsonl", record(), record(split="dev"))
    exe = Path(sys.executable).with_name("war-ner")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "train.cli"]
    bad = subprocess.run(cmd + ["validate", str(tmp_path)], capture_output=True, text=True, encoding="utf-8")
    assert bad.returncode == 1
    assert re.search(re.escape(f"{tmp_path / 'train.jsonl'}:2 r1-1: duplicate id"), bad.stdout)
    assert re.search(re.escape(f"{tmp_path / 'train.jsonl'}:2 r1-1: meta.split is 'dev' but the file"), bad.stdout)
    write(tmp_path / "train.jsonl", record())
    ok = subprocess.run(cmd + ["validate", str(tmp_path)], capture_output=True, text=True, encoding="utf-8")
    assert ok.returncode == 0, ok.stdout + ok.stderr
