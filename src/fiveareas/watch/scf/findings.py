"""The finding schema shared by every check and the baseline, with stable ids and JSON evidence."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from fiveareas.watch.scf.source import records

CHECKS = (
    "four_flow",
    "duplicate_financing",
    "double_pledge",
    "circular_trade",
    "proceeds_round_trip",
)

FINDING_SCHEMA = pa.schema(
    [
        pa.field("finding_id", pa.string()),
        pa.field("check", pa.string()),
        pa.field("variant", pa.string()),
        pa.field("severity", pa.string()),
        pa.field("score", pa.float64()),
        pa.field("institution_ids", pa.list_(pa.string())),
        pa.field("application_ids", pa.list_(pa.string())),
        pa.field("evidence", pa.string()),
        pa.field("detected_at", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass
class Finding:
    """One finding before it becomes a row; evidence is any JSON-able mapping."""

    check: str
    variant: str
    severity: str
    score: float
    institution_ids: list[str]
    application_ids: list[str]
    evidence: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # extra identity when the applications alone do not name the finding

    @property
    def finding_id(self) -> str:
        return finding_id(self.check, self.application_ids, self.key)


def from_groups(con: Any, sql: str, *, check: str, variant: str, score: float,
                rule: str) -> list[Finding]:
    """One high-severity finding per row of `sql`: its `institutions` and `apps` columns say
    who is involved, every other column is evidence under its own name. The exact-key matches
    (the same invoice, the same receipt) are all of this one shape."""
    out = []
    for evidence in records(con, sql):
        insts, apps = evidence.pop("institutions"), evidence.pop("apps")
        out.append(Finding(check=check, variant=variant, severity="high", score=score,
                           institution_ids=insts, application_ids=sorted(set(apps)),
                           evidence={"rule": rule, **evidence}))
    return out


def finding_id(check: str, application_ids: list[str], key: str = "") -> str:
    """Deterministic id: hash of the check, the sorted applications and an optional key.

    Re-running on the same documents gives the same ids, so findings can be followed across
    batch runs and quoted by the bank.
    """
    text = check + "|" + ";".join(sorted(set(application_ids))) + "|" + key
    return check[:4] + "-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return sorted(value)
    raise TypeError(f"not JSON-able: {type(value).__name__}")


def evidence_json(evidence: dict[str, Any]) -> str:
    """Evidence as JSON with sorted keys, so that identical findings serialise identically."""
    return json.dumps(evidence, default=_json_default, ensure_ascii=False, sort_keys=True)


def to_table(found: list[Finding], detected_at: datetime | None = None) -> pa.Table:
    """Findings as an Arrow table of FINDING_SCHEMA, one row per id (first one wins), sorted."""
    when = detected_at or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    rows: dict[str, dict[str, Any]] = {}
    for f in found:
        fid = f.finding_id
        if fid in rows:
            continue
        rows[fid] = {
            "finding_id": fid,
            "check": f.check,
            "variant": f.variant,
            "severity": f.severity,
            "score": round(float(min(max(f.score, 0.0), 1.0)), 6),
            "institution_ids": sorted(set(f.institution_ids)),
            "application_ids": sorted(set(f.application_ids)),
            "evidence": evidence_json(f.evidence),
            "detected_at": when,
        }
    ordered = sorted(rows.values(), key=lambda r: (r["check"], r["finding_id"]))
    return pa.Table.from_pylist(ordered, schema=FINDING_SCHEMA)


def empty_table() -> pa.Table:
    return FINDING_SCHEMA.empty_table()
