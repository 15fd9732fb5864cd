"""Calibration, dynamics and labels of the small city (scale 0.01, 2023-12 .. 2024-12)."""

from __future__ import annotations

import csv
from decimal import Decimal

from fiveareas.reference import size_standard
from fiveareas.synth.config import SIZE_EDITION, SIZE_SCHEME, calibration

SCALE = 0.01


def _totals(manifest, period):
    return next(p["totals"] for p in manifest["periods"] if p["period"] == period)


def test_calibration_end_2023(city):
    _, m = city
    t = _totals(m, "2023-12-31")
    for key, trillion in (("tech_balance", 1.0), ("green_balance", 1.2),
                          ("inclusive_balance", 1.1)):
        target = trillion * 1e12 * SCALE
        assert abs(float(t[key]) / target - 1) < 0.15, (key, t[key])


def test_growth_through_2024(city):
    _, m = city
    a, b = _totals(m, "2023-12-31"), _totals(m, "2024-12-31")
    growth = {k: float(b[k]) / float(a[k]) - 1 for k in
              ("tech_balance", "green_balance", "inclusive_balance")}
    assert 0.15 < growth["tech_balance"] < 0.40  # 002: +25% a year
    assert float(b["green_balance"]) > 1.5e12 * SCALE * 0.95  # 002: above 1.5 trillion
    assert 0.05 < growth["inclusive_balance"] < 0.30  # 002: up to 1.3 trillion
    assert 1.3e12 * SCALE * 0.9 < float(b["inclusive_balance"]) < 1.3e12 * SCALE * 1.1
    assert 15e9 * SCALE < float(b["ip_pledge_balance"]) < 25e9 * SCALE  # about 20 billion
    y2024 = [p["totals"] for p in m["periods"] if p["period"].startswith("2024")]
    assert sum(t["first_loans"] for t in y2024) > 20_000 * SCALE
    assert sum(float(t["seamless_renewal_amount"]) for t in y2024) > 1e12 * SCALE


def test_manifest_matches_files(city, con):
    _, m = city
    got = {(r[0], r[1]): r[2:] for r in con.execute(
        "select period, institution_id, count(*), sum(cast(balance as decimal(18,2))) "
        "from loans group by all").fetchall()}
    cps = {(r[0], r[1]): r[2] for r in con.execute(
        "select split_part(filename, '/', -3), split_part(filename, '/', -2), count(*) "
        "from cps group by all").fetchall()}
    for p in m["periods"]:
        for iid, e in p["institutions"].items():
            n, s = got.get((p["period"], iid), (0, Decimal(0)))
            assert e["loan_rows"] == n and Decimal(e["balance_sum"]) == (s or Decimal(0))
            assert e["counterparty_rows"] == cps.get((p["period"], iid), 0)
    # the manifest's seamless renewal figure is the files' renewed amount started that month
    period = "2024-06-30"
    files = con.execute("select sum(cast(balance as decimal(18,2))) from loans where period = "
                        f"'{period}' and renewal = 'seamless' and start_date >= '2024-06-01'"
                        ).fetchone()[0]
    assert Decimal(_totals(m, period)["seamless_renewal_amount"]) == files


def test_first_loan_only_on_first(con):
    rows = con.execute("""select counterparty_id, count(distinct institution_id || loan_id),
        min(start_date), min(case when first_loan = 'true' then start_date end)
        from (select distinct counterparty_id, institution_id, loan_id, start_date, first_loan
              from loans) group by all""").fetchall()
    flagged = [r for r in rows if r[3] is not None]
    assert flagged
    assert all(r[3] == r[2] for r in flagged)  # the flagged loan is the earliest one
    multi = con.execute("""select count(*) from (select counterparty_id from loans
        where first_loan = 'true' group by 1 having count(distinct loan_id) > 1)""").fetchone()[0]
    assert multi == 0


def test_renewals_and_npls(con):
    assert con.execute("select count(*) from loans where renewal = 'seamless'").fetchone()[0] > 100
    npl = con.execute("select count(*) from loans where period = '2024-12-31' and quality in "
                      "('substandard', 'doubtful', 'loss')").fetchone()[0]
    assert npl > 0
    moved = con.execute("""select count(*) from (select institution_id, loan_id from loans
        group by all having min(quality) = 'normal' and max(quality) <> 'normal')""").fetchone()[0]
    assert moved > 0


def test_products_match_borrowers(con):
    rows = con.execute("""select distinct c.counterparty_type, l.product from loans l join cps c
        on l.counterparty_id = c.counterparty_id""").fetchall()
    for ctype, product in rows:
        if ctype == "person":
            assert product in ("consumer", "mortgage")
        elif ctype == "individual_business":
            assert product == "individual_business"
        else:
            assert product not in ("consumer", "mortgage", "individual_business")


def _implied_size(code: str, emp: int, rev: Decimal, assets: Decimal) -> str:
    """An independent reading of the size standard: the first row whose every bound is met."""
    rows = size_standard.thresholds(SIZE_EDITION)[size_standard.sector_of(code, SIZE_SCHEME)]
    for name in ("large", "medium", "small"):
        b = rows[name]
        if all(bound is None or value >= bound for value, bound in
               ((emp, b.employees_min), (rev, b.revenue_min), (assets, b.assets_min))):
            return name
    return "micro"


def test_sizes_and_misreport_labels(city, con):
    out, _ = city
    with open(out / "labels" / "misreported_size.csv", encoding="utf-8") as fh:
        labels = {r["counterparty_id"]: r for r in csv.DictReader(fh)}
    assert labels
    rows = con.execute("""select distinct counterparty_id, industry_code, employees,
        operating_revenue, total_assets, reported_size from cps
        where counterparty_type <> 'person'""").fetchall()
    wrong = 0
    for cid, code, emp, rev, assets, rep in rows:
        implied = _implied_size(code, int(emp), Decimal(rev), Decimal(assets))
        if cid in labels:
            assert labels[cid]["reported_size"] == rep and labels[cid]["true_size"] == implied
            wrong += 1
        else:
            assert implied == rep, (cid, code, emp, rev, rep)
    assert 0.005 < wrong / len(rows) < 0.05


def test_green_codes_fit_except_labelled(city, con):
    out, _ = city
    fit = calibration()["green_codes"]
    with open(out / "labels" / "green_mismatch.csv", encoding="utf-8") as fh:
        labelled = {(r["period"], r["institution_id"], r["loan_id"]) for r in csv.DictReader(fh)}
    assert labelled
    rows = con.execute("""select l.period, l.institution_id, l.loan_id, l.green_code,
        c.industry_code from loans l join cps c on l.counterparty_id = c.counterparty_id
        and replace(l.filename, 'loans.csv', '') = replace(c.filename, 'counterparties.csv', '')
        where l.green_code is not null""").fetchall()
    for period, iid, lid, code, industry in rows:
        ok = code in fit.get(industry, [])
        assert ok != ((period, iid, lid) in labelled), (period, iid, lid, code, industry)


def test_inclusive_lines(con):
    share = con.execute("""select avg(case when cast(l.credit_line as double) <= 1e7 then 1
        else 0 end) from loans l join cps c on l.counterparty_id = c.counterparty_id
        where c.reported_size in ('small', 'micro') and l.period = '2024-06-30'""").fetchone()[0]
    assert 0.7 < share < 0.995
