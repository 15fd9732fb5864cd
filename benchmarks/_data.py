"""Benchmark input: one valid loan-book submission of N loans, as Parquet and as CSV.

The realistic generator (`fiveareas.synth`) models a whole market month by month and is far
too slow for 10M rows; the ingest benchmark only needs rows that pass (or, for a known 0.1%,
fail) the catalogue, made fast and the same every time. Counterparties are built with numpy
(their ids need the GB 32100 check character), loans with DuckDB SQL over `range()`, and both
are written by DuckDB. Files are cached under benchmarks/out/ and reused when present.

Deliberately bad rows (about 0.1% of each file), so quarantine and findings are exercised:
- every 1000th counterparty (index % 1000 == 3) has industry code '0000' (E0111), which also
  quarantines its loans (E0304);
- every 1000th loan (index % 1000 == 7) has a balance over its credit line (E0124);
- every 1000th loan (index % 1000 == 11) is 120 days overdue but 'normal' (W0126, lands).

Books: `parquet` and `csv` hold those rows; `parquet-clean` holds the same book without the
blocking errors (the warnings stay), with every column optional as pyarrow, pandas and Spark
write it: a file the collector lands as received (`fiveareas.intake.received`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fiveareas.model.template import template
from fiveareas.reference.districts import district_codes
from fiveareas.reference.industry import class_codes
from fiveareas.reference.uscc import ALPHABET, WEIGHTS

OUT = Path(__file__).resolve().parent / "out"
PERIOD = "2024-01-31"
INSTITUTION = "B0001"
SIZES = ("large", "medium", "small", "micro")
BAD_EVERY = 1000
BOOKS = {"parquet": "parquet", "csv": "csv", "parquet-clean": "parquet"}  # book -> format


@dataclass(frozen=True)
class Submission:
    """Where one generated submission lives: a register and a loan-book folder per format."""

    rows: int
    register: Path
    books: dict[str, Path]  # book -> folder holding loans.<format> and counterparties.<format>

    def loans(self, book: str) -> Path:
        return self.books[book] / f"loans.{BOOKS[book]}"


def _label(rows: int) -> str:
    return f"{rows // 1_000_000}m" if rows % 1_000_000 == 0 else str(rows)


def _credit_codes(idx: np.ndarray, prefix: str, division: str) -> np.ndarray:
    """Distinct valid USCCs: the row index written in base 31 as the 9-character body."""
    n = len(idx)
    digits = np.empty((n, 18), dtype=np.int64)
    head = [ALPHABET.index(c) for c in prefix + division]
    digits[:, :8] = head
    rest = idx.astype(np.int64)
    for pos in range(16, 7, -1):
        digits[:, pos] = rest % 31
        rest = rest // 31
    total = digits[:, :17] @ np.array(WEIGHTS, dtype=np.int64)
    digits[:, 17] = (31 - total % 31) % 31
    chars = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)[digits]
    return chars.view("S18").ravel()


def _person_ids(idx: np.ndarray) -> np.ndarray:
    """'P' + 17 hex digits: a fixed '0' then a bijective 64-bit scramble of the index."""
    x = idx.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    nib = np.empty((len(idx), 18), dtype=np.uint8)
    nib[:, 0] = ord("P")
    nib[:, 1] = ord("0")
    hexd = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
    for pos in range(17, 1, -1):
        nib[:, pos] = hexd[(x & np.uint64(15)).astype(np.int64)]
        x >>= np.uint64(4)
    return nib.view("S18").ravel()


def counterparties(n: int, clean: bool = False) -> pa.Table:
    """n borrowers: 1/3 each enterprises, individual businesses and persons (cycling)."""
    i = np.arange(n, dtype=np.int64)
    kind = i % 3
    ids = np.empty(n, dtype="S18")
    ids[kind == 0] = _credit_codes(i[kind == 0], "91", "310115")
    ids[kind == 1] = _credit_codes(i[kind == 1], "92", "310104")
    ids[kind == 2] = _person_ids(i[kind == 2])
    person = kind == 2
    codes = np.array(sorted(class_codes()), dtype=object)
    districts = np.array(sorted(district_codes()), dtype=object)
    industry = codes[(i * 7919) % len(codes)]
    if not clean:
        industry[i % BAD_EVERY == 3] = "0000"
    org = ~person

    def org_only(values: np.ndarray, typ: pa.DataType) -> pa.Array:
        return pa.array(values, typ, mask=person)

    employees = (i * 37) % 500
    revenue = (i * 104729) % 50_000_000 + 100_000  # whole yuan
    assets = (i * 15485863) % 20_000_000 + 50_000
    tech = (i % 10 == 0) & org
    types = np.array(["enterprise", "individual_business", "person"], dtype=object)
    names = np.array(["某科技有限公司", "某个体工商户", "某自然人"], dtype=object)
    ht_from = np.datetime64("2022-01-01") + (i % 700).astype("timedelta64[D]")
    return pa.table({
        "counterparty_id": pa.array(ids.astype(object), pa.string()),
        "name": pa.array(names[kind], pa.string()),
        "counterparty_type": pa.array(types[kind], pa.string()),
        "industry_code": org_only(industry, pa.string()),
        "district_code": pa.array(districts[i % len(districts)], pa.string()),
        "employees": org_only(employees, pa.int64()),
        "operating_revenue": org_only(revenue, pa.int64()),  # DECIMAL(18, 2) in DuckDB
        "total_assets": org_only(assets, pa.int64()),
        "reported_size": org_only(np.array(SIZES, dtype=object)[i % 4], pa.string()),
        "high_tech_from": pa.array(ht_from, pa.date32(), mask=~tech),
        "high_tech_to": pa.array(ht_from + np.timedelta64(1095, "D"), pa.date32(), mask=~tech),
        "tech_sme_year": pa.array(2017 + i % 7, pa.int64(), mask=~tech),
        "srdi_from": pa.array(ht_from, pa.date32(), mask=~((i % 20 == 0) & org)),
        "little_giant_from": pa.array(ht_from, pa.date32(), mask=~((i % 100 == 0) & org)),
        "group_id": pa.array(np.char.add("G", (i // 50).astype(str)).astype(object), pa.string(),
                             mask=~((i % 25 == 0) & org)),
    })


LOANS_SQL = """
WITH r AS (SELECT range AS i, range % {ncp} AS c FROM range({n}))
SELECT
  DATE '{period}' AS period,
  '{inst}' AS institution_id,
  'L' || lpad(i::VARCHAR, 10, '0') AS loan_id,
  cp.counterparty_id,
  CASE cp.counterparty_type
    WHEN 'person' THEN (['consumer', 'mortgage'])[1 + (i * 7) % 2]
    WHEN 'individual_business' THEN 'individual_business'
    ELSE (['working_capital', 'fixed_asset', 'trade_finance', 'receivables_financing',
           'warehouse_receipt_pledge', 'ip_pledge'])[1 + (i * 7) % 6] END AS product,
  CASE WHEN i % 5 = 0 THEN '流动资金周转' END AS purpose,
  CASE WHEN i % 9 = 0 AND cp.industry_code IS NOT NULL AND cp.industry_code <> '0000'
       THEN cp.industry_code END AS purpose_industry_code,
  CASE WHEN i % 50 = 0 THEN '1.1.1' END AS green_code,
  CASE WHEN i % 100 = 0 THEN 'USD' ELSE 'CNY' END AS currency,
  DATE '2023-12-31' - (i * 13 % 1500)::INTEGER AS start_date,
  DATE '2024-02-01' + (i * 17 % 3000)::INTEGER AS maturity_date,
  ((c * 7 % 500 + 10) * 10000)::DECIMAL(18, 2) AS credit_line,
  CASE WHEN {over_line} THEN ((c * 7 % 500 + 10) * 10000 + 1)::DECIMAL(18, 2)
       ELSE ((c * 7 % 500 + 10) * 10000 * ((i * 31 % 90) + 5) / 100)::DECIMAL(18, 2)
  END AS balance,
  round(2.5 + (i * 11 % 600) / 100.0, 2)::DOUBLE AS interest_rate,
  (['credit', 'guarantee', 'mortgage', 'pledge'])[1 + i * 3 % 4] AS guarantee_mode,
  i % 17 = 0 AS gov_guarantee,
  i % 23 = 0 AS first_loan,
  CASE WHEN i % 29 = 0 THEN 'seamless' ELSE 'none' END AS renewal,
  CASE WHEN i % {bad} = 11 THEN 'normal'
       WHEN i % 41 = 0 THEN 'substandard' ELSE 'normal' END AS quality,
  CASE WHEN i % {bad} = 11 THEN 120 WHEN i % 41 = 0 THEN 100 ELSE 0 END::BIGINT AS days_overdue,
  NULL::BOOLEAN AS over_line
FROM r JOIN cp ON cp.idx = r.c
ORDER BY i
"""


def _write_register(path: Path) -> None:
    cols = template()["institution"].columns
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerow({"institution_id": INSTITUTION, "name": "基准测试城市商业银行",
                    "institution_type": "city_commercial_bank", "district_code": "310115"})


def _check_schema(path: Path, dataset: str, optional: bool = False) -> None:
    """The Parquet file carries exactly the template's Arrow types (a bank's typed export),
    every column `optional` if asked."""
    got = [(f.name, f.type, f.nullable or not optional) for f in pq.read_schema(path)]
    want = [(f.name, f.type, True) for f in template()[dataset].arrow_schema()]
    if got != want:
        raise AssertionError(f"{path}: schema\n{got}\nis not the template's\n{want}")


def submission(rows: int, books: tuple[str, ...] = ("parquet", "csv"),
               out: Path = OUT) -> Submission:
    """The cached submission of `rows` loans, its `books` generated on first use."""
    root = out / f"loans_{_label(rows)}"
    register = out / "register" / "institutions.csv"
    sub = Submission(rows, register, {b: root / b for b in BOOKS})
    if not register.exists():
        _write_register(register)
    if any(b in books for b in ("parquet", "csv")) and not (root / ".complete").exists():
        _generate(sub, clean=False)
        (root / ".complete").touch()
    clean = sub.books["parquet-clean"]
    if "parquet-clean" in books and not (clean / ".complete").exists():
        _generate(sub, clean=True)
        (clean / ".complete").touch()
    return sub


def _generate(sub: Submission, clean: bool) -> None:
    """The loans and counterparties files: typed Parquet and CSV with the bad rows, or (clean)
    optional-column Parquet without the blocking ones."""
    books = {"parquet-clean": "parquet"} if clean else {"parquet": "parquet", "csv": "csv"}
    for book in books:
        sub.books[book].mkdir(parents=True, exist_ok=True)
    rows = sub.rows
    ncp = max(rows // 3, 1)
    con = duckdb.connect()
    cp = counterparties(ncp, clean)
    con.register("cp_arrow", cp.append_column("idx", pa.array(np.arange(ncp), pa.int64())))
    con.execute("CREATE TABLE cp AS SELECT * REPLACE ("
                "operating_revenue::DECIMAL(18, 2) AS operating_revenue, "
                "total_assets::DECIMAL(18, 2) AS total_assets) FROM cp_arrow")
    con.unregister("cp_arrow")
    cols = ", ".join(template()["counterparty"].columns)
    over_line = "false" if clean else f"i % {BAD_EVERY} = 7"
    for name, query in (
        ("counterparties", f"SELECT {cols} FROM cp ORDER BY idx"),
        ("loans", LOANS_SQL.format(ncp=ncp, n=rows, period=PERIOD, inst=INSTITUTION,
                                   bad=BAD_EVERY, over_line=over_line)),
    ):
        con.execute(f"CREATE OR REPLACE TABLE out_{name} AS {query}")
        for book, fmt in books.items():
            path = sub.books[book] / f"{name}.{fmt}"
            if fmt == "csv":
                con.execute(f"COPY out_{name} TO '{path}' (FORMAT csv, HEADER)")
                continue
            # DuckDB writes a column its statistics show without nulls as required; a full
            # join with an empty relation hides that, as in the collector's own writes.
            source = (f"SELECT _d.* FROM out_{name} AS _d FULL JOIN (SELECT 1 AS _e WHERE false) "
                      "ON false ORDER BY _d.rowid" if clean else f"SELECT * FROM out_{name}")
            con.execute(f"COPY ({source}) TO '{path}' (FORMAT parquet)")
            _check_schema(path, "counterparty" if name == "counterparties" else "loan",
                          optional=clean)
        con.execute(f"DROP TABLE out_{name}")
    con.close()


if __name__ == "__main__":
    import sys
    import time

    for arg in sys.argv[1:] or ["1000"]:
        t0 = time.perf_counter()
        s = submission(int(float(arg)), tuple(BOOKS))
        print(s.books, f"{time.perf_counter() - t0:.1f}s")
