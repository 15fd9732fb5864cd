"""A new application checked against the prepared index, incrementally, agrees with the batch."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from fiveareas.watch.scf import check_application, open_documents, prepare_index, run_checks
from fiveareas.watch.scf.duplicates import build_input, splink_pairs, sql_pairs
from fiveareas.watch.scf.source import working_tables
from tests.watch.scf_city import D0, City, day

WHEN = datetime(2026, 7, 1, tzinfo=UTC)
BANKS = ("BK1", "BK2", "BK3")


def _ring(c: City) -> None:
    """P1 → P2 → P3 → P1 (group G1), legs five days apart, financed at three banks."""
    for p in ("P1", "P2", "P3"):
        c.party("BK1", p, p, "G1")
    for i, (seller, buyer) in enumerate([("P1", "P2"), ("P2", "P3"), ("P3", "P1")]):
        bank = BANKS[i]
        c.contract(
            bank,
            f"RC{i}",
            seller,
            buyer,
            1_000_000 * 1.02**i,
            100,
            day(5 * i),
            goods="copper cathode",
        )
        c.application(
            bank,
            f"{bank}-R{i}",
            seller,
            "order_financing",
            700_000,
            day(5 * i + 1),
            [("contract", f"RC{i}")],
        )


def _prepay(c: City, bank: str, app: str, borrower: str, supplier: str, loan: str) -> None:
    c.party(bank, borrower, borrower, f"G-{borrower}")
    c.party(bank, borrower + "-sis", borrower + "-sis", f"G-{borrower}")
    c.party(bank, supplier, supplier)
    cid = f"C-{app}"
    c.contract(bank, cid, supplier, borrower, 1_000_000, 1000, D0)
    c.payment(bank, borrower, supplier, 100_000, day(1), f"deposit {cid}")
    c.application(
        bank,
        app,
        borrower,
        "prepayment_financing",
        1_000_000,
        day(3),
        [("contract", cid)],
        loan_id=loan,
    )
    c.payment(bank, borrower, supplier, 1_000_000, day(5), f"受托支付 {loan}")


def _pledge(c: City, bank: str, app: str, rid: str, warehouse: str, owner: str) -> None:
    c.receipt(bank, rid, warehouse, owner, 500.0, day(3))
    c.application(
        bank, app, owner, "warehouse_receipt_pledge", 200_000, day(5), [("warehouse_receipt", rid)]
    )


def fixture_city() -> City:
    """Every fraud kind the fixtures have, honest deals and a standing-order hard negative."""
    c = City()
    c.deal("BK1", "BK1-H1", seller="S5", buyer="B5", number="90000001")
    c.deal("BK2", "BK2-H2", seller="S6", buyer="B6", number="90000002")
    # duplicate_financing: exact, altered number with name variants, split amount
    c.deal("BK1", "BK1-D1", seller="S1", buyer="B1", number="12345678")
    c.deal("BK2", "BK2-D1", seller="S1", buyer="B1", number="12345678", cid="C-BK1-D1")
    c.disguised_duplicate()
    c.deal("BK1", "BK1-SP", seller="S3", buyer="B3", number="40000001", amount=300_000.0)
    for k, amt in enumerate([100_000.0, 120_000.0, 80_500.0]):
        inv = c.invoice("BK2", "3100261130", f"4100000{k}", "S3", "B3", amt, day(6), None)
        c.application(
            "BK2", f"BK2-P{k}", "S3", "receivables_financing", amt * 0.8, day(9), [("invoice", inv)]
        )
    # standing orders between S4 and B4 at two banks: not duplicates
    for m, bank in enumerate(["BK1", "BK2", "BK1"]):
        c.deal(
            bank,
            f"{bank}-M{m}",
            seller="S4",
            buyer="B4",
            number=f"7000000{m}",
            signed=day(30 * m + 1),
            cid=f"SO-{m}",
        )
    # four_flow
    c.deal("BK2", "BK2-F1", seller="S7", buyer="B7", number="50000001", ship=False)
    c.deal("BK3", "BK3-F2", seller="S8", buyer="B8", number="50000002", inv_amount=120_000.0)
    c.deal("BK3", "BK3-F3", seller="S9", buyer="B9", number="50000003", pay=False)
    # double_pledge: exact and altered id
    _pledge(c, "BK1", "BK1-W1", "R-001", "WH1", "O1")
    _pledge(c, "BK2", "BK2-W1", "R-001", "WH1", "O1")
    _pledge(c, "BK2", "BK2-W2", "R-100", "WH2", "O2")
    _pledge(c, "BK3", "BK3-W2", "R-10O", "WH2", "O2")
    # circular_trade
    _ring(c)
    # proceeds_round_trip: direct and via an intermediary
    _prepay(c, "BK3", "BK3-L1", "BW", "SU", "LN-77")
    c.payment("BK1", "SU", "BW", 800_000, day(7), "refund")
    _prepay(c, "BK1", "BK1-L2", "BV", "SV", "LN-88")
    c.payment("BK2", "SV", "X1", 900_000, day(6), "goods")
    c.payment("BK3", "X1", "BV-sis", 850_000, day(8), "loan")
    return c


def _only(c: City, bank: str, keep: bool = True) -> City:
    """The rows of one bank (keep) or of every other bank, as a City of their own."""
    out = City()
    for ds, rows in c.rows.items():
        out.rows[ds] = [dict(r) for r in rows if (r["institution_id"] == bank) == keep]
    return out


def _apps(c: City, bank: str) -> list[str]:
    return [
        r["application_id"] for r in c.rows["financing_application"] if r["institution_id"] == bank
    ]


def _key(row: dict) -> tuple:
    return (
        row["check"],
        row["variant"],
        tuple(row["application_ids"]),
        tuple(row["institution_ids"]),
        row["finding_id"],
        row["score"],
        row["evidence"],
    )


def _batch_for(rows: list[dict], bank: str, app: str) -> list[tuple]:
    return sorted(
        _key(r) for r in rows if app in r["application_ids"] and bank in r["institution_ids"]
    )


def _dump(rows: list[dict]) -> list[dict]:
    import json

    return [
        {**r, "evidence": json.dumps(r["evidence"], ensure_ascii=False, sort_keys=True)}
        for r in rows
    ]


def _folder(root: Path, name: str) -> Path:
    p = root / name
    p.mkdir(parents=True, exist_ok=True)
    return p


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The fixture city, its batch findings and an index prepared from them."""
    root = tmp_path_factory.mktemp("incr")
    city = fixture_city()
    paths = city.write(_folder(root, "city"))
    batch = run_checks(open_documents(paths), detected_at=WHEN)
    index = root / "index.duckdb"
    prepare_index(paths, index, detected_at=WHEN, findings=batch)
    subs = {b: _only(city, b).write(_folder(root, f"sub-{b}")) for b in BANKS}
    return {
        "root": root,
        "city": city,
        "paths": paths,
        "batch": batch.to_pylist(),
        "index": index,
        "subs": subs,
    }


def test_the_fixture_city_has_every_fraud_kind(prepared: dict) -> None:
    kinds = {(r["check"], r["variant"]) for r in prepared["batch"]}
    assert kinds >= {
        ("duplicate_financing", "exact"),
        ("duplicate_financing", "name_variant"),
        ("duplicate_financing", "split_amount"),
        ("four_flow", "no_shipment"),
        ("four_flow", "no_payment"),
        ("four_flow", "amount_mismatch"),
        ("double_pledge", "exact"),
        ("double_pledge", "altered_id"),
        ("circular_trade", "ring"),
        ("proceeds_round_trip", "direct"),
        ("proceeds_round_trip", "via_intermediary"),
    }, kinds


def test_incremental_equals_batch_for_every_application(prepared: dict) -> None:
    """Each bank resubmits its documents: every application's findings are the batch's."""
    city, batch = prepared["city"], prepared["batch"]
    checked = 0
    for bank in BANKS:
        for app in _apps(city, bank):
            got = check_application(prepared["index"], bank, app, prepared["subs"][bank])
            assert sorted(_key(r) for r in _dump(got)) == _batch_for(batch, bank, app), app
            checked += 1
            if _batch_for(batch, bank, app):
                assert all(r["detected_at"] == WHEN for r in got)  # known findings keep it
    assert checked == len(city.rows["financing_application"])


def test_new_submission_against_an_index_without_it(prepared: dict) -> None:
    """The index lacks BK3 entirely (its submission arrives after the batch): same findings."""
    root, city = prepared["root"], prepared["city"]
    index = root / "without-bk3.duckdb"
    prepare_index(_only(city, "BK3", keep=False).write(_folder(root, "no-bk3")), index)
    for app in _apps(city, "BK3"):
        got = check_application(index, "BK3", app, prepared["subs"]["BK3"])
        assert sorted(_key(r) for r in _dump(got)) == _batch_for(prepared["batch"], "BK3", app)
    assert check_application(index, "BK3", "BK3-A9") == []  # the stored findings know nothing


def _base_index(root: Path) -> tuple[City, Path]:
    c = City()
    c.deal("BK1", "BK1-A1", seller="S2", buyer="B2", number="22223333")
    c.deal("BK1", "BK1-E1", seller="S1", buyer="B1", number="12345678")
    c.deal("BK1", "BK1-H1", seller="S5", buyer="B5", number="90000001")
    _pledge(c, "BK1", "BK1-W1", "R-001", "WH1", "O1")
    index = root / "index.duckdb"
    prepare_index(c.write(_folder(root, "base")), index)
    return c, index


def _submit(root: Path, build) -> dict:
    c = City()
    build(c)
    return c.write(_folder(root, f"sub-{len(list(root.iterdir()))}"))


def test_exact_duplicate_of_another_banks_invoice_is_found(tmp_path: Path) -> None:
    _, index = _base_index(tmp_path)
    docs = _submit(
        tmp_path,
        lambda c: c.deal(
            "BK2", "BK2-N1", seller="S1", buyer="B1", number="12345678", cid="C-BK1-E1"
        ),
    )
    hits = check_application(index, "BK2", "BK2-N1", docs)
    assert [(h["check"], h["variant"], h["application_ids"]) for h in hits] == [
        ("duplicate_financing", "exact", ["BK1-E1", "BK2-N1"])
    ]
    assert hits[0]["evidence"]["invoice_number"] == "12345678"


def test_altered_number_and_name_variant_is_found(tmp_path: Path) -> None:
    _, index = _base_index(tmp_path)
    docs = _submit(
        tmp_path,
        lambda c: c.deal(
            "BK3",
            "BK3-N9",
            seller="S2",
            buyer="B2",
            number="22223383",
            cid="C-BK1-A1",
            seller_name="S2贸易有限责任公司",
            buyer_name="（上海）B2实业公司",
        ),
    )
    hits = check_application(index, "BK3", "BK3-N9", docs)
    assert [(h["check"], h["variant"], h["application_ids"]) for h in hits] == [
        ("duplicate_financing", "name_variant", ["BK1-A1", "BK3-N9"])
    ]
    pair = hits[0]["evidence"]["pairs"][0]
    assert pair["match_probability"] >= 0.95 and pair["weights"]["invoice_no"] > 0


def test_honest_new_application_is_clean(tmp_path: Path) -> None:
    _, index = _base_index(tmp_path)
    # same parties as an indexed deal, another invoice a month later: a standing order
    docs = _submit(
        tmp_path,
        lambda c: c.deal(
            "BK2", "BK2-N2", seller="S2", buyer="B2", number="22229999", signed=day(31)
        ),
    )
    assert check_application(index, "BK2", "BK2-N2", docs) == []


def test_pledge_of_an_indexed_receipt_is_found(tmp_path: Path) -> None:
    _, index = _base_index(tmp_path)
    docs = _submit(tmp_path, lambda c: _pledge(c, "BK2", "BK2-W9", "R-001", "WH1", "O1"))
    hits = check_application(index, "BK2", "BK2-W9", docs)
    assert [(h["check"], h["variant"], h["application_ids"]) for h in hits] == [
        ("double_pledge", "exact", ["BK1-W1", "BK2-W9"])
    ]
    docs = _submit(tmp_path, lambda c: _pledge(c, "BK3", "BK3-W9", "R-00l", "WH1", "O1"))
    hits = check_application(index, "BK3", "BK3-W9", docs)
    assert [(h["variant"], h["application_ids"]) for h in hits] == [
        ("altered_id", ["BK1-W1", "BK3-W9"])
    ]


def test_resubmission_supersedes_its_earlier_version(tmp_path: Path) -> None:
    """BK1 resubmits the same period with the invoice corrected (new number, right amount)."""
    c = City()
    c.deal("BK1", "BK1-A1", seller="S2", buyer="B2", number="22223333", inv_amount=120_000.0)
    c.deal("BK1", "BK1-H1", seller="S5", buyer="B5", number="90000001")
    index = tmp_path / "index.duckdb"
    prepare_index(c.write(_folder(tmp_path, "base")), index)
    assert [h["variant"] for h in check_application(index, "BK1", "BK1-A1")] == ["amount_mismatch"]

    def resubmit(bank: str, number: str, amount: float) -> dict:
        n = City()
        n.deal(
            bank,
            "BK1-A1",
            seller="S2",
            buyer="B2",
            number=number,
            inv_amount=amount,
            cid="C-BK1-A1",
        )
        n.deal(bank, "BK1-H1", seller="S5", buyer="B5", number="90000001")
        return n.write(_folder(tmp_path, f"sub-{bank}-{number}"))

    # unchanged: its earlier version in the index is not a duplicate of it
    same = check_application(index, "BK1", "BK1-A1", resubmit("BK1", "22223333", 120_000.0))
    assert [(h["check"], h["variant"]) for h in same] == [("four_flow", "amount_mismatch")]
    # corrected under a new number: the earlier invoice no longer counts towards the amount
    assert check_application(index, "BK1", "BK1-A1", resubmit("BK1", "22223334", 100_000.0)) == []
    # the same documents at another bank do duplicate the indexed version
    hits = check_application(index, "BK9", "BK1-A1", resubmit("BK9", "22223333", 120_000.0))
    assert ("duplicate_financing", "exact") in [(h["check"], h["variant"]) for h in hits]


def test_unknown_application_and_foreign_rows_are_refused(tmp_path: Path) -> None:
    base, index = _base_index(tmp_path)
    mine = _only(base, "BK1").write(_folder(tmp_path, "again"))
    with pytest.raises(LookupError):
        check_application(index, "BK1", "BK1-NOPE", mine)
    with pytest.raises(ValueError, match="other institutions"):
        check_application(index, "BK2", "BK1-A1", mine)


def test_stored_findings_are_used_as_given(tmp_path: Path) -> None:
    paths = fixture_city().write(_folder(tmp_path, "city"))
    table = run_checks(open_documents(paths), detected_at=WHEN)
    assert table.num_rows > 10
    index = tmp_path / "given.duckdb"
    prepare_index(paths, index, findings=table.slice(0, 3))  # a part, to see it is not recomputed
    con = duckdb.connect(str(index), read_only=True)
    try:
        (n,) = con.execute("SELECT count(*) FROM scf_findings").fetchone()
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        tol = con.execute("SELECT body FROM scf_model WHERE name = 'tolerances'").fetchone()
    finally:
        con.close()
    assert n == 3
    assert {"invoice", "payment", "scf_dup_input", "scf_model"} <= tables
    assert "trace_max_hops" in tol[0]


def test_sql_scorer_equals_splink(prepared: dict) -> None:
    con = open_documents(prepared["paths"])
    with working_tables(con):
        build_input(con)
        spl, _ = splink_pairs(con, 0.0)
        sql = sql_pairs(con, 0.0)
    assert len(spl) == len(sql) > 5
    key = lambda r: (r["unique_id_l"], r["unique_id_r"])  # noqa: E731
    for a, b in zip(sorted(spl, key=key), sorted(sql, key=key), strict=True):
        assert key(a) == key(b)
        for k in (
            "match_weight",
            "match_probability",
            "mw_invoice_no",
            "mw_amount",
            "mw_issue_date",
            "mw_names",
            "mw_contract",
        ):
            assert a[k] == pytest.approx(b[k], abs=1e-9), (key(a), k)
