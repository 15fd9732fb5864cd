"""Shared fixtures: a small, valid submission written as files, to mutate in tests."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fiveareas.model.template import template
from fiveareas.store.home import Home

INSTITUTIONS = [
    {"institution_id": "B0001", "name": "测试城市商业银行", "institution_type": "city_commercial_bank",
     "district_code": "310115"},
    {"institution_id": "B0002", "name": "测试农村商业银行", "institution_type": "rural_commercial_bank",
     "district_code": "310104"},
]
COUNTERPARTIES = [
    {"counterparty_id": "9144030071526726XG", "name": "某科技有限公司", "counterparty_type": "enterprise",
     "industry_code": "6513", "district_code": "310115", "employees": "50",
     "operating_revenue": "10000000.00", "total_assets": "5000000.00", "reported_size": "small",
     "high_tech_from": "2022-01-01", "high_tech_to": "2024-12-31", "tech_sme_year": "2023",
     "srdi_from": "", "little_giant_from": "", "group_id": "G1"},
    {"counterparty_id": "92310104EFPX14RX75", "name": "某小吃店", "counterparty_type": "individual_business",
     "industry_code": "6210", "district_code": "310104", "employees": "3",
     "operating_revenue": "800000.00", "total_assets": "200000.00", "reported_size": "micro",
     "high_tech_from": "", "high_tech_to": "", "tech_sme_year": "", "srdi_from": "",
     "little_giant_from": "", "group_id": ""},
    {"counterparty_id": "P0123456789ABCDEF0", "name": "张三", "counterparty_type": "person",
     "industry_code": "", "district_code": "310104", "employees": "", "operating_revenue": "",
     "total_assets": "", "reported_size": "", "high_tech_from": "", "high_tech_to": "",
     "tech_sme_year": "", "srdi_from": "", "little_giant_from": "", "group_id": ""},
]


def loan(loan_id: str, counterparty_id: str, **over: str) -> dict[str, str]:
    row = {"period": "2024-01-31", "institution_id": "B0001", "loan_id": loan_id,
           "counterparty_id": counterparty_id, "product": "working_capital", "purpose": "",
           "purpose_industry_code": "", "green_code": "", "currency": "CNY",
           "start_date": "2023-06-01", "maturity_date": "2025-06-01",
           "credit_line": "2000000.00", "balance": "500000.00", "interest_rate": "3.45",
           "guarantee_mode": "credit", "gov_guarantee": "false", "first_loan": "false",
           "renewal": "none", "quality": "normal", "days_overdue": "0", "over_line": ""}
    row.update(over)
    return row


LOANS = [
    loan("L1", "9144030071526726XG"),
    loan("L2", "92310104EFPX14RX75", product="individual_business", credit_line="300000.00",
         balance="120000.00"),
    loan("L3", "P0123456789ABCDEF0", product="consumer", credit_line="100000.00",
         balance="50000.00", interest_rate="7.2"),
]


def write_csv(path: Path, rows: list[dict[str, str]], dataset: str, **kw: str) -> Path:
    """Rows in template column order; `encoding`/`delimiter` as a bank system would export."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = template()[dataset].columns
    with open(path, "w", encoding=kw.get("encoding", "utf-8"), newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, delimiter=kw.get("delimiter", ","))
        w.writeheader()
        w.writerows(rows)
    return path


def typed_table(rows: list[dict[str, str]], dataset: str) -> pa.Table:
    """The rows as a properly typed Arrow table (date32, decimal128(18,2), int64, bool, ...)."""
    convert: dict[str, Callable[[str], Any]] = {
        "date": dt.date.fromisoformat, "amount": decimal.Decimal, "integer": int,
        "decimal": float, "boolean": lambda v: v == "true",
    }
    cols = {}
    for f in template()[dataset].fields:
        fn = convert.get(f.type, str)
        cols[f.name] = pa.array([fn(r[f.name]) if r[f.name] else None for r in rows],
                                f.arrow_type)
    return pa.table(cols)


def string_table(rows: list[dict[str, str]], dataset: str) -> pa.Table:
    return pa.table({c: pa.array([r[c] for r in rows], pa.string())
                     for c in template()[dataset].columns})


def _typed_as_written(rows: list[dict[str, str]], dataset: str) -> bool:
    """Does every typed value read back as the same text once typed ('3.5e0' does not)?"""
    table = typed_table(rows, dataset)
    for f in template()[dataset].fields:
        if f.type == "boolean":
            back = [None if v is None else str(v).lower() for v in table[f.name].to_pylist()]
        elif f.type in ("date", "amount", "decimal", "integer"):
            back = [None if v is None else str(v) for v in table[f.name].to_pylist()]
        else:
            continue
        if back != [r[f.name] or None for r in rows]:
            return False
    return True


def write_parquet(path: Path, rows: list[dict[str, str]], dataset: str) -> Path:
    """Typed Parquet as the template declares it; all-text Parquet when a value would not
    survive typing as written (then, as from a bank's text export, the reader sees text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        typed = _typed_as_written(rows, dataset)
    except (ValueError, ArithmeticError, pa.ArrowInvalid):
        typed = False
    pq.write_table(typed_table(rows, dataset) if typed else string_table(rows, dataset), path)
    return path


def write_book(folder: Path, loans: list[dict[str, str]] | None = None,
               counterparties: list[dict[str, str]] | None = None) -> Path:
    write_csv(folder / "loans.csv", LOANS if loans is None else loans, "loan")
    write_csv(folder / "counterparties.csv",
              COUNTERPARTIES if counterparties is None else counterparties, "counterparty")
    return folder


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home.resolve(tmp_path / "home")


@pytest.fixture
def register(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "in" / "institutions.csv", INSTITUTIONS, "institution")

from tests.city import city  # noqa: E402, F401  (the measured small city, session-wide)
