"""PDF report for people to read: headline figures, a page-part per area, targets and progress.

Laid out with reportlab's platypus (BSD); charts are drawn by matplotlib on the Agg backend into
PNG bytes in memory, so nothing touches disk but the report. Text stays real text (pypdf can
extract it). Chinese text is set in WenQuanYi Micro Hei (Apache-2.0; Debian's
fonts-wqy-microhei, installed by `make`), embedded as a subset so every reader shows it; without
that file, in reportlab's built-in CID font STSong-Light, which readers must supply. Headline
amounts are shown in trillion yuan (万亿元), tables in 100 million yuan (亿元).
"""

from __future__ import annotations

import io
import os
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from fiveareas.report.data import (  # noqa: E402
    AREA_NAMES,
    AREAS,
    WAN_YI,
    YI,
    ReportInput,
    city_total,
    figures,
    month,
)

CJK_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)
CJK_FALLBACK = "STSong-Light"
STATUS_COLOURS = {
    "met": "#2e7d32", "on_track": "#66bb6a", "off_track": "#e53935", "missed": "#8e0000",
    "no_data": "#9e9e9e", "too_few_data": "#bdbdbd",
}
BREAKDOWN_TITLES = {"district": "districts", "institution_type": "institution types",
                    "industry_section": "industry sections"}


@cache
def _cjk() -> str:
    """The font for Chinese: an embedded TrueType font when one is installed (or named by
    FIVEAREAS_CJK_FONT), else the CID font that ships with reportlab."""
    for path in (os.environ.get("FIVEAREAS_CJK_FONT"), *CJK_FILES):
        if path and Path(path).exists():
            pdfmetrics.registerFont(TTFont("CJK", path, subfontIndex=0))
            return "CJK"
    if CJK_FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FALLBACK))
    return CJK_FALLBACK


def _zh(text: str) -> str:
    """Paragraph markup for Chinese text in the CID font."""
    return f'<font name="{_cjk()}">{escape(text)}</font>'


def _has_cjk(text: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in text)


def _text(text: Any) -> str:
    """Escape a value for a Paragraph, switching to the CID font when it holds Chinese."""
    s = "" if text is None else str(text)
    return _zh(s) if _has_cjk(s) else escape(s)


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def _amount(value: float | None) -> str:
    """Yuan as 100 million yuan, or as trillion yuan when that large."""
    if value is None:
        return "n/a"
    if abs(value) >= WAN_YI:
        return f"{value / WAN_YI:,.2f} trillion yuan"
    return f"{value / YI:,.2f} 100 million yuan"


def _target_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "yuan":
        return f"{value / YI:,.0f} (100m yuan)" if abs(value) < WAN_YI else (
            f"{value / WAN_YI:,.2f} trn yuan")
    if unit == "ratio":
        return f"{value * 100:.2f}%"
    if unit == "percent":
        return f"{value:.2f}% a year"
    return f"{value:,.0f}"


def _png(fig: plt.Figure, width_cm: float) -> Image:
    """A matplotlib figure as an in-memory PNG flowable of the given width."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    w, h = fig.get_size_inches()
    plt.close(fig)
    buf.seek(0)
    return Image(buf, width=width_cm * cm, height=width_cm * cm * h / w)


def _trend_chart(points: list[tuple[date, float]], title: str) -> Image:
    """Balance by month-end; months as labels, since month-end dates tick as the next month."""
    fig, ax = plt.subplots(figsize=(6.5, 2.4))
    xs = list(range(len(points)))
    ys = [v / YI for _, v in points]
    ax.plot(xs, ys, marker="o", markersize=3, color="#1f4e79")
    ax.fill_between(xs, ys, min(ys) * 0.98, color="#1f4e79", alpha=0.08)
    step = max(1, -(-len(points) // 7))  # at most 7 labels
    ax.set_xticks(xs[::step], [month(p) for p, _ in points][::step])
    ax.set_title(title, fontsize=9)
    ax.set_ylabel("100 million yuan", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    return _png(fig, 15)


def _progress_chart(targets: list[dict[str, Any]]) -> Image:
    """Current / target per measured target; a ceiling (`at_most`) is hatched: lower is better."""
    rows = list(reversed(targets))
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(rows) + 0.9))
    values = [min(t["progress"], 1.5) * 100 for t in rows]
    bars = ax.barh([t["id"] for t in rows], values,
                   color=[STATUS_COLOURS.get(t["status"], "#607d8b") for t in rows])
    ax.axvline(100, color="black", linewidth=0.8, linestyle="--")
    for y, (t, v, bar) in enumerate(zip(rows, values, bars, strict=True)):
        ceiling = t.get("comparison") == "at_most"
        if ceiling:
            bar.set_hatch("///")
        label = f"{t['progress'] * 100:.0f}%{' of ceiling' if ceiling else ''}, {t['status']}"
        ax.text(v + 1, y, label, va="center", fontsize=7)
    ax.set_xlim(0, max(values + [100]) * 1.3)
    ax.set_xlabel("current / target, % (hatched: a ceiling, lower is better)", fontsize=8)
    ax.set_title("Progress toward measured targets", fontsize=9)
    ax.tick_params(labelsize=7)
    return _png(fig, 15)


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": base["Title"],
        "h1": base["Heading1"],
        "h2": base["Heading2"],
        "body": base["BodyText"],
        "small": ParagraphStyle("small", parent=base["BodyText"], fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", parent=base["BodyText"], fontSize=8, leading=10),
    }


def _title(data: ReportInput, st: dict[str, ParagraphStyle]) -> list:
    generated = data.generated_at.strftime("%Y-%m-%d %H:%M") + (
        f" {data.generated_at.tzname()}" if data.generated_at.tzinfo else "")
    return [
        Paragraph(f"{escape(data.city)}: the five major areas of finance", st["title"]),
        Paragraph(f"Reporting period {month(data.period)} (month ending "
                  f"{data.period.isoformat()})", st["h2"]),
        Paragraph(f"Generated {escape(generated)} by fiveareas; rules version "
                  f"{escape(data.rules_version)}. Amounts are in yuan converted for display: "
                  f"trillion yuan ({_zh('万亿元')}) for headlines, 100 million yuan "
                  f"({_zh('亿元')}) in tables.", st["body"]),
        *(Paragraph(f"<b>Note:</b> {escape(note)}", st["body"]) for note in data.notes),
        Spacer(1, 0.4 * cm),
    ]


def _summary(wide: dict, st: dict[str, ParagraphStyle]) -> list:
    rows = [["Area", "Balance (100m yuan)", "YoY", "YTD", "Borrowers", "NPL ratio"]]
    for area in ("all", *AREAS):
        total = city_total(wide, area)
        if not total:
            continue
        rows.append([
            Paragraph(f"{escape(AREA_NAMES[area][0])} {_zh(AREA_NAMES[area][1])}", st["cell"]),
            "n/a" if total.get("balance") is None else f"{total['balance'] / YI:,.2f}",
            _pct(total.get("yoy")), _pct(total.get("ytd")),
            "n/a" if total.get("borrowers") is None else f"{total['borrowers']:,.0f}",
            _pct(total.get("npl_ratio"), 2),
        ])
    if len(rows) == 1:
        return [Paragraph("No data for this period: the indicators table is empty.", st["body"])]
    table = Table(rows, colWidths=[5.2 * cm, 3.4 * cm, 1.8 * cm, 1.8 * cm, 2.4 * cm, 2.0 * cm],
                  repeatRows=1)
    table.setStyle(_grid())
    return [Paragraph("Headline figures", st["h1"]), table]


def _grid() -> TableStyle:
    return TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#ddebf7")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ])


def _largest(wide: dict, area: str, dimension: str) -> tuple[str, float] | None:
    """The member of a breakdown with the largest balance, as (display name, balance)."""
    members = [(v.get("member_name") or k[3], v["balance"]) for k, v in wide.items()
               if k[0] == area and k[1] == "total" and k[2] == dimension
               and v.get("balance") is not None]
    return max(members, key=lambda m: m[1]) if members else None


def _area_text(wide: dict, area: str) -> str:
    total = city_total(wide, area)
    name = AREA_NAMES[area][0]
    if total.get("balance") is None:
        return f"No data for {escape(name)} in this period."
    parts = [f"Outstanding {escape(name.lower())} loans: <b>{_amount(total['balance'])}</b>"]
    growth = []
    if total.get("yoy") is not None:
        growth.append(f"{_pct(total['yoy'])} year on year")
    if total.get("ytd") is not None:
        growth.append(f"{_pct(total['ytd'])} since last December")
    if growth:
        parts[0] += ", growth " + " and ".join(growth)
    parts[0] += "."
    counts = []
    if total.get("borrowers") is not None:
        counts.append(f"{total['borrowers']:,.0f} borrowers")
    if total.get("loans") is not None:
        counts.append(f"{total['loans']:,.0f} loans")
    if total.get("new_lending") is not None:
        counts.append(f"new lending in the month {_amount(total['new_lending'])}")
    if total.get("npl_ratio") is not None:
        counts.append(f"NPL ratio {_pct(total['npl_ratio'], 2)}")
    if counts:
        text = "; ".join(counts)
        parts.append(text[0].upper() + text[1:] + ".")
    subs = [(k[1], v["balance"]) for k, v in wide.items() if k[0] == area and k[1] != "total"
            and k[2] == "city" and v.get("balance") is not None]
    if subs:
        parts.append("Sub-areas: " + "; ".join(
            f"{escape(s)} {b / YI:,.2f} 100 million yuan" for s, b in subs) + ".")
    for dimension, label in BREAKDOWN_TITLES.items():
        top = _largest(wide, area, dimension)
        if top:
            parts.append(f"Largest among {label}: {_text(top[0])} ({_amount(top[1])}).")
    return " ".join(parts)


def _history(data: ReportInput, area: str) -> list[tuple[date, float]]:
    points = {}
    for row in data.series.to_pylist():
        if row["area"] == area and row["indicator"] == "balance" and row["value"] is not None:
            points[row["period"]] = row["value"]
    return sorted(points.items())


def _areas(data: ReportInput, wide: dict, st: dict[str, ParagraphStyle]) -> list:
    story: list = [Paragraph("The five areas", st["h1"])]
    for area in AREAS:
        en, zh = AREA_NAMES[area]
        block = [Paragraph(f"{escape(en)} {_zh(zh)}", st["h2"]),
                 Paragraph(_area_text(wide, area), st["body"])]
        points = _history(data, area)
        if len(points) >= 2:
            block.append(_trend_chart(points, f"{en}: balance, {month(points[0][0])} to "
                                              f"{month(points[-1][0])}"))
        else:
            block.append(Paragraph("No history to chart.", st["small"]))
        story.append(KeepTogether(block))
    return story


def _targets(data: ReportInput, st: dict[str, ParagraphStyle]) -> list:
    story: list = [Paragraph("Targets", st["h1"])]
    if not data.targets:
        return [*story, Paragraph("No targets to report.", st["body"])]
    rows: list[list[Any]] = [["ID", "Target", "Goal", "Current", "Progress", "Status",
                              "Deadline"]]
    style = _grid()
    for i, t in enumerate(data.targets, start=1):
        unit = t.get("unit", "")
        comparison = str(t.get("comparison", "")).replace("_", " ")
        goal = f"{comparison} {_target_value(t.get('target'), unit)}"
        title = escape(str(t.get("title", "")))
        if t.get("kind") == "entered":
            title += " <i>(entered)</i>"
        rows.append([t["id"], Paragraph(title, st["cell"]), Paragraph(escape(goal), st["cell"]),
                     Paragraph(escape(_target_value(t.get("current"), unit)), st["cell"]),
                     _pct(t.get("progress"), 0) if t.get("progress") is not None else "-",
                     t.get("status", ""), str(t.get("deadline", ""))])
        colour = STATUS_COLOURS.get(t.get("status", ""))
        if colour:
            style.add("TEXTCOLOR", (5, i), (5, i), colors.HexColor(colour))
    table = Table(rows, colWidths=[1.6 * cm, 5.4 * cm, 3.0 * cm, 2.6 * cm, 1.6 * cm,
                                   2.0 * cm, 1.9 * cm], repeatRows=1)
    style.add("ALIGN", (1, 1), (-1, -1), "LEFT")
    table.setStyle(style)
    story.append(table)

    measured = [t for t in data.targets
                if t.get("kind") == "measured" and t.get("progress") is not None]
    story.append(Spacer(1, 0.4 * cm))
    if measured:
        story.append(_progress_chart(measured))
    else:
        story.append(Paragraph("No measured target has a current value yet.", st["body"]))

    story.append(Paragraph("Sources and projections", st["h2"]))
    for t in data.targets:
        line = f"<b>{escape(t['id'])}</b> ({escape(str(t.get('status', '')))})"
        if t.get("projection") is not None:
            unit = t.get("unit", "")
            line += (f": projected {escape(_target_value(t['projection'], unit))} at the "
                     f"deadline")
            if t.get("projection_low") is not None and t.get("projection_high") is not None:
                line += (f" (interval {escape(_target_value(t['projection_low'], unit))} to "
                         f"{escape(_target_value(t['projection_high'], unit))})")
        if t.get("note"):
            line += f"; {_text(t['note'])}"
        line += f". Source {escape(str(t.get('source', '')))}: “{_text(t.get('sentence'))}”"
        story.append(Paragraph(line, st["small"]))
    return story


def write_pdf(data: ReportInput, out: Path) -> Path:
    """Write the readable report to `out`; return `out`."""
    st = _styles()
    wide = figures(data)
    story = [*_title(data, st), *_summary(wide, st), *_areas(data, wide, st),
             *_targets(data, st)]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(
        str(out), pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=1.8 * cm,
        bottomMargin=1.8 * cm, title=f"{data.city} five major areas of finance, "
        f"{month(data.period)}", author="fiveareas", creator="fiveareas")

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(2 * cm, 1 * cm, f"{data.city} five areas, {month(data.period)}; "
                                         f"rules {data.rules_version}")
        canvas.drawRightString(A4[0] - 2 * cm, 1 * cm, f"page {doc.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out
