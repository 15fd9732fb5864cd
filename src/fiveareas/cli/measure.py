"""The main job and the measurement commands: run, measure, indicators, targets, report."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fiveareas.cli.classify import PeriodOpt, classify_periods
from fiveareas.cli.common import HomeOpt, app, chosen_periods, console, parse_period, progress
from fiveareas.store.home import Home

YI = 1e8  # 亿元: 100 million yuan, the unit Chinese statistics publish balances in


@app.command()
def run(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders to collect.")] = None,
    home: HomeOpt = None,
    period: PeriodOpt = None,
    max_error_rate: Annotated[float | None, typer.Option(
        help="Reject a whole submission when more than this share of its rows fail.")] = None,
) -> None:
    """The main job: ingest the files given, then classify and measure every period whose
    books changed (or the --period given), print where the targets stand, and run the
    supply-chain checks when supply-chain submissions changed."""
    from fiveareas.cli.collect import collect

    h = Home.resolve(home)
    todo: set[date] = set()
    failed = scf_changed = False
    if paths:
        outcomes = collect(paths, h, max_error_rate)
        landed = [o for o in outcomes if o.period is not None and not o.duplicate
                  and o.state in ("accepted", "accepted_with_warnings")]
        todo |= {o.period for o in landed if o.kind == "loan_book"}
        scf_changed = any(o.kind == "scf" for o in landed)
        failed = any(o.state == "malformed" and not o.duplicate for o in outcomes)
        _note_synthetic(h, paths)
    when = parse_period(period)
    if when is not None:
        todo.add(when)
    if not todo:
        console.print("no period changed: nothing to classify or measure")
    else:
        classify_periods(h, sorted(todo))
        measure_periods(h, sorted(todo))
        _targets_line(h)
    if scf_changed:
        from fiveareas.cli.scf import run_checks

        run_checks(h)
    if failed:
        raise typer.Exit(1)


def _targets_line(h: Home) -> None:
    from collections import Counter

    from fiveareas.measure import progress as prog

    counts = Counter(s.status for s in prog.statuses(h))
    console.print("targets: " + ", ".join(f"{n} {k}" for k, n in counts.most_common())
                  + " (fiveareas targets for the table)")


def _note_synthetic(h: Home, paths: list[Path]) -> None:
    """A generated city holds `scale` of Shanghai: compare its absolute targets at that scale."""
    for p in paths:
        manifest = p / "manifest.json" if p.is_dir() else None
        if manifest is None or not manifest.exists():
            continue
        doc = json.loads(manifest.read_text("utf-8"))
        if doc.get("generator") == "fiveareas.synth":
            scale = float(doc["parameters"]["scale"])
            h.save_setting("target_scale", scale)
            console.print(f"synthetic city at scale {scale:g}: absolute targets (yuan, counts) "
                          f"are compared at {scale:g} of their value")


@app.command()
def measure(
    home: HomeOpt = None,
    period: PeriodOpt = None,
    every: Annotated[bool, typer.Option("--all", help="Every classified period.")] = False,
) -> None:
    """Compute the indicators of classified periods (the `indicators` dataset)."""
    from fiveareas.rules import job

    h = Home.resolve(home)
    measure_periods(h, chosen_periods(period, every, lambda: job.periods(h)))


def measure_periods(h: Home, todo: list[date]) -> None:
    from fiveareas.measure import job

    done = []
    with progress() as bar:
        task = bar.add_task("measure", total=len(todo))
        for p in todo:
            try:
                done.append(job.measure(h, p))
            except LookupError as exc:
                console.print(f"[red]{exc}[/red]")
                raise typer.Exit(1) from exc
            bar.advance(task)
    table = Table(title="measured")
    for col in ("period", "loans", "balance (亿元)", "cells"):
        table.add_column(col, justify="left" if col == "period" else "right", no_wrap=True)
    for m in done:
        table.add_row(m.period.isoformat(), f"{m.loans:,}", f"{m.balance / YI:,.2f}",
                      f"{m.cells:,}")
    console.print(table)


def _yi(v: float | None) -> str:
    return "" if v is None else f"{float(v) / YI:,.2f}"


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v * 100:.1f}%"


@app.command()
def indicators(
    period: Annotated[str, typer.Option(help="Period, YYYY-MM or YYYY-MM-DD.")],
    home: HomeOpt = None,
    area: Annotated[str | None, typer.Option(help="all, sci_tech, green, inclusive, pension, "
                                             "digital.")] = None,
    dimension: Annotated[str, typer.Option(help="city, institution_type, institution, district "
                                           "or industry_section.")] = "city",
    member: Annotated[str | None, typer.Option(help="One member of the dimension.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """The indicators of a period by area and sub-area, for one breakdown."""
    from fiveareas.measure import read

    h = Home.resolve(home)
    when = parse_period(period)
    assert when is not None
    try:
        w = read.wide(h, when, area=area, dimension=dimension, member=member).to_pylist()
    except LookupError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    if fmt in ("csv", "json"):
        _dump(w, fmt)
        return
    from rich import box

    table = Table(title=f"indicators {when.isoformat()} by {dimension}", box=box.SIMPLE_HEAD,
                  caption="amounts in 亿元 (100 million yuan); new, first (first-time borrowers) "
                  "and renewals: in the month; every indicator: --format csv or json")
    by_member = dimension != "city"
    cols = ("area", "sub-area", *(["member"] if by_member else []), "balance", "yoy",
            "borrowers", "new", "first", "renewals", "NPL")
    for c in cols:
        table.add_column(c, justify="left" if c in ("area", "sub-area", "member") else "right",
                         no_wrap=True)
    for r in w:
        member = [f"{r['member']} {r['member_name'] or ''}".strip()] if by_member else []
        table.add_row(r["area"], r["sub_area"], *member, _yi(r["balance"]), _pct(r["yoy"]),
                      f"{r['borrowers']:,}", _yi(r["new_lending"]),
                      f"{r['first_time_borrowers']:,}", _yi(r["renewal_amount"]),
                      _pct(r["npl_ratio"]))
    console.print(table)


def _dump(rows: list[dict], fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, default=str, ensure_ascii=False, indent=1) + "\n")
        return
    w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else [])
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if v is None else v for k, v in r.items()})


STATUS_STYLE = {"met": "green", "on_track": "green", "off_track": "red", "missed": "red",
                "too_few_data": "yellow", "no_data": "dim"}


def _amount(v: float | None, unit: str) -> str:
    if v is None:
        return ""
    if unit == "yuan":
        return f"{v / 1e12:,.2f}万亿" if abs(v) >= 1e12 else f"{v / YI:,.2f}亿"
    if unit == "ratio":
        return f"{v * 100:.1f}%"
    return f"{v:,.0f}"


def print_targets(h: Home, as_of: date | None = None) -> None:
    """The targets as one table, as wide as the terminal allows: names from 110 columns."""
    from rich import box

    from fiveareas.measure import progress as prog

    rows = [s.as_dict() for s in prog.statuses(h, as_of)]
    scale = prog.target_scale(h)
    table = Table(title="targets of the source documents", box=box.SIMPLE_HEAD,
                  caption=(f"synthetic city at scale {scale:g}: absolute goals (yuan, counts) "
                           f"are shown at {scale:g} of the documents' value") if scale != 1
                  else None)
    width = console.width
    name = "title" if width >= 160 else "title_zh" if width >= 125 else None
    words = {"at_least": "≥", "at_most": "≤", "about": "≈"}
    table.add_column("id", no_wrap=True, min_width=7)
    if name:
        table.add_column("target", overflow="ellipsis", no_wrap=True,
                         max_width=60 if name == "title" else 24)
    projected = any(r["projection"] is not None for r in rows)
    head = "projection (chance)" if width >= 100 else "projection"
    for c in ("goal", "due", "current", "status", *([head] if projected else [])):
        table.add_column(c, justify="left" if c in ("due", "status") else "right",
                         no_wrap=True, min_width={"due": 7, "status": 12}.get(c))
    for r in rows:
        proj = ""
        if r["projection"] is not None:
            proj = _amount(r["projection"], r["unit"])
            proj += f" ({r['probability']:.0%})" if width >= 100 else ""
        style = STATUS_STYLE.get(r["status"], "")
        cells = [r["id"], *([r[name]] if name else []),
                 f"{words[r['comparison']]} {_amount(r['target'], r['unit'])}",
                 r["deadline"].strftime("%Y-%m"), _amount(r["current"], r["unit"]),
                 f"[{style}]{r['status']}[/{style}]", *([proj] if projected else [])]
        table.add_row(*cells)
    console.print(table)


@app.command()
def targets(
    home: HomeOpt = None,
    as_of: Annotated[str | None, typer.Option(help="Use the data up to this period only.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Every target of the source documents: current value, gap, status and projection."""
    from fiveareas.measure import progress as prog

    h = Home.resolve(home)
    when = parse_period(as_of)
    if fmt == "json":
        _dump([s.as_dict() for s in prog.statuses(h, when)], "json")
        return
    print_targets(h, when)
