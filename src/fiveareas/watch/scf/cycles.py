"""Circular trade: the same goods go round a ring of related parties, leg after leg, within days.

The trade graph has one edge per distinct contract (seller → buyer), kept only when both parties
share a related-party group (any institution saying so is enough). networkx finds the simple
cycles up to cycle_max_length (Gupta–Suzumura when bounded, SCCs first); each node cycle is then
searched for one contract per leg such that the legs follow in signing order with gaps of at
most cycle_max_gap_days and carry the same goods.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import duckdb
import networkx as nx

from fiveareas.watch.scf.findings import Finding
from fiveareas.watch.scf.source import records
from fiveareas.watch.scf.tolerances import Tolerances

CONTRACTS_SQL = """
SELECT seller_id, buyer_id, contract_id, trim(lower(goods)) AS goods,
       max(CAST(amount AS DOUBLE)) AS amount, min(signed_date) AS signed_date
FROM contract GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3
"""

APPS_SQL = """
SELECT DISTINCT c.seller_id, c.buyer_id, c.contract_id, d.institution_id, d.application_id
FROM application_document d JOIN contract c
  ON c.institution_id = d.institution_id AND c.contract_id = d.document_id
WHERE d.document_type = 'contract'
"""


def party_groups(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Each party's related-party groups, as any institution reports them."""
    out: dict[str, set[str]] = defaultdict(set)
    for party, group in con.execute(
        "SELECT DISTINCT party_id, group_id FROM scf_party WHERE coalesce(group_id, '') <> ''"
    ).fetchall():
        out[party].add(group)
    return out


def contract_edges(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[dict[str, Any]]]:
    edges: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for rec in records(con, CONTRACTS_SQL):
        edges[(rec["seller_id"], rec["buyer_id"])].append(rec)
    return edges


def applications_by_contract(
    con: duckdb.DuckDBPyConnection,
) -> dict[tuple[str, str, str], list[tuple[str, str]]]:
    out: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    for seller, buyer, cid, inst, app in con.execute(APPS_SQL).fetchall():
        out[(seller, buyer, cid)].append((inst, app))
    return out


def _extend(
    order: list[tuple[str, str]],
    edges: dict[tuple[str, str], list[dict[str, Any]]],
    max_gap: int,
    chosen: list[dict[str, Any]],
) -> list[dict[str, Any]] | None:
    """Depth-first choice of the next leg's contract (the sets are small: a few per edge)."""
    i = len(chosen)
    if i == len(order):
        return chosen
    prev = chosen[-1] if chosen else None
    for leg in sorted(edges[order[i]], key=lambda c: (c["signed_date"], c["contract_id"])):
        if prev is not None:
            gap = (leg["signed_date"] - prev["signed_date"]).days
            if gap < 0 or gap > max_gap or leg["goods"] != prev["goods"]:
                continue
        found = _extend(order, edges, max_gap, [*chosen, leg])
        if found:
            return found
    return None


def timed_legs(
    nodes: list[str], edges: dict[tuple[str, str], list[dict[str, Any]]], max_gap: int
) -> list[dict[str, Any]] | None:
    """One contract per leg, in signing order with bounded gaps and the same goods, or None.

    Every rotation of the node cycle is tried as the first leg, since the ring may start anywhere.
    """
    k = len(nodes)
    for start in range(k):
        order = [(nodes[(start + i) % k], nodes[(start + i + 1) % k]) for i in range(k)]
        legs = _extend(order, edges, max_gap, [])
        if legs:
            return legs
    return None


def find_cycles(
    edges: dict[tuple[str, str], list[dict[str, Any]]],
    max_length: int,
    max_gap: int | None,
    keep: Any = None,
) -> list[list[dict[str, Any]]]:
    """Timed cycles over the edges kept (keep(seller, buyer) -> bool); max_gap None: any timing."""
    g = nx.DiGraph()
    g.add_edges_from(e for e in edges if keep is None or keep(*e))
    out: list[list[dict[str, Any]]] = []
    for cyc in nx.simple_cycles(g, length_bound=max_length):
        if len(cyc) < 2:
            continue
        gap = max_gap if max_gap is not None else 10**6
        legs = (
            timed_legs(list(cyc), edges, gap)
            if max_gap is not None
            else [
                sorted(edges[(cyc[i], cyc[(i + 1) % len(cyc)])], key=lambda c: c["signed_date"])[0]
                for i in range(len(cyc))
            ]
        )
        if legs:
            out.append(legs)
    return out


def cycle_finding(
    legs: list[dict[str, Any]],
    apps: dict[tuple[str, str, str], list[tuple[str, str]]],
    rule: str,
    variant: str = "ring",
) -> Finding:
    linked = sorted(
        {ia for c in legs for ia in apps.get((c["seller_id"], c["buyer_id"], c["contract_id"]), [])}
    )
    first, last = legs[0], legs[-1]
    inflation = (last["amount"] / first["amount"] - 1) if first["amount"] else None
    days: list[date] = [c["signed_date"] for c in legs]
    return Finding(
        check="circular_trade",
        variant=variant,
        severity="high",
        score=min(1.0, 0.7 + 0.05 * len(legs)),
        institution_ids=[i for i, _ in linked],
        application_ids=[a for _, a in linked],
        key="|".join(sorted(c["contract_id"] for c in legs)),
        evidence={
            "rule": rule,
            "parties": [c["seller_id"] for c in legs],
            "legs": [
                {
                    k: c[k]
                    for k in (
                        "contract_id",
                        "seller_id",
                        "buyer_id",
                        "goods",
                        "amount",
                        "signed_date",
                    )
                }
                for c in legs
            ],
            "inflation": round(inflation, 6) if inflation is not None else None,
            "span_days": (max(days) - min(days)).days,
        },
    )


def check_cycles(con: duckdb.DuckDBPyConnection, tol: Tolerances) -> list[Finding]:
    groups = party_groups(con)
    edges = contract_edges(con)
    apps = applications_by_contract(con)

    def related(a: str, b: str) -> bool:
        return bool(groups.get(a, set()) & groups.get(b, set()))

    rule = (
        f"cycle of ≤{tol.cycle_max_length} related parties, legs in signing order "
        f"≤{tol.cycle_max_gap_days} days apart, same goods"
    )
    return [
        cycle_finding(legs, apps, rule)
        for legs in find_cycles(edges, tol.cycle_max_length, tol.cycle_max_gap_days, related)
    ]
