"""Classify loans given as records, not read from the lake: classify-one and the rule test cases.

The same catalogue, inputs and engine as the batch job, on a small in-memory backend.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from fiveareas.rules import context, inputs
from fiveareas.rules.evaluate import decisions
from fiveareas.rules.record import tables
from fiveareas.store import engine


def run(con: BaseBackend, loans: pa.Table, parties: pa.Table,
        when: dt.date) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Tags+flags rows, size rows and the rules skipped on `when`, for Arrow inputs."""
    ctx = context.at(when)
    lt, pt = ibis.memtable(loans), ibis.memtable(parties)
    found = decisions(inputs.prepare(lt, pt, ctx), ctx.usable(), ctx)
    sized = inputs.sizes(pt, ctx).select("institution_id", "counterparty_id", "size_class")
    skipped = {r.id: why for r, why in ctx.skipped()}
    return (con.to_pyarrow(found).to_pylist(), con.to_pyarrow(sized).to_pylist(), skipped)


def classify_one(doc: Any, when: dt.date) -> dict[str, Any]:
    """The answer classify-one prints for one {counterparty, loan} object."""
    loan, party = tables(doc, when)
    found, sized, skipped = run(engine.scratch(), loan, party, when)
    return answer(found, sized[0]["size_class"] if sized else None, skipped, when)


def answer(found: list[dict[str, Any]], size_class: str | None, skipped: dict[str, str],
           when: dt.date) -> dict[str, Any]:
    order = {"tag": 0, "flag": 1}
    found = sorted(found, key=lambda d: (order[d["kind"]], d["rule"]))
    return {
        "date": when.isoformat(),
        "size_class": size_class,
        "areas": [{"area": d["area"], "sub_area": d["sub_area"], "rule": d["rule"],
                   "counted_in_total": d["in_total"], "reason": d["reason"],
                   "param_version": d["param_version"]}
                  for d in found if d["kind"] == "tag"],
        "not_counted": [{"area": d["area"], "rule": d["rule"], "reason": d["reason"]}
                        for d in found if d["kind"] == "flag"],
        "undefined": [{"rule": r, "reason": why} for r, why in sorted(skipped.items())],
    }
