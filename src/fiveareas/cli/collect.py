"""Collect commands: generate, ingest, nil-return, status, errors, receipt, acknowledge, docs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fiveareas.cli.common import HomeOpt, app, console, parse_period, print_wide, progress
from fiveareas.store.home import Home


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the city into.")],
    scale: Annotated[float, typer.Option(help="1 = Shanghai's size (1,771 institutions).")] = 0.01,
    start: Annotated[str, typer.Option(help="First period, YYYY-MM.")] = "2023-12",
    months: Annotated[int, typer.Option(help="Number of monthly periods.")] = 13,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 0,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    encoding: Annotated[str, typer.Option(help="CSV encoding: utf-8 or gb18030.")] = "utf-8",
    scf_deals: Annotated[int | None, typer.Option(
        help="Honest supply-chain applications (default: 50,000 x scale; 0 for none).")] = None,
    scf_frauds: Annotated[int | None, typer.Option(
        help="Labelled supply-chain frauds per check (default: 1,000 x scale, at least 5).")
    ] = None,
) -> None:
    """Write a synthetic city: the register, each institution's monthly files and the
    banks' supply-chain submissions with their labelled frauds."""
    from fiveareas.synth import generate_city

    with progress() as bar:
        task = bar.add_task("generate", total=months)

        def tick(stage: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=stage)

        deals = round(50_000 * scale) if scf_deals is None else scf_deals
        frauds = max(5, round(1_000 * scale)) if scf_frauds is None else scf_frauds
        manifest = generate_city(out, scale=scale, start=start, months=months, seed=seed,
                                 fmt=fmt, encoding=encoding, scf_deals=deals,
                                 scf_frauds=frauds if deals else 0, progress=tick)
    rows = sum(i["loan_rows"] for p in manifest["periods"] for i in p["institutions"].values())
    console.print(f"wrote {out}: {manifest['institutions']:,} institutions, "
                  f"{len(manifest['periods'])} periods, {rows:,} loan rows")
    if "scf" in manifest:
        counts = manifest["scf"].get("rows", {})
        console.print(f"supply chain: {deals:,} honest applications, {frauds:,} labelled "
                      "frauds per check; " + ", ".join(f"{n:,} {ds}" for ds, n in counts.items()))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to collect.")],
    home: HomeOpt = None,
    max_error_rate: Annotated[float | None, typer.Option(
        help="Reject a whole submission when more than this share of its rows fail.")] = None,
) -> None:
    """Validate and store submissions; bad rows go to quarantine with located errors."""
    outcomes = collect(paths, Home.resolve(home), max_error_rate)
    if any(o.state == "malformed" and not o.duplicate for o in outcomes):
        raise typer.Exit(1)


@app.command("nil-return")
def nil_return(
    institution: Annotated[str, typer.Argument(help="Institution id, as in the register.")],
    period: Annotated[str, typer.Argument(help="Period, YYYY-MM or YYYY-MM-DD.")],
    home: HomeOpt = None,
) -> None:
    """Report that an institution had no loans at a period end (a file cannot: a header
    alone names no institution or period). It supersedes the period's loan book, if any."""
    from fiveareas.intake.ingest import nil_return as file_nil

    when = parse_period(period)
    assert when is not None
    try:
        o = file_nil(institution, when, Home.resolve(home))
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"{o.submission} {o.institution_id} {o.period}: {o.state}, {o.message}"
                  + (" (duplicate, unchanged)" if o.duplicate else ""))


def collect(paths: list[Path], home: Home, max_error_rate: float | None) -> list:
    """Ingest with a progress bar and print what became of the submissions."""
    from fiveareas.intake.ingest import ingest as run

    with progress() as bar:
        task = bar.add_task("ingest", total=None)
        outcomes = run(paths, home, max_error_rate=max_error_rate,
                       progress=lambda s, d, t: bar.update(task, completed=d, total=t))
    states: dict[str, int] = {}
    for o in outcomes:
        key = "duplicate (unchanged)" if o.duplicate else o.state
        states[key] = states.get(key, 0) + 1
        if o.state in ("malformed", "rejected") and not o.duplicate:
            console.print(f"[red]{o.submission} {o.state}[/red] {o.where}: {o.message}")
    table = Table(title="ingest")
    table.add_column("outcome")
    table.add_column("submissions", justify="right")
    for k, v in sorted(states.items()):
        table.add_row(k, f"{v:,}")
    if len(outcomes) <= 20:  # a bank's own upload: say what became of each submission
        for o in outcomes:
            what = f"{o.institution_id or 'register'} {o.period or ''}".strip()
            console.print(f"{o.submission} {what}: {o.state}"
                          + (" (duplicate, unchanged)" if o.duplicate else "")
                          + f", {o.accepted:,} rows accepted, {o.quarantined:,} quarantined")
    table.add_row("rows accepted", f"{sum(o.accepted for o in outcomes if not o.duplicate):,}")
    table.add_row("rows quarantined",
                  f"{sum(o.quarantined for o in outcomes if not o.duplicate):,}")
    console.print(table)
    return outcomes


def _supply_chain_line(h: Home, rows: list) -> None:
    """One line for the supply-chain submissions and whether their checks are current."""
    from fiveareas.watch import scf_job

    if not rows:
        return
    subs = sum(r.submissions for r in rows)
    ok, quar = sum(r.accepted or 0 for r in rows), sum(r.quarantined or 0 for r in rows)
    console.print(f"supply chain: {subs:,} submissions over {len(rows)} periods, {ok:,} rows "
                  f"ok, {quar:,} quarantined; checks {scf_job.state(h)} "
                  "(fiveareas scf findings)")


@app.command()
def status(
    home: HomeOpt = None,
    period: Annotated[str | None, typer.Option(help="Show submissions of one period.")] = None,
    institution: Annotated[str | None, typer.Option(help="Show one institution's.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Include superseded versions.")] = False,
) -> None:
    """Submissions per period and institution: accepted, quarantined, superseded."""
    from fiveareas.measure.job import state as measure_state
    from fiveareas.rules.job import rules_version
    from fiveareas.store import status as st
    from fiveareas.store.catalog import open_catalog, public_id

    engine = open_catalog(Home.resolve(home).catalog_url)
    with engine.connect() as conn:
        if period is None and institution is None:
            table = Table(title="submissions by period (rows of the versions in force)")
            table.add_column("period", no_wrap=True, min_width=10)
            for col in ("banks", "subm.", "rows ok", "quar.", "warn.", "supers.", "rej."):
                table.add_column(col, justify="right")
            table.add_column("classified")
            table.add_column("measured")
            h = Home.resolve(home)
            version = rules_version()
            for r in st.by_period(conn):
                classified = st.classification(h, conn, r.period, version)
                measured = measure_state(h, r.period)
                if measured == "current" and classified != "current":
                    measured = "stale"  # measured from tags that are themselves out of date
                table.add_row(str(r.period), f"{r.institutions:,}", f"{r.submissions:,}",
                              f"{r.accepted or 0:,}", f"{r.quarantined or 0:,}",
                              f"{r.warnings or 0:,}", f"{r.superseded:,}", f"{r.rejected:,}",
                              classified, measured)
            console.print(table)
            _missing_line(st.not_reported(h, conn))
            _supply_chain_line(h, st.by_period(conn, "scf"))
            rows = [r for r in st.submissions(conn, limit=200) if r.state == "malformed"]
            if rows:
                console.print(f"[red]{len(rows)} malformed submission(s)[/red]; latest: "
                              f"{public_id(rows[0].id)} {rows[0].message}")
            return
        table = Table(title="submissions")
        for col in ("id", "kind", "period", "institution", "v", "state", "rows", "accepted",
                    "quarantined", "errors/warnings", "superseded by"):
            table.add_column(col, no_wrap=col in ("id", "period", "state", "superseded by"))
        when = parse_period(period)
        for r in st.submissions(conn, when, institution, every):
            table.add_row(public_id(r.id), r.kind, str(r.period or ""), r.institution_id or "",
                          str(r.version), r.state, f"{r.rows:,}", f"{r.accepted_rows:,}",
                          f"{r.quarantined_rows:,}", f"{r.errors:,} / {r.warnings:,}",
                          public_id(r.superseded_by) if r.superseded_by else "")
        print_wide(table)
        if when is not None and institution is None:
            missing = st.not_reported(Home.resolve(home), conn)
            _missing_line({when: missing[when]} if when in missing else {})


def _missing_line(missing: dict) -> None:
    """Registered institutions without a loan book in force, per period (none: no line)."""
    if not missing:
        return
    parts = [f"{p}: " + ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10
                                               else "") for p, ids in missing.items()]
    console.print("[yellow]not reported[/yellow] (registered, no loan book or nil return in "
                  "force): " + "; ".join(parts))


@app.command()
def errors(
    submission: Annotated[str, typer.Argument(help="Submission id, e.g. S0000002.")],
    home: HomeOpt = None,
    limit: Annotated[int, typer.Option(help="Show at most this many findings.")] = 50,
    out: Annotated[Path | None, typer.Option(
        help="Write every finding to this CSV file (UTF-8 with BOM, opens in Excel).")] = None,
) -> None:
    """The located findings of one submission (file, row, field, rule, message)."""
    from fiveareas.store import status as st
    from fiveareas.store.catalog import open_catalog, parse_id, public_id
    from fiveareas.store.findings import read_findings

    h = Home.resolve(home)
    engine = open_catalog(h.catalog_url)
    with engine.connect() as conn:
        row = st.get(conn, parse_id(submission))
        if row is None:
            console.print(f"[red]no submission {submission}[/red]")
            raise typer.Exit(2)
        files = st.files(conn, row.id)
    console.print(f"{public_id(row.id)} {row.state}: {row.rows:,} rows, {row.accepted_rows:,} "
                  f"accepted, {row.quarantined_rows:,} quarantined" +
                  (f" — {row.message}" if row.message else ""))
    for f in files:
        if f.error:
            console.print(f"[red]{f.path}[/red]: {f.rule_id} {f.error}")
    if out is not None:
        import csv

        every = read_findings(h, row)
        with open(out, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["file", "dataset", "row", "field", "rule_id",
                                               "severity", "value", "message"])
            w.writeheader()
            w.writerows(every)
        console.print(f"wrote {len(every):,} findings to {out}")
        return
    found = read_findings(h, row, limit)
    table = Table(title=f"findings (first {limit})")
    for col in ("file", "row", "field", "rule", "message"):
        table.add_column(col)
    for r in found:
        table.add_row(Path(r["file"]).name, str(r["row"] or ""), r["field"] or "",
                      r["rule_id"], r["message"])
    console.print(table)


@app.command()
def receipt(
    submission: Annotated[str, typer.Argument(help="Submission id, e.g. S0000002.")],
    home: HomeOpt = None,
) -> None:
    """The submission's receipt as JSON: content hash, files, row counts, state, times."""
    import json

    from fiveareas.store.catalog import open_catalog, parse_id
    from fiveareas.store.receipts import receipt as make

    with open_catalog(Home.resolve(home).catalog_url).connect() as conn:
        data = make(conn, parse_id(submission))
    if data is None:
        console.print(f"[red]no submission {submission}[/red]")
        raise typer.Exit(2)
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
def acknowledge(
    submission: Annotated[str, typer.Argument(help="Submission id, e.g. S0000002.")],
    home: HomeOpt = None,
    note: Annotated[str | None, typer.Option(help="Why the warnings are in order.")] = None,
) -> None:
    """Acknowledge a submission's warnings (recorded with who and when in the audit log)."""
    from fiveareas.store.catalog import open_catalog, parse_id
    from fiveareas.store.receipts import NotAcknowledgeable
    from fiveareas.store.receipts import acknowledge as ack

    try:
        with open_catalog(Home.resolve(home).catalog_url).begin() as conn:
            ack(conn, parse_id(submission), note)
    except NotAcknowledgeable as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"{submission}: warnings acknowledged")


@app.command()
def docs(out: Annotated[Path, typer.Option(help="Folder to write into.")] = Path("docs")) -> None:
    """Regenerate the data dictionary, validation guide and rules catalogue from their data."""
    from fiveareas.intake import guide
    from fiveareas.measure import guide as measure_guide
    from fiveareas.model import dictionary
    from fiveareas.rules import guide as rules_guide

    out.mkdir(parents=True, exist_ok=True)
    (out / "data-dictionary.md").write_text(dictionary.render(), encoding="utf-8")
    (out / "validation-rules.md").write_text(guide.render(), encoding="utf-8")
    (out / "rules-catalogue.md").write_text(rules_guide.render(), encoding="utf-8")
    (out / "indicators-and-targets.md").write_text(measure_guide.render(), encoding="utf-8")
    console.print(f"wrote {out}/data-dictionary.md, validation-rules.md, rules-catalogue.md "
                  "and indicators-and-targets.md")


if __name__ == "__main__":
    app()
