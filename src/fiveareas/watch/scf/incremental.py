"""Check one new application against the prepared index, as the batch would (in well under 1 s).

The bank submits an application (its submission's files: contract, invoices, shipments,
receipts, payments, ...) after the last city-wide batch. The documents in force are then the
index's, minus those of the same institution and period (the submission supersedes them), plus
the submission's. Running the five checks over all of that per request is what the batch does;
here they run over the application's neighbourhood only, fetched with point queries, which is
enough for every finding that involves the application to come out as in the batch:

- four_flow: the application, its documents (contract, invoices, shipments by waybill or by
  contract, receipts) and the payments from its contracts' buyers;
- duplicate_financing: every invoice of its invoices' sellers, at any institution, and the
  application links of those invoices. Both blocking rules require the same seller, so a
  matched component (and a split's candidates) never leaves the seller's invoices;
- double_pledge: receipts with the same warehouse and receipt id, or the same warehouse and
  owner, and their application links;
- circular_trade: the related-party closure of the application's parties (groups of the
  parties, members of the groups, until nothing new) and every contract among them, with the
  applications linked to those contracts. A ring's legs join related parties only, so a ring
  through the application's contract stays inside the closure;
- proceeds_round_trip: the applicant's payments, then hop by hop (trace_max_hops) the payments
  out of and into the parties reached, within the trace window, and the contracts they buy
  under (a payment settling a contract is trade).

The checks are the batch's functions; duplicate invoices are scored with duplicates.sql_pairs
(the batch's priors and blocking in one query; Splink's linker setup alone costs ~150 ms).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from fiveareas.model.template import template
from fiveareas.watch.scf.findings import to_table
from fiveareas.watch.scf.index import stored_tolerances
from fiveareas.watch.scf.source import DATASETS, dataset_sql
from fiveareas.watch.scf.tolerances import Tolerances

MAX_CLOSURE_ROUNDS = 20


def _lit(values: Any) -> str:
    """A SQL list of string literals for IN (...); never empty (NULL matches nothing)."""
    vals = sorted({str(v) for v in values if v is not None})
    if not vals:
        return "(NULL)"
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in vals) + ")"


class Neighbourhood:
    """Staging tables nb_<dataset> filled from src_<dataset> (submission ∪ index in force)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def fetch(self, ds: str, where: str, params: list[Any] | None = None) -> None:
        self.con.execute(f"INSERT INTO nb_{ds} SELECT * FROM src_{ds} WHERE {where}", params or [])

    def values(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()


def _open(
    index_path: Path, institution_id: str, documents: dict[str, list[Path]]
) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB: the submission as sub_*, the index attached, src_* their union in force."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{str(index_path).replace(chr(39), chr(39) * 2)}' AS idx (READ_ONLY)")
    for ds in DATASETS:
        files = [Path(p) for p in documents.get(ds, [])]
        con.execute(f"CREATE TEMP TABLE sub_{ds} AS {dataset_sql(ds, files)}")
    pairs = set()
    for ds in DATASETS:
        pairs |= set(
            con.execute(f"SELECT DISTINCT institution_id, period FROM sub_{ds}").fetchall()
        )
    others = sorted({i for i, _ in pairs} - {institution_id})
    if others:
        raise ValueError(f"the documents hold other institutions' rows: {others}")
    periods = sorted({p for _, p in pairs})
    superseded = (
        f"institution_id = '{institution_id.replace(chr(39), chr(39) * 2)}' AND period IN ("
        + ", ".join(f"DATE '{p.isoformat()}'" for p in periods)
        + ")"
        if periods
        else "false"
    )
    for ds in DATASETS:
        con.execute(
            f"CREATE TEMP VIEW src_{ds} AS SELECT * FROM sub_{ds} UNION ALL BY NAME "
            f"SELECT * FROM idx.main.{ds} WHERE NOT ({superseded})"
        )
        con.execute(f"CREATE TEMP TABLE nb_{ds} AS SELECT * FROM sub_{ds} WHERE false")
    return con


def _gather(nb: Neighbourhood, institution_id: str, application_id: str, tol: Tolerances) -> bool:
    """Fill nb_* with the application's neighbourhood; False if the application is unknown."""
    inst = _lit([institution_id])
    nb.fetch(
        "financing_application",
        f"institution_id IN {inst} AND application_id = ?",
        [application_id],
    )
    app = nb.values("SELECT applicant_id, product, loan_id FROM nb_financing_application")
    if not app:
        return False
    nb.fetch(
        "application_document", f"institution_id IN {inst} AND application_id = ?", [application_id]
    )
    docs: dict[str, set[str]] = {}
    for kind, doc in nb.values("SELECT document_type, document_id FROM nb_application_document"):
        docs.setdefault(kind, set()).add(doc)
    contracts = _lit(docs.get("contract", ()))
    nb.fetch("contract", f"institution_id IN {inst} AND contract_id IN {contracts}")
    invoices = _lit(docs.get("invoice", ()))
    nb.fetch(
        "invoice",
        f"institution_id IN {inst} AND coalesce(invoice_code, '') || invoice_number IN {invoices}",
    )
    nb.fetch(
        "shipment",
        f"institution_id IN {inst} AND (waybill_id IN "
        f"{_lit(docs.get('shipment', ()))} OR contract_id IN {contracts})",
    )
    nb.fetch(
        "warehouse_receipt",
        f"institution_id IN {inst} AND receipt_id IN {_lit(docs.get('warehouse_receipt', ()))}",
    )

    # The parties named, and their related-party closure (circular trade, borrower group).
    parties = {a[0] for a in app}
    for sql in (
        "SELECT seller_id, buyer_id FROM nb_contract",
        "SELECT seller_id, buyer_id FROM nb_invoice",
        "SELECT shipper_id, consignee_id FROM nb_shipment",
        "SELECT owner_id, owner_id FROM nb_warehouse_receipt",
    ):
        for a, b in nb.values(sql):
            parties |= {a, b}
    parties.discard(None)
    members, groups, frontier = set(parties), set(), set(parties)
    for _ in range(MAX_CLOSURE_ROUNDS):
        if not frontier:
            break
        found = nb.values(
            f"SELECT DISTINCT group_id FROM src_scf_party WHERE party_id IN "
            f"{_lit(frontier)} AND coalesce(group_id, '') <> ''"
        )
        new_groups = {g for (g,) in found} - groups
        groups |= new_groups
        got = (
            nb.values(
                f"SELECT DISTINCT party_id FROM src_scf_party WHERE group_id IN {_lit(new_groups)}"
            )
            if new_groups
            else []
        )
        frontier = {p for (p,) in got} - members
        members |= frontier
    nb.fetch("scf_party", f"party_id IN {_lit(members)}")
    m = _lit(members)
    nb.fetch("contract", f"seller_id IN {m} AND buyer_id IN {m}")
    nb.fetch(
        "application_document",
        "document_type = 'contract' AND document_id IN (SELECT contract_id FROM nb_contract)",
    )

    # Duplicates: every invoice of the same sellers, and the applications they back.
    sellers = {s for (s,) in nb.values("SELECT seller_id FROM nb_invoice")}
    if sellers:
        nb.fetch("invoice", f"seller_id IN {_lit(sellers)}")
        nb.fetch(
            "application_document",
            "document_type = 'invoice' AND document_id IN (SELECT "
            "coalesce(invoice_code, '') || invoice_number FROM nb_invoice)",
        )

    # Double pledge: the same receipt, or the same warehouse and owner.
    receipts = nb.values(
        "SELECT DISTINCT warehouse_id, receipt_id, owner_id FROM nb_warehouse_receipt"
    )
    if receipts:
        nb.fetch(
            "warehouse_receipt",
            f"warehouse_id IN {_lit(r[0] for r in receipts)} AND "
            f"(receipt_id IN {_lit(r[1] for r in receipts)} OR "
            f"owner_id IN {_lit(r[2] for r in receipts)})",
        )
        nb.fetch(
            "application_document",
            "document_type = 'warehouse_receipt' AND document_id IN "
            "(SELECT receipt_id FROM nb_warehouse_receipt)",
        )

    # Four flows: payments from the contracts' buyers.
    pairs = nb.values(
        "SELECT DISTINCT buyer_id, seller_id FROM nb_contract WHERE "
        f"institution_id IN {inst} AND contract_id IN {contracts}"
    )
    nb.fetch("payment", f"payer_id IN {_lit(b for b, _ in pairs)}")

    # Proceeds: the disbursement candidates, then hop by hop within the trace window.
    applicant, product, loan = app[0]
    if product == "prepayment_financing" and loan:
        nb.fetch("payment", f"payer_id IN {_lit([applicant])}")
        sellers_ = {s for _, s in pairs}
        starts = [
            (payee, day)
            for payee, day, ref in nb.values(
                "SELECT payee_id, value_date, coalesce(reference, '') FROM nb_payment "
                f"WHERE payer_id IN {_lit([applicant])}"
            )
            if payee in sellers_ and loan in ref
        ]
        if starts:
            lo = min(d for _, d in starts)
            hi = max(d for _, d in starts) + timedelta(days=tol.trace_window_days)
            frontier, seen = {p for p, _ in starts}, set()
            for _ in range(tol.trace_max_hops):
                frontier -= seen
                if not frontier:
                    break
                seen |= frontier
                f = _lit(frontier)
                window = "value_date BETWEEN ? AND ?"
                nb.fetch("payment", f"payer_id IN {f} AND {window}", [lo, hi])
                nb.fetch("payment", f"payee_id IN {f} AND {window}", [lo, hi])
                nb.fetch("contract", f"buyer_id IN {f}")
                frontier = {
                    p
                    for (p,) in nb.values(
                        f"SELECT DISTINCT payee_id FROM nb_payment WHERE payer_id IN {f} "
                        f"AND {window}",
                        [lo, hi],
                    )
                }
    return True


def _settle(con: duckdb.DuckDBPyConnection) -> None:
    """The neighbourhood as tables named as the datasets, one row per key (latest period)."""
    for ds in DATASETS:
        key = [k for k in template()[ds].key if k != "period"]
        part = ", ".join(f"coalesce(CAST({k} AS VARCHAR), '')" for k in key)
        con.execute(
            f"CREATE TABLE main.{ds} AS SELECT DISTINCT * FROM nb_{ds} "
            f"QUALIFY row_number() OVER (PARTITION BY {part} ORDER BY period DESC) = 1"
        )


def check_incremental(
    index_path: Path,
    institution_id: str,
    application_id: str,
    documents: dict[str, list[Path]],
    *,
    tolerances: Tolerances | None = None,
    detected_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """The findings the batch would report for this application, as check_application's dicts.

    Tolerances default to those stored in the index. A finding already in the index keeps its
    detected_at; a new one is stamped now (or detected_at).
    """
    from fiveareas.watch.scf import collect_findings

    con = _open(Path(index_path), institution_id, documents)
    try:
        tol = tolerances or stored_tolerances(con, "idx")
        if not _gather(Neighbourhood(con), institution_id, application_id, tol):
            raise LookupError(
                f"application {application_id!r} of {institution_id!r} is not in the documents"
            )
        _settle(con)
        found, _ = collect_findings(con, tol, scorer="sql")
        mine = [
            f
            for f in found
            if application_id in f.application_ids and institution_id in f.institution_ids
        ]
        table = to_table(mine, detected_at or datetime.now(UTC).replace(microsecond=0))
        rows = table.to_pylist()
        if rows:
            ids = _lit(r["finding_id"] for r in rows)
            stored = (
                con.sql(
                    f"SELECT finding_id, detected_at FROM idx.main.scf_findings "
                    f"WHERE finding_id IN {ids}"
                )
                .to_arrow_table()
                .to_pylist()
            )
            known = {s["finding_id"]: s["detected_at"] for s in stored}
            for r in rows:
                if r["finding_id"] in known:
                    r["detected_at"] = known[r["finding_id"]]
    finally:
        con.close()
    for r in rows:
        r["evidence"] = json.loads(r["evidence"])
    return rows
