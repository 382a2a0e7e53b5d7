"""Entity-swap augmentation for the training split (never dev or test).

Each copy of a training sentence has every mention of the chosen types replaced by another mention of the same
type drawn from the training split, the rest of the sentence kept character for character; offsets of all spans
are recomputed, so the new record is as exact as a hand-written one. It gives the tagger (and a distilled
student, through its teacher's soft tags) more contexts for each name without any new annotation. CASUALTY is left
out by default: a swapped count would break the number-noun agreement of Arabic (``ثلاثة عنصراً``). A mention
written with a proclitic attached (``والجيش``، ``بالموصل``، ``للقوات``، ``ودير الزور``: the guidelines keep it
inside the span) is neither replaced nor used as a replacement, so no clitic lands where it does not belong.

``data.augment_copies`` turns it on; its effect is measured in the README, not assumed.

Proclitic gluing (``data.augment_proclitics``) is the other augmentation: real reports glue و/ب/ل to mentions
of every type, counts included (``و38``، ``بمدينة``، ``للرقة``), where the corpus often writes the preposition or
the comma apart. A copy rewrites, only where the meaning stays the same: ``في M`` -> ``بM`` (places), ``إلى M`` ->
``لM`` (``ال`` -> ``لل``), ``، M`` -> `` وM`` and a sentence-initial ``M`` -> ``وM`` (every type), ``و M`` -> ``وM``.
"""
from __future__ import annotations

import random
import re
from typing import Sequence

from model.arabic import clitic_reading, normalise_arabic
from model.spans import Entity, spans_to_bio
from model.words import split_words
from train.config import AUGMENT_TYPES, RunConfig
from train.corpus import Document


def swappable(mention: str) -> bool:
    """Whether a mention can be swapped: its first word carries no proclitic (``model.arabic.clitic_reading``: و
    unless the word starts with it, ف/ب/ل/ك before the article, لل).

    >>> [swappable(m) for m in ("الجيش العراقي", "والجيش العراقي", "بالموصل", "للقوات", "بلدة كفرنبل", "ودير الزور")]
    [True, False, False, False, True, False]
    >>> [swappable(m) for m in ("و38", "وادي الشاي", "ولاية هلمند", "ود مدني")]
    [False, True, True, True]
    """
    words = mention.split(None, 1)
    return not words or clitic_reading(normalise_arabic(words[0])) is None


def mention_pool(docs: Sequence[Document], types: Sequence[str]) -> dict[str, list[str]]:
    """The distinct mention texts of each type in ``docs``, sorted (the same pool for the same corpus)."""
    pool: dict[str, set[str]] = {t: set() for t in types}
    for doc in docs:
        for e in doc.entities:
            if e.label in pool and swappable(e.text):
                pool[e.label].add(e.text)
    return {t: sorted(texts) for t, texts in pool.items() if texts}


def swap_once(doc: Document, pool: dict[str, list[str]], rng: random.Random, suffix: str) -> Document | None:
    """``doc`` with each swappable mention replaced by another from ``pool``; None when nothing could be swapped."""
    parts: list[str] = []
    entities: list[Entity] = []
    cursor = length = 0
    swapped = False
    for e in sorted(doc.entities, key=lambda x: (x.start, x.end)):
        if e.start < cursor:  # overlapping spans are not ours to rewrite: keep the sentence out
            return None
        gap = doc.text[cursor:e.start]
        parts.append(gap)
        length += len(gap)
        choices = [t for t in pool.get(e.label, ()) if t != e.text] if swappable(e.text) else []
        new = rng.choice(choices) if choices else e.text
        swapped |= new != e.text
        parts.append(new)
        entities.append(Entity(length, length + len(new), e.label, new))
        length += len(new)
        cursor = e.end
    if not swapped:
        return None
    parts.append(doc.text[cursor:])
    return _rewritten(doc, "".join(parts), entities, "entity-swap", suffix)


def _rewritten(doc: Document, text: str, entities: list[Entity], kind: str, suffix: str) -> Document | None:
    """The augmented record, or None when a span no longer matches its text or falls off word boundaries.

    Spans sat on word boundaries and so do their rewrites; check anyway, so a corpus quirk can never put a
    misaligned record into training."""
    if any(text[e.start : e.end] != e.text for e in entities):
        return None
    try:
        spans_to_bio(split_words(text), entities)
    except ValueError:
        return None
    meta = {**doc.meta, "augmented": kind, "augmented_from": doc.id}
    return Document(f"{doc.id}{suffix}", text, entities, meta, doc.source)


def swap_entities(
    docs: Sequence[Document], copies: int, seed: int, types: Sequence[str] = AUGMENT_TYPES
) -> list[Document]:
    """``copies`` entity-swapped variants of every sentence in ``docs`` that has a mention of ``types``.

    Deterministic for the same documents and seed. Only the new records are returned (the caller keeps the
    originals). Mentions of other types keep their text and move with the swaps around them.
    """
    if copies < 0:
        raise ValueError(f"augment copies is {copies}; expected 0 or more")
    pool = mention_pool(docs, types)
    rng = random.Random(seed)
    out: list[Document] = []
    for k in range(copies):
        for doc in docs:
            new = swap_once(doc, pool, rng, f"~swap{k + 1}")
            if new is not None:
                out.append(new)
    return out


_GLUE_TO = {"في": "ب", "إلى": "ل", "الى": "ل"}
_GLUE_TYPES = {"ب": ("LOCATION",), "ل": ("LOCATION", "FACTION", "PERSON")}


def _glue(clitic: str, mention: str) -> str:
    """``clitic`` written onto ``mention`` as Arabic spells it (ل + ال -> لل).

    >>> _glue("ل", "الرقة"), _glue("و", "38"), _glue("ب", "مدينة الرقة")
    ('للرقة', 'و38', 'بمدينة الرقة')
    """
    if clitic == "ل" and mention.startswith("ال"):
        return "لل" + mention[2:]
    return clitic + mention


def _glue_edit(text: str, e: Entity) -> tuple[int, str] | None:
    """Where a proclitic can be glued to ``e`` without changing the meaning: (cut from, the new text from there
    to the mention's end, clitic and mention included), or None."""
    if not swappable(e.text) or not e.text[0].isalnum():
        return None
    before = text[: e.start]
    if not before:
        return 0, _glue("و", e.text)
    m = re.search(r"(^|\s)(في|إلى|الى|و)\s$", before)
    if m:
        word = m.group(2)
        clitic = _GLUE_TO.get(word, "و")
        if clitic == "و" or e.label in _GLUE_TYPES[clitic]:
            return m.start(2), _glue(clitic, e.text)
        return None
    m = re.search(r"\s*،\s$", before)
    if m:
        return m.start(), " " + _glue("و", e.text)
    return None


def glue_once(doc: Document, rng: random.Random, suffix: str, rate: float = 0.7) -> Document | None:
    """``doc`` with a proclitic glued onto some of its mentions (each eligible one with probability ``rate``);
    None when none was glued."""
    parts: list[str] = []
    entities: list[Entity] = []
    cursor = 0
    glued = False
    for e in sorted(doc.entities, key=lambda x: (x.start, x.end)):
        if e.start < cursor:
            return None
        edit = _glue_edit(doc.text, e) if rng.random() < rate else None
        if edit is not None and edit[0] >= cursor:
            cut, new = edit
            parts.append(doc.text[cursor:cut])
            lead = len(new) - len(new.lstrip(" "))
            start = sum(map(len, parts)) + lead
            parts.append(new)
            entities.append(Entity(start, start + len(new) - lead, e.label, new[lead:]))
            glued = True
        else:
            parts.append(doc.text[cursor : e.end])
            start = sum(map(len, parts)) - len(e.text)
            entities.append(Entity(start, start + len(e.text), e.label, e.text))
        cursor = e.end
    if not glued:
        return None
    parts.append(doc.text[cursor:])
    return _rewritten(doc, "".join(parts), entities, "proclitic", suffix)


def glue_proclitics(docs: Sequence[Document], copies: int, seed: int) -> list[Document]:
    """``copies`` proclitic-glued variants of every sentence in ``docs`` where a mention can take one
    (deterministic for the same documents and seed; only the new records are returned)."""
    if copies < 0:
        raise ValueError(f"proclitic copies is {copies}; expected 0 or more")
    rng = random.Random(seed + 1)
    out: list[Document] = []
    for k in range(copies):
        for doc in docs:
            new = glue_once(doc, rng, f"~glue{k + 1}")
            if new is not None:
                out.append(new)
    return out


def run_copies(train_docs: Sequence[Document], cfg: "RunConfig") -> list[Document]:
    """The augmented copies a run trains on besides ``train_docs`` (``data.augment_*``, seeded by ``train.seed``):
    entity-swapped copies, then proclitic-glued ones.

    The one place that turns a run config into augmentation, for the trainer and for the benchmark's baseline.
    """
    return (swap_entities(train_docs, cfg.data.augment_copies, cfg.train.seed, cfg.data.augment_types)
            + glue_proclitics(train_docs, cfg.data.augment_proclitics, cfg.train.seed))
