"""Supply-chain finance on the web: submit documents, read findings, check an application.

The regulator sees every finding; a bank sees those naming its applications with the other
institutions' side withheld (`access.scf_finding`); the public sees none. Every read of
findings and every check is written to the audit log, as for loan-level data.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from fiveareas.watch import scf_job
from fiveareas.watch.scf import CHECKS
from fiveareas.web import access
from fiveareas.web.api import PROBLEMS, Caller, UploadOut, _findings, _sub, audit_event
from fiveareas.web.api import visible_submission as _visible
from fiveareas.web.auth import Principal, principal, require
from fiveareas.web.upload import collect_files

router = APIRouter(prefix="/api/v1/scf", responses=PROBLEMS, tags=["supply chain"])
pages = APIRouter(include_in_schema=False)


class ScfFinding(BaseModel):
    finding_id: str
    check: str
    variant: str
    severity: str
    score: float
    institution_ids: list[str]
    application_ids: list[str]
    evidence: dict[str, Any] = Field(description="The documents and payments that prove it.")
    detected_at: str | None = None


class CheckOut(BaseModel):
    application_id: str
    institution_id: str
    findings: list[ScfFinding]
    milliseconds: float


def _out(f: dict[str, Any]) -> ScfFinding:
    return ScfFinding(**{**f, "evidence": json.loads(f["evidence"]),
                         "detected_at": str(f["detected_at"]) if f.get("detected_at") else None})


def visible_findings(request: Request, p: Principal, check: str | None = None
                     ) -> list[dict[str, Any]]:
    home = request.app.state.home
    table = scf_job.read_findings(home)
    if table is None:
        return []
    owners = scf_job.owners(home)
    out = []
    for f in table.to_pylist():
        if check is not None and f["check"] != check:
            continue
        seen = access.scf_finding(p, f, owners)
        if seen is not None:
            out.append(seen)
    return out


@router.get("/findings", response_model=list[ScfFinding])
def findings(request: Request, p: Caller,
             check: Annotated[str | None, Query(pattern="^(" + "|".join(CHECKS) + ")$")] = None,
             limit: Annotated[int, Query(ge=1, le=100000)] = 1000) -> list[ScfFinding]:
    """The last city-wide batch's findings with their evidence (a bank: its own only)."""
    require(p, "bank", "regulator")
    rows = visible_findings(request, p, check)[:limit]
    audit_event(request, "read_scf_findings", None, check=check, rows=len(rows))
    return [_out(f) for f in rows]


def run_check(request: Request, p: Principal, application_id: str,
              institution: str | None) -> CheckOut:
    require(p, "bank", "regulator")
    if p.role == "bank":
        if institution not in (None, p.institution):
            raise HTTPException(403, "a bank checks its own applications only")
        institution = p.institution
    if not institution:
        raise HTTPException(400, "institution: name the institution the application was "
                                 "submitted to")
    start = time.perf_counter()
    try:
        found = scf_job.check_one(request.app.state.home, institution, application_id)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    took = (time.perf_counter() - start) * 1000
    owners = {application_id: institution}  # the only application the caller is shown
    shown = [s for f in found if (s := access.scf_finding(p, _as_row(f), owners)) is not None]
    audit_event(request, "scf_check", application_id, institution=institution,
                findings=len(shown))
    return CheckOut(application_id=application_id, institution_id=institution,
                    findings=[_out(f) for f in shown], milliseconds=round(took, 1))


def _as_row(f: dict[str, Any]) -> dict[str, Any]:
    """A finding from the single check, in the stored row's shape (evidence as JSON text)."""
    ev = f["evidence"]
    return {**f, "evidence": ev if isinstance(ev, str) else json.dumps(ev, ensure_ascii=False,
                                                                      default=str)}


@router.post("/applications/{application_id}/check", response_model=CheckOut)
def check_application(request: Request, p: Caller, application_id: str,
                      institution: str | None = None) -> CheckOut:
    """A bank's check before financing: the findings on one submitted application, from the
    index the last batch prepared (answers in well under a second)."""
    return run_check(request, p, application_id, institution)


@router.post("/submissions", response_model=UploadOut, status_code=201)
def upload(request: Request, p: Caller,
           applications: Annotated[UploadFile, File(description="Financing applications.")],
           application_documents: Annotated[UploadFile, File(
               description="Which documents each application rests on.")],
           parties: Annotated[UploadFile | None, File()] = None,
           contracts: Annotated[UploadFile | None, File()] = None,
           invoices: Annotated[UploadFile | None, File()] = None,
           shipments: Annotated[UploadFile | None, File()] = None,
           warehouse_receipts: Annotated[UploadFile | None, File()] = None,
           payments: Annotated[UploadFile | None, File()] = None,
           max_error_rate: Annotated[float | None, Form(ge=0, le=1)] = None) -> UploadOut:
    """Submit one institution's supply-chain documents for one period (docs/supply-chain.md);
    answers with the validation summary."""
    require(p, "bank", "regulator")
    given = {"applications": applications, "application_documents": application_documents,
             "parties": parties, "contracts": contracts, "invoices": invoices,
             "shipments": shipments, "warehouse_receipts": warehouse_receipts,
             "payments": payments}
    outcome = collect_files(request, p, {k: v for k, v in given.items() if v is not None},
                            max_error_rate)
    from fiveareas.store.findings import read_findings

    row = _visible(request, p, outcome.submission)
    found = read_findings(request.app.state.home, row, 100) if row.state != "malformed" else []
    return UploadOut(submission=_sub(row), duplicate=outcome.duplicate, findings=_findings(found))


# ---- the page --------------------------------------------------------------------------------
@pages.get("/scf", response_class=HTMLResponse)
def scf_page(request: Request, check: str | None = None, application: str | None = None,
             institution: str | None = None) -> HTMLResponse:
    from fiveareas.web.pages import render

    p = principal(request)
    require(p, "bank", "regulator")
    if check is not None and check not in CHECKS:
        raise HTTPException(404, f"no check {check!r}")
    checked = None
    if application:
        out = run_check(request, p, application.strip(), institution or None)
        checked = {**out.model_dump(), "findings": [
            {**f.model_dump(), "evidence_text": json.dumps(f.evidence, ensure_ascii=False,
                                                           indent=1, default=str)}
            for f in out.findings]}
    every = visible_findings(request, p)
    rows = [f for f in every if check is None or f["check"] == check]
    audit_event(request, "read_scf_findings", None, check=check, rows=len(rows))
    counts = {c: 0 for c in CHECKS}
    for f in every:
        counts[f["check"]] += 1
    for f in rows:
        f["evidence_text"] = json.dumps(json.loads(f["evidence"]), ensure_ascii=False, indent=1)
    home = request.app.state.home
    return render(request, "scf.html", rows=rows[:500], total=len(rows), counts=counts,
                  check=check, checked=checked, state=scf_job.state(home),
                  batch=scf_job.manifest(home))
