"""Character spans and BIO tags: the two pure conversions between them.

``spans_to_bio`` turns gold spans into word tags for training; ``bio_to_spans`` turns predicted word tags back
into spans whose offsets index the original text.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional, Sequence

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
    label: Optional[str] = None
    first = 0

    def close(last: int) -> None:
        start, end = words[first].start, words[last].end
        score = None
        if scores is not None:
            score = float(sum(scores[first : last + 1]) / (last + 1 - first))
        entities.append(Entity(start, end, label, text[start:end], score))  # type: ignore[arg-type]

    for i, tag in enumerate(tags):
        prefix, _, kind = tag.partition("-")
        if prefix == "B" or (prefix == "I" and kind != label):
            if label is not None:
                close(i - 1)
            label, first = kind, i
        elif prefix != "I":
            if label is not None:
                close(i - 1)
            label = None
    if label is not None:
        close(len(tags) - 1)
    return entities
