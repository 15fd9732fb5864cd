"""generate_city: a deterministic synthetic city of banks, borrowers and monthly loan books."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from fiveareas.synth import certs
from fiveareas.synth.book import Book, pair_lines
from fiveareas.synth.config import (
    SIZES,
    calibration,
    industry_codes,
    institution_types,
    month_ends,
    month_index,
)
from fiveareas.synth.dynamics import amortise, mature, migrate
from fiveareas.synth.institutions import make_institutions
from fiveareas.synth.loans import Ctx, green_code_list
from fiveareas.synth.metrics import area_sums
from fiveareas.synth.parties import make_parties
from fiveareas.synth.scf import generate_scf
from fiveareas.synth.steer import grow, targets
from fiveareas.synth.write import counterparty_table, institution_table, loan_table, write

BASE = np.datetime64("2023-12", "M")  # the calibration's end-2023 reference


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _first_flags(rng: np.random.Generator, book: Book, period: int) -> None:
    """In the opening book, a borrower's earliest loan is their first ever with some chance
    when it started in the last year (older borrowers had loans before, since repaid)."""
    order = np.lexsort((book["id"], book["start"], book["cp"]))
    cp = book["cp"][order]
    head = np.r_[True, cp[1:] != cp[:-1]]
    recent = book["start"][order] >= period - 365
    pick = order[head & recent & (rng.random(len(order)) < 0.3)]
    first = np.zeros(len(book), bool)
    first[pick] = True
    book["first"] = first


def generate_city(out: Path, *, scale: float = 0.01, start: str = "2023-12", months: int = 13,
                  seed: int = 0, fmt: str = "csv", encoding: str = "utf-8",
                  scf_deals: int = 0, scf_frauds: int = 0,
                  progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Write institutions, monthly loan and counterparty files, labels and a manifest; with
    `scf_deals`, the banks' supply-chain submissions too (`scf_frauds` labelled per check).

    Same arguments give byte-identical output. Returns the manifest.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be csv or parquet, not {fmt!r}")
    if encoding not in ("utf-8", "gb18030"):
        raise ValueError(f"encoding must be utf-8 or gb18030, not {encoding!r}")
    if scale <= 0 or months < 1:
        raise ValueError("scale must be > 0 and months >= 1")
    out = Path(out)
    cal = calibration()
    rng = np.random.default_rng(seed)
    periods = month_ends(start, months)
    inst = make_institutions(rng, scale)
    first_year = cal["targets"]["first_loans_per_year"] * scale
    reserve = {"sme": math.ceil(first_year * 0.8 * months / 12 * 1.3) + 8,
               "indiv": math.ceil(first_year * 0.3 * months / 12 * 1.3) + 8,
               "person": math.ceil(cal["pools"]["person"]["count"] * scale * 0.02 * months) + 8}
    parties = make_parties(rng, scale, reserve, periods[0])
    inst_ids = pa.array(inst.ids)
    cp_ids = pa.array(parties.ids)
    write(institution_table(inst), out / "institutions", fmt, encoding)
    manifest: dict = {
        "generator": "fiveareas.synth", "template_version": 1,
        "parameters": {"scale": scale, "start": start, "months": months, "seed": seed,
                       "fmt": fmt, "encoding": encoding},
        "institutions": len(inst), "counterparties": len(parties), "periods": [],
    }
    book, prev, next_id = Book(), 0, 1
    appeared = np.zeros(len(parties), bool)
    mismatches: list[pa.Table] = []
    renew_month = cal["targets"]["seamless_renewals_per_year"] * scale * 100 / 12
    for k, p in enumerate(periods):
        pday = int(p.astype(np.int64))
        fields, tech_ok = certs.status(parties.certs, p)
        mstart = int(p.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64))
        ctx = Ctx(rng, parties, inst, tech_ok, pday, mstart, dict(parties.pointer), k == 0,
                  next_id)
        mfb = int((p.astype("datetime64[M]") - BASE).astype(np.int64))
        goal = targets(mfb, scale)
        if k > 0:
            book = migrate(ctx, book)
            amortise(ctx, book)
            book, renewed = mature(ctx, book, prev, renew_month, parties)
            book = Book.concat([book, renewed])
        lines = pair_lines(book, len(inst))
        running = area_sums(book, parties, tech_ok, lines)
        cum = [round(first_year * (k + j) / 12) for j in (0, 1)]
        book = grow(ctx, book, goal, running, 0 if k == 0 else cum[1] - cum[0])
        # second pass: shared lines (several loans of a borrower at one lender) can push a
        # borrower over the inclusive cap, which the first pass could only estimate
        running = area_sums(book, parties, tech_ok, pair_lines(book, len(inst)))
        book = grow(ctx, book, goal, running, 0)
        if k == 0:
            _first_flags(rng, book, pday)
        next_id = ctx.next_id
        book = book.take(np.lexsort((book["id"], book["inst"])))
        lines = pair_lines(book, len(inst))
        entry = _write_period(out, p, book, lines, fields, inst, inst_ids, parties, cp_ids,
                              fmt, encoding, appeared)
        this_month = month_index(book["start"]) == month_index(np.array([pday]))[0]
        totals = {k2: _money(v) for k2, v in area_sums(book, parties, tech_ok, lines).items()}
        totals["first_loans"] = int((book["first"] & this_month
                                     & (parties.ctype[book["cp"]] < 2)).sum())
        totals["seamless_renewal_amount"] = _money(
            int(book["orig"][book["renewal"] & this_month].sum()))
        manifest["periods"].append({"period": str(p), "totals": totals, "institutions": entry})
        mismatches.append(_mismatch_rows(p, book, inst_ids, cp_ids, parties))
        prev = pday
        if progress is not None:
            progress("periods", k + 1, months)
    _write_labels(out, parties, appeared, mismatches)
    if scf_deals:
        banks = [str(i) for i, t in zip(inst.ids, inst.type_idx, strict=True)
                 if institution_types()[t].endswith("_bank")]
        manifest["parameters"] |= {"scf_deals": scf_deals, "scf_frauds": scf_frauds}
        manifest["scf"] = generate_scf(out, institutions=banks, periods=periods.tolist(),
                                       deals=scf_deals, frauds=scf_frauds, seed=seed, fmt=fmt,
                                       encoding=encoding)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    return manifest


def _write_period(out, p, book, lines, fields, inst, inst_ids, parties, cp_ids, fmt, encoding,
                  appeared) -> dict:
    """Per-institution loan and counterparty files for one period; manifest entries. An
    institution without loans at the period end (a small city can hold one) has nothing to
    report: it gets no files, which would be a header alone (refused, E0005), nor an entry."""
    table = loan_table(int(p.astype(np.int64)), book, lines, inst_ids, cp_ids)
    key = book["inst"] * len(parties) + book["cp"]
    pairs = np.unique(key)
    p_inst, p_cp = pairs // len(parties), pairs % len(parties)
    appeared[p_cp] = True
    cps = counterparty_table(parties, p_cp, fields, cp_ids)
    lb = np.searchsorted(book["inst"], np.arange(len(inst) + 1))
    cb = np.searchsorted(p_inst, np.arange(len(inst) + 1))
    entry = {}
    for i, iid in enumerate(inst.ids):
        if lb[i + 1] == lb[i]:
            continue
        d = out / str(p) / iid
        write(table.slice(lb[i], lb[i + 1] - lb[i]), d / "loans", fmt, encoding)
        write(cps.slice(cb[i], cb[i + 1] - cb[i]), d / "counterparties", fmt, encoding)
        entry[iid] = {"loan_rows": int(lb[i + 1] - lb[i]),
                      "counterparty_rows": int(cb[i + 1] - cb[i]),
                      "balance_sum": _money(int(book["bal"][lb[i]:lb[i + 1]].sum()))}
    return entry


def _mismatch_rows(p, book, inst_ids, cp_ids, parties) -> pa.Table:
    m = np.flatnonzero(book["mismatch"])
    ids = [f"L{x:010d}" for x in book["id"][m]]
    codes = industry_codes()
    return pa.table({
        "period": pa.array([str(p)] * len(m), pa.string()),
        "institution_id": inst_ids.take(pa.array(book["inst"][m])),
        "loan_id": pa.array(ids, pa.string()),
        "green_code": pa.array([green_code_list()[g] for g in book["green"][m]], pa.string()),
        "industry_code": pa.array([codes[parties.industry[c]] for c in book["cp"][m]],
                                  pa.string()),
    })


def _write_labels(out: Path, parties, appeared, mismatches) -> None:
    import pyarrow.csv as pacsv

    labels = out / "labels"
    labels.mkdir(parents=True, exist_ok=True)
    mis = np.flatnonzero(appeared & (parties.reported_size != parties.true_size)
                         & (parties.ctype < 2))
    sizes = pa.array(SIZES)
    t = pa.table({"counterparty_id": pa.array(parties.ids[mis], pa.string()),
                  "reported_size": sizes.take(pa.array(parties.reported_size[mis])),
                  "true_size": sizes.take(pa.array(parties.true_size[mis]))})
    opts = pacsv.WriteOptions(quoting_style="needed")
    pacsv.write_csv(t, labels / "misreported_size.csv", opts)
    pacsv.write_csv(pa.concat_tables(mismatches), labels / "green_mismatch.csv", opts)
