"""The account and token commands: what they create, and what they refuse (exit 2)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from fiveareas.cli import app
from fiveareas.store import accounts
from fiveareas.store import catalog as cat
from fiveareas.store.home import Home


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, " ".join(r.output.split())


def test_accounts_and_tokens_from_the_command_line(tmp_path: Path) -> None:
    h = str(tmp_path / "home")
    engine = cat.open_catalog(Home.resolve(h).catalog_url)
    code, out = run("account", "add", "li", "--role", "bank", "--institution", "B00001",
                    "--home", h)
    password = re.search(r"password: (\S+)", out).group(1)
    assert code == 0 and accounts.authenticate(engine, "li", password).institution_id == "B00001"
    assert run("account", "add", "wang", "--role", "bank", "--home", h)[0] == 2
    assert run("account", "add", "li", "--role", "regulator", "--home", h)[0] == 2
    code, out = run("token", "create", "li", "--name", "core banking", "--home", h)
    tid, secret = re.search(r"token (\d+) for li: (fa_\S+)", out).groups()
    assert accounts.by_token(engine, secret).username == "li"
    assert run("token", "revoke", tid, "--home", h)[0] == 0
    assert accounts.by_token(engine, secret) is None
    assert run("token", "revoke", tid, "--home", h)[0] == 2
    assert run("token", "create", "nobody", "--name", "x", "--home", h)[0] == 2
    assert run("account", "disable", "li", "--home", h)[0] == 0
    assert accounts.get(engine, "li") is None


def test_demo_accounts_are_made_once(tmp_path: Path) -> None:
    h = str(tmp_path / "home")
    code, first = run("account", "demo", "--home", h)
    assert code == 0 and "bank1" in first and "B00001" in first
    assert run("account", "demo", "--home", h)[1] == first  # the same accounts, not new ones
    assert (Path(h) / "demo-accounts.txt").stat().st_mode & 0o777 == 0o600
