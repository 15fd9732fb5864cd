"""The submission lifecycle: duplicates, versions and supersession, the institution register,
the error-rate policy, cross-period and macro checks, the audit log and the CLI around them.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from fiveareas.cli import common as cli
from fiveareas.intake import validate
from fiveareas.intake.ingest import Outcome, ingest
from fiveareas.model.template import template
from fiveareas.store import catalog as cat
from fiveareas.store import submissions
from fiveareas.store.home import Home
from tests.conftest import (
    COUNTERPARTIES,
    INSTITUTIONS,
    LOANS,
    loan,
    write_book,
    write_csv,
    write_parquet,
)
from tests.intake.readback import catalog, lake_rows, rule_counts, submission_row

JAN, FEB = date(2024, 1, 31), date(2024, 2, 29)
CP_A, CP_B, CP_C = (c["counterparty_id"] for c in COUNTERPARTIES)


# ---- building submissions --------------------------------------------------------------------
def in_period(rows: list[dict[str, str]], period: date, **over: str) -> list[dict[str, str]]:
    return [dict(r, period=period.isoformat(), **over) for r in rows]


def changed(rows: list[dict[str, str]], loan_id: str, **over: str) -> list[dict[str, str]]:
    """`rows` with the loan `loan_id` changed."""
    return [dict(r, **over) if r["loan_id"] == loan_id else r for r in rows]


def submit(folder: Path, home: Home, loans: list[dict[str, str]] | None = None,
           counterparties: list[dict[str, str]] | None = None,
           max_error_rate: float | None = None) -> Outcome:
    """Write one loan book into `folder`, ingest it alone and return its outcome."""
    write_book(folder, loans, counterparties)
    [outcome] = ingest([folder], home, max_error_rate=max_error_rate)
    return outcome


def register_with(root: Path, home: Home, rows: list[dict[str, str]] = INSTITUTIONS) -> Outcome:
    path = write_csv(root / "institutions.csv", rows, "institution")
    [outcome] = ingest([path], home)
    assert outcome.kind == "register"
    return outcome


# ---- reading the home back -------------------------------------------------------------------
def book_rows(home: Home) -> list[sa.Row]:
    with catalog(home).connect() as conn:
        return conn.execute(sa.select(cat.submission).where(cat.submission.c.kind == "loan_book")
                            .order_by(cat.submission.c.id)).all()


def current_ids(home: Home, period: date, inst: str = "B0001") -> list[str]:
    with catalog(home).connect() as conn:
        return [cat.public_id(r.id) for r in submissions.current(conn, "loan_book", period, inst)]


def loan_ids(home: Home, sid: str, dataset: str = "loan") -> list[str]:
    return sorted(r["loan_id"] for r in lake_rows(home, dataset, sid))


def balance(home: Home, sid: str) -> Decimal:
    return sum((r["balance"] for r in lake_rows(home, "loan", sid)), Decimal(0))


def findings(home: Home, sid: str) -> list[tuple[int | None, str | None, str]]:
    """(row, field, rule_id) of the submission's located findings, sorted."""
    return sorted(((f["row"], f["field"], f["rule_id"]) for f in lake_rows(home, "findings", sid)),
                  key=repr)


def lake_snapshot(home: Home) -> dict[str, bytes]:
    return {str(p.relative_to(home.lake)): p.read_bytes()
            for p in sorted(home.lake.rglob("*")) if p.is_file()}


def audit(home: Home) -> list[sa.Row]:
    with catalog(home).connect() as conn:
        return conn.execute(sa.select(cat.audit).order_by(cat.audit.c.id)).all()


def counts(o: Outcome) -> tuple[str, int, int, int, int, int]:
    return (o.state, o.rows, o.accepted, o.quarantined, o.errors, o.warnings)


# ---- idempotency -----------------------------------------------------------------------------
def test_same_files_twice_are_one_submission(tmp_path: Path, home: Home, register: Path) -> None:
    """Same bytes again, also from another folder: duplicate=True, one catalog row, same lake."""
    book = write_book(tmp_path / "in" / "book")
    first = ingest([tmp_path / "in"], home)
    assert [(o.submission, o.state, o.duplicate) for o in first] == [
        ("S0000001", "accepted", False), ("S0000002", "accepted", False)]
    before = lake_snapshot(home)

    again = ingest([tmp_path / "in"], home)
    assert [(o.submission, o.state, o.duplicate) for o in again] == [
        ("S0000001", "accepted", True), ("S0000002", "accepted", True)]
    assert (again[1].rows, again[1].accepted) == (6, 6)

    moved = tmp_path / "elsewhere" / "march-upload"
    shutil.copytree(book, moved)
    [copy] = ingest([moved], home)
    assert (copy.submission, copy.duplicate, copy.where) == ("S0000002", True, str(moved))

    assert [(cat.public_id(r.id), r.version, r.state) for r in book_rows(home)] == [
        ("S0000002", 1, "accepted")]
    assert lake_snapshot(home) == before


# ---- supersede -------------------------------------------------------------------------------
@pytest.fixture
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's rich console at 200 columns so table cells are not cut."""
    monkeypatch.setattr(cli.console, "_width", 200)


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(cli.app, list(args))


def table_rows(output: str) -> list[list[str]]:
    """The body rows of the rich tables in `output`, as lists of cell texts."""
    return [[c.strip() for c in line.strip().strip("│").split("│")]
            for line in output.splitlines() if line.strip().startswith("│")]


def test_changed_resubmission_supersedes_and_keeps_history(
        tmp_path: Path, home: Home, register: Path, wide_console: None) -> None:
    """Version 2 is current; version 1 is superseded_by it, still in the lake and in status."""
    ingest([register], home)
    v1 = submit(tmp_path / "v1", home)
    v2 = submit(tmp_path / "v2", home, changed(LOANS, "L1", balance="700000.00"))
    assert (v1.submission, v2.submission) == ("S0000002", "S0000003")
    assert counts(v2) == ("accepted", 6, 6, 0, 0, 0)

    old, new = submission_row(home, v1.submission), submission_row(home, v2.submission)
    assert (old.version, old.state, old.superseded_by) == (1, "superseded", new.id)
    assert (new.version, new.state, new.superseded_by) == (2, "accepted", None)
    assert current_ids(home, JAN) == [v2.submission]

    assert balance(home, v1.submission) == Decimal("670000.00")  # history kept
    assert balance(home, v2.submission) == Decimal("870000.00")

    result = run_cli("status", "--all", "--institution", "B0001", "--home", str(home.root))
    assert result.exit_code == 0, result.output
    listed = {r[0]: r for r in table_rows(result.output)}
    assert sorted(listed) == ["S0000002", "S0000003"]
    assert listed["S0000002"][1:2] + listed["S0000002"][4:6] == ["loan_book", "1", "superseded"]
    assert listed["S0000002"][-1] == "S0000003"
    assert listed["S0000003"][4:6] == ["2", "accepted"]

    result = run_cli("status", "--institution", "B0001", "--home", str(home.root))
    assert [r[0] for r in table_rows(result.output)] == ["S0000003"]


def test_going_back_to_an_earlier_version_lands(tmp_path: Path, home: Home,
                                                register: Path) -> None:
    """A, then B, then A's files again: the bank's latest word (A) is what is in force."""
    ingest([register], home)
    submit(tmp_path / "a", home)
    submit(tmp_path / "b", home, changed(LOANS, "L1", balance="700000.00"))
    [again] = ingest([tmp_path / "a"], home)
    assert (again.state, again.duplicate) == ("accepted", False)
    [in_force] = current_ids(home, JAN)
    assert balance(home, in_force) == Decimal("670000.00")


# ---- the institution register ----------------------------------------------------------------
B0003 = in_period(LOANS, JAN, institution_id="B0003")
WITH_B0003 = [*INSTITUTIONS, dict(INSTITUTIONS[0], institution_id="B0003", name="新银行")]


def test_register_is_ingested_before_loans(tmp_path: Path, home: Home) -> None:
    """In one run the register is collected first, whatever the paths' order."""
    write_book(tmp_path / "in" / "a_book")
    write_csv(tmp_path / "in" / "z_register" / "institutions.csv", INSTITUTIONS, "institution")
    outcomes = ingest([tmp_path / "in" / "a_book", tmp_path / "in" / "z_register"], home)
    assert [(o.kind, o.state, o.accepted) for o in outcomes] == [
        ("register", "accepted", 2), ("loan_book", "accepted", 6)]


def test_unregistered_institution_is_quarantined_until_registered(tmp_path: Path,
                                                                   home: Home) -> None:
    """E0305 for every loan of an unknown institution; after a new register it lands."""
    first_register = register_with(tmp_path / "reg1", home)
    o = submit(tmp_path / "b1", home, B0003)
    assert counts(o) == ("accepted", 6, 3, 3, 3, 0)
    assert loan_ids(home, o.submission, "quarantine_loan") == ["L1", "L2", "L3"]
    assert lake_rows(home, "loan", o.submission) == []
    assert findings(home, o.submission) == [
        (2, "institution_id", "E0305"), (3, "institution_id", "E0305"),
        (4, "institution_id", "E0305")]
    messages = {f["message"] for f in lake_rows(home, "findings", o.submission)}
    assert messages == {"institution_id 'B0003' is not in the institution register"}

    second_register = register_with(tmp_path / "reg2", home, WITH_B0003)
    assert submission_row(home, first_register.submission).state == "superseded"
    assert (second_register.accepted, submission_row(home, second_register.submission).version) == (3, 2)

    fixed = submit(tmp_path / "b2", home, changed(B0003, "L3", balance="50000.01"))
    assert counts(fixed) == ("accepted", 6, 6, 0, 0, 0)
    assert current_ids(home, JAN, "B0003") == [fixed.submission]
    assert submission_row(home, fixed.submission).version == 2
    assert balance(home, fixed.submission) == Decimal("670000.01")


def test_same_files_resubmitted_after_register_fix_land(tmp_path: Path, home: Home) -> None:
    """The bank's files were right; once the regulator registers it, resending them lands."""
    register_with(tmp_path / "reg1", home)
    submit(tmp_path / "b1", home, B0003)
    register_with(tmp_path / "reg2", home, WITH_B0003)
    [again] = ingest([tmp_path / "b1"], home)
    assert (again.duplicate, again.accepted) == (False, 6)


# ---- the error-rate policy -------------------------------------------------------------------
def seven_loans(bad: int) -> list[dict[str, str]]:
    """7 loans over the 3 counterparties (10 rows with them); the first `bad` fail E0103."""
    lines = {CP_A: "2000000.00", CP_B: "300000.00", CP_C: "100000.00"}
    cps = [CP_A, CP_B, CP_C]
    rows = []
    for i in range(7):
        cp = cps[i % 3]
        over = {"currency": "RMB"} if i < bad else {}
        rows.append(loan(f"L{i + 1}", cp, credit_line=lines[cp], balance="10000.00", **over))
    return rows


def test_error_rate_at_the_threshold_is_accepted(tmp_path: Path, home: Home,
                                                 register: Path) -> None:
    """2 failing rows of 10 = 20%: accepted, the 2 rows in quarantine."""
    ingest([register], home)
    o = submit(tmp_path / "b", home, seven_loans(2), max_error_rate=0.2)
    assert counts(o) == ("accepted", 10, 8, 2, 2, 0)
    assert loan_ids(home, o.submission, "quarantine_loan") == ["L1", "L2"]
    assert loan_ids(home, o.submission) == ["L3", "L4", "L5", "L6", "L7"]
    assert o.message is None
    assert submission_row(home, o.submission).max_error_rate == 0.2


def test_error_rate_over_the_threshold_rejects_whole(tmp_path: Path, home: Home,
                                                     register: Path) -> None:
    """3 of 10 = 30%: rejected, nothing lands, every row quarantined; the earlier stays current."""
    ingest([register], home)
    earlier = submit(tmp_path / "v1", home)
    o = submit(tmp_path / "v2", home, seven_loans(3), max_error_rate=0.2)
    assert counts(o) == ("rejected", 10, 0, 10, 3, 0)
    assert o.message == "error rate 30.0% is over the policy's 20.0%"
    assert lake_rows(home, "loan", o.submission) == []
    assert lake_rows(home, "counterparty", o.submission) == []
    assert loan_ids(home, o.submission, "quarantine_loan") == [f"L{i}" for i in range(1, 8)]
    assert len(lake_rows(home, "quarantine_counterparty", o.submission)) == 3
    assert findings(home, o.submission) == [(2, "currency", "E0103"), (3, "currency", "E0103"),
                                            (4, "currency", "E0103")]
    assert rule_counts(home, o.submission) == {("loan", "E0103"): 3}

    assert submission_row(home, o.submission).version == 2
    assert submission_row(home, earlier.submission).state == "accepted"
    assert submission_row(home, earlier.submission).superseded_by is None
    assert current_ids(home, JAN) == [earlier.submission]


# ---- cross-period ----------------------------------------------------------------------------
JAN_BOOK = [*LOANS, loan("L4", CP_A)]  # 4 loans, balance 1,170,000


def test_continuing_loans_are_checked_against_the_previous_period(
        tmp_path: Path, home: Home, register: Path) -> None:
    """E0401 start_date, E0402 borrower, W0403 balance x12; the unchanged loan gets nothing."""
    ingest([register], home)
    jan = submit(tmp_path / "jan", home, JAN_BOOK)
    assert counts(jan) == ("accepted", 7, 7, 0, 0, 0)
    feb_loans = in_period(JAN_BOOK, FEB)
    feb_loans = changed(feb_loans, "L1", start_date="2023-07-01")               # row 2
    feb_loans = changed(feb_loans, "L2", counterparty_id=CP_A, product="working_capital",
                        credit_line="2000000.00")                              # row 3
    feb_loans = changed(feb_loans, "L3", credit_line="1000000.00", balance="600000.00")  # row 4
    feb = submit(tmp_path / "feb", home, feb_loans, [COUNTERPARTIES[0], COUNTERPARTIES[2]])
    assert counts(feb) == ("accepted_with_warnings", 6, 4, 2, 2, 1)
    assert findings(home, feb.submission) == [
        (2, "start_date", "E0401"), (3, "counterparty_id", "E0402"), (4, "balance", "W0403")]
    assert loan_ids(home, feb.submission, "quarantine_loan") == ["L1", "L2"]
    assert loan_ids(home, feb.submission) == ["L3", "L4"]
    assert rule_counts(home, feb.submission) == {
        ("loan", "E0401"): 1, ("loan", "E0402"): 1, ("loan", "W0403"): 1}


def test_unchanged_next_period_has_no_cross_period_findings(tmp_path: Path, home: Home,
                                                            register: Path) -> None:
    """The same book a month later: accepted, no findings at all."""
    ingest([register], home)
    submit(tmp_path / "jan", home)
    feb = submit(tmp_path / "feb", home, in_period(LOANS, FEB))
    assert counts(feb) == ("accepted", 6, 6, 0, 0, 0)
    assert findings(home, feb.submission) == []
    assert rule_counts(home, feb.submission) == {}


MACRO = [
    pytest.param(  # 3 -> 5 loans, balance 670,000 -> 690,000
        [*in_period(LOANS, FEB), loan("L4", CP_A, period="2024-02-29", balance="10000.00"),
         loan("L5", CP_A, period="2024-02-29", balance="10000.00")],
        "W0501", r"number of loans moved from 3(\.00)? to 5(\.00)? against the previous period",
        8, id="loan-count-swing"),
    pytest.param(  # 3 loans, balance 670,000 -> 1,670,000
        changed(in_period(LOANS, FEB), "L1", balance="1500000.00"),
        "W0502", r"total balance moved from 670,000\.00 to 1,670,000\.00 against the previous "
        r"period", 6, id="balance-swing"),
]


@pytest.mark.parametrize(("feb_loans", "rule", "message", "rows"), MACRO)
def test_macro_swing_against_the_previous_period_warns(
        tmp_path: Path, home: Home, register: Path, feb_loans: list[dict[str, str]], rule: str,
        message: str, rows: int) -> None:
    """A swing of more than 50% in loan count or total balance is one file-level warning."""
    ingest([register], home)
    submit(tmp_path / "jan", home)
    feb = submit(tmp_path / "feb", home, feb_loans)
    assert counts(feb) == ("accepted_with_warnings", rows, rows, 0, 0, 1)
    found = lake_rows(home, "findings", feb.submission)
    assert [(f["row"], f["field"], f["rule_id"], f["severity"]) for f in found] == [
        (None, None, rule, "warning")]
    assert re.fullmatch(message, found[0]["message"]), found[0]["message"]
    assert Path(found[0]["file"]).name == "loans.csv"
    assert rule_counts(home, feb.submission) == {("loan", rule): 1}


def test_cross_period_checks_use_the_current_version(tmp_path: Path, home: Home,
                                                     register: Path) -> None:
    """January v2 changed L1's start_date: February is checked against v2, not v1."""
    ingest([register], home)
    submit(tmp_path / "jan1", home)
    jan2 = submit(tmp_path / "jan2", home, changed(LOANS, "L1", start_date="2023-07-01"))
    assert current_ids(home, JAN) == [jan2.submission]

    as_v2 = submit(tmp_path / "feb1", home,
                   changed(in_period(LOANS, FEB), "L1", start_date="2023-07-01"))
    assert counts(as_v2) == ("accepted", 6, 6, 0, 0, 0)
    as_v1 = submit(tmp_path / "feb2", home, in_period(LOANS, FEB))
    assert counts(as_v1) == ("accepted", 6, 5, 1, 1, 0)
    assert findings(home, as_v1.submission) == [(2, "start_date", "E0401")]


# ---- audit -----------------------------------------------------------------------------------
def test_each_ingest_writes_audit_rows_with_an_actor(tmp_path: Path, home: Home, register: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """received/accepted, duplicate_ignored, superseded, accepted_with_warnings, malformed."""
    monkeypatch.setenv("FIVEAREAS_USER", "officer.li")
    write_book(tmp_path / "in" / "book")
    ingest([tmp_path / "in"], home)                                   # S1 register, S2 book
    ingest([tmp_path / "in"], home)                                   # both duplicates
    v2 = changed(LOANS, "L1", balance="600000.00")
    submit(tmp_path / "v2", home, v2)                                 # S3 supersedes S2
    submit(tmp_path / "feb", home, changed(in_period(v2, FEB), "L2",
                                           days_overdue="120"))        # S4 W0126
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "loans.csv").write_bytes(b"")
    write_csv(bad / "counterparties.csv", COUNTERPARTIES, "counterparty")
    ingest([bad], home)                                               # S5 malformed

    rows = audit(home)
    assert [(r.action, r.target) for r in rows] == [
        ("received", "S0000001"), ("accepted", "S0000001"),
        ("received", "S0000002"), ("accepted", "S0000002"),
        ("duplicate_ignored", "S0000001"), ("duplicate_ignored", "S0000002"),
        ("received", "S0000003"), ("accepted", "S0000003"), ("superseded", "S0000002"),
        ("received", "S0000004"), ("accepted_with_warnings", "S0000004"),
        ("malformed", "S0000005"),
    ]
    assert {r.actor for r in rows} == {"officer.li"}
    detail = {(r.action, r.target): json.loads(r.detail) for r in rows}
    assert detail[("superseded", "S0000002")] == {"by": "S0000003"}
    assert detail[("accepted_with_warnings", "S0000004")] == {
        "rows": 6, "accepted": 6, "errors": 0, "warnings": 1}
    assert detail[("malformed", "S0000005")] == {
        "file": str(bad / "loans.csv"), "rule": "E0001", "cause": "the file is empty"}
    assert detail[("duplicate_ignored", "S0000002")] == {"where": str(tmp_path / "in" / "book")}
    assert submission_row(home, "S0000003").submitted_by == "officer.li"


# ---- CLI -------------------------------------------------------------------------------------
def test_cli_ingest_exit_code(tmp_path: Path, home: Home, register: Path,
                              wide_console: None) -> None:
    """0 when everything is accepted (or quarantined row by row), 1 when a file is malformed."""
    write_book(tmp_path / "in" / "book", changed(LOANS, "L2", currency="RMB"))
    ok = run_cli("ingest", str(tmp_path / "in"), "--home", str(home.root))
    assert ok.exit_code == 0, ok.output
    body = {r[0]: r[1] for r in table_rows(ok.output)}
    assert (body["accepted"], body["rows accepted"], body["rows quarantined"]) == ("2", "7", "1")

    bad = tmp_path / "bad"
    write_book(bad, in_period(LOANS, FEB))
    (bad / "counterparties.csv").write_text("counterparty_id\n", encoding="utf-8")
    failed = run_cli("ingest", str(bad), "--home", str(home.root))
    assert failed.exit_code == 1, failed.output
    assert "S0000003 malformed" in failed.output
    assert "missing column(s): name" in failed.output


def test_cli_errors_prints_located_findings(tmp_path: Path, home: Home, register: Path,
                                            wide_console: None) -> None:
    """`fiveareas errors SID`: the summary line and one table row per finding."""
    write_book(tmp_path / "in" / "book", changed(LOANS, "L2", currency="RMB"))
    ingest([tmp_path / "in"], home)
    result = run_cli("errors", "S0000002", "--home", str(home.root))
    assert result.exit_code == 0, result.output
    assert "S0000002 accepted: 6 rows, 5 accepted, 1 quarantined" in result.output
    assert table_rows(result.output) == [
        ["loans.csv", "3", "currency", "E0103", "currency 'RMB' is not an allowed value"]]

    missing = run_cli("errors", "S0000099", "--home", str(home.root))
    assert missing.exit_code == 2
    assert "no submission S0000099" in missing.output


def test_findings_files_declare_every_column_optional(tmp_path: Path, home: Home,
                                                      register: Path) -> None:
    """The findings file's schema does not depend on which rules fired."""
    write_book(tmp_path / "in" / "book", changed(LOANS, "L2", currency="RMB"))
    ingest([tmp_path / "in"], home)
    (path,) = (home.lake / "findings").rglob("submission=S0000002/*.parquet")
    schema = pq.read_schema(path)
    assert schema.names == ["file", "dataset", "row", "field", "rule_id", "severity", "value",
                            "message"]
    assert all(f.nullable for f in schema)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_landed_files_carry_the_template_types(tmp_path: Path, home: Home, register: Path,
                                              fmt: str) -> None:
    """Fields kept to a list of values are written through an enumeration, but every landed
    column reads back as the template's type, optional, with the values as submitted."""
    ingest([register], home)
    book = tmp_path / "in" / "book"
    if fmt == "csv":
        write_book(book)
    else:
        write_parquet(book / "loans.parquet", LOANS, "loan")
        write_parquet(book / "counterparties.parquet", COUNTERPARTIES, "counterparty")
    [out] = ingest([book], home)
    assert out.state == "accepted"
    for ds in ("loan", "counterparty"):
        (path,) = (home.lake / ds).rglob(f"submission={out.submission}/*.parquet")
        schema = pq.read_schema(path)
        fields = template()[ds].fields
        assert [(f.name, f.type) for f in schema] == [(f.name, f.arrow_type) for f in fields]
        assert all(f.nullable for f in schema)
        assert validate.landing_enums(ds)  # the case this test is about
    landed = {r["loan_id"]: r for r in lake_rows(home, "loan", out.submission)}
    assert {k: (r["currency"], r["quality"]) for k, r in landed.items()} == {
        r["loan_id"]: (r["currency"], r["quality"]) for r in LOANS}


def test_cli_status_prints_per_period_totals(tmp_path: Path, home: Home, register: Path,
                                             wide_console: None) -> None:
    """Per period: institutions in force, submissions, rows, warnings, superseded, rejected,
    and whether it is classified."""
    ingest([register], home)
    submit(tmp_path / "b1v1", home)
    submit(tmp_path / "b1v2", home, changed(LOANS, "L2", currency="RMB"))
    submit(tmp_path / "b2", home, in_period(LOANS, JAN, institution_id="B0002"))
    submit(tmp_path / "feb", home, in_period(seven_loans(3), FEB),
           max_error_rate=0.2)
    result = run_cli("status", "--home", str(home.root))
    assert result.exit_code == 0, result.output
    assert table_rows(result.output) == [
        ["2024-01-31", "2", "3", "11", "1", "0", "1", "0", "none", "none"],
        ["2024-02-29", "0", "1", "0", "0", "0", "0", "1", "none", "none"],
    ]
