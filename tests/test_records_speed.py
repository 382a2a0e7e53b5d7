"""Raw text -> records over many reports at once (``Predictor.extract_batch``) and the word caches of the rules:
faster, and the same records as one report per call on torch."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model.errors import InputError
from model.event_heads import EventHeads
from model.predictor import Predictor

LABELS = ["O"] + [f"{p}-{t}" for t in ("FACTION", "LOCATION", "CASUALTY", "DATE", "OPERATION") for p in "BI"]
REPORTS = [
    "قصفت طائرات التحالف الدولي مواقع في مدينة الرقة فجر اليوم. وقتل 12 عنصراً من تنظيم الدولة خلال الاشتباكات.",
    "سيطرت قوات النظام على بلدة سراقب ضمن معركة فجر إدلب ليل أمس.",
    "",
    "أصيب نحو 20 مدنياً بجروح في إدلب. " * 30,  # longer than one window: its sentences span batches
    "استهدفت قسد رتلاً في دير الزور. وثق المرصد مقتل ثلاثة مقاتلين من هيئة تحرير الشام. اشتباكات عنيفة في حلب.",
]


@pytest.fixture(scope="module")
def predictor():
    """A random tiny BERT (no training: only the batching is under test) with random event heads."""
    import torch
    from transformers import BertConfig, BertForTokenClassification

    from train.models import train_tiny_tokenizer

    torch.manual_seed(7)
    tok = train_tiny_tokenizer(REPORTS, 300)
    cfg = BertConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
                     label2id={l: i for i, l in enumerate(LABELS)})
    model = BertForTokenClassification(cfg).eval()
    # the model's tags decide the entities and so the records: favour them over "O" so there are records to compare
    with torch.no_grad():
        model.classifier.bias[0] -= 1.0
    p = Predictor.from_model(model, tok, max_length=24, stride=8, batch_size=4)
    rng = np.random.default_rng(3)
    p.heads = EventHeads(rng.normal(size=(16, 5)), rng.normal(size=5), rng.normal(size=(16, 4)), rng.normal(size=4),
                         threshold=0.5, default_sub_types={})
    return p


def _plain(result):
    return [([(e.start, e.end, e.label) for e in ents], [dataclasses.asdict(r) for r in recs]) for ents, recs in result]


def test_many_reports_at_once_give_the_records_of_one_at_a_time(predictor, monkeypatch):
    import model.predictor as mp

    dates = ["2019-03-12", None, None, "2020-02-01", "2018-07-04"]
    ids = [f"r{i}" for i in range(len(REPORTS))]
    alone = _plain([predictor.extract_all(t, d, i) for t, d, i in zip(REPORTS, dates, ids)])
    assert sum(len(recs) for _, recs in alone) >= 3, "records to compare"
    assert _plain(predictor.extract_batch(REPORTS, dates, ids)) == alone
    # small groups: a group boundary falls between reports and after the long one
    monkeypatch.setattr(mp, "BATCH_GROUP_SENTENCES", 3)
    assert _plain(predictor.extract_batch(REPORTS, dates, ids)) == alone
    assert predictor.extract_batch([]) == []
    assert _plain(predictor.extract_batch(REPORTS[0])) == _plain([predictor.extract_all(REPORTS[0])])


def test_the_encoder_batches_span_reports(predictor, monkeypatch):
    calls: list[tuple[int, int]] = []
    inner = predictor.runner

    def counting(ids, mask, hidden=False):
        calls.append(ids.shape)
        return inner(ids, mask, hidden=hidden)

    monkeypatch.setattr(predictor, "runner", counting)
    short = [t for t in REPORTS if t and len(t) < 200]
    for t in short:
        predictor.extract_all(t)
    alone = list(calls)
    calls.clear()
    predictor.extract_batch(short)
    # the same windows, each encoded once, in fewer and fuller calls than one report per call
    assert sum(b for b, _ in calls) == sum(b for b, _ in alone)
    assert len(calls) < len(alone)


def test_bad_batches_say_what_is_wrong(predictor):
    with pytest.raises(TypeError, match="text 1 is int; expected str"):
        predictor.extract_batch(["قصفت", 3])
    with pytest.raises(InputError, match="2 texts, 1 report dates and 2 source ids"):
        predictor.extract_batch(["قصفت", "قتل"], report_dates=["2019-01-01"])


def test_word_caches_keep_behaviour():
    from model.arabic import _normalise, normalise_arabic, proclitic_readings
    from model.events.lexicons import _TRIGGERS, _forms, _match

    first = proclitic_readings("وبالعشرات")
    first.clear()  # a caller may change its list: the cache must not share it
    assert [r.stem for r in proclitic_readings("وبالعشرات")] == ["وبالعشرات", "بالعشرات", "العشرات", "عشرات"]
    # min_stem is part of the key
    assert len(proclitic_readings("وبر", 1)) > len(proclitic_readings("وبر"))
    long = "تنظيمُ “الدولةِ الإسلاميـة” ١٢ " * 5
    for text in ("تنظيمُ “الدولةِ الإسلاميـة” ١٢", long, ""):
        assert normalise_arabic(text) == normalise_arabic(text) == _normalise(text)
    for word in ("وبقصفها", "هجومهم", "قصف", "للقوات", "x"):
        for suffixes in (False, True):
            assert _forms(word, suffixes) == _forms.__wrapped__(word, suffixes)
    assert _match(normalise_arabic("وبقصفهم"), _TRIGGERS, suffixes=True) is not None
    assert _match(normalise_arabic("وبقصفهم"), _TRIGGERS) is None


def test_bench_records_line_runs_all_reports_in_one_call(predictor, monkeypatch):
    from train.bench import workers

    seen: list[int] = []
    real = Predictor.extract_batch

    def spy(self, texts, *args, **kwargs):
        seen.append(len(texts))
        return real(self, texts, *args, **kwargs)

    monkeypatch.setattr(Predictor, "extract_batch", spy)
    monkeypatch.setattr(Predictor, "from_pretrained", classmethod(lambda cls, *a, **k: predictor))
    run_all, _ = workers._runner({"path": "records-onnx-int8", "model_dir": "unused", "threads": 1,
                                  "batch_size": 4})
    out = run_all(REPORTS)
    assert seen == [len(REPORTS)] and len(out) == len(REPORTS)
    assert run_all.records == sum(len(recs) for _, recs in predictor.extract_batch(REPORTS))
