"""Validator: corpus rules (check_corpus), file-level input errors and the `war-ner validate` CLI."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from model.errors import InputError, MissingInput
from train.cli import main
from train.corpus import Document, Problem, parse_record
from train.validate import check_corpus, check_document, validate_paths
from tests._validate_helpers import TEXT, assert_one, problems_of, record, span, write


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
