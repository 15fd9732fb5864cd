"""Four-flow consistency: contract, invoices, shipments and payments of an application agree.

Each application is checked against its contract with the rules that fit its product (an order
financing has no invoice or shipment yet). The finding's variant is the first failed rule in
RULE_ORDER; the evidence lists every failed rule with its figures, so a bank sees all of it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import duckdb

from fiveareas.watch.scf.findings import Finding
from fiveareas.watch.scf.source import records
from fiveareas.watch.scf.tolerances import Tolerances

RULE_ORDER = (
    "no_shipment",
    "no_payment",
    "amount_mismatch",
    "quantity_mismatch",
    "party_mismatch",
    "date_mismatch",
)
SEVERITY = {"no_shipment": "high", "no_payment": "high", "party_mismatch": "high"}
# Products whose application rests on shipments (docs/supply-chain.md, "Applications by product").
NEEDS_SHIPMENT = {"receivables_financing", "warehouse_receipt_pledge"}
USES_INVOICES = {"receivables_financing"}
USES_SHIPMENTS = {"receivables_financing", "warehouse_receipt_pledge"}
BUYER_APPLIES = {"prepayment_financing", "warehouse_receipt_pledge"}

APP_CONTRACT_SQL = """
SELECT a.institution_id, a.application_id, a.applicant_id, a.product, a.application_date,
       a.loan_id, c.contract_id, c.seller_id, c.buyer_id, c.goods, c.quantity,
       CAST(c.amount AS DOUBLE) AS amount, c.signed_date
FROM financing_application a
JOIN application_document d
  ON d.institution_id = a.institution_id AND d.application_id = a.application_id
 AND d.document_type = 'contract'
JOIN contract c ON c.institution_id = d.institution_id AND c.contract_id = d.document_id
QUALIFY row_number() OVER (PARTITION BY a.institution_id, a.application_id
                           ORDER BY c.contract_id) = 1
"""


def app_contracts(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """One row per application with the contract it rests on (the first by id if several)."""
    return records(con, APP_CONTRACT_SQL)


def _grouped(
    con: duckdb.DuckDBPyConnection, sql: str
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for rec in records(con, sql):
        out[(rec.pop("inst"), rec.pop("app"))].append(rec)
    return out


INVOICES_SQL = """
SELECT d.institution_id AS inst, d.application_id AS app, i.invoice_code, i.invoice_number,
       i.seller_id, i.buyer_id, CAST(i.amount AS DOUBLE) AS amount, i.issue_date
FROM application_document d
JOIN invoice i ON i.institution_id = d.institution_id
 AND coalesce(i.invoice_code, '') || i.invoice_number = d.document_id
WHERE d.document_type = 'invoice'
ORDER BY inst, app, i.invoice_code, i.invoice_number
"""

SHIPMENTS_SQL = f"""
WITH ac AS ({APP_CONTRACT_SQL})
SELECT DISTINCT inst, app, waybill_id, shipper_id, consignee_id, quantity, ship_date, arrival_date
FROM (
  SELECT d.institution_id AS inst, d.application_id AS app, s.*
  FROM application_document d
  JOIN shipment s ON s.institution_id = d.institution_id AND s.waybill_id = d.document_id
  WHERE d.document_type = 'shipment'
  UNION ALL
  SELECT ac.institution_id AS inst, ac.application_id AS app, s.*
  FROM ac JOIN shipment s ON s.institution_id = ac.institution_id AND s.contract_id = ac.contract_id
)
ORDER BY inst, app, waybill_id, ship_date, quantity
"""

RECEIPTS_SQL = """
SELECT d.institution_id AS inst, d.application_id AS app, r.receipt_id, r.owner_id, r.issue_date
FROM application_document d
JOIN warehouse_receipt r ON r.institution_id = d.institution_id AND r.receipt_id = d.document_id
WHERE d.document_type = 'warehouse_receipt'
ORDER BY inst, app, r.receipt_id
"""

PAYMENTS_SQL = f"""
WITH pairs AS (SELECT DISTINCT buyer_id, seller_id FROM ({APP_CONTRACT_SQL}))
SELECT DISTINCT p.institution_id, p.payment_id, p.payer_id, p.payee_id,
       CAST(p.amount AS DOUBLE) AS amount, p.value_date, coalesce(p.reference, '') AS reference
FROM payment p JOIN pairs ON p.payer_id = pairs.buyer_id AND p.payee_id = pairs.seller_id
ORDER BY value_date, payment_id, institution_id
"""


def _payments_by_pair(
    con: duckdb.DuckDBPyConnection,
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for rec in records(con, PAYMENTS_SQL):
        out[(rec["payer_id"], rec["payee_id"])].append(rec)
    return out


def evaluate_application(
    app: dict[str, Any],
    invoices: list[dict[str, Any]],
    shipments: list[dict[str, Any]],
    receipts: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    tol: Tolerances,
) -> dict[str, dict[str, Any]]:
    """The failed rules of one application, each with its figures (empty when consistent)."""
    failed: dict[str, dict[str, Any]] = {}
    product = app["product"]
    seller, buyer, signed = app["seller_id"], app["buyer_id"], app["signed_date"]
    earliest: date = signed - timedelta(days=tol.date_slack_days)
    invoices = invoices if product in USES_INVOICES else []
    shipments = shipments if product in USES_SHIPMENTS else []

    if product in NEEDS_SHIPMENT and not shipments:
        failed["no_shipment"] = {"contract_id": app["contract_id"], "shipments": 0}

    # Money flow: buyer -> seller between signing and the application date plus the window.
    # For a prepayment the bank's payment to the seller for the buyer (reference naming the
    # loan) is the money flow of the trade, so it counts like any other payment.
    last = app["application_date"] + timedelta(days=tol.payment_window_days)
    counted = [p for p in payments if signed <= p["value_date"] <= last]
    if not counted:
        failed["no_payment"] = {
            "buyer_id": buyer,
            "seller_id": seller,
            "window": [signed, last],
            "payments_not_in_window": [
                {"payment_id": p["payment_id"], "value_date": p["value_date"]} for p in payments
            ][:10],
        }

    if invoices:
        total = sum(i["amount"] for i in invoices)
        limit = app["amount"] * (1 + tol.amount_relative)
        if total > limit + 0.005:
            failed["amount_mismatch"] = {
                "invoices_total": round(total, 2),
                "contract_amount": app["amount"],
                "limit": round(limit, 2),
                "excess_relative": round(total / app["amount"] - 1, 6) if app["amount"] else None,
            }

    if shipments and app["quantity"]:
        shipped = sum(s["quantity"] for s in shipments)
        rel = abs(shipped - app["quantity"]) / app["quantity"]
        if rel > tol.quantity_relative + 1e-9:
            failed["quantity_mismatch"] = {
                "shipped": shipped,
                "contracted": app["quantity"],
                "relative": round(rel, 6),
                "tolerance": tol.quantity_relative,
            }

    party: list[dict[str, Any]] = []
    applicant_should = buyer if product in BUYER_APPLIES else seller
    if app["applicant_id"] != applicant_should:
        party.append(
            {
                "document": "application",
                "applicant_id": app["applicant_id"],
                "expected": applicant_should,
            }
        )
    for i in invoices:
        if i["seller_id"] != seller or i["buyer_id"] != buyer:
            party.append(
                {
                    "document": "invoice",
                    "id": (i["invoice_code"] or "") + i["invoice_number"],
                    "seller_id": i["seller_id"],
                    "buyer_id": i["buyer_id"],
                }
            )
    for s in shipments:
        if s["shipper_id"] != seller or s["consignee_id"] != buyer:
            party.append(
                {
                    "document": "shipment",
                    "id": s["waybill_id"],
                    "shipper_id": s["shipper_id"],
                    "consignee_id": s["consignee_id"],
                }
            )
    if product == "warehouse_receipt_pledge":
        for r in receipts:
            if r["owner_id"] != buyer:
                party.append(
                    {
                        "document": "warehouse_receipt",
                        "id": r["receipt_id"],
                        "owner_id": r["owner_id"],
                    }
                )
    if party:
        failed["party_mismatch"] = {
            "contract_seller_id": seller,
            "contract_buyer_id": buyer,
            "documents": party,
        }

    dates: list[dict[str, Any]] = []
    for i in invoices:
        if i["issue_date"] < earliest:
            dates.append(
                {
                    "document": "invoice",
                    "id": (i["invoice_code"] or "") + i["invoice_number"],
                    "date": i["issue_date"],
                }
            )
    for s in shipments:
        if s["ship_date"] < earliest:
            dates.append({"document": "shipment", "id": s["waybill_id"], "date": s["ship_date"]})
        if s["arrival_date"] is not None and s["arrival_date"] < s["ship_date"]:
            dates.append(
                {
                    "document": "shipment",
                    "id": s["waybill_id"],
                    "date": s["arrival_date"],
                    "rule": "arrival before shipping",
                }
            )
    if product == "warehouse_receipt_pledge":
        for r in receipts:
            if r["issue_date"] < earliest:
                dates.append(
                    {
                        "document": "warehouse_receipt",
                        "id": r["receipt_id"],
                        "date": r["issue_date"],
                    }
                )
    if dates:
        failed["date_mismatch"] = {
            "signed_date": signed,
            "earliest_allowed": earliest,
            "documents": dates,
        }
    return failed


def check_four_flow(con: duckdb.DuckDBPyConnection, tol: Tolerances) -> list[Finding]:
    """Run the four-flow rules over every application that names its contract."""
    invoices = _grouped(con, INVOICES_SQL)
    shipments = _grouped(con, SHIPMENTS_SQL)
    receipts = _grouped(con, RECEIPTS_SQL)
    payments = _payments_by_pair(con)
    out: list[Finding] = []
    for app in app_contracts(con):
        key = (app["institution_id"], app["application_id"])
        failed = evaluate_application(
            app,
            invoices.get(key, []),
            shipments.get(key, []),
            receipts.get(key, []),
            payments.get((app["buyer_id"], app["seller_id"]), []),
            tol,
        )
        if not failed:
            continue
        ordered = [r for r in RULE_ORDER if r in failed]
        first = ordered[0]
        out.append(
            Finding(
                check="four_flow",
                variant=first,
                severity=SEVERITY.get(first, "medium"),
                score=min(1.0, 0.5 + 0.15 * len(ordered) + (0.2 if first in SEVERITY else 0.0)),
                institution_ids=[app["institution_id"]],
                application_ids=[app["application_id"]],
                evidence={
                    "rule": "four_flow",
                    "product": app["product"],
                    "contract_id": app["contract_id"],
                    "failed": ordered,
                    "details": {r: failed[r] for r in ordered},
                    "tolerances": {
                        "amount_relative": tol.amount_relative,
                        "quantity_relative": tol.quantity_relative,
                        "date_slack_days": tol.date_slack_days,
                        "payment_window_days": tol.payment_window_days,
                    },
                },
            )
        )
    return out
