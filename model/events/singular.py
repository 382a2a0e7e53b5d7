"""One death told without a figure: "اغتال مسلحون مختاراً محلياً"، "لقي طفل حتفه"، "عُثر على جثة رجل".

The casualty rules add CASUALTY spans, and a report names a single victim by who they were, not by a number. A
record that counted no one killed but says one person died (a singular pronoun on the death word, "جثة", an
assassination) has one fatality; an attempt ("محاولة اغتيال"، "نجا من") or a negation has none.
"""
from __future__ import annotations

import re

from model.arabic import normalise_arabic
from model.events.lexicons import _ATTEMPT, _NEGATION, _match, _words

_SINGULAR = _words("singular_death_words")
# "محاولة اغتيال"، "لم يلق حتفه"، "نجا من": no one died
_NO_DEATH = _ATTEMPT | _NEGATION | _words("survival_words")
_WORD = re.compile(r"[\w\u0600-\u06FF]+")


def one_death(text: str) -> bool:
    """Whether ``text`` (a record's excerpt) says that one person was killed, with no figure."""
    words = [normalise_arabic(w) for w in _WORD.findall(text)]
    for i, w in enumerate(words):
        if w in _SINGULAR or _match(w, _SINGULAR):
            if not any(_match(x, _NO_DEATH) for x in words[max(0, i - 2):i]):
                return True
    return False
