"""Charts as inline SVG, drawn on the server: no script, no CDN, nothing for a closed
network to fetch, and they print and screenshot as they look."""

from __future__ import annotations

from datetime import date
from html import escape

W, H, PAD = 560, 180, 36


def _scale(lo: float, hi: float, a: float, b: float):
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def line(points: list[tuple[date, float]], *, goal: float | None = None,
         band: tuple[date, float, float] | None = None, unit: str = "",
         title: str = "") -> str:
    """A monthly line, with an optional goal (dashed) and a projection interval at a date."""
    if not points:
        return f'<svg class="chart" viewBox="0 0 {W} {H}" role="img"><title>{escape(title)}' \
               f'</title><text x="{W / 2}" y="{H / 2}" text-anchor="middle">no data</text></svg>'
    xs = [d.toordinal() for d, _ in points] + ([band[0].toordinal()] if band else [])
    ys = [v for _, v in points] + ([goal] if goal is not None else []) + \
        ([band[1], band[2]] if band else [])
    lo, hi = min(ys), max(ys)
    lo -= (hi - lo) * 0.08 or abs(lo) * 0.1 or 1
    fx = _scale(min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1, PAD + 24, W - 12)
    fy = _scale(lo, hi, H - PAD, 14)
    path = " ".join(f"{fx(d.toordinal()):.1f},{fy(v):.1f}" for d, v in points)
    out = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img"><title>{escape(title)}'
           '</title>',
           f'<line x1="{PAD + 24}" y1="{H - PAD}" x2="{W - 12}" y2="{H - PAD}" class="axis"/>']
    for v in (lo, (lo + hi) / 2, hi):
        out.append(f'<text x="{PAD + 20}" y="{fy(v) + 4:.1f}" class="tick" '
                   f'text-anchor="end">{escape(_short(v, unit))}</text>')
    for (d, _), anchor in ((points[0], "start"), (points[-1], "end")):
        out.append(f'<text x="{fx(d.toordinal()):.1f}" y="{H - PAD + 16}" class="tick" '
                   f'text-anchor="{anchor}">{d:%Y-%m}</text>')
    if goal is not None:
        out.append(f'<line x1="{PAD + 24}" y1="{fy(goal):.1f}" x2="{W - 12}" '
                   f'y2="{fy(goal):.1f}" class="goal"/><text x="{W - 14}" '
                   f'y="{fy(goal) - 4:.1f}" class="tick" text-anchor="end">goal '
                   f'{escape(_short(goal, unit))}</text>')
    if band:
        x = fx(band[0].toordinal())
        last_x, last_y = fx(points[-1][0].toordinal()), fy(points[-1][1])
        out.append(f'<polygon points="{last_x:.1f},{last_y:.1f} {x:.1f},{fy(band[1]):.1f} '
                   f'{x:.1f},{fy(band[2]):.1f}" class="band"/>')
    out.append(f'<polyline points="{path}" class="series"/>')
    out += [f'<circle cx="{fx(d.toordinal()):.1f}" cy="{fy(v):.1f}" r="2.5" class="dot"/>'
            for d, v in points]
    out.append("</svg>")
    return "".join(out)


def bars(items: list[tuple[str, float]], *, unit: str = "", title: str = "",
         href: dict[str, str] | None = None) -> str:
    """Horizontal bars, largest first as given."""
    if not items:
        return '<p class="muted">no data</p>'
    h = 22 * len(items) + 10
    top = max(v for _, v in items) or 1.0
    out = [f'<svg class="chart" viewBox="0 0 {W} {h}" role="img"><title>{escape(title)}'
           '</title>']
    for i, (label, v) in enumerate(items):
        y = 6 + i * 22
        width = max(v, 0) / top * (W - 260)
        text = escape(label)
        if href and label in href:
            text = f'<a href="{escape(href[label])}">{text}</a>'
        out.append(f'<text x="150" y="{y + 13}" class="tick" text-anchor="end">{text}</text>'
                   f'<rect x="156" y="{y}" width="{width:.1f}" height="16" class="bar"/>'
                   f'<text x="{160 + width:.1f}" y="{y + 13}" class="tick">'
                   f'{escape(_short(v, unit))}</text>')
    out.append("</svg>")
    return "".join(out)


def _short(v: float, unit: str) -> str:
    if unit == "yuan":
        return f"{v / 1e12:,.2f}万亿" if abs(v) >= 1e12 else f"{v / 1e8:,.2f}亿"
    if unit == "ratio":
        return f"{v * 100:.1f}%"
    return f"{v:,.0f}"
