"""Supply-chain finance part of the synthetic city: honest deals, hard negatives and labelled
frauds, written as one submission folder per (period, institution); see docs/supply-chain.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np

from fiveareas.synth.scf.deals import Ctx, bulk
from fiveareas.synth.scf.disguise import Numbers
from fiveareas.synth.scf.emit import FILES, Emitter
from fiveareas.synth.scf.frauds import CHECKS, VARIANTS
from fiveareas.synth.scf.negatives import MAKERS
from fiveareas.synth.scf.records import Calendar, Sink
from fiveareas.synth.scf.world import make_world

__all__ = ["generate_scf", "VARIANTS"]

# share of the honest deals each hard-negative maker gets, and applications per unit it makes
_NEGATIVE_SHARE = {"standing_orders": 0.02, "framework_contract": 0.01, "name_variant": 0.01,
                   "inside_tolerance": 0.03, "successive_receipts": 0.01, "open_chain": 0.01,
                   "slow_loop": 0.005, "supplier_payback": 0.01, "order": 0.005}
_APPS_PER_UNIT = {"framework_contract": 2, "name_variant": 2, "successive_receipts": 3,
                  "open_chain": 3, "slow_loop": 3}


def _check_args(institutions: list[str], periods: list[dt.date], deals: int, frauds: int,
                fmt: str) -> None:
    if not institutions or len(set(institutions)) != len(institutions):
        raise ValueError("institutions must be a non-empty list of distinct ids")
    if not periods:
        raise ValueError("periods must not be empty")
    for p in periods:
        if (p + dt.timedelta(days=1)).day != 1:
            raise ValueError(f"period {p} is not a month end")
    if deals < 0 or frauds < 0:
        raise ValueError("deals and frauds must not be negative")
    if frauds and len(institutions) < 2:
        raise ValueError("duplicate financing and double pledges need two institutions")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}")


def generate_scf(out: Path, *, institutions: list[str], periods: list[dt.date], deals: int,
                 frauds: int, seed: int = 0, fmt: str = "parquet",
                 encoding: str = "utf-8") -> dict:
    """Write the SCF submissions and `labels/scf.csv` under `out`; return the manifest.

    `deals` honest applications (the bulk plus the hard negatives), and `frauds` labelled
    cases per check spread over its variants; same arguments give byte-identical files.
    """
    out = Path(out)
    _check_args(institutions, periods, deals, frauds, fmt)
    rng = np.random.default_rng(seed)
    cal = Calendar(periods)
    w = make_world(rng, len(institutions), deals + 5 * frauds)
    ctx = Ctx(rng, w, Numbers(rng), cal, Sink(cal, w.bank), len(institutions))
    cases: list[tuple[str, str, list]] = []
    for check, make in CHECKS.items():
        cases += [(check, v, ds) for v, ds in make(ctx, frauds)]
    negatives: dict[str, int] = {}
    budget = deals
    for kind, maker in MAKERS.items():
        per = len(periods) if kind == "standing_orders" else _APPS_PER_UNIT.get(kind, 1)
        units = max(1, round(deals * _NEGATIVE_SHARE[kind] / per))
        made = maker(ctx, units)
        if len(made) > budget:
            continue
        for d in made:
            ctx.sink.deal(d)
        budget -= len(made)
        negatives[kind] = len(made)
    bulk(ctx, budget)
    em = Emitter(ctx.sink, w, institutions, rng)
    submissions = em.write_all(out, fmt, encoding)
    _write_labels(out / "labels" / "scf.csv", cases, institutions)
    rows = {name: len(em.cols["party" if name == "scf_party" else key]["inst"])
            for name, key in zip(FILES, ("party", "contract", "invoice", "shipment", "receipt",
                                         "payment", "application", "appdoc"), strict=True)}
    per_check: dict[str, dict[str, int]] = {c: dict.fromkeys(VARIANTS[c], 0) for c in VARIANTS}
    for check, v, _ in cases:
        per_check[check][v] += 1
    return {"seed": seed, "institutions": list(institutions),
            "periods": [p.isoformat() for p in sorted(periods)], "deals": deals,
            "frauds": frauds, "fmt": fmt, "encoding": encoding, "submissions": submissions,
            "rows": rows, "cases": per_check, "hard_negatives": negatives,
            "bulk_deals": budget}


def _write_labels(path: Path, cases: list[tuple[str, str, list]],
                  institutions: list[str]) -> None:
    """One row per case: every application involved and the banks that received them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(["case_id", "check", "variant", "application_ids", "institution_ids"])
    for i, (check, v, deals) in enumerate(cases, start=1):
        apps = sorted({d.app.application_id for d in deals})
        insts = sorted({institutions[d.app.inst] for d in deals})
        wr.writerow([f"SCF{i:06d}", check, v, ";".join(apps), ";".join(insts)])
    path.write_text(buf.getvalue(), encoding="utf-8")
