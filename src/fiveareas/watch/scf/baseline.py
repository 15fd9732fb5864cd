"""The exact-key baseline: what identical keys alone find (docs, "Labels and scoring").

It is the yardstick the checks must beat: same invoice code and number, same receipt id, a flow
missing altogether or an invoice total not exactly the contract amount, direct two-party
cycles, a direct payment back from the supplier to the applicant.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb

from fiveareas.watch.scf.cycles import (
    applications_by_contract,
    contract_edges,
    cycle_finding,
    find_cycles,
)
from fiveareas.watch.scf.findings import Finding
from fiveareas.watch.scf.four_flow import INVOICES_SQL, SHIPMENTS_SQL, _grouped, app_contracts
from fiveareas.watch.scf.pledges import check_pledges
from fiveareas.watch.scf.proceeds import disbursements, load_flows

DUP_SQL = """
SELECT coalesce(i.invoice_code, '') || i.invoice_number AS doc,
       list(DISTINCT i.institution_id ORDER BY i.institution_id), list(DISTINCT d.application_id)
FROM invoice i JOIN application_document d
  ON d.institution_id = i.institution_id AND d.document_type = 'invoice'
 AND d.document_id = coalesce(i.invoice_code, '') || i.invoice_number
GROUP BY 1 HAVING count(DISTINCT i.institution_id) >= 2 ORDER BY 1
"""


def baseline_four_flow(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    invoices = _grouped(con, INVOICES_SQL)
    shipments = _grouped(con, SHIPMENTS_SQL)
    pairs = {
        (a, b) for a, b in con.execute("SELECT DISTINCT payer_id, payee_id FROM payment").fetchall()
    }
    out = []
    for app in app_contracts(con):
        key = (app["institution_id"], app["application_id"])
        failed = []
        if app["product"] in (
            "receivables_financing",
            "warehouse_receipt_pledge",
        ) and not shipments.get(key):
            failed.append("no_shipment")
        if (app["buyer_id"], app["seller_id"]) not in pairs:
            failed.append("no_payment")
        invs = invoices.get(key, []) if app["product"] == "receivables_financing" else []
        if invs and round(sum(i["amount"] for i in invs), 2) != round(app["amount"], 2):
            failed.append("amount_mismatch")
        if failed:
            out.append(
                Finding(
                    "four_flow",
                    failed[0],
                    "medium",
                    0.5,
                    [key[0]],
                    [key[1]],
                    {
                        "rule": "baseline: flow missing or invoice total != contract amount",
                        "failed": failed,
                    },
                )
            )
    return out


def run_baseline_findings(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    out = baseline_four_flow(con)
    for doc, insts, apps in con.execute(DUP_SQL).fetchall():
        out.append(
            Finding(
                "duplicate_financing",
                "exact",
                "high",
                1.0,
                insts,
                sorted(apps),
                {"rule": "baseline: same invoice code and number", "document_id": doc},
            )
        )
    out += check_pledges(con, exact_only=True)
    apps_by = applications_by_contract(con)
    for legs in find_cycles(contract_edges(con), 2, None):
        out.append(cycle_finding(legs, apps_by, "baseline: direct two-party cycle A→B→A"))
    flows = load_flows(con)
    by_payer = flows.by_payer
    back: dict[str, list[str]] = defaultdict(list)
    for app, start in disbursements(con, flows):
        for p in by_payer.get(app["seller_id"], []):
            if p["payee_id"] == app["applicant_id"] and p["value_date"] >= start["value_date"]:
                back[app["application_id"]].append(p["payment_id"])
        if back.get(app["application_id"]):
            out.append(
                Finding(
                    "proceeds_round_trip",
                    "direct",
                    "medium",
                    0.5,
                    [app["institution_id"]],
                    [app["application_id"]],
                    {
                        "rule": "baseline: a direct payment back from the supplier",
                        "payments": back[app["application_id"]],
                    },
                )
            )
    return out
