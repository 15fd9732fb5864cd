"""Sci-tech certifications with validity windows (definitions.md §4).

High-tech and SRDI/little-giant statuses last 3 years and may be renewed; a tech-SME
registration is valid for its year. A firm is a tech enterprise at a period end when one of
its statuses is valid then; lapsed certificates stay visible so classifiers must check dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NONE = np.iinfo(np.int64).min  # "no certificate" marker in int-day arrays


@dataclass
class Certs:
    ht_first: np.ndarray  # int days or NONE
    ht_cycles: np.ndarray
    sme_first: np.ndarray  # year or 0
    sme_last: np.ndarray
    srdi_first: np.ndarray
    srdi_cycles: np.ndarray
    lg_first: np.ndarray
    lg_cycles: np.ndarray


def empty(n: int) -> Certs:
    z = np.zeros(n, dtype=np.int64)
    none = np.full(n, NONE, dtype=np.int64)
    return Certs(none, z.copy(), z.copy(), z.copy(), none.copy(), z.copy(), none.copy(), z.copy())


def _chain(rng: np.random.Generator, has: np.ndarray, ref: np.datetime64, renew: float):
    """First date and cycle count such that the current cycle starts within 3y before `ref`
    (or up to a year after it), with earlier renewals and a chance of renewing again."""
    n = len(has)
    ref_m = ref.astype("datetime64[M]")
    cur_m = ref_m - rng.integers(-12, 36, size=n)
    day = rng.integers(0, 28, size=n)
    before = np.minimum(rng.geometric(1 - renew, size=n) - 1, 3)
    first = ((cur_m - 36 * before).astype("datetime64[D]") + day).astype(np.int64)
    cycles = before + 1 + (rng.random(n) < renew)
    return np.where(has, first, NONE), np.where(has, cycles, 0)


def assign_tech(rng: np.random.Generator, n: int, shares: dict, ref: np.datetime64) -> Certs:
    """Statuses for `n` tech-pool firms; every firm gets at least one."""
    c = empty(n)
    has_ht = rng.random(n) < shares["high_tech"]
    has_srdi = rng.random(n) < shares["srdi"]
    has_lg = has_srdi & (rng.random(n) < shares["little_giant"] / shares["srdi"])
    has_sme = (rng.random(n) < shares["tech_sme"]) | ~(has_ht | has_srdi)
    c.ht_first, c.ht_cycles = _chain(rng, has_ht, ref, shares["renew"])
    c.srdi_first, c.srdi_cycles = _chain(rng, has_srdi, ref, shares["renew"])
    lg_delay = rng.integers(0, 730, size=n)
    c.lg_first = np.where(has_lg, c.srdi_first + lg_delay, NONE)
    c.lg_cycles = np.where(has_lg, np.maximum(c.srdi_cycles - 1, 1), 0)
    ref_year = int(str(ref)[:4])
    c.sme_first = np.where(has_sme, rng.integers(2017, ref_year + 2, size=n), 0)
    keeps = rng.random(n) < shares["renew"]
    c.sme_last = np.where(has_sme, np.where(keeps, 2100, np.maximum(c.sme_first, ref_year)), 0)
    return c


def assign_expired(rng: np.random.Generator, c: Certs, mask: np.ndarray) -> None:
    """A lapsed high-tech certificate (issued 2015-2019, not renewed) on `mask` firms."""
    start = np.datetime64("2015-01-01").astype(np.int64)
    first = start + rng.integers(0, 4 * 365, size=len(mask))
    c.ht_first = np.where(mask, first, c.ht_first)
    c.ht_cycles = np.where(mask, 1, c.ht_cycles)


def window(first: np.ndarray, cycles: np.ndarray, p: np.datetime64):
    """(from, to, valid) of the certificate shown at period end `p` (int days; NONE if none)."""
    has = first != NONE
    f = np.where(has, first, 0).astype("datetime64[D]")
    m0 = f.astype("datetime64[M]")
    d = (f - m0.astype("datetime64[D]")).astype(np.int64)
    pm = p.astype("datetime64[M]")
    pd = int((p - pm.astype("datetime64[D]")).astype(np.int64))
    elapsed = (pm - m0).astype(np.int64) - (pd < d)
    shown = has & (elapsed >= 0)
    k = np.clip(elapsed // 36, 0, np.maximum(cycles - 1, 0))
    frm = ((m0 + 36 * k).astype("datetime64[D]") + d).astype(np.int64)
    to = ((m0 + 36 * (k + 1)).astype("datetime64[D]") + d).astype(np.int64) - 1
    valid = shown & (elapsed // 36 < cycles)
    return np.where(shown, frm, NONE), np.where(shown, to, NONE), valid


def status(c: Certs, p: np.datetime64) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Fields as reported at `p` and whether the firm is a tech enterprise then."""
    year = int(str(p)[:4])
    ht_from, ht_to, ht_ok = window(c.ht_first, c.ht_cycles, p)
    srdi_from, _, srdi_ok = window(c.srdi_first, c.srdi_cycles, p)
    lg_from, _, lg_ok = window(c.lg_first, c.lg_cycles, p)
    sme_shown = (c.sme_first > 0) & (c.sme_first <= year)
    sme_year = np.where(sme_shown, np.minimum(year, c.sme_last), 0)
    sme_ok = sme_shown & (c.sme_last >= year)
    fields = {"high_tech_from": ht_from, "high_tech_to": ht_to, "tech_sme_year": sme_year,
              "srdi_from": srdi_from, "little_giant_from": lg_from}
    return fields, ht_ok | srdi_ok | lg_ok | sme_ok
