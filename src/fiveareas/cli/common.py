"""What every command shares: the Typer app, the console, the data-home option, periods."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(help="fiveareas: collect, classify, measure and watch loan-level reports.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
console = Console()
HomeOpt = Annotated[Path | None, typer.Option("--home", help="Data home (else FIVEAREAS_HOME, "
                                               "else ./fiveareas-data).")]


def print_wide(table: object, min_width: int = 130) -> None:
    """A table with many columns, never squeezed below `min_width` (a narrow terminal wraps
    lines instead of cutting ids and figures short)."""
    Console(width=max(console.width, min_width)).print(table)


def progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def parse_period(text: str | None) -> date | None:
    """A period is written 2024-12 or 2024-12-31; both mean that month's end."""
    if text is None:
        return None
    from fiveareas.store.submissions import previous_month_end

    try:
        year, month = int(text[:4]), int(text[5:7])
        if text[4] != "-" or not 1 <= month <= 12 or len(text) not in (7, 10):
            raise ValueError
    except (ValueError, IndexError):
        raise typer.BadParameter(f"{text!r} is not a period (YYYY-MM or YYYY-MM-DD)") from None
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return previous_month_end(nxt)


def chosen_periods(period: str | None, every: bool, all_periods: Callable[[], list[date]]
                   ) -> list[date]:
    """`--period P` or `--all` (exactly one of them): the periods a command works on."""
    when = parse_period(period)
    if (when is None) == (not every):
        console.print("[red]give --period P or --all[/red]")
        raise typer.Exit(2)
    return all_periods() if every else [when]  # type: ignore[list-item]
