"""The dashboard's pages, rendered on the server from the same reads as the API."""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fiveareas.measure import job as measure_job
from fiveareas.measure import progress, read
from fiveareas.store import accounts, macro
from fiveareas.store import catalog as cat
from fiveareas.store import status as st
from fiveareas.store.findings import read_findings, read_quarantine
from fiveareas.web import access, charts
from fiveareas.web.api import audit_event, explained, parse_period, visible_submission
from fiveareas.web.auth import COOKIE, MAX_AGE, check_csrf, principal, require, session_cookie
from fiveareas.web.i18n import AREAS
from fiveareas.web.upload import collect_nil_return, collect_upload

router = APIRouter(include_in_schema=False)
AREA_IDS = ("sci_tech", "green", "inclusive", "pension", "digital")


def render(request: Request, template: str, **ctx: Any) -> HTMLResponse:
    p = principal(request)
    lang = request.cookies.get("lang", "en")
    return request.app.state.templates.TemplateResponse(
        request, template, {"p": p, "lang": lang, "areas": AREA_IDS, "area_names": AREAS,
                        "yi": _yi, "pct": _pct, "num": _num, **ctx})


def _yi(v: Any) -> str:
    return "" if v is None else f"{float(v) / 1e8:,.2f}"


def _pct(v: Any) -> str:
    return "" if v is None else f"{float(v) * 100:.1f}%"


def _num(v: Any) -> str:
    return "" if v is None else f"{int(v):,}"


def _period(request: Request, text: str | None) -> date | None:
    have = measure_job.measured_periods(request.app.state.home)
    if text:
        when = parse_period(text)
        if when not in have:
            raise HTTPException(404, f"period {when} is not measured")
        return when
    return have[-1] if have else None


def _cells(request: Request, when: date, **where: str) -> list[dict[str, Any]]:
    rows = read.wide(request.app.state.home, when, **where).to_pylist()
    return access.indicator_rows(principal(request), rows)


def _series(request: Request, area: str, sub_area: str = "total") -> list[tuple[date, float]]:
    rows = read.series(request.app.state.home, area, sub_area).to_pylist()
    return [(r["period"], float(r["balance"])) for r in rows]


# Rendered overviews by (viewer, language, period, state of the figures, targets and settings):
# the most visited page changes only when a period is measured or a figure entered.
_OVERVIEWS: OrderedDict[tuple, bytes] = OrderedDict()
_OVERVIEWS_MAX = 256


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, period: str | None = None) -> HTMLResponse:
    when = _period(request, period)
    if when is None:
        return render(request, "empty.html")
    home = request.app.state.home
    p = principal(request)
    settings = home.settings_path.stat().st_mtime_ns if home.settings_path.exists() else 0
    key = (p.name, p.role, p.institution, p.csrf, request.cookies.get("lang", "en"), when,
           measure_job.state_key(home), macro.in_force(request.app.state.catalog), settings)
    body = _OVERVIEWS.get(key)
    if body is None:
        body = bytes(_overview(request, when).body)
        _OVERVIEWS[key] = body
        while len(_OVERVIEWS) > _OVERVIEWS_MAX:
            _OVERVIEWS.popitem(last=False)
    return HTMLResponse(body)


def _overview(request: Request, when: date) -> HTMLResponse:
    city = {r["area"]: r for r in _cells(request, when, dimension="city", sub_area="total")}
    trends = {a: charts.line(_series(request, a), unit="yuan", title=a)
              for a in ("all", *AREA_IDS)}
    targets = [s.as_dict() for s in progress.statuses(request.app.state.home, when)
               if s.target.kind == "measured" and s.target.nature == "target"]
    return render(request, "overview.html", when=when, city=city, trends=trends,
                  targets=targets, periods=measure_job.measured_periods(request.app.state.home))


@router.get("/area/{area}", response_class=HTMLResponse)
def area_page(request: Request, area: str, period: str | None = None) -> HTMLResponse:
    if area not in ("all", *AREA_IDS):
        raise HTTPException(404, f"no area {area}")
    when = _period(request, period)
    if when is None:
        return render(request, "empty.html")
    rows = _cells(request, when, area=area)
    subs = [r for r in rows if r["dimension"] == "city" and r["sub_area"] != "total"]
    breakdowns = {}
    for dim in ("district", "institution_type", "industry_section", "institution"):
        cells = [r for r in rows if r["dimension"] == dim and r["sub_area"] == "total"]
        cells.sort(key=lambda r: -(float(r["balance"]) if r.get("balance") is not None else -1))
        shown = [r for r in cells if r.get("balance") is not None]
        href = {f"{r['member']} {r['member_name'] or ''}".strip(): f"/institution/{r['member']}"
                for r in shown} if dim == "institution" else None
        chart = charts.bars([(f"{r['member']} {r['member_name'] or ''}".strip()
                              if dim == "institution" else (r["member_name"] or r["member"]),
                              float(r["balance"])) for r in shown[:16]], unit="yuan",
                            title=dim, href=href)
        breakdowns[dim] = (cells, chart)
    total = next((r for r in rows if r["dimension"] == "city" and r["sub_area"] == "total"), {})
    return render(request, "area.html", area=area, when=when, subs=subs, total=total,
                  breakdowns=breakdowns,
                  trend=charts.line(_series(request, area), unit="yuan", title=area))


@router.get("/institution/{institution_id}", response_class=HTMLResponse)
def institution_page(request: Request, institution_id: str,
                     period: str | None = None) -> HTMLResponse:
    p = require(principal(request), "bank", "regulator")
    if not access.may_see_institution(p, institution_id):
        raise HTTPException(404, f"no institution {institution_id}")
    when = _period(request, period)
    if when is None:
        return render(request, "empty.html")
    mine = {(r["area"], r["sub_area"]): r for r in _cells(
        request, when, dimension="institution", member=institution_id)}
    city = {(r["area"], r["sub_area"]): r for r in _cells(request, when, dimension="city")}
    rows = []
    for (area, sub), r in sorted(mine.items()):
        total = city.get((area, sub), {})
        share = (float(r["balance"]) / float(total["balance"])
                 if total.get("balance") else None)
        rows.append((area, sub, r, share))
    with request.app.state.catalog.connect() as conn:
        subs = st.submissions(conn, institution=institution_id, limit=50)
    name = next((r["member_name"] for r in mine.values()), None)
    return render(request, "institution.html", inst=institution_id, name=name, when=when,
                  rows=rows, subs=subs, public_id=cat.public_id)


@router.get("/targets", response_class=HTMLResponse)
def targets_page(request: Request, as_of: str | None = None) -> HTMLResponse:
    when = parse_period(as_of) if as_of else None
    out = []
    for s in progress.statuses(request.app.state.home, when):
        d = s.as_dict()
        band = (d["deadline"], d["projection_low"], d["projection_high"]) \
            if d["projection_low"] is not None else None
        d["chart"] = charts.line(d["history"], goal=d["target"], band=band, unit=d["unit"],
                                 title=d["id"])
        out.append(d)
    return render(request, "targets.html", targets=out, as_of=when)


@router.get("/submissions", response_class=HTMLResponse)
def submissions_page(request: Request) -> HTMLResponse:
    p = require(principal(request), "bank", "regulator")
    with request.app.state.catalog.connect() as conn:
        rows = [r for r in st.submissions(conn, limit=500) if access.may_see_submission(p, r)]
        # The regulator's question each month: who has not reported?
        missing = (st.not_reported(request.app.state.home, conn) if p.role == "regulator"
                   else {})
    return render(request, "submissions.html", rows=rows[:200], public_id=cat.public_id,
                  missing=missing)


@router.post("/submissions")
def upload_form(request: Request,
                loans: Annotated[UploadFile, File()],
                counterparties: Annotated[UploadFile, File()],
                csrf: Annotated[str, Form()] = "") -> Response:
    p = require(principal(request), "bank", "regulator")
    check_csrf(p, csrf)
    outcome = collect_upload(request, p, loans, counterparties)
    return RedirectResponse(f"/submissions/{outcome.submission}", status_code=303)


@router.post("/submissions/nil")
def nil_return_form(request: Request, institution_id: Annotated[str, Form()],
                    period: Annotated[str, Form()], csrf: Annotated[str, Form()] = "") -> Response:
    p = require(principal(request), "bank", "regulator")
    check_csrf(p, csrf)
    outcome = collect_nil_return(request, p, institution_id, parse_period(period))
    return RedirectResponse(f"/submissions/{outcome.submission}", status_code=303)


@router.get("/submissions/{sid}", response_class=HTMLResponse)
def submission_page(request: Request, sid: str) -> HTMLResponse:
    p = require(principal(request), "bank", "regulator")
    row = visible_submission(request, p, sid)
    home = request.app.state.home
    found = read_findings(home, row, 500) if row.state != "malformed" else []
    quarantined = read_quarantine(home, row, 200)
    with request.app.state.catalog.connect() as conn:
        files = st.files(conn, row.id)
    audit_event(request, "read_findings", sid)
    return render(request, "submission.html", row=row, findings=found, files=files,
                  quarantined=quarantined, public_id=cat.public_id)


@router.get("/loan/{institution_id}/{loan_id}", response_class=HTMLResponse)
def loan_page(request: Request, institution_id: str, loan_id: str,
              period: str) -> HTMLResponse:
    found = explained(request, principal(request), institution_id, loan_id, period)
    return render(request, "loan.html", loan=json.dumps(found, ensure_ascii=False, indent=1,
                                                        default=str),
                  inst=institution_id, loan_id=loan_id, period=period)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, error: str | None = None) -> HTMLResponse:
    return render(request, "login.html", error=error)


@router.post("/login")
def login(request: Request, username: Annotated[str, Form()],
          password: Annotated[str, Form()]) -> Response:
    acc = accounts.authenticate(request.app.state.catalog, username, password)
    if acc is None:
        audit_event(request, "login_failed", username)
        return RedirectResponse("/login?error=1", status_code=303)
    value, _ = session_cookie(request.app.state.secret, acc)
    with request.app.state.catalog.begin() as conn:
        cat.log(conn, "login", acc.username, as_actor=acc.username)
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="lax",
                    secure=request.app.state.secure_cookies)
    return resp


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(principal(request), csrf)
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp


@router.get("/lang/{lang}")
def set_lang(request: Request, lang: str) -> Response:
    if lang not in ("en", "zh"):
        raise HTTPException(404, "languages: en, zh")
    back = request.headers.get("referer") or "/"
    resp = RedirectResponse(back if back.startswith(str(request.base_url)) else "/",
                            status_code=303)
    resp.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return resp
