"""New loans for one stream: borrower, lender, product, amount, term, price, green tag."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fiveareas.synth.book import Book
from fiveareas.synth.config import (
    GUARANTEES,
    INCLUSIVE_LINE_CAP,
    add_months,
    calibration,
    industry_codes,
    institution_types,
    month_index,
    products,
)
from fiveareas.synth.institutions import Institutions
from fiveareas.synth.parties import Parties

CENTS = 100


@dataclass
class Ctx:
    """What drawing needs about the city and the current period."""

    rng: np.random.Generator
    parties: Parties
    inst: Institutions
    tech_ok: np.ndarray
    period: int  # period end, int days
    month_start: int
    pointer0: dict[str, int]  # pool pointers at the start of the month
    initial: bool
    next_id: int = 1


def _stream_index(name: str) -> int:
    return list(calibration()["streams"]).index(name)


def _lender_weights(name: str, inst: Institutions) -> np.ndarray:
    cfg = calibration()["lenders"][name]
    tw = np.array([cfg.get(t, 0.0) for t in institution_types()], dtype=float)
    w = tw[inst.type_idx] * inst.size
    if w.sum() == 0:  # tiny cities may lack every lender type of a stream: fall back to banks
        w = inst.size * (inst.type_idx < 4)
    return w / w.sum()


def _allowed_products() -> np.ndarray:
    """[type, product] -> may this licence type book this product."""
    tp = calibration()["type_products"]
    prods = products()
    out = np.zeros((len(institution_types()), len(prods)), dtype=bool)
    for i, t in enumerate(institution_types()):
        allowed = prods if tp[t] == "all" else tp[t]
        out[i] = [p in allowed for p in prods]
    return out


def _borrowers(ctx: Ctx, name: str, cfg: dict, n: int, n_fresh: int):
    """Borrower indices and the first-ever-loan flag for `n` loans of a stream."""
    p, rng = ctx.parties, ctx.rng
    pool = cfg["pool"]
    lo, ptr = p.pool_lo[pool], ctx.pointer0[pool]
    cand = np.arange(lo, ptr)
    if pool != "person":
        amounts = np.array([a[0] for a in cfg["amount"]])
        cand = cand[amounts[p.true_size[cand]] > 0]
    if pool == "tech":
        cand = cand[ctx.tech_ok[cand]]
    if len(cand) == 0:
        cand = np.arange(lo, max(ptr, lo + 1))
    n_fresh = min(n_fresh, n, p.pool_hi[pool] - p.pointer[pool])
    fresh = np.arange(p.pointer[pool], p.pointer[pool] + n_fresh)
    p.pointer[pool] += n_fresh
    reg = cand[rng.integers(0, len(cand), size=n - n_fresh)]
    first = np.concatenate([np.ones(n_fresh, bool), np.zeros(n - n_fresh, bool)])
    return np.concatenate([fresh, reg]), first


def draw(ctx: Ctx, name: str, n: int, n_fresh: int = 0) -> Book:
    """`n` new loans of stream `name` (the first `n_fresh` to never-before borrowers)."""
    cal, rng, p = calibration(), ctx.rng, ctx.parties
    cfg = cal["streams"][name]
    cp, first = _borrowers(ctx, name, cfg, n, n_fresh)
    mismatch = np.zeros(n, dtype=bool)
    if cfg.get("mismatch_share"):
        brown = [industry_codes().index(c) for c in cal["green_mismatch"]["industries"]]
        pool = np.arange(p.pool_lo["corp"], p.pool_hi["corp"])
        pool = pool[np.isin(p.industry[pool], brown)]
        mismatch = (rng.random(n) < cfg["mismatch_share"]) & (len(pool) > 0) & ~first
        cp[mismatch] = pool[rng.integers(0, max(len(pool), 1), size=int(mismatch.sum()))]
    inst = rng.choice(len(ctx.inst), size=n, p=_lender_weights(name, ctx.inst))
    itype = ctx.inst.type_idx[inst]
    prods = products()
    pw = np.array([cfg["products"].get(x, 0.0) for x in prods], dtype=float)
    allowed = _allowed_products()
    product = np.zeros(n, dtype=np.int64)
    for t in np.unique(itype):
        m = itype == t
        w = pw * allowed[t]
        w = w if w.sum() > 0 else pw
        product[m] = rng.choice(len(prods), size=int(m.sum()), p=w / w.sum())
    size = np.maximum(p.true_size[cp], 0)
    med = np.array([a[0] for a in cfg["amount"]] + [0.0] * 4)[size]
    sig = np.array([a[1] for a in cfg["amount"]] + [0.0] * 4)[size]
    amount = np.minimum(med * np.exp(sig * rng.standard_normal(n)), cfg["cap"])
    orig = np.maximum(np.round(amount / 1000), 10) * 1000 * CENTS
    pcfg = cal["products"]
    term = np.zeros(n, dtype=np.int64)
    for j in np.unique(product):
        m = product == j
        term[m] = rng.choice(pcfg[prods[j]]["terms"], size=int(m.sum()))
    if ctx.initial:  # an opening book: maturities spread evenly over the remaining term
        left = term * 30.4 - np.maximum(term - 120, 0) * 30.4 * rng.random(n)
        maturity = ctx.period + 1 + (rng.random(n) * left).astype(np.int64)
        start = np.minimum(add_months(maturity, -term), ctx.period)
    else:
        start = ctx.month_start + rng.integers(0, ctx.period - ctx.month_start + 1, size=n)
        maturity = add_months(start, term)
    amort = np.array([pcfg[x]["amortising"] for x in prods])[product]
    rem = month_index(maturity) - month_index(np.full(n, ctx.period))
    span = month_index(maturity) - month_index(start)
    bal = np.where(amort, orig * rem // np.maximum(span, 1), orig)
    lo, hi = cfg["line"]
    basis = orig * rng.uniform(lo, hi, size=n)
    step = 1_000_000
    basis = (-(-basis // step) * step).astype(np.int64)
    if name in ("sme", "indiv"):
        basis = np.minimum(basis, INCLUSIVE_LINE_CAP)
        big = rng.random(n) < cfg.get("big_line_share", 0.0)
        basis[big] = rng.integers(1200, 3000, size=int(big.sum())) * 10_000 * CENTS
    rate = _rates(rng, product, itype)
    gw = np.array([pcfg[x]["guarantee"] for x in prods], dtype=float)[product]
    guarantee = (rng.random(n)[:, None] > np.cumsum(gw / gw.sum(1, keepdims=True), 1)).sum(1)
    guarantee = np.minimum(guarantee, len(GUARANTEES) - 1)
    by_guarantor = itype == institution_types().index("financing_guarantee")
    guarantee[by_guarantor] = GUARANTEES.index("guarantee")
    gov = by_guarantor | ((guarantee == 1) & np.isin(name, ["sme", "indiv"])
                          & (rng.random(n) < 0.2))
    green, pind = _tags(rng, cfg, cp, p, mismatch)
    fc = rng.random(n) < np.where(
        itype == institution_types().index("foreign_bank"),
        cal["foreign_currency_share"]["foreign_bank"], cal["foreign_currency_share"]["other"])
    currency = np.where(fc & (p.ctype[cp] == 0), rng.choice([1, 1, 1, 2, 3, 4, 5], size=n), 0)
    quality = np.zeros(n, dtype=np.int64)
    dpd = np.zeros(n, dtype=np.int64)
    if ctx.initial:
        quality = rng.choice(5, size=n, p=cal["initial_quality"])
        lo_d = np.array([0, 1, 91, 181, 361])[quality]
        hi_d = np.array([1, 91, 181, 361, 721])[quality]
        dpd = rng.integers(lo_d, hi_d)
    ids = np.arange(ctx.next_id, ctx.next_id + n)
    ctx.next_id += n
    return Book({
        "id": ids, "inst": inst, "cp": cp, "stream": np.full(n, _stream_index(name)),
        "product": product, "start": start, "maturity": maturity, "orig": orig, "bal": bal,
        "basis": np.maximum(basis, orig), "rate": rate, "guarantee": guarantee, "gov": gov,
        "first": first, "renewal": np.zeros(n, bool), "quality": quality, "dpd": dpd,
        "green": green, "mismatch": mismatch, "pind": pind, "currency": currency})


def _rates(rng, product: np.ndarray, itype: np.ndarray) -> np.ndarray:
    """Annual rate in basis points: product range, repriced for non-bank lenders."""
    cal = calibration()
    prods = products()
    lo = np.array([cal["products"][x]["rate"][0] for x in prods])[product]
    hi = np.array([cal["products"][x]["rate"][1] for x in prods])[product]
    for t, (tlo, thi) in cal["type_rates"].items():
        m = (itype == institution_types().index(t)) & (product != prods.index("mortgage"))
        lo, hi = np.where(m, tlo, lo), np.where(m, thi, hi)
    return np.round(rng.uniform(lo, hi) * 100).astype(np.int64)


def _tags(rng, cfg: dict, cp: np.ndarray, p: Parties, mismatch: np.ndarray):
    """Green code index (into green_code_list()) and purpose-industry index, -1 when empty."""
    n = len(cp)
    codes = green_code_list()
    fit = green_fit()  # industry idx -> green code idx, -1 if none
    ind = p.industry[cp]
    has_fit = (ind >= 0) & (fit[np.maximum(ind, 0)] >= 0)
    green = np.where(has_fit & (rng.random(n) < cfg.get("green_share", 0.0)),
                     fit[np.maximum(ind, 0)], -1)
    mis_codes = [codes.index(c) for c in calibration()["green_mismatch"]["codes"]]
    green[mismatch] = rng.choice(mis_codes, size=int(mismatch.sum()))
    other = (p.ctype[cp] == 0) & (green < 0) & (
        rng.random(n) < calibration()["purpose_industry_share"])
    pind = np.where(other, rng.integers(0, len(industry_codes()), size=n), -1)
    pind[pind == ind] = -1
    return green, pind


def green_code_list() -> list[str]:
    cal = calibration()
    codes = {c for v in cal["green_codes"].values() for c in v}
    codes |= set(cal["green_mismatch"]["codes"])
    return sorted(codes)


def green_fit() -> np.ndarray:
    """Per industry index, a fitting green code index (first listed), or -1."""
    codes = green_code_list()
    gc = calibration()["green_codes"]
    return np.array([codes.index(gc[c][0]) if c in gc else -1 for c in industry_codes()])
