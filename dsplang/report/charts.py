"""Inline SVG charts for the report: a line chart (lines, steps, dots) and horizontal bars.

Drawn in Python so the page needs no script library; every text from the trace goes through
`markupsafe.escape`. Points carry a `<title>`, which the browser shows on hover. Colours are
presentation attributes and classes (the page's style sheet), never `style=` attributes, which
the page's content security policy would block.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2")
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 16, 28, 40


@dataclass(slots=True)
class Series:
    """A named line: points (x, y), drawn as a polyline or steps, with optional dots."""

    name: str
    points: list[tuple[float, float]]
    color: str = PALETTE[0]
    step: bool = False
    dots: bool = False
    line: bool = True
    titles: list[str] = field(default_factory=list)     # one hover text per point
    marked: set[int] = field(default_factory=set)       # points drawn larger (the chosen candidate)


def line_chart(series: Sequence[Series], *, x_label: str, y_label: str, width: int = 640, height: int = 240,
               y_format: Callable[[float], str] = lambda v: f"{v:g}", y_min: float | None = None,
               y_max: float | None = None) -> Markup:
    """An SVG line chart of `series` on shared axes; an empty chart says there is no data."""
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    if not xs:
        return _empty(width, height)
    x_lo, x_hi = _span(min(xs), max(xs))
    y_lo, y_hi = _span(min(ys) if y_min is None else y_min, max(ys) if y_max is None else y_max)
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM

    def px(x: float) -> float:
        return _LEFT + (x - x_lo) / (x_hi - x_lo) * plot_w

    def py(y: float) -> float:
        return _TOP + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h

    parts = [_open(width, height, f"{y_label} by {x_label}")]
    parts += _grid(_ticks(y_lo, y_hi), py, y_format, width)
    parts += _x_axis(_ticks(x_lo, x_hi), px, width, height, x_label)
    parts.append(f'<text class="axis-label" x="12" y="{_TOP + plot_h / 2:.1f}" '
                 f'transform="rotate(-90 12 {_TOP + plot_h / 2:.1f})" text-anchor="middle">{escape(y_label)}</text>')
    for s in series:
        parts += _draw(s, px, py)
    parts += _legend(series, width)
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(rows: Sequence[tuple[str, float]], *, label: str, fmt: Callable[[float], str] = lambda v: f"{v:g}",
              width: int = 640, color: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per (name, value), longest first as given."""
    if not rows:
        return _empty(width, 80)
    bar, gap, name_w = 18, 6, 200
    height = _TOP + len(rows) * (bar + gap) + 8
    top = max(v for _, v in rows) or 1.0
    plot_w = width - name_w - 90
    parts = [_open(width, height, label)]
    for i, (name, value) in enumerate(rows):
        y = _TOP + i * (bar + gap)
        w = max(1.0, value / top * plot_w) if value > 0 else 0.0
        short = name if len(name) <= 30 else name[:29] + "…"
        parts.append(f'<text class="bar-name" x="{name_w - 8}" y="{y + bar * 0.72:.1f}" text-anchor="end">'
                     f'<title>{escape(name)}</title>{escape(short)}</text>')
        parts.append(f'<rect x="{name_w}" y="{y}" width="{w:.1f}" height="{bar}" rx="3" fill="{color}">'
                     f'<title>{escape(name)}: {escape(fmt(value))}</title></rect>')
        parts.append(f'<text class="bar-value" x="{name_w + w + 6:.1f}" y="{y + bar * 0.72:.1f}">'
                     f'{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">')


def _empty(width: int, height: int) -> Markup:
    return Markup(f'{_open(width, height, "no data")}<text class="empty" x="{width / 2}" y="{height / 2}" '
                  'text-anchor="middle">no data</text></svg>')


def _span(lo: float, hi: float) -> tuple[float, float]:
    """An axis range around [lo, hi] that is never empty."""
    if hi - lo < 1e-12:
        pad = abs(lo) * 0.1 or 1.0
        return lo - pad, hi + pad
    return lo, hi


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About `count` round values between lo and hi (1, 2 or 5 times a power of ten apart)."""
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _grid(ticks: list[float], py, fmt, width: int) -> list[str]:
    out = []
    for t in ticks:
        y = py(t)
        out.append(f'<line class="grid" x1="{_LEFT}" x2="{width - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(t))}</text>')
    return out


def _x_axis(ticks: list[float], px, width: int, height: int, label: str) -> list[str]:
    base = height - _BOTTOM
    out = [f'<line class="axis" x1="{_LEFT}" x2="{width - _RIGHT}" y1="{base}" y2="{base}"/>']
    for t in ticks:
        out.append(f'<text class="tick" x="{px(t):.1f}" y="{base + 16}" text-anchor="middle">{t:g}</text>')
    out.append(f'<text class="axis-label" x="{(_LEFT + width - _RIGHT) / 2:.1f}" y="{height - 6}" '
               f'text-anchor="middle">{escape(label)}</text>')
    return out


def _draw(s: Series, px, py) -> list[str]:
    coords: list[tuple[float, float]] = []
    for i, (x, y) in enumerate(s.points):
        if s.step and i:
            coords.append((px(x), coords[-1][1]))
        coords.append((px(x), py(y)))
    out = []
    if s.line and len(coords) > 1:
        joined = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        out.append(f'<polyline class="line" points="{joined}" fill="none" stroke="{s.color}" stroke-width="2"/>')
    if s.dots or len(s.points) == 1:
        for i, (x, y) in enumerate(s.points):
            r = 6 if i in s.marked else 4
            title = s.titles[i] if i < len(s.titles) else f"{s.name}: {y:g}"
            cls = "dot marked" if i in s.marked else "dot"
            out.append(f'<circle class="{cls}" cx="{px(x):.1f}" cy="{py(y):.1f}" r="{r}" fill="{s.color}">'
                       f"<title>{escape(title)}</title></circle>")
    return out


def _legend(series: Sequence[Series], width: int) -> list[str]:
    if len(series) < 2:
        return []
    out, x = [], width - _RIGHT
    for s in reversed(series):
        x -= 12 + 7 * len(s.name) + 16
        out.append(f'<rect x="{x}" y="2" width="10" height="10" fill="{s.color}"/>'
                   f'<text class="legend" x="{x + 14}" y="11">{escape(s.name)}</text>')
    return out
