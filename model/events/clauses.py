"""Analysis: the report's words and entities (``_Doc``), clause segmentation, trigger words and the reading of
each clause (``_Unit``)."""
from __future__ import annotations

import bisect
import datetime as dt
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Optional, Sequence

from model.aliases import lookup_actor, lookup_location
from model.arabic import normalise_arabic
from model.dates import resolve_date
from model.events.lexicons import (
    _ATTEMPT,
    _CLAUSE_MARKERS,
    _CONTINUATION,
    _DEMONSTRATIVES,
    _LONG_PERIOD,
    _NEGATION,
    _NEW_SCENE,
    _PERIOD_START,
    _RUNNING_NOUNS,
    _RUNNING_VERBS,
    _TRIGGERS,
    _match,
    _words,
)
from model.spans import Entity
from model.words import split_sentences, split_words

# "سوق الجمعة": a weekday after one of these nouns is the place's name, not the incident's day
_DAY_NAMED = _words("day_named_place_nouns")
_WEEKDAY = _words("weekday_words")
# "تحت سيطرة التنظيم": a state, not a takeover
_STATE = _words("state_words")
# "استعداداً لاقتحامها"، "تنتظر أوامر ... لبدء الهجوم": a planned or threatened attack has not happened
_PLAN = _words("plan_words")
# a parade or an exercise shows weapons; nothing was struck
_DRILL = _words("drill_words")
# "وأضاف: "...نتقدم..."": a quote opened by a speech verb reports what someone said
_SPEECH = _words("speech_verbs")
# "وكانت القوات قد سيطرت ...": the past perfect tells background, not the day's incident
_PAST_PERFECT = (_words("past_perfect_verbs"), _words("past_perfect_particles"))
_CIVIL = _words("civil_aviation_words")


@dataclass
class _Tok:
    start: int
    end: int
    text: str
    norm: str
    punct: bool
    entity: Optional[int]  # index into the cleaned entity list


@dataclass
class _Trigger:
    category: str
    kind: str
    tok: int
    anaphoric: bool
    pointing: bool = False


@dataclass
class _Unit:
    start: int
    end: int
    toks: list[int]
    entities: list[int]
    triggers: list[_Trigger]
    continues: bool
    pointing: bool  # a trigger after a demonstrative: "هذا التقدم"
    running: bool
    new_scene: bool
    date: Optional[dt.date]
    quiet: bool = False  # reports no incident of its own (a quote, a parade, background, a tally): see _quiet


class _Doc:
    """The text, its words and its entities, with the lookups the rules need."""

    def __init__(self, text: str, entities: Sequence[Entity], report_date: Optional[dt.date], country: Optional[str]):
        self.text = text
        self.ref = report_date
        self.entities = _clean_entities(text, entities)
        words = split_words(text)
        owner: dict[int, int] = {}
        k = 0
        # A word belongs to the entity it overlaps, so predicted spans that cut a word still own it.
        for w_i, w in enumerate(words):
            while k < len(self.entities) and self.entities[k].end <= w.start:
                k += 1
            if k < len(self.entities) and self.entities[k].start < w.end:
                owner[w_i] = k
        self.toks = [
            _Tok(w.start, w.end, w.text, normalise_arabic(w.text), _is_punct(w.text), owner.get(i))
            for i, w in enumerate(words)
        ]
        self.first_tok: dict[int, int] = {}
        self.last_tok: dict[int, int] = {}
        for i, t in enumerate(self.toks):
            if t.entity is not None:
                self.first_tok.setdefault(t.entity, i)
                self.last_tok[t.entity] = i
        # Entities that own no word (whitespace-only predictions) take no part in the rules.
        self.entities_with_words = set(self.first_tok)
        self.statuses_so_far: list[str] = []  # statuses of the figures read so far, in report order
        self.sentences = split_sentences(text)
        self._starts = [t.start for t in self.toks]
        self._sentence_starts = [s for s, _ in self.sentences]
        self.date_ends = [(e.end, k) for k, e in enumerate(self.entities) if e.label == "DATE" and k in self.first_tok]
        self.country = country or self._infer_country()

    def _infer_country(self) -> Optional[str]:
        votes: Counter[str] = Counter()
        for e in self.entities:
            if e.label == "LOCATION":
                place = lookup_location(e.text)
                if place and place.get("country"):
                    votes[place["country"]] += 2
            elif e.label == "FACTION":
                actor = lookup_actor(e.text)
                if actor and len(actor.get("countries", [])) == 1:
                    votes[actor["countries"][0]] += 1
        return votes.most_common(1)[0][0] if votes else None

    def label(self, k: int) -> str:
        return self.entities[k].label

    def toks_in(self, lo: int, hi: int) -> range:
        """Indices of the words that lie inside ``[lo, hi)``."""
        a = bisect.bisect_left(self._starts, lo)
        b = a
        while b < len(self.toks) and self.toks[b].end <= hi:
            b += 1
        return range(a, b)

    def sentence_of(self, offset: int) -> tuple[int, int]:
        """The sentence span holding ``offset`` (the whole text when none does)."""
        i = bisect.bisect_right(self._sentence_starts, offset) - 1
        if i >= 0 and self.sentences[i][0] <= offset < self.sentences[i][1]:
            return self.sentences[i]
        return 0, len(self.text)

    def prev_words(self, tok: int, n: int) -> list[int]:
        """Up to ``n`` word indices before ``tok``, nearest first, stopping at punctuation (quotes excepted)."""
        out: list[int] = []
        i = tok - 1
        while i >= 0 and len(out) < n:
            t = self.toks[i]
            if t.punct:
                if not _is_quote(t.text):
                    break
            else:
                out.append(i)
            i -= 1
        return out


def _is_punct(word: str) -> bool:
    return len(word) == 1 and unicodedata.category(word).startswith("P")


def _is_quote(word: str) -> bool:
    return word in "\"'“”„‟«»‹›‘’"


def _clean_entities(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """Entities inside ``text``, re-read from it (predictions may carry stale text), sorted, without overlaps."""
    out: list[Entity] = []
    for e in sorted(entities, key=lambda e: (e.start, -(e.end - e.start))):
        if not (0 <= e.start < e.end <= len(text)):
            continue
        if out and e.start < out[-1].end:
            continue
        if not text[e.start : e.end].strip():
            continue
        out.append(Entity(e.start, e.end, e.label, text[e.start : e.end], e.score))
    return _day_named_places(text, out)


def _day_named_places(text: str, entities: list[Entity]) -> list[Entity]:
    """A one-word LOCATION that is a generic place noun followed by a one-word weekday DATE ("وسوق" + "الجمعة",
    as the tagger may cut "سوق الجمعة") is one place: the weekday names it and does not date the incident."""
    out: list[Entity] = []
    for e in entities:
        prev = out[-1] if out else None
        if (prev is not None and prev.label == "LOCATION" and e.label == "DATE" and len(e.text.split()) == 1
                and len(prev.text.split()) == 1 and not text[prev.end:e.start].strip()
                and 0 < e.start - prev.end <= 2 and _match(normalise_arabic(prev.text), _DAY_NAMED)
                and normalise_arabic(e.text) in _WEEKDAY):
            out[-1] = Entity(prev.start, e.end, "LOCATION", text[prev.start:e.end], prev.score)
            continue
        out.append(e)
    return out


def _clauses(doc: _Doc) -> list[list[tuple[int, int, list[int]]]]:
    """Per sentence, its clauses as (start, end, word indices): cut at فيما/بينما/في حين (not a sentence's first word)."""
    out = []
    toks = doc.toks
    pos_tok = 0
    for s, e in doc.sentences:
        while pos_tok < len(toks) and toks[pos_tok].start < s:
            pos_tok += 1
        idx = []
        while pos_tok < len(toks) and toks[pos_tok].end <= e:
            idx.append(pos_tok)
            pos_tok += 1
        if not idx:
            continue
        units = []
        cuts = [0]
        for pos in range(1, len(idx)):
            t = toks[idx[pos]]
            if t.entity is not None:
                continue
            two = t.norm in ("في", "وفي") and pos + 1 < len(idx) and toks[idx[pos + 1]].norm == "حين"
            if t.norm in _CLAUSE_MARKERS or two:
                cuts.append(pos)
        cuts.append(len(idx))
        for a, b in zip(cuts, cuts[1:]):
            part = idx[a:b]
            if part:
                units.append((toks[part[0]].start, toks[part[-1]].end, part))
        out.append(units)
    return out


def _find_triggers(doc: _Doc, idx: list[int]) -> list[_Trigger]:
    found = []
    for pos, i in enumerate(idx):
        t = doc.toks[i]
        if t.punct or t.entity is not None:
            continue
        m = _match(t.norm, _TRIGGERS, suffixes=True)
        if not m and _match(t.norm, {"فجر"}) and "\u0651" in t.text:
            m = ("فجر", "R/ied", False)  # "فجّر" (blew up); without the shadda "فجر" is dawn
        if not m:
            continue
        form, value, definite = m
        category, kind = value.split("/")
        prev = doc.prev_words(i, 1)
        if prev and _match(doc.toks[prev[0]].norm, _NEGATION):
            continue  # "دون قتال يذكر", "دون مواجهات"
        if prev and _match(doc.toks[prev[0]].norm, _STATE):
            continue  # "تحت سيطرة التنظيم": who holds the place, not a takeover
        if any(_match(doc.toks[j].norm, _PLAN) for j in doc.prev_words(i, 3)):
            continue  # "استعداداً لاقتحامها"، "لبدء الهجوم": planned, not done
        nxt = doc.toks[idx[pos + 1]].norm if pos + 1 < len(idx) else ""
        if form == "هجوم" and nxt in ("بري", "بريا"):
            category, kind = "B", "clash"
        if form == "تبادل" and "اطلاق" not in nxt and nxt not in ("القصف", "النيران"):
            continue
        if kind == "air" and _match(nxt, _CIVIL):
            continue  # "سلطات الطيران المدني": civil aviation
        if kind in ("territory", "advance") and any(_match(doc.toks[j].norm, _ATTEMPT) for j in doc.prev_words(i, 5)):
            category, kind = "B", "clash"  # "حاولت القوات التقدم"، "فشلت في التقدم": fighting, no ground changed hands
        pointing = bool(prev and _match(doc.toks[prev[0]].norm, _DEMONSTRATIVES))
        found.append(_Trigger(category, kind, i, definite or pointing, pointing))
    for pos, i in enumerate(idx[:-1]):
        if doc.toks[i].norm in ("وقف", "ووقف") and doc.toks[idx[pos + 1]].norm in ("اطلاق", "لاطلاق"):
            found.append(_Trigger("S", "agreement", i, False))  # "وقف إطلاق النار"
    return sorted(found, key=lambda t: t.tok)


def _analyse(doc: _Doc, start: int, end: int, idx: list[int]) -> _Unit:
    ents = sorted({doc.toks[i].entity for i in idx if doc.toks[i].entity is not None})
    triggers = _find_triggers(doc, idx)
    content = [i for i in idx if not doc.toks[i].punct]
    lead = content[:3]
    continues = False
    for i in lead:
        norm = doc.toks[i].norm
        if norm in ("ما", "مما", "وما", "ومما"):
            continue
        continues = bool(_match(norm, _CONTINUATION))
        break
    if not continues:
        # "قالت مصادر إن القصف أسفر عن ..." - a consequence verb with only backward-pointing triggers
        has_cont = any(_match(doc.toks[i].norm, _CONTINUATION) for i in content)
        continues = has_cont and all(tr.anaphoric for tr in triggers)
    running = any(_match(doc.toks[i].norm, _RUNNING_VERBS) for i in content) and any(
        _match(doc.toks[i].norm, _RUNNING_NOUNS) for i in content
    )
    new_scene = False
    if content and doc.toks[content[0]].norm in ("في", "وفي", "ففي"):
        for i in content[1:4]:
            if doc.toks[i].entity is not None and doc.label(doc.toks[i].entity) == "LOCATION":
                new_scene = True
                break
    lead_words = tuple(doc.toks[i].norm for i in content[:4])
    if any(lead_words[: len(p)] == p for p in _NEW_SCENE):
        new_scene = True
    date = None
    for k in ents:
        if doc.label(k) == "DATE" and not _period_start(doc, k):
            date = resolve_date(doc.entities[k].text, doc.ref)
            if date is not None:
                break
    pointing = any(t.pointing for t in triggers)
    quiet = _quiet(doc, idx, content, ents, date)
    return _Unit(start, end, idx, ents, triggers, continues, pointing, running, new_scene, date, quiet)


def _quiet(doc: _Doc, idx: list[int], content: list[int], ents: list[int], date: Optional[dt.date]) -> bool:
    """Whether a clause tells no incident of its own though violence words appear in it: a direct quote
    ("وأضاف: ..."), a parade or an exercise with no one hurt, or with no day of its own: the past perfect
    ("وكانت القوات قد ...") or a tally over a long period ("14 غارة منذ مطلع العام")."""
    norms = [doc.toks[i].norm for i in content]
    if not norms:
        return False
    first = idx.index(content[0])
    if _match(norms[0], _SPEECH) and first + 1 < len(idx) and doc.toks[idx[first + 1]].text == ":":
        return True
    hurt = any(doc.label(k) == "CASUALTY" for k in ents)
    if not hurt and any(_match(n, _DRILL) for n in norms):
        return True
    if date is None:
        # "وكانت القوات قد سيطرت ..." with no day of its own; with one ("قد شنت فجر الخميس") it is an incident
        if _match(norms[0], _PAST_PERFECT[0]) and any(_match(n, _PAST_PERFECT[1]) for n in norms[1:7]):
            return True
        for k in ents:
            if doc.label(k) == "DATE" and _period_start(doc, k):
                words = doc.entities[k].text.split()
                if any(_match(normalise_arabic(w), _LONG_PERIOD) or (w.isdigit() and len(w) == 4) for w in words):
                    return True
    return False


def _period_start(doc: _Doc, k: int) -> bool:
    """A DATE after "منذ" opens a period ("منذ مطلع العام"، "منذ 10 أيلول"); it is not the incident's day."""
    prev = doc.prev_words(doc.first_tok[k], 1)
    return bool(prev) and _match(doc.toks[prev[0]].norm, _PERIOD_START) is not None


def _eventful(doc: _Doc, unit: _Unit) -> bool:
    return bool(unit.triggers) or any(doc.label(k) == "CASUALTY" for k in unit.entities)
