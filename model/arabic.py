"""Arabic text: the one place that knows spelling variants, diacritics, digits and glued proclitics.

:func:`normalise_arabic` gives a comparison key; it is not offset-preserving, so it is never used to index a
caller's text. :func:`proclitic_readings` lists the ways to read a normalised word with a glued conjunction,
preposition or article taken off (lexicon look-ups try each); :func:`strip_clitics` decides, for a name's surface
form, which of them really are clitics and cuts them off the original spelling.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Collection, NamedTuple, Optional

QUOTES = "\"'“”„‟«»‹›‘’‚`´″״"
_LETTER_MAP = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
        "ى": "ي", "ی": "ي", "ې": "ي", "ئ": "ي",
        "ة": "ه", "ۀ": "ه", "ە": "ه",
        "ؤ": "و",
        "ک": "ك", "ڪ": "ك",
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        **{q: None for q in QUOTES},
        "ـ": None,
    }
)
# Diacritics (harakat, tanwin, shadda, sukun), Quranic annotation marks and the superscript alef: not letters.
MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_SPACES = re.compile(r"\s+")


def normalise_arabic(text: str) -> str:
    """A lookup key for Arabic text: the spelling variants that do not change a name meet on one string.

    Strips diacritics, tatweel and quote marks; unifies alef/hamza forms to ``ا``, ``ؤ`` to ``و``, ``ئ``/``ى`` to
    ``ي``, ``ة`` to ``ه``; maps Arabic-Indic and Persian digits to ASCII; lowercases Latin; collapses spaces.
    Not offset-preserving: use it for comparison, never to index the caller's text.

    >>> normalise_arabic("تنظيمُ “الدولةِ الإسلاميـة” ١٢")
    'تنظيم الدوله الاسلاميه 12'
    """
    # the rules key the same words thousands of times per report; long texts seldom repeat and would fill the cache
    return _normalise_word(text) if len(text) <= _CACHED_LENGTH else _normalise(text)


_CACHED_LENGTH = 40


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = MARKS.sub("", text)
    text = text.translate(_LETTER_MAP).lower()
    return _SPACES.sub(" ", text).strip()


_normalise_word = lru_cache(maxsize=1 << 16)(_normalise)




# ----------------------------------------------------------------------------------------------------------------
# Glued proclitics: a conjunction (و، ف), then a preposition (ب، ل، ك), then the article, written onto the word.

CONJUNCTIONS = "وف"
PREPOSITIONS = "بلك"


class Reading(NamedTuple):
    """One way to read a normalised word: its ``stem`` once the first ``dropped`` letters are taken as clitics."""

    stem: str
    dropped: int
    definite: bool  # the article came off too


def proclitic_readings(word: str, min_stem: int = 2) -> list[Reading]:
    """The readings of a normalised word, the word itself first, then with its conjunction, preposition and
    article taken off one after the other. ``لل`` is ``ل`` + ``ال`` with the article's alef dropped, so it reads
    ``ال`` + the rest. A letter comes off only when ``min_stem`` letters stay (short words such as ``بر`` keep it)
    or a figure follows it (``و4``).

    >>> [r.stem for r in proclitic_readings("وبالعشرات")]
    ['وبالعشرات', 'بالعشرات', 'العشرات', 'عشرات']
    >>> proclitic_readings("للقوات")[1:]
    [Reading(stem='القوات', dropped=2, definite=False), Reading(stem='قوات', dropped=2, definite=True)]
    """
    # cached: the lexicons ask for the same words tens of thousands of times; a fresh list, callers may edit it
    return list(_cached_readings(word, min_stem))


def _readings(word: str, min_stem: int) -> tuple[Reading, ...]:
    def room(stem: str) -> bool:
        return len(stem) > min_stem or stem[1:2].isdigit()

    out = [Reading(word, 0, False)]
    stem, dropped, restored = word, 0, False
    if room(stem) and stem[0] in CONJUNCTIONS:
        stem, dropped = stem[1:], 1
        out.append(Reading(stem, dropped, False))
    if room(stem) and stem[0] in PREPOSITIONS:
        if stem.startswith("لل"):
            if len(stem) - 2 >= min_stem:
                stem, dropped, restored = "ال" + stem[2:], dropped + 2, True
                out.append(Reading(stem, dropped, False))
        else:
            stem, dropped = stem[1:], dropped + 1
            out.append(Reading(stem, dropped, False))
    if stem.startswith("ال") and len(stem) - 2 >= min_stem:
        # after لل the article was never in the word: no more of its letters come off
        out.append(Reading(stem[2:], dropped if restored else dropped + 2, True))
    return tuple(out)


_cached_readings = lru_cache(maxsize=1 << 16)(_readings)


# Words that begin with و as part of the word, not as the conjunction (normalised forms).
WAW_WORDS = frozenset(
    "وادي واحه واسط وحدات وحده ولايه وزاره وزير وسط ولاء وعد وطن وطني وطنيه ورشه وكاله وكالات وفد وقف ".split()
)
# A clitic written apart, with tatweel: "لـ داعش" (normalised forms).
_LONE_CLITICS = frozenset("و ف ب ل ك وب ول فب فل وك".split())


def clitic_reading(word: str, vocabulary: Collection[str] = frozenset()) -> Optional[Reading]:
    """The reading a normalised word really has when it opens a name: its glued clitics off, or None to keep it.

    A و is the conjunction unless the word is one that starts with و; ف/ب/ل/ك come off only before the article or
    a word of ``vocabulary`` (head nouns, known names), since many names begin with those letters (بغداد، كركوك).

    >>> [clitic_reading(w) for w in ("بغداد", "وادي", "الرقه")]
    [None, None, None]
    >>> clitic_reading("ومسلحين"), clitic_reading("بمدينه", {"مدينه"})
    (Reading(stem='مسلحين', dropped=1, definite=False), Reading(stem='مدينه', dropped=1, definite=False))
    """
    def known(stem: str) -> bool:
        return stem.startswith("ال") or stem in vocabulary

    if known(word) or word in WAW_WORDS:
        return None
    readings = [r for r in proclitic_readings(word) if not r.definite][1:]
    for r in readings:
        if known(r.stem):
            return r
    return readings[0] if readings and word[0] == "و" else None


def _drop_letters(surface: str, count: int) -> str:
    """Drop ``count`` letters (with the marks and tatweel that ride on them) from the start of ``surface``."""
    i = 0
    while i < len(surface) and count > 0:
        i += 1
        count -= 1
        while i < len(surface) and (MARKS.match(surface[i]) or surface[i] == "ـ"):
            i += 1
    return surface[i:]


def _stray(char: str) -> bool:
    """Whitespace, tatweel or punctuation other than a quote mark: never part of a name at its edge."""
    return char.isspace() or char == "ـ" or (unicodedata.category(char).startswith("P") and char not in QUOTES)


def clean_edges(surface: str) -> str:
    """Trim whitespace, tatweel and punctuation that does not belong to a name from both ends."""
    s = surface.strip()
    while s and _stray(s[0]):
        s = s[1:]
    while s and _stray(s[-1]):
        s = s[:-1]
    # A quote left on one side only (the other was cut off with the clitic) is noise.
    if s and s[0] in QUOTES and not any(c in QUOTES for c in s[1:]):
        s = s[1:].lstrip()
    if s and s[-1] in QUOTES and not any(c in QUOTES for c in s[:-1]):
        s = s[:-1].rstrip()
    return s


def strip_clitics(surface: str, vocabulary: Collection[str] = frozenset()) -> str:
    """A name's surface form without its glued conjunction/preposition (و، ف، ب، ل، ك and their pairs), edges
    cleaned. Keeps the original spelling; ``لل`` becomes ``ال``. Letters that belong to the name stay (``بغداد``،
    ``وادي الشاي``، ``وحدات حماية الشعب``). ``vocabulary`` holds normalised words a preposition may stand before
    (see :func:`clitic_reading`); ``model.aliases.bare_name`` passes the alias table's.

    >>> strip_clitics("للتحالف الدولي"), strip_clitics("ووحدات حماية الشعب"), strip_clitics("بغداد")
    ('التحالف الدولي', 'وحدات حماية الشعب', 'بغداد')
    >>> strip_clitics("بمدينة الرقة"), strip_clitics("بمدينة الرقة", {"مدينه"})
    ('بمدينة الرقة', 'مدينة الرقة')
    """
    s = clean_edges(surface)
    if not s:
        return s
    parts = s.split(None, 1)
    first = normalise_arabic(parts[0])
    if first in _LONE_CLITICS and len(parts) > 1:
        return clean_edges(parts[1])
    # Quote marks may sit between the clitic and the name: و“الدولة ...
    lead = len(s) - len(s.lstrip(QUOTES))
    reading = clitic_reading(first, vocabulary)
    if reading is None:
        return s
    body = _drop_letters(s[lead:], reading.dropped)
    if reading.stem.startswith("ال") and not first[reading.dropped:].startswith("ال"):
        body = "ال" + body  # لل: the article's alef comes back
    return clean_edges(s[:lead] + body)
