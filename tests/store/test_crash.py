"""Kill the ingest process at random moments (SIGKILL), then prove the lake and the catalog
agree, and that a re-run completes to the same result as a run that was never interrupted."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy as sa

from fiveareas.store import catalog as cat
from fiveareas.store import lake
from fiveareas.store.home import Home
from tests.conftest import COUNTERPARTIES, INSTITUTIONS, LOANS, loan, write_book, write_csv

BOOKS = 6
LOANS_PER_BOOK = 3000
CHILD = "from fiveareas.intake.ingest import ingest; from fiveareas.store.home import Home; " \
        "import sys; ingest([sys.argv[1]], Home.resolve(sys.argv[2]))"


def _city(root: Path) -> Path:
    write_csv(root / "institutions.csv", INSTITUTIONS, "institution")
    for b in range(BOOKS):
        period = ["2024-01-31", "2024-02-29", "2024-03-31"][b % 3]
        inst = INSTITUTIONS[b // 3]["institution_id"]
        extra = [loan(f"M{b}-{i}", "9144030071526726XG", period=period, institution_id=inst)
                 for i in range(LOANS_PER_BOOK)]
        rows = [{**r, "period": period, "institution_id": inst} for r in LOANS] + extra
        rows[5]["balance"] = "-1.00"  # one quarantined row per book
        write_book(root / period / inst, rows, COUNTERPARTIES)
    return root


def _run(src: Path, home: Path, kill_after: float | None) -> int:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(src), str(home)],
                             env={**os.environ, "FIVEAREAS_THREADS": "1"})
    if kill_after is None:
        return child.wait(timeout=300)
    time.sleep(kill_after)
    child.send_signal(signal.SIGKILL)
    return child.wait(timeout=60)


def _consistent(home: Home) -> None:
    """Every committed submission is whole in the lake; the catalog lists one current per key."""
    engine = cat.open_catalog(home.catalog_url)
    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(cat.submission)))
    for r in rows:
        if r.state in cat.CURRENT:
            landed = sum(pq.read_metadata(p).num_rows
                         for ds in ("loan", "counterparty", "institution")
                         for p in lake.files(home, ds, [r]))
            assert landed == r.accepted_rows, f"{cat.public_id(r.id)} is not whole"
            quarantined = sum(pq.read_metadata(p).num_rows
                              for ds in ("quarantine_loan", "quarantine_counterparty",
                                         "quarantine_institution")
                              for p in lake.files(home, ds, [r]))
            assert quarantined == r.quarantined_rows
    keys = [(r.kind, r.institution_id, r.period) for r in rows if r.state in cat.CURRENT]
    assert len(keys) == len(set(keys)), "two current versions of one submission"
    lake.recover(home, engine)
    known = {cat.public_id(r.id) for r in rows}
    on_disk = {p.name.split("=")[1] for p in home.lake.rglob("submission=*")} if home.lake.exists() \
        else set()
    assert on_disk <= known, f"orphans left after recovery: {on_disk - known}"
    assert not list(home.tmp.glob("stage-*"))
    engine.dispose()


def _summary(home: Home) -> list[tuple[object, ...]]:
    engine = cat.open_catalog(home.catalog_url)
    with engine.connect() as conn:
        q = sa.select(cat.submission.c.kind, cat.submission.c.institution_id,
                      cat.submission.c.period, cat.submission.c.accepted_rows,
                      cat.submission.c.quarantined_rows).where(
            cat.submission.c.state.in_(cat.CURRENT))
        out = sorted(tuple(r) for r in conn.execute(q))
    engine.dispose()
    return out


def test_sigkill_at_random_points_leaves_no_half_submission(tmp_path: Path) -> None:
    src = _city(tmp_path / "city")
    clean = Home.resolve(tmp_path / "clean")
    started = time.monotonic()
    assert _run(src, clean.root, None) == 0
    full = time.monotonic() - started
    expected = _summary(clean)
    assert len(expected) == BOOKS + 1

    rng = random.Random(20241231)
    for attempt in range(4):
        home = Home.resolve(tmp_path / f"killed{attempt}")
        for _ in range(2):  # kill twice in a row, then finish
            _run(src, home.root, rng.uniform(0.2, full))
            _consistent(home)
        assert _run(src, home.root, None) == 0
        _consistent(home)
        assert _summary(home) == expected
