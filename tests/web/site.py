"""A private copy of the measured city with accounts, for the web tests (API, pages, browser)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from fiveareas.store import accounts
from fiveareas.store import catalog as cat
from fiveareas.store.home import Home
from fiveareas.web.app import create_app

PASSWORD = "correct horse battery"
# name -> (role, institution)
USERS: dict[str, tuple[str, str | None]] = {
    "reg": ("regulator", None), "b1": ("bank", "B00001"), "b2": ("bank", "B00002")}


def private_home(city_home: Home, folder: Path,
                 users: dict[str, tuple[str, str | None]] = USERS) -> Home:
    """A copy of the city's data home with the given accounts (password PASSWORD)."""
    home = Home.resolve(folder / "home")
    shutil.copytree(city_home.root, home.root, dirs_exist_ok=True)
    engine = cat.open_catalog(home.catalog_url)
    for name, (role, inst) in users.items():
        accounts.create(engine, name, role, PASSWORD, inst)
    engine.dispose()
    return home


def private_site(city_home: Home, folder: Path,
                 users: dict[str, tuple[str, str | None]] = USERS) -> dict[str, Any]:
    """`private_home`, the app over it and a token per account."""
    home = private_home(city_home, folder, users)
    engine = cat.open_catalog(home.catalog_url)
    tokens = {name: accounts.issue_token(engine, name, "test")[1] for name in users}
    engine.dispose()
    return {"home": home, "app": create_app(home), "tokens": tokens}


def client(site: dict[str, Any], who: str | None = None) -> TestClient:
    c = TestClient(site["app"])
    if who:
        c.headers["Authorization"] = f"Bearer {site['tokens'][who]}"
    return c
