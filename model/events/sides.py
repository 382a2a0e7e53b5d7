"""Which side a FACTION mention is on, read from the words around it where the role head cannot know.

- an **ally** ("بدعم من القوات الروسية"، "مدعومة بعناصر حزب الله"، "مسنودة بطائرات التحالف") is on the side of the
  actor it supports (ACLED's associated actor), never the other side;
- a **conjunct** ("قوات النظام وحزب الله") shares the side of the actor just before it;
- the two actors of **"بين X و Y"** are one side each ("بين X وY من جهة، وZ من جهة أخرى": X and Y against Z);
- a **source** ("قالت لجان المقاومة إن قذائف أطلقتها قوات الدعم السريع ..."، "قال ضابط في الجيش العراقي إن ...")
  tells of the incident: when the reported clause names an initiating side of its own, the source is not it.

Every function reads the report text only (``m.start/m.end`` index it), so it runs on gold or predicted entities.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

from model.arabic import normalise_arabic
from model.events.lexicons import _COMPLEMENTIZERS, _match, _words
from model.events.lexicons import _MEMBER_NOUNS as _MEMBERS

_SUPPORT = _words("support_words")
_FILLERS = _words("support_fillers")
_SOURCE_VERBS = _words("source_verbs")
_WORD = re.compile(r"[\w\u0600-\u06FF]+")
_BREAKS = ".\n؟!:"


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``start..end``: from the last break before it to the next break after it."""
    lo = max(text.rfind(c, 0, start) for c in _BREAKS) + 1
    ends = [i for i in (text.find(c, end) for c in _BREAKS) if i >= 0]
    return lo, min(ends) if ends else len(text)


def _norms(chunk: str) -> list[str]:
    return [normalise_arabic(w) for w in _WORD.findall(chunk)]


def is_ally(m, text: str) -> bool:
    """"بدعم من X"، "بمساندة X"، "مدعومة بعناصر X"، "مسنودة بطائرات X": a support word before ``m``, with only
    "من" or a unit noun ("عناصر"، "طائرات") between."""
    lo, _ = _clause_bounds(text, m.start, m.end)
    words = _norms(text[max(lo, m.start - 50):m.start])
    while words and _match(words[-1], _FILLERS):
        words.pop()
    return bool(words) and _match(words[-1], _SUPPORT) is not None


def is_conjunct(m, prev, text: str) -> bool:
    """``m`` is joined to ``prev`` by "و" with at most a unit noun between ("قوات النظام ومقاتلي حزب الله")."""
    if prev.end > m.start or m.start - prev.end > 20:
        return False
    gap = text[prev.end:m.start]
    if any(c in gap for c in _BREAKS + "،,"):
        return False
    words = _norms(gap)
    glued = m.text.startswith("و") and not words
    lead = bool(words) and (words[0] == "و" or words[0].startswith("و"))
    if not (glued or lead):
        return False
    rest = [w[1:] if i == 0 and w != "و" else w for i, w in enumerate(words) if w != "و"]
    return all(w in _MEMBERS or _match(w, _MEMBERS) for w in rest if w)


def after_between(m, text: str) -> bool:
    """``m`` follows "بين" closely: "بين X وY" is two sides, not a conjunct."""
    return "بين" in _norms(text[max(0, m.start - 25):m.start])


_BETWEEN_LEAD = ("بين", "وبين")
_BETWEEN_MEMBERS = ("مقاتلي", "مسلحي", "عناصر", "قوات", "فصائل", "مجموعات")


def between_pair(actors: Sequence, text: Optional[str]) -> Optional[tuple]:
    """The two sides of "اشتباكات بين X و Y" ("بين مسلحي X ومجموعات ... Y"): X, and the next actor after a "و"
    that follows X closely, or the first after "من جهة" ("بين X وحلفائها من جهة، وY من جهة أخرى"), with X's
    allies (the actors before "من جهة"); None when the text has no such pair."""
    if not text:
        return None
    ordered = sorted(actors, key=lambda m: m.start)
    for i, m in enumerate(ordered[:-1]):
        before = text[max(0, m.start - 25):m.start].split()
        while before and before[-1] in _BETWEEN_MEMBERS:
            before = before[:-1]
        if not before or before[-1] not in _BETWEEN_LEAD:
            continue
        # "بين X وY من جهة، وZ من جهة أخرى": Y is X's ally, Z the other side
        pivot = text.find("من جهة", m.end, m.end + 120)
        after = pivot + len("من جهة") if pivot >= 0 else m.end
        nxt = next((o for o in ordered[i + 1:] if o.value != m.value and o.start >= after), None)
        if pivot >= 0 and nxt is not None:
            return m, nxt, [o for o in ordered[i + 1:] if o.start < pivot and o.value != m.value]
        if nxt is None or nxt.start - m.end > 60:
            return None
        gap = text[m.end:nxt.start].strip()
        if (gap.startswith("و") or (not gap and nxt.text.startswith("و"))) and "\n" not in gap:
            return m, nxt, []
        return None
    return None


def reported_from(m, text: str) -> Optional[int]:
    """Where the reported clause starts when ``m`` is its source ("قالت X إن ..."، "قال ضابط في X إن ..."), i.e.
    the offset after the complementizer; None when ``m`` is not between a speech verb and "إن/أن" of one sentence."""
    lo, hi = _clause_bounds(text, m.start, m.end)
    before = _norms(text[max(lo, m.start - 80):m.start])
    verb = next((i for i in range(len(before) - 1, -1, -1) if _match(before[i], _SOURCE_VERBS)), None)
    if verb is None or any(_match(w, _COMPLEMENTIZERS) for w in before[verb + 1:]):
        return None
    for w in _WORD.finditer(text, m.end, min(hi, m.end + 60)):
        if _match(normalise_arabic(w.group()), _COMPLEMENTIZERS):
            return w.end()
    return None


def demote_sources(actors: Sequence, text: str) -> list:
    """``actors`` without the sources whose reported clause names an initiating side of its own."""
    out = []
    for m in actors:
        after = reported_from(m, text) if m.role == "attacker" else None
        if after is not None and any(o is not m and o.role == "attacker" and o.start >= after
                                     and o.value != m.value for o in actors):
            continue
        out.append(m)
    return out
