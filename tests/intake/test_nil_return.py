"""A nil return: an institution with no loans at a period end says so, and it is committed
like a loan book without rows (superseding, superseded, duplicates), refused when it names
no registered institution or no month end. A file cannot say it: a header alone is E0005."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fiveareas.cli.common import app
from fiveareas.intake.ingest import NIL_RETURN, ingest, nil_return
from fiveareas.store import catalog as cat
from fiveareas.store import lake, submissions
from fiveareas.store import status as st
from fiveareas.store.home import Home
from tests.conftest import LOANS, write_book, write_csv
from tests.intake.readback import submission_row

JAN, FEB = date(2024, 1, 31), date(2024, 2, 29)


def flat(text: str) -> str:
    """Console output without the line breaks its width put in."""
    return " ".join(text.split())


def current(home: Home, period: date, inst: str = "B0001") -> list:
    with cat.open_catalog(home.catalog_url).connect() as conn:
        return submissions.current(conn, "loan_book", period, inst)


def test_a_nil_return_supersedes_the_book_and_a_later_book_supersedes_it(
        tmp_path: Path, home: Home, register: Path) -> None:
    """A book filed for the wrong period is withdrawn by a nil return: no loan of that
    institution and period is current any more. A book filed later is current again."""
    ingest([register], home)
    [wrong] = ingest([write_book(tmp_path / "wrong")], home)
    assert wrong.state == "accepted" and lake.files(home, "loan", current(home, JAN))

    nil = nil_return("B0001", JAN, home)
    assert (nil.state, nil.rows, nil.accepted, nil.message) == ("accepted", 0, 0, NIL_RETURN)
    assert submission_row(home, wrong.submission).state == "superseded"
    assert [r.id for r in current(home, JAN)] == [cat.parse_id(nil.submission)]
    assert lake.files(home, "loan", current(home, JAN)) == []
    assert submission_row(home, nil.submission).version == 2

    book = [dict(r, loan_id=r["loan_id"] + "b") for r in LOANS]
    [later] = ingest([write_book(tmp_path / "later", book)], home)
    assert later.state == "accepted"
    assert submission_row(home, nil.submission).state == "superseded"
    assert len(lake.files(home, "loan", current(home, JAN))) == 1


def test_the_same_nil_return_again_is_one_submission(home: Home, register: Path) -> None:
    ingest([register], home)
    first = nil_return("B0001", FEB, home)
    again = nil_return("B0001", FEB, home)
    assert again.duplicate and again.submission == first.submission
    other = nil_return("B0002", FEB, home)
    assert not other.duplicate and other.submission != first.submission


@pytest.mark.parametrize(("inst", "period", "words"), [
    ("B0009", JAN, "not in the institution register"),
    ("B0001", date(2024, 1, 30), "not a month end"),
])
def test_a_nil_return_is_refused_without_a_registered_institution_and_a_month_end(
        home: Home, register: Path, inst: str, period: date, words: str) -> None:
    ingest([register], home)
    with pytest.raises(ValueError, match=words):
        nil_return(inst, period, home)
    assert current(home, period, inst) == []


def test_a_bank_files_a_nil_return_for_itself_only(home: Home, register: Path) -> None:
    ingest([register], home)
    with pytest.raises(PermissionError, match="B0002 only"):
        nil_return("B0001", JAN, home, as_institution="B0002")
    assert nil_return("B0002", JAN, home, as_institution="B0002").state == "accepted"


def test_a_header_alone_points_to_the_nil_return(tmp_path: Path, home: Home,
                                                 register: Path) -> None:
    ingest([register], home)
    folder = tmp_path / "empty"
    write_csv(folder / "loans.csv", [], "loan")
    write_csv(folder / "counterparties.csv", [], "counterparty")
    [out] = ingest([folder], home)
    assert out.state == "malformed"
    assert out.message is not None and "no data rows" in out.message
    assert "nil return" in out.message


def test_cli_nil_return(home: Home, register: Path) -> None:
    ingest([register], home)
    run = CliRunner().invoke(app, ["nil-return", "B0001", "2024-01", "--home", str(home.root)])
    assert run.exit_code == 0, run.output
    assert "B0001 2024-01-31: accepted, nil return" in run.output
    again = CliRunner().invoke(app, ["nil-return", "B0001", "2024-01-31",
                                     "--home", str(home.root)])
    assert again.exit_code == 0 and "duplicate" in again.output
    bad = CliRunner().invoke(app, ["nil-return", "B0009", "2024-01", "--home", str(home.root)])
    assert bad.exit_code == 2 and "not in the institution register" in bad.output


def test_status_names_the_institutions_that_have_not_reported(
        tmp_path: Path, home: Home, register: Path) -> None:
    """Registered institutions without a loan book in force for a period are listed, per
    period and for one period; a nil return counts as a report."""
    ingest([register], home)
    ingest([write_book(tmp_path / "book")], home)  # B0001, January
    with cat.open_catalog(home.catalog_url).connect() as conn:
        assert st.not_reported(home, conn) == {JAN: ["B0002"]}
    every = CliRunner().invoke(app, ["status", "--home", str(home.root)])
    assert "not reported" in every.output and "2024-01-31: B0002" in flat(every.output)
    one = CliRunner().invoke(app, ["status", "--period", "2024-01", "--home", str(home.root)])
    assert "2024-01-31: B0002" in flat(one.output)
    nil_return("B0002", JAN, home)
    with cat.open_catalog(home.catalog_url).connect() as conn:
        assert st.not_reported(home, conn) == {}
    after = CliRunner().invoke(app, ["status", "--home", str(home.root)])
    assert after.exit_code == 0 and "not reported" not in after.output
