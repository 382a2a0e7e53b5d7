"""Writing event records out: JSON Lines, ACLED-shaped CSV, and a self-contained HTML review page."""
from __future__ import annotations

import csv
import html
import json
from typing import IO, Iterable, Sequence

from model.events import ACLED_COLUMNS, EventRecord
from model.spans import Entity

LABEL_COLOURS = {
    "FACTION": "#f4a6a6",
    "LOCATION": "#9fd3f5",
    "OPERATION": "#d5b3f0",
    "CASUALTY": "#ffd27f",
    "DATE": "#a8e6a1",
    "PERSON": "#f7c6e0",
}
_FALLBACK_COLOUR = "#dddddd"


def write_jsonl(records: Iterable[EventRecord], fh: IO[str]) -> int:
    """Write one JSON object per record (UTF-8 text, Arabic unescaped); return how many were written."""
    n = 0
    for record in records:
        fh.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(records: Iterable[EventRecord], fh: IO[str]) -> int:
    """Write records as CSV with ACLED column names first (``model.events.ACLED_COLUMNS``); return the row count.

    Open ``fh`` with ``newline=""`` so the csv module controls line endings.
    """
    writer = csv.DictWriter(fh, fieldnames=list(ACLED_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    n = 0
    for record in records:
        writer.writerow(record.to_acled_row())
        n += 1
    return n


_CSS = """
:root { color-scheme: light; }
body { font-family: "Noto Naskh Arabic", "Amiri", "Scheherazade New", "Noto Sans Arabic", "Geeza Pro", "Segoe UI",
       Tahoma, "Arial", sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; line-height: 1.9;
       color: #1d1d1d; background: #fcfcfa; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
.legend { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; padding: 0; list-style: none; }
.legend li { padding: 0 .6rem; border-radius: .3rem; font-size: .9rem; }
.report-text { white-space: pre-wrap; font-size: 1.15rem; background: #fff; padding: 1rem; border: 1px solid #e3e3e3;
               border-radius: .4rem; }
mark.ent { background: FALLBACK; padding: 0 .15rem; border-radius: .25rem; position: relative; color: inherit; }
mark.ent:hover::after { content: attr(data-label); position: absolute; top: -1.5em; inset-inline-start: 0;
                        font: .7rem/1.3 monospace; background: #333; color: #fff; padding: .1rem .3rem;
                        border-radius: .2rem; white-space: nowrap; direction: ltr; }
table.events { border-collapse: collapse; width: 100%; margin-top: 1rem; font-size: .95rem; }
table.events th, table.events td { border: 1px solid #d6d6d6; padding: .3rem .5rem; vertical-align: top; text-align: start; }
table.events th { background: #f0f0ec; }
td .ltr { direction: ltr; unicode-bidi: isolate; }
.none { color: #888; }
figure.map { margin: 1rem 0; } figure.map figcaption { font-size: .8rem; color: #555; }
"""


def _entity_css() -> str:
    """Colour rules per label (the base ``mark.ent`` rule carries the fallback colour)."""
    rules = [f"mark.ent-{label} {{ background: {colour}; }}" for label, colour in LABEL_COLOURS.items()]
    return "\n".join(rules)


def highlight(text: str, entities: Sequence[Entity]) -> str:
    """``text`` as HTML with each entity wrapped in a ``<mark>``; everything else escaped exactly.

    Entities outside the text or overlapping an earlier one are left unmarked (their text still appears).
    """
    parts: list[str] = []
    pos = 0
    for e in sorted(entities, key=lambda e: (e.start, -(e.end - e.start))):
        if e.start < pos or not (0 <= e.start < e.end <= len(text)):
            continue
        parts.append(html.escape(text[pos : e.start], quote=False))
        label = html.escape(e.label, quote=True)
        css = "".join(ch for ch in e.label if ch.isalnum() or ch == "_")
        score = f" {e.score:.2f}" if e.score is not None else ""
        parts.append(
            f'<mark class="ent ent-{css}" data-label="{label}{score}" title="{label}{score}">'
            f"{html.escape(text[e.start:e.end], quote=False)}</mark>"
        )
        pos = e.end
    parts.append(html.escape(text[pos:], quote=False))
    return "".join(parts)


def _cell(value: object) -> str:
    if value in (None, "", []):
        return '<span class="none">—</span>'
    return html.escape(str(value), quote=False)


def _place(mention) -> str:
    """A location's name, with its point and ACLED geo_precision when it was placed on the map."""
    geo = getattr(mention, "geo", None)
    if geo is None or geo.latitude is None:
        return mention.value
    return f"{mention.value} ({geo.latitude:.3f}, {geo.longitude:.3f}; p{geo.geo_precision})"


def _map(records: Sequence[EventRecord]) -> str:
    """The records' incident places (each record's first location) as points on a small SVG, if any."""
    from model.geo.plot import MapPoint, incidents_svg

    points = []
    for n, r in enumerate(records, start=1):
        geo = getattr(r.locations[0], "geo", None) if r.locations else None
        if geo is not None and geo.latitude is not None:
            points.append(MapPoint(n, geo.latitude, geo.longitude, f"{r.locations[0].value} / {geo.name}",
                                   geo.geo_precision))
    if not points:
        return ""
    return ('<figure class="map" dir="ltr">' + incidents_svg(points) + "<figcaption>GeoNames points; ● place, "
            "○ near a town, ◌ province capital (ACLED geo_precision 1/2/3)</figcaption></figure>")


def _events_table(records: Sequence[EventRecord]) -> str:
    if not records:
        return '<p class="none">لا أحداث</p>'
    head = ("#", "النوع", "التاريخ", "الفاعلون", "المواقع", "العملية", "الخسائر", "القتلى", "المحفّز")
    rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for n, r in enumerate(records, start=1):
        kind = r.event_type.value + (f" / {r.event_type.sub_event_type}" if r.event_type.sub_event_type else "")
        date = r.date.value or ""
        if r.date.text:
            date = f"{date} ({r.date.text})" if date else r.date.text
        actors = "; ".join(f"{a.value}" + (f" [{a.role}]" if a.role else "") for a in r.actors)
        places = "; ".join(_place(m) for m in r.locations)
        casualties = "; ".join(
            f"{c.text}: {c.status}"
            + (f" {c.count_min}" if c.count_min is not None else "")
            + (f"–{c.count_max}" if c.count_max not in (None, c.count_min) else "")
            + (f" ({c.qualifier})" if c.qualifier != "exact" else "")
            + (f" · {c.affiliation}" if c.affiliation else "")
            for c in r.casualties
        )
        cells = [
            str(n), f'<span class="ltr">{_cell(kind)}</span>', _cell(date), _cell(actors), _cell(places),
            _cell(r.operation.value if r.operation else None), _cell(casualties), _cell(r.fatalities),
            _cell(r.event_type.text),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return '<table class="events">' + "".join(rows) + "</table>"


def render_html(items: Sequence[tuple[str, Sequence[Entity], Sequence[EventRecord]]], title: str,
                intro: str = "", css: str = "") -> str:
    """One self-contained page (no external assets): each report's text with its entities highlighted by type
    (legend on top, label on hover) and its event records as a table underneath. ``intro`` (HTML, e.g. the
    service's form) goes under the title, ``css`` after the page's own rules."""
    legend = "".join(
        f'<li class="ent-{label}" style="background:{colour}">{label}</li>' for label, colour in LABEL_COLOURS.items()
    )
    sections = []
    for n, (text, entities, records) in enumerate(items, start=1):
        sections.append(
            f'<section class="report" id="report-{n}"><h2>{n}</h2>'
            f'<div class="report-text">{highlight(text, entities)}</div>'
            f"{_events_table(records)}{_map(records)}</section>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title, quote=False)}</title>\n<style>{_CSS.replace('FALLBACK', _FALLBACK_COLOUR)}\n{_entity_css()}\n{css}</style>\n</head>\n"
        f"<body>\n<h1>{html.escape(title, quote=False)}</h1>\n{intro}"
        f'<ul class="legend" aria-label="legend">{legend}</ul>\n'
        + "\n".join(sections)
        + "\n</body>\n</html>\n"
    )
