"""Predictor: offsets index the caller's original text, odd inputs never raise, order is kept."""
from __future__ import annotations

import pytest

from model.predictor import Predictor
from model.words import split_words

ODD_TEXTS = [
    "  قَصَفَتْ قواتُ النظامِ مدينةَ الرقة فجرَ اليوم.",            # diacritics, leading spaces
    "قصفـــت قوات النظـــام بلدة سراقب، وقتل ١٢ عنصراً!!",           # tatweel, Arabic-Indic digits, punctuation
    "سيطرت قسد على دير الزور.\r\nوقتل 3 مدنيين\r\n",                   # CRLF
    "«هيئة تحرير الشام» (HTS) — 4/7/2019؛ قتل 5…",                    # mixed punctuation
]


@pytest.fixture(scope="module")
def predictor(tiny_checkpoint):
    return Predictor.from_pretrained(tiny_checkpoint, batch_size=4)


def test_offsets_index_the_original_text(predictor):
    out = predictor.predict(ODD_TEXTS)
    assert sum(map(len, out)) >= len(ODD_TEXTS), "the tiny model memorised these names: entities must come out"
    for text, ents in zip(ODD_TEXTS, out):
        starts = {w.start for w in split_words(text)}
        ends = {w.end for w in split_words(text)}
        for e in ents:
            assert text[e.start:e.end] == e.text
            assert e.start in starts and e.end in ends
            assert 0.0 <= e.score <= 1.0


def test_odd_inputs_give_valid_results(predictor):
    html = "<html><body><p dir='rtl'>قصفت <b>قوات النظام</b> &amp; مدينة الرقة</p><script>x=1</script></body></html>"
    inputs = ["", "   \n\t ", "The regime shelled Raqqa at dawn.", html, "\u200f\u200e", "ـــ", "12345"]
    out = predictor.predict(inputs)
    assert len(out) == len(inputs)
    assert out[0] == [] and out[1] == [] and out[4] == []
    assert out[3], "the names inside the markup are still found"
    for text, ents in zip(inputs, out):
        assert all(text[e.start:e.end] == e.text for e in ents)


def test_very_long_text(predictor):
    text = ("قصفت قوات النظام مدينة الرقة فجر اليوم وقتل 12 عنصراً " * 2000)  # ~110k characters, no full stop
    assert len(text) > 100_000
    (ents,) = predictor.predict([text])
    assert len(ents) >= 2000  # at least one mention per repeat, found in every window
    assert all(text[e.start:e.end] == e.text for e in ents)


def test_results_come_back_in_the_callers_order(predictor):
    texts = ["قصفت قوات النظام مدينة الرقة فجر اليوم. " * k for k in (5, 1, 3)] + [""]
    together = predictor.predict(texts)
    alone = [predictor.predict([t])[0] for t in texts]
    assert all(together[:3]), "every non-empty text has entities: the comparison compares something"
    assert together == alone
    assert predictor.predict(texts[1]) == [alone[1]]


def test_any_hf_token_classification_folder_loads(tmp_path):
    from transformers import BertConfig, BertForTokenClassification

    from train.models import train_tiny_tokenizer

    tok = train_tiny_tokenizer(["فرانكفورت أعلن اتحاد صناعة السيارات في ألمانيا"], 120)
    labels = ["O", "B-PERS", "I-PERS", "B-LOC", "I-LOC"]
    cfg = BertConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=1, num_attention_heads=1,
                     intermediate_size=32, num_labels=len(labels), id2label=dict(enumerate(labels)),
                     label2id={l: i for i, l in enumerate(labels)})
    BertForTokenClassification(cfg).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    predictor = Predictor.from_pretrained(tmp_path)
    words = "أعلن اتحاد صناعة السيارات في ألمانيا".split()
    ((tags, scores),) = predictor.predict_word_tags([words])
    # untrained, so any tags at all: but one per word, from the folder's own label set
    assert len(tags) == len(scores) == len(words) and set(tags) <= set(labels)
    (ents,) = predictor.predict([" ".join(words)])
    assert {e.label for e in ents} <= {"PERS", "LOC"}


def test_missing_folder_error_says_what_is_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="no config.json; expected a checkpoint folder"):
        Predictor.from_pretrained(tmp_path)
