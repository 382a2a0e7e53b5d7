"""Merging: clauses grouped into incidents (``_Draft``), one per record.

How records are formed
    The text is cut into sentences (``model.words.split_sentences``) and each sentence into clauses at
    ``فيما / بينما / في حين``. A clause that holds a CASUALTY span or an attack/clash/control trigger word opens an
    incident; clauses without either ride along with their sentence. An incident *continues* the previous
    record instead of opening a new one when it only reports consequences ("وأسفر القصف عن ..."، "ما أدى إلى ...",
    "ارتفع عدد القتلى ..."), when it adds casualties without a trigger of its own, or when all its trigger words
    point back (definite or demonstrative: "الاشتباكات"، "هذا التقدم") to a kind of incident already in the record.
    A clause that opens a new scene ("وفي <place>، ...") or names a different day always starts a new record.
    An incident whose first clause is quiet (``clauses._quiet``: a quote, a parade, background, a tally) makes
    no record.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from model.events.clauses import _analyse, _clauses, _Doc, _eventful, _Trigger, _Unit


@dataclass
class _Draft:
    units: list[_Unit]

    @property
    def triggers(self) -> list[_Trigger]:
        return [t for u in self.units for t in u.triggers]

    @property
    def entities(self) -> list[int]:
        return sorted({k for u in self.units for k in u.entities})

    @property
    def date(self) -> Optional[dt.date]:
        return next((u.date for u in self.units if u.date is not None), None)


def _continues(draft: _Draft, unit: _Unit, doc: _Doc) -> bool:
    """Whether ``unit`` reports more of the incident in ``draft`` rather than a new one."""
    if unit.new_scene:
        return False
    # A clause that opens with a consequence ("وأسفر القصف عن ...") continues, whatever else it names.
    if unit.continues:
        return True
    # "هذا التقدم" leading the clause points back, even when the clause goes on to other things or another date
    # ("ويأتي هذا التقدم ضمن معركة ... التي انطلقت الأحد الماضي لاستعادة ...").
    if unit.triggers and unit.triggers[0].pointing:
        return True
    # A trigger without article, demonstrative or pronoun introduces an incident of its own.
    if any(not t.anaphoric for t in unit.triggers):
        return False
    categories = {t.category for t in draft.triggers}
    if any(t.category not in categories for t in unit.triggers):
        return False
    if unit.running or unit.pointing:
        return True
    if unit.date is not None and draft.date is not None and unit.date != draft.date:
        return False
    return True


def _group(doc: _Doc, drop_quiet: bool = True) -> list[_Draft]:
    """Clauses -> incidents: clauses without an event stay with their sentence, then incidents merge by
    :func:`_continues`."""
    drafts: list[_Draft] = []
    for sentence in _clauses(doc):
        units = [_analyse(doc, a, b, idx) for a, b, idx in sentence]
        merged: list[_Unit] = []
        pending: list[_Unit] = []
        for u in units:
            if _eventful(doc, u):
                merged.append(_join(doc, pending + [u]) if pending else u)
                pending = []
            elif merged:
                merged[-1] = _join(doc, [merged[-1], u])
            else:
                pending.append(u)
        if merged and pending:
            merged[-1] = _join(doc, [merged[-1], *pending])
        for u in merged:
            if drafts and _continues(drafts[-1], u, doc):
                drafts[-1].units.append(u)
            else:
                drafts.append(_Draft([u]))
    # a quote, a parade, background or a tally opens no record, nor do the clauses that continue it
    # ("وبين القتلى 13617 مدنياً" after a year's toll)
    return [d for d in drafts if not (drop_quiet and d.units[0].quiet)]


def _join(doc: _Doc, units: list[_Unit]) -> _Unit:
    """Consecutive clauses of one sentence read as one."""
    return _analyse(doc, units[0].start, units[-1].end, [i for u in units for i in u.toks])
