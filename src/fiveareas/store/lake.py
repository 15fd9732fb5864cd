"""The lake: immutable Parquet, partitioned by dataset / period / institution / submission.

Only what the catalog lists exists: a folder whose submission the catalog does not know is
the leftover of a crash and is removed by `recover`. So a submission becomes visible in one
step, the catalog commit, and never half.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from fiveareas.store import catalog as cat
from fiveareas.store.home import Home

# Datasets a loan-book submission writes; the register writes `institution` (+ its quarantine).
LOAN_BOOK = ("loan", "counterparty")


def partition(home: Home, dataset: str, sid: int, period: date | None, inst: str | None) -> Path:
    path = home.lake / dataset
    if period is not None:
        path = path / f"period={period.isoformat()}"
    if inst is not None:
        path = path / f"institution={inst}"
    return path / f"submission={cat.public_id(sid)}"


def staging(home: Home) -> Path:
    """A fresh private folder under the home's tmp, on the same filesystem as the lake."""
    path = home.tmp / f"stage-{uuid.uuid4().hex}"
    path.mkdir(parents=True)
    return path


def publish(stage: Path, home: Home, sid: int, period: date | None, inst: str | None) -> list[Path]:
    """Move each staged dataset folder to its partition (rename: atomic per folder)."""
    moved = []
    for ds_dir in sorted(p for p in stage.iterdir() if p.is_dir()):
        target = partition(home, ds_dir.name, sid, period, inst)
        target.parent.mkdir(parents=True, exist_ok=True)
        ds_dir.rename(target)
        moved.append(target)
    return moved


def recover(home: Home, engine: sa.Engine) -> list[Path]:
    """Remove staging leftovers and lake folders of submissions the catalog never committed."""
    removed = []
    if home.tmp.exists():
        for p in [*home.tmp.glob("stage-*"), *home.tmp.glob("old-*")]:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    if not home.lake.exists():
        return removed
    with engine.connect() as conn:
        known = {cat.public_id(i) for (i,) in conn.execute(sa.select(cat.submission.c.id))}
    for p in home.lake.rglob("submission=*"):
        if p.is_dir() and p.name.split("=", 1)[1] not in known:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def files(home: Home, dataset: str, rows: list[sa.Row]) -> list[Path]:
    """The Parquet files of `dataset` for the given submission rows."""
    found = []
    for r in rows:
        folder = partition(home, dataset, r.id, r.period, r.institution_id)
        found += sorted(folder.glob("*.parquet"))
    return found


# Derived datasets (tags, flags, sizes) are recomputed whole per period, not submitted.
def derived(home: Home, dataset: str, period: date) -> Path:
    return home.lake / dataset / f"period={period.isoformat()}"


def replace(stage: Path, home: Home, period: date) -> list[Path]:
    """Swap each staged derived dataset in for the period's old one: the new folder appears
    by one rename, and the old is removed after."""
    placed = []
    for ds_dir in sorted(p for p in stage.iterdir() if p.is_dir()):
        target = derived(home, ds_dir.name, period)
        swap(ds_dir, target, home)
        placed.append(target)
    return placed


def swap(new: Path, target: Path, home: Home) -> None:
    """`new` takes `target`'s place by one rename; the old folder is removed after (a crash
    in between leaves it under the home's tmp, which `recover` clears)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = home.tmp / f"old-{uuid.uuid4().hex}"
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
