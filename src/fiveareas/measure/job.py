"""Measure a classified period: compute its cube and swap it into the lake whole.

Reads the period's loans in force, their borrowers, the institution register and the period's
tags; writes `lake/indicators/period=P/` with a manifest naming the tags it was computed from,
so a period whose tags changed since shows as stale.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import ibis
import ibis.expr.types as ir

from fiveareas.measure import cube
from fiveareas.reference.industry import class_table
from fiveareas.store import catalog as cat
from fiveareas.store import engine, lake
from fiveareas.store.home import Home
from fiveareas.store.submissions import current


@dataclass
class Measured:
    period: date
    loans: int
    cells: int
    balance: float


def tags_manifest(home: Home, period: date) -> tuple[dict, str]:
    """The period's classification manifest and a hash of it (empty when not classified)."""
    path = lake.derived(home, "tags", period) / "manifest.json"
    if not path.exists():
        return {}, ""
    text = path.read_bytes()
    return json.loads(text), hashlib.sha256(text).hexdigest()


def inputs(home: Home, con: ibis.BaseBackend, period: date) -> tuple[ir.Table, ...]:
    """The period's loans, borrowers, register, industry sections and tags, as engine tables."""
    db = cat.open_catalog(home.catalog_url)
    with db.connect() as conn:
        subs = current(conn, period=period)
        register = current(conn, kind="register")
    if not subs:
        raise LookupError(f"no submissions in force for period {period.isoformat()}")
    tag_files = sorted(lake.derived(home, "tags", period).glob("*.parquet"))
    if not tag_files:
        raise LookupError(f"period {period.isoformat()} is not classified: run classify first")
    loans = engine.read_lake(con, lake.files(home, "loan", subs))
    parties = engine.read_lake(con, lake.files(home, "counterparty", subs)).rename(
        institution_id="institution")
    regs = engine.read_lake(con, lake.files(home, "institution", register))
    engine.load_arrow(con, "_industry_sections", class_table().select(["code", "section"])
                      .rename_columns(["class_code", "section"]))
    sections = con.table("_industry_sections")
    tags = con.read_parquet([str(p) for p in tag_files])
    return loans, parties, regs, sections, tags


def measure(home: Home, period: date, con: ibis.BaseBackend | None = None) -> Measured:
    con = con or engine.connect(home)
    loans, parties, regs, sections, tags = inputs(home, con, period)
    facts = cube.loan_facts(loans, parties, regs, sections, period)
    result = cube.cube(facts, cube.membership(tags))
    stage = lake.staging(home)
    try:
        folder = stage / "indicators"
        folder.mkdir()
        con.to_parquet(result.order_by(["area", "sub_area", "dimension", "member"]),
                       folder / "part-0.parquet", compression="zstd")
        out = _summary(con, folder, period)
        _manifest(folder, home, period, out)
        lake.replace(stage, home, period)
        _touch_state(home)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    with cat.open_catalog(home.catalog_url).begin() as conn:
        cat.log(conn, "measure", period.isoformat(), loans=out.loans, cells=out.cells)
    return out


def _summary(con: ibis.BaseBackend, folder: Path, period: date) -> Measured:
    t = con.read_parquet(str(folder / "part-0.parquet"))
    city = t.filter((t.dimension == "city") & (t.area == "all"))
    row = con.to_pyarrow(city.select("loans", "balance")).to_pylist()
    loans, balance = (int(row[0]["loans"]), float(row[0]["balance"])) if row else (0, 0.0)
    return Measured(period, loans, int(con.execute(t.count())), balance)


def _manifest(folder: Path, home: Home, period: date, out: Measured) -> None:
    tags, digest = tags_manifest(home, period)
    doc = {"period": period.isoformat(), "tags_manifest": digest,
           "rules_version": tags.get("rules_version"), "submissions": tags.get("submissions"),
           "loans": out.loans, "cells": out.cells,
           "measured_at": cat.now().isoformat(timespec="seconds")}
    (folder / "manifest.json").write_text(json.dumps(doc, indent=1), "utf-8")


def state(home: Home, period: date) -> str:
    """`current` when the cube was computed from the period's tags as they are now, `stale`
    when the period was classified again since, `none` when never measured."""
    path = lake.derived(home, "indicators", period) / "manifest.json"
    if not path.exists():
        return "none"
    doc = json.loads(path.read_text("utf-8"))
    return "current" if doc.get("tags_manifest") == tags_manifest(home, period)[1] else "stale"


STATE = "_state"  # rewritten after every measurement: one stat tells a reader what changed


def _touch_state(home: Home) -> None:
    path = home.lake / "indicators" / STATE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(uuid.uuid4().hex, "utf-8")
    tmp.replace(path)


def state_key(home: Home) -> str:
    """Changes whenever a period is measured again (one small read): what cached reads key
    on. The file holds a fresh random token each time, so no clock or inode is trusted."""
    try:
        return (home.lake / "indicators" / STATE).read_text("utf-8")
    except FileNotFoundError:
        return ""


def measured_periods(home: Home) -> list[date]:
    return list(_measured(home, state_key(home)))


@lru_cache(maxsize=64)
def _measured(home: Home, _state: str) -> tuple[date, ...]:
    root = home.lake / "indicators"
    if not root.exists():
        return ()
    return tuple(sorted(date.fromisoformat(p.name.split("=", 1)[1])
                        for p in root.glob("period=*") if (p / "part-0.parquet").exists()))
