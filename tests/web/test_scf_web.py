"""Supply-chain findings on the web: who sees what, the bank's check, the upload, the page."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from fiveareas.store import catalog as cat
from fiveareas.store.home import Home
from fiveareas.watch import scf_job
from fiveareas.web.access import OTHER
from tests.web.site import client, private_site


@pytest.fixture(scope="module")
def site(city: tuple[Home, dict], tmp_path_factory: pytest.TempPathFactory) -> dict:
    found = scf_job.read_findings(city[0]).to_pylist()
    # the bank: one involved in a cross-bank duplicate, so that it has another bank's side
    dup = next(f for f in found if f["check"] == "duplicate_financing"
               and len(set(f["institution_ids"])) > 1)
    bank = sorted(set(dup["institution_ids"]))[0]
    site = private_site(city[0], tmp_path_factory.mktemp("scfweb"),
                        {"reg": ("regulator", None), "bank": ("bank", bank)})
    return {**site, "bank": bank, "dup": dup, "owners": scf_job.owners(site["home"]),
            "city": city[0].root.parent / "city"}


def test_the_regulator_sees_every_finding_and_the_public_none(site: dict) -> None:
    every = client(site, "reg").get("/api/v1/scf/findings").json()
    assert len(every) == scf_job.read_findings(site["home"]).num_rows
    assert {f["check"] for f in every} >= {"duplicate_financing", "four_flow"}
    assert all(isinstance(f["evidence"], dict) and f["evidence"] for f in every)
    assert client(site).get("/api/v1/scf/findings").status_code == 401
    only = client(site, "reg").get("/api/v1/scf/findings?check=double_pledge").json()
    assert only and {f["check"] for f in only} == {"double_pledge"}
    assert client(site, "reg").get("/api/v1/scf/findings?check=nonsense").status_code == 422


def test_a_bank_sees_its_own_findings_and_nothing_of_the_other_side(site: dict) -> None:
    bank, dup = site["bank"], site["dup"]
    mine = client(site, "bank").get("/api/v1/scf/findings").json()
    assert mine and all(bank in f["institution_ids"] for f in mine)
    text = json.dumps(mine, ensure_ascii=False)
    others = {i for f in scf_job.read_findings(site["home"]).to_pylist()
              for i in f["institution_ids"]} - {bank}
    other_apps = {a for a, i in site["owners"].items() if i != bank}
    assert not any(f'"{x}"' in text for x in others | other_apps)
    seen = next(f for f in mine if f["finding_id"] == dup["finding_id"])
    assert OTHER in seen["institution_ids"]
    assert seen["application_ids"] and all(site["owners"][a] == bank
                                           for a in seen["application_ids"])


def test_the_check_before_financing(site: dict) -> None:
    dup, bank = site["dup"], site["bank"]
    app_id = next(a for a in dup["application_ids"] if site["owners"][a] == bank)
    r = client(site, "bank").post(f"/api/v1/scf/applications/{app_id}/check")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["institution_id"] == bank and body["milliseconds"] > 0
    assert any(f["check"] == "duplicate_financing" for f in body["findings"])
    other = next(i for i in dup["institution_ids"] if i != bank)
    r = client(site, "bank").post(f"/api/v1/scf/applications/{app_id}/check?institution={other}")
    assert r.status_code == 403
    assert client(site, "reg").post(f"/api/v1/scf/applications/{app_id}/check").status_code == 400
    r = client(site, "reg").post(f"/api/v1/scf/applications/{app_id}/check?institution={bank}")
    assert any(f["check"] == "duplicate_financing" for f in r.json()["findings"])
    with cat.open_catalog(site["home"].catalog_url).connect() as conn:
        actions = [r.action for r in conn.execute(cat.audit.select())]
    assert "scf_check" in actions and "read_scf_findings" in actions


def _submission_files(site: dict) -> dict[str, tuple[str, bytes, str]]:
    folder = next((site["city"] / "scf").glob(f"*/{site['bank']}"))
    return {f.stem: (f.name, f.read_bytes(), "application/octet-stream")
            for f in sorted(folder.glob("*.parquet"))}


def test_a_bank_submits_documents_through_the_api(site: dict) -> None:
    files = _submission_files(site)
    t = pq.read_table(io.BytesIO(files["payments"][1]))
    sink = io.BytesIO()
    pq.write_table(t.slice(0, t.num_rows - 1), sink)  # a change: a new version
    files["payments"] = ("payments.parquet", sink.getvalue(), "application/octet-stream")
    r = client(site, "bank").post("/api/v1/scf/submissions", files=files)
    assert r.status_code == 201, r.text
    sub = r.json()["submission"]
    assert sub["kind"] == "scf" and sub["institution_id"] == site["bank"]
    assert sub["state"].startswith("accepted")
    assert scf_job.state(site["home"]) == "stale"


def test_a_bank_cannot_submit_for_another(site: dict) -> None:
    other = next(i for i in site["dup"]["institution_ids"] if i != site["bank"])
    folder = next((site["city"] / "scf").glob(f"*/{other}"))
    files = {f.stem: (f.name, f.read_bytes(), "application/octet-stream")
             for f in sorted(folder.glob("*.parquet"))}
    r = client(site, "bank").post("/api/v1/scf/submissions", files=files)
    assert r.status_code == 201 and r.json()["submission"]["state"] == "malformed"
    assert "reports for" in r.json()["submission"]["message"]
    assert client(site).post("/api/v1/scf/submissions", files=files).status_code == 401


def test_the_page_by_role(site: dict) -> None:
    page = client(site, "reg").get("/scf")
    assert page.status_code == 200 and 'id="findings"' in page.text
    assert site["dup"]["finding_id"] in page.text
    bank = client(site, "bank").get("/scf?check=duplicate_financing")
    assert bank.status_code == 200 and OTHER in bank.text
    assert client(site).get("/scf", follow_redirects=False).status_code == 303
    assert client(site, "reg").get("/scf?check=nonsense").status_code == 404
