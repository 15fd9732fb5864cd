"""Generate a small city, collect it, and check that nothing was lost or changed on the way."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from fiveareas.cli import app
from fiveareas.intake.ingest import ingest
from fiveareas.store import catalog as cat
from fiveareas.store import lake, submissions
from fiveareas.store.home import Home
from fiveareas.synth import generate_city


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Home, dict]:
    root = tmp_path_factory.mktemp("e2e")
    manifest = generate_city(root / "city", scale=0.01, start="2023-12", months=3, seed=3)
    home = Home.resolve(root / "home")
    outcomes = ingest([root / "city"], home)
    assert {o.state for o in outcomes} <= {"accepted", "accepted_with_warnings"}
    return root, home, manifest


def _lake_sum(home: Home, rows: list) -> tuple[int, Decimal]:
    files = [str(p) for p in lake.files(home, "loan", rows)]
    n, total = duckdb.execute("SELECT count(*), sum(balance) FROM read_parquet(?)",
                              [files]).fetchone()
    return int(n), Decimal(total)


def test_every_row_of_the_generator_lands(city: tuple[Path, Home, dict]) -> None:
    _, home, manifest = city
    engine = cat.open_catalog(home.catalog_url)
    with engine.connect() as conn:
        for period in manifest["periods"]:
            for inst, expect in period["institutions"].items():
                from datetime import date

                rows = submissions.current(conn, "loan_book", date.fromisoformat(
                    period["period"]), inst)
                assert len(rows) == 1, (period["period"], inst)
                r = rows[0]
                assert r.quarantined_rows == 0
                assert r.accepted_rows == expect["loan_rows"] + expect["counterparty_rows"]
                n, total = _lake_sum(home, rows)
                assert n == expect["loan_rows"]
                assert total == Decimal(expect["balance_sum"])


def test_city_totals_match(city: tuple[Path, Home, dict]) -> None:
    _, home, manifest = city
    engine = cat.open_catalog(home.catalog_url)
    with engine.connect() as conn:
        rows = submissions.current(conn, "loan_book")
    n, total = _lake_sum(home, rows)
    assert n == sum(i["loan_rows"] for p in manifest["periods"] for i in p["institutions"].values())
    assert total == sum(Decimal(i["balance_sum"]) for p in manifest["periods"]
                        for i in p["institutions"].values())


def test_parquet_city_lands_identically(city: tuple[Path, Home, dict], tmp_path: Path) -> None:
    """The same city written as Parquet gives the same lake content as the CSV files."""
    homes = {}
    for fmt in ("csv", "parquet"):
        generate_city(tmp_path / fmt, scale=0.01, start="2023-12", months=1, seed=3, fmt=fmt)
        homes[fmt] = Home.resolve(tmp_path / f"home-{fmt}")
        ingest([tmp_path / fmt], homes[fmt])
    home, other = homes["csv"], homes["parquet"]
    q = ("SELECT * EXCLUDE (submission) FROM read_parquet(?, hive_partitioning=true) "
         "ORDER BY institution_id, loan_id")
    a = duckdb.execute(q, [str(home.lake / "loan/period=2023-12-31/**/*.parquet")]).fetchall()
    b = duckdb.execute(q, [str(other.lake / "loan/period=2023-12-31/**/*.parquet")]).fetchall()
    assert a == b and len(a) > 1000
    # Accepted-row files declare every column optional, as the template's fields are, even
    # where typed input that shows no null would let the engine write a column as required.
    for h in (home, other):
        for ds in ("loan", "counterparty"):
            kinds = duckdb.execute(
                "SELECT DISTINCT repetition_type FROM parquet_schema(?) WHERE num_children IS "
                "NULL", [str(h.lake / f"{ds}/**/*.parquet")]).fetchall()
            assert kinds == [("OPTIONAL",)], (ds, kinds)


def test_reingest_changes_nothing_and_status_reports(city: tuple[Path, Home, dict]) -> None:
    root, home, manifest = city
    again = ingest([root / "city"], home)
    assert all(o.duplicate for o in again)
    result = CliRunner().invoke(app, ["status", "--home", str(home.root)])
    assert result.exit_code == 0
    for period in manifest["periods"]:
        assert period["period"] in result.output
    assert json.loads((root / "city" / "manifest.json").read_text())["periods"]


def test_every_loan_is_classified_and_the_area_totals_match(
        city: tuple[Path, Home, dict]) -> None:
    """classify --all on the city: per area, the balance of the loans tagged (each loan once
    within an area, IP-pledge on its own) equals the generator's own reading of the seeds'
    definitions, to the fen; its labelled green mismatches are exactly the GRN90 flags."""
    root, home, manifest = city
    result = CliRunner().invoke(app, ["classify", "--all", "--home", str(home.root)])
    assert result.exit_code == 0, result.output
    names = {"sci_tech": "tech_balance", "green": "green_balance",
             "inclusive": "inclusive_balance"}
    for period in manifest["periods"]:
        p = period["period"]
        tags = str(home.lake / f"tags/period={p}/*.parquet")
        loans = str(home.lake / f"loan/period={p}/**/*.parquet")
        got = dict(duckdb.execute(f"""
            SELECT area, sum(balance) FROM (
              SELECT DISTINCT t.area, t.institution_id, t.loan_id, l.balance
              FROM read_parquet('{tags}') t
              JOIN read_parquet('{loans}', hive_partitioning=false) l
                USING (institution_id, loan_id) WHERE t.in_total) GROUP BY area""").fetchall())
        for area, key in names.items():
            assert got[area] == Decimal(period["totals"][key]), (p, area)
        ip = duckdb.execute(f"""SELECT sum(balance) FROM read_parquet('{tags}') t
            JOIN read_parquet('{loans}', hive_partitioning=false) l USING (institution_id, loan_id)
            WHERE t.rule = 'TEC05'""").fetchone()[0]
        assert ip == Decimal(period["totals"]["ip_pledge_balance"])
        flagged = set(duckdb.execute(f"""SELECT institution_id, loan_id
            FROM read_parquet('{home.lake / f"flags/period={p}/*.parquet"}')
            WHERE rule = 'GRN90'""").fetchall())
        labels = set(duckdb.execute(f"""SELECT institution_id, loan_id FROM read_csv(
            '{root / "city/labels/green_mismatch.csv"}', all_varchar=true)
            WHERE period = '{p}'""").fetchall())
        assert flagged == labels
        reasons = duckdb.execute(f"SELECT count(*) FROM read_parquet('{tags}') "
                                 "WHERE reason IS NULL OR param_version IS NULL").fetchone()[0]
        assert reasons == 0


def test_computed_sizes_differ_only_for_the_labelled_misreports(
        city: tuple[Path, Home, dict]) -> None:
    root, home, manifest = city
    first = manifest["periods"][0]["period"]
    CliRunner().invoke(app, ["classify", "--period", first, "--home", str(home.root)])
    differ = set(duckdb.execute(f"""SELECT DISTINCT counterparty_id FROM read_parquet(
        '{home.lake / f"sizes/period={first}/*.parquet"}')
        WHERE size_class IS NOT NULL AND size_class <> reported_size""").fetchall())
    labelled = set(duckdb.execute(f"""SELECT counterparty_id FROM read_csv(
        '{root / "city/labels/misreported_size.csv"}', all_varchar=true)""").fetchall())
    assert differ and differ <= labelled
