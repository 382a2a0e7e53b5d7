"""Arabic text: the one place that knows spelling variants, diacritics and digits.

:func:`normalise_arabic` gives a comparison key; it is not offset-preserving, so it is never used to index a
caller's text.
"""
from __future__ import annotations

import re
import unicodedata

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
    text = unicodedata.normalize("NFKC", text)
    text = MARKS.sub("", text)
    text = text.translate(_LETTER_MAP).lower()
    return _SPACES.sub(" ", text).strip()


