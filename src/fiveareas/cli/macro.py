"""Macro indicators entered by the regulator, and the exports of a period."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fiveareas.cli.common import HomeOpt, app, console, parse_period
from fiveareas.store.home import Home

macro_app = typer.Typer(help="Macro indicators entered with their source (market turnover, "
                        "direct financing, Panda bonds, insurance figures...).",
                        no_args_is_help=True)
app.add_typer(macro_app, name="macro")


def _entered() -> dict[str, str]:
    """Entered indicators the targets name, with their unit."""
    from fiveareas.measure.target_catalogue import load

    return {t.indicator: t.unit for t in load() if t.kind == "entered"}


@macro_app.command("add")
def macro_add(
    indicator: Annotated[str, typer.Argument(help="An entered indicator of the targets.")],
    value: Annotated[float, typer.Argument(help="In base units: yuan, a count, or a ratio "
                                           "as a fraction (85% is 0.85).")],
    as_of: Annotated[str, typer.Option(help="The date the figure is for (YYYY-MM-DD).")],
    source: Annotated[str, typer.Option(help="Where the figure comes from: publication, "
                                        "table, date.")],
    home: HomeOpt = None,
) -> None:
    """Enter a figure (a later entry for the same date supersedes it; history is kept)."""
    from fiveareas.store import catalog as cat
    from fiveareas.store import macro

    known = _entered()
    if indicator not in known:
        console.print(f"[red]{indicator!r} is not an entered indicator; known: "
                      f"{', '.join(sorted(known))}[/red]")
        raise typer.Exit(2)
    try:
        when = date.fromisoformat(as_of)
    except ValueError:
        console.print(f"[red]--as-of {as_of!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None
    unit = known[indicator]
    if value < 0 or (unit == "ratio" and value > 1):
        console.print(f"[red]{value:g} is not a {unit}"
                      f"{' (a fraction between 0 and 1)' if unit == 'ratio' else ''}[/red]")
        raise typer.Exit(2)
    try:
        e = macro.enter(cat.open_catalog(Home.resolve(home).catalog_url), indicator, when,
                        value, unit, source)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"entered {e.indicator} = {e.value:g} {e.unit} as of {e.as_of} (#{e.id})")


@macro_app.command("list")
def macro_list(
    home: HomeOpt = None,
    history: Annotated[bool, typer.Option(help="Superseded entries too.")] = False,
) -> None:
    """The entered figures in force, with their source and who entered them."""
    from fiveareas.store import catalog as cat
    from fiveareas.store import macro

    rows = macro.values(cat.open_catalog(Home.resolve(home).catalog_url), history=history)
    table = Table(title="macro indicators")
    for c in ("#", "indicator", "as of", "value", "unit", "source", "entered by"):
        table.add_column(c, overflow="fold")
    for e in rows:
        table.add_row(str(e.id), e.indicator, e.as_of.isoformat(), f"{e.value:,.6g}", e.unit,
                      e.source, e.entered_by)
    console.print(table)


@app.command()
def report(
    period: Annotated[str, typer.Option(help="Period, YYYY-MM or YYYY-MM-DD.")],
    fmt: Annotated[str, typer.Option("--format", help="xlsx, pdf or sdmx.")],
    out: Annotated[Path, typer.Option(help="The file to write.")],
    home: HomeOpt = None,
) -> None:
    """Export a measured period: an Excel workbook, a PDF report or an SDMX data message."""
    from fiveareas import report as rep
    from fiveareas.report.build import report_input

    if fmt not in rep.FORMATS:
        console.print(f"[red]unknown format {fmt!r}: xlsx, pdf or sdmx[/red]")
        raise typer.Exit(2)
    when = parse_period(period)
    assert when is not None
    try:
        data = report_input(Home.resolve(home), when)
    except LookupError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    path = rep.write(data, fmt, out)
    console.print(f"wrote {path} ({path.stat().st_size:,} bytes)")
