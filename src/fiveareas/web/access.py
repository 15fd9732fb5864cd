"""What each role may see of the figures: the rules of data access in one place.

Regulators see everything. A bank sees every aggregate but, among institutions, only its own
row. The public sees aggregates only: no institution's row, and every cell with fewer than
`MIN_BORROWERS` borrowers suppressed (its figures withheld, the cell marked), so that no
borrower's loans can be read from a published figure.
"""

from __future__ import annotations

from typing import Any

from fiveareas.web.auth import Principal

MIN_BORROWERS = 3
KEYS = ("area", "sub_area", "dimension", "member", "member_name")


def indicator_rows(p: Principal, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if p.role == "regulator":
        return rows
    if p.role == "bank":
        return [r for r in rows if r["dimension"] != "institution" or r["member"] == p.institution]
    out = []
    for r in rows:
        if r["dimension"] == "institution":
            continue
        if (r.get("borrowers") or 0) < MIN_BORROWERS:
            r = {k: r[k] for k in KEYS} | {"suppressed": True}
        out.append(r)
    return out


def may_see_institution(p: Principal, institution_id: str | None) -> bool:
    return p.role == "regulator" or (p.role == "bank" and p.institution == institution_id)


def may_see_submission(p: Principal, row: Any) -> bool:
    """A bank sees its institution's submissions, and what it sent that could not be read."""
    if p.role == "regulator":
        return True
    return p.role == "bank" and (row.institution_id == p.institution or (
        row.institution_id is None and row.submitted_by == p.name))
