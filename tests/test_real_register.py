"""The real register: span-edge decoding, proclitic-gluing augmentation, phenomenon slices."""
from __future__ import annotations

import random

import numpy as np
import pytest

from model.spans import enforce_span_edges, spans_to_bio
from model.words import split_words
from train.augment import glue_once, glue_proclitics
from train.corpus import Document
from train.slices import is_dateline, is_fixed_name, is_glued, known_forms, score_slices

SEPARATORS = set("–—-،,:.;()[]")


@pytest.mark.parametrize("words, tags, expected", [
    (["محافظة", "إدلب", "–"], ["B-LOC", "I-LOC", "I-LOC"], ["B-LOC", "I-LOC", "O"]),
    ([":", ":", "قسد"], ["B-FAC", "I-FAC", "I-FAC"], ["O", "O", "B-FAC"]),
    (["حلب", "،", "إدلب"], ["B-LOC", "I-LOC", "I-LOC"], ["B-LOC", "I-LOC", "I-LOC"]),  # inside: kept
    (["(", "رويترز", ")"], ["B-FAC", "I-FAC", "I-FAC"], ["O", "B-FAC", "O"]),
    (["تنظيم", "“", "الدولة", "”"], ["B-FAC", "I-FAC", "I-FAC", "I-FAC"], ["B-FAC", "I-FAC", "I-FAC", "I-FAC"]),
    (["الدولة", "”"], ["B-FAC", "I-FAC"], ["B-FAC", "O"]),  # a closing quote with no opening one leaves
    (["–", "."], ["B-LOC", "I-LOC"], ["O", "O"]),  # separators only: dropped
    (["الرقة", "."], ["B-LOC", "B-LOC"], ["B-LOC", "O"]),
])
def test_span_edges(words, tags, expected):
    assert enforce_span_edges(words, tags) == expected


def test_every_predictor_path_decodes_with_the_span_edge_rule(tiny_checkpoint):
    """A runner that tags every word inside an entity: without the rule, spans would start and end on dashes."""
    from model.predictor import Predictor

    p = Predictor.from_pretrained(tiny_checkpoint, batch_size=4)
    inside = next(i for i, l in p.id2label.items() if l.startswith("I-"))

    def everything_inside(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros((*ids.shape, len(p.id2label)), dtype=np.float32)
        out[..., inside] = 5.0
        return out

    p.runner = everything_inside
    text = "محافظة الرقة – المرصد السوري لحقوق الإنسان:: قتل 5 عناصر، و38 مدنياً (بينهم أطفال)."
    (entities,) = p.predict([text])
    assert entities
    for e in entities:
        assert text[e.start:e.end] == e.text
        assert e.text[0] not in SEPARATORS and e.text[-1] not in SEPARATORS, e


def _doc(marked: str, doc_id: str = "g-1") -> Document:
    from train.markup import parse_sentence

    text, ents, problems = parse_sentence(marked, "x")
    assert not problems
    return Document(doc_id, text, ents, {"doc": "g", "split": "train", "date": "2020-01-01"})


@pytest.mark.parametrize("marked, glued", [
    ("قصفت الطائرات مواقع في [[LOCATION|مدينة الرقة]] أمس.", "بمدينة الرقة"),
    ("وصل الرتل إلى [[LOCATION|الرقة]] أمس.", "للرقة"),
    ("مقتل [[CASUALTY|5]] عناصر، [[CASUALTY|38]] مدنياً.", "و38"),
    ("[[FACTION|قوات النظام]] تقصف البلدة.", "وقوات النظام"),
    ("مقتل 5 عناصر و [[CASUALTY|نحو 400]] مدني.", "ونحو 400"),
])
def test_glue_rewrites_keep_offsets_exact(marked, glued):
    doc = _doc(marked)
    new = None
    for seed in range(20):  # each eligible mention is glued with probability 0.7
        new = glue_once(doc, random.Random(seed), "~g", rate=1.0)
        if new:
            break
    assert new is not None
    assert glued in [e.text for e in new.entities]
    for e in new.entities:
        assert new.text[e.start:e.end] == e.text
    spans_to_bio(split_words(new.text), new.entities)  # word-aligned, or it raises
    assert new.meta["augmented"] == "proclitic" and new.id.endswith("~g")


def test_glue_leaves_what_it_cannot_glue():
    assert glue_once(_doc("أعلن [[FACTION|والجيش]] عن [[LOCATION|حلب]]."), random.Random(0), "~g", rate=1.0) is None
    # ب is for places only: a faction after في is left alone
    assert glue_once(_doc("انشقاقات في [[FACTION|قوات النظام]]."), random.Random(0), "~g", rate=1.0) is None


def test_glue_is_deterministic_and_train_only(tiny_corpus):
    from train.config import load_config
    from train.corpus import load_documents
    from train.augment import run_copies
    from tests.conftest import REPO

    docs = load_documents([tiny_corpus / "train.jsonl"])
    a, b = glue_proclitics(docs, 2, 13), glue_proclitics(docs, 2, 13)
    assert [(d.id, d.text) for d in a] == [(d.id, d.text) for d in b]
    cfg = load_config(REPO / "configs" / "tiny.yaml", ["--data.augment_proclitics=2"])
    copies = run_copies(docs, cfg)
    assert copies and all(d.meta["augmented"] == "proclitic" for d in copies)
    assert {d.meta["augmented_from"] for d in copies} <= {d.id for d in docs}


@pytest.mark.parametrize("text, expected", [
    ("محافظة الرقة – المرصد السوري لحقوق الإنسان:: وثق المرصد", True),
    ("الموصل (العراق) (رويترز) - قالت الشرطة", True),
    ("دمشق - أ ف ب: أعلن الجيش", True),
    ("الأنبار (العراق) / الأناضول - قال ضابط", True),
    ("عدن – «الشرق الأوسط»: قال مسؤول", True),
    ("الخرطوم:: تجددت الاشتباكات", True),
    ("قصفت الطائرات الحربية بلدة سراقب في ريف إدلب – وفق مصادر", False),
    ("وقال المتحدث: لا صحة لذلك", False),
])
def test_dateline_slice(text, expected):
    assert is_dateline(text) is expected


def test_glued_and_fixed_name_slices():
    known = known_forms(["حفتر", "البوكمال", "حركة النجباء", "قضاء هيت", "ريم"])
    assert [is_glued(m, known) for m in ("و٤٢", "وحفتر", "بنغازي", "لبنان", "ونحو 400", "فلسطين")] == [
        True, True, False, False, True, False]
    # the word after the letter opens another mention of the file (a head the fixed list does not hold)
    assert [is_glued(m, known) for m in ("وحركة النجباء", "لقضاء الدور", "وأبو البراء", "حركة النجباء")] == [
        True, True, True, False]
    assert not is_glued("كريم درويش", known)  # ك + "ريم": not read as glued
    assert is_fixed_name(["القلمون", "الغربي"]) and is_fixed_name(["العاصمة", "طرابلس"])
    assert is_fixed_name(["أم", "درمان"]) and not is_fixed_name(["مدينة", "حلب"])


def test_score_slices_counts_by_definition():
    s1 = {"words": ["حلب", "–", "رويترز", ":", "قتل", "و38", "مدنياً"], "text": "حلب – رويترز: قتل و38 مدنياً", "doc": "a"}
    s2 = {"words": ["لا", "شيء", "هنا"], "text": "لا شيء هنا", "doc": "a"}
    gold = [["B-LOCATION", "O", "O", "O", "O", "B-CASUALTY", "O"], ["O", "O", "O"]]
    pred = [["B-LOCATION", "O", "O", "O", "O", "O", "O"], ["B-PERSON", "O", "O"]]
    sl = score_slices([s1, s2], gold, pred)
    assert sl["dateline"]["sentences"] == 1 and sl["dateline"]["recall"] == 0.5 and sl["dateline"]["precision"] == 1
    assert sl["glued_proclitic"]["support"] == 1 and sl["glued_proclitic"]["recall"] == 0
    assert sl["person"]["predicted"] == 1 and sl["person"]["support"] == 0
    assert sl["no_entity"] == {"sentences": 1, "false_positives": 1, "fp_per_100_sentences": 100.0}
    assert sl["long_report"]["support"] == 0 and "sentences" not in sl["long_report"]


def test_cli_evaluate_slices(tiny_checkpoint, tiny_corpus, capsys):
    import json

    from train.cli import main

    out = tiny_corpus.parent / "slices.json"
    assert main(["evaluate", "--slices", "--model", str(tiny_checkpoint), "--out", str(out),
                 str(tiny_corpus / "test.jsonl")]) == 0
    printed = capsys.readouterr().out
    assert "glued_proclitic" in printed and "no_entity:" in printed
    slices = json.loads(out.read_text(encoding="utf-8"))["slices"]
    assert set(slices) == {"glued_proclitic", "fixed_name", "person", "dateline", "long_report", "no_entity"}
