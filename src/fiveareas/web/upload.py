"""An uploaded loan book, from the API or the page, collected like files from disk."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from fastapi import HTTPException, Request, UploadFile

from fiveareas.intake.ingest import Outcome, ingest
from fiveareas.store import catalog as cat
from fiveareas.web.auth import Principal

SUFFIXES = (".csv", ".txt", ".tsv", ".parquet", ".pq", ".xlsx")


def collect_upload(request: Request, p: Principal, loans: UploadFile,
                   counterparties: UploadFile, max_error_rate: float | None = None) -> Outcome:
    """Save the two files under the home's tmp as `loans.*` and `counterparties.*`, collect
    them as the caller (a bank for its own institution only), and clean up."""
    home = request.app.state.home
    folder = home.tmp / f"upload-{uuid.uuid4().hex}"
    try:
        for name, f in (("loans", loans), ("counterparties", counterparties)):
            suffix = Path(f.filename or "").suffix.lower()
            if suffix not in SUFFIXES:
                raise HTTPException(400, f"{name}: {f.filename!r} is not a .csv, .tsv, .txt, "
                                         ".xlsx or .parquet file")
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / f"{name}{suffix}", "wb") as out:
                shutil.copyfileobj(f.file, out)
        token = cat.ACTOR.set(p.name)
        try:
            with request.app.state.lock:  # one collector at a time writes the home
                (outcome,) = ingest([folder], home, max_error_rate=max_error_rate,
                                    institution=p.institution if p.role == "bank" else None)
        finally:
            cat.ACTOR.reset(token)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return outcome
