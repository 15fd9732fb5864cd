"""Several processes write one home: `recover` removes only what processes that are gone
left behind, never what a live one is staging (the web server collecting an upload while
`fiveareas run` classifies), and sweeps the lake under the write lock commits take."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from fiveareas.store import catalog as cat
from fiveareas.store import lake
from fiveareas.store.home import Home

# Stages a folder, says where, and holds it until its input closes (or it is killed).
CHILD = ("import sys; from fiveareas.store import lake; from fiveareas.store.home import Home; "
         "p = lake.staging(Home.resolve(sys.argv[1])); print(p, flush=True); sys.stdin.read()")


def test_a_live_process_keeps_its_staging_and_a_dead_one_loses_it(tmp_path: Path) -> None:
    home = Home.resolve(tmp_path / "home")
    engine = cat.open_catalog(home.catalog_url)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(home.root)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        theirs = Path(child.stdout.readline().strip())
        mine = lake.staging(home)
        stale = home.tmp / "stage-0123456789abcdef"  # no owner: a leftover of an old version
        stale.mkdir()
        assert theirs.is_dir()
        removed = lake.recover(home, engine)
        assert removed == [stale]
        assert theirs.is_dir() and mine.is_dir()
    finally:
        child.kill()
        child.wait(timeout=30)
    removed = lake.recover(home, engine)
    assert theirs in removed and not theirs.exists() and mine.is_dir()
    assert len(list(home.tmp.glob("live-*.lock"))) == 1  # this process's own
    engine.dispose()


def test_the_lake_is_swept_only_between_commits(tmp_path: Path) -> None:
    """A folder published but not yet committed is not an orphan while its commit holds
    the write lock; once the lock is free, one the catalog does not know is."""
    home = Home.resolve(tmp_path / "home")
    engine = cat.open_catalog(home.catalog_url)
    folder = lake.partition(home, "loan", 99, None, "B0001")
    folder.mkdir(parents=True)
    swept: list[list[Path]] = []
    with lake.exclusive(home):
        sweeper = threading.Thread(target=lambda: swept.append(lake.recover(home, engine)))
        sweeper.start()
        time.sleep(0.3)
        assert folder.is_dir() and not swept  # waiting for the lock
    sweeper.join(timeout=30)
    assert swept == [[folder]] and not folder.exists()
    engine.dispose()


def test_a_process_lets_go_of_a_home_it_no_longer_stages_in(tmp_path: Path) -> None:
    """One lock file per home this process stages in, not one per home it ever touched."""
    first, second = Home.resolve(tmp_path / "a"), Home.resolve(tmp_path / "b")
    stage = lake.staging(first)
    assert len(list(first.tmp.glob("live-*.lock"))) == 1
    lake.staging(second)
    assert len(list(first.tmp.glob("live-*.lock"))) == 1  # still staging there
    shutil.rmtree(stage)
    lake.staging(second)
    assert list(first.tmp.glob("live-*.lock")) == []
    assert len(list(second.tmp.glob("live-*.lock"))) == 1
