"""Actors: the FACTION spans of an incident, deduplicated, with their role (attacker / target / unknown)."""
from __future__ import annotations

from typing import Optional

from model.aliases import canonical_actor
from model.events.clauses import _Doc
from model.events.incidents import _Draft
from model.events.lexicons import (
    _AGENT_NOUNS,
    _BETWEEN,
    _MEMBER_NOUNS,
    _OBJECT_NOUNS,
    _SUBJECT_VERBS,
    _TARGET_CUES,
    _TRANSPARENT,
    _match,
)
from model.events.records import CIVILIANS, Casualty, Mention


def _actor_role(doc: _Doc, k: int, victims: set[int]) -> Optional[str]:
    if k in victims:
        return "target"
    first = doc.first_tok[k]
    before = doc.prev_words(first, 4)
    # skip "تابعة ل" between a noun and its owner
    while before and _match(doc.toks[before[0]].norm, _TRANSPARENT):
        before = before[1:]
    words = [doc.toks[i].norm for i in before]
    if words:
        if _match(words[0], _TARGET_CUES):
            return "target"
        if _match(words[0], _OBJECT_NOUNS):
            return "target"
    if any(_match(w, _BETWEEN) for w in words[:3]):
        return None
    lead = 0
    while lead < len(words) - 1 and _match(words[lead], _MEMBER_NOUNS):
        lead += 1  # "أطلقها مسلحو التنظيم"، "نصبه مسلحو داعش"
    if words and _match(words[lead], _AGENT_NOUNS):
        return "attacker"
    for pos, w in enumerate(words[:3]):
        if _match(w, _SUBJECT_VERBS):
            # only agent or member nouns may stand between the verb and its subject
            if all(_match(x, _AGENT_NOUNS) or _match(x, _MEMBER_NOUNS) for x in words[:pos]):
                return "attacker"
            break
    return None


def _actors(doc: _Doc, draft: _Draft, casualties: list[Casualty]) -> list[Mention]:
    factions = [k for k in draft.entities if doc.label(k) == "FACTION"]
    victims: set[int] = set()
    for c in casualties:
        if c.affiliation_text and c.affiliation != CIVILIANS:
            for k in factions:
                e = doc.entities[k]
                if e.text == c.affiliation_text and e.start > c.start:
                    victims.add(k)
                    break
    mentions: list[Mention] = []
    prev_role: Optional[str] = None
    prev_end_tok = -10
    for k in factions:
        e = doc.entities[k]
        role = _actor_role(doc, k, victims)
        # "قوات X وقوات Y": a conjunct shares the role of the actor before it
        if role is None and doc.toks[doc.first_tok[k]].norm.startswith("و") and doc.first_tok[k] - prev_end_tok <= 1:
            role = prev_role
        mentions.append(Mention(canonical_actor(e.text, doc.country), e.text, e.start, e.end, role))
        prev_role, prev_end_tok = role, doc.last_tok[k]
    unique: dict[str, Mention] = {}
    for m in mentions:
        if m.value not in unique:
            unique[m.value] = m
        elif unique[m.value].role is None and m.role is not None:
            unique[m.value] = Mention(m.value, unique[m.value].text, unique[m.value].start, unique[m.value].end, m.role)
    rank = {"attacker": 0, None: 1, "target": 2}
    return sorted(unique.values(), key=lambda m: (rank[m.role], m.start))
