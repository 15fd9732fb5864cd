"""Serve the dashboard and API; manage accounts and API tokens."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.table import Table

from fiveareas.cli.common import HomeOpt, app, console
from fiveareas.store.home import Home

account_app = typer.Typer(help="Accounts of people (regulator, bank, public).",
                          no_args_is_help=True)
token_app = typer.Typer(help="API tokens for systems (shown once, stored hashed, revocable).",
                        no_args_is_help=True)
app.add_typer(account_app, name="account")
app.add_typer(token_app, name="token")


@contextmanager
def refused() -> Iterator[None]:
    """An account or token request that cannot be carried out: its reason, exit status 2."""
    from fiveareas.store.accounts import AccountError

    try:
        yield
    except AccountError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def _catalog(home: Path | Home | None) -> sa.Engine:
    from fiveareas.store import catalog as cat

    h = home if isinstance(home, Home) else Home.resolve(home)
    return cat.open_catalog(h.catalog_url)


@app.command()
def serve(
    home: HomeOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the dashboard and the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from fiveareas.web.app import create_app

    h = Home.resolve(home)
    console.print(f"serving {h.root} on http://{host}:{port} (API docs: /docs)")
    if workers == 1:
        uvicorn.run(create_app(h), host=host, port=port, log_level="warning")
        return
    # Several worker processes each build the app from the environment.
    os.environ["FIVEAREAS_HOME"] = str(h.root)
    uvicorn.run("fiveareas.web.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning")


@account_app.command("add")
def account_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option(help="regulator, bank or public.")],
    institution: Annotated[str | None, typer.Option(help="For a bank account.")] = None,
    password: Annotated[str | None, typer.Option(
        help="Else one is generated and printed once.")] = None,
    home: HomeOpt = None,
) -> None:
    """Create an account that signs in with a password."""
    from fiveareas.store import accounts

    pw = password or secrets.token_urlsafe(12)
    with refused():
        accounts.create(_catalog(home), username, role, pw, institution)
    console.print(f"account {username} ({role}{' ' + institution if institution else ''})"
                  + ("" if password else f", password: {pw}"))


@account_app.command("disable")
def account_disable(username: str, home: HomeOpt = None) -> None:
    from fiveareas.store import accounts

    with refused():
        accounts.disable(_catalog(home), username)
    console.print(f"disabled {username}")


@account_app.command("list")
def account_list(home: HomeOpt = None) -> None:
    from fiveareas.store import accounts

    table = Table(title="accounts")
    for c in ("username", "role", "institution", "created", "disabled"):
        table.add_column(c)
    for r in accounts.accounts(_catalog(home)):
        table.add_row(r.username, r.role, r.institution_id or "", f"{r.created_at:%Y-%m-%d}",
                      f"{r.disabled_at:%Y-%m-%d}" if r.disabled_at else "")
    console.print(table)


@account_app.command("demo")
def account_demo(home: HomeOpt = None) -> None:
    """Demo accounts for a generated city: a regulator and one bank account for each of the
    first two institutions, with fresh random passwords (printed, and kept in the home's
    demo-accounts.txt readable by its owner only)."""
    import os

    from fiveareas.store import accounts

    h = Home.resolve(home)
    engine = _catalog(h)
    lines = []
    for name, role, inst in (("regulator", "regulator", None), ("bank1", "bank", "B00001"),
                             ("bank2", "bank", "B00002")):
        pw = secrets.token_urlsafe(9)
        if accounts.get(engine, name) is None:
            accounts.create(engine, name, role, pw, inst)
            lines.append(f"{name:10s} {pw}  ({role}{' ' + inst if inst else ''})")
    if lines:
        path = h.root / "demo-accounts.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
    text = (h.root / "demo-accounts.txt").read_text()
    console.print("demo accounts (username, password):\n" + text.rstrip())


@token_app.command("create")
def token_create(username: str, name: Annotated[str, typer.Option(help="What it is for.")],
                 home: HomeOpt = None) -> None:
    """Issue an API token for an account; the secret is printed this once."""
    from fiveareas.store import accounts

    with refused():
        tid, secret = accounts.issue_token(_catalog(home), username, name)
    console.print(f"token {tid} for {username}: {secret}")


@token_app.command("revoke")
def token_revoke(token_id: int, home: HomeOpt = None) -> None:
    from fiveareas.store import accounts

    with refused():
        accounts.revoke_token(_catalog(home), token_id)
    console.print(f"revoked token {token_id}")


@token_app.command("list")
def token_list(home: HomeOpt = None) -> None:
    from fiveareas.store import accounts

    table = Table(title="API tokens")
    for c in ("id", "name", "account", "created", "revoked"):
        table.add_column(c)
    for r in accounts.tokens(_catalog(home)):
        table.add_row(str(r.id), r.name, r.username, f"{r.created_at:%Y-%m-%d %H:%M}",
                      f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "")
    console.print(table)
