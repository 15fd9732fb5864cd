"""Pure, named check functions: each returns the condition under which a row FAILS its rule.

They are backend-neutral Ibis expressions over a prepared table whose columns are the raw
values (`name`), the parsed values (`name__t`) and the helper columns that the validator joins
in (`_cp_state`, `_dup_loan_id`, `_prev_start_date`, ...). They may look values up in the
engine's code tables (`REFERENCE`) and call the engine functions the validator makes for
them (`listed_name`); the SQL of both lives in `store.engine`. A null condition means "not
failed": a missing value is the business of the `present` rule alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache

import ibis
import ibis.expr.types as ir

from fiveareas.model.template import Field
from fiveareas.reference.districts import district_codes
from fiveareas.reference.industry import class_codes

Check = Callable[[ir.Table, Field], ir.BooleanValue]
CHECKS: dict[str, Check] = {}

# Code tables the checks look values up in, by the name of the engine table holding them
# (the validator creates them once per connection): as tables rather than literal lists of
# a thousand codes, which the engine would plan afresh for every file.
REFERENCE: dict[str, Callable[[], frozenset[str]]] = {
    "ref_industry_class": class_codes,
    "ref_district": district_codes,
}


def _codes(name: str) -> ir.Column:
    return ibis.table({"code": "string"}, name=name).code

# What a plain-text value must look like to count as its type (stricter than a database cast,
# which would silently round '12.5' to an integer or accept '1e3' as an amount).
TEXT_FORMS = {
    "date": r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$",
    "amount": r"^\s*-?[0-9]+(\.[0-9]+)?\s*$",
    "decimal": r"^\s*-?[0-9]+(\.[0-9]+)?\s*$",
    "integer": r"^\s*-?[0-9]+\s*$",
    "boolean": r"^\s*(true|false|TRUE|FALSE|True|False|1|0)\s*$",
}
PERSON_ID = r"^P[0-9A-F]{17}$"


def check(fn: Check) -> Check:
    CHECKS[fn.__name__] = fn
    return fn


def _is_text(t: ir.Table, f: Field) -> bool:
    return t[f.name].type().is_string()


def _typed(t: ir.Table, f: Field) -> ir.Value:
    return t[f"{f.name}__t"]


def _is_person(t: ir.Table) -> ir.BooleanValue:
    return t.counterparty_type == "person"


# Checks of a unified social credit code. Its check character is worked out outside the
# engine (`reference.uscc.invalid`, vectorised over the file's column) into the helper column
# `_bad_{field}`, for the rows each check concerns (the others need not be worked out).
CODE_CHECKS: dict[str, Callable[[ir.Table], ir.BooleanValue]] = {
    "credit_code": lambda t: ~_is_person(t),
    "organisation_code": lambda t: ibis.literal(True),
}


@check
def present(t: ir.Table, f: Field) -> ir.BooleanValue:
    """Blank text is already no value: the engine's row view turns it into null."""
    return t[f.name].isnull()


@check
def parses(t: ir.Table, f: Field) -> ir.BooleanValue:
    col, typed = t[f.name], _typed(t, f)
    if _is_text(t, f):
        return col.notnull() & (~col.re_search(TEXT_FORMS[f.type]) | typed.isnull())
    if f.type in ("amount", "decimal") and col.type().is_floating():
        return col.isnan() | col.isinf()
    return col.notnull() & typed.isnull()


def listed_name(values: tuple[str, ...]) -> str:
    """The engine function that tells a value of `values` (made by `validate.create_helpers`)."""
    return "_listed_" + hashlib.sha1("\x1f".join(values).encode()).hexdigest()[:12]


@cache
def _listed(values: tuple[str, ...]) -> Callable[[ir.Value], ir.BooleanValue]:
    @ibis.udf.scalar.builtin(name=listed_name(values))
    def listed(value: str) -> bool:
        """Declared here, made in the engine."""

    return listed


@check
def allowed_value(t: ir.Table, f: Field) -> ir.BooleanValue:
    """Through the engine function `listed_name(f.allowed)`, a cast to the enumeration of the
    allowed values that cannot fail, rather than an IN list: DuckDB works such a cast out
    once per distinct value of a dictionary-encoded column, an IN list on every row (one
    column of 10M loans read from Parquet: 0.02 against 0.06-0.09 s), and on a column of
    text it is as fast as the list (1M loans loaded from CSV: 0.020 against 0.016 s)."""
    col = t[f.name]
    return col.notnull() & ~_listed(f.allowed)(col)


@check
def matches_pattern(t: ir.Table, f: Field) -> ir.BooleanValue:
    assert f.pattern is not None
    return ~t[f.name].re_search(f.pattern)


@check
def in_range(t: ir.Table, f: Field) -> ir.BooleanValue:
    typed = _typed(t, f)
    cond = ibis.literal(False)
    if f.min is not None:
        cond = cond | (typed < f.min)
    if f.max is not None:
        cond = cond | (typed > f.max)
    return cond


@check
def two_decimals(t: ir.Table, f: Field) -> ir.BooleanValue:
    col = t[f.name]
    if _is_text(t, f):
        return col.re_search(r"\.[0-9]{3,}")
    if col.type().is_decimal() and (col.type().scale or 0) <= 2:
        return ibis.literal(False)
    return col.cast("decimal(38, 6)") != _typed(t, f).cast("decimal(38, 6)")


@check
def present_for_organisation(t: ir.Table, f: Field) -> ir.BooleanValue:
    return ~_is_person(t) & present(t, f)


@check
def industry_class(t: ir.Table, f: Field) -> ir.BooleanValue:
    return ~t[f.name].isin(_codes("ref_industry_class"))


@check
def district(t: ir.Table, f: Field) -> ir.BooleanValue:
    return ~t[f.name].isin(_codes("ref_district"))


@check
def credit_code(t: ir.Table, f: Field) -> ir.BooleanValue:
    return ~_is_person(t) & t[f"_bad_{f.name}"]


@check
def person_id(t: ir.Table, f: Field) -> ir.BooleanValue:
    return _is_person(t) & ~t[f.name].re_search(PERSON_ID)


@check
def month_end(t: ir.Table, f: Field) -> ir.BooleanValue:
    return (_typed(t, f) + ibis.interval(days=1)).day() != 1


@check
def starts_before_maturity(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t.start_date__t >= t.maturity_date__t


@check
def started_by_period(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t.start_date__t > t.period__t


@check
def within_credit_line(t: ir.Table, f: Field) -> ir.BooleanValue:
    return (t.balance__t > t.credit_line__t) & ~t.over_line__t.fill_null(False)


@check
def certificate_dates(t: ir.Table, f: Field) -> ir.BooleanValue:
    start, end = t.high_tech_from__t, t.high_tech_to__t
    return (end < start) | (end.notnull() & start.isnull())


@check
def quality_matches_overdue(t: ir.Table, f: Field) -> ir.BooleanValue:
    return (t.days_overdue__t > 90) & t.quality.isin(["normal", "special_mention"])


@check
def unique_key(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t[f"_dup_{f.name}"]


@check
def counterparty_known(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t[f.name].notnull() & t._cp_state.isnull()


@check
def counterparty_valid(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t._cp_state == "invalid"


@check
def institution_registered(t: ir.Table, f: Field) -> ir.BooleanValue:
    return ~t._inst_known


@check
def one_credit_line(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t._line_differs


@check
def counterparty_used(t: ir.Table, f: Field) -> ir.BooleanValue:
    return ~t._used


@check
def start_date_stable(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t._prev_start_date.notnull() & (t.start_date__t != t._prev_start_date)


@check
def borrower_stable(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t._prev_counterparty_id.notnull() & (t.counterparty_id != t._prev_counterparty_id)


@check
def balance_jump(t: ir.Table, f: Field) -> ir.BooleanValue:
    prev = t._prev_balance
    return (prev > 0) & (t.balance__t > prev * 10)


@check
def organisation_code(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t[f"_bad_{f.name}"]


@check
def arrives_after_shipping(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t.arrival_date__t < t.ship_date__t


@check
def due_after_signing(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t.delivery_due__t < t.signed_date__t


@check
def unique_record(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t._dup_record


@check
def application_known(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t[f.name].notnull() & ~t._app_known


@check
def document_known(t: ir.Table, f: Field) -> ir.BooleanValue:
    return t[f.name].notnull() & t.document_type.notnull() & ~t._doc_known
