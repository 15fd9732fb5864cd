"""One small city per session (CSV, UTF-8) shared by the synth tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fiveareas.synth import generate_city


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("city")
    manifest = generate_city(out, scale=0.01, start="2023-12", months=13, seed=0)
    assert manifest == json.loads((out / "manifest.json").read_text("utf-8"))
    return out, manifest


@pytest.fixture(scope="session")
def con(city):
    """DuckDB tables of every period's files (all columns read as text, then cast)."""
    import duckdb

    out, _ = city
    db = duckdb.connect()
    db.execute(f"create table loans as select * from read_csv('{out}/*/B*/loans.csv', "
               "header=true, all_varchar=true, filename=true)")
    db.execute(f"create table cps as select * from read_csv('{out}/*/B*/counterparties.csv', "
               "header=true, all_varchar=true, filename=true)")
    return db
