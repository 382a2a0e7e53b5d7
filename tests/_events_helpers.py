"""Shared by the tests/test_events_*.py files: marked test sentences -> events, and hand-made head outputs."""
from __future__ import annotations

import re

import numpy as np

from model.event_heads import INCIDENT_TYPES, ROLES, EventHeads
from model.events import EventRecord, build_events, join_sentences
from model.spans import Entity

# heads whose weights never matter: the tests hand apply_heads the probabilities themselves
HEADS = EventHeads(np.zeros((4, 5)), np.zeros(5), np.zeros((4, 4)), np.zeros(4))


def types(**probs: float) -> np.ndarray:
    """An incident-head output: the given probability per event type, 0 for the others."""
    return np.array([probs.get(t, 0.0) for t in INCIDENT_TYPES])


def role(name: str, p: float = 0.9) -> np.ndarray:
    """A role-head output: ``p`` on ``name``, the rest spread evenly."""
    out = np.full(len(ROLES), (1 - p) / (len(ROLES) - 1))
    out[ROLES.index(name)] = p
    return out

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
