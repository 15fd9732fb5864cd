"""The rules a demanding validator applies (template §6 of the brief), checked with DuckDB."""

from __future__ import annotations

import re

from fiveareas.model.template import template
from fiveareas.reference.uscc import is_valid
from fiveareas.synth.config import industry_codes


def _one(con, sql: str):
    return con.execute(sql).fetchone()[0]


def test_enums_and_required(con):
    t = template()
    for ds, view in (("loan", "loans"), ("counterparty", "cps")):
        for f in t[ds].fields:
            if f.required:
                assert _one(con, f"select count(*) from {view} where {f.name} is null") == 0, f
            if f.allowed:
                sql = f"select distinct {f.name} from {view}"
                vals = {r[0] for r in con.execute(sql).fetchall()}
                assert vals - {None} <= set(f.allowed), (f.name, vals)
            if f.required_unless_person:
                assert _one(con, f"select count(*) from {view} where {f.name} is null "
                                 "and counterparty_type <> 'person'") == 0


def test_loan_rules(con):
    bad = {
        "period not month end": "cast(period as date) <> last_day(cast(period as date))",
        "start after period": "cast(start_date as date) > cast(period as date)",
        "start not before maturity": "cast(start_date as date) >= cast(maturity_date as date)",
        "balance over line": "cast(balance as decimal(18,2)) > cast(credit_line as decimal(18,2))",
        "negative": "cast(balance as decimal(18,2)) < 0 or cast(credit_line as decimal(18,2)) < 0",
        "two decimals": "not regexp_full_match(balance, '[0-9]+\\.[0-9]{2}')",
        "rate": "cast(interest_rate as double) not between 0 and 36",
        "dpd normal": "quality = 'normal' and cast(days_overdue as int) <> 0",
        "dpd sm": "quality = 'special_mention' and cast(days_overdue as int) not between 1 and 90",
        "dpd npl": "quality in ('substandard', 'doubtful', 'loss') "
                   "and cast(days_overdue as int) <= 90",
        "loan_id": "not regexp_full_match(loan_id, '[A-Za-z0-9_.:/-]{1,64}')",
        "green code": "green_code is not null and not regexp_full_match(green_code, "
                      "'[0-9]{1,2}(\\.[0-9]{1,2}){1,2}')",
        "over_line set": "over_line is not null",
    }
    for name, cond in bad.items():
        assert _one(con, f"select count(*) from loans where {cond}") == 0, name
    assert _one(con, "select count(*) from (select period, institution_id, loan_id from loans "
                     "group by all having count(*) > 1)") == 0
    assert _one(con, "select count(*) from loans where cast(interest_rate as double) >= 24") == 0


def test_referential_and_cross_period(con):
    assert _one(con, """select count(*) from loans l anti join cps c
                        on l.counterparty_id = c.counterparty_id
                        and replace(l.filename, 'loans.csv', '') =
                            replace(c.filename, 'counterparties.csv', '')""") == 0
    assert _one(con, "select count(*) from (select filename, counterparty_id from cps "
                     "group by all having count(*) > 1)") == 0
    assert _one(con, """select count(*) from (select institution_id, loan_id from loans group by all
                        having count(distinct start_date) > 1 or count(distinct counterparty_id) > 1
                        or count(distinct maturity_date) > 1)""") == 0
    assert _one(con, """select count(*) from (select cast(balance as double) b, lag(cast(balance
                        as double)) over (partition by institution_id, loan_id order by period) p
                        from loans) where p is not null and (b > 10 * p or p > 10 * b)""") == 0
    # the same line on every loan of a borrower at one institution in a period
    assert _one(con, "select count(*) from (select filename, counterparty_id from loans "
                     "group by all having count(distinct credit_line) > 1)") == 0
    # a loan's row appears every period while outstanding: no gaps
    assert _one(con, """select count(*) from (select institution_id, loan_id,
                        count(*) n, datediff('month', min(cast(period as date)),
                        max(cast(period as date))) + 1 span from loans group by all)
                        where n <> span""") == 0


def test_codes_are_real(con):
    from fiveareas.reference.districts import district_codes

    ids = [r[0] for r in con.execute("select distinct counterparty_id, counterparty_type "
                                     "from cps where counterparty_type <> 'person'").fetchall()]
    assert ids and all(is_valid(x) for x in ids)
    persons = [r[0] for r in con.execute("select distinct counterparty_id from cps "
                                         "where counterparty_type = 'person'").fetchall()]
    assert persons and all(re.fullmatch(r"P[0-9A-F]{17}", p) for p in persons)
    districts = {r[0] for r in con.execute("select distinct district_code from cps").fetchall()}
    assert districts <= district_codes()
    sql = ("select distinct industry_code from cps union "
           "select distinct purpose_industry_code from loans")
    used = {r[0] for r in con.execute(sql).fetchall()}
    assert used - {None} <= set(industry_codes())


def test_industry_codes_in_gbt4754():
    from fiveareas.reference.industry import class_codes

    codes = set(industry_codes())
    assert codes <= class_codes(), sorted(codes - class_codes())
    for code in ("7224", "4411", "4415", "4416", "8514", "8512", "5292"):
        assert code in codes


def test_certificate_windows(con):
    assert _one(con, """select count(*) from cps where high_tech_from is not null and
                        cast(high_tech_to as date) <> cast(high_tech_from as date)
                        + interval 3 year - interval 1 day""") == 0
    assert _one(con, "select count(*) from cps where little_giant_from is not null "
                     "and srdi_from is null") == 0
    assert _one(con, "select count(*) from cps where counterparty_type = 'person' and "
                     "coalesce(industry_code, reported_size, employees, operating_revenue, "
                     "total_assets) is not null") == 0
