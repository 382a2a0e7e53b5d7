"""Casualty counts: digits, Arabic-Indic digits, number words, vague counts and qualifiers."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.numbers import Count, apply_qualifier, count_text_qualifier, parse_count

N = None
CASES = [
    # digits
    ("12", 12, 12, "exact"),
    ("7", 7, 7, "exact"),
    ("1,200", 1200, 1200, "exact"),
    ("2,000", 2000, 2000, "exact"),
    ("3.5 ألف", 3500, 3500, "exact"),
    # Arabic-Indic and Persian digits, Arabic thousands separator
    ("١٢", 12, 12, "exact"),
    ("٢٣٠", 230, 230, "exact"),
    ("١٬٢٠٠", 1200, 1200, "exact"),
    ("۱۲", 12, 12, "exact"),
    ("١٩٠٠٠", 19000, 19000, "exact"),
    # number words, masculine/feminine/case forms
    ("واحد", 1, 1, "exact"),
    ("اثنان", 2, 2, "exact"),
    ("اثنين", 2, 2, "exact"),
    ("ثلاثة", 3, 3, "exact"),
    ("ثلاث", 3, 3, "exact"),
    ("خمس", 5, 5, "exact"),
    ("ثماني", 8, 8, "exact"),
    ("عشرة", 10, 10, "exact"),
    ("أحد عشر", 11, 11, "exact"),
    ("إحدى عشرة", 11, 11, "exact"),
    ("اثنا عشر", 12, 12, "exact"),
    ("اثني عشر", 12, 12, "exact"),
    ("ثلاثة عشر", 13, 13, "exact"),
    ("خمسة عشر", 15, 15, "exact"),
    ("تسعة عشر", 19, 19, "exact"),
    ("عشرون", 20, 20, "exact"),
    ("عشرين", 20, 20, "exact"),
    ("خمسة وعشرين", 25, 25, "exact"),
    ("سبعة و عشرين", 27, 27, "exact"),
    ("أربعة وثلاثين", 34, 34, "exact"),
    ("مئة", 100, 100, "exact"),
    ("مائة", 100, 100, "exact"),
    ("مئتين", 200, 200, "exact"),
    ("ثلاثمئة", 300, 300, "exact"),
    ("خمسمائة", 500, 500, "exact"),
    ("ثلاث مئة", 300, 300, "exact"),
    ("مئة وعشرين", 120, 120, "exact"),
    ("ألف", 1000, 1000, "exact"),
    ("ألفين", 2000, 2000, "exact"),
    ("ألف ومئتين", 1200, 1200, "exact"),
    ("3 آلاف", 3000, 3000, "exact"),
    ("٣ آلاف", 3000, 3000, "exact"),
    ("عشرة آلاف", 10000, 10000, "exact"),
    ("ثلاثة عشر ألفاً", 13000, 13000, "exact"),
    # clitics, tatweel, diacritics
    ("وعشرين", 20, 20, "exact"),
    ("بخمسة", 5, 5, "exact"),
    ("لثلاثة", 3, 3, "exact"),
    ("ثلاثـــة", 3, 3, "exact"),
    ("ثَلَاثَةُ", 3, 3, "exact"),
    # vague counts
    ("عشرات", 20, 99, "vague"),
    ("العشرات", 20, 99, "vague"),
    ("بعشرات", 20, 99, "vague"),
    ("مئات", 200, 999, "vague"),
    ("المئات", 200, 999, "vague"),
    ("آلاف", 2000, 9999, "vague"),
    ("الآلاف", 2000, 9999, "vague"),
    ("عشرات الآلاف", 20000, 99999, "vague"),
    ("بضعة", 3, 9, "vague"),
    ("10 إلى 15", 10, 15, "vague"),
    ("ثلاثة أو أربعة", 3, 4, "vague"),
    # qualifiers before or inside the span ("more than n" floors at n, as "at least n")
    ("على الأقل 7", 7, N, "at_least"),
    ("ما لا يقل عن 15", 15, N, "at_least"),
    ("أكثر من 40", 40, N, "at_least"),
    ("ما يزيد عن 100", 100, N, "at_least"),
    ("ما يزيد عن 2,000", 2000, N, "at_least"),
    ("أزيد من 60", 60, N, "at_least"),
    ("أكثر من ألفين", 2000, N, "at_least"),
    ("أكثر من ثلاثمئة", 300, N, "at_least"),
    ("ما لا يقل عن 5 آلاف", 5000, N, "at_least"),
    ("40 أو أكثر", 40, N, "at_least"),
    ("نحو 30", 30, 30, "approximately"),
    ("نحو ٢٠", 20, 20, "approximately"),
    ("حوالي 9", 9, 9, "approximately"),
    ("قرابة 20", 20, 20, "approximately"),
    ("قرابة عشرة", 10, 10, "approximately"),
    ("زهاء 300", 300, 300, "approximately"),
    ("ما يقارب 50", 50, 50, "approximately"),
    ("15 تقريباً", 15, 15, "approximately"),
    ("ونحو عشرين", 20, 20, "approximately"),
    ("أقل من 10", N, 10, "at_most"),
    ("لا يزيد عن 5", N, 5, "at_most"),
    ("حتى 10", N, 10, "at_most"),
    # unreadable
    ("", N, N, "vague"),
    ("عنصراً", N, N, "vague"),
    ("عدد من", N, N, "vague"),
    ("?!", N, N, "vague"),
]


@pytest.mark.parametrize("text,lo,hi,qualifier", CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_parse_count(text: str, lo, hi, qualifier: str) -> None:
    assert parse_count(text) == Count(lo, hi, qualifier)


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 45


@pytest.mark.parametrize(
    "after,expected",
    [
        (" شخصاً على الأقل في القصف", "at_least"),
        (" منهم على الأقل قُتلوا", "at_least"),
        (" مقاتلين على الأقل من الطرفين", "at_least"),
        (" عنصراً تقريباً", "approximately"),
        (" جريحاً على الأكثر", "at_most"),
        (" عنصراً من قوات النظام", None),
        (" عنصراً، على الأقل", None),  # a comma ends the figure's phrase
        (" شخصاً في قصف طال أحياء المدينة على الأقل", None),  # too far from the figure
    ],
)
def test_trailing_qualifier(after: str, expected) -> None:
    assert count_text_qualifier(after) == expected


def test_apply_qualifier_only_changes_exact_counts() -> None:
    assert apply_qualifier(Count(15, 15, "exact"), "at_least") == Count(15, None, "at_least")
    assert apply_qualifier(Count(15, 15, "exact"), "at_most") == Count(None, 15, "at_most")
    assert apply_qualifier(Count(20, 99, "vague"), "at_least") == Count(20, 99, "vague")
    assert apply_qualifier(Count(15, 15, "exact"), None) == Count(15, 15, "exact")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_never_raises(text: str) -> None:
    count = parse_count(text)
    assert count.qualifier in ("exact", "at_least", "approximately", "at_most", "vague")
    if count.count_min is not None and count.count_max is not None:
        assert count.count_min <= count.count_max


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10**7))
def test_digits_round_trip(n: int) -> None:
    assert parse_count(str(n)) == Count(n, n, "exact")
    arabic_indic = str(n).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert parse_count(arabic_indic) == Count(n, n, "exact")


@pytest.mark.parametrize("text", ["9" * 400, "9" * 400 + " ألف", "٩" * 400 + " مليون"])
def test_a_figure_past_the_float_range_is_unknown(text: str) -> None:
    assert parse_count(text) == Count(None, None, "vague")


@pytest.mark.parametrize("word,expected", [
    ("وعشرين", Count(20, 20, "exact")),
    ("وخمسة", Count(5, 5, "exact")),
    ("بالعشرات", Count(20, 99, "vague")),
    ("للعشرات", Count(20, 99, "vague")),
])
def test_glued_proclitics_come_off_number_words(word: str, expected: Count) -> None:
    assert parse_count(word) == expected
