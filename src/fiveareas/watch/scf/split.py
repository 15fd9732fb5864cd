"""Split-amount duplicates: one receivable financed at another bank as 2–3 smaller invoices.

Candidates are the invoices at another institution between the same seller and buyer, issued
within split_window_days of the original, smaller than it and stating the same contract when
both state one; a subset-sum over at most split_max_candidates of them (groups of 2 to
split_max_parts) looks for a sum within split_sum_relative of the original's amount.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import duckdb

from fiveareas.watch.scf.findings import Finding
from fiveareas.watch.scf.tolerances import Tolerances

INPUT_TABLE = "scf_dup_input"

SPLIT_SQL = f"""
SELECT o.unique_id, o.institution_id, o.amount, o.issue_date, o.application_ids,
       p.unique_id AS p_id, p.institution_id AS p_inst, p.amount AS p_amount,
       p.issue_date AS p_date, p.application_ids AS p_apps
FROM {INPUT_TABLE} o JOIN {INPUT_TABLE} p
  ON p.seller_id = o.seller_id AND p.buyer_id = o.buyer_id
 AND p.institution_id <> o.institution_id AND p.amount < o.amount
 AND abs(date_diff('day', o.issue_date, p.issue_date)) <= ?
 AND (o.contract_id IS NULL OR p.contract_id IS NULL OR o.contract_id = p.contract_id)
ORDER BY o.unique_id, p.institution_id, p.unique_id
"""


def split_findings(con: duckdb.DuckDBPyConnection, tol: Tolerances) -> list[Finding]:
    """Subset-sum over the small candidate groups (per original and other institution)."""
    groups: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for row in con.execute(SPLIT_SQL, [tol.split_window_days]).fetchall():
        groups.setdefault((row[0], row[6]), []).append(row)
    out: list[Finding] = []
    for (orig_id, other), rows in sorted(groups.items()):
        cands = rows[: tol.split_max_candidates]
        total_o = float(cands[0][2])
        for k in range(2, tol.split_max_parts + 1):
            hit = next(
                (
                    c
                    for c in combinations(cands, k)
                    if abs(sum(float(x[7]) for x in c) - total_o)
                    <= tol.split_sum_relative * total_o
                ),
                None,
            )
            if hit is None:
                continue
            parts_sum = sum(float(x[7]) for x in hit)
            apps = set(cands[0][4]) | {a for x in hit for a in x[9]}
            out.append(
                Finding(
                    check="duplicate_financing",
                    variant="split_amount",
                    severity="high",
                    score=0.9,
                    institution_ids=[cands[0][1], other],
                    application_ids=sorted(apps),
                    key="split",
                    evidence={
                        "rule": "invoices at another institution between the same parties, within "
                        f"{tol.split_window_days} days, summing to the original within "
                        f"{tol.split_sum_relative:.1%}",
                        "original": {
                            "invoice": orig_id,
                            "amount": total_o,
                            "issue_date": cands[0][3],
                            "application_ids": cands[0][4],
                        },
                        "parts": [
                            {
                                "invoice": x[5],
                                "amount": float(x[7]),
                                "issue_date": x[8],
                                "application_ids": x[9],
                            }
                            for x in hit
                        ],
                        "parts_sum": round(parts_sum, 2),
                        "relative_difference": round(abs(parts_sum - total_o) / total_o, 6),
                    },
                )
            )
            break
    return out
