"""The incident's own place: which of a record's LOCATION mentions ACLED's ``location`` is.

A report names more places than the one where the incident happened: the dateline ("الموصل (العراق) (رويترز) -"),
the province or countryside a place lies in ("ريف جسر الشغور"، "محافظة الأنبار"), the city after the neighbourhood
("حي الرمل بمدينة صور"، "حارة حريك في الضاحية الجنوبية"). ``order_places`` puts the places the learned role head
is sure of first, then demotes those broad mentions, and keeps the text's order otherwise.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Optional, Sequence

from model.arabic import normalise_arabic, proclitic_readings

_LEX = json.loads((Path(__file__).with_name("lexicons.json")).read_text(encoding="utf-8"))
_REGION = {normalise_arabic(w) for w in _LEX["region_words"].split()}
_DIRECTION = {normalise_arabic(w) for w in _LEX["direction_words"].split()}
_ELSEWHERE = {normalise_arabic(w) for w in _LEX["elsewhere_words"].split()}
_REPORT = {normalise_arabic(w) for w in _LEX["report_words"].split()}
_HOSPITAL = {normalise_arabic(w) for w in _LEX["hospital_words"].split()}
_GENERIC = {normalise_arabic(w) for w in _LEX["generic_place_nouns"].split()}
_GENERIC_ADJ = {normalise_arabic(w) for w in _LEX["generic_place_adjectives"].split()}
_IN = {normalise_arabic(w) for w in ("في", "ب", "ل", "داخل", "ضمن", "التابعة", "التابع", "بمحافظة", "بريف")}


def _stems(word: str) -> set[str]:
    norm = normalise_arabic(word)
    return {norm} | {r.stem for r in proclitic_readings(norm)}


def _dateline(m, text: str) -> bool:
    """The mention opens a line and a source or dash follows it: "بغداد (رويترز) -"، "بيروت (وكالات) –"."""
    line_start = text.rfind("\n", 0, m.start) + 1
    if text[line_start:m.start].strip():
        return False
    after = text[m.end:m.end + 40]
    return after.lstrip().startswith(("(", "–", "-", "—", ":"))


def dateline_or_gloss(m, text: str) -> bool:
    """A dateline ("بغداد (رويترز) -") or its gloss ("الموصل (العراق)"): names where the report was filed."""
    return _dateline(m, text) or (text[max(0, m.start - 1):m.start] == "(" and text[m.end:m.end + 1] == ")")


def _opens_scene(m, text: str) -> bool:
    """"وفي <m>، ..." at the start of a line or clause."""
    line_start = text.rfind("\n", 0, m.start) + 1
    lead = text[line_start:m.start].split()
    return len(lead) == 1 and normalise_arabic(lead[0]) in ("في", "وفي", "ففي")


def broad(m, text: str, others: Sequence) -> bool:
    """Whether ``m`` is a dateline or its gloss, a region word's place or the place that contains another one named just before
    it (``others``: the record's other locations)."""
    if dateline_or_gloss(m, text):
        return True
    words = m.text.split()
    if words and _stems(words[0]) & _REGION:
        return True
    before = text[max(0, m.start - 30):m.start].split()
    if before and _stems(before[-1]) & (_REGION | _DIRECTION | _ELSEWHERE):
        return True  # "ريف X"، "غرب X"، "انسحبوا نحو X": around, or away from, where it happened
    if words and _stems(words[0]) & _HOSPITAL and any(_stems(w) & _REPORT for w in before[-4:]):
        return True  # "مصادر طبية في مستشفى X"، "نقلوا إلى مستشفى X": where the toll was told, not the place
    if _opens_scene(m, text) and any(o.start > m.end and not _dateline(o, text) for o in others):
        return True  # "وفي بوركينا فاسو، قال سكان بمدينة جيبو ...": the scene, then its place
    for o in others:
        if o is m or o.end > m.start or generic(o):
            continue  # "قرب سوق شعبي في الجحملية": a kind of place makes no place broad
        gap = text[o.end:m.start].strip(" ،,")
        if len(gap) > 25:
            continue
        gap_words = gap.split()
        # "X في Y"، "X بمدينة Y" (the preposition glued to Y), "X، غرب Y"
        if not gap_words and m.text[:1] in ("ب", "ل"):
            return True
        if gap_words and all(_stems(w) & (_IN | _DIRECTION | _REGION) for w in gap_words):
            return True
    return False


def generic(m) -> bool:
    """The mention names no place, only a kind of one ("سوق"، "سوق شعبي"، "السور"، "بوابة المعسكر"): a word the
    tagger took for a name. Every word is a common place noun or an adjective of one."""
    words = m.text.split()
    return bool(words) and bool(_stems(words[0]) & _GENERIC) and all(
        _stems(w) & (_GENERIC | _GENERIC_ADJ) for w in words[1:])


def order_places(locations: Sequence, text: Optional[str], placed: Callable[[object], bool]) -> list:
    """``locations`` with the incident's own place first: named places before kinds of place (:func:`generic`),
    those ``placed`` (the role head is sure) before the others, then specific before broad (:func:`broad`, needs
    ``text``), then in text order."""
    def key(item: tuple[int, object]) -> tuple:
        i, m = item
        return (generic(m), not placed(m), bool(text) and broad(m, text, locations), i)

    return [m for _, m in sorted(enumerate(locations), key=key)]
