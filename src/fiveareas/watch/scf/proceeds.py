"""Proceeds round trip: prepayment proceeds paid to the supplier come back to the borrower's group.

Allocation rule (stated in every finding's evidence): a party holding a tainted lot T that
arrived on day t passes it on through its payments on or after t within the trace window.
Pass-through first: the earliest payment of at least pass_through_share × T (and at most
T / pass_through_share) that settles no documented contract carries T up to its amount, since
round-tripped money leaves in one piece within days; a pure haircut lets a busy supplier's
ordinary outflows dilute a refund of 80% of the proceeds to a few per cent. The rest R is
spread as a haircut: each other payment a carries a × R / max(R + other inflows, outflows)
over the same span, so money the party received from elsewhere dilutes the taint as much as
money it paid elsewhere.

A payment into the borrower's group (the applicant and parties sharing a group_id with it)
counts as returned unless its reference names a contract in the documents under which the
payer buys from the payee: that is trade, and the taint ends there. Other lots are followed
for at most trace_max_hops payments after the disbursement.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb

from fiveareas.watch.scf.cycles import party_groups
from fiveareas.watch.scf.findings import Finding
from fiveareas.watch.scf.four_flow import app_contracts
from fiveareas.watch.scf.source import records
from fiveareas.watch.scf.tolerances import Tolerances

RULE = (
    "pass-through then haircut: of a reached party's payments on or after the taint arrived "
    "and within the window, the earliest of at least pass_through_share of the lot (and at "
    "most lot / pass_through_share) not settling a documented contract carries the lot up to "
    "its amount; each other payment a "
    "carries a × rest / max(rest + other inflows, other outflows); payments into the group "
    "that settle a documented contract (payer buying from payee) are trade, not returns"
)

PAYMENTS_SQL = """
SELECT DISTINCT payment_id, institution_id, payer_id, payee_id, CAST(amount AS DOUBLE) AS amount,
       value_date, coalesce(reference, '') AS reference
FROM payment ORDER BY value_date, payment_id
"""


@dataclass
class Flows:
    """The city's payments by payer and by payee, and contracts by (buyer, seller)."""

    by_payer: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    by_payee: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    contracts: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    dates_out: dict[str, list[date]] = field(default_factory=dict)
    dates_in: dict[str, list[date]] = field(default_factory=dict)

    def index(self) -> None:
        """Date lists parallel to the (date-ordered) payment lists, for bisecting a window."""
        self.dates_out = {k: [p["value_date"] for p in v] for k, v in self.by_payer.items()}
        self.dates_in = {k: [p["value_date"] for p in v] for k, v in self.by_payee.items()}

    def paid(self, party: str, since: date, end: date) -> list[dict[str, Any]]:
        days = self.dates_out.get(party, [])
        return self.by_payer[party][bisect_left(days, since) : bisect_right(days, end)]

    def received(self, party: str, since: date, end: date) -> list[dict[str, Any]]:
        days = self.dates_in.get(party, [])
        return self.by_payee[party][bisect_left(days, since) : bisect_right(days, end)]

    def is_trade(self, p: dict[str, Any]) -> bool:
        """The reference names a documented contract where the payer buys from the payee."""
        return any(
            c in p["reference"] for c in self.contracts.get((p["payer_id"], p["payee_id"]), ())
        )


def load_flows(con: duckdb.DuckDBPyConnection) -> Flows:
    flows = Flows()
    for rec in records(con, PAYMENTS_SQL):
        flows.by_payer[rec["payer_id"]].append(rec)
        flows.by_payee[rec["payee_id"]].append(rec)
    for buyer, seller, cid in con.execute(
        "SELECT DISTINCT buyer_id, seller_id, contract_id FROM contract"
    ).fetchall():
        flows.contracts[(buyer, seller)].add(cid)
    flows.index()
    return flows


def borrower_group(applicant: str, groups: dict[str, set[str]]) -> set[str]:
    mine = groups.get(applicant, set())
    return {applicant} | {p for p, gs in groups.items() if gs & mine}


def allocate(
    taint: float,
    outs: list[dict[str, Any]],
    other_in: float,
    pass_share: float,
    explained: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[tuple[dict[str, Any], float]]:
    """Split a tainted lot over a party's later payments (the rule in RULE).

    A payment that settles a documented contract (its id in `explained`) is not taken as the
    pass-through: it pays for goods, whereas the lot passed on is money without a document.
    """
    out: list[tuple[dict[str, Any], float]] = []
    rest = taint
    through = next(
        (
            p
            for p in outs
            if pass_share * taint <= p["amount"] <= taint / pass_share
            and p["payment_id"] not in explained
        ),
        None,
    )
    others = outs
    if through is not None:
        carried = min(through["amount"], rest)
        out.append((through, carried))
        rest -= carried
        others = [p for p in outs if p is not through]
    denominator = max(rest + other_in, sum(p["amount"] for p in others))
    if rest > 0 and denominator > 0:
        out += [(p, min(p["amount"], rest * p["amount"] / denominator)) for p in others]
    return out


def trace(start: dict[str, Any], flows: Flows, group: set[str], tol: Tolerances) -> dict[str, Any]:
    """Follow the disbursement; returns what came back by hop, where the rest ends, the path."""
    end: date = start["value_date"] + timedelta(days=tol.trace_window_days)
    lots: list[tuple[str, date, float, str]] = [
        (start["payee_id"], start["value_date"], start["amount"], start["payment_id"])
    ]
    returned: dict[int, float] = defaultdict(float)
    ends: dict[str, float] = defaultdict(float)
    followed: list[dict[str, Any]] = []
    floor = tol.trace_min_lot_share * start["amount"]
    for hop in range(1, tol.trace_max_hops + 1):
        nxt: list[tuple[str, date, float, str]] = []
        for party, since, taint, via in lots:
            if taint < floor:  # too small to matter: stop following, keep it in the books
                ends[party] += taint
                continue
            outs = [
                p for p in flows.paid(party, since, end) if p["payment_id"] != start["payment_id"]
            ]
            other_in = sum(
                p["amount"] for p in flows.received(party, since, end) if p["payment_id"] != via
            )
            explained = {p["payment_id"] for p in outs if flows.is_trade(p)}
            carried_sum = 0.0
            for p, carried in allocate(taint, outs, other_in, tol.pass_through_share, explained):
                carried_sum += carried
                trade = p["payment_id"] in explained
                followed.append(
                    {
                        "hop": hop,
                        "payment_id": p["payment_id"],
                        "payer_id": party,
                        "payee_id": p["payee_id"],
                        "amount": p["amount"],
                        "value_date": p["value_date"],
                        "reference": p["reference"],
                        "tainted": round(carried, 2),
                        **({"settles_contract": True} if trade else {}),
                    }
                )
                if p["payee_id"] in group:
                    ends[p["payee_id"]] += carried
                    if not trade:
                        returned[hop] += carried
                else:
                    nxt.append((p["payee_id"], p["value_date"], carried, p["payment_id"]))
            if taint > carried_sum:
                ends[party] += taint - carried_sum
        lots = nxt
    for party, _, taint, _ in lots:
        ends[party] += taint
    return {"returned_by_hop": dict(returned), "ends": dict(ends), "followed": followed}


def disbursements(
    con: duckdb.DuckDBPyConnection, flows: Flows
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(application, disbursement) for prepayment applications whose loan reached the seller."""
    out = []
    for app in app_contracts(con):
        loan = app.get("loan_id") or ""
        if app["product"] != "prepayment_financing" or not loan:
            continue
        paid = [
            p
            for p in flows.by_payer.get(app["applicant_id"], [])
            if p["payee_id"] == app["seller_id"] and loan in p["reference"]
        ]
        if paid:
            out.append((app, paid[0]))
    return out


def check_proceeds(con: duckdb.DuckDBPyConnection, tol: Tolerances) -> list[Finding]:
    flows = load_flows(con)
    groups = party_groups(con)
    out: list[Finding] = []
    for app, start in disbursements(con, flows):
        group = borrower_group(app["applicant_id"], groups)
        res = trace(start, flows, group, tol)
        back = sum(res["returned_by_hop"].values())
        share = back / start["amount"] if start["amount"] else 0.0
        if share < tol.round_trip_share:
            continue
        direct = res["returned_by_hop"].get(1, 0.0)
        out.append(
            Finding(
                check="proceeds_round_trip",
                variant="direct" if direct >= back / 2 else "via_intermediary",
                severity="high" if share >= 0.6 else "medium",
                score=min(1.0, share),
                institution_ids=[app["institution_id"]],
                application_ids=[app["application_id"]],
                evidence={
                    "rule": RULE,
                    "loan_id": app["loan_id"],
                    "disbursement": start,
                    "borrower_group": sorted(group),
                    "returned": round(back, 2),
                    "returned_share": round(share, 6),
                    "returned_by_hop": {
                        str(k): round(v, 2) for k, v in res["returned_by_hop"].items()
                    },
                    "ends": {k: round(v, 2) for k, v in sorted(res["ends"].items()) if v >= 0.01},
                    "followed": [f for f in res["followed"] if f["tainted"] >= 0.01][:50],
                    "window_days": tol.trace_window_days,
                    "max_hops": tol.trace_max_hops,
                    "pass_through_share": tol.pass_through_share,
                },
            )
        )
    return out
