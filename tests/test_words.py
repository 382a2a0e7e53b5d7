"""The corpus word rule (model.words) and the span <-> BIO conversions (model.spans)."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.spans import AlignmentError, Entity, bio_to_spans, spans_to_bio
from model.words import Word, is_aligned, split_sentences, split_words


def texts(text: str) -> list[str]:
    return [w.text for w in split_words(text)]


def check_offsets(text: str) -> None:
    for w in split_words(text):
        assert text[w.start : w.end] == w.text


# ---------------------------------------------------------------- the word rule


def test_plain_words_and_offsets():
    text = "اشتبكت الفصائل قرب المعبر"
    words = split_words(text)
    assert [w.text for w in words] == ["اشتبكت", "الفصائل", "قرب", "المعبر"]
    assert words[0] == Word(0, 6, "اشتبكت")
    assert words[-1].end == len(text)
    check_offsets(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("انسحبوا، ثم عادوا.", ["انسحبوا", "،", "ثم", "عادوا", "."]),
        ("هل وصلوا؟!", ["هل", "وصلوا", "؟", "!"]),
        ("(قرب الجسر)", ["(", "قرب", "الجسر", ")"]),
        ("كتيبة “صقور الجبل”", ["كتيبة", "“", "صقور", "الجبل", "”"]),
        ("«البلدة»", ["«", "البلدة", "»"]),
        ('قال "نعم"', ["قال", '"', "نعم", '"']),
        ("شمال-شرق", ["شمال", "-", "شرق"]),
        ("...", [".", ".", "."]),
        ("ثم…انتهى", ["ثم", "…", "انتهى"]),
    ],
)
def test_each_punctuation_mark_is_its_own_word(text, expected):
    assert texts(text) == expected
    check_offsets(text)


def test_percent_is_punctuation():
    assert texts("نسبة 40% من السكان") == ["نسبة", "40", "%", "من", "السكان"]
    assert texts("٣٠٪") == ["٣٠", "٪"]  # the Arabic percent sign too


def test_tatweel_is_a_letter():
    assert texts("الـ 7 من شهر") == ["الـ", "7", "من", "شهر"]
    assert texts("جـــيش") == ["جـــيش"]
    assert texts("ـ") == ["ـ"]


def test_arabic_indic_digits_are_letters():
    assert texts("سقط ١٥ جريحاً") == ["سقط", "١٥", "جريحاً"]
    assert texts("عام ٢٠١٩م") == ["عام", "٢٠١٩م"]
    assert texts("۴۵ نفر") == ["۴۵", "نفر"]  # extended Arabic-Indic (Persian) digits


def test_digits_glued_to_letters_and_decimal_separators():
    assert texts("ب12 قذيفة") == ["ب12", "قذيفة"]
    assert texts("3.5 كم") == ["3", ".", "5", "كم"]  # the full stop is punctuation inside a number too
    assert texts("٣٫٥") == ["٣", "٫", "٥"]  # so is the Arabic decimal separator


def test_crlf_and_leading_spaces():
    text = "   سطر أول\r\nسطر\tثان  \r\n"
    words = split_words(text)
    assert [w.text for w in words] == ["سطر", "أول", "سطر", "ثان"]
    assert words[0].start == 3
    assert all("\r" not in w.text and "\n" not in w.text for w in words)
    check_offsets(text)


def test_other_whitespace_separates():
    text = "أ\u00a0ب\u2009ج\u3000د\u2028هـ"  # no-break space, thin space, ideographic space, line separator
    assert texts(text) == ["أ", "ب", "ج", "د", "هـ"]


@pytest.mark.parametrize("sep", ["\u200d", "\u200f", "\u200e", "\ufeff", "\u200b", "\u2066"])
def test_format_characters_separate_words(sep):
    text = f"قوات{sep}النظام"
    assert texts(text) == ["قوات", "النظام"]
    check_offsets(text)


def test_zwnj_stays_inside_a_word():
    text = "می\u200cخواهد رفت"
    assert texts(text) == ["می\u200cخواهد", "رفت"]


def test_leading_format_character_offsets():
    text = "\ufeffقصف"
    assert split_words(text) == [Word(1, 4, "قصف")]


def test_empty_and_blank():
    assert split_words("") == []
    assert split_words(" \t\r\n\u200f") == []


def test_is_aligned():
    text = "وقوات النظام"
    words = split_words(text)
    assert is_aligned(words, 0, len(text))
    assert not is_aligned(words, 1, len(text))  # after the clitic و
    assert not is_aligned(words, 0, 4)


# ---------------------------------------------------------------- sentences


def test_split_sentences_offsets():
    text = "  قصفت المدفعية البلدة. وقتل 3.5 ألف؟\r\nثم ساد الهدوء!  ما السبب"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "قصفت المدفعية البلدة.",
        "وقتل 3.5 ألف؟",
        "ثم ساد الهدوء!",
        "ما السبب",
    ]
    assert spans[0][0] == 2
    for s, e in spans:
        assert not text[s].isspace() and not text[e - 1].isspace()


def test_split_sentences_drops_empty_and_keeps_order():
    text = "\n\nأ.\n. \u200f\nب"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["أ.", ".", "ب"]
    assert spans == sorted(spans)
    assert split_sentences("") == []
    assert split_sentences("   \r\n ") == []


def test_split_sentences_full_stop_at_edges_of_number():
    text = "بلغ العدد 12. ثم .5 فقط"
    assert [text[s:e] for s, e in split_sentences(text)] == ["بلغ العدد 12.", "ثم .", "5 فقط"]


# ---------------------------------------------------------------- spans <-> BIO


SENT = "هاجمت وقوات النظام بلدة “تل أحمر” فجر اليوم."


def ent(text: str, surface: str, label: str, occurrence: int = 0) -> Entity:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    return Entity(start, start + len(surface), label, surface)


def test_spans_to_bio_with_clitic_quotes_and_final_stop():
    words = split_words(SENT)
    ents = [ent(SENT, "وقوات النظام", "FACTION"), ent(SENT, "بلدة “تل أحمر”", "LOCATION"),
            ent(SENT, "فجر اليوم", "DATE")]
    tags = spans_to_bio(words, ents)
    assert list(zip([w.text for w in words], tags)) == [
        ("هاجمت", "O"),
        ("وقوات", "B-FACTION"),
        ("النظام", "I-FACTION"),
        ("بلدة", "B-LOCATION"),
        ("“", "I-LOCATION"),
        ("تل", "I-LOCATION"),
        ("أحمر", "I-LOCATION"),
        ("”", "I-LOCATION"),
        ("فجر", "B-DATE"),
        ("اليوم", "I-DATE"),
        (".", "O"),
    ]
    assert bio_to_spans(SENT, words, tags) == ents


def test_spans_to_bio_no_entities():
    words = split_words("لا جديد")
    assert spans_to_bio(words, []) == ["O", "O"]


@pytest.mark.parametrize(
    "start, end",
    [
        (7, 18),  # starts after the clitic و, inside the word وقوات
        (6, 17),  # ends inside النظام
        (5, 18),  # starts on the space before the word
        (6, 19),  # ends on the space after
    ],
)
def test_spans_to_bio_alignment_error(start, end):
    words = split_words(SENT)
    with pytest.raises(AlignmentError, match=r"does not start and end on word boundaries.*clitic"):
        spans_to_bio(words, [Entity(start, end, "FACTION", SENT[start:end])])


def test_alignment_error_is_a_value_error_and_names_the_span():
    words = split_words(SENT)
    e = Entity(7, 18, "FACTION", SENT[7:18])
    with pytest.raises(ValueError, match=r"span 7-18 FACTION 'قوات النظام'"):
        spans_to_bio(words, [e])


def test_spans_to_bio_end_before_start_word():
    text = "أ ب ج"
    words = split_words(text)
    with pytest.raises(AlignmentError):
        spans_to_bio(words, [Entity(2, 1, "DATE", "")])


def test_i_after_o_opens_an_entity():
    text = "في مدينة حمص اليوم"
    words = split_words(text)
    got = bio_to_spans(text, words, ["O", "I-LOCATION", "I-LOCATION", "O"])
    assert got == [Entity(3, 12, "LOCATION", "مدينة حمص")]


def test_i_of_another_type_opens_an_entity():
    text = "في مدينة حمص اليوم"
    words = split_words(text)
    got = bio_to_spans(text, words, ["B-LOCATION", "I-LOCATION", "I-DATE", "I-DATE"])
    assert got == [Entity(0, 8, "LOCATION", "في مدينة"), Entity(9, 18, "DATE", "حمص اليوم")]


def test_b_after_b_and_entity_at_the_end():
    text = "أ ب ج"
    words = split_words(text)
    got = bio_to_spans(text, words, ["B-X", "B-X", "I-X"])
    assert got == [Entity(0, 1, "X", "أ"), Entity(2, 5, "X", "ب ج")]


def test_bio_to_spans_scores_are_means():
    text = "أ ب ج"
    words = split_words(text)
    got = bio_to_spans(text, words, ["O", "B-X", "I-X"], scores=[0.1, 0.5, 1.0])
    assert got == [Entity(2, 5, "X", "ب ج", 0.75)]
    assert got[0].to_dict() == {"start": 2, "end": 5, "label": "X", "text": "ب ج", "score": 0.75}
    assert "score" not in Entity(0, 1, "X", "أ").to_dict()


def test_bio_to_spans_needs_one_tag_per_word():
    text = "أ ب"
    with pytest.raises(ValueError, match="got 1 tags for 2 words"):
        bio_to_spans(text, split_words(text), ["O"])


def test_bio_to_spans_offsets_index_the_original_text():
    text = "  \u200fقوات\r\n“الفرقة”  "
    words = split_words(text)
    tags = ["B-FACTION"] + ["I-FACTION"] * (len(words) - 1)
    [e] = bio_to_spans(text, words, tags)
    assert text[e.start : e.end] == e.text == "قوات\r\n“الفرقة”"


# ---------------------------------------------------------------- properties

_ALPHABET = st.sampled_from(
    list("قصفتالرمدنيةوبلـ٠١٢٣٤٥٦٧٨٩0123456789abcXYZ")
    + list(" \t\r\n\u00a0\u2009\u3000\u2028")
    + list(".,،؛؟!%٪“”«»\"'()-…/")
    + ["\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u200b"]
)


def _is_separator(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return ch.isspace() or (cat in ("Zs", "Zl", "Zp", "Cc", "Cf") and ch != "\u200c")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(_ALPHABET, max_size=60), st.text(max_size=60)))
def test_words_property(text):
    words = split_words(text)
    prev_end = 0
    for w in words:
        assert w.text, "empty word"
        assert text[w.start : w.end] == w.text
        assert w.start >= prev_end, "words overlap or are out of order"
        assert not any(ch.isspace() for ch in w.text)
        if any(unicodedata.category(ch).startswith("P") for ch in w.text):
            assert len(w.text) == 1, "punctuation is a word of its own"
        prev_end = w.end
    # everything outside the words is a separator
    covered = set()
    for w in words:
        covered.update(range(w.start, w.end))
    for i, ch in enumerate(text):
        if i not in covered:
            assert _is_separator(ch), (i, ch)


@settings(max_examples=200, deadline=None)
@given(st.text(_ALPHABET, max_size=80))
def test_sentences_property(text):
    spans = split_sentences(text)
    prev = 0
    for s, e in spans:
        assert prev <= s < e <= len(text)
        assert not _is_separator(text[s]) and not _is_separator(text[e - 1])
        prev = e


@settings(max_examples=200, deadline=None)
@given(st.text(_ALPHABET, max_size=50), st.data())
def test_bio_round_trip_property(text, data):
    words = split_words(text)
    tags = data.draw(st.lists(st.sampled_from(["O", "B-A", "I-A", "B-B", "I-B"]),
                              min_size=len(words), max_size=len(words)))
    ents = bio_to_spans(text, words, tags)
    for e in ents:
        assert text[e.start : e.end] == e.text
    again = spans_to_bio(words, ents)
    assert bio_to_spans(text, words, again) == ents
    # normalised tags (every entity opened by B-) are a fixed point
    assert spans_to_bio(words, bio_to_spans(text, words, again)) == again
