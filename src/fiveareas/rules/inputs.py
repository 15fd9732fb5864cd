"""The rules' input: each loan joined to its borrower, with the derived columns the catalogue names.

These columns are the definitions' formulas (catalogue.yaml `derived` says what each means);
everything else about a rule is data. All of it is Ibis, so it runs on any backend.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from fiveareas.rules import tables
from fiveareas.rules.context import Context
from fiveareas.rules.tables import INDICATORS, SIZES


def prepare(loans: ir.Table, parties: ir.Table, ctx: Context) -> ir.Table:
    """Loans with their borrower's fields and every derived column, as of `ctx.when` (the
    loans' `period`, which the date conditions compare with)."""
    t = loans.left_join(parties, ["institution_id", "counterparty_id"])
    t = t.mutate(purpose_class=t.purpose_industry_code.fill_null(t.industry_code))
    t = _size(t, ctx)
    t = _certificates(t, ctx)
    t = _green(t, ctx)
    t = _classification(t, ctx, "digital.classification", "digital")
    t = _classification(t, ctx, "pension.classification", "elderly")
    t = _tech_industry(t, ctx)
    return t


def sizes(parties: ir.Table, ctx: Context) -> ir.Table:
    """Each borrower's computed size beside the size its bank reported."""
    return _size(parties, ctx)


def _size(t: ir.Table, ctx: Context) -> ir.Table:
    if not ctx.covers(("size.standard", "size.sectors")):
        return t.mutate(size_sector=ibis.null(dt.string), size_class=ibis.null(dt.string))
    ref = ibis.memtable(tables.size_table(ctx.value("size.standard").value,
                                            ctx.value("size.sectors").value))
    cols = t.columns
    j = t.left_join(ref, t.industry_code == ref.size_industry)

    def meets(size: str) -> ir.BooleanValue:
        ok = ibis.literal(True)
        for ind, _ in INDICATORS:
            bound = j[f"{size}_{ind}"]
            ok &= bound.isnull() | (j[ind].cast("float64") >= bound)
        return ok

    complete = ibis.literal(True)
    for ind, _ in INDICATORS:
        used = ibis.literal(False)
        for size in SIZES:
            used |= j[f"{size}_{ind}"].notnull()
        complete &= ~used | j[ind].notnull()
    size = (ibis.cases((meets("large"), "large"), (meets("medium"), "medium"),
                       (meets("small"), "small"), else_="micro"))
    sized = (j.counterparty_type != "person") & j.size_sizable.fill_null(False) & complete
    return j.select(*cols, size_sector=j.size_sector,
                    size_class=ibis.ifelse(sized, size, ibis.null(dt.string)))


def _until(start: ir.DateValue, years: int) -> ir.DateValue:
    # Some engines (DuckDB) widen date + interval to a timestamp while Ibis types it a date,
    # so a plain cast to date is dropped: go through timestamp to get a date everywhere.
    return (start + ibis.interval(years=years) - ibis.interval(days=1)).cast("timestamp").date()


def _certificates(t: ir.Table, ctx: Context) -> ir.Table:
    out: dict[str, ir.Value] = {}
    if ctx.covers(("sci_tech.high_tech_validity_years",)):
        years = ctx.value("sci_tech.high_tech_validity_years").value
        out["high_tech_until"] = t.high_tech_to.fill_null(_until(t.high_tech_from, years))
    else:
        out["high_tech_until"] = ibis.null(dt.date)
    if ctx.covers(("sci_tech.tech_sme_valid_years",)):
        years = ctx.value("sci_tech.tech_sme_valid_years").value
        age = ibis.literal(ctx.when.year) - t.tech_sme_year
        out["tech_sme_current"] = ((age >= 0) & (age < years)).fill_null(False)
    else:
        out["tech_sme_current"] = ibis.null(dt.boolean)
    for name in ("srdi", "little_giant"):
        if ctx.covers(("sci_tech.srdi_validity_years",)):
            years = ctx.value("sci_tech.srdi_validity_years").value
            out[f"{name}_until"] = _until(t[f"{name}_from"], years)
        else:
            out[f"{name}_until"] = ibis.null(dt.date)
    return t.mutate(**out)


def _green(t: ir.Table, ctx: Context) -> ir.Table:
    if not ctx.covers(("green.catalogue",)):
        return t.mutate(green_known=ibis.null(dt.boolean), green_fits=ibis.null(dt.boolean),
                        green_category=ibis.null(dt.string))
    version = ctx.value("green.catalogue").value
    codes = ibis.memtable(tables.green_codes(version))
    fit = ibis.memtable(tables.green_fit(version))
    cols = t.columns
    j = t.left_join(codes, t.green_code == codes.green_code_known)
    j = j.left_join(fit, (j.green_code == fit.fit_code) & (j.purpose_class == fit.fit_class))
    return j.select(*cols, green_known=j.green_code_known.notnull(),
                    green_fits=j.fit_code.notnull(), green_category=j.green_category_)


def _classification(t: ir.Table, ctx: Context, pid: str, prefix: str) -> ir.Table:
    if not ctx.covers((pid,)):
        return t.mutate(**{f"{prefix}_category": ibis.null(dt.string),
                           f"{prefix}_partial": ibis.null(dt.boolean)})
    value = ctx.value(pid)
    categories = value.extra.get("categories")
    ref = ibis.memtable(tables.class_map(value.value, prefix,
                                           tuple(categories) if categories else None))
    cols = t.columns
    j = t.left_join(ref, t.purpose_class == ref[f"{prefix}_class"])
    return j.select(*cols, **{f"{prefix}_category": j[f"{prefix}_category"],
                              f"{prefix}_partial": j[f"{prefix}_partial"]})



def _tech_industry(t: ir.Table, ctx: Context) -> ir.Table:
    pid = "sci_tech.industry_classifications"
    if not ctx.covers((pid,)):
        return t.mutate(tech_industry_category=ibis.null(dt.string),
                        tech_industry_partial=ibis.null(dt.boolean))
    ref = ibis.memtable(tables.tech_map(tuple(ctx.value(pid).value), "tech_industry"))
    cols = t.columns
    j = t.left_join(ref, t.purpose_class == ref.tech_industry_class)
    return j.select(*cols, tech_industry_category=j.tech_industry_category,
                    tech_industry_partial=j.tech_industry_partial)
