"""Every row rule of the catalogue, from both sides, as data (rule_cases.yaml).

Each case is its own institution, so cases cannot see each other's periods; all run through
one collector (one catalog, one engine), the way a day of bank submissions would.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from fiveareas.intake import catalogue
from fiveareas.intake.discover import Found
from fiveareas.intake.ingest import Collector, Outcome
from fiveareas.store.findings import read_findings
from fiveareas.store.home import Home
from fiveareas.store.status import get
from tests.conftest import COUNTERPARTIES, INSTITUTIONS, LOANS, write_csv, write_parquet

LOAN_BOOK_DATASETS = ("institution", "counterparty", "loan")
CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "rule_cases.yaml").read_text())
STEMS = {"loan": "loans", "counterparty": "counterparties", "institution": "institutions"}
# CSV is text throughout; Parquet is typed as the template declares (text where a case's
# value is not of its type), which the validator reads and checks by another path.
FORMATS = ("csv", "parquet")
PREFIX = {"csv": "C", "parquet": "D"}  # each case and format is its own institution


def _case_id(i: int, case: dict[str, Any]) -> str:
    return f"{i:02d}-{case['rule']}-{'fires' if case['fires'] else 'silent'}"


def _institutions() -> list[dict[str, str]]:
    extra = [{**INSTITUTIONS[0], "institution_id": f"{PREFIX[fmt]}{i:04d}"}
             for fmt in FORMATS for i in range(len(CASES))]
    return INSTITUTIONS + extra


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Collector:
    root = tmp_path_factory.mktemp("rules")
    c = Collector(Home.resolve(root / "home"))
    reg = write_csv(root / "register" / "institutions.csv", _institutions(), "institution")
    assert c.submit(Found("register", {"institution": [reg]}, reg.parent)).state == "accepted"
    yield c
    c.close()


def _apply(rows: list[dict[str, str]], change: dict[str, Any]) -> list[dict[str, str]]:
    rows = copy.deepcopy(rows)
    targets = range(len(rows)) if change.get("all_rows") else [change.get("row", 0)]
    for i in targets:
        rows[i].update(change.get("set", {}))
    for extra in change.get("append", []):
        rows.append({**rows[extra["copy_of"]], **extra.get("set", {})})
    for k in range(change.get("append_copies", 0)):
        rows.append({**rows[0], "loan_id": f"{rows[0]['loan_id']}-copy{k}"})
    return rows


def _book(base: dict[str, list[dict[str, str]]], changes: list[dict[str, Any]]
          ) -> dict[str, list[dict[str, str]]]:
    book = copy.deepcopy(base)
    for ch in changes:
        book[ch["dataset"]] = _apply(book[ch["dataset"]], ch)
    return book


def _submit(c: Collector, folder: Path, book: dict[str, list[dict[str, str]]],
            fmt: str = "csv") -> Outcome:
    write = write_csv if fmt == "csv" or "institution" in book else write_parquet
    files = {ds: [write(folder / _file(ds, fmt, book), rows, ds)] for ds, rows in book.items()}
    kind = "register" if "institution" in book else "loan_book"
    return c.submit(Found(kind, files, folder))


def _file(dataset: str, fmt: str, book: dict[str, list[dict[str, str]]]) -> str:
    return f"{STEMS[dataset]}.{'csv' if 'institution' in book else fmt}"


def _findings(c: Collector, outcome: Outcome) -> list[dict[str, Any]]:
    with c.catalog.connect() as conn:
        row = get(conn, int(outcome.submission[1:]))
    return read_findings(c.home, row)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("i", range(len(CASES)), ids=[_case_id(i, c) for i, c in enumerate(CASES)])
def test_rule_case(collector: Collector, tmp_path: Path, i: int, fmt: str) -> None:
    case = CASES[i]
    inst = f"{PREFIX[fmt]}{i:04d}"
    if case["dataset"] == "institution":
        base = {"institution": _institutions()}  # stays a full register for later cases
    else:
        base = {"loan": [{**r, "institution_id": inst} for r in LOANS],
                "counterparty": [dict(r) for r in COUNTERPARTIES]}
    if "previous" in case:
        prev = _book(base, [{"dataset": "loan", **case["previous"]}])
        prev["loan"] = [{**r, "period": "2023-12-31"} for r in prev["loan"]]
        assert _submit(collector, tmp_path / "prev", prev, fmt).state.startswith("accepted")
    changes = [case] + ([case["also"]] if "also" in case else [])
    book = _book(base, changes)
    outcome = _submit(collector, tmp_path / "now", book, fmt)
    assert outcome.state != "malformed", outcome.message
    assert outcome.accepted + outcome.quarantined == outcome.rows

    field = case.get("field", next(iter(case.get("set", {})), None))
    rows = case.get("rows", list(range(len(LOANS))) if case.get("all_rows") else
                    [case.get("row", 0)] if "set" in case else [])
    found = [f for f in _findings(collector, outcome) if f["rule_id"] == case["rule"]]
    if not case["fires"]:
        if case.get("elsewhere_ok"):  # the change may fire on other rows, not on this one
            found = [f for f in found if f["row"] == case["row"] + 2]
        assert found == [], f"{case['rule']} fired: {found}"
        return
    assert found, f"{case['rule']} did not fire"
    assert all(f["field"] == field for f in found)
    assert all(f["dataset"] == case["dataset"] for f in found)
    assert all(Path(f["file"]).name == _file(case["dataset"], fmt, book) for f in found)
    if rows:  # a negative row counts from the end of the submitted file
        n = len(book[case["dataset"]])
        assert sorted(f["row"] for f in found) == sorted((r % n) + 2 for r in rows)
    assert all(f["message"] for f in found)
    blocked = case["rule"].startswith("E")
    if blocked and case["dataset"] == "loan":
        assert outcome.quarantined >= len(found)


def test_every_row_rule_has_cases_both_ways() -> None:
    """A rule without a firing case and a silent case is untested: this fails. (The
    supply-chain rules have theirs in test_scf_intake.py.)"""
    row_rules = {r.id for ds in LOAN_BOOK_DATASETS for r, _ in catalogue.row_rules(ds)
                 if r.phase != "syntax"}
    firing = {c["rule"] for c in CASES if c["fires"]}
    silent = {c["rule"] for c in CASES if not c["fires"]}
    assert row_rules - firing == set()
    one_sided_ok = {"E0302", "E0303", "E0306", "E0402", "W0308"}  # the valid base is the other side
    assert row_rules - silent - one_sided_ok == set()
