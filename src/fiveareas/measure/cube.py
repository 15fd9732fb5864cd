"""The period's cube: every additive measure by area x sub-area x one breakdown.

Each loan in force counts once in `all/total`, once in each area it is tagged into the total
of (`in_total`), and once in each of its sub-areas, so a loan with two sci-tech tags adds its
balance to the sci-tech total once. The cube keeps only sums and counts that a reader can
combine (ratios and growth are derived when read, from the stored cubes of the periods needed),
and is small: a few rows per area, sub-area and member.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from fiveareas.store.submissions import previous_month_end

KEYS = ("institution_id", "loan_id")
# Breakdowns, each a column of the facts; `city` is the whole city (one member, `_T`).
DIMENSIONS = ("city", "institution_type", "institution", "district", "industry_section")
TOTAL = "_T"
# The five-category classes that make a loan non-performing (次级, 可疑, 损失).
NON_PERFORMING = ("substandard", "doubtful", "loss")
# First-time borrowers (首贷户) are businesses: enterprises and individual businesses.
BUSINESS = ("enterprise", "individual_business")
# Additive measures stored per cell, in the order they are written.
MEASURES = ("balance", "loans", "borrowers", "new_lending", "new_loans", "first_time_borrowers",
            "renewal_amount", "renewal_count", "rate_weighted", "npl_balance")


def loan_facts(loans: ir.Table, parties: ir.Table, institutions: ir.Table,
               sections: ir.Table, period: date) -> ir.Table:
    """One row per loan with what the cube groups by and sums.

    District and industry are the borrower's registered district and the section of the
    industry the proceeds go to (the purpose industry, else the borrower's), as PBoC's
    loans-by-industry returns classify them; a person's loan has no industry (`_Z`)."""
    cp = parties.select(
        p_inst=parties.institution_id, p_id=parties.counterparty_id,
        counterparty_type=parties.counterparty_type, district=parties.district_code,
        borrower_industry=parties.industry_code)
    reg = institutions.select(r_inst=institutions.institution_id,
                              institution_type=institutions.institution_type)
    t = loans.left_join(cp, [loans.institution_id == cp.p_inst,
                             loans.counterparty_id == cp.p_id])
    t = t.left_join(reg, t.institution_id == reg.r_inst)
    industry = t.purpose_industry_code.fill_null(t.borrower_industry)
    t = t.mutate(industry=industry)
    t = t.left_join(sections, t.industry == sections.class_code)
    start = previous_month_end(period)
    is_new = (t.start_date > ibis.literal(start)) & (t.start_date <= ibis.literal(period))
    bal = t.balance.cast("decimal(38, 2)")
    zero = ibis.literal(0).cast("decimal(38, 2)")
    return t.select(
        *KEYS, "counterparty_id",
        city=ibis.literal(TOTAL),
        institution_type=t.institution_type.fill_null("_U"),
        institution=t.institution_id,
        district=t.district.fill_null("_U"),
        industry_section=t.section.fill_null(
            ibis.ifelse(t.counterparty_type == "person", "_Z", "_U")),
        balance=bal,
        is_new=is_new,
        new_balance=ibis.ifelse(is_new, bal, zero),
        first_time=ibis.ifelse(is_new & t.first_loan.fill_null(False)
                               & t.counterparty_type.isin(BUSINESS), t.counterparty_id, None),
        renewed=is_new & (t.renewal == "seamless"),
        rate_weighted=bal.cast("float64") * t.interest_rate.cast("float64"),
        npl=ibis.ifelse(t.quality.isin(NON_PERFORMING), bal, zero),
    )


def membership(tags: ir.Table) -> ir.Table:
    """(loan, area, sub_area) pairs of the tagged loans, each once: area totals, sub-areas."""
    totals = tags.filter(tags.in_total).select(*KEYS, "area", sub_area=ibis.literal("total"))
    subs = tags.select(*KEYS, "area", "sub_area")
    return totals.union(subs, distinct=True)


def cube(facts: ir.Table, tagged: ir.Table) -> ir.Table:
    """Every measure by area, sub-area and each breakdown, stacked with a `dimension` column.
    The whole book (`all/total`) comes straight from the facts; only the tagged pairs are
    joined to them (joining the book too cost a tenth of the job's CPU)."""
    book = facts.mutate(area=ibis.literal("all"), sub_area=ibis.literal("total"))
    t = book.union(tagged.join(facts, list(KEYS)).select(*book.columns), distinct=False)
    zero = ibis.literal(0).cast("decimal(38, 2)")
    parts = []
    for dim in DIMENSIONS:
        g = t.group_by(["area", "sub_area", t[dim].name("member")]).aggregate(
            balance=t.balance.sum(),
            loans=t.count(),
            borrowers=t.counterparty_id.nunique(),
            new_lending=t.new_balance.sum(),
            new_loans=t.is_new.sum(),
            first_time_borrowers=t.first_time.nunique(),
            renewal_amount=ibis.ifelse(t.renewed, t.balance, zero).sum(),
            renewal_count=t.renewed.sum(),
            rate_weighted=t.rate_weighted.sum(),
            npl_balance=t.npl.sum(),
        )
        parts.append(g.mutate(dimension=ibis.literal(dim)))
    out = ibis.union(*parts, distinct=False)
    return out.select("area", "sub_area", "dimension", "member", *MEASURES)
