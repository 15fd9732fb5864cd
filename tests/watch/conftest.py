"""Shared helpers for the SCF check tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from fiveareas.watch.scf import Tolerances, run_checks
from tests.watch.scf_city import City


@pytest.fixture
def city() -> City:
    return City()


@pytest.fixture
def findings(tmp_path: Path) -> Callable[..., list[dict]]:
    """Run the checks over a City; rows of one check (or all) as dicts."""
    counter = iter(range(1000))

    def run(c: City, check: str | None = None, **tol: float) -> list[dict]:
        root = tmp_path / f"run{next(counter)}"
        root.mkdir()
        table: pa.Table = run_checks(c.open(root), Tolerances().with_(**tol))
        rows = table.to_pylist()
        return [r for r in rows if check is None or r["check"] == check]

    return run
