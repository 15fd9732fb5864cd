"""Receipts and acknowledgements, through the command line a reporting officer uses."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fiveareas.cli import app
from fiveareas.intake.ingest import ingest
from fiveareas.intake.readers import sha256
from fiveareas.store.home import Home
from tests.conftest import LOANS, write_book
from tests.intake.readback import submission_row

RUN = CliRunner()


def _cli(*args: str) -> tuple[int, str]:
    result = RUN.invoke(app, list(args))
    return result.exit_code, result.output


def test_receipt_states_what_was_submitted(tmp_path: Path, home: Home, register: Path) -> None:
    book = write_book(tmp_path / "b1", [*LOANS[:2], {**LOANS[2], "balance": "-5.00"}])
    outcomes = ingest([register, book], home)
    sid = outcomes[1].submission
    code, out = _cli("receipt", sid, "--home", str(home.root))
    assert code == 0
    r = json.loads(out)
    assert r["submission"] == sid and r["state"] == "accepted" and r["version"] == 1
    assert (r["rows"], r["accepted_rows"], r["quarantined_rows"]) == (6, 5, 1)
    assert r["content_hash"] == submission_row(home, sid).content_hash
    assert {f["dataset"]: f["sha256"] for f in r["files"]} == {
        "loan": sha256(book / "loans.csv"), "counterparty": sha256(book / "counterparties.csv")}
    assert r["findings_by_rule"] == {"loan:E0105": 1}
    assert _cli("receipt", "S9999999", "--home", str(home.root))[0] == 2


def test_only_warnings_in_force_can_be_acknowledged(tmp_path: Path, home: Home,
                                                    register: Path) -> None:
    clean = ingest([register, write_book(tmp_path / "clean")], home)[1]
    code, out = _cli("acknowledge", clean.submission, "--home", str(home.root))
    assert code == 2 and "only a submission accepted with warnings" in out

    warned = ingest([write_book(tmp_path / "warn", [{**LOANS[0], "days_overdue": "120"},
                                                     *LOANS[1:]])], home)[0]
    assert warned.state == "accepted_with_warnings"
    code, out = _cli("acknowledge", warned.submission, "--home", str(home.root),
                     "--note", "restructuring agreed")
    assert code == 0
    row = submission_row(home, warned.submission)
    assert row.acknowledged_at is not None and row.acknowledged_by
    r = json.loads(_cli("receipt", warned.submission, "--home", str(home.root))[1])
    assert r["acknowledged_by"] == row.acknowledged_by


def test_findings_export_opens_as_csv(tmp_path: Path, home: Home, register: Path) -> None:
    import csv

    book = write_book(tmp_path / "b1", [*LOANS[:2], {**LOANS[2], "product": "overdraft"}])
    sid = ingest([register, book], home)[1].submission
    target = tmp_path / "findings.csv"
    code, out = _cli("errors", sid, "--home", str(home.root), "--out", str(target))
    assert code == 0 and "wrote 1 findings" in out
    with open(target, encoding="utf-8-sig", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert (row["row"], row["field"], row["rule_id"]) == ("4", "product", "E0103")
    assert row["message"] == "product 'overdraft' is not an allowed value"
