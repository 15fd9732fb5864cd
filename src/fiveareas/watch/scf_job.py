"""The city-wide supply-chain batch: every check over the documents in force, swapped in whole.

Reads the current supply-chain submissions of every institution (only the regulator's view
joins them: no bank sees another's documents), runs the checks of `watch.scf`, writes
`lake/scf_findings/` with a manifest naming the submissions it read, and prepares the index
the single-application check (`fiveareas scf check`) answers from. A batch whose submissions
have since changed shows as stale.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from fiveareas.intake.discover import KINDS
from fiveareas.store import catalog as cat
from fiveareas.store import lake
from fiveareas.store.home import Home
from fiveareas.store.submissions import current
from fiveareas.watch import scf

FINDINGS = "scf_findings"
INDEX = "scf_index"


@dataclass
class Batch:
    submissions: int
    applications: int
    findings: dict[str, int]
    detected_at: datetime


def findings_dir(home: Home) -> Path:
    return home.lake / FINDINGS


def index_path(home: Home) -> Path:
    return home.lake / INDEX / "index.duckdb"


def _current(home: Home) -> tuple[list[str], dict[str, list[Path]]]:
    """The submissions in force and their files, by dataset."""
    with cat.shared(home.catalog_url).connect() as conn:
        rows = current(conn, "scf")
    ids = sorted(cat.public_id(r.id) for r in rows)
    return ids, {ds: lake.files(home, ds, rows) for ds in KINDS["scf"]}


def state(home: Home) -> str:
    """`current`, `stale` (submissions came or went since the batch) or `none`."""
    manifest = findings_dir(home) / "manifest.json"
    if not manifest.exists():
        return "none"
    ids, _ = _current(home)
    return "current" if json.loads(manifest.read_text("utf-8"))["submissions"] == ids else "stale"


def run_batch(home: Home, detected_at: datetime | None = None) -> Batch:
    """Check every application in force; write the findings and the index."""
    ids, files = _current(home)
    if not ids:
        raise LookupError("no supply-chain submissions in force")
    when = detected_at or datetime.now(UTC).replace(microsecond=0)
    con = scf.open_documents(files)
    try:
        found = scf.run_checks(con, detected_at=when)
        ((apps,),) = con.execute("SELECT count(*) FROM financing_application").fetchall()
        named = pa.table({"application_id": pa.array(sorted({
            a for ids in found.column("application_ids").to_pylist() for a in ids}), pa.string())})
        con.register("named", named)
        owners = con.sql(
            "SELECT DISTINCT a.application_id, a.institution_id FROM financing_application a "
            "JOIN named USING (application_id) ORDER BY 1, 2").to_arrow_table()
    finally:
        con.close()
    stage = lake.staging(home)
    try:
        out = stage / FINDINGS
        out.mkdir()
        pq.write_table(found, out / "part-0.parquet")
        pq.write_table(owners, out / "applications.parquet")
        counts = _counts(found)
        (out / "manifest.json").write_text(json.dumps({
            "submissions": ids, "detected_at": when.isoformat(), "findings": counts,
            "applications": int(apps)}, indent=1) + "\n", "utf-8")
        index = stage / INDEX
        index.mkdir()
        scf.prepare_index(files, index / "index.duckdb", detected_at=when, findings=found)
        lake.swap(index, home.lake / INDEX, home)
        lake.swap(out, findings_dir(home), home)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    with cat.shared(home.catalog_url).begin() as conn:
        cat.log(conn, "scf_checked", None, submissions=len(ids), findings=counts)
    return Batch(len(ids), int(apps), counts, when)


def _counts(found: pa.Table) -> dict[str, int]:
    checks = found.column("check").to_pylist()
    return {c: checks.count(c) for c in sorted(set(checks))}


def read_findings(home: Home) -> pa.Table | None:
    """The last batch's findings (None before the first batch)."""
    path = findings_dir(home) / "part-0.parquet"
    return pq.read_table(path) if path.exists() else None


def owners(home: Home) -> dict[str, str]:
    """Which institution each application named in a finding was submitted to."""
    path = findings_dir(home) / "applications.parquet"
    if not path.exists():
        return {}
    t = pq.read_table(path)
    return dict(zip(t["application_id"].to_pylist(), t["institution_id"].to_pylist(),
                    strict=True))


def manifest(home: Home) -> dict:
    path = findings_dir(home) / "manifest.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def check_one(home: Home, institution_id: str, application_id: str) -> list[dict]:
    """A bank's check of one application against the prepared index: the application as it
    stands in the institution's submissions in force (perhaps sent after the last batch),
    compared with every other bank's documents as the index holds them."""
    path = index_path(home)
    if not path.exists():
        raise LookupError("no supply-chain index yet: run `fiveareas scf run` (or `run`) first")
    documents = _holding(home, institution_id, application_id)
    if documents is None:
        raise LookupError(f"no application {application_id} of {institution_id} in force")
    return scf.check_application(path, institution_id, application_id, documents=documents)


def _holding(home: Home, institution_id: str, application_id: str
             ) -> dict[str, list[Path]] | None:
    """The files of the institution's submission in force that holds the application."""
    import duckdb

    with cat.shared(home.catalog_url).connect() as conn:
        rows = current(conn, "scf", institution_id=institution_id)
    for row in sorted(rows, key=lambda r: r.period, reverse=True):
        apps = lake.files(home, "financing_application", [row])
        if not apps:
            continue
        with duckdb.connect() as con:
            found = con.execute("SELECT count(*) FROM read_parquet(?) WHERE application_id = ?",
                                [[str(p) for p in apps], application_id]).fetchall()[0][0]
        if found:
            return {ds: lake.files(home, ds, [row]) for ds in KINDS["scf"]}
    return None
