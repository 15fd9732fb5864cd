"""A throwaway PostgreSQL server for the tests that run the catalog on it.

It uses the server binaries Debian's `postgresql` package installs (`make test` installs them
when missing), listens only on a Unix socket in a temporary folder, and is stopped at the end.
As root (CI), the server runs as the `postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                                                reverse=True)), None)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: run `make test`, which "
                           "installs Debian's postgresql package")
    return found


def _run(args: list[str]) -> None:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(args, check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Path]:
    """The socket folder of a running server (user `postgres`, trust authentication)."""
    root = Path(tempfile.mkdtemp(prefix="fiveareas-pg-"))
    data = root / "data"
    data.mkdir()
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
    _run([_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"])
    _run([_bin("pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"), "-o",
          f"-k {root} -c listen_addresses='' -c fsync=off", "start"])
    try:
        yield root
    finally:
        _run([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: Path) -> str:
    """A fresh, empty database on the server, as a SQLAlchemy URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"postgresql+psycopg://postgres@/postgres?host={postgres_server}",
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return f"postgresql+psycopg://postgres@/{name}?host={postgres_server}"
