"""Windows over long sentences: nothing is truncated, every word is labelled and predicted once."""
from __future__ import annotations

import pytest

from model.encoding import best_window_positions, encode_sentences, make_windows, tokenize_words, window_labels


@pytest.fixture(scope="module")
def tokenizer():
    from train.models import train_tiny_tokenizer

    return train_tiny_tokenizer(["قصفت قوات النظام مدينة الرقة فجر اليوم وقتل 12 عنصراً"] * 3, 200)


def test_long_sentence_is_cut_into_overlapping_windows_without_losing_words(tokenizer):
    words = ("قصفت قوات النظام مدينة الرقة فجر اليوم وقتل 12 عنصراً".split()) * 40
    pieces = tokenize_words(tokenizer, [words])[0]
    windows = make_windows(tokenizer, pieces, max_length=32, stride=8)
    assert len(windows) > 1
    assert all(len(w) <= 32 for w in windows)
    assert all(w.input_ids[0] == tokenizer.cls_token_id and w.input_ids[-1] == tokenizer.sep_token_id for w in windows)
    firsts = {wid for w in windows for wid, f in zip(w.word_ids, w.first) if f}
    assert firsts == set(range(len(words)))
    for a, b in zip(windows, windows[1:]):
        shared = set(filter(None, a.word_ids)) & set(filter(None, b.word_ids))
        assert shared, "consecutive windows must overlap"
    best = best_window_positions(windows)
    assert set(best) == set(range(len(words)))
    for wid, (k, pos) in best.items():
        assert windows[k].word_ids[pos] == wid and windows[k].first[pos]


def test_labels_sit_on_first_subwords_only(tokenizer):
    words = ["وقتل", "12", "عنصراً"]
    (window,) = encode_sentences(tokenizer, [words], max_length=64, stride=8)[0]
    labels = window_labels(window, [1, 2, 3])
    assert labels[0] == -100 and labels[-1] == -100
    assert [l for l in labels if l != -100] == [1, 2, 3]
    assert sum(window.first) == 3


def test_pathological_word_is_capped_not_dropped(tokenizer):
    words = ["قصفت", "ق" * 5000, "الرقة"]
    (windows,) = encode_sentences(tokenizer, [words], max_length=32, stride=4)
    firsts = {wid for w in windows for wid, f in zip(w.word_ids, w.first) if f}
    assert firsts == {0, 1, 2}


def test_empty_sentence_gives_no_window(tokenizer):
    assert encode_sentences(tokenizer, [[]], 32, 4) == [[]]


def test_window_budget_error_says_what_to_change(tokenizer):
    with pytest.raises(ValueError, match="leaves 6 tokens per window; expected >= 16"):
        make_windows(tokenizer, [(5, 0)], max_length=8, stride=1)
