"""Character spans and BIO tags: the two pure conversions between them.

``spans_to_bio`` turns gold spans into word tags for training; ``bio_to_spans`` turns predicted word tags back
into spans whose offsets index the original text.
"""
from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from typing import Iterator, Optional, Sequence

from model.words import Word


@dataclass(frozen=True)
class Entity:
    """A labelled span of the caller's text: ``text == source[start:end]``; ``score`` is set on predictions."""

    start: int
    end: int
    label: str
    text: str
    score: Optional[float] = None

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["score"] is None:
            del d["score"]
        return d


class AlignmentError(ValueError):
    """A span that does not start and end on word boundaries."""


def spans_to_bio(words: Sequence[Word], entities: Sequence[Entity]) -> list[str]:
    """Tag each word ``B-X``/``I-X``/``O`` from character spans that fall on word boundaries.

    >>> from model.words import split_words
    >>> spans_to_bio(split_words("قصف على الرقة"), [Entity(8, 13, "LOCATION", "الرقة")])
    ['O', 'O', 'B-LOCATION']
    """
    tags = ["O"] * len(words)
    index_of_start = {w.start: i for i, w in enumerate(words)}
    index_of_end = {w.end: i for i, w in enumerate(words)}
    for ent in entities:
        first, last = index_of_start.get(ent.start), index_of_end.get(ent.end)
        if first is None or last is None or last < first:
            raise AlignmentError(
                f"span {ent.start}-{ent.end} {ent.label} {ent.text!r} does not start and end on word boundaries; "
                "extend it to whole words (a glued clitic belongs inside the span)"
            )
        tags[first] = f"B-{ent.label}"
        for i in range(first + 1, last + 1):
            tags[i] = f"I-{ent.label}"
    return tags


def tag_runs(tags: Sequence[str]) -> Iterator[tuple[int, int, str]]:
    """(first word, last word, type) of each entity in a tag sequence (an ``I-X`` after ``O`` or another type
    opens a new entity, as conlleval).

    >>> list(tag_runs(["B-LOC", "I-LOC", "O", "I-DATE", "B-DATE"]))
    [(0, 1, 'LOC'), (3, 3, 'DATE'), (4, 4, 'DATE')]
    """
    label: Optional[str] = None
    first = 0
    for i, tag in enumerate(tags):
        prefix, _, kind = tag.partition("-")
        if prefix == "B" or (prefix == "I" and kind != label):
            if label is not None:
                yield first, i - 1, label
            label, first = kind, i
        elif prefix != "I":
            if label is not None:
                yield first, i - 1, label
            label = None
    if label is not None:
        yield first, len(tags) - 1, label


QUOTES = frozenset('"\'«»“”„‟‘’‚‹›')


def _is_punct(word: str) -> bool:
    return bool(word) and all(unicodedata.category(c).startswith("P") for c in word)


def _trim_edge(words: Sequence[str], first: int, last: int, at_start: bool) -> bool:
    """Whether the edge word of ``words[first..last]`` must leave the span (GUIDELINES.md: no span starts or ends
    on a separator; a quote mark stays when the span holds its partner)."""
    w = words[first] if at_start else words[last]
    if not _is_punct(w):
        return False
    if not all(c in QUOTES for c in w):
        return True
    inner = words[first + 1 : last + 1] if at_start else words[first:last]
    return not any(c in QUOTES for x in inner for c in x)


def enforce_span_edges(words: Sequence[str], tags: Sequence[str]) -> list[str]:
    """Re-tag so that no entity starts or ends on a separator punctuation word (dash, comma, colon, full stop,
    bracket); quote marks that open or close a name inside the entity stay. An entity of separators only is dropped.

    >>> enforce_span_edges(["محافظة", "إدلب", "–", "المرصد"], ["B-LOC", "I-LOC", "I-LOC", "O"])
    ['B-LOC', 'I-LOC', 'O', 'O']
    >>> enforce_span_edges(["عملية", "“", "غضب", "”", "."], ["B-OP", "I-OP", "I-OP", "I-OP", "I-OP"])
    ['B-OP', 'I-OP', 'I-OP', 'I-OP', 'O']
    """
    out = ["O"] * len(tags)
    for first, last, label in tag_runs(tags):
        while first <= last and _trim_edge(words, first, last, at_start=True):
            first += 1
        while last >= first and _trim_edge(words, first, last, at_start=False):
            last -= 1
        if first <= last:
            out[first] = f"B-{label}"
            out[first + 1 : last + 1] = [f"I-{label}"] * (last - first)
    return out


def bio_to_spans(
    text: str, words: Sequence[Word], tags: Sequence[str], scores: Optional[Sequence[float]] = None
) -> list[Entity]:
    """Decode word tags into entities (an ``I-X`` after ``O`` or another type opens a new entity, as conlleval).

    The score of an entity is the mean score of its words.

    >>> from model.words import split_words
    >>> t = "قصف على الرقة أمس"
    >>> bio_to_spans(t, split_words(t), ["O", "O", "B-LOCATION", "I-LOCATION"])
    [Entity(start=8, end=17, label='LOCATION', text='الرقة أمس', score=None)]
    """
    if len(tags) != len(words):
        raise ValueError(f"got {len(tags)} tags for {len(words)} words; expected one tag per word")
    entities: list[Entity] = []
    for first, last, label in tag_runs(tags):
        start, end = words[first].start, words[last].end
        score = None
        if scores is not None:
            score = float(sum(scores[first : last + 1]) / (last + 1 - first))
        entities.append(Entity(start, end, label, text[start:end], score))
    return entities
