"""Borrowers: enterprises, individual businesses and persons, in pools that loan streams draw.

Each pool is a contiguous index range: seasoned borrowers first (they already had loans before
the first period), then a reserve of fresh ones whose first ever loan falls in the horizon.
Employees and revenue are drawn inside the MIIT 2011 No.300 band of the firm's true size, so
the size a demanding classifier derives equals `reported_size` except for labelled misreports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from fiveareas.reference import uscc
from fiveareas.synth import certs as certs_mod
from fiveareas.synth.config import POOLS, SIZES, calibration, industry_codes, sector_of
from fiveareas.synth.names import DISTRICTS, business_names, enterprise_names, person_names


@dataclass
class Parties:
    ids: np.ndarray  # str
    names: pa.Array
    ctype: np.ndarray  # 0 enterprise, 1 individual business, 2 person
    industry: np.ndarray  # index into industry_codes(), -1 for persons
    district: np.ndarray  # index into DISTRICTS
    employees: np.ndarray
    revenue: np.ndarray  # cents
    assets: np.ndarray  # cents
    true_size: np.ndarray  # index into SIZES, -1 for persons
    reported_size: np.ndarray
    group: np.ndarray  # -1 if none
    certs: certs_mod.Certs
    pool_lo: dict[str, int] = field(default_factory=dict)
    pool_hi: dict[str, int] = field(default_factory=dict)
    pointer: dict[str, int] = field(default_factory=dict)  # end of borrowers so far

    def __len__(self) -> int:
        return len(self.ids)


def _size_figures(rng, codes: list[str], industry: np.ndarray, size: np.ndarray):
    """Employees and revenue (yuan) inside the size band of each firm's sector."""
    std = calibration()["size_standard"]
    n = len(size)
    emp = np.zeros(n, dtype=np.int64)
    rev = np.zeros(n, dtype=np.int64)
    sectors = np.array([sector_of(c) for c in codes])[industry]
    u1, u2 = rng.random(n), rng.random(n)
    for sector, bounds in std.items():
        for s in range(4):
            m = (sectors == sector) & (size == s)
            if not m.any():
                continue
            e_lo = bounds[s][0] if s < 3 else 1
            e_hi = bounds[s - 1][0] if s > 0 else bounds[0][0] * 8
            if s == 3:
                e_hi = bounds[2][0]
            r_b = [b[1] for b in bounds]
            if r_b[0] is None:  # employees-only sector: revenue per head
                r_lo, r_hi = e_lo * 20.0, e_hi * 200.0
            else:
                r_lo = r_b[s] if s < 3 else max(r_b[2] / 20, 5)
                r_hi = r_b[s - 1] if s > 0 else r_b[0] * 10
                if s == 3:
                    r_hi = r_b[2]
            e = np.exp(np.log(e_lo) + u1[m] * (np.log(e_hi) - np.log(e_lo)))
            emp[m] = np.clip(np.floor(e), e_lo, e_hi - 1)
            r = np.exp(np.log(r_lo) + u2[m] * (np.log(r_hi) - np.log(r_lo))) * 10_000
            rev[m] = np.clip(np.floor(r), int(r_lo * 10_000), int(r_hi * 10_000) - 1)
    return emp, rev


def _codes(rng, district: np.ndarray, prefix: str) -> np.ndarray:
    out = np.empty(len(district), dtype="U18")
    for d in np.unique(district):
        m = district == d
        out[m] = uscc.generate(rng, int(m.sum()), prefix, DISTRICTS[d])
    return out


def _person_ids(rng, n: int) -> np.ndarray:
    raw = np.frombuffer(rng.bytes(9 * n).hex().upper().encode(), dtype="S1").reshape(n, 18)
    body = raw[:, :17].copy().view("S17").ravel().astype("U17")
    return np.char.add("P", body)


def _dedupe(rng, ids: np.ndarray, district: np.ndarray, ctype: np.ndarray) -> np.ndarray:
    """Redraw the (rare) duplicate codes so every counterparty id is unique."""
    while True:
        _, first = np.unique(ids, return_index=True)
        dup = np.ones(len(ids), dtype=bool)
        dup[first] = False
        if not dup.any():
            return ids
        for t, prefix in ((0, "91"), (1, "92")):
            m = dup & (ctype == t)
            ids[m] = _codes(rng, district[m], prefix)
        m = dup & (ctype == 2)
        ids[m] = _person_ids(rng, int(m.sum()))


def make_parties(rng: np.random.Generator, scale: float, reserve: dict[str, int],
                 ref: np.datetime64) -> Parties:
    """The borrower universe: seasoned pool members plus `reserve` fresh ones per pool."""
    cal = calibration()
    codes = industry_codes()
    weights = np.array([row[2] for row in cal["industries"]], dtype=float)
    counts, lo, hi, pointer = {}, {}, {}, {}
    start = 0
    for p in POOLS:
        seasoned = max(4, round(cal["pools"][p]["count"] * scale))
        counts[p] = seasoned + reserve.get(p, 0)
        lo[p], pointer[p], hi[p] = start, start + seasoned, start + counts[p]
        start += counts[p]
    n = start
    ctype = np.zeros(n, dtype=np.int64)
    industry = np.full(n, -1, dtype=np.int64)
    size = np.full(n, -1, dtype=np.int64)
    for j, p in enumerate(POOLS):
        sl = slice(lo[p], hi[p])
        if p == "person":
            ctype[sl] = 2
            continue
        ctype[sl] = 1 if p == "indiv" else 0
        w = weights[:, j]
        industry[sl] = rng.choice(len(codes), size=counts[p], p=w / w.sum())
        sz = np.array(cal["pools"][p]["sizes"], dtype=float)
        size[sl] = rng.choice(4, size=counts[p], p=sz / sz.sum())
    dw = np.ones(len(DISTRICTS))
    dw[DISTRICTS.index("310115")] = 4.0
    district = rng.choice(len(DISTRICTS), size=n, p=dw / dw.sum())
    biz = ctype < 2
    emp = np.zeros(n, dtype=np.int64)
    rev = np.zeros(n, dtype=np.int64)
    emp[biz], rev[biz] = _size_figures(rng, codes, industry[biz], size[biz])
    assets = (rev * rng.uniform(0.4, 2.5, size=n)).astype(np.int64)
    reported = size.copy()
    ent = ctype == 0
    mis = ent & (rng.random(n) < cal["misreport_share"])
    down = rng.random(n) < 0.8  # banks mostly report smaller (inclusive credit looks better)
    reported[mis] = np.clip(np.where(down[mis], size[mis] + 1, size[mis] - 1), 0, 3)
    reported[mis & (reported == size)] = np.where(size[mis & (reported == size)] == 3, 2, 3)
    ids = np.empty(n, dtype="U18")
    ids[ent] = _codes(rng, district[ent], "91")
    ids[ctype == 1] = _codes(rng, district[ctype == 1], "92")
    ids[ctype == 2] = _person_ids(rng, int((ctype == 2).sum()))
    ids = _dedupe(rng, ids, district, ctype)
    group = np.full(n, -1, dtype=np.int64)
    in_group = ent & (rng.random(n) < cal["group_share"])
    group[in_group] = rng.integers(0, max(1, int(in_group.sum()) // 3), size=int(in_group.sum()))
    c = certs_mod.empty(n)
    tsl = slice(lo["tech"], hi["tech"])
    tc = certs_mod.assign_tech(rng, counts["tech"], cal["certs"], ref)
    for name in vars(c):
        getattr(c, name)[tsl] = getattr(tc, name)
    expired = ent & (rng.random(n) < cal["expired_high_tech_share"])
    expired[tsl] = False
    certs_mod.assign_expired(rng, c, expired)
    names = _names(rng, ctype, industry, district, [row[1] for row in cal["industries"]])
    return Parties(ids, names, ctype, industry, district, emp, rev * 100, assets * 100, size,
                   reported, group, c, lo, hi, pointer)


def _names(rng, ctype, industry, district, words: list[str]) -> pa.Array:
    out = np.empty(len(ctype), dtype=object)
    ent = np.flatnonzero(ctype == 0)
    out[ent] = enterprise_names(rng, pa.array(words).take(pa.array(industry[ent]))).to_numpy(
        zero_copy_only=False)
    ib = np.flatnonzero(ctype == 1)
    out[ib] = business_names(rng, district[ib]).to_numpy(zero_copy_only=False)
    pe = np.flatnonzero(ctype == 2)
    out[pe] = person_names(rng, len(pe)).to_numpy(zero_copy_only=False)
    return pa.array(out, type=pa.string())


def size_labels() -> np.ndarray:
    return np.array(SIZES)
