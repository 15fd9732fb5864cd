"""The catalog on PostgreSQL (a multi-user server): same migrations, same collect path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from typer.testing import CliRunner

from fiveareas.cli import app
from fiveareas.intake.ingest import ingest
from fiveareas.store import status
from fiveareas.store.catalog import metadata, open_catalog
from fiveareas.store.home import Home
from tests.conftest import LOANS, write_book
from tests.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)


def test_migrations_match_the_declared_schema(postgres_url: str) -> None:  # noqa: F811
    engine = open_catalog(postgres_url)
    with engine.connect() as conn:
        assert engine.dialect.name == "postgresql"
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


def test_collect_path_on_postgres(tmp_path: Path, postgres_url: str, register: Path,  # noqa: F811
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIVEAREAS_CATALOG_URL", postgres_url)
    home = Home.resolve(tmp_path / "home")
    assert home.catalog_url == postgres_url
    first = ingest([register, write_book(tmp_path / "v1")], home)
    assert [o.state for o in first] == ["accepted", "accepted"]
    again = ingest([write_book(tmp_path / "v1-again")], home)
    assert again[0].duplicate and again[0].submission == first[1].submission
    second = ingest([write_book(tmp_path / "v2", [*LOANS[:2], {**LOANS[2], "balance": "-1"}])],
                    home)[0]
    assert (second.state, second.accepted, second.quarantined) == ("accepted", 5, 1)
    engine = open_catalog(postgres_url)
    with engine.connect() as conn:
        [period] = status.by_period(conn)
        assert (period.submissions, period.accepted, period.quarantined, period.superseded) == (
            2, 5, 1, 1)
    engine.dispose()
    out = CliRunner().invoke(app, ["receipt", second.submission, "--home", str(home.root)])
    assert out.exit_code == 0 and json.loads(out.output)["version"] == 2
