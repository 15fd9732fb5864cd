"""The prepared index: one DuckDB file with the documents, the duplicate model and the findings.

A bank asks before financing whether an application is involved in a finding. Running Splink and
the graph checks over the city per request would take seconds, so the batch's findings are
stored next to the documents (as tables sorted for point lookups by party, invoice, receipt
and contract), the matcher's model and the tolerances used. check_application then
either looks up the stored findings (an application already in the batch) or, given the
documents of a new submission, checks that application incrementally against the index
(incremental.py): the same checks over the application's neighbourhood only.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from fiveareas.watch.scf.duplicates import build_input, settings
from fiveareas.watch.scf.findings import FINDING_SCHEMA, to_table
from fiveareas.watch.scf.source import materialise, open_documents
from fiveareas.watch.scf.tolerances import Tolerances, load_tolerances

# Each dataset's row order in the index: the neighbourhood queries of incremental.py filter on
# these columns, and sorted tables let DuckDB's zone maps (min/max per row group) skip the row
# groups a point lookup cannot hit. ART indexes were tried and not used by the planner for
# these filters (IN lists, through the attached read-only file): a scan of a city of a few
# thousand applications (14k payments) takes ~1 ms per lookup anyway.
SORT = {
    "scf_party": ("party_id",),
    "contract": ("seller_id", "buyer_id"),
    "invoice": ("seller_id", "invoice_number"),
    "shipment": ("institution_id", "contract_id"),
    "warehouse_receipt": ("warehouse_id", "owner_id"),
    "payment": ("payer_id", "value_date"),
    "financing_application": ("institution_id", "application_id"),
    "application_document": ("document_id",),
}


def _sort(con: duckdb.DuckDBPyConnection) -> None:
    for name, order in SORT.items():
        con.execute(f"CREATE TABLE {name}__s AS SELECT * FROM {name} ORDER BY {', '.join(order)}")
        con.execute(f"DROP TABLE {name}")
        con.execute(f"ALTER TABLE {name}__s RENAME TO {name}")


def prepare_index(
    paths: dict[str, list[Path]],
    index_path: Path,
    tolerances: Tolerances | None = None,
    *,
    detected_at: datetime | None = None,
    findings: pa.Table | None = None,
) -> None:
    """Build the index file afresh (written beside, then moved into place).

    findings: the batch's findings over these same documents (run_checks' table); stored as
    they are instead of running the checks again. The tolerances must be those they were
    computed with (they are stored for the incremental check).
    """
    from fiveareas.watch.scf import collect_findings

    tol = tolerances or load_tolerances()
    index_path = Path(index_path)
    tmp = index_path.with_name(index_path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        open_documents(paths, con)
        materialise(con)
        if findings is None:
            found, model = collect_findings(con, tol)
            table = to_table(found, detected_at)
        else:
            if not findings.schema.equals(FINDING_SCHEMA):
                findings = findings.select(FINDING_SCHEMA.names).cast(FINDING_SCHEMA)
            table = findings
            build_input(con)  # the matcher's input table, as when the checks run here
            model = settings()
        con.register("scf_findings_arrow", table)
        con.execute("CREATE TABLE scf_findings AS SELECT * FROM scf_findings_arrow")
        con.unregister("scf_findings_arrow")
        con.execute("CREATE TABLE scf_model (name VARCHAR, body VARCHAR)")
        con.execute(
            "INSERT INTO scf_model VALUES ('duplicate_splink', ?), ('tolerances', ?)",
            [json.dumps(model or {}), json.dumps(asdict(tol))],
        )
        con.execute(
            "CREATE TABLE scf_finding_app AS SELECT finding_id, unnest(application_ids) "
            "AS application_id FROM scf_findings"
        )
        _sort(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.replace(index_path)


def stored_tolerances(con: duckdb.DuckDBPyConnection, schema: str = "main") -> Tolerances:
    """The tolerances the index's findings were computed with."""
    rows = con.execute(f"SELECT body FROM {schema}.scf_model WHERE name = 'tolerances'").fetchall()
    if not rows:
        return load_tolerances()
    known = set(Tolerances.__dataclass_fields__)
    return Tolerances(**{k: v for k, v in json.loads(rows[0][0]).items() if k in known})


def check_application(
    index_path: Path,
    institution_id: str,
    application_id: str,
    documents: dict[str, list[Path]] | None = None,
) -> list[dict[str, Any]]:
    """The findings involving this application of this institution, as dicts (evidence parsed).

    Without documents: the stored findings of the last batch. With documents (the Parquet
    files of the institution's submission holding the application, by dataset): the
    application is checked now against the index, the submission superseding the index's
    documents of the same institution and period (see incremental.check_incremental).
    """
    if documents is not None:
        from fiveareas.watch.scf.incremental import check_incremental

        return check_incremental(index_path, institution_id, application_id, documents)
    con = duckdb.connect(str(index_path), read_only=True)
    try:
        rel = con.sql(
            """SELECT f.* FROM scf_findings f
               WHERE f.finding_id IN (SELECT finding_id FROM scf_finding_app
                                     WHERE application_id = $app)
                 AND list_contains(f.institution_ids, $inst)
                 AND EXISTS (SELECT 1 FROM financing_application a
                             WHERE a.institution_id = $inst AND a.application_id = $app)
               ORDER BY f.check, f.finding_id""",
            params={"app": application_id, "inst": institution_id},
        )
        rows = rel.to_arrow_table().to_pylist()  # Arrow: timestamps without pytz
    finally:
        con.close()
    for r in rows:
        r["evidence"] = json.loads(r["evidence"])
    return rows
