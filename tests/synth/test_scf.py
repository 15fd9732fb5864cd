"""The SCF generator: template-valid submissions, labelled frauds that really break their rule,
hard negatives that stay inside the tolerances (docs/supply-chain.md)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from fiveareas.model.template import template
from fiveareas.reference import uscc
from fiveareas.synth.scf import VARIANTS, generate_scf
from fiveareas.synth.scf.emit import FILES

INSTITUTIONS = ["B00001", "B00002", "B00003", "B00004"]
PERIODS = [dt.date(2024, 3, 31), dt.date(2024, 4, 30), dt.date(2024, 5, 31)]
DEALS, FRAUDS = 300, 12
ARGS = dict(institutions=INSTITUTIONS, periods=PERIODS, deals=DEALS, frauds=FRAUDS, seed=7)
AMOUNT_TOL, QTY_TOL, WINDOW = 0.01, 0.02, 30


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("scf")
    return out, generate_scf(out, **ARGS)


@pytest.fixture(scope="module")
def data(run) -> dict[str, pd.DataFrame]:
    """Every dataset over all submissions, with the folder each row came from."""
    out, _ = run
    frames: dict[str, list[pd.DataFrame]] = {ds: [] for ds in FILES}
    for folder in sorted((out / "scf").glob("*/*")):
        for ds, file in FILES.items():
            df = pq.read_table(folder / f"{file}.parquet").to_pandas()
            df["folder"] = str(folder)
            frames[ds].append(df)
    return {ds: pd.concat(f, ignore_index=True) for ds, f in frames.items()}


@pytest.fixture(scope="module")
def labels(run) -> pd.DataFrame:
    out, _ = run
    return pd.read_csv(out / "labels" / "scf.csv", dtype=str)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_deterministic(tmp_path: Path) -> None:
    small = {**ARGS, "deals": 80, "frauds": 4, "fmt": "csv"}
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert generate_scf(a, **small) == generate_scf(b, **small)
    fa, fb = _files(a), _files(b)
    assert fa and fa == fb
    generate_scf(c, **{**small, "seed": 8})
    assert _files(c) != fa
    generate_scf(c, **{**small, "encoding": "gb18030"})
    assert {k: v.decode("gb18030") for k, v in _files(c / "scf").items()} == {
        k: v.decode("utf-8") for k, v in _files(a / "scf").items()}


def test_layout_and_schema(run) -> None:
    out, manifest = run
    folders = sorted((out / "scf").glob("*/*"))
    assert len(folders) == manifest["submissions"] > 0
    for folder in folders:
        period = dt.date.fromisoformat(folder.parent.name)
        assert period in PERIODS and folder.name in INSTITUTIONS
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            f"{f}.parquet" for f in FILES.values())
        for ds, file in FILES.items():
            t = pq.read_table(folder / f"{file}.parquet")
            assert t.schema.names == template()[ds].arrow_schema().names
            assert t.schema.types == template()[ds].arrow_schema().types
            if t.num_rows:
                assert set(t.column("period").to_pylist()) == {period}
                assert set(t.column("institution_id").to_pylist()) == {folder.name}


def test_values_pass_template(data) -> None:
    for ds, df in data.items():
        spec = template()[ds]
        for f in spec.fields:
            col = df[f.name]
            if f.required:
                assert col.notna().all(), (ds, f.name)
            vals = col.dropna()
            if f.uscc:
                assert all(uscc.is_valid(v) for v in vals), (ds, f.name)
            if f.pattern:
                assert all(re.search(f.pattern, v) for v in vals), (ds, f.name)
            if f.allowed:
                assert set(vals) <= set(f.allowed), (ds, f.name)
            if f.type == "amount":
                assert all(v.as_tuple().exponent == -2 for v in vals), (ds, f.name)
    inv = data["invoice"]
    digital = inv["invoice_code"].isna()
    assert digital.any() and (~digital).any()
    assert inv.loc[digital, "invoice_number"].str.len().eq(20).all()
    assert inv.loc[~digital, "invoice_number"].str.len().eq(8).all()


def test_keys_unique(data) -> None:
    for ds, df in data.items():
        key = list(template()[ds].key)
        assert not df.duplicated(key).any(), ds


def test_documents_present_in_submission(data) -> None:
    ad = data["application_document"]
    ids = {"contract": data["contract"].assign(doc=data["contract"]["contract_id"]),
           "shipment": data["shipment"].assign(doc=data["shipment"]["waybill_id"]),
           "warehouse_receipt": data["warehouse_receipt"].assign(
               doc=data["warehouse_receipt"]["receipt_id"]),
           "invoice": data["invoice"].assign(doc=data["invoice"]["invoice_code"].fillna("")
                                             + data["invoice"]["invoice_number"])}
    for kind, df in ids.items():
        have = set(zip(df["folder"], df["doc"], strict=True))
        links = ad[ad["document_type"] == kind]
        assert len(links) > 0
        assert all(k in have for k in zip(links["folder"], links["document_id"], strict=True))
    apps = set(zip(data["financing_application"]["folder"],
                   data["financing_application"]["application_id"], strict=True))
    assert all(k in apps for k in zip(ad["folder"], ad["application_id"], strict=True))


def test_parties_cover_documents(data) -> None:
    named = set(zip(data["scf_party"]["folder"], data["scf_party"]["party_id"], strict=True))
    cols = {"contract": ["buyer_id", "seller_id"], "invoice": ["seller_id", "buyer_id"],
            "shipment": ["shipper_id", "consignee_id"],
            "warehouse_receipt": ["warehouse_id", "owner_id"],
            "payment": ["payer_id", "payee_id"], "financing_application": ["applicant_id"]}
    for ds, cs in cols.items():
        for c in cs:
            assert all(k in named for k in zip(data[ds]["folder"], data[ds][c], strict=True))
    assert data["scf_party"]["group_id"].notna().any()


def test_labels(labels, data, run) -> None:
    _, manifest = run
    apps = data["financing_application"]
    where = dict(zip(apps["application_id"], apps["institution_id"], strict=True))
    assert len(where) == len(apps)  # application ids are unique over the whole city
    for check, variants in VARIANTS.items():
        mine = labels[labels["check"] == check]
        assert len(mine) == FRAUDS, check
        counts = mine["variant"].value_counts().reindex(list(variants), fill_value=0)
        assert counts.max() - counts.min() <= 1, (check, counts.to_dict())
        assert manifest["cases"][check] == counts.to_dict()
    for _, row in labels.iterrows():
        ids = row["application_ids"].split(";")
        assert ids == sorted(ids)
        assert all(a in where for a in ids)
        assert row["institution_ids"] == ";".join(sorted({where[a] for a in ids}))
    assert len(apps) - len({a for x in labels["application_ids"] for a in x.split(";")}) == DEALS
    for check in ("duplicate_financing", "double_pledge"):
        spans = labels.loc[labels["check"] == check, "institution_ids"].str.split(";")
        assert spans.map(len).ge(2).all()


def _four_flow(data: dict[str, pd.DataFrame]) -> dict[str, set[str]]:
    """The rules each receivables or pledge application breaks, as a four-flow check would
    see them (a pledge has no invoices: its amount rule is void)."""
    apps = data["financing_application"]
    apps = apps[apps["product"].isin(["receivables_financing", "warehouse_receipt_pledge"])]
    ad = data["application_document"]
    con = data["contract"].set_index(["folder", "contract_id"])
    inv = data["invoice"].assign(doc=data["invoice"]["invoice_code"].fillna("")
                                 + data["invoice"]["invoice_number"]).set_index(["folder", "doc"])
    shp = data["shipment"].set_index(["folder", "waybill_id"])
    pay = data["payment"]
    paid_pairs = {k: g["value_date"].to_numpy() for k, g in pay.groupby(["payer_id",
                                                                         "payee_id"])}
    links = {k: g for k, g in ad.groupby(["folder", "application_id"])}
    out: dict[str, set[str]] = {}
    for _, a in apps.iterrows():
        docs = links[(a["folder"], a["application_id"])]
        by = {t: [(a["folder"], d) for d in docs.loc[docs["document_type"] == t, "document_id"]]
              for t in ("contract", "invoice", "shipment")}
        c = con.loc[by["contract"][0]]
        iv = inv.loc[by["invoice"]] if by["invoice"] else inv.iloc[:0]
        sh = shp.loc[by["shipment"]] if by["shipment"] else None
        broken = set()
        if sh is None:
            broken.add("no_shipment")
        elif abs(sh["quantity"].sum() - c["quantity"]) > QTY_TOL * c["quantity"]:
            broken.add("quantity_mismatch")
        if float(iv["amount"].sum()) > float(c["amount"]) * (1 + AMOUNT_TOL):
            broken.add("amount_mismatch")
        parties = (iv["seller_id"].eq(c["seller_id"]).all() and iv["buyer_id"].eq(
            c["buyer_id"]).all())
        if sh is not None:
            parties = parties and sh["shipper_id"].eq(c["seller_id"]).all() and sh[
                "consignee_id"].eq(c["buyer_id"]).all()
        if not parties:
            broken.add("party_mismatch")
        dates = [*iv["issue_date"]] + ([] if sh is None else [*sh["ship_date"]])
        if min(dates) < c["signed_date"]:
            broken.add("date_mismatch")
        end = a["application_date"] + dt.timedelta(days=WINDOW)
        paid = [v for v in paid_pairs.get((c["buyer_id"], c["seller_id"]), [])
                if c["signed_date"] <= v <= end]
        if not paid:
            broken.add("no_payment")
        out[a["application_id"]] = broken
    return out


def test_four_flow_frauds_break_and_negatives_hold(data, labels) -> None:
    broken = _four_flow(data)
    ff = labels[labels["check"] == "four_flow"]
    for _, row in ff.iterrows():
        assert row["variant"] in broken[row["application_ids"]], row.to_dict()
    products = data["financing_application"].set_index("application_id")["product"]
    assert set(products[ff["application_ids"]]) == {"receivables_financing",
                                                     "warehouse_receipt_pledge"}
    fraud = set(ff["application_ids"])
    clean = {a: b for a, b in broken.items() if a not in fraud}
    assert len(clean) > 100
    assert all(not b for b in clean.values()), {a: b for a, b in clean.items() if b}


def test_inside_tolerance_negatives_exist(data, labels) -> None:
    """Some honest applications sit just inside each tolerance (not only exactly on it)."""
    c = data["contract"].set_index(["folder", "contract_id"])
    inv = data["invoice"].groupby(["folder", "contract_id"])["amount"].sum()
    shp = data["shipment"].groupby(["folder", "contract_id"])["quantity"].sum()
    amt = (inv.astype(float) / c["amount"].reindex(inv.index).astype(float)).dropna()
    qty = (shp / c["quantity"].reindex(shp.index)).dropna()
    assert ((amt > 1.001) & (amt < 1 + AMOUNT_TOL)).any()
    assert ((qty - 1).abs().between(0.004, QTY_TOL - 0.004)).sum() >= 2
    assert (amt > 1.04).any() and ((qty - 1).abs() > 0.04).any()  # the frauds, clearly out


def test_duplicates_reuse_the_receivable(data, labels) -> None:
    apps = data["financing_application"].set_index("application_id")
    ad = data["application_document"]
    inv = data["invoice"].assign(doc=data["invoice"]["invoice_code"].fillna("")
                                 + data["invoice"]["invoice_number"])
    for _, row in labels[labels["check"] == "duplicate_financing"].iterrows():
        ids = row["application_ids"].split(";")
        assert apps.loc[ids, "applicant_id"].nunique() == 1
        docs = [set(ad.loc[(ad["application_id"] == a) & (ad["document_type"] == "invoice"),
                           "document_id"]) for a in ids]
        totals = [inv[inv["doc"].isin(d) & (inv["folder"] == apps.loc[a, "folder"])][
            "amount"].sum() for a, d in zip(ids, docs, strict=True)]
        assert len(set(totals)) == 1  # the same receivable, whatever its disguise
        same = set.intersection(*docs)
        assert bool(same) == (row["variant"] == "exact"), row.to_dict()


def test_circular_trade_rings(data, labels) -> None:
    apps = data["financing_application"].set_index("application_id")
    con = data["contract"]
    ad = data["application_document"]
    group = dict(zip(data["scf_party"]["party_id"], data["scf_party"]["group_id"], strict=True))
    for _, row in labels[labels["check"] == "circular_trade"].iterrows():
        legs = []
        for a in row["application_ids"].split(";"):
            cid = ad.loc[(ad["application_id"] == a) & (ad["document_type"] == "contract"),
                         "document_id"].iloc[0]
            legs.append(con[(con["contract_id"] == cid)
                            & (con["folder"] == apps.loc[a, "folder"])].iloc[0])
        legs.sort(key=lambda c: c["signed_date"])
        assert 2 <= len(legs) <= 5
        sellers = [c["seller_id"] for c in legs]
        assert [c["buyer_id"] for c in legs] == sellers[1:] + sellers[:1]
        assert len({group[s] for s in sellers}) == 1 and group[sellers[0]] is not None
        assert len({c["goods"] for c in legs}) == 1
        for x, y in zip(legs, legs[1:], strict=False):
            assert 1.029 <= float(y["amount"]) / float(x["amount"]) <= 1.101
            assert (y["signed_date"] - x["signed_date"]).days <= 15


def test_round_trips_come_back(data, labels) -> None:
    apps = data["financing_application"]
    pay = data["payment"]
    groups = data["scf_party"].drop_duplicates("party_id").set_index("party_id")["group_id"]
    pre = apps[(apps["product"] == "prepayment_financing")]
    rt = labels[labels["check"] == "proceeds_round_trip"]
    fraud = set(rt["application_ids"])
    seen_neg = 0
    for _, a in pre.iterrows():
        dis = pay[pay["reference"].fillna("").str.contains(a["loan_id"])]
        assert len(dis) == 1 and dis["payer_id"].iloc[0] == a["applicant_id"]
        seller, day, amt = dis["payee_id"].iloc[0], dis["value_date"].iloc[0], dis["amount"].iloc[0]
        g = groups.get(a["applicant_id"])
        own = {a["applicant_id"]} | (set(groups[groups == g].index) if isinstance(g, str)
                                     else set())
        back = pay[pay["payee_id"].isin(own) & (pay["value_date"] > day)
                   & (pay["value_date"] <= day + dt.timedelta(days=10))]
        direct = back[back["payer_id"] == seller]
        if a["application_id"] in fraud:
            assert float(back["amount"].max()) >= 0.65 * float(amt)
        else:
            late = pay[(pay["payer_id"] == seller) & pay["payee_id"].isin(own)]
            seen_neg += len(late) > 0
            assert float(direct["amount"].sum()) < 0.3 * float(amt)
    assert seen_neg > 0


def test_double_pledges_reuse_the_receipt(data, labels) -> None:
    apps = data["financing_application"].set_index("application_id")
    ad = data["application_document"]
    rec = data["warehouse_receipt"]
    same = ["warehouse_id", "owner_id", "goods", "quantity", "issue_date"]
    for _, row in labels[labels["check"] == "double_pledge"].iterrows():
        rows = []
        for a in row["application_ids"].split(";"):
            rid = ad.loc[(ad["application_id"] == a)
                         & (ad["document_type"] == "warehouse_receipt"), "document_id"].iloc[0]
            rows.append(rec[(rec["receipt_id"] == rid)
                            & (rec["folder"] == apps.loc[a, "folder"])].iloc[0])
        assert all(r[same].tolist() == rows[0][same].tolist() for r in rows)
        assert (len({r["receipt_id"] for r in rows}) == 1) == (row["variant"] == "exact")


def test_hard_negatives_present(data, labels) -> None:
    """The honest look-alikes exist among the unlabelled applications."""
    fraud = {a for x in labels["application_ids"] for a in x.split(";")}
    apps = data["financing_application"]
    honest = apps[~apps["application_id"].isin(fraud)]
    folders = set(honest["folder"])
    con = data["contract"][data["contract"]["folder"].isin(folders)]
    # standing orders: same parties and amount in every period
    monthly = con.groupby(["seller_id", "buyer_id", "amount"])["period"].nunique()
    assert (monthly == len(PERIODS)).any()
    # a framework contract drawn on at two banks against different invoices within its amount
    shared = con.groupby("contract_id")["institution_id"].nunique()
    inv = data["invoice"]
    fw = 0
    for cid in shared[shared >= 2].index:
        ad = data["application_document"]
        ids = set(ad.loc[(ad["document_type"] == "contract") & (ad["document_id"] == cid),
                         "application_id"])
        if ids & fraud:
            continue
        mine = inv[inv["contract_id"] == cid]
        assert not mine.duplicated(["invoice_code", "invoice_number"]).any()
        assert float(mine["amount"].sum()) <= float(con.loc[con["contract_id"] == cid,
                                                            "amount"].iloc[0])
        fw += 1
    assert fw > 0
    # the same party written differently at two banks, nothing else wrong
    names = honest.groupby("applicant_id")["applicant_name"].nunique()
    assert (names >= 2).any()
    # successive receipts: same owner, goods and warehouse, different dates and quantities
    rec = data["warehouse_receipt"]
    runs = rec.groupby(["owner_id", "goods", "warehouse_id"]).agg(
        n=("receipt_id", "nunique"), d=("issue_date", "nunique"), q=("quantity", "nunique"))
    assert ((runs["n"] >= 2) & (runs["d"] >= 2) & (runs["q"] >= 2)).any()
