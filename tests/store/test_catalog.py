"""The catalog's migrations build exactly the schema the code declares."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fiveareas.store.catalog import metadata, open_catalog


def test_migrations_match_the_declared_schema(tmp_path: Path) -> None:
    engine = open_catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_open_twice_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    open_catalog(url).dispose()
    with open_catalog(url).connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    assert version == "0004"
