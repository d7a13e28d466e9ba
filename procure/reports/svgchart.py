"""A score trend as a server-rendered SVG line chart (no JavaScript), with the 70/80/90 bands."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import Any


#: The inspection score's lines: 90 / 80 / 70, where the payment coefficient steps down.
SCORE_GUIDES = ((90, "#12b76a"), (80, "#f79009"), (70, "#d92d20"))
#: The evaluation bands' floors (A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40; reports.rules.BANDS).
BAND_GUIDES = ((90, "#12b76a"), (75, "#0b6e4f"), (60, "#f79009"), (40, "#d92d20"))


def trend(points: Sequence[tuple[str, Decimal | None]], width: int = 480, height: int = 180, *, lo: int = 40,
          guides: Sequence[tuple[int, str]] = SCORE_GUIDES, failing_below: int = 70, label: str = "score trend") -> str:
    left, right, top, bottom = 34, 10, 10, 26
    hi = 100
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points) - 1)

    def y(value: float) -> float:
        return round(top + (hi - min(hi, max(lo, value))) / (hi - lo) * plot_h, 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="trend" role="img" '
             f'aria-label="{escape(label)}">']
    for guide, colour in guides:
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
        colour = "#d92d20" if value < failing_below else "#0b6e4f"
        parts.append(f'<circle cx="{x}" cy="{y(float(value))}" r="3.5" fill="{colour}"><title>{escape(label)}: '
                     f'{value}</title></circle>')
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="#0b6e4f" stroke-width="2" points="{" ".join(segment)}"/>')
    parts.append("</svg>")
    return "".join(parts)


def spark(points: Sequence[tuple[str, Decimal | None]], width: int = 120, height: int = 28) -> str:
    """A composite's 12 months in a table cell: a line over 0–100, the last value as a dot, each
    month's value in its tooltip."""
    step = (width - 6) / max(1, len(points) - 1)

    def y(value: Decimal) -> float:
        return round(3 + (100 - min(100.0, max(0.0, float(value)))) / 100 * (height - 6), 1)

    known = [(round(3 + i * step, 1), y(v), label, v) for i, (label, v) in enumerate(points) if v is not None]
    words = "; ".join(f"{label}: {v}" for label, v in points if v is not None) or "—"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'class="spark" role="img" aria-label="{escape(words)}"><title>{escape(words)}</title>',
             f'<line x1="0" x2="{width}" y1="{y(Decimal(60))}" y2="{y(Decimal(60))}" stroke="#f79009" '
             f'stroke-dasharray="2 2" stroke-width="1"/>']
    if len(known) > 1:
        parts.append('<polyline fill="none" stroke="#0b6e4f" stroke-width="1.5" points="'
                     + " ".join(f"{x},{yy}" for x, yy, _, _ in known) + '"/>')
    if known:
        x, yy, _, v = known[-1]
        parts.append(f'<circle cx="{x}" cy="{yy}" r="2.5" fill="{"#d92d20" if v < 60 else "#0b6e4f"}"/>')
    parts.append("</svg>")
    return "".join(parts)


def evaluation_charts(evaluation: Any) -> dict[str, Any]:
    """The pictures of a reports.services.Evaluation: the district's composite over 12 months as a
    chart with the band floors, and a sparkline per area, contractor and inspector."""
    return {"district": trend(evaluation.district.trend, lo=0, guides=BAND_GUIDES, failing_below=60,
                              label="composite value, 12 months"),
            "district_spark": spark(evaluation.district.trend),
            "areas": {e.subject.id: spark(e.trend) for e in evaluation.areas},
            "contractors": {e.subject.id: spark(e.trend) for e in evaluation.contractors},
            "inspectors": {e.subject.id: spark(e.trend) for e in evaluation.inspectors},
            "all_inspectors": spark(evaluation.all_inspectors.trend)}
