"""Why a loan is (or is not) in each area: every rule, every condition, the values that decided.

Runs the same conditions as the batch job on the one loan, so the account cannot drift from the
tags actually written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis.expr.types as ir

from fiveareas.rules import context, inputs
from fiveareas.rules.catalogue import rules
from fiveareas.rules.evaluate import account, condition, fired, reason
from fiveareas.rules.job import party_table
from fiveareas.store import catalog as cat
from fiveareas.store import engine, lake
from fiveareas.store.home import Home
from fiveareas.store.submissions import current


class NotFound(LookupError):
    """No such loan in the period's submissions in force (or more than one, unqualified)."""


def explain_rows(t: ir.Table, con: Any, when: date) -> list[dict[str, Any]]:
    """Per loan row of `t` (prepared inputs): every rule's outcome with its conditions."""
    ctx = context.at(when)
    cols: dict[str, ir.Value] = {}
    usable = {r.id for r in ctx.usable()}
    for r in rules():
        if r.id not in usable:
            continue
        for i, c in enumerate(r.when):
            cols[f"c__{r.id}__{i}"] = condition(t, c, ctx)
        cols[f"f__{r.id}"] = fired(t, r, ctx)
        cols[f"r__{r.id}"] = reason(t, r)
    rows = con.to_pyarrow(t.mutate(**cols)).to_pylist()
    skipped = dict((r.id, why) for r, why in ctx.skipped())
    out = []
    for row in rows:
        report = {k: row.get(k) for k in ("institution_id", "loan_id", "counterparty_id",
                                          "counterparty_type")}
        report["period"] = when.isoformat()
        report["size"] = _size_text(row)
        report["rules"] = []
        for r in rules():
            item: dict[str, Any] = {"rule": r.id, "area": r.area, "title": r.title,
                                    "sub_area": r.sub_area}
            if r.id in skipped:
                item |= {"outcome": "undefined", "why": skipped[r.id]}
            else:
                held = [bool(row[f"c__{r.id}__{i}"]) for i in range(len(r.when))]
                hit = bool(row[f"f__{r.id}"])
                if r.sub_area_field:
                    item["sub_area"] = row.get(r.sub_area_field)
                item |= {"outcome": r.kind if hit else "no",
                         "reason": row[f"r__{r.id}"], "param_version": ctx.version(r),
                         "conditions": [{"condition": d, "held": ok, "values": v}
                                        for d, ok, v in account(row, r, ctx, held)]}
            report["rules"].append(item)
        out.append(report)
    return out


def _size_text(row: dict[str, Any]) -> str:
    if row.get("counterparty_type") == "person":
        return "not sized (a person)"
    if row.get("size_class") is None:
        why = ("industry placed in no sector" if row.get("size_sector") is None
               else f"sector {row['size_sector']} is sized by another standard or a figure "
               "its bounds need is missing")
        return f"not computed ({why}); reported {row.get('reported_size')}"
    return (f"{row['size_class']} (sector {row['size_sector']}: employees {row['employees']}, "
            f"revenue {row['operating_revenue']}, assets {row['total_assets']}); "
            f"reported {row.get('reported_size')}")


def explain_loan(home: Home, loan_id: str, period: date | None,
                 institution: str | None = None) -> dict[str, Any]:
    if period is None:
        raise NotFound("give the period")
    db = cat.open_catalog(home.catalog_url)
    with db.connect() as conn:
        subs = current(conn, period=period, institution_id=institution)
    if not subs:
        raise NotFound(f"no submissions in force for period {period.isoformat()}"
                       + (f" from {institution}" if institution else ""))
    con = engine.connect(home)
    loans = engine.read_lake(con, lake.files(home, "loan", subs))
    loans = loans.drop(*[c for c in ("institution", "submission") if c in loans.columns])
    loans = loans.filter(loans.loan_id == loan_id)
    found = con.to_pyarrow(loans.select("institution_id")).column(0).to_pylist()
    if not found:
        raise NotFound(f"no loan {loan_id} in period {period.isoformat()}")
    if len(found) > 1:
        raise NotFound(f"loan id {loan_id} is reported by {', '.join(sorted(found))}: "
                       "say which with --institution")
    parties = party_table(con, lake.files(home, "counterparty", subs))
    parties = parties.filter(parties.institution_id == found[0])
    t = inputs.prepare(loans, parties, context.at(period))
    return explain_rows(t, con, period)[0]
