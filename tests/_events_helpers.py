"""Shared by the tests/test_events_*.py files split out of test_events.py: marked test sentences -> events."""
from __future__ import annotations

import re

from model.events import EventRecord, build_events, join_sentences
from model.spans import Entity

_MARK = re.compile(r"\[\[([A-Z]+)\|([^\[\]]+)\]\]")


def marked(line: str) -> tuple[str, list[Entity]]:
    """A test sentence written with ``[[LABEL|text]]`` marks -> (its text, its entities), offsets counted here.

    >>> marked("قصف على [[LOCATION|الرقة]].")
    ('قصف على الرقة.', [Entity(start=8, end=13, label='LOCATION', text='الرقة', score=None)])
    """
    parts = _MARK.split(line)  # text, label, surface, text, label, surface, ..., text
    text, entities = parts[0], []
    for label, surface, after in zip(parts[1::3], parts[2::3], parts[3::3]):
        entities.append(Entity(len(text), len(text) + len(surface), label, surface))
        text += surface + after
    assert "[[" not in text and "]]" not in text, f"a mark is not [[LABEL|text]]: {line}"
    return text, entities


def report(*lines: str, date: str | None = "2017-06-06", **kw) -> list[EventRecord]:
    """Build events from marked sentences (``[[LABEL|text]]``), one sentence per argument."""
    text, ents = join_sentences([marked(line) for line in lines], sep=" ")
    return build_events(text, ents, date, "t-1", **kw)


def casualties(records: list[EventRecord]) -> list[tuple]:
    return [(c.text, c.count_min, c.count_max, c.qualifier, c.status) for r in records for c in r.casualties]
