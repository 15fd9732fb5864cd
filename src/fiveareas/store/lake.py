"""The lake: immutable Parquet, partitioned by dataset / period / institution / submission.

Only what the catalog lists exists: a folder whose submission the catalog does not know is
the leftover of a crash and is removed by `recover`. So a submission becomes visible in one
step, the catalog commit, and never half.

Several processes may write one home at once (the web server collecting an upload while
`fiveareas run` classifies). Each marks the folders it stages under the home's tmp with a
token whose lock file it holds while it stages there (the system releases it when the process
ends, however it ends), and publishes and commits under the home's write lock: `recover`
removes only the folders of processes that are gone, and sweeps the lake only when no
commit is on its way.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


_LIVE: dict[Path, tuple[str, int]] = {}  # home tmp -> this process's token, its lock fd
_GUARD = threading.Lock()


def _token(home: Home) -> str:
    """This process's mark on what it stages in `home`, with its lock file locked (a file
    made locked, then renamed, so that no one sees it unlocked). Call under `_GUARD`."""
    _release_idle(keep=home.tmp)
    if home.tmp not in _LIVE or _LIVE[home.tmp][0].split("-")[0] != str(os.getpid()):
        home.tmp.mkdir(parents=True, exist_ok=True)
        token = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        making = home.tmp / f"making-{token}.lock"
        fd = os.open(making, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        making.rename(home.tmp / f"live-{token}.lock")  # appears already locked
        _LIVE[home.tmp] = (token, fd)
    return _LIVE[home.tmp][0]


def _release_idle(keep: Path) -> None:
    """Let go of the other homes where this process stages nothing any more, so that a
    process that works in many homes (a test run) does not hold a file open for each."""
    for tmp, (token, fd) in list(_LIVE.items()):
        if tmp != keep and not any(tmp.glob(f"stage-{token}-*")):
            (tmp / f"live-{token}.lock").unlink(missing_ok=True)
            os.close(fd)
            del _LIVE[tmp]


def _gone(lock: Path) -> bool:
    """Is the process that holds `lock` gone (the lock can be taken)?"""
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@contextmanager
def exclusive(home: Home) -> Iterator[None]:
    """The home's write lock: publishing and committing a submission, and sweeping the lake
    for folders the catalog does not know, never overlap."""
    home.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(home.root / "write.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def staging(home: Home) -> Path:
    """A fresh private folder under the home's tmp, on the same filesystem as the lake."""
    with _GUARD:
        path = home.tmp / f"stage-{_token(home)}-{uuid.uuid4().hex}"
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
    """Remove the staging leftovers of processes that are gone, and lake folders of
    submissions the catalog never committed."""
    removed = []
    if home.tmp.exists():
        live = {lock.name[len("live-"):-len(".lock")] for lock in home.tmp.glob("live-*.lock")}
        dead = {t for t in live if _gone(home.tmp / f"live-{t}.lock")}
        for p in [*home.tmp.glob("stage-*"), *home.tmp.glob("old-*")]:
            owner = next((t for t in live if p.name.split("-", 1)[1].startswith(t + "-")),
                         None)
            if owner is None or owner in dead:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
        for t in dead:
            (home.tmp / f"live-{t}.lock").unlink(missing_ok=True)
    if not home.lake.exists():
        return removed
    with exclusive(home), engine.connect() as conn:
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
    old = home.tmp / f"old-{uuid.uuid4().hex}"  # removed below, by whoever comes first
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
