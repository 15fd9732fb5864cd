"""Scoring findings against the generator's labels (docs/supply-chain.md, "Labels and scoring").

A finding is a true positive when it shares an application with a case of its check; a case is
recalled when some finding of its check shares an application with it. Per variant, a finding
counts under the variant of the first case it matched (by case_id), or its own if it matched
none. Precision, recall and F1 are 0.0 when their denominator is 0.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

LABEL_COLUMNS = ("case_id", "check", "variant", "application_ids", "institution_ids")


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v for v in str(value).split(";") if v]


def read_labels(path: Path) -> pa.Table:
    """labels/scf.csv with application_ids and institution_ids as lists of strings."""
    opts = pacsv.ConvertOptions(column_types={c: pa.string() for c in LABEL_COLUMNS})
    raw = pacsv.read_csv(path, convert_options=opts).to_pylist()
    rows = [
        {
            **{c: r.get(c) for c in LABEL_COLUMNS},
            "application_ids": _split(r.get("application_ids")),
            "institution_ids": _split(r.get("institution_ids")),
        }
        for r in raw
    ]
    schema = pa.schema(
        [
            ("case_id", pa.string()),
            ("check", pa.string()),
            ("variant", pa.string()),
            ("application_ids", pa.list_(pa.string())),
            ("institution_ids", pa.list_(pa.string())),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def _prf(tp: int, n_findings: int, recalled: int, n_cases: int) -> tuple[float, float, float]:
    p = tp / n_findings if n_findings else 0.0
    r = recalled / n_cases if n_cases else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 6), round(r, 6), round(f, 6)


def evaluate(findings: pa.Table, labels: pa.Table) -> list[dict[str, Any]]:
    """Rows: check, variant, cases, findings, tp, fp, fn, precision, recall, f1 (+ 'all')."""
    cases = sorted(labels.to_pylist(), key=lambda c: str(c["case_id"]))
    found = findings.select(["finding_id", "check", "variant", "application_ids"]).to_pylist()
    checks = sorted({c["check"] for c in cases} | {f["check"] for f in found})
    rows: list[dict[str, Any]] = []
    for check in checks:
        ccases = [c for c in cases if c["check"] == check]
        cfinds = [f for f in found if f["check"] == check]
        case_apps = [(c, set(_split(c["application_ids"]))) for c in ccases]
        recalled: set[str] = set()
        # per variant: [cases, findings, tp, recalled]
        stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for c in ccases:
            stats[c["variant"]][0] += 1
        tp_all = 0
        for f in cfinds:
            apps = set(f["application_ids"] or [])
            matched = [c for c, ca in case_apps if ca & apps]
            for c in matched:
                recalled.add(c["case_id"])
            variant = matched[0]["variant"] if matched else f["variant"]
            stats[variant][1] += 1
            if matched:
                stats[variant][2] += 1
                tp_all += 1
        for c in ccases:
            if c["case_id"] in recalled:
                stats[c["variant"]][3] += 1
        for variant in sorted(stats):
            n_c, n_f, tp, rec = stats[variant]
            rows.append(_row(check, variant, n_c, n_f, tp, rec))
        rows.append(_row(check, "all", len(ccases), len(cfinds), tp_all, len(recalled)))
    return rows


def _row(
    check: str, variant: str, n_cases: int, n_found: int, tp: int, recalled: int
) -> dict[str, Any]:
    p, r, f = _prf(tp, n_found, recalled, n_cases)
    return {
        "check": check,
        "variant": variant,
        "cases": n_cases,
        "findings": n_found,
        "tp": tp,
        "fp": n_found - tp,
        "fn": n_cases - recalled,
        "precision": p,
        "recall": r,
        "f1": f,
    }
