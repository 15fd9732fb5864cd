"""A corpus of bad files: each is refused as a whole (`malformed`, E0001..E0007) with a message a
bank officer can act on, nothing of it lands, and a valid submission ingested alongside lands
whole. The good variants of one submission (encodings, delimiters, Parquet, Excel) all land
with identical results; a file with some bad rows lands its good rows and quarantines the rest
exactly as received.
"""

from __future__ import annotations

import csv
import decimal
import io
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from fiveareas.intake.ingest import Outcome, ingest
from fiveareas.model.template import template
from fiveareas.store import catalog as cat
from fiveareas.store.home import Home
from tests.conftest import (
    COUNTERPARTIES,
    INSTITUTIONS,
    LOANS,
    loan,
    string_table,
    typed_table,
    write_book,
    write_csv,
)
from tests.intake.readback import catalog, lake_rows, rule_counts, submission_row

LOAN_SUM = decimal.Decimal("670000.00")  # balances of LOANS: 500000 + 120000 + 50000
OTHER = [dict(r, institution_id="B0002") for r in LOANS]  # the valid submission alongside


# ---- writing files ---------------------------------------------------------------------------
def csv_text(rows: list[dict[str, str]], dataset: str, delimiter: str = ",",
             columns: list[str] | None = None) -> str:
    """The rows as CSV text with "\\n" line ends, in template column order unless `columns`."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns or template()[dataset].columns,
                       delimiter=delimiter, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def loan_lines() -> list[str]:
    return csv_text(LOANS, "loan").splitlines()


def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def write_xlsx(path: Path, rows: list[dict[str, str]], dataset: str, typed: bool = False) -> Path:
    """An Excel workbook as a bank would save it: text cells, or native cells when `typed`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    cols = template()[dataset].columns
    ws.append(cols)
    values = typed_table(rows, dataset).to_pylist() if typed else rows
    for r in values:
        ws.append([float(v) if isinstance(v, decimal.Decimal) else v for v in
                   (r[c] for c in cols)])
    wb.save(path)
    return path


def xlsx_bytes(rows: list[dict[str, str]], dataset: str, tmp: Path) -> bytes:
    return write_xlsx(tmp / "book.xlsx", rows, dataset).read_bytes()


def png_bytes() -> bytes:
    ihdr = b"\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("loans.csv", csv_text(LOANS, "loan"))
    return buf.getvalue()


# ---- reading the home back -------------------------------------------------------------------
def file_rows(home: Home, sid: str) -> dict[str, sa.Row]:
    """The submission's files by file name."""
    c = cat.submission_file.c
    with catalog(home).connect() as conn:
        rows = conn.execute(sa.select(cat.submission_file)
                            .where(c.submission_id == cat.parse_id(sid))).all()
    return {Path(r.path).name: r for r in rows}


def lake_folders(home: Home, sid: str) -> list[Path]:
    return sorted(p for p in home.lake.rglob(f"submission={sid}") if p.is_dir())


# ---- the run ---------------------------------------------------------------------------------
@dataclass
class Run:
    root: Path
    home: Home
    bad: Outcome
    good: Outcome


def run_with_other(root: Path, home: Home, build: Callable[[Path], object]) -> Run:
    """Register + the submission `build` writes into `bad/` + a valid B0002 submission."""
    write_csv(root / "institutions.csv", INSTITUTIONS, "institution")
    build(root / "bad")
    write_book(root / "good", OTHER)
    outcomes = ingest([root], home)
    assert [o.kind for o in outcomes] == ["register", "loan_book", "loan_book"]
    assert outcomes[0].state == "accepted"
    by_where = {Path(o.where).name: o for o in outcomes[1:]}
    return Run(root, home, by_where["bad"], by_where["good"])


def assert_other_landed_whole(run: Run) -> None:
    """The valid B0002 submission is accepted with all 6 rows and its loans are in the lake."""
    o = run.good
    assert (o.state, o.institution_id, o.rows, o.accepted, o.quarantined, o.errors) == (
        "accepted", "B0002", 6, 6, 0, 0)
    loans = lake_rows(run.home, "loan", o.submission)
    assert sorted(r["loan_id"] for r in loans) == ["L1", "L2", "L3"]
    assert {r["institution_id"] for r in loans} == {"B0002"}
    assert sum(r["balance"] for r in loans) == LOAN_SUM
    assert len(lake_rows(run.home, "counterparty", o.submission)) == 3


def assert_malformed(run: Run, rule: str, culprit: str | None, words: tuple[str, ...]) -> None:
    """Refused whole: state, rule, message, culprit file marked, nothing in the lake."""
    o = run.bad
    assert (o.state, o.rows, o.accepted, o.errors, o.duplicate) == ("malformed", 0, 0, 1, False)
    assert o.message is not None
    assert o.message.startswith(str(run.root / "bad" / (culprit or ""))), o.message
    for w in words:
        assert w.lower() in o.message.lower(), (w, o.message)
    row = submission_row(run.home, o.submission)
    assert (row.state, row.version, row.institution_id, row.period) == ("malformed", 0, None,
                                                                        None)
    assert rule_counts(run.home, o.submission) == {("file", rule): 1}
    files = file_rows(run.home, o.submission)
    for name, f in files.items():
        if name == culprit:
            assert f.rule_id == rule
            assert f.error is not None and o.message.endswith(f.error)
        else:
            assert (f.rule_id, f.error) == (None, None), name
    if culprit is not None:
        assert culprit in files
    assert lake_folders(run.home, o.submission) == []


# ---- the corpus ------------------------------------------------------------------------------
def book_with_loans(data: bytes | Callable[[Path], bytes], name: str = "loans.csv"
                    ) -> Callable[[Path], object]:
    """A submission whose loan file holds `data` and whose counterparty file is valid."""
    def build(folder: Path) -> None:
        folder.mkdir(parents=True)
        (folder / name).write_bytes(data(folder.parent) if callable(data) else data)
        write_csv(folder / "counterparties.csv", COUNTERPARTIES, "counterparty")
    return build


def text_loans(text: str, encoding: str = "utf-8") -> Callable[[Path], object]:
    return book_with_loans(text.encode(encoding))


def loans_rows(rows: list[dict[str, str]]) -> Callable[[Path], object]:
    return text_loans(csv_text(rows, "loan"))


def garbage() -> bytes:
    rnd = random.Random(7)
    return rnd.randbytes(2000) + b"\x00" + rnd.randbytes(2000)


def not_utf8_nor_gb18030() -> bytes:
    text = csv_text(LOANS, "loan").encode()
    return text.replace(b"working_capital", b"working\x80\xff\xfe", 1)


def truncated_parquet(_: Path) -> bytes:
    data = parquet_bytes(string_table(LOANS, "loan"))
    return data[: len(data) // 2]


def damaged_parquet_page(column: str, rows: list[dict[str, str]] = LOANS
                         ) -> Callable[[Path], bytes]:
    """Footer and schema intact, the last bytes of `column`'s values overwritten: only
    reading them finds the damage (Parquet is read in place, after the columns were
    checked). The column must hold values: one the statistics show all null is not read."""
    def build(_: Path) -> bytes:
        table = typed_table(rows, "loan")
        data = bytearray(parquet_bytes(table))
        chunk = pq.ParquetFile(io.BytesIO(bytes(data))).metadata.row_group(0).column(
            table.column_names.index(column))
        end = (chunk.dictionary_page_offset or chunk.data_page_offset) + \
            chunk.total_compressed_size
        data[end - 24:end] = b"\xff" * 24  # the end of the page's values, past its header
        return bytes(data)
    return build


def corrupt_xlsx(tmp: Path) -> bytes:
    data = xlsx_bytes(LOANS, "loan", tmp)
    return data[: len(data) // 2]


def with_duplicate_balance() -> str:
    return "\n".join(line + "," + line.split(",")[12] for line in loan_lines()) + "\n"


def no_counterparty_file(folder: Path) -> None:
    write_csv(folder / "loans.csv", LOANS, "loan")


def empty_counterparty_file(folder: Path) -> None:
    write_csv(folder / "loans.csv", LOANS, "loan")
    (folder / "counterparties.csv").write_bytes(b"")


LOAN_COLUMNS = template()["loan"].columns
CASES: list[Any] = [
    # id, build, rule, culprit file (None: the folder), key words of the message
    ("empty", book_with_loans(b""), "E0001", "loans.csv", ("empty",)),
    ("whitespace-only", book_with_loans(b"  \r\n\n\t \n"), "E0001", "loans.csv", ("empty",)),
    ("binary-garbage", book_with_loans(garbage()), "E0001", "loans.csv", ("binary",)),
    ("png-renamed", book_with_loans(png_bytes()), "E0001", "loans.csv", ("binary",)),
    ("zip-renamed", book_with_loans(zip_bytes()), "E0001", "loans.csv", ("not a readable",)),
    ("bad-encoding", book_with_loans(not_utf8_nor_gb18030()), "E0001", "loans.csv",
     ("neither UTF-8 nor GB18030",)),
    ("semicolon", text_loans(csv_text(LOANS, "loan", ";")), "E0001", "loans.csv",
     ("delimiter ';'", "comma or tab")),
    ("pipe", text_loans(csv_text(LOANS, "loan", "|")), "E0001", "loans.csv",
     ("delimiter '|'", "comma or tab")),
    ("missing-column", text_loans(csv_text(
        LOANS, "loan", columns=[c for c in LOAN_COLUMNS if c != "balance"])),
     "E0002", "loans.csv", ("missing column(s): balance",)),
    ("unknown-column", text_loans(csv_text(
        [dict(r, notes="x") for r in LOANS], "loan", columns=[*LOAN_COLUMNS, "notes"])),
     "E0003", "loans.csv", ("unknown column(s): notes",)),
    ("duplicate-column", text_loans(with_duplicate_balance()), "E0004", "loans.csv",
     ("balance", "more than once")),
    ("header-only", text_loans(loan_lines()[0] + "\n"), "E0005", "loans.csv",
     ("no data rows",)),
    ("truncated", text_loans("\n".join(loan_lines())[:-25]), "E0001", "loans.csv",
     ("could not be parsed",)),
    ("unterminated-quote", text_loans(csv_text(LOANS, "loan").replace(",L2,", ',"L2,', 1)),
     "E0001", "loans.csv", ("could not be parsed",)),
    ("too-many-fields", text_loans("\n".join([*loan_lines()[:-1], loan_lines()[-1] + ",x"])),
     "E0001", "loans.csv", ("could not be parsed", "line 4 has 22 fields")),
    ("corrupt-parquet", book_with_loans(truncated_parquet, "loans.parquet"), "E0001",
     "loans.parquet", ("not a readable Parquet file",)),
    ("damaged-parquet-page", book_with_loans(damaged_parquet_page("period"), "loans.parquet"),
     "E0001", "loans.parquet", ("parquet could not be parsed",)),
    # First read by the loan check, while the counterparty rows land on the side connection:
    # that write is stopped and waited for, and the engine serves the next submission.
    ("damaged-parquet-page-late", book_with_loans(damaged_parquet_page("interest_rate"),
                                                  "loans.parquet"),
     "E0001", "loans.parquet", ("parquet could not be parsed",)),
    # A column no rule reads, in a file otherwise fit to land as received (intake.received):
    # the check reads it all the same, so the damage is found before anything is copied.
    ("damaged-parquet-page-unchecked", book_with_loans(damaged_parquet_page(
        "purpose", [dict(r, purpose="流动资金周转") for r in LOANS]), "loans.parquet"),
     "E0001", "loans.parquet", ("parquet could not be parsed",)),
    ("parquet-missing-column", book_with_loans(
        parquet_bytes(string_table(LOANS, "loan").drop_columns(["balance"])), "loans.parquet"),
     "E0002", "loans.parquet", ("missing column(s): balance",)),
    ("corrupt-xlsx", book_with_loans(corrupt_xlsx, "loans.xlsx"), "E0001", "loans.xlsx",
     ("not a readable Excel workbook",)),
    ("two-institutions", loans_rows([LOANS[0], dict(LOANS[1], institution_id="B0002"),
                                     LOANS[2]]),
     "E0006", "loans.csv", ("one institution and one period", "B0001/2024-01-31",
                            "B0002/2024-01-31")),
    ("two-periods", loans_rows([LOANS[0], dict(LOANS[1], period="2024-02-29"), LOANS[2]]),
     "E0006", "loans.csv", ("one institution and one period", "B0001/2024-01-31",
                            "B0001/2024-02-29")),
    ("no-counterparty-file", no_counterparty_file, "E0007", None,
     ("needs one counterparty file",)),
    ("empty-counterparty-file", empty_counterparty_file, "E0001", "counterparties.csv",
     ("empty",)),
]


def _case_id(case: Any) -> str:
    return case[0] if isinstance(case, tuple) else case.id


@pytest.mark.parametrize(("name", "build", "rule", "culprit", "words"), CASES,
                         ids=[_case_id(c) for c in CASES])
def test_bad_file_is_refused_whole_and_the_other_submission_lands(
        tmp_path: Path, home: Home, name: str, build: Callable[[Path], object], rule: str,
        culprit: str | None, words: tuple[str, ...]) -> None:
    """The bad submission is malformed with its rule and a plain cause; the other lands whole."""
    run = run_with_other(tmp_path / "in", home, build)
    assert_malformed(run, rule, culprit, words)
    assert_other_landed_whole(run)


RAGGED = [
    ("truncated", "\n".join(loan_lines())[:-25]),
    ("unterminated-quote", csv_text(LOANS, "loan").replace(",L2,", ',"L2,', 1)),
]


@pytest.mark.parametrize(("name", "text"), RAGGED, ids=[r[0] for r in RAGGED])
def test_ragged_csv_message_names_the_line(tmp_path: Path, home: Home, name: str,
                                           text: str) -> None:
    """A broken row is reported with its line, not with the CSV engine's sniffing internals."""
    run = run_with_other(tmp_path / "in", home, text_loans(text))
    assert run.bad.state == "malformed"
    assert run.bad.message is not None
    assert "sniffing" not in run.bad.message
    assert "line" in run.bad.message.lower()


def test_rows_with_extra_fields_do_not_crash_the_run(tmp_path: Path, home: Home) -> None:
    """Several rows with a field too many: that submission is malformed, the other lands."""
    lines = loan_lines()
    text = "\n".join([*lines[:2], *(line + ",x" for line in lines[2:])]) + "\n"
    run = run_with_other(tmp_path / "in", home, text_loans(text))
    assert (run.bad.state, run.bad.errors) == ("malformed", 1)
    assert_other_landed_whole(run)


# ---- good variants ---------------------------------------------------------------------------
def write_variant(folder: Path, variant: str) -> None:
    """The LOANS/COUNTERPARTIES submission in one of the ways a bank may export it."""
    folder.mkdir(parents=True)
    books = (("loan", LOANS, "loans"), ("counterparty", COUNTERPARTIES, "counterparties"))
    for ds, rows, stem in books:
        text = csv_text(rows, ds, "\t" if variant == "tab" else ",")
        if variant == "upper-header":
            head, body = text.split("\n", 1)
            text = head.upper() + "\n" + body
        if variant == "crlf":
            text = text.replace("\n", "\r\n")
        encoding = {"gb18030": "gb18030", "bom": "utf-8-sig"}.get(variant, "utf-8")
        if variant == "parquet-strings":
            pq.write_table(string_table(rows, ds), folder / f"{stem}.parquet")
        elif variant == "parquet-typed":
            pq.write_table(typed_table(rows, ds), folder / f"{stem}.parquet")
        elif variant.startswith("xlsx"):
            write_xlsx(folder / f"{stem}.xlsx", rows, ds, typed=variant == "xlsx-typed")
        else:
            (folder / f"{stem}.csv").write_bytes(text.encode(encoding))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], ...]:
    """The lake rows (loans, counterparties) of the plain UTF-8 comma CSV submission."""
    root = tmp_path_factory.mktemp("reference")
    write_csv(root / "in" / "institutions.csv", INSTITUTIONS, "institution")
    write_book(root / "in" / "book")
    home = Home.resolve(root / "home")
    o = ingest([root / "in"], home)[1]
    assert (o.state, o.rows, o.accepted) == ("accepted", 6, 6)
    return (sorted(lake_rows(home, "loan", o.submission), key=lambda r: r["loan_id"]),
            sorted(lake_rows(home, "counterparty", o.submission),
                   key=lambda r: r["counterparty_id"]))


VARIANTS = [
    "gb18030", "tab", "bom", "crlf", "upper-header",
    "parquet-strings",
    "parquet-typed", "xlsx", "xlsx-typed",
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_good_variant_lands_identically(tmp_path: Path, home: Home, register: Path,
                                        reference: tuple[list[dict[str, Any]], ...],
                                        variant: str) -> None:
    """Same accepted rows, same typed values and balance sum as the plain CSV."""
    write_variant(tmp_path / "in" / "book", variant)
    outcomes = ingest([tmp_path / "in"], home)
    o = outcomes[1]
    assert (o.state, o.rows, o.accepted, o.quarantined, o.errors, o.warnings) == (
        "accepted", 6, 6, 0, 0, 0)
    loans = sorted(lake_rows(home, "loan", o.submission), key=lambda r: r["loan_id"])
    cps = sorted(lake_rows(home, "counterparty", o.submission),
                 key=lambda r: r["counterparty_id"])
    assert sum(r["balance"] for r in loans) == LOAN_SUM
    assert (loans, cps) == reference
    fmt = "parquet" if variant.startswith("parquet") else "xlsx" if "xlsx" in variant else "csv"
    files = file_rows(home, o.submission)
    assert {f.format for f in files.values()} == {fmt}
    if fmt == "csv":  # the loan file is plain ASCII, so it reads as UTF-8 whatever was meant
        expected = "gb18030" if variant == "gb18030" else "utf-8"
        assert {n: f.encoding for n, f in files.items()} == {
            "loans.csv": "utf-8", "counterparties.csv": expected}


# ---- row-level: good rows land, bad rows are quarantined as received ---------------------------
def test_bad_rows_are_quarantined_as_received(tmp_path: Path, home: Home, register: Path) -> None:
    """Good rows land; each bad row is kept verbatim with its file row number and findings."""
    bad_cp = dict(COUNTERPARTIES[2], district_code="999999")  # row 4 of counterparties.csv
    loans = [
        LOANS[0],                                            # row 2: fine
        dict(LOANS[1], balance="1,234.56"),                  # row 3: E0102 balance
        loan("L4", "9144030071526726XG", start_date="2023/06/01"),  # row 4: E0102 start_date
        loan("L5", "92310104EFPX14RX75", product="individual_business",
             credit_line="300000.00", balance="10000.00"),    # row 5: fine
        LOANS[2],                                            # row 6: E0304 (its borrower)
        loan("L6", "9144030071526726XG", currency="RMB"),   # row 7: E0103 currency
    ]
    book = write_book(tmp_path / "in" / "book", loans, [*COUNTERPARTIES[:2], bad_cp])
    o = ingest([tmp_path / "in"], home)[1]
    assert (o.state, o.rows, o.accepted, o.quarantined, o.errors, o.warnings) == (
        "accepted", 9, 4, 5, 5, 0)
    landed = lake_rows(home, "loan", o.submission)
    assert sorted(r["loan_id"] for r in landed) == ["L1", "L5"]
    assert sum(r["balance"] for r in landed) == decimal.Decimal("510000.00")

    def as_received(rows: list[dict[str, str]]) -> list[dict[str, str | None]]:
        return [{k: v or None for k, v in r.items()} for r in rows]

    q_loans = lake_rows(home, "quarantine_loan", o.submission)
    assert [r.pop("_row") for r in q_loans] == [3, 4, 6, 7]
    assert q_loans == as_received([loans[1], loans[2], loans[4], loans[5]])
    q_cps = lake_rows(home, "quarantine_counterparty", o.submission)
    assert [r.pop("_row") for r in q_cps] == [4]
    assert q_cps == as_received([bad_cp])

    found = lake_rows(home, "findings", o.submission)
    located = sorted((Path(f["file"]).name, f["row"], f["field"], f["rule_id"]) for f in found)
    assert located == [
        ("counterparties.csv", 4, "district_code", "E0112"),
        ("loans.csv", 3, "balance", "E0102"),
        ("loans.csv", 4, "start_date", "E0102"),
        ("loans.csv", 6, "counterparty_id", "E0304"),
        ("loans.csv", 7, "currency", "E0103"),
    ]
    assert {f["file"] for f in found} == {str(book / "loans.csv"),
                                          str(book / "counterparties.csv")}
    messages = {(f["row"], f["rule_id"]): f["message"] for f in found}
    assert messages[(3, "E0102")] == "balance is not a valid amount: '1,234.56'"
    assert messages[(7, "E0103")] == "currency 'RMB' is not an allowed value"
    assert messages[(4, "E0112")] == "district_code '999999' is not a Shanghai district code"
    assert "P0123456789ABCDEF0" in messages[(6, "E0304")]
    assert rule_counts(home, o.submission) == {
        ("counterparty", "E0112"): 1, ("loan", "E0102"): 2, ("loan", "E0103"): 1,
        ("loan", "E0304"): 1}
