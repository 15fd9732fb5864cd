"""The HTTP API (JSON, documented by OpenAPI at /docs and /openapi.json).

Every route resolves the caller first (`auth.principal`) and applies the access rules of
`access.py`; a submission another bank made answers 404, not 403, so its existence does not
leak. Reads of loan-level data (quarantined rows, findings, a loan's explanation) are written
to the audit log with who read what.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
)
from pydantic import BaseModel, Field

from fiveareas.measure import job as measure_job
from fiveareas.measure import progress, read
from fiveareas.measure.target_catalogue import load as load_targets
from fiveareas.rules.explain import NotFound, explain_loan
from fiveareas.store import accounts, macro
from fiveareas.store import catalog as cat
from fiveareas.store import status as st
from fiveareas.store.findings import read_findings, read_quarantine
from fiveareas.store.home import Home
from fiveareas.store.submissions import previous_month_end
from fiveareas.web import access
from fiveareas.web.auth import Principal, principal, require
from fiveareas.web.upload import collect_nil_return, collect_upload


class Problem(BaseModel):
    """Why a request was refused: one sentence naming the field or the rule."""

    detail: str


# Errors the routes raise themselves, documented so that clients (and the fuzzer) know them;
# a malformed request that FastAPI refuses before the route runs is a 422 with its list.
PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "A value the route refuses (a period, a file type)"},
    401: {"model": Problem, "description": "Sign in first, or the token is invalid or revoked"},
    403: {"model": Problem, "description": "This role may not do this"},
    404: {"model": Problem, "description": "Not found, or not visible to this caller"},
}
router = APIRouter(prefix="/api/v1", responses=PROBLEMS)
Caller = Annotated[Principal, Depends(principal)]
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$"


def parse_period(text: str) -> date:
    """`2024-12` or `2024-12-31`: that month's end (422 for anything else)."""
    try:
        year, month = int(text[:4]), int(text[5:7])
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        end = previous_month_end(nxt)
        if len(text) == 10 and date.fromisoformat(text) != end:
            raise ValueError
        return end
    except (ValueError, IndexError):
        raise HTTPException(400, f"{text!r} is not a period (YYYY-MM or a month-end "
                                 "YYYY-MM-DD)") from None


class Who(BaseModel):
    username: str
    role: str
    institution_id: str | None = None


class SubmissionOut(BaseModel):
    id: str
    kind: str
    institution_id: str | None = None
    period: date | None = None
    version: int
    state: str
    rows: int
    accepted_rows: int
    quarantined_rows: int
    errors: int
    warnings: int
    submitted_by: str
    message: str | None = None
    superseded_by: str | None = None


class Finding(BaseModel):
    file: str | None = None
    dataset: str | None = None
    row: int | None = None
    field: str | None = None
    rule_id: str | None = None
    severity: str | None = None
    value: str | None = None
    message: str | None = None


class UploadOut(BaseModel):
    submission: SubmissionOut
    duplicate: bool
    findings: list[Finding] = Field(description="The first 100 located findings.")


class NilReturnIn(BaseModel):
    institution_id: str = Field(min_length=1, max_length=64)
    period: date = Field(description="The period end (a month end) with no loans.")


class MacroIn(BaseModel):
    indicator: str
    as_of: date
    value: float = Field(ge=0)
    source: str = Field(min_length=1, max_length=1000)


class MacroOut(BaseModel):
    id: int
    indicator: str
    as_of: date
    value: float
    unit: str
    source: str
    entered_by: str


def _sub(r: sa.Row) -> SubmissionOut:
    return SubmissionOut(
        id=cat.public_id(r.id), kind=r.kind, institution_id=r.institution_id, period=r.period,
        version=r.version, state=r.state, rows=r.rows, accepted_rows=r.accepted_rows,
        quarantined_rows=r.quarantined_rows, errors=r.errors, warnings=r.warnings,
        submitted_by=r.submitted_by, message=r.message,
        superseded_by=cat.public_id(r.superseded_by) if r.superseded_by else None)


def _findings(rows: list[dict[str, Any]]) -> list[Finding]:
    return [Finding(**{k: (None if v is None else str(v) if k == "value" else v)
                       for k, v in r.items() if k in Finding.model_fields}) for r in rows]


def visible_submission(request: Request, p: Principal, sid: str) -> sa.Row:
    try:
        ident = cat.parse_id(sid)
    except ValueError:
        raise HTTPException(404, f"no submission {sid}") from None
    with request.app.state.catalog.connect() as conn:
        row = st.get(conn, ident)
    if row is None or not access.may_see_submission(p, row):
        raise HTTPException(404, f"no submission {sid}")
    return row


def audit_event(request: Request, action: str, target: str, **detail: Any) -> None:
    with request.app.state.catalog.begin() as conn:
        cat.log(conn, action, target, as_actor=principal(request).name, **detail)


@router.get("/whoami", response_model=Who)
def whoami(p: Caller) -> Who:
    return Who(username=p.name, role=p.role, institution_id=p.institution)


@router.post("/submissions", response_model=UploadOut, status_code=201)
def upload(request: Request, p: Caller,
           loans: Annotated[UploadFile, File(description="The loan file (CSV, xlsx, Parquet).")],
           counterparties: Annotated[UploadFile, File(description="The counterparty file.")],
           max_error_rate: Annotated[float | None, Form(ge=0, le=1)] = None) -> UploadOut:
    """Submit one institution's report for one period; answers with its validation summary."""
    require(p, "bank", "regulator")
    home = request.app.state.home
    outcome = collect_upload(request, p, loans, counterparties, max_error_rate)
    row = visible_submission(request, p, outcome.submission)
    found = read_findings(home, row, 100) if row.state != "malformed" else []
    return UploadOut(submission=_sub(row), duplicate=outcome.duplicate,
                     findings=_findings(found))


@router.post("/nil-returns", response_model=UploadOut, status_code=201)
def nil_return(request: Request, p: Caller, body: NilReturnIn) -> UploadOut:
    """Report that an institution had no loans at a period end: a loan book without rows,
    which supersedes the period's book, if any (a file cannot say it: a header alone names
    no institution or period). A bank reports for its own institution only."""
    require(p, "bank", "regulator")
    outcome = collect_nil_return(request, p, body.institution_id, body.period)
    row = visible_submission(request, p, outcome.submission)
    return UploadOut(submission=_sub(row), duplicate=outcome.duplicate, findings=[])


@router.get("/submissions", response_model=list[SubmissionOut])
def submissions(request: Request, p: Caller,
                period: Annotated[str | None, Query(pattern=PERIOD)] = None,
                institution: str | None = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[SubmissionOut]:
    require(p, "bank", "regulator")
    if p.role == "bank":
        if institution not in (None, p.institution):
            raise HTTPException(403, "a bank sees its own submissions only")
        institution = p.institution
    when = parse_period(period) if period else None
    with request.app.state.catalog.connect() as conn:
        rows = st.submissions(conn, when, institution, limit=limit)
        if p.role == "bank":  # and what it sent that could not be read (no institution yet)
            rows += [r for r in st.submissions(conn, when, None, limit=limit)
                     if r.institution_id is None and r.submitted_by == p.name]
    return [_sub(r) for r in sorted(rows, key=lambda r: -r.id)[:limit]]


@router.get("/submissions/{sid}", response_model=SubmissionOut)
def submission(request: Request, p: Caller, sid: str) -> SubmissionOut:
    require(p, "bank", "regulator")
    return _sub(visible_submission(request, p, sid))


@router.get("/submissions/{sid}/findings", response_model=list[Finding])
def findings(request: Request, p: Caller, sid: str,
             limit: Annotated[int, Query(ge=1, le=100000)] = 1000) -> list[Finding]:
    """The located findings: file, row, field, rule, message (and the value received)."""
    require(p, "bank", "regulator")
    row = visible_submission(request, p, sid)
    audit_event(request, "read_findings", sid)
    return _findings(read_findings(request.app.state.home, row, limit))


@router.get("/submissions/{sid}/quarantine")
def quarantine(request: Request, p: Caller, sid: str,
               limit: Annotated[int, Query(ge=1, le=100000)] = 1000) -> dict[str, list[dict]]:
    """The quarantined rows as received, per dataset (`loan`, `counterparty`)."""
    require(p, "bank", "regulator")
    row = visible_submission(request, p, sid)
    found = read_quarantine(request.app.state.home, row, limit)
    out = {ds: [{k: (None if v is None else str(v)) for k, v in r.items()} for r in rows]
           for ds, rows in found.items()}
    audit_event(request, "read_quarantine", sid, rows=sum(len(v) for v in out.values()))
    return out


@router.get("/periods", response_model=list[date])
def periods(request: Request) -> list[date]:
    """The measured periods, oldest first."""
    return measure_job.measured_periods(request.app.state.home)


@router.get("/indicators", response_model=list[dict[str, Any]])
def indicators(request: Request, p: Caller,
               period: Annotated[str, Query(pattern=PERIOD)],
               area: str | None = None, sub_area: str | None = None,
               dimension: str | None = None, member: str | None = None) -> Response:
    """Every indicator of a period by area, sub-area and breakdown (see /docs for units)."""
    when = parse_period(period)
    home = request.app.state.home
    try:
        body = _indicators_json(home, when, (area, sub_area, dimension, member), p.role,
                                p.institution, measure_job.state_key(home))
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(body, media_type="application/json")


@lru_cache(maxsize=1024)
def _indicators_json(home: Home, when: date, where: tuple[str | None, ...], role: str,
                     institution: str | None, _state: str) -> bytes:
    """The answer's bytes, per filter and audience (the figures change only when measured)."""
    area, sub_area, dimension, member = where
    rows = read.wide(home, when, area=area, sub_area=sub_area, dimension=dimension,
                     member=member).to_pylist()
    rows = [{k: (float(v) if hasattr(v, "as_tuple") else v) for k, v in r.items()
             if k != "rate_weighted"} for r in rows]
    viewer = Principal(accounts.Account(0, role, role, institution) if role != "public"
                       else None)
    return json.dumps(access.indicator_rows(viewer, rows), default=str,
                      ensure_ascii=False).encode()


@router.get("/targets")
def targets(request: Request, as_of: Annotated[str | None, Query(pattern=PERIOD)] = None
            ) -> list[dict]:
    """Every target with its citation, current value, gap, status and projection."""
    when = parse_period(as_of) if as_of else None
    return [s.as_dict() for s in progress.statuses(request.app.state.home, when)]


@router.get("/loans/{institution_id}/{loan_id}/explain")
def explain(request: Request, p: Caller, institution_id: str, loan_id: str,
            period: Annotated[str, Query(pattern=PERIOD)]) -> dict:
    """Why a loan is (or is not) in each area: every rule and the values that decided it."""
    return explained(request, p, institution_id, loan_id, period)


def explained(request: Request, p: Principal, institution_id: str, loan_id: str,
              period: str) -> dict:
    """A loan's explanation for a caller who may see it (404 otherwise), audited."""
    require(p, "bank", "regulator")
    if not access.may_see_institution(p, institution_id):
        raise HTTPException(404, f"no loan {loan_id} of {institution_id}")
    try:
        found = explain_loan(request.app.state.home, loan_id, parse_period(period),
                             institution_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    audit_event(request, "read_loan", f"{institution_id}/{loan_id}", period=period)
    return found


@router.get("/macro", response_model=list[MacroOut])
def macro_values(request: Request, indicator: str | None = None) -> list[MacroOut]:
    return [MacroOut(**e.__dict__) for e in macro.values(request.app.state.catalog, indicator)]


@router.post("/macro", response_model=MacroOut, status_code=201)
def macro_enter(request: Request, p: Caller, body: MacroIn) -> MacroOut:
    """Enter a macro figure with its source (regulators)."""
    require(p, "regulator")
    units = {t.indicator: t.unit for t in load_targets() if t.kind == "entered"}
    if body.indicator not in units:
        raise HTTPException(400, f"{body.indicator!r} is not an entered indicator")
    if units[body.indicator] == "ratio" and body.value > 1:
        raise HTTPException(400, "a ratio is a fraction between 0 and 1")
    if not body.source.strip():
        raise HTTPException(400, "a macro value needs its source")
    token = cat.ACTOR.set(p.name)
    try:
        e = macro.enter(request.app.state.catalog, body.indicator, body.as_of, body.value,
                        units[body.indicator], body.source)
    finally:
        cat.ACTOR.reset(token)
    return MacroOut(**e.__dict__)


@router.get("/audit")
def audit(request: Request, p: Caller, limit: Annotated[int, Query(ge=1, le=10000)] = 200,
          action: str | None = None) -> list[dict]:
    """The audit log, newest first (regulators)."""
    require(p, "regulator")
    t = cat.audit
    q = sa.select(t).order_by(t.c.id.desc()).limit(limit)
    if action:
        q = q.where(t.c.action == action)
    with request.app.state.catalog.connect() as conn:
        return [{"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "action": r.action,
                 "target": r.target, "detail": r.detail} for r in conn.execute(q)]
