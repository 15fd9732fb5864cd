"""An uploaded submission, from the API or the page, collected like files from disk."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from fastapi import HTTPException, Request, UploadFile

from fiveareas.intake.ingest import Outcome, ingest, nil_return
from fiveareas.store import catalog as cat
from fiveareas.web.auth import Principal

SUFFIXES = (".csv", ".txt", ".tsv", ".parquet", ".pq", ".xlsx")


def collect_upload(request: Request, p: Principal, loans: UploadFile,
                   counterparties: UploadFile, max_error_rate: float | None = None) -> Outcome:
    """A loan book: the two files saved as `loans.*` and `counterparties.*`."""
    return collect_files(request, p, {"loans": loans, "counterparties": counterparties},
                         max_error_rate)


def collect_files(request: Request, p: Principal, files: dict[str, UploadFile],
                  max_error_rate: float | None = None) -> Outcome:
    """Save each file under the home's tmp as `{name}.{suffix}`, collect the folder as the
    caller (a bank for its own institution only), and clean up."""
    home = request.app.state.home
    folder = home.tmp / f"upload-{uuid.uuid4().hex}"
    try:
        for name, f in files.items():
            suffix = Path(f.filename or "").suffix.lower()
            if suffix not in SUFFIXES:
                raise HTTPException(400, f"{name}: {f.filename!r} is not a .csv, .tsv, .txt, "
                                         ".xlsx or .parquet file")
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / f"{name}{suffix}", "wb") as out:
                shutil.copyfileobj(f.file, out)
        if not files:
            raise HTTPException(400, "no file: send at least one")
        with _as_collector(request, p):
            (outcome,) = ingest([folder], home, max_error_rate=max_error_rate,
                                institution=p.institution if p.role == "bank" else None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return outcome


def collect_nil_return(request: Request, p: Principal, institution: str, period: date
                       ) -> Outcome:
    """A nil return, filed as the caller (a bank for its own institution only)."""
    if p.role == "bank" and institution != p.institution:
        raise HTTPException(403, f"this account reports for {p.institution} only")
    try:
        with _as_collector(request, p):
            return nil_return(institution, period, request.app.state.home,
                              as_institution=p.institution if p.role == "bank" else None)
    except ValueError as exc:  # not a month end, or not in the register
        raise HTTPException(400, str(exc)) from exc


@contextmanager
def _as_collector(request: Request, p: Principal) -> Iterator[None]:
    """Collect as the caller (the audit log's actor), one collector at a time in this
    server."""
    token = cat.ACTOR.set(p.name)
    try:
        with request.app.state.lock:
            yield
    finally:
        cat.ACTOR.reset(token)
