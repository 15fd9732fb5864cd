"""Who is asking: a bearer token (systems), a signed session cookie (people), or the public.

Sessions are a signed, time-limited cookie (itsdangerous) holding the account id and a CSRF
token; the signing key lives in the data home, created on first use, never in the repository.
Forms carry the CSRF token and every state-changing form request is checked against it; API
calls with a bearer token need no CSRF check (no browser sends that header by itself).
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from fiveareas.store import accounts
from fiveareas.store.home import Home

COOKIE = "fiveareas_session"
MAX_AGE = 8 * 3600  # a working day


@dataclass(frozen=True)
class Principal:
    """The caller: a signed-in account, or the public (`account` None)."""

    account: accounts.Account | None
    csrf: str | None = None
    via: str = "public"  # public | session | token

    @property
    def role(self) -> str:
        return self.account.role if self.account else "public"

    @property
    def institution(self) -> str | None:
        return self.account.institution_id if self.account else None

    @property
    def name(self) -> str:
        return self.account.username if self.account else "public"


def secret_key(home: Home) -> str:
    """The home's session signing key (created once, readable by its owner only)."""
    path = Path(home.root) / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt="fiveareas-session")


def principal(request: Request) -> Principal:
    """Resolve the caller once per request (cached on the request)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    app = request.app.state
    found = Principal(None)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        acc = accounts.by_token(app.catalog, header[7:].strip())
        if acc is None:
            raise HTTPException(401, "invalid or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        found = Principal(acc, via="token")
    elif COOKIE in request.cookies:
        try:
            data = serializer(app.secret).loads(request.cookies[COOKIE], max_age=MAX_AGE)
            acc = accounts.by_id(app.catalog, int(data["a"]))
            if acc is not None:
                found = Principal(acc, csrf=str(data["c"]), via="session")
        except (BadSignature, KeyError, ValueError, TypeError):
            found = Principal(None)
    request.state.principal = found
    return found


def session_cookie(key: str, account: accounts.Account) -> tuple[str, str]:
    """A new session cookie value and its CSRF token."""
    csrf = secrets.token_urlsafe(24)
    return serializer(key).dumps({"a": account.id, "c": csrf}), csrf


def check_csrf(p: Principal, submitted: str | None) -> None:
    if p.via == "session" and not (submitted and p.csrf
                                   and hmac.compare_digest(submitted, p.csrf)):
        raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page")


def require(p: Principal, *roles: str) -> Principal:
    if p.role not in roles:
        if p.account is None:
            raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        raise HTTPException(403, f"a {p.role} account may not do this")
    return p
