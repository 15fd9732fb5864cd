"""Borrowers: enterprises, individual businesses and persons, in pools that loan streams draw.

Each pool is a contiguous index range: seasoned borrowers first (they already had loans before
the first period), then a reserve of fresh ones whose first ever loan falls in the horizon.
Employees, revenue and assets are drawn inside the MIIT 2011 No.300 band of the firm's true size
(the shipped reference tables), so the size the rules compute equals `reported_size` except for
labelled misreports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from fiveareas.reference import size_standard, uscc
from fiveareas.synth import certs as certs_mod
from fiveareas.synth.config import (
    POOLS,
    SIZE_EDITION,
    SIZE_SCHEME,
    SIZES,
    calibration,
    industry_codes,
)
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


# Plausible ranges (yuan, persons) per true size for an indicator a sector's row does not use.
_FREE = {"employees_min": [(300, 3000), (100, 300), (10, 100), (1, 10)],
         "revenue_min": [(4e8, 4e9), (2e7, 4e8), (3e6, 2e7), (1e5, 3e6)],
         "assets_min": [(4e8, 4e9), (4e7, 4e8), (3e6, 4e7), (1e5, 3e6)]}


def _size_figures(rng, codes: list[str], industry: np.ndarray, size: np.ndarray):
    """Employees, revenue and total assets (yuan) inside the band of each firm's true size in
    its sector of the size standard (reference.size_standard), so that computing the size from
    them gives the true size: every bound the sector uses is met for the true class and missed
    for the class above; a micro firm misses every bound of the small row."""
    bounds = size_standard.thresholds(SIZE_EDITION)
    sectors = np.array([size_standard.sector_of(c, SIZE_SCHEME) for c in codes])[industry]
    n = len(size)
    u = rng.random((3, n))
    out = [np.zeros(n, dtype=np.int64) for _ in range(3)]
    for sector in np.unique(sectors):
        rows = bounds.get(str(sector))
        for s in range(4):
            m = (sectors == sector) & (size == s)
            if not m.any():
                continue
            for k, attr in enumerate(_FREE):
                b = [None if rows is None else getattr(rows[x], attr)
                     for x in ("large", "medium", "small")]
                if b[0] is None:
                    lo, hi = _FREE[attr][s]
                elif s == 3:
                    lo, hi = max(1.0, b[2] / 20), b[2]
                else:
                    lo, hi = b[s], b[s - 1] if s > 0 else b[0] * 8
                v = np.exp(np.log(lo) + u[k, m] * (np.log(hi) - np.log(lo)))
                out[k][m] = np.clip(np.floor(v), int(np.ceil(lo)), int(np.ceil(hi)) - 1)
    return out[0], out[1], out[2]


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
    assets = np.zeros(n, dtype=np.int64)
    emp[biz], rev[biz], assets[biz] = _size_figures(rng, codes, industry[biz], size[biz])
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
