"""The HTTP API over the measured small city: roles, data access, uploads, audit."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from fiveareas.store import accounts
from fiveareas.store import catalog as cat
from fiveareas.store.home import Home
from tests.web.site import PASSWORD, client, private_site


@pytest.fixture(scope="module")
def site(city: tuple[Home, dict], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the city with a regulator, two banks and their tokens."""
    return private_site(city[0], tmp_path_factory.mktemp("web"))


def test_whoami_per_role(site: dict) -> None:
    assert client(site).get("/api/v1/whoami").json()["role"] == "public"
    assert client(site, "b1").get("/api/v1/whoami").json() == {
        "username": "b1", "role": "bank", "institution_id": "B00001"}
    bad = TestClient(site["app"], headers={"Authorization": "Bearer fa_nonsense"})
    assert bad.get("/api/v1/whoami").status_code == 401


def test_revoked_token_stops_working(site: dict) -> None:
    engine = cat.open_catalog(site["home"].catalog_url)
    tid, secret = accounts.issue_token(engine, "b2", "short-lived")
    c = TestClient(site["app"], headers={"Authorization": f"Bearer {secret}"})
    assert c.get("/api/v1/whoami").status_code == 200
    accounts.revoke_token(engine, tid)
    assert c.get("/api/v1/whoami").status_code == 401
    with engine.connect() as conn:
        stored = [r.token_hash for r in conn.execute(cat.api_token.select())]
    assert secret not in stored and all(len(h) == 64 for h in stored)


def test_bank_sees_only_its_own_submissions(site: dict) -> None:
    mine = client(site, "b1").get("/api/v1/submissions").json()
    assert mine and {s["institution_id"] for s in mine} == {"B00001"}
    other = client(site, "reg").get("/api/v1/submissions?institution=B00002").json()[0]["id"]
    assert client(site, "b1").get(f"/api/v1/submissions/{other}").status_code == 404
    assert client(site, "b1").get(f"/api/v1/submissions/{other}/findings").status_code == 404
    assert client(site, "b1").get("/api/v1/submissions?institution=B00002").status_code == 403
    assert client(site, "reg").get(f"/api/v1/submissions/{other}").status_code == 200
    assert client(site).get("/api/v1/submissions").status_code == 401


def test_indicator_access_by_role(site: dict) -> None:
    q = "/api/v1/indicators?period=2024-12&area=green"
    reg = client(site, "reg").get(q).json()
    bank = client(site, "b1").get(q).json()
    public = client(site).get(q).json()
    insts = {r["member"] for r in reg if r["dimension"] == "institution"}
    assert len(insts) > 1
    assert {r["member"] for r in bank if r["dimension"] == "institution"} <= {"B00001"}
    assert not [r for r in public if r["dimension"] == "institution"]
    small = [r for r in public if r.get("suppressed")]
    assert small and all("balance" not in r for r in small)
    assert all(r["borrowers"] >= 3 for r in public if not r.get("suppressed"))
    city = next(r for r in reg if r["dimension"] == "city" and r["sub_area"] == "total")
    assert city["balance"] > 0 and "rate_weighted" not in city


def test_indicators_reject_bad_periods(site: dict) -> None:
    c = client(site)
    assert c.get("/api/v1/indicators?period=2024-13").status_code == 422
    assert c.get("/api/v1/indicators?period=2024-12-30").status_code == 400
    assert c.get("/api/v1/indicators?period=2030-01").status_code == 404


def test_targets_are_public_with_citations(site: dict) -> None:
    rows = client(site).get("/api/v1/targets").json()
    assert {r["id"] for r in rows} >= {"T002-11", "T001-01"}
    assert all(r["source"].endswith(".txt") and r["sentence"] for r in rows)


def test_explain_a_loan_is_audited_and_scoped(site: dict) -> None:
    home = site["home"]
    files = sorted(home.lake.glob("loan/period=2024-12-31/institution=B00001/*/*.parquet"))
    loan_id = pq.read_table(files[0], columns=["loan_id"]).column(0)[0].as_py()
    url = f"/api/v1/loans/B00001/{loan_id}/explain?period=2024-12"
    assert client(site, "b2").get(url).status_code == 404
    assert client(site).get(url).status_code == 401
    r = client(site, "b1").get(url)
    assert r.status_code == 200 and r.json()["loan_id"] == loan_id
    log = client(site, "reg").get("/api/v1/audit?action=read_loan").json()
    assert log[0]["actor"] == "b1" and loan_id in log[0]["target"]
    assert client(site, "b1").get("/api/v1/audit").status_code == 403


def loan_book(home: Home, inst: str) -> tuple[bytes, bytes]:
    """The institution's December files as it submitted them (Parquet)."""
    def one(ds: str) -> bytes:
        f = sorted(home.lake.glob(f"{ds}/period=2024-12-31/institution={inst}/*/*.parquet"))[0]
        t = pq.read_table(f)
        t = t.drop_columns([c for c in ("institution", "submission") if c in t.column_names])
        buf = io.BytesIO()
        pq.write_table(t, buf)
        return buf.getvalue()
    return one("loan"), one("counterparty")


def test_unreadable_upload_is_refused_whole_and_shown_to_its_sender(site: dict) -> None:
    _, parties = loan_book(site["home"], "B00002")
    csv_text = "period,institution_id,loan_id\n"  # columns missing
    r = client(site, "b2").post("/api/v1/submissions", files={
        "loans": ("loans.csv", csv_text.encode()), "counterparties": ("c.parquet", parties)})
    assert r.status_code == 201
    sub = r.json()["submission"]
    assert sub["state"] == "malformed" and "loans.csv" in sub["message"]
    assert sub["id"] in {s["id"] for s in client(site, "b2").get("/api/v1/submissions").json()}
    assert client(site, "b1").get(f"/api/v1/submissions/{sub['id']}").status_code == 404


def test_same_content_again_is_one_submission(site: dict) -> None:
    loans, parties = loan_book(site["home"], "B00002")
    files = {"loans": ("loans.parquet", loans),
             "counterparties": ("counterparties.parquet", parties)}
    first = client(site, "b2").post("/api/v1/submissions", files=files).json()
    again = client(site, "b2").post("/api/v1/submissions", files=files).json()
    assert first["duplicate"] is False and again["duplicate"] is True
    assert again["submission"]["id"] == first["submission"]["id"]


def test_upload_with_a_bad_row_lands_the_rest_and_locates_it(site: dict) -> None:
    loans, parties = loan_book(site["home"], "B00002")
    t = pq.read_table(io.BytesIO(loans)).to_pandas()
    t["balance"] = t["balance"].astype(object)
    t.loc[1, "balance"] = -5
    buf = io.BytesIO()
    t.to_parquet(buf)
    c = client(site, "b2")
    r = c.post("/api/v1/submissions", files={
        "loans": ("loans.parquet", buf.getvalue()),
        "counterparties": ("counterparties.parquet", parties)})
    assert r.status_code == 201
    body = r.json()
    assert body["submission"]["quarantined_rows"] == 1
    assert body["submission"]["accepted_rows"] == len(t) - 1 + pq.read_table(
        io.BytesIO(parties)).num_rows
    (f,) = [f for f in body["findings"] if f["severity"] == "error"]
    assert (f["row"], f["field"], f["rule_id"]) == (3, "balance", "E0105")
    sid = body["submission"]["id"]
    q = c.get(f"/api/v1/submissions/{sid}/quarantine").json()
    assert len(q["loan"]) == 1 and q["loan"][0]["loan_id"] == t.loc[1, "loan_id"]
    log = client(site, "reg").get("/api/v1/audit?action=read_quarantine").json()
    assert log[0]["actor"] == "b2" and log[0]["target"] == sid


def test_a_bank_cannot_submit_for_another(site: dict) -> None:
    loans, parties = loan_book(site["home"], "B00002")
    r = client(site, "b1").post("/api/v1/submissions", files={
        "loans": ("loans.parquet", loans), "counterparties": ("counterparties.parquet", parties)})
    assert r.status_code == 201
    sub = r.json()["submission"]
    assert sub["state"] == "malformed" and "B00001 only" in sub["message"]
    with cat.open_catalog(site["home"].catalog_url).connect() as conn:
        rows = [r for r in conn.execute(cat.submission.select()) if r.state != "malformed"
                and r.institution_id == "B00002" and r.submitted_by == "b1"]
    assert rows == []


def test_upload_refuses_unknown_file_types_and_the_public(site: dict) -> None:
    r = client(site, "b1").post("/api/v1/submissions", files={
        "loans": ("loans.exe", b"MZ"), "counterparties": ("c.csv", b"a")})
    assert r.status_code == 400 and "not a .csv" in r.json()["detail"]
    r = client(site).post("/api/v1/submissions", files={
        "loans": ("loans.csv", b"a"), "counterparties": ("c.csv", b"a")})
    assert r.status_code == 401


def test_nil_return_by_a_bank_for_itself(site: dict) -> None:
    """A period after the city's, so that no other test's figures change."""
    body = {"institution_id": "B00002", "period": "2025-06-30"}
    r = client(site, "b2").post("/api/v1/nil-returns", json=body)
    assert r.status_code == 201, r.text
    sub = r.json()["submission"]
    assert (sub["kind"], sub["state"], sub["rows"], sub["submitted_by"]) == (
        "loan_book", "accepted", 0, "b2")
    assert sub["message"].startswith("nil return")
    again = client(site, "b2").post("/api/v1/nil-returns", json=body).json()
    assert again["duplicate"] is True and again["submission"]["id"] == sub["id"]
    assert client(site, "b1").post("/api/v1/nil-returns", json=body).status_code == 403
    assert client(site).post("/api/v1/nil-returns", json=body).status_code == 401
    for wrong, words in ((body | {"period": "2025-06-15"}, "not a month end"),
                         (body | {"institution_id": "B99999"}, "not in the institution")):
        r = client(site, "reg").post("/api/v1/nil-returns", json=wrong)
        assert r.status_code == 400 and words in r.json()["detail"]
    assert client(site, "reg").post("/api/v1/nil-returns", json=body | {"period": "June"}
                                    ).status_code == 422


def test_macro_entry_by_the_regulator_only(site: dict) -> None:
    body = {"indicator": "panda_bonds_cumulative", "as_of": "2024-12-31", "value": 5.0e11,
            "source": "test source"}
    assert client(site, "b1").post("/api/v1/macro", json=body).status_code == 403
    r = client(site, "reg").post("/api/v1/macro", json=body)
    assert r.status_code == 201 and r.json()["entered_by"] == "reg"
    assert client(site, "reg").post("/api/v1/macro", json=body | {"indicator": "x"}
                                    ).status_code == 400
    listed = client(site).get("/api/v1/macro").json()
    assert [e["value"] for e in listed if e["indicator"] == "panda_bonds_cumulative"] == [5.0e11]


def test_openapi_documents_the_routes(site: dict) -> None:
    spec = client(site).get("/openapi.json").json()
    assert {"/api/v1/submissions", "/api/v1/indicators", "/api/v1/targets",
            "/api/v1/audit", "/api/v1/macro"} <= set(spec["paths"])
    assert not [p for p in spec["paths"] if not p.startswith("/api/")]


def test_session_login_and_csrf(site: dict, tmp_path: Path) -> None:
    c = client(site)
    r = c.post("/login", data={"username": "b1", "password": "wrong"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?error=1"
    r = c.post("/login", data={"username": "b1", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert c.get("/api/v1/whoami").json()["username"] == "b1"
    loans, parties = loan_book(site["home"], "B00001")
    files = {"loans": ("loans.parquet", loans), "counterparties": ("c.parquet", parties)}
    r = c.post("/submissions", files=files, data={"csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    assert c.get("/submissions").status_code == 200


def test_the_kept_overview_follows_the_figures_and_the_viewer(site: dict) -> None:
    """The overview is kept rendered; a change of the targets' basis (here the home's scale
    setting), of the viewer or of the language gives a new page, not the kept one."""
    home: Home = site["home"]
    first = client(site).get("/").text
    assert client(site).get("/").text == first
    scale = home.settings().get("target_scale", 1.0)
    try:
        home.save_setting("target_scale", scale * 1000)
        changed = client(site).get("/").text
    finally:
        home.save_setting("target_scale", scale)
    assert changed != first
    assert client(site).get("/").text == first
    bank = client(site, "b1").get("/").text
    assert "b1 (bank B00001)" in bank and "b1 (bank" not in first
    zh = TestClient(site["app"], cookies={"lang": "zh"}).get("/").text
    assert "总览" in zh and "总览" not in first


def test_static_files_from_memory_with_an_etag(site: dict) -> None:
    c = client(site)
    r = c.get("/static/style.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert r.content == (Path(__file__).parents[2] / "src/fiveareas/web/static/style.css"
                         ).read_bytes()
    assert c.get("/static/style.css", headers={"if-none-match": r.headers["etag"]}
                 ).status_code == 304
    assert c.get("/static/nothing.css").status_code == 404
    assert c.get("/static/upload.js").headers["content-type"].startswith("text/javascript")
