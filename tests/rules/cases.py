"""Load rule test cases (YAML) and run them through the real engine, a date's cases as one batch."""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from fiveareas.rules import record
from fiveareas.rules.catalogue import rules
from fiveareas.rules.one import run
from fiveareas.store import engine

NEUTRAL_LOAN = {"product": "consumer", "credit_line": 0}
AREA = {r.id: r.area for r in rules()}


def load(path: Path, prefix: str) -> list[dict[str, Any]]:
    doc = yaml.safe_load(path.read_text("utf-8"))
    items = doc["cases"] if isinstance(doc, dict) else doc
    return [{**case, "_id": f"{prefix}-{i:03d}"} for i, case in enumerate(items)]


def document(case: dict[str, Any]) -> dict[str, Any]:
    doc = {"counterparty": copy.deepcopy(case["counterparty"]),
           "loan": copy.deepcopy(case.get("loan") or NEUTRAL_LOAN)}
    doc["loan"]["institution_id"] = case["_id"]  # keeps each case's joins to itself
    return doc


def run_all(cases: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per case id: its size, tags, flags and the rules undefined on its date."""
    by_date: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for case in cases:
        if "error" not in case["expected"]:
            by_date[case["date"]].append(case)
    con = engine.scratch()
    out: dict[str, dict[str, Any]] = {}
    for when, group in by_date.items():
        loans, parties = record.batch([record.tables(document(c), when) for c in group])
        found, sized, skipped = run(con, loans, parties, when)
        for c in group:
            out[c["_id"]] = {"size": None, "tags": set(), "flags": set(),
                             "undefined": set(skipped)}
        for s in sized:
            out[s["institution_id"]]["size"] = s["size_class"]
        for f in found:
            key = "tags" if f["kind"] == "tag" else "flags"
            out[f["institution_id"]][key].add((f["area"], f["sub_area"], f["rule"]))
    return out


def check(case: dict[str, Any], got: dict[str, Any] | None) -> None:
    """The case's expectations, within the areas it is about (those of its rules and of the
    tags it expects): every tag and flag of those areas, no more, no fewer."""
    want = case["expected"]
    if "error" in want:
        try:
            record.tables(document(case), case["date"])
        except record.BadInput as exc:
            assert want["error"] in str(exc)
            return
        raise AssertionError(f"expected the input to be refused with {want['error']!r}")
    assert got is not None
    if "size_class" in want:
        assert got["size"] == want["size_class"]
    areas = {AREA[r] for r in rules_of(case) if r in AREA} | {
        a["area"] for a in want.get("areas", [])} | {AREA[r] for r in want.get("not_counted", [])}
    if "areas" in want:
        assert {t for t in got["tags"] if t[0] in areas} == {
            (a["area"], a.get("sub_area"), a["rule"]) for a in want["areas"]}
    if "not_counted" in want:
        assert {r for a, _, r in got["flags"] if a in areas} == set(want["not_counted"])
    if "undefined" in want:
        assert set(want["undefined"]) <= got["undefined"]


def rules_of(case: dict[str, Any]) -> list[str]:
    """The rules a case is about: its `rules`, or the size rule for a size-only case."""
    return case.get("rules", ["SIZE01"] if "size_class" in case["expected"] else [])
