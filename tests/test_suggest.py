"""``war-ner suggest`` (train/suggest.py): pool -> sentences -> uncertainty -> spread over reports -> tasks."""
from __future__ import annotations

import json

import numpy as np
import pytest

from model.predictor import Predictor
from model.words import split_words
from train.cli import main
from train.corpus import read_jsonl
from train.formats import read_input
from train.suggest import (Candidate, drop_known, known_keys, read_pool, score, sentence_key, spread, suggest,
                           uncertainty)

REPORT_A = ("قصفت طائرات التحالف الدولي مواقع في مدينة الرقة فجر اليوم.\n"
            "وقتل 12 عنصراً من التنظيم خلال الاشتباكات.\nوسيطرت قوات النظام على بلدة سراقب ليل أمس.\n")
REPORT_B = "استهدفت قسد رتلاً في دير الزور.\nوأصيب نحو 20 مدنياً بجروح في إدلب.\n"


class FixedModel:
    """A stand-in predictor: each sentence's distributions are given (one row per word, 3 tags)."""

    def __init__(self, rows):
        self.rows = rows

    def predict_word_distributions(self, sentences):
        out = []
        for words, dists in zip(sentences, self.rows):
            assert len(words) == len(dists)
            out.append((["O"] * len(words), [float(max(r)) for r in dists], np.array(dists)))
        return out


@pytest.fixture()
def pool(tmp_path):
    d = tmp_path / "reports"
    d.mkdir()
    (d / "raqqa_2019-03-12.txt").write_text(REPORT_A, encoding="utf-8")
    (d / "deir.txt").write_text(REPORT_B, encoding="utf-8")
    return d


def test_uncertainty_methods():
    sure = np.array([[0.98, 0.01, 0.01], [0.97, 0.02, 0.01]])
    torn = np.array([[0.98, 0.01, 0.01], [0.45, 0.44, 0.11]])
    for method in ("margin", "entropy"):
        assert uncertainty(torn, method) > uncertainty(sure, method)
    assert uncertainty(torn) == pytest.approx(1 - 0.01)
    assert uncertainty(np.zeros((0, 3))) == 0.0
    with pytest.raises(ValueError, match="unknown uncertainty method 'bald'"):
        uncertainty(sure, "bald")


def test_read_pool_reports_sentences_offsets(pool):
    cands = read_pool([pool])
    assert [(c.report, c.index) for c in cands] == [("deir", 1), ("deir", 2), ("raqqa_2019-03-12", 1),
                                                    ("raqqa_2019-03-12", 2), ("raqqa_2019-03-12", 3)]
    for c in cands:
        source = (pool / f"{c.report}.txt").read_text(encoding="utf-8")
        assert source[c.offset : c.offset + len(c.text)] == c.text
    assert cands[2].meta == {"doc": "raqqa_2019-03-12", "date": "2019-03-12"} and cands[0].meta == {"doc": "deir"}


def test_scoring_orders_by_uncertainty():
    cands = [Candidate("a", i, t, 0, "") for i, t in enumerate(["قصف الرقة", "قتل 12", "سيطرت قوات"], start=1)]
    rows = [[[0.9, 0.05, 0.05], [0.9, 0.05, 0.05]],  # sure
            [[0.5, 0.45, 0.05], [0.9, 0.05, 0.05]],  # one torn word
            [[0.7, 0.2, 0.1], [0.8, 0.1, 0.1]]]
    score(FixedModel(rows), cands, "margin")
    assert [round(c.uncertainty, 2) for c in cands] == [0.15, 0.95, 0.5]
    assert [c.index for c in spread(cands, 3)] == [2, 3, 1]


def test_spread_over_reports():
    cands = []
    for report, us in (("a", [0.9, 0.8, 0.7]), ("b", [0.6, 0.5]), ("c", [0.1])):
        for i, u in enumerate(us, start=1):
            cands.append(Candidate(report, i, f"{report}{i}", 0, ""))
            cands[-1].uncertainty = u
    assert [c.text for c in spread(cands, 4)] == ["a1", "b1", "c1", "a2"]
    assert [c.text for c in spread(cands, 10, per_report=1)] == ["a1", "b1", "c1"]
    assert [c.text for c in spread(cands, 2)] == ["a1", "b1"]


def test_known_sentences_are_dropped(tiny_corpus):
    docs, _ = read_jsonl(tiny_corpus / "train.jsonl")
    known = known_keys(docs)
    variant = docs[0].text.replace("الدولي", "الدوليّ").replace(" ", "  ", 1)  # shadda, a double space
    assert sentence_key(variant) in known
    cands = [Candidate("x", 1, variant, 0, ""), Candidate("x", 2, "خبر جديد تماماً.", 0, ""),
             Candidate("y", 1, "خبر جديد تماما.", 0, "")]  # the same sentence again, another alef
    kept, dropped = drop_known(cands, known)
    assert [c.index for c in kept] == [2] and dropped == 2


def test_predict_word_distributions_match_tags(tiny_checkpoint):
    predictor = Predictor.from_pretrained(tiny_checkpoint)
    sentences = [[w.text for w in split_words(t)] for t in REPORT_A.splitlines()]
    plain = predictor.predict_word_tags(sentences)
    full = predictor.predict_word_distributions(sentences)
    assert len(full) == len(plain) == 3
    for (tags, scores), (tags2, scores2, dists) in zip(plain, full):
        assert (tags, scores) == (tags2, scores2)
        assert dists.shape == (len(tags), len(predictor.id2label))
        assert np.allclose(dists.sum(axis=1), 1.0, atol=1e-4)
        # each score is the probability of the word's decoded label (the best valid BIO sequence's, not always
        # the word's own argmax)
        assert all(np.isclose(dists[w], scores[w], atol=1e-6).any() for w in range(len(tags)))
        assert np.all(np.asarray(scores) <= dists.max(axis=1) + 1e-6)


def test_suggest_end_to_end(tiny_checkpoint, tiny_corpus, pool, tmp_path, capsys):
    # a corpus sentence in the pool is not suggested again
    (pool / "known.jsonl").write_text(json.dumps({"id": "k", "text": read_jsonl(tiny_corpus / "dev.jsonl")[0][0].text},
                                                 ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "tasks.json"
    assert main(["suggest", "--model", str(tiny_checkpoint), "--pool", str(pool), "--n", "3", "--out", str(out),
                 "--exclude", str(tiny_corpus)]) == 0
    err = capsys.readouterr().err
    stats = json.loads(err.splitlines()[-2])
    # dropped: the dev sentence above and REPORT_A's first sentence, which is in the tiny training split
    assert stats["pool_sentences"] == 6 and stats["dropped_known_or_repeated"] == 2 and stats["chosen"] == 3
    assert "3 sentences from 2 reports -> " in err

    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert len(tasks) == 3 and all("annotations" not in t for t in tasks)
    # spread: the first two come from two different reports, each its most uncertain sentence
    assert tasks[0]["data"]["meta"]["doc"] != tasks[1]["data"]["meta"]["doc"]
    us = [t["data"]["meta"]["uncertainty_margin"] for t in tasks]
    assert us[0] >= us[1]
    for t, u in zip(tasks, us):
        pred = t["predictions"][0]
        assert pred["model_version"] == f"{tiny_checkpoint.parent.name}/model"
        assert pred["score"] == pytest.approx(1 - u, abs=2e-4)
    # the file parses as Label Studio tasks, predictions and all, and the sentences are the pool's own
    back = read_input(out, use_predictions=True)
    assert not back.problems and len(back.docs) == 3
    assert [d.text for d in back.docs] == [t["data"]["text"] for t in tasks]
    texts = {c.text for c in read_pool([pool])}
    assert all(d.text in texts for d in back.docs)
    # a report's sentences keep their order of uncertainty
    docs, _, _ = suggest(tiny_checkpoint, [pool], n=10, exclude=[tiny_corpus])
    assert len(docs) == 4 and REPORT_A.splitlines()[0] not in {d.text for d in docs}
    per = {}
    for d in docs:
        per.setdefault(d.meta["doc"], []).append(d.meta["uncertainty_margin"])
    assert per and all(v == sorted(v, reverse=True) for v in per.values())


def test_suggest_other_formats_and_errors(tiny_checkpoint, pool, tmp_path, capsys):
    out = tmp_path / "tasks.jsonl"
    assert main(["suggest", "--model", str(tiny_checkpoint), "--pool", str(pool), "--n", "2", "--format", "prodigy",
                 "--out", str(out), "--method", "entropy"]) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2 and all("answer" not in x and "uncertainty_entropy" in x["meta"] for x in lines)
    capsys.readouterr()
    assert main(["suggest", "--model", str(tiny_checkpoint), "--pool", str(pool), "--n", "0",
                 "--out", str(out)]) == 2
    assert "--n 0" in capsys.readouterr().err
    assert main(["suggest", "--model", str(tiny_checkpoint), "--pool", str(tmp_path / "nope"),
                 "--out", str(out)]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_error_share_counts_errors_where_the_model_is_unsure():
    from train.al_sim import error_share
    from train.corpus import Document
    from model.spans import Entity

    sure = Document("a-1", "قصف الرقة", [Entity(4, 9, "LOCATION", "الرقة")], {"doc": "a"})
    torn = Document("b-1", "قتل 12 عنصراً", [Entity(4, 6, "CASUALTY", "12"), Entity(7, 13, "FACTION", "عنصراً")],
                    {"doc": "b"})
    model = FixedModel([[[0.99, 0.005, 0.005]] * 2, [[0.5, 0.45, 0.05]] * 3])  # tags all "O": every span missed
    out = error_share(model, [sure, torn], top=1)
    assert out["top"] == {"sentences": 1, "errors": 2, "f1": 0.0} and out["rest"]["errors"] == 1
    assert out["error_share_top"] == pytest.approx(2 / 3, abs=1e-3)
