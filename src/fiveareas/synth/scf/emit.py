"""From collected rows to template tables, one folder per (period, institution) submission."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa

from fiveareas.synth.scf.disguise import fmt
from fiveareas.synth.scf.records import DOC_TYPES, EPOCH, PRODUCTS, Sink
from fiveareas.synth.scf.world import GOODS, World
from fiveareas.synth.write import _table, decimal, write

FILES = {"scf_party": "parties", "contract": "contracts", "invoice": "invoices",
         "shipment": "shipments", "warehouse_receipt": "warehouse_receipts",
         "payment": "payments", "financing_application": "applications",
         "application_document": "application_documents"}
_INTERNAL = {"contract": "contract", "invoice": "invoice", "shipment": "shipment",
             "warehouse_receipt": "receipt", "payment": "payment",
             "financing_application": "application", "application_document": "appdoc"}
# which party columns make a party "named in the submission"
_PARTY_COLS = {"contract": ("buyer", "seller"), "invoice": ("seller", "buyer"),
               "shipment": ("shipper", "consignee"), "receipt": ("warehouse", "owner"),
               "payment": ("payer", "payee"), "application": ("applicant",)}


def _dates(d: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(d, dtype=np.int64).astype(np.int32), type=pa.int32()).cast(
        pa.date32())


def _opt(values: np.ndarray) -> pa.Array:
    import pyarrow.compute as pc

    arr = pa.array(np.asarray(values, dtype=object).tolist(), type=pa.string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _str(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=object).tolist(), type=pa.string())


class Emitter:
    """Sorts every dataset by submission and turns internal columns into template columns."""

    def __init__(self, sink: Sink, w: World, institutions: list[str],
                 rng: np.random.Generator) -> None:
        self.w = w
        self.inst_ids = np.array(institutions, dtype=object)
        self.party_ids = w.ids.astype(object)
        self.names = np.array(w.names, dtype=object)
        self.units = np.array([g[1] for g in GOODS], dtype=object)
        self.goods = np.array([g[0] for g in GOODS], dtype=object)
        self.cols: dict[str, dict[str, np.ndarray]] = {}
        for ds in _INTERNAL.values():
            c = sink.columns(ds)
            # rows in random order within a submission (payments by value date), so the order
            # the generator made them in (frauds first) does not show
            n = len(c["inst"])
            inner = [rng.permutation(n)] + ([c["value"].astype(np.int64)] if ds == "payment"
                                           else [])
            order = np.lexsort((*inner, c["inst"].astype(np.int64),
                                c["period"].astype(np.int64)))
            self.cols[ds] = {k: v[order] for k, v in c.items()}
        self.cols["party"] = self._parties()

    def _parties(self) -> dict[str, np.ndarray]:
        n = len(self.w)
        keys = []
        for ds, pcs in _PARTY_COLS.items():
            c = self.cols[ds]
            for p in pcs:
                keys.append((c["period"].astype(np.int64) * len(self.inst_ids)
                             + c["inst"].astype(np.int64)) * n + c[p].astype(np.int64))
        u = np.unique(np.concatenate(keys)) if keys else np.array([], dtype=np.int64)
        sub, party = u // n, u % n
        return {"period": sub // len(self.inst_ids), "inst": sub % len(self.inst_ids),
                "party": party}

    def submissions(self) -> list[tuple[int, int]]:
        """Every (period, institution) with any row, in order."""
        keys = set()
        for c in self.cols.values():
            keys.update(zip(c["period"].astype(np.int64).tolist(),
                            c["inst"].astype(np.int64).tolist(), strict=True))
        return sorted(keys)

    def table(self, name: str, period: int, inst: int) -> pa.Table:
        c = self.cols["party" if name == "scf_party" else _INTERNAL[name]]
        key = c["period"].astype(np.int64) * len(self.inst_ids) + c["inst"].astype(np.int64)
        want = period * len(self.inst_ids) + inst
        lo, hi = np.searchsorted(key, want, "left"), np.searchsorted(key, want, "right")
        s = {k: v[lo:hi] for k, v in c.items()}
        return getattr(self, "_" + name)(s, lo)

    def _common(self, s: dict[str, np.ndarray]) -> dict[str, pa.Array]:
        return {"period": _dates(s["period"]),
                "institution_id": _str(self.inst_ids[s["inst"].astype(np.int64)])}

    def _pid(self, p: np.ndarray) -> pa.Array:
        return _str(self.party_ids[np.asarray(p, dtype=np.int64)])

    def _scf_party(self, s: dict[str, np.ndarray], lo: int) -> pa.Table:
        p = s["party"].astype(np.int64)
        grp = np.array([self.w.group_id(int(x)) for x in p], dtype=object)
        return _table("scf_party", {**self._common(s), "party_id": self._pid(p),
                                    "name": _str(self.names[p]), "group_id": _opt(grp)})

    def _contract(self, s: dict[str, np.ndarray], lo: int) -> pa.Table:
        g = s["goods"].astype(np.int64)
        return _table("contract", {
            **self._common(s), "contract_id": _str(s["contract_id"]),
            "buyer_id": self._pid(s["buyer"]), "buyer_name": _str(s["buyer_name"]),
            "seller_id": self._pid(s["seller"]), "seller_name": _str(s["seller_name"]),
            "goods": _str(self.goods[g]), "quantity": pa.array(s["quantity"].astype(float)),
            "unit": _str(self.units[g]), "amount": decimal(s["amount"].astype(np.int64)),
            "currency": _str(np.full(len(g), "CNY", dtype=object)),
            "signed_date": _dates(s["signed"]), "delivery_due": _dates(s["due"])})

    def _invoice(self, s: dict[str, np.ndarray], lo: int) -> pa.Table:
        return _table("invoice", {
            **self._common(s), "invoice_code": _opt(s["code"]),
            "invoice_number": _str(s["number"]),
            "seller_id": self._pid(s["seller"]), "seller_name": _str(s["seller_name"]),
            "buyer_id": self._pid(s["buyer"]), "buyer_name": _str(s["buyer_name"]),
            "amount": decimal(s["amount"].astype(np.int64)),
            "tax": decimal(s["tax"].astype(np.int64)), "issue_date": _dates(s["issue"]),
            "contract_id": _opt(s["contract_id"])})

    def _shipment(self, s: dict[str, np.ndarray], lo: int) -> pa.Table:
        g = s["goods"].astype(np.int64)
        return _table("shipment", {
            **self._common(s), "waybill_id": _str(s["waybill_id"]),
            "contract_id": _opt(s["contract_id"]), "goods": _str(self.goods[g]),
            "quantity": pa.array(s["quantity"].astype(float)), "unit": _str(self.units[g]),
            "shipper_id": self._pid(s["shipper"]), "consignee_id": self._pid(s["consignee"]),
            "ship_date": _dates(s["ship"]), "arrival_date": _dates(s["arrival"]),
            "carrier": _str(s["carrier"])})

    def _warehouse_receipt(self, s: dict[str, np.ndarray], lo: int) -> pa.Table:
        g = s["goods"].astype(np.int64)
        return _table("warehouse_receipt", {
            **self._common(s), "receipt_id": _str(s["receipt_id"]),
            "warehouse_id": self._pid(s["warehouse"]), "owner_id": self._pid(s["owner"]),
            "goods": _str(self.goods[g]), "quantity": pa.array(s["quantity"].astype(float)),
            "unit": _str(self.units[g]), "issue_date": _dates(s["issue"])})

    def _payment(self, s: dict[str, np.ndarray], lo: int) -> pa.Table:
        n = len(s["inst"])
        inst, payer = s["inst"].astype(np.int64), s["payer"].astype(np.int64)
        pb, payee = s["payee_bank"].astype(np.int64), s["payee"].astype(np.int64)
        return _table("payment", {
            **self._common(s), "payment_id": _str(fmt("PY", np.arange(lo, lo + n), 11)),
            "payer_id": self._pid(payer), "payer_account": _str(_account(inst, payer)),
            "payee_id": self._pid(payee), "payee_account": _str(_account(pb, payee)),
            "amount": decimal(s["amount"].astype(np.int64)), "value_date": _dates(s["value"]),
            "reference": _opt(s["reference"])})

    def _financing_application(self, s: dict[str, np.ndarray], lo: int) -> pa.Table:
        prod = np.array(PRODUCTS, dtype=object)[s["product"].astype(np.int64)]
        return _table("financing_application", {
            **self._common(s), "application_id": _str(s["application_id"]),
            "applicant_id": self._pid(s["applicant"]),
            "applicant_name": _str(s["applicant_name"]), "product": _str(prod),
            "amount": decimal(s["amount"].astype(np.int64)),
            "application_date": _dates(s["date"]), "loan_id": _opt(s["loan_id"])})

    def _application_document(self, s: dict[str, np.ndarray], lo: int) -> pa.Table:
        t = np.array(DOC_TYPES, dtype=object)[s["doc_type"].astype(np.int64)]
        return _table("application_document", {
            **self._common(s), "application_id": _str(s["application_id"]),
            "document_type": _str(t), "document_id": _str(s["doc_id"])})

    def write_all(self, out: Path, fmt_: str, encoding: str) -> int:
        subs = self.submissions()
        for period, inst in subs:
            day = (EPOCH + dt.timedelta(days=int(period))).isoformat()
            folder = out / "scf" / day / str(self.inst_ids[inst])
            for name, file in FILES.items():
                write(self.table(name, period, inst), folder / file, fmt_, encoding)
        return len(subs)


def _account(bank: np.ndarray, party: np.ndarray) -> np.ndarray:
    """A party's account number at a bank (stable, 17 digits)."""
    return fmt("62", bank * 10**12 + party, 15)
