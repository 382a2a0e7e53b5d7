"""A report's incidents as points on a small inline SVG: longitude/latitude axes, no tiles, no network."""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Optional, Sequence

# ACLED's precision codes as marks: the place itself, a town near it, a province's capital.
_STYLE = {
    1: 'r="4" fill="#c0392b" stroke="#7b241c"',
    2: 'r="5" fill="none" stroke="#c0392b" stroke-width="2"',
    3: 'r="8" fill="none" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="3 2"',
}


@dataclass
class MapPoint:
    """One incident's place: its number in the report's table, coordinates, label and ``geo_precision``."""

    number: int
    latitude: float
    longitude: float
    label: str
    precision: Optional[int] = None


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values spanning ``[lo, hi]``."""
    raw = (hi - lo) / count
    step = min((s for s in (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 30) if s >= raw), default=45.0)
    first = math.ceil(lo / step) * step
    return [round(first + k * step, 4) for k in range(int((hi - first) / step) + 1)]


def incidents_svg(points: Sequence[MapPoint], width: int = 420, height: int = 300) -> str:
    """An SVG of ``points`` in an equirectangular frame around them (at least one degree wide), with degree
    ticks; each point is numbered as in the events table and says its place and precision on hover.

    >>> svg = incidents_svg([MapPoint(1, 35.95, 39.01, "Raqqa", 1), MapPoint(2, 36.2, 37.16, "Aleppo", 2)])
    >>> svg.startswith("<svg") and svg.count("<circle") == 2
    True
    """
    if not points:
        return ""
    pad = 40
    lats = [p.latitude for p in points]
    lons = [p.longitude for p in points]
    mid_lat = (min(lats) + max(lats)) / 2
    # Degrees of longitude shrink with cos(latitude): widen the longitude range so the map keeps its shape.
    aspect = max(math.cos(math.radians(mid_lat)), 0.2)
    lat_span = max(max(lats) - min(lats), 1.0) * 1.2
    lon_span = max(max(lons) - min(lons), 1.0) * 1.2
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    # One scale (pixels per degree of latitude) for both axes, chosen so both ranges fit.
    scale = min(inner_h / lat_span, inner_w / (lon_span * aspect))
    lon_span, lat_span = inner_w / (scale * aspect), inner_h / scale
    lon0 = (min(lons) + max(lons)) / 2 - lon_span / 2
    lat1 = (min(lats) + max(lats)) / 2 + lat_span / 2

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return pad + (lon - lon0) * scale * aspect, pad + (lat1 - lat) * scale

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="incident locations" font-family="sans-serif" font-size="10">',
             f'<rect x="{pad}" y="{pad}" width="{inner_w}" height="{inner_h}" fill="#f7f9fb" stroke="#888"/>']
    for lon in _ticks(lon0, lon0 + lon_span):
        x, _ = xy(lat1, lon)
        parts.append(f'<line x1="{x:.1f}" y1="{pad}" x2="{x:.1f}" y2="{pad + inner_h}" stroke="#e1e5ea"/>'
                     f'<text x="{x:.1f}" y="{pad + inner_h + 14}" text-anchor="middle">{lon:g}°E</text>')
    for lat in _ticks(lat1 - lat_span, lat1):
        _, y = xy(lat, lon0)
        parts.append(f'<line x1="{pad}" y1="{y:.1f}" x2="{pad + inner_w}" y2="{y:.1f}" stroke="#e1e5ea"/>'
                     f'<text x="{pad - 4}" y="{y + 3:.1f}" text-anchor="end">{lat:g}°N</text>')
    for p in points:
        x, y = xy(p.latitude, p.longitude)
        tip = html.escape(f"{p.number}: {p.label} ({p.latitude:.4f}, {p.longitude:.4f}; "
                          f"geo_precision {p.precision})", quote=False)
        style = _STYLE.get(p.precision or 0, _STYLE[2])
        parts.append(f'<g><title>{tip}</title><circle cx="{x:.1f}" cy="{y:.1f}" {style}/>'
                     f'<text x="{x + 7:.1f}" y="{y - 5:.1f}">{p.number}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
