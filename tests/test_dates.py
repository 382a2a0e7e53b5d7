"""DATE spans resolved against the report date."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.dates import resolve_date

D = dt.date
REPORT = D(2017, 6, 6)  # a Tuesday

CASES = [
    ("اليوم", D(2017, 6, 6)),
    ("فجر اليوم", D(2017, 6, 6)),
    ("صباح اليوم", D(2017, 6, 6)),
    ("مساء اليوم", D(2017, 6, 6)),
    ("ليل اليوم", D(2017, 6, 6)),
    ("فجر اليوم الساعة 4", D(2017, 6, 6)),
    ("أمس", D(2017, 6, 5)),
    ("يوم أمس", D(2017, 6, 5)),
    ("ليل أمس", D(2017, 6, 5)),
    ("البارحة", D(2017, 6, 5)),
    ("أمس الاثنين", D(2017, 6, 5)),
    ("أول أمس", D(2017, 6, 4)),
    ("أول من أمس", D(2017, 6, 4)),
    ("السبت", D(2017, 6, 3)),
    ("صباح الأحد", D(2017, 6, 4)),
    ("الثلاثاء", D(2017, 6, 6)),  # on or before the report date
    ("الثلاثاء الماضي", D(2017, 5, 30)),  # strictly before with الماضي
    ("الجمعة الفائت", D(2017, 6, 2)),
    ("ليل الخميس – الجمعة", D(2017, 6, 1)),
    ("12 آذار 2019", D(2019, 3, 12)),
    ("٣ آب / أغسطس 2014", D(2014, 8, 3)),
    ("4 حزيران", D(2017, 6, 4)),
    ("7 حزيران", D(2016, 6, 7)),  # after the report date this year, so last year
    ("الـ 23 من أيار / مايو", D(2017, 5, 23)),
    ("الثلاثاء الـ 4 من تموز / يوليو", D(2016, 7, 4)),
    ("يوم الثلاثاء 31 آذار 2015", D(2015, 3, 31)),
    ("الجمعة 3 تشرين الثاني / نوفمبر", D(2016, 11, 3)),
    ("الاثنين 28 كانون الأول / ديسمبر", D(2016, 12, 28)),
    ("3 كانون الثاني", D(2017, 1, 3)),
    ("14 يونيه", D(2016, 6, 14)),
    ("20 يوليه 2016", D(2016, 7, 20)),
    ("١٥ أغسطس", D(2016, 8, 15)),
    ("الـ 15 من الشهر الجاري", D(2017, 6, 15)),
    ("الـ 15 من الشهر الماضي", D(2017, 5, 15)),
    ("12/03/2019", D(2019, 3, 12)),
    ("قبل يومين", D(2017, 6, 4)),
    # no single day
    ("الشهر الفائت", None),
    ("منتصف شهر أيار الفائت", None),
    ("تموز الماضي", None),
    ("أواخر العام 2016", None),
    ("مطلع الأسبوع الجاري", None),
    ("تشرين الأول 2016", None),
    ("", None),
    ("32 حزيران 2017", None),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_resolve_date(text: str, expected) -> None:
    assert resolve_date(text, REPORT) == expected


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 20


def test_iso_string_report_date_and_missing_report_date() -> None:
    assert resolve_date("أمس", "2017-06-06") == D(2017, 6, 5)
    assert resolve_date("أمس", None) is None
    assert resolve_date("أمس", "not a date") is None
    assert resolve_date("12 آذار 2019", None) == D(2019, 3, 12)  # absolute dates need no anchor
    assert resolve_date("4 حزيران", None) is None  # the year needs one


def test_leap_day_without_year_looks_back_to_a_leap_year() -> None:
    assert resolve_date("29 شباط", D(2019, 5, 1)) == D(2016, 2, 29)


def test_same_day_refers_to_the_previous_event() -> None:
    assert resolve_date("مساء اليوم ذاته", REPORT, previous=D(2017, 6, 1)) == D(2017, 6, 1)
    assert resolve_date("مساء اليوم ذاته", REPORT) is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40), st.dates(min_value=D(1950, 1, 1), max_value=D(2090, 12, 31)))
def test_never_raises(text: str, report: dt.date) -> None:
    result = resolve_date(text, report)
    assert result is None or isinstance(result, dt.date)


@pytest.mark.parametrize("text,report", [
    ("قبل 99999999 يوما", D(2017, 1, 1)),  # past the calendar
    ("قبل " + "9" * 5000 + " يوما", D(2017, 1, 1)),  # too many digits for int()
    ("قبل 3 أيام", D(1, 1, 2)),  # before year 1
])
def test_a_day_off_the_calendar_is_unresolved(text: str, report: dt.date) -> None:
    assert resolve_date(text, report) is None


@pytest.mark.parametrize("text,expected", [
    ("وكانون الثاني 2017", None),  # a month, no day
    ("الـ 5 من كانون الثاني 2017", D(2017, 1, 5)),  # ك of كانون is not a preposition
    ("5 وبكانون الثاني 2017", D(2017, 1, 5)),
    ("ليل باب", None),  # باب is not ب + آب
])
def test_month_names_with_glued_letters(text: str, expected) -> None:
    assert resolve_date(text, D(2017, 6, 6)) == expected
