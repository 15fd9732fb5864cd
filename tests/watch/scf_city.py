"""Hand-made SCF document sets: a tiny city written as template-typed Parquet files."""

from __future__ import annotations

import zlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from fiveareas.model.template import template
from fiveareas.watch.scf import DATASETS, open_documents

PERIOD = date(2026, 6, 30)
D0 = date(2026, 3, 2)


def _money(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


def day(n: int) -> date:
    """The fixture calendar: day n after D0."""
    return D0 + timedelta(days=n)


class City:
    """Accumulates rows per dataset; write() gives the paths open_documents takes."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._n = 0

    def _add(self, ds: str, inst: str, **row: Any) -> None:
        self.rows[ds].append({"period": PERIOD, "institution_id": inst, **row})

    def party(self, inst: str, pid: str, name: str = "", group: str | None = None) -> None:
        self._add("scf_party", inst, party_id=pid, name=name or pid, group_id=group)

    def contract(
        self,
        inst: str,
        cid: str,
        seller: str,
        buyer: str,
        amount: float,
        qty: float,
        signed: date,
        goods: str = "steel coil",
        **names: str,
    ) -> None:
        self._add(
            "contract",
            inst,
            contract_id=cid,
            seller_id=seller,
            buyer_id=buyer,
            seller_name=names.get("seller_name", seller + " 有限公司"),
            buyer_name=names.get("buyer_name", buyer + " 有限公司"),
            goods=goods,
            quantity=float(qty),
            unit="t",
            amount=_money(amount),
            currency="CNY",
            signed_date=signed,
            delivery_due=signed + timedelta(days=60),
        )

    def invoice(
        self,
        inst: str,
        code: str,
        number: str,
        seller: str,
        buyer: str,
        amount: float,
        issue: date,
        contract_id: str | None,
        seller_name: str | None = None,
        buyer_name: str | None = None,
    ) -> str:
        self._add(
            "invoice",
            inst,
            invoice_code=code,
            invoice_number=number,
            seller_id=seller,
            seller_name=seller_name or f"上海{seller}贸易有限公司",
            buyer_id=buyer,
            buyer_name=buyer_name or f"{buyer}实业股份有限公司",
            amount=_money(amount),
            tax=_money(amount * 0.13),
            issue_date=issue,
            contract_id=contract_id,
        )
        return code + number

    def shipment(
        self,
        inst: str,
        wid: str,
        contract_id: str,
        shipper: str,
        consignee: str,
        qty: float,
        ship: date,
        arrival: date | None = None,
        goods: str = "steel coil",
    ) -> None:
        self._add(
            "shipment",
            inst,
            waybill_id=wid,
            contract_id=contract_id,
            goods=goods,
            quantity=float(qty),
            unit="t",
            shipper_id=shipper,
            consignee_id=consignee,
            ship_date=ship,
            arrival_date=arrival,
            carrier="顺丰物流",
        )

    def receipt(
        self,
        inst: str,
        rid: str,
        warehouse: str,
        owner: str,
        qty: float,
        issue: date,
        goods: str = "steel coil",
    ) -> None:
        self._add(
            "warehouse_receipt",
            inst,
            receipt_id=rid,
            warehouse_id=warehouse,
            owner_id=owner,
            goods=goods,
            quantity=float(qty),
            unit="t",
            issue_date=issue,
        )

    def payment(
        self, inst: str, payer: str, payee: str, amount: float, value: date, reference: str = ""
    ) -> str:
        self._n += 1
        pid = f"P{self._n:05d}"
        self._add(
            "payment",
            inst,
            payment_id=pid,
            payer_id=payer,
            payer_account="A" + payer,
            payee_id=payee,
            payee_account="A" + payee,
            amount=_money(amount),
            value_date=value,
            reference=reference,
        )
        return pid

    def application(
        self,
        inst: str,
        app: str,
        applicant: str,
        product: str,
        amount: float,
        applied: date,
        docs: list[tuple[str, str]],
        loan_id: str | None = None,
    ) -> None:
        self._add(
            "financing_application",
            inst,
            application_id=app,
            applicant_id=applicant,
            applicant_name=applicant,
            product=product,
            amount=_money(amount),
            application_date=applied,
            loan_id=loan_id,
        )
        for kind, doc in docs:
            self._add(
                "application_document",
                inst,
                application_id=app,
                document_type=kind,
                document_id=doc,
            )

    def deal(
        self,
        inst: str,
        app: str,
        *,
        seller: str = "S1",
        buyer: str = "B1",
        amount: float = 100_000.0,
        qty: float = 100.0,
        signed: date = D0,
        cid: str | None = None,
        number: str | None = None,
        code: str = "3100261130",
        inv_amount: float | None = None,
        inv_date: date | None = None,
        ship_qty: float | None = None,
        ship_date: date | None = None,
        pay_date: date | None = None,
        pay: bool = True,
        ship: bool = True,
        applied: date | None = None,
        seller_name: str | None = None,
        buyer_name: str | None = None,
    ) -> str:
        """An honest receivables deal financed at inst; keyword overrides inject faults."""
        cid = cid or f"C-{app}"
        self.contract(inst, cid, seller, buyer, amount, qty, signed)
        number = number or f"{zlib.crc32(app.encode()) % 10**8:08d}"
        inv = self.invoice(
            inst,
            code,
            number,
            seller,
            buyer,
            amount if inv_amount is None else inv_amount,
            inv_date or signed + timedelta(days=5),
            cid,
            seller_name,
            buyer_name,
        )
        docs = [("contract", cid), ("invoice", inv)]
        if ship:
            wid = f"W-{app}"
            self.shipment(
                inst,
                wid,
                cid,
                seller,
                buyer,
                qty if ship_qty is None else ship_qty,
                ship_date or signed + timedelta(days=3),
                (ship_date or signed + timedelta(days=3)) + timedelta(days=2),
            )
            docs.append(("shipment", wid))
        if pay:
            self.payment(
                inst,
                buyer,
                seller,
                amount * 0.3,
                pay_date or signed + timedelta(days=1),
                f"deposit {cid}",
            )
        self.application(
            inst,
            app,
            seller,
            "receivables_financing",
            amount * 0.8,
            applied or signed + timedelta(days=10),
            docs,
        )
        return inv

    def disguised_duplicate(self, buyer_name: str = "（上海）B2实业公司") -> None:
        """BK1-A1's receivable financed again at BK3 (BK3-A9): one digit of the invoice
        number altered and the parties' names written differently."""
        self.deal("BK1", "BK1-A1", seller="S2", buyer="B2", number="22223333")
        self.deal("BK3", "BK3-A9", seller="S2", buyer="B2", number="22223383", cid="C-BK1-A1",
                  seller_name="S2贸易有限责任公司", buyer_name=buyer_name)

    def write(self, root: Path) -> dict[str, list[Path]]:
        paths: dict[str, list[Path]] = {}
        for ds in DATASETS:
            if not self.rows.get(ds):
                paths[ds] = []
                continue
            schema = template()[ds].arrow_schema()
            rows = [{f.name: r.get(f.name) for f in schema} for r in self.rows[ds]]
            path = root / f"{ds}.parquet"
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
            paths[ds] = [path]
        return paths

    def open(self, root: Path) -> duckdb.DuckDBPyConnection:
        return open_documents(self.write(root))
