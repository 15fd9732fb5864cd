"""Supply-chain finance checks: the city batch, a bank's check of one application, the
findings export and the evaluation against a labelled set (docs/supply-chain.md)."""

from __future__ import annotations

import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fiveareas.cli.common import HomeOpt, app, console, print_wide
from fiveareas.store.home import Home

scf_app = typer.Typer(help="Supply-chain finance checks: four flows, duplicate financing, "
                      "double pledges, circular trade, round-tripped proceeds.",
                      no_args_is_help=True)
app.add_typer(scf_app, name="scf")


def run_checks(h: Home) -> None:
    """The batch, with a line per check (also run by `fiveareas run`)."""
    from fiveareas.watch import scf_job

    start = time.perf_counter()
    batch = scf_job.run_batch(h)
    found = ", ".join(f"{n} {c}" for c, n in batch.findings.items()) or "none"
    console.print(f"supply chain: {batch.applications:,} applications in "
                  f"{batch.submissions} submissions checked in "
                  f"{time.perf_counter() - start:.1f} s; findings: {found}")


@scf_app.command("run")
def scf_run(home: HomeOpt = None) -> None:
    """Check every application in force across all institutions; write the findings."""
    try:
        run_checks(Home.resolve(home))
    except LookupError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


@scf_app.command("check")
def scf_check(
    application_id: Annotated[str, typer.Argument(help="The application, as submitted.")],
    institution: Annotated[str, typer.Option(help="The institution it was submitted to.")],
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A bank's check before financing: what the prepared index finds on one application."""
    from fiveareas.watch import scf_job

    start = time.perf_counter()
    try:
        found = scf_job.check_one(Home.resolve(home), institution, application_id)
    except LookupError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    took = time.perf_counter() - start
    if as_json:
        sys.stdout.write(json.dumps(found, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    if not found:
        console.print(f"{application_id}: no finding ({took * 1000:.0f} ms)")
        return
    for f in found:
        console.print(f"[bold]{f['check']}[/bold] ({f['variant']}, {f['severity']}, "
                      f"score {f['score']:.2f}): applications {', '.join(f['application_ids'])}")
        console.print(json.dumps(json.loads(f["evidence"]) if isinstance(f["evidence"], str)
                                 else f["evidence"], ensure_ascii=False, indent=1, default=str))
    console.print(f"{len(found)} finding(s) in {took * 1000:.0f} ms")


@scf_app.command("findings")
def scf_findings(
    home: HomeOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    check: Annotated[str | None, typer.Option(help="Only this check.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write to this file (else stdout).")] = None,
) -> None:
    """The last batch's findings with their evidence."""
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from fiveareas.watch import scf_job

    h = Home.resolve(home)
    table = scf_job.read_findings(h)
    if table is None:
        console.print("[red]no findings yet: run `fiveareas scf run` first[/red]")
        raise typer.Exit(1)
    if check is not None:
        table = table.filter(pc.equal(table["check"], check))
    if fmt == "table":
        _print_findings(table.to_pylist(), scf_job.state(h))
        return
    if fmt == "json":
        text = json.dumps(table.to_pylist(), ensure_ascii=False, indent=1, default=str) + "\n"
    elif fmt == "csv":
        flat = table.set_column(
            table.schema.get_field_index("institution_ids"), "institution_ids",
            pc.binary_join(table["institution_ids"], ";")).set_column(
            table.schema.get_field_index("application_ids"), "application_ids",
            pc.binary_join(table["application_ids"], ";"))
        sink = io.BytesIO()
        pacsv.write_csv(flat, sink)
        text = sink.getvalue().decode("utf-8")
    else:
        console.print(f"[red]--format is table, csv or json, not {fmt!r}[/red]")
        raise typer.Exit(2)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, "utf-8")
        console.print(f"wrote {out}: {table.num_rows:,} findings")


def _print_findings(rows: list[dict], state: str) -> None:
    t = Table(title=f"supply-chain findings ({len(rows):,}; {state})")
    for col in ("check", "variant", "severity", "score", "institutions", "applications"):
        t.add_column(col, justify="right" if col == "score" else "left",
                     no_wrap=col in ("check", "variant"))
    for r in rows[:200]:
        t.add_row(r["check"], r["variant"], r["severity"], f"{r['score']:.2f}",
                  ", ".join(r["institution_ids"]), ", ".join(r["application_ids"]))
    print_wide(t, 150)
    if len(rows) > 200:
        console.print(f"... and {len(rows) - 200:,} more (--format csv for all)")


@scf_app.command("evaluate")
def scf_evaluate(
    deals: Annotated[int, typer.Option(help="Honest applications in the generated set.")] = 20_000,
    frauds: Annotated[int, typer.Option(help="Labelled frauds per check.")] = 1_000,
    seed: Annotated[int, typer.Option(help="Random seed of the generated set.")] = 7,
    institutions: Annotated[int, typer.Option(help="Banks in the generated set.")] = 40,
    data: Annotated[Path | None, typer.Option(
        help="Score a set already generated here (its scf/ folder and labels/scf.csv).")] = None,
) -> None:
    """Precision, recall and F1 per check and variant on a labelled set, for the checks and
    for the exact-key baseline in the same run."""
    from fiveareas.watch import scf

    with tempfile.TemporaryDirectory() as tmp:
        root = data or Path(tmp)
        if data is None:
            _generate(root, deals, frauds, seed, institutions)
        files = _generated_files(root / "scf")
        labels = scf.read_labels(root / "labels" / "scf.csv")
        con = scf.open_documents(files)
        try:
            start = time.perf_counter()
            engine = scf.evaluate(scf.run_checks(con), labels)
            took = time.perf_counter() - start
            base = scf.evaluate(scf.run_baseline(con), labels)
        finally:
            con.close()
    _print_scores(engine, base, took)


def _generate(root: Path, deals: int, frauds: int, seed: int, institutions: int) -> None:
    from fiveareas.synth.config import month_ends
    from fiveareas.synth.scf import generate_scf

    banks = [f"B{i:04d}" for i in range(1, institutions + 1)]
    start = time.perf_counter()
    generate_scf(root, institutions=banks, periods=month_ends("2024-01", 12).tolist(), deals=deals,
                 frauds=frauds, seed=seed)
    console.print(f"generated {deals:,} honest applications and {frauds:,} frauds per check "
                  f"in {time.perf_counter() - start:.1f} s (seed {seed})")


def _generated_files(folder: Path) -> dict[str, list[Path]]:
    from fiveareas.intake.discover import KINDS, role

    files: dict[str, list[Path]] = {ds: [] for ds in KINDS["scf"]}
    for f in sorted(folder.rglob("*.parquet")):
        ds = role(f)
        if ds in files:
            files[ds].append(f)
    return files


def _print_scores(engine: list[dict], base: list[dict], took: float) -> None:
    t = Table(title=f"supply-chain checks against the labels (checks ran in {took:.1f} s)")
    for col in ("check", "variant", "cases", "precision", "recall", "F1",
                "baseline P", "baseline R", "baseline F1"):
        t.add_column(col, justify="left" if col in ("check", "variant") else "right",
                     no_wrap=True)
    by_key = {(r["check"], r["variant"]): r for r in base}
    for r in engine:
        b = by_key.get((r["check"], r["variant"]), {})
        t.add_row(r["check"], r["variant"], f"{r['cases']:,}",
                  *(f"{r[k]:.3f}" for k in ("precision", "recall", "f1")),
                  *(f"{b[k]:.3f}" if k in b else "-" for k in ("precision", "recall", "f1")))
    print_wide(t, 150)
