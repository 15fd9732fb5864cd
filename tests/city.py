"""One small measured city for the measure, targets, report and web tests (built once per run)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fiveareas.cli import app
from fiveareas.store.home import Home
from fiveareas.synth import generate_city


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Home, dict]:
    root = tmp_path_factory.mktemp("measure")
    manifest = generate_city(root / "city", scale=0.002, start="2023-12", months=13, seed=1,
                             fmt="parquet", scf_deals=300, scf_frauds=4)
    out = cli("run", str(root / "city"), "--home", str(root / "home"))
    assert "measure" in out and "targets:" in out and "supply chain:" in out
    return Home.resolve(root / "home"), manifest


