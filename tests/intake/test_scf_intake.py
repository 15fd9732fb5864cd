"""Supply-chain submissions go through the same validated, atomic path as loan books:
located findings, quarantine, nothing half-landed, supersession."""

from __future__ import annotations

from pathlib import Path

import pytest

from fiveareas.intake import catalogue
from fiveareas.intake.ingest import ingest
from fiveareas.reference.uscc import check_character
from fiveareas.store.home import Home
from tests.conftest import write_csv, write_parquet
from tests.intake.readback import lake_rows, rule_counts, submission_row


def _code(body: str) -> str:
    first17 = "91310115" + body
    return first17 + check_character(first17)


SELLER, BUYER, WAREHOUSE = _code("MA1000001"), _code("MA1000002"), _code("MA1000003")
P = "2024-01-31"
BASE = {"period": P, "institution_id": "B001"}


def documents() -> dict[str, list[dict[str, str]]]:
    """One receivables-financing application and one warehouse-receipt pledge, consistent."""
    return {
        "scf_party": [
            {**BASE, "party_id": SELLER, "name": "上海甲钢铁有限公司", "group_id": "G1"},
            {**BASE, "party_id": BUYER, "name": "上海乙机械有限公司", "group_id": ""},
            {**BASE, "party_id": WAREHOUSE, "name": "上海丙仓储有限公司", "group_id": ""},
        ],
        "contract": [{**BASE, "contract_id": "C-1", "buyer_id": BUYER, "buyer_name": "上海乙机械有限公司",
                      "seller_id": SELLER, "seller_name": "上海甲钢铁有限公司", "goods": "热轧卷板",
                      "quantity": "100.0", "unit": "t", "amount": "400000.00", "currency": "CNY",
                      "signed_date": "2024-01-02", "delivery_due": "2024-02-01"}],
        "invoice": [{**BASE, "invoice_code": "3100231130", "invoice_number": "00012345",
                     "seller_id": SELLER, "seller_name": "上海甲钢铁有限公司", "buyer_id": BUYER,
                     "buyer_name": "上海乙机械有限公司", "amount": "400000.00", "tax": "52000.00",
                     "issue_date": "2024-01-10", "contract_id": "C-1"}],
        "shipment": [{**BASE, "waybill_id": "W-1", "contract_id": "C-1", "goods": "热轧卷板",
                      "quantity": "100.0", "unit": "t", "shipper_id": SELLER, "consignee_id": BUYER,
                      "ship_date": "2024-01-08", "arrival_date": "2024-01-09", "carrier": "顺路物流"}],
        "warehouse_receipt": [{**BASE, "receipt_id": "R-1", "warehouse_id": WAREHOUSE,
                               "owner_id": BUYER, "goods": "热轧卷板", "quantity": "100.0",
                               "unit": "t", "issue_date": "2024-01-12"}],
        "payment": [{**BASE, "payment_id": "PM-1", "payer_id": BUYER, "payer_account": "6222001",
                     "payee_id": SELLER, "payee_account": "6222002", "amount": "80000.00",
                     "value_date": "2024-01-05", "reference": "合同 C-1 定金"}],
        "financing_application": [
            {**BASE, "application_id": "A-1", "applicant_id": SELLER, "applicant_name": "上海甲钢铁有限公司",
             "product": "receivables_financing", "amount": "300000.00",
             "application_date": "2024-01-15", "loan_id": "L-1"},
            {**BASE, "application_id": "A-2", "applicant_id": BUYER, "applicant_name": "上海乙机械有限公司",
             "product": "warehouse_receipt_pledge", "amount": "200000.00",
             "application_date": "2024-01-16", "loan_id": ""}],
        "application_document": [
            {**BASE, "application_id": "A-1", "document_type": "contract", "document_id": "C-1"},
            {**BASE, "application_id": "A-1", "document_type": "invoice",
             "document_id": "310023113000012345"},
            {**BASE, "application_id": "A-1", "document_type": "shipment", "document_id": "W-1"},
            {**BASE, "application_id": "A-2", "document_type": "warehouse_receipt",
             "document_id": "R-1"}],
    }


FILES = {"scf_party": "parties", "contract": "contracts", "invoice": "invoices",
         "shipment": "shipments", "warehouse_receipt": "warehouse_receipts",
         "payment": "payments", "financing_application": "applications",
         "application_document": "application_documents"}


def write_scf(folder: Path, docs: dict[str, list[dict[str, str]]], fmt: str = "csv") -> Path:
    for ds, rows in docs.items():
        if fmt == "csv":
            write_csv(folder / f"{FILES[ds]}.csv", rows, ds)
        else:
            write_parquet(folder / f"{FILES[ds]}.parquet", rows, ds)
    return folder


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home.resolve(tmp_path / "home")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_consistent_submission_lands_whole(tmp_path: Path, home: Home, fmt: str) -> None:
    (out,) = ingest([write_scf(tmp_path / "in", documents(), fmt)], home)
    assert (out.kind, out.state, out.institution_id, str(out.period)) == (
        "scf", "accepted", "B001", P)
    assert out.rows == out.accepted == 14
    for ds, rows in documents().items():
        assert len(lake_rows(home, ds, out.submission)) == len(rows), ds
    invoice = lake_rows(home, "invoice", out.submission)[0]
    assert str(invoice["amount"]) == "400000.00" and str(invoice["issue_date"]) == "2024-01-10"


def _bad(tmp_path: Path, home: Home, dataset: str, i: int, **change: str
         ) -> tuple[dict[tuple[str, str], int], str]:
    docs = documents()
    docs[dataset][i] = {**docs[dataset][i], **change}
    (out,) = ingest([write_scf(tmp_path / "in", docs)], home)
    assert out.state == "accepted" and out.quarantined >= 1, out
    return rule_counts(home, out.submission), out.submission


BAD_ROWS = [
    ("invoice", {"seller_id": SELLER[:-1] + ("0" if SELLER[-1] != "0" else "1")}, "E0115"),
    ("payment", {"payee_id": "not-a-code"}, "E0115"),
    ("shipment", {"arrival_date": "2024-01-07"}, "E0127"),
    ("contract", {"delivery_due": "2024-01-01"}, "E0128"),
    ("application_document", {"document_id": "310023113000099999"}, "E0311"),
    ("application_document", {"application_id": "A-9"}, "E0310"),
    ("financing_application", {"product": "factoring"}, "E0103"),
    ("invoice", {"invoice_number": "12AB"}, "E0104"),
    ("contract", {"amount": "1,000.00"}, "E0102"),
]


def test_every_supply_chain_rule_has_a_firing_case() -> None:
    """The consistent base is every rule's silent case; this fails when a rule that only
    supply-chain files have gets no firing case here."""
    loan_book = {r.id for ds in ("institution", "counterparty", "loan")
                 for r, _ in catalogue.row_rules(ds)}
    scf = {r.id for ds in FILES for r, _ in catalogue.row_rules(ds)}
    tested = {rule for _, _, rule in BAD_ROWS} | {"E0309", "E0121"}
    assert scf - loan_book - tested == set()


@pytest.mark.parametrize(("dataset", "change", "rule"), BAD_ROWS)
def test_each_bad_row_is_quarantined_with_its_rule(tmp_path: Path, home: Home, dataset: str,
                                                   change: dict[str, str], rule: str) -> None:
    counts, sid = _bad(tmp_path, home, dataset, 0, **change)
    assert counts[(dataset, rule)] == 1
    quarantined = lake_rows(home, f"quarantine_{dataset}", sid)
    assert len(quarantined) == 1
    landed = lake_rows(home, dataset, sid)
    assert len(landed) == len(documents()[dataset]) - 1


def test_a_missing_id_hides_no_unknown_reference(tmp_path: Path, home: Home) -> None:
    """An application or a contract without an id names none; the other documents' links
    are still checked (a null among the known ids made every unknown one pass)."""
    docs = documents()
    docs["financing_application"].append({**docs["financing_application"][0],
                                          "application_id": ""})
    docs["contract"].append({**docs["contract"][0], "contract_id": ""})
    docs["application_document"][0]["application_id"] = "A-9"
    docs["application_document"][2]["document_id"] = "W-9"
    (out,) = ingest([write_scf(tmp_path / "in", docs)], home)
    counts = rule_counts(home, out.submission)
    assert counts[("application_document", "E0310")] == 1
    assert counts[("application_document", "E0311")] == 1


def test_a_repeated_document_is_an_error_on_its_key(tmp_path: Path, home: Home) -> None:
    docs = documents()
    docs["invoice"].append({**docs["invoice"][0], "amount": "1.00"})
    (out,) = ingest([write_scf(tmp_path / "in", docs)], home)
    assert rule_counts(home, out.submission)[("invoice", "E0309")] == 2
    # the same number under another invoice code is another invoice
    docs["invoice"][1]["invoice_code"] = "3100231131"
    (out,) = ingest([write_scf(tmp_path / "in2", docs)], home)
    assert ("invoice", "E0309") not in rule_counts(home, out.submission)


def test_a_period_that_is_not_a_month_end(tmp_path: Path, home: Home) -> None:
    docs = {ds: [{**r, "period": "2024-01-30"} for r in rows] for ds, rows in documents().items()}
    (out,) = ingest([write_scf(tmp_path / "in", docs)], home)
    assert out.accepted == 0 and rule_counts(home, out.submission)[("contract", "E0121")] == 1


@pytest.mark.parametrize(("edit", "rule"), [
    (lambda d: d["payment"][0].update(institution_id="B002"), "E0006"),
    (lambda d: d["payment"][0].update(period="2024-02-29"), "E0006"),
    (lambda d: [rows.clear() for rows in d.values()], "E0005"),
])
def test_whole_submission_errors_land_nothing(tmp_path: Path, home: Home, edit, rule: str
                                              ) -> None:
    docs = documents()
    edit(docs)
    (out,) = ingest([write_scf(tmp_path / "in", docs)], home)
    assert out.state == "malformed" and out.accepted == 0
    assert rule in (out.message or "") or rule_counts(home, out.submission)[("file", rule)] == 1
    assert not (home.lake / "invoice").exists()


def test_a_foreign_file_in_a_supply_chain_folder(tmp_path: Path, home: Home) -> None:
    folder = write_scf(tmp_path / "in", documents())
    (folder / "shipments.csv").rename(folder / "loans.csv")
    (out,) = ingest([folder], home)
    assert out.state == "malformed"
    assert rule_counts(home, out.submission)[("file", "E0007")] == 1


def test_a_kind_of_document_may_be_left_out(tmp_path: Path, home: Home) -> None:
    docs = documents()
    del docs["warehouse_receipt"]
    docs["application_document"] = docs["application_document"][:3]
    (out,) = ingest([write_scf(tmp_path / "in", docs)], home)
    assert out.state == "accepted" and out.quarantined == 0


def test_resubmission_supersedes_and_the_same_content_is_one(tmp_path: Path, home: Home) -> None:
    (first,) = ingest([write_scf(tmp_path / "a", documents())], home)
    (again,) = ingest([write_scf(tmp_path / "b", documents())], home)
    assert again.duplicate and again.submission == first.submission
    docs = documents()
    docs["payment"][0]["amount"] = "90000.00"
    (second,) = ingest([write_scf(tmp_path / "c", docs)], home)
    assert submission_row(home, first.submission).state == "superseded"
    assert second.state == "accepted" and second.submission != first.submission


def test_a_bank_with_payments_only_this_month(tmp_path: Path, home: Home) -> None:
    """Payments are reported by the payer's bank, applications or not: an empty application
    file (or none) is a submission; all files empty is not."""
    docs = {"payment": documents()["payment"], "financing_application": [],
            "scf_party": documents()["scf_party"]}
    (out,) = ingest([write_scf(tmp_path / "in", docs)], home)
    assert out.kind == "scf" and out.state == "accepted" and out.rows == 4
