"""A score trend as a server-rendered SVG line chart (no JavaScript), with the 70/80/90 bands."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape


def trend(points: Sequence[tuple[str, Decimal | None]], width: int = 480, height: int = 180) -> str:
    left, right, top, bottom = 34, 10, 10, 26
    lo, hi = 40, 100
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points) - 1)

    def y(value: float) -> float:
        return round(top + (hi - min(hi, max(lo, value))) / (hi - lo) * plot_h, 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="trend" role="img" '
             f'aria-label="score trend">']
    for guide, colour in ((90, "#12b76a"), (80, "#f79009"), (70, "#d92d20")):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(guide)}" y2="{y(guide)}" stroke="{colour}" '
                     f'stroke-dasharray="3 3" stroke-width="1"/><text x="{left - 4}" y="{y(guide) + 4}" font-size="10" '
                     f'text-anchor="end" fill="#62707d">{guide}</text>')
    segment: list[str] = []
    for i, (label, value) in enumerate(points):
        x = round(left + i * step, 1)
        if i % 2 == 0 or len(points) <= 6:
            parts.append(f'<text x="{x}" y="{height - 8}" font-size="10" text-anchor="middle" fill="#62707d">'
                         f'{escape(label[2:])}</text>')
        if value is None:
            if len(segment) > 1:
                parts.append(f'<polyline fill="none" stroke="#0b6e4f" stroke-width="2" points="{" ".join(segment)}"/>')
            segment = []
            continue
        segment.append(f"{x},{y(float(value))}")
        colour = "#d92d20" if value < 70 else "#0b6e4f"
        parts.append(f'<circle cx="{x}" cy="{y(float(value))}" r="3.5" fill="{colour}"><title>{escape(label)}: '
                     f'{value}</title></circle>')
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="#0b6e4f" stroke-width="2" points="{" ".join(segment)}"/>')
    parts.append("</svg>")
    return "".join(parts)
