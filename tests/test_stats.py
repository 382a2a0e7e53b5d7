"""Corpus statistics (train.stats) and ``war-ner stats``."""
from __future__ import annotations

import json

from model.spans import Entity
from train.cli import main
from train.corpus import Document, write_jsonl_atomic
from train.stats import corpus_stats, format_stats


def doc(rid: str, text: str, spans: list[tuple[str, str]], report: str, split: str | None) -> Document:
    entities = []
    for surface, label in spans:
        start = text.index(surface)
        entities.append(Entity(start, start + len(surface), label, surface))
    meta = {"doc": report, "date": "2019-04-05"}
    if split:
        meta["split"] = split
    return Document(rid, text, entities, meta)


def synthetic() -> list[Document]:
    return [
        doc("a-1", "قصفت قوات النظام بلدة الهبيط أمس.", [("قوات النظام", "FACTION"), ("بلدة الهبيط", "LOCATION"),
                                                         ("أمس", "DATE")], "a", "train"),
        doc("a-2", "ردت قوات النظام على مصادر النيران.", [("قوات النظام", "FACTION")], "a", "train"),
        doc("b-1", "قتل 4 مقاتلين في الهبيط.", [("4", "CASUALTY"), ("الهبيط", "LOCATION")], "b", "train"),
        doc("b-2", "ساد الهدوء مساء.", [], "b", "train"),
        doc("c-1", "انطلقت معركة الفجر قرب كفرنبل.", [("معركة الفجر", "OPERATION"), ("كفرنبل", "LOCATION")], "c",
            "dev"),
        doc("d-1", "قتل 7 مدنيين في كفرنبل.", [("7", "CASUALTY"), ("كفرنبل", "LOCATION")], "d", "test"),
        doc("d-2", "لا تعليق رسمياً.", [], "d", "test"),
    ]


def test_corpus_stats_totals():
    s = corpus_stats(synthetic())
    assert s["sentences"] == 7
    assert s["reports"] == 4
    assert s["mentions"] == {"CASUALTY": 2, "DATE": 1, "FACTION": 2, "LOCATION": 4, "OPERATION": 1}
    assert s["distinct_forms"] == {"CASUALTY": 2, "DATE": 1, "FACTION": 1, "LOCATION": 3, "OPERATION": 1}
    assert list(s["splits"]) == ["dev", "test", "train"]


def test_corpus_stats_per_split():
    s = corpus_stats(synthetic())["splits"]
    assert s["test"].pop("phenomena")["no_entity_sentences"] == 1
    assert s["train"].pop("phenomena")["no_entity_sentences"] == 1
    assert s["train"] == {
        "sentences": 4,
        "reports": 2,
        "sentences_without_entities": 1,
        "mentions": {"CASUALTY": 1, "DATE": 1, "FACTION": 2, "LOCATION": 2},
        "distinct_forms": {"CASUALTY": 1, "DATE": 1, "FACTION": 1, "LOCATION": 2},
    }
    assert s["dev"]["mentions"] == {"LOCATION": 1, "OPERATION": 1}
    assert s["dev"]["sentences_without_entities"] == 0
    assert s["test"] == {
        "sentences": 2,
        "reports": 1,
        "sentences_without_entities": 1,
        "mentions": {"CASUALTY": 1, "LOCATION": 1},
        "distinct_forms": {"CASUALTY": 1, "LOCATION": 1},
    }


def test_records_without_split_or_report():
    d1 = doc("x-1", "هدوء في الرقة.", [("الرقة", "LOCATION")], "x", None)
    d2 = Document("conll-1", "حلب", [Entity(0, 3, "LOC", "حلب")])  # a CoNLL record: no meta at all
    s = corpus_stats([d1, d2])
    assert list(s["splits"]) == ["all"]
    assert s["splits"]["all"]["sentences"] == 2
    assert s["reports"] == 2  # a record without meta.doc counts as its own report
    assert s["mentions"] == {"LOC": 1, "LOCATION": 1}


def test_empty_corpus():
    s = corpus_stats([])
    assert s["phenomena"]["dateline_sentences"] == 0
    assert {k: v for k, v in s.items() if k != "phenomena"} == {"sentences": 0, "reports": 0, "mentions": {},
                                                                "distinct_forms": {}, "splits": {}}
    assert format_stats(s).startswith("0 sentences in 0 reports")


def test_format_stats_table():
    text = format_stats(corpus_stats(synthetic()))
    lines = text.splitlines()
    assert lines[0] == "7 sentences in 4 reports"
    assert lines[1].split() == ["split", "reports", "sents", "CASUALTY", "DATE", "FACTION", "LOCATION", "OPERATION"]
    assert lines[2].split() == ["dev", "1", "1", "0", "0", "0", "1", "1"]
    assert lines[4].split() == ["train", "2", "4", "1", "1", "2", "2", "0"]
    assert lines[5].split() == ["all", "4", "7", "2", "1", "2", "4", "1"]
    assert lines[6] == "distinct forms: CASUALTY 2, DATE 1, FACTION 1, LOCATION 3, OPERATION 1"


def write_corpus(tmp_path):
    docs = synthetic()
    for split in ("train", "dev", "test"):
        write_jsonl_atomic(tmp_path / f"{split}.jsonl", [d for d in docs if d.meta["split"] == split])
    return tmp_path


def test_cli_stats_json(tmp_path, capsys):
    corpus = write_corpus(tmp_path)
    assert main(["validate", str(corpus)]) == 0
    capsys.readouterr()
    assert main(["stats", "--json", str(corpus)]) == 0
    out = capsys.readouterr().out
    s = json.loads(out)
    assert s["sentences"] == 7 and s["reports"] == 4
    assert {k: v["mentions"] for k, v in s["splits"].items()} == {
        "dev": {"LOCATION": 1, "OPERATION": 1},
        "test": {"CASUALTY": 1, "LOCATION": 1},
        "train": {"CASUALTY": 1, "DATE": 1, "FACTION": 2, "LOCATION": 2},
    }
    assert "كفرنبل" not in out  # counts only, no surface forms
    assert s == corpus_stats(synthetic())


def test_cli_stats_table_and_single_file(tmp_path, capsys):
    corpus = write_corpus(tmp_path)
    assert main(["stats", str(corpus / "dev.jsonl")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "1 sentences in 1 reports"


def test_cli_stats_conll(tmp_path, capsys):
    f = tmp_path / "x.conll"
    f.write_text("حلب B-LOC\nاليوم O\n\nدمشق B-LOC\n", encoding="utf-8")
    assert main(["stats", "--json", str(f)]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["splits"]["all"]["mentions"] == {"LOC": 2}


def test_cli_stats_bad_corpus(tmp_path, capsys):
    (tmp_path / "train.jsonl").write_text("{broken\n", encoding="utf-8")
    assert main(["stats", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"war-ner stats: error: {tmp_path / 'train.jsonl'}:1: invalid JSON") and err.count("\n") == 1


def test_phenomena_counts():
    from train.slices import phenomena

    docs = [doc("p-1", "الموصل (رويترز) - قتل و38 مدنياً في القلمون الغربي.",
                [("الموصل", "LOCATION"), ("و38", "CASUALTY"), ("القلمون الغربي", "LOCATION")], "p", "train")]
    ph = phenomena(docs)
    assert ph["dateline_sentences"] == 1 and ph["glued_proclitic_mentions"] == {"CASUALTY": 1}
    assert ph["fixed_names"] == 1 and ph["long_reports"] == 0 and ph["no_entity_sentences"] == 0
