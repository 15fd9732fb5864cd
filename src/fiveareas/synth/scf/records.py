"""Documents as plain records, and the sink that collects them per institution and period.

Special deals (frauds and hard negatives) are built one by one as records, which keeps each
fraud a readable transformation of an honest deal; the bulk of honest deals is added as numpy
columns in the same layout (`Sink.chunk`), so both end in the same tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

import numpy as np

NONE = -(2**31)
EPOCH = dt.date(1970, 1, 1)
PRODUCTS = ("receivables_financing", "warehouse_receipt_pledge", "order_financing",
            "prepayment_financing")
RECV, PLEDGE, ORDER, PREPAY = range(4)
DOC_TYPES = ("contract", "invoice", "shipment", "warehouse_receipt")

# internal columns per dataset (parties and names as indices and strings, dates as epoch days)
COLUMNS: dict[str, tuple[str, ...]] = {
    "contract": ("inst", "period", "contract_id", "buyer", "buyer_name", "seller", "seller_name",
                 "goods", "quantity", "amount", "signed", "due"),
    "invoice": ("inst", "period", "code", "number", "seller", "seller_name", "buyer",
                "buyer_name", "amount", "tax", "issue", "contract_id"),
    "shipment": ("inst", "period", "waybill_id", "contract_id", "goods", "quantity", "shipper",
                 "consignee", "ship", "arrival", "carrier"),
    "receipt": ("inst", "period", "receipt_id", "warehouse", "owner", "goods", "quantity",
                "issue"),
    "payment": ("inst", "period", "payer", "payee", "payee_bank", "amount", "value",
                "reference"),
    "application": ("inst", "period", "application_id", "applicant", "applicant_name",
                    "product", "amount", "date", "loan_id"),
    "appdoc": ("inst", "period", "application_id", "doc_type", "doc_id"),
}


def days(d: dt.date) -> int:
    return (d - EPOCH).days


@dataclass
class Contract:
    contract_id: str
    seller: int
    buyer: int
    seller_name: str
    buyer_name: str
    goods: int
    quantity: float
    amount: int  # cents
    signed: int
    due: int


@dataclass
class Invoice:
    code: str
    number: str
    seller: int
    buyer: int
    seller_name: str
    buyer_name: str
    amount: int
    tax: int
    issue: int
    contract_id: str

    @property
    def doc_id(self) -> str:
        return self.code + self.number


@dataclass
class Shipment:
    waybill_id: str
    contract_id: str
    goods: int
    quantity: float
    shipper: int
    consignee: int
    ship: int
    arrival: int
    carrier: str


@dataclass
class Receipt:
    receipt_id: str
    warehouse: int
    owner: int
    goods: int
    quantity: float
    issue: int


@dataclass
class Payment:
    payer: int
    payee: int
    amount: int
    value: int
    reference: str
    inst: int = -1  # the payer's bank; -1 = its home bank


@dataclass
class Application:
    application_id: str
    applicant: int
    applicant_name: str
    product: int
    amount: int
    date: int
    loan_id: str
    inst: int


@dataclass
class Deal:
    """One application and the documents the bank holds for it, plus the payments it causes."""

    app: Application
    contract: Contract
    invoices: list[Invoice] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)


class Calendar:
    """The reporting periods: which month end a date is reported in."""

    def __init__(self, periods: list[dt.date]) -> None:
        self.ends = np.array(sorted({days(p) for p in periods}), dtype=np.int64)
        self.starts = np.array([days((EPOCH + dt.timedelta(int(e))).replace(day=1))
                                for e in self.ends], dtype=np.int64)
        self.first, self.last = int(self.starts[0]), int(self.ends[-1])

    def period_of(self, d: np.ndarray | int) -> np.ndarray:
        """The first listed month end on or after `d` (the last one for later dates)."""
        i = np.searchsorted(self.ends, d, side="left")
        return self.ends[np.minimum(i, len(self.ends) - 1)]

    def app_dates(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Application dates, uniform over the listed months."""
        p = rng.integers(0, len(self.ends), size=n)
        span = self.ends[p] - self.starts[p] + 1
        return self.starts[p] + (rng.random(n) * span).astype(np.int64)

    def clamp(self, d: int) -> int:
        """A date moved into the listed months (for dates built from an anchor)."""
        d = min(max(d, self.first), self.last)
        i = int(np.searchsorted(self.ends, d, side="left"))
        return d if d >= self.starts[i] else int(self.starts[i])


class Sink:
    """Collects rows per dataset: records one by one, honest bulk as column chunks."""

    def __init__(self, cal: Calendar, bank: np.ndarray) -> None:
        self.cal = cal
        self.bank = bank
        self.rows: dict[str, list[tuple]] = {k: [] for k in COLUMNS}
        self.chunks: dict[str, list[dict[str, np.ndarray]]] = {k: [] for k in COLUMNS}

    def chunk(self, ds: str, cols: dict[str, np.ndarray]) -> None:
        self.chunks[ds].append({c: np.asarray(cols[c]) for c in COLUMNS[ds]})

    def payment(self, p: Payment) -> None:
        inst = int(self.bank[p.payer]) if p.inst < 0 else p.inst
        self.rows["payment"].append((inst, int(self.cal.period_of(p.value)), p.payer, p.payee,
                                     int(self.bank[p.payee]), p.amount, p.value, p.reference))

    def deal(self, d: Deal) -> None:
        """The application's documents at its bank and period; payments at the payers' banks."""
        a = d.app
        inst, per = a.inst, int(self.cal.period_of(a.date))
        c = d.contract
        self.rows["application"].append((inst, per, a.application_id, a.applicant,
                                         a.applicant_name, a.product, a.amount, a.date,
                                         a.loan_id))
        self.rows["contract"].append((inst, per, c.contract_id, c.buyer, c.buyer_name, c.seller,
                                      c.seller_name, c.goods, c.quantity, c.amount, c.signed,
                                      c.due))
        links = [(0, c.contract_id)]
        for v in d.invoices:
            self.rows["invoice"].append((inst, per, v.code, v.number, v.seller, v.seller_name,
                                         v.buyer, v.buyer_name, v.amount, v.tax, v.issue,
                                         v.contract_id))
            links.append((1, v.doc_id))
        for s in d.shipments:
            self.rows["shipment"].append((inst, per, s.waybill_id, s.contract_id, s.goods,
                                          s.quantity, s.shipper, s.consignee, s.ship, s.arrival,
                                          s.carrier))
            links.append((2, s.waybill_id))
        for r in d.receipts:
            self.rows["receipt"].append((inst, per, r.receipt_id, r.warehouse, r.owner, r.goods,
                                         r.quantity, r.issue))
            links.append((3, r.receipt_id))
        for t, doc in links:
            self.rows["appdoc"].append((inst, per, a.application_id, t, doc))
        for p in d.payments:
            self.payment(p)

    def columns(self, ds: str) -> dict[str, np.ndarray]:
        """All rows of a dataset as columns (records first, then the bulk chunks)."""
        names = COLUMNS[ds]
        parts = list(self.chunks[ds])
        if self.rows[ds]:
            cols = list(zip(*self.rows[ds], strict=True))
            parts.insert(0, {n: np.array(cols[i], dtype=_dtype(parts, n, cols[i]))
                             for i, n in enumerate(names)})
        if not parts:
            return {n: np.array([], dtype=object) for n in names}
        return {n: np.concatenate([p[n] for p in parts]) for n in names}


def _dtype(parts: list[dict[str, np.ndarray]], name: str, values: tuple) -> type | str:
    if isinstance(values[0], str):
        return object
    if parts:
        return parts[0][name].dtype
    return float if isinstance(values[0], float) else np.int64


def copy(rec):  # type: ignore[no-untyped-def]
    """A shallow copy of a record dataclass."""
    return type(rec)(**{f.name: getattr(rec, f.name) for f in fields(rec)})
