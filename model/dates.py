"""DATE spans -> calendar dates, relative to the report's date.

Resolves relative days (اليوم، أمس، أول أمس), weekday names (the most recent such day on or before the report
date; strictly before it with الماضي/الفائت), day + month (+ year) in Syriac (كانون الثاني ... كانون الأول),
Gregorian (يناير ... ديسمبر) and Maghrebi (جانفي ... ديسمبر) month names, "الـ 15 من الشهر الجاري", and numeric
dates. A day and month without a year take the year that puts them on or before the report date. Anything
that does not name one day (a month, a year, "مطلع الأسبوع") resolves to None; nothing raises.

>>> import datetime as dt
>>> resolve_date("الثلاثاء الـ 4 من تموز / يوليو", dt.date(2017, 7, 6))
datetime.date(2017, 7, 4)
>>> resolve_date("ليل أمس", dt.date(2017, 7, 6))
datetime.date(2017, 7, 5)
>>> resolve_date("الجمعة الماضي", dt.date(2017, 7, 7))
datetime.date(2017, 6, 30)
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional, Union

from model.arabic import normalise_arabic, proclitic_readings

_n = normalise_arabic

_MONTHS: dict[str, int] = {}
for _month, _names in enumerate(
    [
        "كانون الثاني|كانون ثاني|يناير|جانفي|ينار",
        "شباط|فبراير|فيفري|فبراير",
        "آذار|مارس",
        "نيسان|أبريل|إبريل|ابريل|أفريل",
        "أيار|مايو|ماي",
        "حزيران|يونيو|يونيه|جوان",
        "تموز|يوليو|يوليه|جويلية",
        "آب|أغسطس|اغسطس|أغسطوس|أوت|غشت",
        "أيلول|سبتمبر|شتنبر",
        "تشرين الأول|تشرين أول|أكتوبر|اكتوبر",
        "تشرين الثاني|تشرين ثاني|نوفمبر|نونبر",
        "كانون الأول|كانون أول|ديسمبر|دجنبر",
    ],
    start=1,
):
    for _name in _names.split("|"):
        _MONTHS[_n(_name)] = _month

# Python weekday numbers: Monday = 0.
_WEEKDAYS = {_n(k): v for k, v in {
    "الاثنين": 0, "الإثنين": 0, "الثلاثاء": 1, "الأربعاء": 2, "الخميس": 3, "الجمعة": 4, "السبت": 5, "الأحد": 6,
}.items()}
_PAST = {_n(w) for w in ("الماضي", "الماضية", "الفائت", "الفائتة", "المنصرم", "المنصرمة", "السابق", "السابقة")}
_NEXT = {_n(w) for w in ("المقبل", "المقبلة", "القادم", "القادمة")}
_CURRENT = {_n(w) for w in ("الجاري", "الحالي", "ذاته", "نفسه")}
_SAME = {_n(w) for w in ("ذاته", "نفسه", "عينه")}
_YEAR_WORDS = {_n(w) for w in ("عام", "العام", "سنة", "السنة", "لعام", "من")}
_DAY_LEAD = {_n(w) for w in ("ال", "يوم", "في", "من", "بتاريخ", "تاريخ")}

_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4})(?!\d)")
_YMD = re.compile(r"(?<!\d)(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?!\d)")


def _bare(word: str) -> list[str]:
    """The word and its readings without a glued و/ف/ب/ل/ك: "وفجر" -> فجر، "بتموز" -> تموز.

    Three letters stay (``باب`` is not ب + آب) and the article stays on: the lexicons below are written with it.
    """
    return [r.stem for r in proclitic_readings(word, min_stem=3) if not r.definite]


def _is(word: str, vocabulary: set[str] | dict) -> Optional[str]:
    for form in _bare(word):
        if form in vocabulary:
            return form
    return None


def _safe_date(year: int, month: int, day: int) -> Optional[dt.date]:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _on_or_before(month: int, day: int, ref: dt.date) -> Optional[dt.date]:
    """The latest date with this month and day that is not after ``ref`` (29 February looks back for a leap year)."""
    for year in range(ref.year, ref.year - 9, -1):
        d = _safe_date(year, month, day)
        if d is not None and d <= ref:
            return d
    return None


def _month_at(tokens: list[str], i: int) -> tuple[Optional[int], int]:
    """The month named at token ``i`` and how many tokens it takes."""
    if i + 1 < len(tokens):
        for form in _bare(tokens[i]):
            pair = f"{form} {tokens[i + 1]}"
            if pair in _MONTHS:
                return _MONTHS[pair], 2
    form = _is(tokens[i], _MONTHS)
    # "آب" normalises to "اب" (also "father"); take it as a month only when written as one, next to a day or "شهر".
    if form is not None and " " not in form:
        return _MONTHS[form], 1
    return None, 0


def _day_before(tokens: list[str], i: int) -> Optional[int]:
    """A day number written before the month at token ``i``: "4 حزيران"، "الـ 4 من تموز"، "يوم 3 من شهر آب"."""
    j = i - 1
    while j >= 0 and tokens[j] in ("من", "شهر"):
        j -= 1
    if j >= 0 and tokens[j].isdigit() and 1 <= int(tokens[j]) <= 31 and len(tokens[j]) <= 2:
        return int(tokens[j])
    return None


def _year_after(tokens: list[str], i: int) -> Optional[int]:
    """A four-digit year within a few words after the month ("تموز / يوليو 2017"، "آذار من العام 2019")."""
    for j in range(i, min(i + 5, len(tokens))):
        t = tokens[j]
        if t.isdigit():
            return int(t) if len(t) == 4 and 1900 <= int(t) <= 2100 else None
        if t in _YEAR_WORDS or _is(t, _MONTHS) or (j + 1 < len(tokens) and f"{t} {tokens[j + 1]}" in _MONTHS):
            continue
        if j > i and tokens[j - 1] in ("كانون", "تشرين"):
            continue
        return None
    return None


def _explicit(tokens: list[str], ref: Optional[dt.date]) -> tuple[bool, Optional[dt.date]]:
    """(found, date) for a written calendar date; found with date None means "a month, but no day"."""
    for i in range(len(tokens)):
        month, width = _month_at(tokens, i)
        if month is None:
            continue
        if width == 1 and _n(tokens[i]) == "اب" and _day_before(tokens, i) is None and (i == 0 or tokens[i - 1] != "شهر"):
            continue
        day = _day_before(tokens, i)
        if day is None:
            return True, None
        year = _year_after(tokens, i + width)
        if year is not None:
            return True, _safe_date(year, month, day)
        return True, _on_or_before(month, day, ref) if ref else None
    # "الـ 15 من الشهر الجاري/الماضي"
    for i, t in enumerate(tokens):
        if t == "الشهر" and i + 1 < len(tokens):
            day = _day_before(tokens, i)
            if day is None:
                return True, None
            if ref is None:
                return True, None
            if tokens[i + 1] in _PAST:
                first = ref.replace(day=1) - dt.timedelta(days=1)
                return True, _safe_date(first.year, first.month, day)
            if tokens[i + 1] in _CURRENT:
                return True, _safe_date(ref.year, ref.month, day)
            return True, None
    return False, None


def _weekday_date(weekday: int, ref: dt.date, past: bool, future: bool) -> dt.date:
    delta = (ref.weekday() - weekday) % 7
    if future:
        return ref + dt.timedelta(days=(weekday - ref.weekday()) % 7 or 7)
    if past and delta == 0:
        delta = 7
    return ref - dt.timedelta(days=delta)


def _lone_day(tokens: list[str], ref: dt.date, weekday: Optional[int]) -> Optional[dt.date]:
    """A day of the month written with a weekday but no month ("الثلاثاء الـ 4"): the latest such day not after ``ref``,
    preferring one that falls on the weekday named."""
    for i, t in enumerate(tokens):
        if not (t.isdigit() and 1 <= int(t) <= 31 and len(t) <= 2):
            continue
        if i == 0 or not (tokens[i - 1] in _DAY_LEAD or _is(tokens[i - 1], _WEEKDAYS)):
            return None
        day = int(t)
        first: Optional[dt.date] = None
        year, month = ref.year, ref.month
        for _ in range(12):
            d = _safe_date(year, month, day)
            if d is not None and d <= ref:
                first = first or d
                if weekday is None or d.weekday() == weekday:
                    return d
            month -= 1
            if month == 0:
                year, month = year - 1, 12
        return first
    return None


def resolve_date(
    text: str, report_date: Optional[Union[dt.date, str]], previous: Optional[dt.date] = None
) -> Optional[dt.date]:
    """The calendar day a DATE span names, or None when it names no single day or cannot be resolved.

    ``report_date`` anchors relative expressions (a ``date`` or an ISO string); ``previous`` is the date resolved
    for the event mentioned before, which "اليوم ذاته" / "اليوم التالي" refer to.
    """
    try:
        return _resolve(text, as_date(report_date), previous)
    except (OverflowError, ValueError):
        # day counts past the calendar ("قبل 99999999 يوما") or too long for int(): "unresolved", never a crash
        return None


def as_date(value: Optional[Union[dt.date, str]]) -> Optional[dt.date]:
    """A report date given as a ``date``/``datetime`` or a string that starts with an ISO day, else None.

    >>> as_date("2017-07-06T10:00"), as_date("2017-13-45"), as_date(None)
    (datetime.date(2017, 7, 6), None, None)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return iso_day(value.strip()[:10])
    return None


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_day(value: object) -> Optional[dt.date]:
    """The calendar day a ``YYYY-MM-DD`` string names, else None: no time, no other digits, and none of the other
    ISO forms ``date.fromisoformat`` also takes (the week date ``2019-W01-1``, ``20190101``).

    >>> iso_day("2017-07-06"), iso_day("2017-13-45"), iso_day("2019-W01-1"), iso_day("٢٠١٧-٠٧-٠٦"), iso_day(20170706)
    (datetime.date(2017, 7, 6), None, None, None, None)
    """
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        return None
    return _safe_date(int(value[:4]), int(value[5:7]), int(value[8:]))


def _resolve(text: str, ref: Optional[dt.date], previous: Optional[dt.date]) -> Optional[dt.date]:
    norm = _n(text)
    m = _YMD.search(norm)
    if m:
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DMY.search(norm)
    if m:
        return _safe_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    tokens = _TOKEN.findall(norm)
    # "الـ4" loses its tatweel in normalisation and becomes "ال4": split the article from the digits.
    split: list[str] = []
    for t in tokens:
        if t.startswith("ال") and t[2:].isdigit():
            split += ["ال", t[2:]]
        else:
            split.append(t)
    tokens = split

    found, date = _explicit(tokens, ref)
    if found:
        return date

    bare = [next((f for f in _bare(t) if f in ("امس", "اليوم", "البارحه", "الليله")), t) for t in tokens]
    if any(t in _SAME for t in bare) and "اليوم" in bare:
        return previous
    if "التالي" in bare and "اليوم" in bare:
        return previous + dt.timedelta(days=1) if previous else None
    if ref is None:
        return None
    if "امس" in bare:
        i = bare.index("امس")
        before_before = (i > 0 and bare[i - 1] in ("اول", "من") and "اول" in bare[max(0, i - 2) : i]) or (
            i + 1 < len(bare) and bare[i + 1] == "الاول"
        )
        return ref - dt.timedelta(days=2 if before_before else 1)
    if "البارحه" in bare:
        return ref - dt.timedelta(days=1)
    if "الليله" in bare and any(t in _PAST for t in bare):
        return ref - dt.timedelta(days=1)
    m_ago = _ago(bare)
    if m_ago is not None:
        return ref - dt.timedelta(days=m_ago)

    weekday = next((_WEEKDAYS[f] for t in tokens if (f := _is(t, _WEEKDAYS))), None)
    if weekday is not None:
        lone = _lone_day(tokens, ref, weekday)
        if lone is not None:
            return lone
        past = any(t in _PAST for t in tokens)
        future = any(t in _NEXT for t in tokens)
        return _weekday_date(weekday, ref, past, future)
    if "اليوم" in bare or "الليله" in bare or "غدا" in bare:
        return ref + dt.timedelta(days=1) if "غدا" in bare else ref
    return _lone_day(tokens, ref, None)


_DAY_WORDS = {"يوم": 1, "يومين": 2, "ايام": None, "يوما": None}


def _ago(tokens: list[str]) -> Optional[int]:
    """Days back for "قبل يومين" / "قبل 3 أيام"; None when not written that way."""
    for i, t in enumerate(tokens[:-1]):
        if t != "قبل":
            continue
        nxt = tokens[i + 1]
        if nxt in ("يوم", "يومين"):
            return _DAY_WORDS[nxt]
        if nxt.isdigit() and i + 2 < len(tokens) and tokens[i + 2] in ("ايام", "يوما"):
            return int(nxt)
    return None
