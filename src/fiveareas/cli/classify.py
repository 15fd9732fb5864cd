"""Classify commands: classify, explain, classify-one, sizes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fiveareas.cli.common import HomeOpt, app, chosen_periods, console, parse_period, progress
from fiveareas.store.home import Home

PeriodOpt = Annotated[str | None, typer.Option(help="Period, YYYY-MM or YYYY-MM-DD.")]


@app.command()
def classify(
    home: HomeOpt = None,
    period: PeriodOpt = None,
    every: Annotated[bool, typer.Option("--all", help="Every period with submissions.")] = False,
) -> None:
    """Tag every loan of a period with its areas (tags, flags and sizes datasets)."""
    from fiveareas.rules import job

    h = Home.resolve(home)
    todo = chosen_periods(period, every, lambda: job.periods(h))
    if not todo:
        console.print("[red]no submissions in force: ingest first[/red]")
        raise typer.Exit(1)
    classify_periods(h, todo)


def classify_periods(h: Home, todo: list) -> None:
    """Classify each period with a progress bar, then print what was written."""
    from fiveareas.rules import job

    done = []
    with progress() as bar:
        task = bar.add_task("classify", total=len(todo))
        for p in todo:
            try:
                done.append(job.classify(h, p))
            except LookupError as exc:
                console.print(f"[red]{exc}[/red]")
                raise typer.Exit(1) from exc
            bar.advance(task)
    table = Table(title=f"classified (rules {job.rules_version()})")
    for col in ("period", "loans", "tags", "flags", "borrowers", "size ≠ reported"):
        table.add_column(col, justify="right" if col != "period" else "left", no_wrap=True)
    for c in done:
        table.add_row(c.period.isoformat(), f"{c.loans:,}", f"{c.tags:,}", f"{c.flags:,}",
                      f"{c.counterparties:,}", f"{c.size_mismatches:,}")
    console.print(table)
    totals: dict[str, int] = {}
    for c in done:
        for rule_id, n in c.by_rule.items():
            totals[rule_id] = totals.get(rule_id, 0) + n
    console.print("by rule: " + ", ".join(f"{r} {n:,}" for r, n in sorted(totals.items())))
    reasons: dict[str, list[str]] = {}
    for rule_id, why in sorted({r: w for c in done for r, w in c.skipped.items()}.items()):
        reasons.setdefault(why, []).append(rule_id)
    for why, ids in reasons.items():
        console.print(f"[yellow]not applied, {', '.join(ids)}: {why}[/yellow]")


@app.command()
def explain(
    loan_id: Annotated[str, typer.Argument(help="The loan's id as its bank reports it.")],
    period: Annotated[str, typer.Option(help="Period, YYYY-MM or YYYY-MM-DD.")],
    home: HomeOpt = None,
    institution: Annotated[str | None, typer.Option(
        help="The reporting institution, when several report the same loan id.")] = None,
) -> None:
    """Every tag of one loan and every rule that did not fire, with the deciding values."""
    from fiveareas.rules.explain import NotFound, explain_loan

    try:
        report = explain_loan(Home.resolve(home), loan_id, parse_period(period), institution)
    except NotFound as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    _print_explanation(report)


def _print_explanation(report: dict) -> None:
    console.print(f"loan {report['loan_id']} of {report['institution_id']}, period "
                  f"{report['period']}: borrower {report['counterparty_id']} "
                  f"({report['counterparty_type']}), size {report['size']}")
    for r in report["rules"]:
        mark = {"tag": "[green]TAG[/green]", "flag": "[yellow]FLAG[/yellow]",
                "no": "[dim]no[/dim]", "undefined": "[red]n/a[/red]"}[r["outcome"]]
        head = f"{mark} {r['rule']} {r['area']}"
        if r.get("sub_area"):
            head += f"/{r['sub_area']}"
        console.print(f"{head}: {r['title']}")
        if r["outcome"] in ("tag", "flag"):
            console.print(f"    reason: {r['reason']}  [dim]({r['param_version']})[/dim]")
        if r["outcome"] == "undefined":
            console.print(f"    {r['why']}")
        for c in r.get("conditions", []):
            ok = "[green]✓[/green]" if c["held"] else "[red]✗[/red]"
            console.print(f"    {ok} {c['condition']}: {c['values']}")


@app.command("classify-one")
def classify_one(
    date_: Annotated[str, typer.Option("--date", help="Reporting date, YYYY-MM-DD.")],
) -> None:
    """Classify one loan read as JSON on standard input; print the areas as JSON."""
    import datetime as dt

    from fiveareas.rules.errors import BadInput
    from fiveareas.rules.one import classify_one as run

    try:
        when = dt.date.fromisoformat(date_)
    except ValueError:
        typer.echo(f"error: --date {date_!r} is not a date YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None
    text = sys.stdin.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        typer.echo(f"error: standard input is not JSON: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        answer = run(doc, when)
    except BadInput as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))


@app.command()
def sizes(
    period: Annotated[str, typer.Option(help="Period, YYYY-MM or YYYY-MM-DD.")],
    home: HomeOpt = None,
    institution: Annotated[str | None, typer.Option(help="List one institution's.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Write every borrower whose computed size differs from the reported one to CSV.")]
    = None,
) -> None:
    """Computed enterprise size against reported_size, per institution (run classify first)."""
    from fiveareas.rules.sizes import NotClassified, mismatches, per_institution

    h, when = Home.resolve(home), parse_period(period)
    try:
        if out is not None or institution is not None:
            rows = mismatches(h, when, institution)
            if out is not None:
                import csv

                with open(out, "w", encoding="utf-8-sig", newline="") as fh:
                    w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["none"])
                    w.writeheader()
                    w.writerows(rows)
                console.print(f"wrote {len(rows):,} borrowers to {out}")
                return
            table = Table(title=f"{institution}: computed size differs from reported, {when}")
            for col in ("borrower", "industry", "sector", "employees", "revenue", "assets",
                        "reported", "computed"):
                table.add_column(col)
            for r in rows:
                table.add_row(r["counterparty_id"], r["industry_code"], r["size_sector"] or "",
                              str(r["employees"]), str(r["operating_revenue"]),
                              str(r["total_assets"]), r["reported_size"], r["size_class"])
            console.print(table)
            return
        table = Table(title=f"enterprise size, computed against reported, {when}")
        for col in ("institution", "borrowers", "sized", "differ", "share"):
            table.add_column(col, justify="left" if col == "institution" else "right")
        for r in per_institution(h, when):
            share = r["differ"] / r["sized"] if r["sized"] else 0.0
            table.add_row(r["institution_id"], f"{r['borrowers']:,}", f"{r['sized']:,}",
                          f"{r['differ']:,}", f"{share:.1%}")
        console.print(table)
    except NotClassified as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
