"""Lexicons: written in ordinary spelling, compared after normalise_arabic and with glued clitics/article removed.

The word lists are data (``lexicons.json`` next to this file, each entry keyed by a readable name); this module
reads them once at import and builds the lookup tables the rules use, plus the matching helpers.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Optional

from model.arabic import normalise_arabic, proclitic_readings

_LEXICONS_PATH = Path(__file__).parent / "lexicons.json"
with _LEXICONS_PATH.open(encoding="utf-8") as _fh:
    _DATA: dict = json.load(_fh)


def _lex(spec: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, words in spec.items():
        for w in words.split():
            out[normalise_arabic(w)] = value
    return out


def _words(name: str) -> set[str]:
    """The normalised forms of the space-separated word list ``name`` in ``lexicons.json``."""
    return set(_lex({"x": _DATA[name]}))


# Trigger words: "category/sub-kind". Categories: B clash, R remote, V against civilians, W generic attack,
# S control/arrest/agreement/disruption.
_TRIGGERS = _lex(_DATA["triggers"])
_SUB_EVENTS: dict[str, str] = dict(_DATA["sub_event_types"])
_STATUS = _lex(_DATA["statuses"])
# Nouns a report counts people with; they sit between a figure and the victims' faction.
_COUNTED = _words("counted_nouns")
_LINKS = _words("links")
# Nouns naming a toll in construct with its victims: "قتلى التنظيم"، "حصيلة قتلى القوات"، "عدد القتلى المدنيين".
_TOLL_NOUNS = _words("toll_nouns")
_LOSS_VERBS = _words("loss_verbs")
_MIXED_NOUNS = _words("mixed_nouns")
_CIVILIAN = _words("civilian_nouns")
_CONTINUATION = _words("continuation_words")
_RUNNING_VERBS = _words("running_verbs")
_RUNNING_NOUNS = _words("running_nouns")
_PERIOD_NOUNS = _words("period_nouns")
_SUBSET = _words("subset_words")
# "مقتل 113 ... مقابل 250": the same status on the other side
_PARALLEL = _words("parallel_words")
_COMPLEMENTIZERS = _words("complementizers")
# "تجاوز عدد الجرحى 146": the figure is a floor
_EXCEED_VERBS = _words("exceed_verbs")
_NEGATION = _words("negation_words")
_DEMONSTRATIVES = _words("demonstratives")
_CLAUSE_MARKERS = _words("clause_markers")
# Phrases that open a new scene at the start of a clause: "وفي سياق آخر"، "في غضون ذلك"، "من جهة أخرى".
_NEW_SCENE = [tuple(normalise_arabic(p).split()) for p in _DATA["new_scene_phrases"]]
_PERIOD_START = _words("period_start_words")
_SURRENDER = (_words("surrender_verbs"), _words("surrender_reflexives"))
_TARGET_CUES = _words("target_cues")
_TRANSPARENT = _words("transparent_words")
# A faction right after these is the one acting: "طائرات التحالف"، "على يد"، "بقصف لقوات النظام"، "نصبه مسلحو داعش".
_AGENT_NOUNS = _words("agent_nouns")
# Member nouns between a verb and its subject: "هاجم مسلحون من تنظيم داعش"، "اقتحمت وحدات من قوات ...".
_MEMBER_NOUNS = _words("member_nouns")
_OBJECT_NOUNS = _words("object_nouns")
_SUBJECT_VERBS = _words("subject_verbs")
_BETWEEN = _words("between_words")
# "حاولت القوات التقدم"، "فشلت في التقدم": what follows was tried, not done
_ATTEMPT = _words("attempt_words")
# "منذ أشهر"، "خلال العام": a period long enough that a toll over it is no single incident's
_LONG_PERIOD = _words("long_period_nouns")


_SUFFIXES = ("هما", "هم", "هن", "ها", "ه")


@lru_cache(maxsize=1 << 16)
def _forms(norm: str, suffixes: bool) -> tuple[tuple[str, bool], ...]:
    """The (form, definite) readings ``_match`` tries, in order; cached: the rules look a word up in many tables."""
    forms = [(r.stem, r.definite) for r in proclitic_readings(norm)]
    if suffixes:
        # a possessive pronoun points back like the article does: "طائراته"، "سيطرتها"
        forms = forms + [(f[: -len(x)], True) for f, d in forms for x in _SUFFIXES if f.endswith(x) and len(f) - len(x) >= 3]
    return tuple(forms)


def _match(
    norm: str, table: dict[str, str] | set[str], suffixes: bool = False
) -> Optional[tuple[str, str, bool]]:
    """(matched form, table value, definite) for the first reading of the word found in ``table``.

    With ``suffixes``, a possessive pronoun may follow the word: "سيطرتها"، "هجومهم"، "عددهم".
    """
    for form, definite in _forms(norm, suffixes):
        if form in table:
            value = table[form] if isinstance(table, dict) else form
            return form, value, definite
    return None
