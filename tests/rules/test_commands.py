"""classify, explain, classify-one and sizes from the command line, on a small real lake."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from fiveareas.cli import app
from fiveareas.intake.ingest import ingest
from fiveareas.store.home import Home
from tests.conftest import COUNTERPARTIES, LOANS, loan, write_book

runner = CliRunner()

GOOD = {"counterparty": {"counterparty_type": "enterprise", "industry_code": "6513",
                         "employees": 50, "operating_revenue": 30000000, "total_assets": 2e7,
                         "high_tech_from": "2023-01-01"},
        "loan": {"product": "working_capital", "credit_line": 8000000, "balance": 5000000,
                 "green_code": "3.2.2"}}


def one(doc: object, date: str = "2024-06-30") -> tuple[int, str]:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    r = runner.invoke(app, ["classify-one", "--date", date], input=text)
    return r.exit_code, r.output


def test_classify_one_prints_areas_with_reasons() -> None:
    code, out = one(GOOD)
    assert code == 0
    answer = json.loads(out)
    assert answer["size_class"] == "small"
    assert {(a["area"], a["sub_area"], a["rule"]) for a in answer["areas"]} == {
        ("inclusive", "small_micro_enterprise", "INC01"), ("sci_tech", "high_tech", "TEC01"),
        ("digital", "03", "DIG01")}
    assert all(a["reason"] for a in answer["areas"])
    assert [f["rule"] for f in answer["not_counted"]] == ["GRN90"]
    assert "6513" in answer["not_counted"][0]["reason"]


def test_classify_one_person_has_no_size() -> None:
    code, out = one({"counterparty": {"counterparty_type": "person"},
                     "loan": {"product": "consumer", "credit_line": 100000}})
    assert code == 0 and json.loads(out)["size_class"] is None


@pytest.mark.parametrize(("doc", "message"), [
    ("not json", "not JSON"),
    ("[]", "must be a JSON object"),
    ({"loan": {}}, "needs a 'counterparty' object"),
    ({"counterparty": [], "loan": {}}, "needs a 'counterparty' object"),
    ({"counterparty": {"counterparty_type": "enterprise"}, "loan": {}, "x": 1}, "unknown key(s) x"),
    ({"counterparty": {"counterparty_type": "firm"}, "loan": {"product": "consumer",
                                                            "credit_line": 1}}, "'firm' is not one of"),
    ({"counterparty": {"counterparty_type": "enterprise", "colour": "red"},
      "loan": {"product": "consumer", "credit_line": 1}}, "unknown field(s) colour"),
    ({"counterparty": {"counterparty_type": "enterprise"},
      "loan": {"product": "consumer"}}, "loan.credit_line is required"),
    ({"counterparty": {}, "loan": {"product": "consumer", "credit_line": 1}},
     "counterparty.counterparty_type is required"),
    ({"counterparty": {"counterparty_type": "enterprise"},
      "loan": {"product": "consumer", "credit_line": "abc"}}, "'abc' is not a number"),
    ({"counterparty": {"counterparty_type": "enterprise"},
      "loan": {"product": "consumer", "credit_line": "NaN"}}, "is not a number"),
    ({"counterparty": {"counterparty_type": "enterprise"},
      "loan": {"product": "consumer", "credit_line": True}}, "is not a number"),
    ({"counterparty": {"counterparty_type": "enterprise"},
      "loan": {"product": "consumer", "credit_line": 1.001}}, "more than two decimals"),
    ({"counterparty": {"counterparty_type": "enterprise"},
      "loan": {"product": "consumer", "credit_line": -5}}, "below the minimum 0"),
    ({"counterparty": {"counterparty_type": "enterprise", "employees": 2.5},
      "loan": {"product": "consumer", "credit_line": 1}}, "expected a whole number"),
    ({"counterparty": {"counterparty_type": "enterprise", "high_tech_from": "2024-02-30"},
      "loan": {"product": "consumer", "credit_line": 1}}, "'2024-02-30' is not a date"),
    ({"counterparty": {"counterparty_type": "enterprise", "high_tech_from": "30/06/2024"},
      "loan": {"product": "consumer", "credit_line": 1}}, "is not a date"),
    ({"counterparty": {"counterparty_type": "enterprise", "industry_code": "9999"},
      "loan": {"product": "consumer", "credit_line": 1}}, "not a code of table industry_class"),
    ({"counterparty": {"counterparty_type": "enterprise", "industry_code": 6513},
      "loan": {"product": "consumer", "credit_line": 1}}, "expected text"),
    ({"counterparty": {"counterparty_type": "enterprise"},
      "loan": {"product": "consumer", "credit_line": 1, "green_code": "solar"}}, "does not match"),
    ({"counterparty": {"counterparty_type": "enterprise"},
      "loan": {"product": "consumer", "credit_line": 1, "gov_guarantee": "yes"}},
     "expected true or false"),
])
def test_classify_one_refuses_malformed_input(doc: object, message: str) -> None:
    code, out = one(doc)
    assert code == 2
    assert message in out and "Traceback" not in out


def test_classify_one_refuses_a_bad_date() -> None:
    code, out = one(GOOD, "2024-13-01")
    assert code == 2 and "is not a date" in out


def test_classify_one_says_which_rules_are_undefined_on_its_date() -> None:
    code, out = one(GOOD, "2017-06-30")
    answer = json.loads(out)
    assert code == 0 and answer["areas"] == []  # the certificate starts in 2023
    undefined = {u["rule"]: u["reason"] for u in answer["undefined"]}
    assert "no value of parameter inclusive.credit_line_cap covers 2017-06-30" in undefined["INC01"]
    assert "green.catalogue" in undefined["GRN90"]


@pytest.fixture
def lake(tmp_path: Path, register: Path) -> Home:
    """One bank's January book: a small tech firm, a snack bar, a person; loan L4 carries a solar
    code on a software firm (flagged)."""
    home = Home.resolve(tmp_path / "home")
    loans = [*LOANS, loan("L4", "9144030071526726XG", green_code="3.2.2", credit_line="20000000.00",
                          balance="9000000.00")]
    ingest([register, write_book(tmp_path / "jan", loans, COUNTERPARTIES)], home)
    return home


def test_classify_writes_tags_flags_and_sizes(lake: Home) -> None:
    r = runner.invoke(app, ["classify", "--period", "2024-01", "--home", str(lake.root)])
    assert r.exit_code == 0, r.output
    tags = duckdb.execute(f"""SELECT loan_id, area, sub_area, rule FROM read_parquet(
        '{lake.lake}/tags/period=2024-01-31/*.parquet') ORDER BY ALL""").fetchall()
    # The firm's tech-SME registration is for 2023, so it does not count in January 2024.
    # Software (6513) is a core digital-economy class (03).
    assert tags == [("L1", "digital", "03", "DIG01"),
                    ("L1", "inclusive", "small_micro_enterprise", "INC01"),
                    ("L1", "sci_tech", "high_tech", "TEC01"),
                    ("L2", "inclusive", "individual_business", "INC02"),
                    ("L4", "digital", "03", "DIG01"),
                    ("L4", "sci_tech", "high_tech", "TEC01")]
    flags = duckdb.execute(f"""SELECT loan_id, rule FROM read_parquet(
        '{lake.lake}/flags/period=2024-01-31/*.parquet')""").fetchall()
    assert flags == [("L4", "GRN90")]
    manifest = json.loads((lake.lake / "tags/period=2024-01-31/manifest.json").read_text())
    assert manifest["loans"] == 4 and manifest["tags"] == 6 and manifest["flags"] == 1
    assert "TEC06" in r.output  # the undefined rules are named, with why (2025-03 onwards)


def test_classify_again_replaces_the_period(lake: Home) -> None:
    for _ in range(2):
        r = runner.invoke(app, ["classify", "--all", "--home", str(lake.root)])
        assert r.exit_code == 0, r.output
    files = list((lake.lake / "tags").rglob("*.parquet"))
    assert len(files) == 1
    assert not list(lake.tmp.glob("old-*")) and not list(lake.tmp.glob("stage-*"))


def test_classify_needs_a_period_with_submissions(lake: Home) -> None:
    r = runner.invoke(app, ["classify", "--period", "2023-05", "--home", str(lake.root)])
    assert r.exit_code == 1 and "no submissions in force for period 2023-05-31" in r.output
    r = runner.invoke(app, ["classify", "--home", str(lake.root)])
    assert r.exit_code == 2 and "--period" in r.output
    r = runner.invoke(app, ["classify", "--period", "2024-1x", "--home", str(lake.root)])
    assert r.exit_code == 2 and "is not a period" in r.output


def test_explain_shows_tags_misses_and_values(lake: Home) -> None:
    r = runner.invoke(app, ["explain", "L4", "--period", "2024-01", "--home", str(lake.root)])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "TAG TEC01 sci_tech/high_tech" in out
    assert "FLAG GRN90 green" in out and "green code 3.2.2 does not fit industry 6513" in out
    assert "no INC01" in out and "credit_line=20000000.00" in out
    assert "cap <= 10000000 (inclusive.credit_line_cap@2019-01-01)" in out
    assert "TAG DIG01 digital/03" in out and "n/a TEC06" in out
    assert "a '*' class is only partly elderly care: not counted without evidence" in out


def test_explain_of_an_unknown_loan_is_a_clear_error(lake: Home) -> None:
    r = runner.invoke(app, ["explain", "NOPE", "--period", "2024-01", "--home", str(lake.root)])
    assert r.exit_code == 2 and "no loan NOPE in period 2024-01-31" in r.output
    r = runner.invoke(app, ["explain", "L1", "--period", "2022-01", "--home", str(lake.root)])
    assert r.exit_code == 2 and "no submissions in force" in r.output


def test_sizes_lists_disagreements_per_institution(lake: Home, tmp_path: Path) -> None:
    r = runner.invoke(app, ["sizes", "--period", "2024-01", "--home", str(lake.root)])
    assert r.exit_code == 1 and "not classified" in r.output
    runner.invoke(app, ["classify", "--period", "2024-01", "--home", str(lake.root)])
    r = runner.invoke(app, ["sizes", "--period", "2024-01", "--home", str(lake.root)])
    assert r.exit_code == 0 and "B0001" in r.output
    out = tmp_path / "differ.csv"
    r = runner.invoke(app, ["sizes", "--period", "2024-01", "--home", str(lake.root),
                            "--out", str(out)])
    assert r.exit_code == 0 and out.exists()


def test_run_ingests_then_classifies_the_periods_it_changed(tmp_path: Path, register: Path) -> None:
    home = tmp_path / "home"
    book = write_book(tmp_path / "jan", LOANS, COUNTERPARTIES)
    r = runner.invoke(app, ["run", str(register), str(book), "--home", str(home)])
    assert r.exit_code == 0, r.output
    assert "classified" in r.output and "2024-01-31" in r.output
    assert list((home / "lake/tags/period=2024-01-31").glob("*.parquet"))
    again = runner.invoke(app, ["run", str(book), "--home", str(home)])
    assert again.exit_code == 0 and "nothing to classify" in again.output


def test_a_period_before_the_green_catalogue_has_an_empty_flags_dataset(
        tmp_path: Path, register: Path) -> None:
    home = Home.resolve(tmp_path / "home")
    old = [{**row, "period": "2019-06-30", "start_date": "2019-01-15"} for row in LOANS]
    ingest([register, write_book(tmp_path / "jun", old, COUNTERPARTIES)], home)
    r = runner.invoke(app, ["classify", "--period", "2019-06", "--home", str(home.root)])
    assert r.exit_code == 0, r.output
    assert "GRN01, GRN90, GRN91" in " ".join(r.output.split())
    flags = duckdb.execute(f"""SELECT count(*) FROM read_parquet(
        '{home.lake}/flags/period=2019-06-30/*.parquet')""").fetchone()
    assert flags == (0,)
    tags = duckdb.execute(f"""SELECT rule FROM read_parquet(
        '{home.lake}/tags/period=2019-06-30/*.parquet') ORDER BY ALL""").fetchall()
    assert ("INC02",) in tags


def test_status_says_whether_each_period_is_classified_and_current(
        tmp_path: Path, register: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fiveareas.cli import common

    monkeypatch.setattr(common.console, "_width", 200)
    home = tmp_path / "home"

    def period_row() -> str:
        r = runner.invoke(app, ["status", "--home", str(home)])
        assert r.exit_code == 0, r.output
        return next(line for line in r.output.splitlines() if "2024-01-31" in line)

    runner.invoke(app, ["ingest", str(register), str(write_book(tmp_path / "a")), "--home",
                        str(home)])
    assert "none" in period_row()
    runner.invoke(app, ["classify", "--all", "--home", str(home)])
    assert "current" in period_row()
    changed = [*LOANS, loan("L9", "9144030071526726XG")]
    runner.invoke(app, ["ingest", str(write_book(tmp_path / "b", changed)), "--home", str(home)])
    assert "stale: data" in period_row()
    runner.invoke(app, ["classify", "--period", "2024-01", "--home", str(home)])
    assert "current" in period_row()
    reference = tmp_path / "reference"  # an operator's copy of a table changes the rules in use
    reference.mkdir()
    from fiveareas.reference.source import table_text

    (reference / "elderly_care_2020.csv").write_text(
        table_text("elderly_care_2020.csv") + "\n", "utf-8")
    monkeypatch.setenv("FIVEAREAS_REFERENCE_DIR", str(reference))
    assert "stale: rules" in period_row()
