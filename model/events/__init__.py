"""Rule-based event records from (text, entities): one record per reported incident, shaped to map onto ACLED.

Works on gold or predicted entities. Every value keeps the span it came from, and every offset indexes the
caller's ``text``.

The package, bottom to top (imports only go upwards):

- ``records``: the record dataclasses, ``EVENT_TYPES`` / ``ACLED_EVENT_TYPES`` / ``ACLED_COLUMNS`` and the ACLED
  row mapping (``EventRecord.to_acled_row``);
- ``lexicons``: the word lists (data in ``lexicons.json``) and the word matching;
- ``clauses``: words, entities, clauses, trigger words;
- ``incidents``: clauses grouped into incidents (how records are formed);
- ``casualties``: figures, statuses, victims' side and the fatalities rule;
- ``roles``: actors and their roles;
- ``classify``: event type and date;
- ``assemble``: ``build_events`` and ``join_sentences`` (locations are placed on the map by ``model.geo``).
"""
from model.events.assemble import build_events, join_sentences, sentence_starts
from model.events.records import (
    ACLED_COLUMNS,
    ACLED_EVENT_TYPES,
    CIVILIANS,
    EVENT_TYPES,
    STATUSES,
    Casualty,
    EventDate,
    EventRecord,
    EventType,
    Geo,
    Mention,
    PlaceMention,
)

__all__ = [
    "ACLED_COLUMNS",
    "ACLED_EVENT_TYPES",
    "CIVILIANS",
    "EVENT_TYPES",
    "STATUSES",
    "Casualty",
    "EventDate",
    "EventRecord",
    "EventType",
    "Geo",
    "Mention",
    "PlaceMention",
    "build_events",
    "join_sentences",
    "sentence_starts",
]
