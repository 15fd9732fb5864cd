"""The dashboard in a real browser: Debian's Chromium driven by Playwright against the real
server (uvicorn on 127.0.0.1), over a private copy of the measured small city.

Every page is screenshotted, whole, under test-artifacts/screenshots/ (git-ignored) on every
run. With FIVEAREAS_DOCS_SCREENSHOTS=1 the README's set is written to docs/screenshots/ too
(compressed, 1280 wide), so an ordinary `make test` leaves the repository as it was.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from fiveareas.store import catalog as cat
from fiveareas.store import status as st
from fiveareas.store.home import Home
from tests.web.browser import Server, launch, screenshot
from tests.web.site import PASSWORD, private_home

DOCS = os.environ.get("FIVEAREAS_DOCS_SCREENSHOTS") == "1"
AREAS = ("all", "sci_tech", "green", "inclusive", "pension", "digital")
WHO = {"reg": "reg (regulator)", "b1": "b1 (bank B00001)", "b2": "b2 (bank B00002)"}


@pytest.fixture(scope="module")
def site(city: tuple[Home, dict], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    home = private_home(city[0], tmp_path_factory.mktemp("browser"))
    server = Server(home).start()
    try:
        yield {"home": home, "base": server.base, "requests": [], "errors": []}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(site: dict) -> Iterator[Browser]:
    with sync_playwright() as p:
        b = launch(p)
        try:
            yield b
        finally:
            b.close()


def open_page(browser: Browser, site: dict, who: str | None = None) -> Page:
    """A fresh browser (no cookies) recording every request and every page error; signed in
    through the login form as `who` (None: the public)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    context.on("request", lambda r: site["requests"].append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda e: site["errors"].append(f"{page.url}: {e}"))
    page.on("console", lambda m: m.type == "error" and not m.text.startswith(
        "Failed to load resource") and site["errors"].append(f"{page.url}: console: {m.text}"))
    page.on("response", lambda r: r.status >= 400 and r.request.resource_type != "document"
            and site["errors"].append(f"{page.url}: {r.status} for {r.url}"))
    if who:
        login(page, site, who)
    return page


def login(page: Page, site: dict, who: str, password: str = PASSWORD) -> None:
    page.goto(f"{site['base']}/login")
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form.card button[type=submit]")


def go(page: Page, site: dict, path: str) -> Any:
    response = page.goto(site["base"] + path)
    assert response is not None
    return response


def lake_file(home: Home, dataset: str, inst: str) -> Path:
    return sorted(home.lake.glob(f"{dataset}/period=2024-12-31/institution={inst}/*/*.parquet"))[0]


def a_loan(home: Home, inst: str) -> str:
    """A loan of the institution's December book (its second: the upload test spoils the
    first and the fourth in a new version)."""
    return pq.read_table(lake_file(home, "loan", inst), columns=["loan_id"]).column(0)[1].as_py()


def submission_of(home: Home, inst: str) -> str:
    with cat.open_catalog(home.catalog_url).connect() as conn:
        return cat.public_id(st.submissions(conn, institution=inst, limit=1)[0].id)


def as_submitted(home: Home, dataset: str, inst: str) -> pa.Table:
    """The institution's December file as it sent it (without the lake's own columns)."""
    t = pq.read_table(lake_file(home, dataset, inst))
    return t.drop_columns([c for c in ("institution", "submission") if c in t.column_names])


def replace(t: pa.Table, column: str, row: int, value: Any) -> pa.Table:
    values = t[column].to_pylist()
    values[row] = value
    i = t.column_names.index(column)
    return t.set_column(i, column, pa.array(values, t.schema.field(column).type))


# ---------------------------------------------------------------------------------------------


def test_login_as_each_role_and_a_wrong_password(browser: Browser, site: dict) -> None:
    page = open_page(browser, site)
    go(page, site, "/")
    expect(page.locator("#who")).to_have_text("public")
    expect(page.locator("main .note")).to_be_visible()
    go(page, site, "/login")
    expect(page.locator("#login-error")).to_have_count(0)
    screenshot(page, "login", docs=DOCS)
    login(page, site, "b1", "not the password")
    assert re.search(r"/login\?error=1$", page.url), page.url
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#who")).to_have_text("public")
    screenshot(page, "login-error")
    page.context.close()
    for who, shown in WHO.items():
        page = open_page(browser, site, who)
        assert page.url == site["base"] + "/", page.url
        expect(page.locator("#who")).to_have_text(shown)
        expect(page.locator("header a[href='/submissions']")).to_be_visible()
        page.context.close()


def test_the_regulator_files_a_nil_return_from_the_page(browser: Browser, site: dict) -> None:
    """For a period after the city's, so that no other test's figures or latest
    submissions change."""
    page = open_page(browser, site, "reg")
    go(page, site, "/submissions")
    page.fill("#nil-institution", "B00003")
    page.fill("#nil-period", "2025-06")
    with page.expect_navigation():
        page.click("#nil-return button[type=submit]")
    assert re.search(r"/submissions/[^/]+$", page.url), page.url
    expect(page.locator("h1")).to_contain_text("B00003 · 2025-06-30")
    expect(page.locator("#state")).to_have_text("accepted")
    expect(page.locator("main")).to_contain_text("nil return: no loans at the period end")
    # June 2025 now has one institution's report: the regulator sees who else is missing.
    go(page, site, "/submissions")
    expect(page.locator("#not-reported")).to_contain_text("2025-06-30: B00001, B00002, B00004")
    expect(page.locator("#not-reported")).not_to_contain_text("B00003")
    page.context.close()
    bank = open_page(browser, site, "b1")  # a bank's form has no institution to choose
    go(bank, site, "/submissions")
    expect(bank.locator("#nil-institution")).to_have_count(0)
    expect(bank.locator("#nil-period")).to_be_visible()
    expect(bank.locator("#not-reported")).to_have_count(0)  # other banks' are not its business
    bank.context.close()


def test_a_bank_uploads_a_bad_file_and_sees_its_errors_located(browser: Browser,
                                                               site: dict, tmp_path: Path
                                                               ) -> None:
    home = site["home"]
    loans = as_submitted(home, "loan", "B00001")
    balance = loans["balance"].to_pylist()[0]
    loans = replace(loans, "balance", 0, -abs(balance) if balance else Decimal("-5.00"))
    loans = replace(loans, "currency", 3, "RMB")
    pq.write_table(loans, tmp_path / "loans.parquet")
    pq.write_table(as_submitted(home, "counterparty", "B00001"),
                   tmp_path / "counterparties.parquet")
    page = open_page(browser, site, "b1")
    go(page, site, "/submissions")
    screenshot(page, "submissions")
    page.set_input_files("#loans", str(tmp_path / "loans.parquet"))
    page.set_input_files("#counterparties", str(tmp_path / "counterparties.parquet"))
    with page.expect_navigation():
        page.click("#upload button[type=submit]")
    assert re.search(r"/submissions/[^/]+$", page.url), page.url
    expect(page.locator("h1")).to_contain_text("B00001")
    expect(page.locator("#quarantined")).to_have_text("2")
    rows = page.locator("#findings tbody tr.error").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))")
    located = {(r[1], r[2], r[3]) for r in rows}  # row, field, rule
    # row 1 of the file is its header (Parquet rows are numbered as a spreadsheet shows them)
    assert ("2", "balance", "E0105") in located, rows
    assert ("5", "currency", "E0103") in located, rows
    assert len(rows) == 2, rows
    expect(page.locator("main table.cells").first).to_contain_text("RMB")
    screenshot(page, "submission-report", docs=DOCS)
    page.context.close()


def test_the_regulator_drills_down_to_a_submission_and_a_loan(browser: Browser,
                                                              site: dict) -> None:
    page = open_page(browser, site, "reg")
    go(page, site, "/")
    expect(page.locator("#card-green")).to_be_visible()
    screenshot(page, "overview", docs=DOCS)
    with page.expect_navigation():
        page.click("#card-green")
    assert page.url.endswith("/area/green"), page.url
    expect(page.locator("h1")).to_contain_text("Green")
    by_institution = page.get_by_role("heading", name="By institution", exact=True)
    expect(by_institution).to_be_visible()
    links = page.locator("main table.cells a[href^='/institution/']")
    assert links.count() > 1  # the regulator sees every institution
    screenshot(page, "area-green", docs=DOCS)
    inst = links.first.get_attribute("href").rsplit("/", 1)[1]
    with page.expect_navigation():
        links.first.click()
    assert page.url.endswith(f"/institution/{inst}"), page.url
    expect(page.locator("h1")).to_contain_text(inst)
    expect(page.locator("main table.cells tbody tr").first).to_be_visible()
    screenshot(page, "institution", docs=DOCS)
    sub = page.locator("main table.subs a[href^='/submissions/']").first
    sid = sub.text_content()
    with page.expect_navigation():
        sub.click()
    assert page.url.endswith(f"/submissions/{sid}"), page.url
    expect(page.locator("h1")).to_contain_text(f"{sid} · {inst}")
    expect(page.locator("#state")).to_be_visible()
    expect(page.locator("#findings")).to_be_attached()
    screenshot(page, "submission")
    loan_id = a_loan(site["home"], "B00001")
    r = go(page, site, f"/loan/B00001/{loan_id}?period=2024-12")
    assert r.status == 200
    expect(page.locator("#explanation")).to_contain_text(f'"loan_id": "{loan_id}"')
    expect(page.locator("h1")).to_contain_text(loan_id)
    screenshot(page, "loan", docs=DOCS)
    page.context.close()


def test_every_area_page_and_the_targets(browser: Browser, site: dict) -> None:
    page = open_page(browser, site, "reg")
    for area in AREAS:
        assert go(page, site, f"/area/{area}").status == 200
        expect(page.get_by_role("heading", name="Trend", exact=True)).to_be_visible()
        expect(page.locator("main svg.chart").first).to_be_visible()
        if area != "green":
            screenshot(page, f"area-{area}")
    assert go(page, site, "/area/nowhere").status == 404
    assert go(page, site, "/targets").status == 200
    expect(page.locator("section.target").first).to_be_visible()
    assert page.locator("section.target blockquote code").count() > 0  # cited sources
    screenshot(page, "targets", docs=DOCS)
    page.context.close()


def test_a_bank_cannot_reach_another_banks_pages_or_data(browser: Browser, site: dict) -> None:
    home = site["home"]
    page = open_page(browser, site, "b1")
    r = go(page, site, "/institution/B00002")
    assert r.status == 404
    expect(page.locator("h1")).to_have_text("404")
    expect(page.locator("main table")).to_have_count(0)
    screenshot(page, "error-404")
    assert go(page, site, f"/submissions/{submission_of(home, 'B00002')}").status == 404
    assert go(page, site, f"/loan/B00002/{a_loan(home, 'B00002')}?period=2024-12").status == 404
    assert go(page, site, f"/submissions/{submission_of(home, 'B00001')}").status == 200
    assert go(page, site, "/institution/B00001").status == 200
    api = page.request  # the same browser session (cookie), as the page's own script would
    assert api.get(f"{site['base']}/api/v1/submissions?institution=B00002").status == 403
    loan = a_loan(home, "B00002")
    assert api.get(f"{site['base']}/api/v1/loans/B00002/{loan}/explain?period=2024-12"
                   ).status == 404
    mine = api.get(f"{site['base']}/api/v1/submissions").json()
    assert mine and {s["institution_id"] for s in mine} <= {"B00001", None}
    for area in ("all", "green"):
        go(page, site, f"/area/{area}")
        shown = set(page.locator("main a[href^='/institution/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"))
        assert shown <= {"/institution/B00001"}, (area, shown)
        if area == "all":
            assert shown == {"/institution/B00001"}
    page.context.close()


def test_the_public_sees_aggregates_only(browser: Browser, site: dict) -> None:
    page = open_page(browser, site)
    go(page, site, "/area/green")
    expect(page.locator("#who")).to_have_text("public")
    assert page.locator("main a[href^='/institution/']").count() == 0
    expect(page.get_by_role("heading", name="By institution", exact=True)).to_have_count(0)
    suppressed = page.locator("main td.muted", has_text="suppressed")
    assert suppressed.count() > 0
    expect(page.locator("header a[href='/submissions']")).to_have_count(0)
    screenshot(page, "public-area-green")
    go(page, site, "/submissions")
    assert page.url == f"{site['base']}/login", page.url
    go(page, site, "/institution/B00001")
    assert page.url == f"{site['base']}/login", page.url
    assert page.request.get(f"{site['base']}/api/v1/submissions").status == 401
    page.context.close()


def test_the_chinese_toggle(browser: Browser, site: dict) -> None:
    page = open_page(browser, site, "reg")
    expect(page.locator("header nav")).to_contain_text("Overview")
    page.click("header a[href='/lang/zh']")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    nav = page.locator("header nav")
    for word in ("总览", "绿色金融", "目标", "报送"):
        expect(nav).to_contain_text(word)
    expect(nav).not_to_contain_text("Overview")
    screenshot(page, "overview-zh")
    go(page, site, "/area/green")
    expect(page.get_by_role("heading", name="分机构", exact=True)).to_be_visible()
    page.click("header a[href='/lang/en']")
    page.wait_for_load_state()
    expect(page.locator("header nav")).to_contain_text("Overview")
    page.context.close()


def test_the_api_docs_render_from_the_server(browser: Browser, site: dict) -> None:
    """/docs: the API reference rendered on the server from the OpenAPI document."""
    page = open_page(browser, site, "reg")
    go(page, site, "/docs")
    screenshot(page, "docs")
    expect(page.locator("h1")).to_contain_text("fiveareas API")
    spec = page.request.get(site["base"] + "/openapi.json").json()
    operations = sum(len(ops) for ops in spec["paths"].values())
    assert operations >= 10 and page.locator("section.op").count() == operations
    expect(page.locator("#" + spec["paths"]["/api/v1/indicators"]["get"]["operationId"])
           ).to_contain_text("period")
    page.context.close()


def test_no_request_leaves_the_server(browser: Browser, site: dict) -> None:
    """Every page's every request (styles, scripts, images), here and
    in every test above, went to the server itself: nothing from a CDN, nothing a closed
    network would miss; and no page had a script error, a CSP violation or a missing
    resource."""
    page = open_page(browser, site)  # the public, on the pages it may see
    for path in ("/", "/area/green", "/targets", "/login", "/docs"):
        go(page, site, path)
    page.wait_for_load_state("networkidle")
    page.context.close()
    base = site["base"] + "/"
    seen = site["requests"]
    assert any(u.endswith("/static/style.css") for u in seen)
    assert len(seen) > 20, seen
    elsewhere = sorted({u for u in seen if not u.startswith(base)})
    assert not elsewhere, elsewhere
    assert not site["errors"], site["errors"]


def test_supply_chain_findings_and_a_check_before_financing(browser: Browser,
                                                             site: dict) -> None:
    """The regulator reads the findings with their evidence; a bank checks one of its
    applications and sees the other bank's side withheld."""
    from fiveareas.watch import scf_job

    page = open_page(browser, site, "reg")
    page.click("header a[href='/scf']")
    page.wait_for_load_state()
    rows = page.locator("#findings tbody tr")
    assert rows.count() == scf_job.read_findings(site["home"]).num_rows
    page.click("#checks a[href='/scf?check=duplicate_financing']")
    page.wait_for_load_state()
    first = page.locator("#findings tbody tr").first
    expect(first).to_contain_text("Duplicate financing")
    first.locator("summary").click()
    expect(first.locator("pre.evidence")).to_be_visible()
    screenshot(page, "supply-chain", docs=DOCS)
    page.context.close()

    found = scf_job.read_findings(site["home"]).to_pylist()
    owners = scf_job.owners(site["home"])
    banks = {"B00001": "b1", "B00002": "b2"}
    dup, inst = next((f, i) for f in found for i in sorted(banks)
                     if f["check"] == "duplicate_financing" and i in f["institution_ids"]
                     and len(set(f["institution_ids"])) > 1)
    app_id = next(a for a in dup["application_ids"] if owners[a] == inst)
    page = open_page(browser, site, banks[inst])
    go(page, site, "/scf")
    page.fill("#application", app_id)
    with page.expect_navigation():
        page.click("#check-form button[type=submit]")
    result = page.locator("#check-result")
    expect(result).to_contain_text("Duplicate financing")
    expect(result).to_contain_text("another institution")
    other = next(i for i in dup["institution_ids"] if i != inst)
    expect(page.locator("main")).not_to_contain_text(other)
    screenshot(page, "supply-chain-check")
    page.context.close()
