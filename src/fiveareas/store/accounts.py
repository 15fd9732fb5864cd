"""Accounts and API tokens: who may sign in, with which role, bound to which institution.

Passwords are hashed with argon2 (slow on purpose: they are guessable). API tokens are long
random secrets shown once at creation; only their SHA-256 is stored, which is enough for a
secret that cannot be guessed and keeps every API call cheap to check. A token can be revoked;
an account can be disabled (its tokens stop working with it).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from fiveareas.store import catalog as cat

ROLES = ("regulator", "bank", "public")
TOKEN_PREFIX = "fa_"
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    institution_id: str | None


class AccountError(ValueError):
    """A request to create or change an account that cannot be carried out."""


def _row(r: sa.Row) -> Account:
    return Account(r.id, r.username, r.role, r.institution_id)


def create(engine: sa.Engine, username: str, role: str, password: str | None = None,
           institution_id: str | None = None) -> Account:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if (role == "bank") != (institution_id is not None):
        raise AccountError("a bank account needs --institution, and only a bank account has one")
    if password is not None and len(password) < 10:
        raise AccountError("a password needs at least 10 characters")
    t = cat.account
    with engine.begin() as conn:
        if conn.execute(sa.select(t.c.id).where(t.c.username == username)).first():
            raise AccountError(f"account {username!r} exists")
        new_id = conn.execute(t.insert().values(
            username=username, role=role, institution_id=institution_id,
            password_hash=_hasher.hash(password) if password else None,
            created_at=cat.now())).inserted_primary_key[0]
        cat.log(conn, "account_created", username, role=role, institution=institution_id)
    return Account(new_id, username, role, institution_id)


def get(engine: sa.Engine, username: str) -> Account | None:
    t = cat.account
    with engine.connect() as conn:
        r = conn.execute(sa.select(t).where(t.c.username == username,
                                            t.c.disabled_at.is_(None))).first()
    return _row(r) if r else None


def by_id(engine: sa.Engine, account_id: int) -> Account | None:
    t = cat.account
    with engine.connect() as conn:
        r = conn.execute(sa.select(t).where(t.c.id == account_id,
                                            t.c.disabled_at.is_(None))).first()
    return _row(r) if r else None


def authenticate(engine: sa.Engine, username: str, password: str) -> Account | None:
    """The account if the password is right; None otherwise (same answer for a wrong name,
    and the hash is checked either way so the timing does not tell which)."""
    t = cat.account
    with engine.connect() as conn:
        r = conn.execute(sa.select(t).where(t.c.username == username,
                                            t.c.disabled_at.is_(None))).first()
    stored = r.password_hash if r is not None and r.password_hash else None
    try:
        _hasher.verify(stored or _DUMMY, password)
    except VerificationError:
        return None
    return _row(r) if stored else None


_DUMMY = _hasher.hash("not a password of anyone")


def disable(engine: sa.Engine, username: str) -> None:
    t = cat.account
    with engine.begin() as conn:
        n = conn.execute(t.update().where(t.c.username == username, t.c.disabled_at.is_(None))
                         .values(disabled_at=cat.now())).rowcount
        if not n:
            raise AccountError(f"no active account {username!r}")
        cat.log(conn, "account_disabled", username)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(engine: sa.Engine, username: str, name: str) -> tuple[int, str]:
    """A new token for the account: (its id, the secret, shown this once)."""
    acc = get(engine, username)
    if acc is None:
        raise AccountError(f"no active account {username!r}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    t = cat.api_token
    with engine.begin() as conn:
        tid = conn.execute(t.insert().values(account_id=acc.id, name=name,
                                             token_hash=_digest(secret),
                                             created_at=cat.now())).inserted_primary_key[0]
        cat.log(conn, "token_issued", username, token=tid, name=name)
    return tid, secret


def revoke_token(engine: sa.Engine, token_id: int) -> None:
    t = cat.api_token
    with engine.begin() as conn:
        n = conn.execute(t.update().where(t.c.id == token_id, t.c.revoked_at.is_(None))
                         .values(revoked_at=cat.now())).rowcount
        if not n:
            raise AccountError(f"no live token {token_id}")
        cat.log(conn, "token_revoked", str(token_id))


def by_token(engine: sa.Engine, secret: str) -> Account | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    t, a = cat.api_token, cat.account
    q = (sa.select(a).join(t, t.c.account_id == a.c.id)
         .where(t.c.token_hash == _digest(secret), t.c.revoked_at.is_(None),
                a.c.disabled_at.is_(None)))
    with engine.connect() as conn:
        r = conn.execute(q).first()
    return _row(r) if r else None


def tokens(engine: sa.Engine) -> list[sa.Row]:
    t, a = cat.api_token, cat.account
    q = sa.select(t.c.id, t.c.name, a.c.username, t.c.created_at, t.c.revoked_at).join(
        a, t.c.account_id == a.c.id).order_by(t.c.id)
    with engine.connect() as conn:
        return list(conn.execute(q))


def accounts(engine: sa.Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(cat.account).order_by(cat.account.c.id)))
