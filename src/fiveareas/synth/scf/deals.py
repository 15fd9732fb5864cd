"""Honest deals: one at a time as records (for frauds and hard negatives to transform), and in
bulk as numpy columns (the benchmark's hundreds of thousands)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fiveareas.synth.scf.disguise import Numbers
from fiveareas.synth.scf.records import (
    ORDER,
    PLEDGE,
    PREPAY,
    RECV,
    Application,
    Calendar,
    Contract,
    Deal,
    Invoice,
    Payment,
    Receipt,
    Shipment,
    Sink,
)
from fiveareas.synth.scf.world import GOODS, SERVICE, TIER2, WAREHOUSE, World

TAX = 0.13
WINDOW = 30  # payment_window_days of the tolerances
_REF = ("合同 {} 货款", "payment for contract {}", "{} 预付款", "合同{}结算款")


@dataclass
class Ctx:
    rng: np.random.Generator
    w: World
    num: Numbers
    cal: Calendar
    sink: Sink
    n_inst: int
    # suppliers whose incoming proceeds are a labelled round trip: no other prepayment pays
    # them, so the money they send on is that loan's alone
    reserved: set[int] = field(default_factory=set)

    def bank_for(self, applicant: int) -> int:
        """Mostly the applicant's own bank, sometimes another."""
        if self.rng.random() < 0.7:
            return int(self.w.bank[applicant])
        return int(self.rng.integers(0, self.n_inst))

    def other_bank(self, not_these: set[int]) -> int:
        free = [i for i in range(self.n_inst) if i not in not_these]
        return int(free[int(self.rng.integers(0, len(free)))])

    def ref(self, contract_id: str) -> str:
        return _REF[int(self.rng.integers(0, len(_REF)))].format(contract_id)


def _split(rng: np.random.Generator, total: int, k: int) -> list[int]:
    """`total` cents in k positive parts."""
    w = rng.random(k) + 0.5
    parts = np.floor(total * w / w.sum()).astype(np.int64)
    parts[-1] = total - parts[:-1].sum()
    return [int(x) for x in parts]


def _split_qty(rng: np.random.Generator, qty: float, k: int, dec: int) -> list[float]:
    w = rng.random(k) + 0.5
    parts = [round(float(x), dec) for x in qty * w / w.sum()]
    parts[-1] = round(qty - sum(parts[:-1]), dec)
    return parts


def terms(rng: np.random.Generator, goods: int) -> tuple[float, int]:
    """Quantity and amount (cents) of a contract for these goods."""
    _, _, pmin, pmax, qmin, qmax, dec = GOODS[goods]
    qty = round(float(rng.uniform(qmin, qmax)), dec)
    return qty, int(round(qty * rng.integers(pmin, pmax)))


def honest(ctx: Ctx, product: int, seller: int, buyer: int, goods: int, app_date: int,
           inst: int, *, n_inv: int = 1, n_ship: int = 1, qty: float | None = None,
           amount: int | None = None, signed: int | None = None, inv_factor: float = 1.0,
           qty_factor: float = 1.0, on_signing: bool = False, late_pay: bool = False,
           pay: bool = True, granted: bool | None = None) -> Deal:
    """One honest deal and its application; the keyword knobs make tolerance probes and frauds.

    `inv_factor`/`qty_factor` scale the invoiced total and the shipped quantity against the
    contract, `on_signing` dates every document on the signing day, `late_pay` pays only near
    the end of the payment window, `pay=False` leaves the money flow out.
    """
    rng, w, num = ctx.rng, ctx.w, ctx.num
    q0, a0 = terms(rng, goods)
    qty = q0 if qty is None else qty
    amount = a0 if amount is None else amount
    dec = GOODS[goods][6]
    if signed is None:
        lead = {RECV: (20, 60), ORDER: (1, 10), PREPAY: (1, 10), PLEDGE: (15, 40)}[product]
        signed = app_date - int(rng.integers(*lead))
    cid = num.one("contracts")
    names = w.names
    c = Contract(cid, seller, buyer, names[seller], names[buyer], goods, qty, amount, signed,
                 signed + int(rng.integers(10, 60)))
    applicant = buyer if product in (PLEDGE, PREPAY) else seller
    granted = (product == PREPAY or rng.random() < 0.8) if granted is None else granted
    d = Deal(Application(num.one("apps"), applicant, names[applicant], product, 0, app_date,
                         num.one("loans") if granted else "", inst), c)
    span = max(app_date - signed, 1)

    def when() -> int:
        return signed if on_signing else signed + int(rng.integers(0, span))

    if product in (RECV, PLEDGE):
        n_ship = max(n_ship, 0) if product == RECV else 1
        for q in _split_qty(rng, round(qty * qty_factor, dec), n_ship, dec) if n_ship else []:
            ship = when() if product == RECV else signed + int(rng.integers(0, max(span - 6, 1)))
            arr = ship + int(rng.integers(0, 5))
            d.shipments.append(Shipment(num.one("waybills"), cid, goods, q, seller, buyer, ship,
                                        arr, w.carriers[int(rng.integers(0, len(w.carriers)))]))
    if product == RECV:
        digital = rng.random() < 0.4
        total = int(round(amount * inv_factor))
        for part in _split(rng, total, n_inv):
            code, no = num.invoices(1, np.array([digital]))
            d.invoices.append(Invoice(str(code[0]), str(no[0]), seller, buyer, names[seller],
                                      names[buyer], part, int(round(part * TAX)), when(), cid))
        d.app.amount = int(total * rng.uniform(0.7, 0.9))
    elif product == PLEDGE:
        wh = w.members[WAREHOUSE]
        s = d.shipments[0]
        d.receipts.append(Receipt(num.one("receipts"), int(wh[rng.integers(0, len(wh))]), buyer,
                                  goods, s.quantity, max(s.arrival, s.ship)))
        d.app.amount = int(amount * rng.uniform(0.5, 0.7))
    else:
        d.app.amount = int(amount * rng.uniform(0.5, 0.9))
    if product == PREPAY:
        d.payments.append(Payment(buyer, seller, d.app.amount,
                                  app_date + int(rng.integers(0, 3)),
                                  f"贷款 {d.app.loan_id} 受托支付 合同 {cid}", inst))
    elif pay:
        k = 1 + min(int(rng.poisson(1.0)), 3)
        paid = _split(rng, int(amount * rng.uniform(0.2, 1.0)), k)
        for part in paid:
            if late_pay:
                v = app_date + int(rng.integers(WINDOW - 5, WINDOW))
            else:
                v = signed + int(rng.integers(0, app_date + WINDOW - signed))
            d.payments.append(Payment(buyer, seller, part, v, ctx.ref(cid)))
    return d


def _split_many(rng: np.random.Generator, totals: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Vectorised _split: k[i] positive parts of totals[i], in deal order."""
    owner = np.repeat(np.arange(len(k)), k)
    wts = rng.random(len(owner)) + 0.5
    start = np.concatenate([[0], np.cumsum(k)[:-1]])
    sums = np.add.reduceat(wts, start)
    parts = np.floor(totals[owner] * wts / sums[owner]).astype(np.int64)
    last = start + k - 1
    parts[last] += totals - np.add.reduceat(parts, start)
    return parts


def bulk(ctx: Ctx, n: int) -> None:
    """`n` honest applications as columns, plus the background payments of their parties."""
    from fiveareas.synth.scf.world import pick_pairs

    rng, w, num, cal, sink = ctx.rng, ctx.w, ctx.num, ctx.cal, ctx.sink
    if n <= 0:
        return
    product = rng.choice(4, size=n, p=[0.6, 0.15, 0.12, 0.13])
    seller, buyer, goods = pick_pairs(rng, w, n)
    # prepayment borrowers without a group: the seller's own trade then never pays back into
    # the borrower's group, so honest proceeds never look round-tripped
    product[(product == PREPAY) & (w.group[buyer] >= 0)] = ORDER
    reserved = np.array(sorted(ctx.reserved), dtype=np.int64)
    product[(product == PREPAY) & np.isin(seller, reserved)] = ORDER
    app = cal.app_dates(rng, n)
    g = np.array(GOODS, dtype=object)
    pmin, pmax = g[goods, 2].astype(np.int64), g[goods, 3].astype(np.int64)
    qmin, qmax = g[goods, 4].astype(float), g[goods, 5].astype(float)
    dec = g[goods, 6].astype(np.int64)
    scale = 10.0 ** dec
    qty = np.round((qmin + rng.random(n) * (qmax - qmin)) * scale) / scale
    amount = np.round(qty * (pmin + (rng.random(n) * (pmax - pmin)).astype(np.int64))).astype(
        np.int64)
    # signing date backwards from the application, as in `honest`
    lo = np.select([product == RECV, product == PLEDGE], [20, 15], 1)
    hi = np.select([product == RECV, product == PLEDGE], [60, 40], 10)
    signed = app - (lo + rng.random(n) * (hi - lo)).astype(np.int64)
    span = np.maximum(app - signed, 1)
    cid = num.contracts(n)
    applicant = np.where((product == PLEDGE) | (product == PREPAY), buyer, seller)
    inst = np.where(rng.random(n) < 0.7, w.bank[applicant], rng.integers(0, ctx.n_inst, n))
    per = cal.period_of(app)
    names = np.array(w.names, dtype=object)
    granted = (product == PREPAY) | (rng.random(n) < 0.8)
    aid = num.apps(n)
    loan = np.where(granted, num.loans(n), "").astype(object)
    sink.chunk("contract", dict(inst=inst, period=per, contract_id=cid, buyer=buyer,
                                buyer_name=names[buyer], seller=seller, seller_name=names[seller],
                                goods=goods, quantity=qty, amount=amount, signed=signed,
                                due=signed + rng.integers(10, 60, n)))
    links = [(np.arange(n), np.zeros(n, dtype=np.int64), cid)]
    # invoices (receivables only)
    recv = np.flatnonzero(product == RECV)
    k = 1 + np.minimum(rng.poisson(8.0, len(recv)), 19)
    o = np.repeat(recv, k)
    code, number = num.invoices(len(o), np.repeat(rng.random(len(recv)) < 0.4, k))
    inv_amt = _split_many(rng, amount[recv], k)
    sink.chunk("invoice", dict(inst=inst[o], period=per[o], code=code, number=number,
                               seller=seller[o], seller_name=names[seller[o]], buyer=buyer[o],
                               buyer_name=names[buyer[o]], amount=inv_amt,
                               tax=np.round(inv_amt * TAX).astype(np.int64),
                               issue=signed[o] + (rng.random(len(o)) * span[o]).astype(np.int64),
                               contract_id=cid[o]))
    links.append((o, np.ones(len(o), dtype=np.int64), np.char.add(
        code.astype(str), number.astype(str)).astype(object)))
    # shipments (receivables: several; pledge: one, into the warehouse)
    ks = np.where(product == RECV, 1 + np.minimum(rng.poisson(7.0, n), 19),
                  (product == PLEDGE).astype(np.int64))
    o = np.repeat(np.arange(n), ks)
    qcents = _split_many(rng, np.round(qty * scale).astype(np.int64)[ks > 0], ks[ks > 0])
    sq = qcents / scale[o]
    ship = signed[o] + (rng.random(len(o)) * np.maximum(span[o] - 6, 1)).astype(np.int64)
    arrival = ship + rng.integers(0, 5, len(o))
    wb = num.waybills(len(o))
    sink.chunk("shipment", dict(inst=inst[o], period=per[o], waybill_id=wb, contract_id=cid[o],
                                goods=goods[o], quantity=sq, shipper=seller[o],
                                consignee=buyer[o], ship=ship, arrival=arrival,
                                carrier=np.array(w.carriers, dtype=object)[
                                    rng.integers(0, len(w.carriers), len(o))]))
    links.append((o, np.full(len(o), 2), wb))
    # warehouse receipts: the pledge's single shipment, received on arrival
    pl = np.flatnonzero(product == PLEDGE)
    first = np.concatenate([[0], np.cumsum(ks)[:-1]])[pl]
    wh = w.members[WAREHOUSE]
    rid = num.receipts(len(pl))
    sink.chunk("receipt", dict(inst=inst[pl], period=per[pl], receipt_id=rid,
                               warehouse=wh[rng.integers(0, len(wh), len(pl))], owner=buyer[pl],
                               goods=goods[pl], quantity=sq[first], issue=arrival[first]))
    links.append((pl, np.full(len(pl), 3), rid))
    app_amt = np.round(np.select(
        [product == RECV, product == PLEDGE],
        [amount * rng.uniform(0.7, 0.9, n), amount * rng.uniform(0.5, 0.7, n)],
        amount * rng.uniform(0.5, 0.9, n))).astype(np.int64)
    sink.chunk("application", dict(inst=inst, period=per, application_id=aid,
                                   applicant=applicant, applicant_name=names[applicant],
                                   product=product, amount=app_amt, date=app, loan_id=loan))
    o = np.concatenate([x[0] for x in links])
    sink.chunk("appdoc", dict(inst=inst[o], period=per[o], application_id=aid[o],
                              doc_type=np.concatenate([x[1] for x in links]),
                              doc_id=np.concatenate([x[2] for x in links])))
    _bulk_payments(ctx, product, seller, buyer, amount, app_amt, signed, app, inst, cid, loan)


def _bulk_payments(ctx: Ctx, product: np.ndarray, seller: np.ndarray, buyer: np.ndarray,
                   amount: np.ndarray, app_amt: np.ndarray, signed: np.ndarray, app: np.ndarray,
                   inst: np.ndarray, cid: np.ndarray, loan: np.ndarray) -> None:
    """Buyer-to-seller payments, prepayment disbursements and the seller's onward payments, and
    background payments to service providers (which never trade)."""
    rng, w, cal, sink = ctx.rng, ctx.w, ctx.cal, ctx.sink
    n = len(product)
    pre = np.flatnonzero(product == PREPAY)
    tr = np.flatnonzero(product != PREPAY)
    k = 1 + np.minimum(rng.poisson(1.5, len(tr)), 3)
    o = np.repeat(tr, k)
    amt = _split_many(rng, np.round(amount[tr] * rng.uniform(0.2, 1.0, len(tr))).astype(
        np.int64), k)
    val = signed[o] + (rng.random(len(o)) * (app[o] + WINDOW - signed[o])).astype(np.int64)
    c = cid[o].astype(str)
    forms = np.stack([np.char.add(np.char.add("合同 ", c), " 货款"),
                      np.char.add("payment for contract ", c), np.char.add(c, " 预付款"),
                      np.char.add(np.char.add("合同", c), "结算款")])
    ref = forms[rng.integers(0, len(_REF), len(o)), np.arange(len(o))].astype(object)
    payer, payee, pinst = [buyer[o]], [seller[o]], [w.bank[buyer[o]]]
    amts, vals, rfs = [amt], [val], [ref]
    # disbursement from the borrower's loan account at the lending bank, to the seller
    dv = app[pre] + rng.integers(0, 3, len(pre))
    payer.append(buyer[pre])
    payee.append(seller[pre])
    pinst.append(inst[pre])
    amts.append(app_amt[pre])
    vals.append(dv)
    rfs.append(np.array([f"贷款 {a} 受托支付 合同 {c}" for a, c in
                         zip(loan[pre], cid[pre], strict=True)], dtype=object))
    # the seller pays its own suppliers (not the borrower's group) within days
    up = _upstream(rng, w, buyer[pre], seller[pre])
    payer.append(seller[pre])
    payee.append(up)
    pinst.append(w.bank[seller[pre]])
    amts.append(np.round(app_amt[pre] * rng.uniform(0.5, 0.9, len(pre))).astype(np.int64))
    vals.append(dv + rng.integers(1, 10, len(pre)))
    rfs.append(np.full(len(pre), "采购货款", dtype=object))
    # background: rent, power, services paid to providers that never trade
    m = int(n * 2.6)
    src = np.concatenate([seller, buyer])[rng.integers(0, 2 * n, m)]
    srv = w.members[SERVICE]
    payer.append(src)
    payee.append(srv[rng.integers(0, len(srv), m)])
    pinst.append(w.bank[src])
    amts.append(rng.integers(50_000, 50_000_000, m))
    vals.append(cal.first + rng.integers(0, cal.last - cal.first + 1, m))
    rfs.append(np.array(["物业费", "电费", "服务费", "房租", "信息服务费", "运费"], dtype=object)[
        rng.integers(0, 6, m)])
    payer_a, payee_a, val_a = (np.concatenate(x) for x in (payer, payee, vals))
    sink.chunk("payment", dict(inst=np.concatenate(pinst), period=cal.period_of(val_a),
                               payer=payer_a, payee=payee_a, payee_bank=w.bank[payee_a],
                               amount=np.concatenate(amts), value=val_a,
                               reference=np.concatenate(rfs)))


def _upstream(rng: np.random.Generator, w: World, borrower: np.ndarray,
              seller: np.ndarray) -> np.ndarray:
    """A supplier's own supplier: a trader outside the borrower's group (else a provider)."""
    traders = w.members[TIER2]  # never a tier-1 seller, whose incoming payments must stay clean
    up = traders[rng.integers(0, len(traders), len(borrower))]
    related = (w.group[up] == w.group[borrower]) & (w.group[up] >= 0)
    clash = (up == borrower) | (up == seller) | related
    srv = w.members[SERVICE]
    return np.where(clash, srv[rng.integers(0, len(srv), len(borrower))], up)
