"""One month of a loan book's life: quality migration, amortisation, maturity, renewal."""

from __future__ import annotations

import numpy as np

from fiveareas.synth.book import Book
from fiveareas.synth.config import add_months, calibration, month_index, products
from fiveareas.synth.loans import Ctx

# days_overdue bands per quality: normal 0, special mention 1-90, then >90 (validator rule).
DPD_LO = np.array([0, 1, 91, 181, 361])
DPD_HI = np.array([0, 90, 180, 360, 10**6])


def migrate(ctx: Ctx, book: Book) -> Book:
    """Five-category migration; loss loans are written off (leave the book) at a monthly rate."""
    cal = calibration()
    mig, rng = cal["migration"], ctx.rng
    pd = np.array([s["pd"] for s in cal["streams"].values()])[book["stream"]]
    q = book["quality"]
    u = rng.random(len(book))
    new = q.copy()
    new[(q == 0) & (u < pd)] = 1
    sm = q == 1
    new[sm & (u < mig["cure"])] = 0
    new[sm & (u >= mig["cure"]) & (u < mig["cure"] + mig["sm_to_sub"])] = 2
    new[(q == 2) & (u < mig["sub_to_doubtful"])] = 3
    new[(q == 3) & (u < mig["doubtful_to_loss"])] = 4
    written_off = (q == 4) & (u < mig["write_off"])
    entered = new != q
    dpd = np.where(entered, DPD_LO[new] + rng.integers(0, 30, size=len(book)),
                   np.minimum(book["dpd"] + 30, DPD_HI[new]))
    dpd[new == 0] = 0
    book["quality"], book["dpd"] = new, np.clip(dpd, DPD_LO[new], DPD_HI[new])
    return book.take(np.flatnonzero(~written_off))


def amortise(ctx: Ctx, book: Book) -> None:
    """Straight-line monthly repayment for amortising products not in default (>90 days)."""
    prods = products()
    amort = np.array([calibration()["products"][x]["amortising"] for x in prods])[book["product"]]
    live = amort & (book["quality"] <= 1) & (book["maturity"] > ctx.period)
    rem = month_index(book["maturity"]) - month_index(np.full(len(book), ctx.period))
    span = np.maximum(month_index(book["maturity"]) - month_index(book["start"]), 1)
    sched = book["orig"] * np.clip(rem, 1, None) // span
    book["bal"] = np.where(live, np.minimum(sched, book["bal"]), book["bal"])


def mature(ctx: Ctx, book: Book, prev_period: int, renew_target: float, parties) -> tuple:
    """Repay performing loans at maturity; renew some without repayment (无还本续贷).

    The renewal share is steered so the month's renewed amount meets `renew_target` (cents).
    Returns (remaining book, renewal loans).
    """
    prods = products()
    cfg = calibration()["products"]
    due = (book["maturity"] <= ctx.period) & (book["quality"] == 0)
    renewable = np.array([cfg[x]["renewable"] for x in prods])[book["product"]]
    cp = book["cp"]
    eligible = (due & renewable & (book["maturity"] > prev_period)
                & (parties.ctype[cp] < 2) & (parties.true_size[cp] != 0))
    pool = float(book["bal"][eligible].sum())
    share = min(0.95, renew_target / pool) if pool > 0 else 0.0
    chosen = np.flatnonzero(eligible & (ctx.rng.random(len(book)) < share))
    new = book.take(chosen)
    n = len(new)
    new["id"] = np.arange(ctx.next_id, ctx.next_id + n)
    ctx.next_id += n
    new["start"] = new["maturity"]
    new["maturity"] = add_months(new["start"], ctx.rng.choice([12, 12, 12, 24], size=n))
    new["orig"] = new["bal"]
    new["basis"] = np.maximum(new["basis"], new["bal"])
    new["renewal"] = np.ones(n, bool)
    new["first"] = np.zeros(n, bool)
    return book.take(np.flatnonzero(~due)), new
