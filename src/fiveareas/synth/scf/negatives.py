"""Hard negatives: honest deals that look like frauds to a check that matches on too little.

Each maker adds its deals to the sink and returns how many applications it made; they count as
honest deals. Inside-tolerance probes stay strictly inside the defaults of
docs/supply-chain.md (amount +1%, quantity 2%, date slack 0, payment window 30 days).
"""

from __future__ import annotations

import numpy as np

from fiveareas.synth.scf.deals import Ctx, honest, terms
from fiveareas.synth.scf.disguise import name_variant
from fiveareas.synth.scf.frauds import legs, other_party, pair, supplier_pair, when
from fiveareas.synth.scf.records import ORDER, PLEDGE, PREPAY, RECV, Deal, Payment
from fiveareas.synth.scf.world import GOODS


def standing_orders(ctx: Ctx, n: int) -> list[Deal]:
    """Same seller, buyer, goods, quantity and amount every listed month: real deals each."""
    out = []
    for _ in range(n):
        s, b, g = pair(ctx)
        qty, amount = terms(ctx.rng, g)
        inst = ctx.bank_for(s)
        day = int(ctx.rng.integers(0, 20))
        for start in ctx.cal.starts:
            d = honest(ctx, RECV, s, b, g, int(start) + day + 5, inst, qty=qty, amount=amount,
                       n_inv=1, n_ship=1)
            out.append(d)
    return out


def framework(ctx: Ctx, n: int) -> list[Deal]:
    """One framework contract drawn on at two banks against different invoices, together
    within the contract amount (both rest on all the contract's shipments)."""
    out: list[Deal] = []
    if ctx.n_inst < 2:
        return out
    for _ in range(n):
        s, b, g = pair(ctx)
        first = honest(ctx, RECV, s, b, g, when(ctx), ctx.bank_for(s), n_inv=2, n_ship=2,
                       inv_factor=float(ctx.rng.uniform(0.3, 0.5)))
        date = ctx.cal.clamp(first.app.date + int(ctx.rng.integers(3, 40)))
        second = honest(ctx, RECV, s, b, g, date, ctx.other_bank({first.app.inst}),
                        n_inv=2, n_ship=1, inv_factor=float(ctx.rng.uniform(0.3, 0.5)),
                        signed=first.contract.signed, qty=first.contract.quantity,
                        amount=first.contract.amount)
        second.contract = first.contract
        second.shipments = first.shipments
        second.payments = []
        for v in second.invoices:
            v.contract_id = first.contract.contract_id
            v.issue = max(v.issue, first.contract.signed)
        out += [first, second]
    return out


def name_variants(ctx: Ctx, n: int) -> list[Deal]:
    """The same seller at two banks, its name written differently at the second."""
    out: list[Deal] = []
    if ctx.n_inst < 2:
        return out
    for i in range(n):
        s, b, g = pair(ctx)
        a = honest(ctx, RECV, s, b, g, when(ctx), ctx.bank_for(s), n_inv=1, n_ship=1)
        c = honest(ctx, RECV, s, b, g, when(ctx), ctx.other_bank({a.app.inst}), n_inv=1,
                   n_ship=1)
        nm = name_variant(ctx.rng, ctx.w.names[s], i % 4)
        c.contract.seller_name = c.app.applicant_name = nm
        for v in c.invoices:
            v.seller_name = nm
        out += [a, c]
    return out


def inside_tolerance(ctx: Ctx, n: int) -> list[Deal]:
    """Amounts +0.2-0.8%, quantities 0.5-1.5% off, documents on the signing day, payments late
    in the window: each strictly inside its tolerance."""
    out = []
    for i in range(n):
        s, b, g = pair(ctx)
        kind = i % 4
        kw: dict = {"n_inv": int(ctx.rng.integers(1, 4)), "n_ship": int(ctx.rng.integers(1, 4))}
        if kind == 0:
            kw["inv_factor"] = float(ctx.rng.uniform(1.002, 1.008))
        elif kind == 1:
            off = float(ctx.rng.uniform(0.005, 0.015))
            kw["qty_factor"] = 1 + off if ctx.rng.random() < 0.5 else 1 - off
        elif kind == 2:
            kw["on_signing"] = True
        else:
            kw["late_pay"] = True
        out.append(honest(ctx, RECV, s, b, g, when(ctx), ctx.bank_for(s), **kw))
    return out


def successive_receipts(ctx: Ctx, n: int) -> list[Deal]:
    """2-3 receipts for the same owner, goods and warehouse, at different dates and quantities,
    each pledged."""
    out: list[Deal] = []
    for _ in range(n):
        s, b, g = pair(ctx)
        wh = None
        date = when(ctx)
        for _k in range(int(ctx.rng.integers(2, 4))):
            d = honest(ctx, PLEDGE, s, b, g, date, ctx.bank_for(b))
            wh = d.receipts[0].warehouse if wh is None else wh
            d.receipts[0].warehouse = wh
            out.append(d)
            date = ctx.cal.clamp(date + int(ctx.rng.integers(15, 45)))
    return out


def open_chains(ctx: Ctx, n: int) -> list[Deal]:
    """Related parties trading the same goods along a path that does not close."""
    out: list[Deal] = []
    w = ctx.w
    fits = [grp for grp in w.groups if len(grp) >= 3]
    for i in range(n):
        grp = fits[int(ctx.rng.integers(0, len(fits)))]
        k = min(len(grp), 3 + i % 2)
        members = [int(x) for x in ctx.rng.choice(grp, k, replace=False)]
        out += legs(ctx, members, int(ctx.rng.integers(0, len(GOODS))), False, (1, 15),
                    (1.03, 1.10))
    return out


def slow_loops(ctx: Ctx, n: int) -> list[Deal]:
    """Unrelated parties whose trades close a loop over months, each leg different goods."""
    out: list[Deal] = []
    for _ in range(n):
        a, _b, g = pair(ctx)
        b = other_party(ctx, [a])
        c = other_party(ctx, [a, b])
        out += legs(ctx, [a, b, c], g, True, (40, 90), (0.6, 1.5), vary_goods=True)
    return out


def supplier_paybacks(ctx: Ctx, n: int) -> list[Deal]:
    """Honest prepayments whose supplier pays its own supplier, and later pays the borrower's
    group for a real sale: a small amount within the trace window or a large one after it."""
    rng, w = ctx.rng, ctx.w
    out: list[Deal] = []
    for i in range(n):
        s, b, g = supplier_pair(ctx)
        d = honest(ctx, PREPAY, s, b, g, when(ctx), ctx.bank_for(b))
        dis = d.payments[0]
        grp = w.groups[int(w.group[b])] if w.group[b] >= 0 else np.array([b])
        up = other_party(ctx, [s, b, *grp.tolist()])
        d.payments.append(Payment(s, up, int(dis.amount * rng.uniform(0.5, 0.9)),
                                  dis.value + int(rng.integers(1, 10)), "采购货款"))
        target = int(grp[rng.integers(0, len(grp))])
        sale = ctx.num.one("contracts")
        if i % 2 == 0:
            amt, late = int(dis.amount * rng.uniform(0.05, 0.2)), int(rng.integers(1, 20))
        else:
            amt, late = int(dis.amount * rng.uniform(0.7, 1.0)), int(rng.integers(35, 80))
        d.payments.append(Payment(s, target, amt, dis.value + late, f"合同 {sale} 货款"))
        out.append(d)
    return out


def order_deals(ctx: Ctx, n: int) -> list[Deal]:
    """Plain order-financing deals, so every product appears among the records too."""
    out = []
    for _ in range(n):
        s, b, g = pair(ctx)
        out.append(honest(ctx, ORDER, s, b, g, when(ctx), ctx.bank_for(s)))
    return out


MAKERS = {"standing_orders": standing_orders, "framework_contract": framework,
          "name_variant": name_variants, "inside_tolerance": inside_tolerance,
          "successive_receipts": successive_receipts, "open_chain": open_chains,
          "slow_loop": slow_loops, "supplier_payback": supplier_paybacks,
          "order": order_deals}
