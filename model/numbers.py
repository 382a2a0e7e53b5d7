"""Casualty counts: Arabic figures, number words, vague counts and qualifiers -> a bounded count.

Reading conventions (ACLED's conservative reading, applied the same way everywhere):

- ``exact``: the figure as written, ``count_min == count_max``.
- ``at_least`` (على الأقل، ما لا يقل عن، أكثر من، ما يزيد عن، أزيد من ...): ``count_min`` is the figure *as written*
  and ``count_max`` is None. "أكثر من 40" gives 40, not 41: ACLED codes the stated figure as the floor, and one
  rule for "at least" and "more than" keeps the totals comparable.
- ``approximately`` (نحو، حوالي، قرابة، زهاء، ما يقارب، تقريباً ...): ``count_min == count_max == n``.
- ``at_most`` (أقل من، لا يزيد عن، حتى ...): ``count_min`` is None (no floor was reported), ``count_max`` is the
  figure as written.
- ``vague``: a range without one figure. عشرات -> 20..99, مئات -> 200..999, آلاف -> 2000..9999 (the plural names at
  least three units, so twenty, two hundred, two thousand are the smallest plural readings; the same words after
  a multiplier scale: عشرات الآلاف -> 20000..99999); بضعة/عدة -> 3..9; a written range "10 إلى 15" -> 10..15.
- Anything unreadable is ``Count(None, None, "vague")``; parsing never raises.

>>> parse_count("أكثر من 40")
Count(count_min=40, count_max=None, qualifier='at_least')
>>> parse_count("خمسة وعشرين")
Count(count_min=25, count_max=25, qualifier='exact')
>>> parse_count("العشرات")
Count(count_min=20, count_max=99, qualifier='vague')
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Optional

from model.arabic import CONJUNCTIONS, normalise_arabic, proclitic_readings

QUALIFIERS = ("exact", "at_least", "approximately", "at_most", "vague")


@dataclass(frozen=True)
class Count:
    """A count read from text; see the module docstring for what each qualifier means for the bounds."""

    count_min: Optional[int]
    count_max: Optional[int]
    qualifier: str


UNKNOWN = Count(None, None, "vague")

# Qualifier phrases, as normalised word sequences. Longer phrases come first so that "ما لا يزيد عن" is not read
# as "يزيد عن".
_QUALIFIER_PHRASES: list[tuple[tuple[str, ...], str]] = sorted(
    [
        (tuple(normalise_arabic(p).split()), q)
        for q, phrases in {
            "at_most": ["ما لا يزيد عن", "ما لا يزيد علي", "لا يزيد عن", "لا يزيد علي", "لا يتجاوز", "ما لا يتجاوز",
                        "اقل من", "ما دون", "حتي", "علي الاكثر", "كحد اقصي", "اقصاه"],
            "at_least": ["ما لا يقل عن", "لا يقل عن", "لا يقل علي", "ما لا يقل علي", "علي الاقل", "اكثر من",
                         "ما يزيد عن", "ما يزيد علي", "يزيد عن", "يزيد علي", "ازيد من", "ما يربو علي", "يربو علي",
                         "ما يفوق", "يفوق", "اكثر من", "كحد ادني", "ما يتجاوز", "يتجاوز", "اكثر"],
            "approximately": ["نحو", "حوالي", "حوالى", "قرابه", "زهاء", "ما يقارب", "يقارب", "ما يقرب من", "يقرب من",
                              "تقريبا", "ما يناهز", "يناهز", "قرابه ال", "ما يقدر ب", "يقدر ب", "بنحو", "بحوالي",
                              "علي وجه التقريب", "في حدود", "حدود"],
        }.items()
        for p in phrases
    ],
    key=lambda item: -len(item[0]),
)

def _norm_keys(table: dict) -> dict:
    # Lexicon entries are written in ordinary spelling and compared in normalised form (مئة -> ميه).
    return {normalise_arabic(k): v for k, v in table.items()}


_UNITS = _norm_keys({
    "واحد": 1, "واحدة": 1, "أحد": 1, "إحدى": 1,
    "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2, "اثنا": 2, "اثني": 2, "اثنتا": 2, "اثنتي": 2, "ثنتين": 2,
    "ثلاث": 3, "ثلاثة": 3, "أربع": 4, "أربعة": 4, "خمس": 5, "خمسة": 5, "ست": 6, "ستة": 6, "سبع": 7, "سبعة": 7,
    "ثمان": 8, "ثماني": 8, "ثمانية": 8, "تسع": 9, "تسعة": 9,
})
_TEN = set(_norm_keys({"عشر": 0, "عشرة": 0}))
_TENS = _norm_keys({
    "عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "أربعون": 40, "أربعين": 40, "خمسون": 50, "خمسين": 50,
    "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70, "ثمانون": 80, "ثمانين": 80, "تسعون": 90, "تسعين": 90,
})
_HUNDRED = set(_norm_keys({"مئة": 0, "مائة": 0, "مية": 0}))
_HUNDRED_SUFFIXES = tuple(_HUNDRED)
_HUNDREDS_VAGUE = set(_norm_keys({"مئات": 0, "مئآت": 0}))
_TWO_HUNDRED = set(_norm_keys({k: 0 for k in "مئتان مئتين مائتان مائتين مئتا مئتي مائتا مائتي ميتين".split()}))
_THOUSAND = set(_norm_keys({"ألف": 0, "ألفاً": 0}))
_TWO_THOUSAND = set(_norm_keys({"ألفان": 0, "ألفين": 0, "ألفي": 0}))
_THOUSANDS = set(_norm_keys({"آلاف": 0, "ألوف": 0}))
_MILLION = set(_norm_keys({"مليون": 0, "مليوناً": 0}))
_TWO_MILLION = set(_norm_keys({"مليونان": 0, "مليونين": 0}))
_MILLIONS = set(_norm_keys({"ملايين": 0}))
_TENS_VAGUE = set(_norm_keys({"عشرات": 0}))
_FEW = set(_norm_keys({"بضع": 0, "بضعة": 0, "عدة": 0, "بضعاً": 0}))
_RANGE_WORDS = set(_norm_keys({"إلى": 0, "و": 0, "أو": 0, "-": 0, "–": 0, "حتى": 0}))

_TOKEN = re.compile(r"\d+(?:[.,٫٬']\d+)*|[^\W\d_]+|[-–]")
_GROUPED = re.compile(r"^\d{1,3}(?:[,٬']\d{3})+$")


def _digits_value(token: str) -> Optional[float]:
    """A digit run: ``1,200`` and ``١٬٢٠٠`` are thousands, ``3.5`` and ``3٫5`` decimals."""
    if _GROUPED.match(token):
        return float(re.sub(r"[,٬']", "", token))
    t = token.replace("٫", ".")
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return float(t)
    if re.fullmatch(r"\d+,\d{1,2}", t):  # a decimal comma, "2,5"
        return float(t.replace(",", "."))
    return None


_SIMPLE = {**{k: ("unit", v) for k, v in _UNITS.items()}, **{k: ("ten", 10) for k in _TEN},
           **{k: ("tens", v) for k, v in _TENS.items()}, **{k: ("hundred", 100) for k in _HUNDRED},
           **{k: ("two_hundred", 200) for k in _TWO_HUNDRED}, **{k: ("thousand", 1000) for k in _THOUSAND},
           **{k: ("two_thousand", 2000) for k in _TWO_THOUSAND}, **{k: ("thousands", 1000) for k in _THOUSANDS},
           **{k: ("million", 10**6) for k in _MILLION}, **{k: ("two_million", 2 * 10**6) for k in _TWO_MILLION},
           **{k: ("millions", 10**6) for k in _MILLIONS}}


def _classify(word: str) -> Optional[tuple[str, float]]:
    """The role of one normalised word in a number, or None when it is not part of one."""
    if word[:1].isdigit():
        value = _digits_value(word)
        return ("digits", value) if value is not None else None
    # a glued و/ب/ل/ف and the article: "وعشرين" -> عشرين، "بالعشرات" -> عشرات
    for form, _, _ in proclitic_readings(word):
        if form in _TENS_VAGUE:
            return ("vague", 10)
        if form in _HUNDREDS_VAGUE:
            return ("vague_hundreds", 100)
        if form in _FEW:
            return ("few", 0)
        if form in _SIMPLE:
            return _SIMPLE[form]
        # Glued hundreds: ثلاثمئة، خمسمائة، ثمانمئة
        for h in _HUNDRED_SUFFIXES:
            if form.endswith(h) and form[: -len(h)] in _UNITS:
                return ("hundreds", _UNITS[form[: -len(h)]] * 100)
    return None


def _find_qualifiers(words: list[str]) -> tuple[list[str], Optional[str]]:
    """Remove qualifier phrases from the word list; return the rest and the first qualifier found.

    "حتى" after a number joins a range ("10 حتى 15"), so it is a qualifier only before the first number.
    """
    found: Optional[str] = None
    out: list[str] = []
    seen_number = False
    i = 0
    while i < len(words):
        seen_number = seen_number or _classify(words[i]) is not None
        for phrase, qualifier in _QUALIFIER_PHRASES:
            n = len(phrase)
            if seen_number and phrase == ("حتي",):
                continue
            window = words[i : i + n]
            if len(window) == n and all(_matches(w, p, k == 0) for k, (w, p) in enumerate(zip(window, phrase))):
                found = found or qualifier
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out, found


def _matches(word: str, pattern: str, first: bool) -> bool:
    """A qualifier word matches with a glued conjunction on the first word: "ونحو"، "وحوالي"."""
    if word == pattern:
        return True
    return first and len(word) > len(pattern) and word[0] in CONJUNCTIONS and word[1:] == pattern


class _Reader:
    """Accumulates one number from its words in the order Arabic writes them."""

    def __init__(self) -> None:
        self.total = 0.0
        self.current = 0.0
        self.last: Optional[str] = None
        self.started = False

    def value(self) -> float:
        return self.total + self.current

    def feed(self, kind: str, value: float) -> bool:
        """Add one word; False when it cannot continue the number read so far."""
        if kind in ("digits", "unit", "tens", "two_hundred", "hundreds", "ten"):
            if kind == "digits" and self.started:
                return False  # "3 4" is two figures, not 7
            if kind == "unit" and self.last in ("unit", "ten", "digits"):
                return False
            self.current += value  # "ثلاثة عشر" = 3 + 10, "خمسة وعشرين" = 5 + 20
        elif kind == "hundred":
            if self.last in ("unit", "digits") and 0 < self.current < 10:
                self.current *= 100  # ثلاث مئة
            else:
                self.current += 100
        elif kind in ("thousand", "thousands", "million", "millions"):
            scale = 1000 if kind in ("thousand", "thousands") else 10**6
            if self.current == 0:
                if kind in ("thousands", "millions"):
                    return False
                self.current = 1
            self.total += self.current * scale
            self.current = 0
        elif kind in ("two_thousand", "two_million"):
            self.total += value
        else:
            return False
        self.started = True
        self.last = kind
        return True


def _vague_scale(words: list[tuple[str, float]], i: int) -> int:
    """The scale written after a vague plural: عشرات الآلاف -> 1000."""
    if i + 1 < len(words) and words[i + 1][0] in ("thousand", "thousands", "two_thousand"):
        return 1000
    if i + 1 < len(words) and words[i + 1][0] in ("million", "millions"):
        return 10**6
    return 1


def _read(words: list[str]) -> Optional[Count]:
    """Read the first number (or vague count, or range) from normalised words with qualifiers removed."""
    tagged: list[Optional[tuple[str, float]]] = [_classify(w) for w in words]
    # The first word that starts a number; leading unrelated words (a cue such as "مقتل") are skipped.
    start = next((i for i, t in enumerate(tagged) if t is not None), None)
    if start is None:
        return None
    kind, value = tagged[start]  # type: ignore[misc]
    rest = [t for t in tagged[start:] if t is not None]
    if kind == "vague":
        scale = _vague_scale(rest, 0)
        return Count(20 * scale, 100 * scale - 1, "vague")
    if kind == "vague_hundreds":
        scale = _vague_scale(rest, 0)
        return Count(200 * scale, 1000 * scale - 1, "vague")
    if kind == "thousands":
        return Count(2000, 9999, "vague")
    if kind == "millions":
        return Count(2 * 10**6, 9_999_999, "vague")
    if kind == "few":
        scale = _vague_scale(rest, 0)
        if len(rest) > 1 and rest[1][0] == "vague":  # بضع عشرات
            return Count(20, 99, "vague")
        return Count(3 * scale, 10 * scale - 1, "vague")
    reader = _Reader()
    i = start
    while i < len(words):
        tag = tagged[i]
        if tag is None:
            nxt = tagged[i + 1] if i + 1 < len(tagged) else None
            if words[i] == "و" and reader.started and nxt is not None and nxt[0] != "digits":
                i += 1  # "خمسة و عشرين" with the conjunction written apart
                continue
            break
        if not reader.feed(*tag):
            break
        i += 1
    first = reader.value()
    # A written range: "10 إلى 15"، "10-15"، "بين 10 و 15".
    if i < len(words) and words[i] in _RANGE_WORDS:
        j = i + 1
        second = _Reader()
        while j < len(words) and tagged[j] is not None and second.feed(*tagged[j]):  # type: ignore[misc]
            j += 1
        if second.started and second.value() > first:
            return Count(int(first), int(second.value()), "vague")
    if first != int(first):
        return None
    return Count(int(first), int(first), "exact")


def _words(text: str) -> list[str]:
    return _TOKEN.findall(normalise_arabic(text))


def apply_qualifier(count: Count, qualifier: Optional[str]) -> Count:
    """Re-read an exact count under a qualifier found elsewhere ("15 شخصاً على الأقل"); other counts are kept."""
    if qualifier is None or count.qualifier != "exact" or count.count_min is None:
        return count
    n = count.count_min
    if qualifier == "at_least":
        return Count(n, None, "at_least")
    if qualifier == "at_most":
        return Count(None, n, "at_most")
    if qualifier == "approximately":
        return replace(count, qualifier="approximately")
    return count


def parse_count(text: str) -> Count:
    """Read a casualty figure (digits, number words, vague counts) and its qualifier; never raises.

    >>> parse_count("ما لا يقل عن ١٬٢٠٠")
    Count(count_min=1200, count_max=None, qualifier='at_least')
    >>> parse_count("عنصراً")
    Count(count_min=None, count_max=None, qualifier='vague')
    """
    try:
        words, qualifier = _find_qualifiers(_words(text))
        count = _read(words)
    except OverflowError:  # hundreds of digits make an infinite float: a figure we cannot read is "unknown"
        return UNKNOWN
    if count is None:
        return UNKNOWN
    return apply_qualifier(count, qualifier)


# Qualifiers written after the counted noun. Only these unambiguous adverbial phrases count there: "نحو" or
# "أكثر من" after the noun start a new phrase and say nothing about this figure.
_TRAILING = [
    (("علي", "الاقل"), "at_least"),
    (("كحد", "ادني"), "at_least"),
    (("علي", "الاكثر"), "at_most"),
    (("كحد", "اقصي"), "at_most"),
    (("تقريبا",), "approximately"),
    (("علي", "وجه", "التقريب"), "approximately"),
]
_TRAILING_SKIP = 3  # the counted noun and a possessive/partitive: "شخصاً"، "منهم"، "من عناصره"


def count_text_qualifier(context_after: str) -> Optional[str]:
    """The qualifier written just after a count's noun ("15 شخصاً على الأقل"), or None.

    ``context_after`` is the text right after the count span. The phrase must start within the next
    three words and before any punctuation.

    >>> count_text_qualifier(" شخصاً على الأقل في القصف")
    'at_least'
    >>> count_text_qualifier(" عنصراً، على الأقل")
    """
    norm = normalise_arabic(context_after)
    clause = re.split(r"[.,،؛;:!?؟()\[\]\n]", norm, maxsplit=1)[0]
    words = _TOKEN.findall(clause)
    for i in range(min(_TRAILING_SKIP + 1, len(words))):
        for phrase, qualifier in _TRAILING:
            if tuple(words[i : i + len(phrase)]) == phrase:
                return qualifier
    return None
