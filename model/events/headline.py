"""Headlines: a report's title tells again what its body tells ("مقتل 14 بتفجير سيارة مفخخة في مقديشو" above
"مقديشو – رويترز:: قالت الشرطة ... قتل 14").

A headline is the line or two before a dateline line ("بغداد (رويترز) - ..."، "محافظة الرقة – المرصد السوري:: ...")
among the report's first lines. A record told only in the headline is dropped when the body has a record of the
same type (the same incident told in full); a record that runs from the headline into the body does not count the
headline's figures again when its body part counts its own dead.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

from model.events.records import EventRecord

# "<place> [(<country>)] (<agency>) - " or "<place> – <source>:" at the start of a line
_DATELINE = re.compile(r"^[^\n:]{2,45}?(?:\)\s*[–—-]\s|\s[–—-]\s[^\n:]{1,45}?:)")


def headline_end(text: str, max_lines: int = 3) -> int:
    """Where the body starts: the offset of the first dateline line when one of the report's first ``max_lines``
    lines after the first is one (0: no headline)."""
    offset = 0
    for i, line in enumerate(text.split("\n")[:max_lines + 1]):
        if i and _DATELINE.match(line):
            return offset
        offset += len(line) + 1
    return 0


def drop_headlines(records: Sequence[EventRecord], text: Optional[str]) -> list[EventRecord]:
    """Records without the headline's retelling (module docstring); ``text`` is the report (None: unchanged)."""
    end = headline_end(text) if text else 0
    if not end:
        return list(records)
    body_types = {r.event_type.value for r in records if r.start >= end}
    out = []
    for rec in records:
        if rec.end <= end:
            if rec.event_type.value not in body_types:
                out.append(rec)  # the body tells it no other way: the headline is all there is
            continue
        if rec.start < end:
            body_dead = [c for c in rec.casualties if c.counted and c.start >= end]
            if body_dead:
                for c in rec.casualties:
                    if c.start < end:
                        c.counted = False
                rec.fatalities = sum(c.count_min or 0 for c in rec.casualties if c.counted)
        out.append(rec)
    return out
