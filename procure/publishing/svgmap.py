"""A small server-side SVG map of site points: no JavaScript, no map tiles, no CDN."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape


@dataclass(frozen=True)
class Point:
    lon: Decimal
    lat: Decimal
    label: str


def render(points: Sequence[Point], width: int = 360, height: int = 240, pad: int = 16) -> str:
    if not points:
        return ""
    lons = [float(p.lon) for p in points]
    lats = [float(p.lat) for p in points]
    lo_x, hi_x = min(lons), max(lons)
    lo_y, hi_y = min(lats), max(lats)
    span_x = max(hi_x - lo_x, 0.005)
    span_y = max(hi_y - lo_y, 0.005)

    def xy(p: Point) -> tuple[float, float]:
        x = pad + (float(p.lon) - lo_x) / span_x * (width - 2 * pad)
        y = height - pad - (float(p.lat) - lo_y) / span_y * (height - 2 * pad)  # north is up
        return round(x, 1), round(y, 1)

    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="5" fill="#0b6e4f" fill-opacity="0.8"><title>{escape(p.label)}</title></circle>'
        for p in points for x, y in [xy(p)])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="site-map" '
            f'aria-label="map"><rect width="{width}" height="{height}" fill="#eef5f1" rx="8"/>{dots}'
            f'<text x="{width - pad}" y="{pad + 4}" font-size="11" text-anchor="end" fill="#62707d">N ↑</text></svg>')
