"""One function per check: labelled fraud cases, each a transformation of honest deals.

Every function returns its cases as (variant, deals); the deals are already in the sink. The
duplicates' paperwork stays internally four-flow consistent, as a fraudster's would, so a case
is caught only by the check it is labelled for.
"""

from __future__ import annotations

import numpy as np

from fiveareas.synth.scf.deals import Ctx, honest, terms
from fiveareas.synth.scf.disguise import name_variant
from fiveareas.synth.scf.records import (
    PLEDGE,
    PREPAY,
    RECV,
    Application,
    Deal,
    Invoice,
    Payment,
    copy,
)
from fiveareas.synth.scf.world import BUYER, GOODS, LEADER, TIER1, TIER2, pick_pairs

VARIANTS = {
    "four_flow": ("no_shipment", "no_payment", "amount_mismatch", "quantity_mismatch",
                  "party_mismatch", "date_mismatch"),
    "duplicate_financing": ("exact", "altered_number", "split_amount", "name_variant"),
    "double_pledge": ("exact", "altered_id"),
    "circular_trade": ("ring",),
    "proceeds_round_trip": ("direct", "via_intermediary"),
}
Case = tuple[str, list[Deal]]
_PLEDGE_FITS = ("no_payment", "quantity_mismatch", "party_mismatch", "date_mismatch")


def pair(ctx: Ctx) -> tuple[int, int, int]:
    s, b, g = pick_pairs(ctx.rng, ctx.w, 1)
    return int(s[0]), int(b[0]), int(g[0])


def when(ctx: Ctx) -> int:
    return int(ctx.cal.app_dates(ctx.rng, 1)[0])


def other_party(ctx: Ctx, avoid: list[int]) -> int:
    """A trader unrelated to `avoid` (a wrong consignee, an intermediary)."""
    w, rng = ctx.w, ctx.rng
    groups = {int(w.group[a]) for a in avoid if w.group[a] >= 0}
    pool = np.concatenate([w.members[TIER2], w.members[BUYER]])
    while True:
        p = int(pool[rng.integers(0, len(pool))])
        if p not in avoid and int(w.group[p]) not in groups:
            return p


def four_flow(ctx: Ctx, n: int) -> list[Case]:
    """Receivables (and, where the flow exists, warehouse-receipt pledge) applications with one
    flow broken clearly beyond the tolerances."""
    rng, w = ctx.rng, ctx.w
    out: list[Case] = []
    for i in range(n):
        v = VARIANTS["four_flow"][i % 6]
        s, b, g = pair(ctx)
        if v == "no_payment":  # a cross-chain pair: nobody else ever pays between them
            t1 = w.members[TIER1]
            s = int(t1[rng.integers(0, len(t1))])
            b = int(w.members[LEADER][rng.integers(0, len(w.members[LEADER]))])
            while w.chain[b] == w.chain[s]:
                b = int(w.members[LEADER][rng.integers(0, len(w.members[LEADER]))])
        # every second round of the flows a pledge also has is made on a warehouse receipt
        pledge = v in _PLEDGE_FITS and (i // 6) % 2 == 1
        on_invoices = (i // 12) % 2 == 0 and not pledge  # which document breaks, alternately
        kw: dict = {"n_inv": int(rng.integers(1, 4)), "n_ship": int(rng.integers(1, 4))}
        if v == "no_shipment":
            kw["n_ship"] = 0
        elif v == "no_payment":
            kw["pay"] = False
        elif v == "amount_mismatch":
            kw["inv_factor"] = float(rng.uniform(1.05, 1.30))
        elif v == "quantity_mismatch":
            kw["qty_factor"] = float(rng.uniform(0.70, 0.95) if rng.random() < 0.5
                                     else rng.uniform(1.05, 1.30))
        product, applicant = (PLEDGE, b) if pledge else (RECV, s)
        d = honest(ctx, product, s, b, g, when(ctx), ctx.bank_for(applicant), **kw)
        if v == "party_mismatch":
            x = other_party(ctx, [s, b])
            if on_invoices:
                for inv in d.invoices:
                    inv.buyer, inv.buyer_name = x, w.names[x]
            else:
                for sh in d.shipments:
                    sh.consignee = x
        elif v == "date_mismatch":
            back = int(rng.integers(5, 40))
            if not on_invoices:
                for sh in d.shipments:
                    sh.ship, sh.arrival = d.contract.signed - back, d.contract.signed - back + 2
                for r in d.receipts:
                    r.issue = d.contract.signed - back + 2
            else:
                for inv in d.invoices:
                    inv.issue = d.contract.signed - back
        ctx.sink.deal(d)
        out.append((v, [d]))
    return out


def _second(ctx: Ctx, orig: Deal, inst: int) -> Deal:
    """The same documents presented again at another bank, days later, in the same month."""
    a = orig.app
    end = int(ctx.cal.period_of(a.date))
    date = min(a.date + int(ctx.rng.integers(0, 11)), end)
    app = Application(ctx.num.one("apps"), a.applicant, a.applicant_name, a.product,
                      int(a.amount * ctx.rng.uniform(0.95, 1.0)), date,
                      ctx.num.one("loans") if ctx.rng.random() < 0.8 else "", inst)
    return Deal(app, copy(orig.contract), [copy(v) for v in orig.invoices],
                [copy(s) for s in orig.shipments], [copy(r) for r in orig.receipts], [])


def _dup_banks(ctx: Ctx, first: int) -> list[int]:
    k = 2 if ctx.n_inst >= 3 and ctx.rng.random() < 0.2 else 1
    banks: list[int] = []
    for _ in range(k):
        banks.append(ctx.other_bank({first, *banks}))
    return banks


def duplicate_financing(ctx: Ctx, n: int) -> list[Case]:
    """The same receivable financed again at other banks, disguised per variant."""
    rng, num, w = ctx.rng, ctx.num, ctx.w
    out: list[Case] = []
    for i in range(n):
        v = VARIANTS["duplicate_financing"][i % 4]
        s, b, g = pair(ctx)
        orig = honest(ctx, RECV, s, b, g, when(ctx), ctx.bank_for(s),
                      n_inv=int(rng.integers(1, 3)), n_ship=int(rng.integers(1, 4)))
        ctx.sink.deal(orig)
        deals = [orig]
        for bank in _dup_banks(ctx, orig.app.inst):
            d = _second(ctx, orig, bank)
            if v == "altered_number" or v == "name_variant":
                for inv in d.invoices:
                    if inv.code and rng.random() < 0.3:
                        inv.code = num.alter_code(rng, inv.code)
                    else:
                        inv.number = num.alter(rng, inv.number)
            if v == "split_amount":
                d.invoices = [x for inv in d.invoices for x in _split_invoice(ctx, inv)]
            if v == "name_variant":
                sn = name_variant(rng, w.names[s])
                bn = name_variant(rng, w.names[b]) if rng.random() < 0.5 else w.names[b]
                d.contract.seller_name, d.contract.buyer_name = sn, bn
                d.app.applicant_name = sn
                for inv in d.invoices:
                    inv.seller_name, inv.buyer_name = sn, bn
                    inv.issue += int(rng.integers(0, 4))
            ctx.sink.deal(d)
            deals.append(d)
        out.append((v, deals))
    return out


def _split_invoice(ctx: Ctx, inv: Invoice) -> list[Invoice]:
    """2-3 new invoices (fresh genuine numbers) summing to the original amount and tax."""
    rng = ctx.rng
    k = int(rng.integers(2, 4))
    w = rng.random(k) + 0.5
    amt = np.floor(inv.amount * w / w.sum()).astype(np.int64)
    amt[-1] = inv.amount - amt[:-1].sum()
    tax = np.floor(inv.tax * w / w.sum()).astype(np.int64)
    tax[-1] = inv.tax - tax[:-1].sum()
    code, no = ctx.num.invoices(k, np.full(k, inv.code == ""))
    out = []
    for j in range(k):
        x = copy(inv)
        x.code, x.number, x.amount, x.tax = str(code[j]), str(no[j]), int(amt[j]), int(tax[j])
        out.append(x)
    return out


def double_pledge(ctx: Ctx, n: int) -> list[Case]:
    """The same warehouse receipt pledged again at other banks."""
    rng = ctx.rng
    out: list[Case] = []
    for i in range(n):
        v = VARIANTS["double_pledge"][i % 2]
        s, b, g = pair(ctx)
        orig = honest(ctx, PLEDGE, s, b, g, when(ctx), ctx.bank_for(b))
        ctx.sink.deal(orig)
        deals = [orig]
        for bank in _dup_banks(ctx, orig.app.inst):
            d = _second(ctx, orig, bank)
            if v == "altered_id":
                r = d.receipts[0]
                r.receipt_id = "WR" + ctx.num.alter(rng, r.receipt_id[2:])
            ctx.sink.deal(d)
            deals.append(d)
        out.append((v, deals))
    return out


def legs(ctx: Ctx, parties: list[int], goods: int, close: bool, gaps: tuple[int, int],
         inflate: tuple[float, float], vary_goods: bool = False) -> list[Deal]:
    """Successive receivables deals along `parties` (and back to the first when `close`),
    each leg's seller applying; used by rings and by the chains that do not close. The caller
    adds them to the sink."""
    rng, cal = ctx.rng, ctx.cal
    k = len(parties)
    n_legs = k if close else k - 1
    gap = rng.integers(gaps[0], gaps[1] + 1, size=n_legs)
    room = cal.last - cal.first - 20
    if gap.sum() > room:  # a short calendar: squeeze the legs together
        gap = np.maximum(1, gap * max(room, 1) // max(int(gap.sum()), 1))
    start = cal.first + 20 + int(rng.integers(0, max(room - int(gap[1:].sum()), 1)))
    qty, amount = terms(rng, goods)
    kinds = rng.choice(len(GOODS), n_legs, replace=False)
    signed = start
    deals = []
    for j in range(n_legs):
        if j:
            signed += int(gap[j])
            amount = int(amount * rng.uniform(*inflate))
        g = int(kinds[j]) if vary_goods else goods
        if vary_goods:
            qty, amount = terms(rng, g)
        s, b = parties[j], parties[(j + 1) % k]
        app = cal.clamp(signed + int(rng.integers(2, 6)))
        d = honest(ctx, RECV, s, b, g, app, ctx.bank_for(s), qty=qty, amount=amount,
                   signed=min(signed, app - 1), n_inv=1, n_ship=1)
        deals.append(d)
    return deals


def circular_trade(ctx: Ctx, n: int) -> list[Case]:
    """Rings of 2-5 members of one group trading the same goods round, inflating each leg."""
    rng, w = ctx.rng, ctx.w
    out: list[Case] = []
    for i in range(n):
        k = 2 + i % 4
        fits = [g for g in w.groups if len(g) >= k]
        grp = fits[int(rng.integers(0, len(fits)))]
        members = [int(x) for x in rng.choice(grp, k, replace=False)]
        goods = int(rng.integers(0, len(GOODS)))
        ring = legs(ctx, members, goods, True, (1, 15), (1.03, 1.10))
        for d in ring:
            ctx.sink.deal(d)
        out.append(("ring", ring))
    return out


def supplier_pair(ctx: Ctx) -> tuple[int, int, int]:
    """A tier-2 supplier and its tier-1 buyer, unrelated: a tier-2 firm buys nothing in the
    chains, so none of its own trade pays into the borrower's group by chance. Never a
    supplier reserved for a round trip."""
    w, rng = ctx.w, ctx.rng
    t2 = w.members[TIER2]
    while True:
        s = int(t2[rng.integers(0, len(t2))])
        if s in ctx.reserved and len(ctx.reserved) < len(t2) // 2:
            continue
        c = int(w.chain[s])
        b = int(w.tier1[c][rng.integers(0, len(w.tier1[c]))])
        if w.group[s] < 0 or w.group[s] != w.group[b]:
            return s, b, int(w.chain_goods[c, rng.integers(0, 3)])


def proceeds_round_trip(ctx: Ctx, n: int) -> list[Case]:
    """Prepayment proceeds paid to the supplier and sent back to the borrower's group."""
    rng, w = ctx.rng, ctx.w
    refs = ("往来款", "退款", "货款", "借款", "服务费")
    out: list[Case] = []
    for i in range(n):
        v = VARIANTS["proceeds_round_trip"][i % 2]
        s, b, g = supplier_pair(ctx)
        ctx.reserved.add(s)
        d = honest(ctx, PREPAY, s, b, g, when(ctx), ctx.bank_for(b))
        dis = d.payments[0]
        grp = w.groups[int(w.group[b])] if w.group[b] >= 0 else np.array([b])
        target = int(grp[rng.integers(0, len(grp))])
        back_by = dis.value + int(rng.integers(1, 11))
        if v == "direct":
            hops = [s, target]
            amt = int(dis.amount * rng.uniform(0.7, 1.0))
        else:
            mids = [other_party(ctx, [s, b, *grp.tolist()])]
            if rng.random() < 0.5:
                mids.append(other_party(ctx, [s, b, *mids, *grp.tolist()]))
            hops = [s, *mids, target]
            amt = int(dis.amount * rng.uniform(0.8, 1.0))
        steps = np.sort(rng.integers(dis.value + 1, back_by + 1, size=len(hops) - 1))
        for j in range(len(hops) - 1):
            d.payments.append(Payment(hops[j], hops[j + 1], amt, int(steps[j]),
                                      refs[int(rng.integers(0, len(refs)))]))
            amt = int(amt * rng.uniform(0.97, 1.0))
        ctx.sink.deal(d)
        out.append((v, [d]))
    return out


CHECKS = {"four_flow": four_flow, "duplicate_financing": duplicate_financing,
          "double_pledge": double_pledge, "circular_trade": circular_trade,
          "proceeds_round_trip": proceeds_round_trip}
