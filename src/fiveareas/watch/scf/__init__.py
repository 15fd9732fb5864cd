"""Supply-chain finance checks over the whole city (docs/supply-chain.md).

Public facade: open the documents, run the five checks or the exact-key baseline, score
findings against labels, and prepare / query the index a bank asks before financing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from fiveareas.watch.scf.baseline import run_baseline_findings
from fiveareas.watch.scf.cycles import check_cycles
from fiveareas.watch.scf.duplicates import check_duplicates
from fiveareas.watch.scf.evaluate import evaluate, read_labels
from fiveareas.watch.scf.findings import CHECKS, FINDING_SCHEMA, Finding, finding_id, to_table
from fiveareas.watch.scf.four_flow import check_four_flow
from fiveareas.watch.scf.index import check_application, prepare_index
from fiveareas.watch.scf.pledges import check_pledges
from fiveareas.watch.scf.proceeds import check_proceeds
from fiveareas.watch.scf.source import DATASETS, open_documents, working_tables
from fiveareas.watch.scf.tolerances import Tolerances, load_tolerances

__all__ = [
    "CHECKS",
    "DATASETS",
    "FINDING_SCHEMA",
    "Finding",
    "Tolerances",
    "check_application",
    "evaluate",
    "finding_id",
    "load_tolerances",
    "open_documents",
    "prepare_index",
    "read_labels",
    "run_baseline",
    "run_checks",
]


def collect_findings(
    con: duckdb.DuckDBPyConnection, tol: Tolerances, *, scorer: str = "splink"
) -> tuple[list[Finding], dict[str, Any] | None]:
    """Every check's findings (in check order) and the duplicate matcher's model.

    scorer: how duplicate invoices are scored, "splink" (the batch) or "sql" (the same
    priors in one query, for the single-application check); see duplicates.sql_pairs.
    """
    with working_tables(con):
        found = check_four_flow(con, tol)
        dups, model = check_duplicates(con, tol, scorer=scorer)
        found += dups
        found += check_pledges(con)
        found += check_cycles(con, tol)
        found += check_proceeds(con, tol)
    return found, model


def run_checks(
    con: duckdb.DuckDBPyConnection,
    tolerances: Tolerances | None = None,
    *,
    detected_at: datetime | None = None,
) -> pa.Table:
    """Every check over the whole city, as a table of the finding schema."""
    tol = tolerances or load_tolerances()
    found, _ = collect_findings(con, tol)
    return to_table(found, detected_at)


def run_baseline(
    con: duckdb.DuckDBPyConnection, *, detected_at: datetime | None = None
) -> pa.Table:
    """The exact-key baseline, same schema as run_checks."""
    with working_tables(con):
        return to_table(run_baseline_findings(con), detected_at)
