"""What each role may see of the figures: the rules of data access in one place.

Regulators see everything. A bank sees every aggregate but, among institutions, only its own
row. The public sees aggregates only: no institution's row, and every cell with fewer than
`MIN_BORROWERS` borrowers suppressed (its figures withheld, the cell marked), so that no
borrower's loans can be read from a published figure.
"""

from __future__ import annotations

import json
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


OTHER = "another institution"


def scf_finding(p: Principal, f: dict[str, Any], owners: dict[str, str]) -> dict[str, Any] | None:
    """A supply-chain finding as the caller may see it (None: not at all).

    The regulator sees every finding whole. A bank sees the findings that name one of its
    applications, and of the others involved only that they exist: their institutions,
    applications and documents are withheld ("another institution"), since a bank sees
    only its own data even when its deal is duplicated elsewhere. The public sees none."""
    if p.role == "regulator":
        return f
    if p.role != "bank" or p.institution not in f["institution_ids"]:
        return None
    mine = p.institution
    hidden = {a for a in f["application_ids"] if owners.get(a) != mine}
    hidden |= {i for i in f["institution_ids"] if i != mine}

    def clean(v: Any) -> Any:
        if isinstance(v, dict):
            inst = v.get("institution_id", v.get("institution"))
            if inst is not None and inst != mine:
                return {"institution_id": OTHER}
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return OTHER if isinstance(v, str) and v in hidden else v

    others = sum(1 for i in f["institution_ids"] if i != mine)
    return {**f, "institution_ids": [mine] + [OTHER] * others,
            "application_ids": [a for a in f["application_ids"] if a not in hidden],
            "evidence": json.dumps(clean(json.loads(f["evidence"])), ensure_ascii=False)}
