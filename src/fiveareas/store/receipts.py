"""A submission's receipt, and the bank's acknowledgement of its warnings (design §3).

The receipt is what a reporting officer files as proof of what was submitted and what the
regulator made of it: the content hash, the files with their own hashes, row counts, state
and time. It is derived from the catalog, so it can be reissued at any time.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fiveareas.store import catalog as cat
from fiveareas.store.status import files, get


class NotAcknowledgeable(Exception):
    """Only a submission in force that has warnings can have them acknowledged."""


def receipt(conn: sa.Connection, sid: int) -> dict[str, Any] | None:
    row = get(conn, sid)
    if row is None:
        return None
    counts = conn.execute(sa.select(cat.rule_count).where(
        cat.rule_count.c.submission_id == sid)).all()
    return {
        "submission": cat.public_id(row.id), "kind": row.kind,
        "institution_id": row.institution_id,
        "period": row.period.isoformat() if row.period else None,
        "version": row.version, "state": row.state, "content_hash": row.content_hash,
        "received_at": row.received_at.isoformat() + "Z",
        "decided_at": row.decided_at.isoformat() + "Z", "submitted_by": row.submitted_by,
        "rows": row.rows, "accepted_rows": row.accepted_rows,
        "quarantined_rows": row.quarantined_rows, "errors": row.errors,
        "warnings": row.warnings, "message": row.message,
        "superseded_by": cat.public_id(row.superseded_by) if row.superseded_by else None,
        "acknowledged_at": row.acknowledged_at.isoformat() + "Z" if row.acknowledged_at
        else None,
        "acknowledged_by": row.acknowledged_by,
        "files": [{"dataset": f.dataset, "path": f.path, "sha256": f.sha256, "rows": f.rows,
                   "accepted_rows": f.accepted_rows, "rule_id": f.rule_id, "error": f.error}
                  for f in files(conn, sid)],
        "findings_by_rule": {f"{c.dataset}:{c.rule_id}": c.count for c in counts},
    }


def acknowledge(conn: sa.Connection, sid: int, note: str | None = None) -> None:
    """Record that the bank has read the warnings of a submission in force."""
    row = get(conn, sid)
    if row is None or row.state != "accepted_with_warnings":
        state = "unknown" if row is None else row.state
        raise NotAcknowledgeable(f"{cat.public_id(sid)} is {state}: only a submission "
                                 "accepted with warnings can have them acknowledged")
    if row.acknowledged_at is not None:
        return
    who = cat.actor()
    conn.execute(cat.submission.update().where(cat.submission.c.id == sid).values(
        acknowledged_at=cat.now(), acknowledged_by=who))
    cat.log(conn, "warnings_acknowledged", cat.public_id(sid), warnings=row.warnings, note=note)
