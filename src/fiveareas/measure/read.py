"""Read the indicators of a period from the stored cubes, ratios and growth derived on read.

Growth compares with the cubes of other periods (a year before, last December), and a
year-to-date flow sums the months since January, so each figure always reflects the
submissions now in force: a resubmitted month changes its cube, and every figure read after.
A figure whose base is missing (a month never measured, a zero balance) is null, never guessed.
"""

from __future__ import annotations

import calendar
from datetime import date
from functools import lru_cache

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from fiveareas.measure import catalogue
from fiveareas.measure.cube import MEASURES
from fiveareas.measure.job import measured_periods, state_key
from fiveareas.measure.names import member_names
from fiveareas.store import engine, lake
from fiveareas.store.home import Home

CELL = ("area", "sub_area", "dimension", "member")
FLOWS = ("new_lending", "new_loans", "first_time_borrowers", "renewal_amount", "renewal_count")


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def months_back(period: date, n: int) -> date:
    k = period.year * 12 + period.month - 1 - n
    return month_end(k // 12, k % 12 + 1)


def _cubes(con: ibis.BaseBackend, home: Home, periods: list[date]) -> ir.Table | None:
    files = [str(lake.derived(home, "indicators", p) / "part-0.parquet") for p in periods]
    if not files:
        return None
    return con.read_parquet(files, hive_partitioning=True).mutate(
        period=ibis._.period.cast("date"))


def wide(home: Home, period: date, con: ibis.BaseBackend | None = None,
         **where: str | None) -> pa.Table:
    """One row per cell of `period`: the stored measures and every derived indicator.
    Cached per state of the measured periods (a server reads the same figures often)."""
    return _wide(home, period, state_key(home), tuple(sorted(where.items())), con)


@lru_cache(maxsize=256)
def _wide(home: Home, period: date, _state: str, where_items: tuple,
          con: ibis.BaseBackend | None = None) -> pa.Table:
    where = dict(where_items)
    have = set(measured_periods(home))
    if period not in have:
        raise LookupError(f"period {period.isoformat()} is not measured: run "
                          f"`fiveareas run --period {period:%Y-%m}` first")
    con = con or engine.scratch()
    year_ago, december = months_back(period, 12), month_end(period.year - 1, 12)
    months = [month_end(period.year, m) for m in range(1, period.month + 1)]
    wanted = sorted({period, *(p for p in (year_ago, december) if p in have),
                     *(m for m in months if m in have)})
    t = _cubes(con, home, wanted)
    for col, value in where.items():
        if value is not None:
            t = t.filter(t[col] == value)
    now = t.filter(t.period == period)
    out = now.select(*CELL, *MEASURES)
    out = out.mutate(
        rate=_ratio(out.rate_weighted, out.balance),
        npl_ratio=_ratio(out.npl_balance, out.balance))
    for name, base in (("yoy", year_ago), ("ytd", december)):
        b = t.filter(t.period == base).select(*CELL, base=t.balance)
        out = out.left_join(b, list(CELL)).drop(*[f"{c}_right" for c in CELL])
        out = out.mutate(**{name: ibis.ifelse(out.base > 0, (out.balance / out.base - 1)
                                              .cast("float64"), None)}).drop("base")
    ytd = t.filter(t.period.isin(months)).group_by(list(CELL)).aggregate(
        _months=t.period.nunique(), **{f"{f}_ytd": t[f].sum() for f in FLOWS})
    out = out.left_join(ytd, list(CELL)).drop(*[f"{c}_right" for c in CELL])
    complete = out._months == len(months)
    out = out.mutate(**{f"{f}_ytd": ibis.ifelse(complete, out[f"{f}_ytd"], None)
                        for f in FLOWS}).drop("_months")
    result = con.to_pyarrow(out.order_by(list(CELL)))
    return result.append_column("member_name", pa.array(member_names(
        result.column("dimension").to_pylist(), result.column("member").to_pylist(), home)))


def _ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    return ibis.ifelse(den > 0, (num / den).cast("float64"), None)


def long(home: Home, period: date, con: ibis.BaseBackend | None = None,
         **where: str | None) -> pa.Table:
    """The figures of `wide`, one row each, with their unit: the shape of every export."""
    w = wide(home, period, con, **where)
    parts = []
    for ind in catalogue.indicators():
        n = w.num_rows
        parts.append(pa.table({
            "period": pa.array([period] * n, pa.date32()),
            **{c: w.column(c) for c in (*CELL, "member_name")},
            "indicator": pa.array([ind.id] * n, pa.string()),
            "value": w.column(ind.id).cast(pa.float64()),
            "unit": pa.array([ind.unit] * n, pa.string())}, schema=LONG))
    return pa.concat_tables(parts) if parts else LONG.empty_table()


LONG = pa.schema([("period", pa.date32()), ("area", pa.string()), ("sub_area", pa.string()),
                  ("dimension", pa.string()), ("member", pa.string()),
                  ("member_name", pa.string()), ("indicator", pa.string()),
                  ("value", pa.float64()), ("unit", pa.string())])


def series(home: Home, area: str, sub_area: str = "total", dimension: str = "city",
           member: str = "_T") -> pa.Table:
    """Every measured period's stored measures for one cell, oldest first (for trends)."""
    return _series(home, area, sub_area, dimension, member, state_key(home))


@lru_cache(maxsize=512)
def _series(home: Home, area: str, sub_area: str, dimension: str, member: str,
            _state: str) -> pa.Table:
    con = engine.scratch()
    t = _cubes(con, home, measured_periods(home))
    if t is None:
        return pa.table({"period": pa.array([], pa.date32())})
    t = t.filter((t.area == area) & (t.sub_area == sub_area) & (t.dimension == dimension)
                 & (t.member == member))
    return con.to_pyarrow(t.select("period", *MEASURES).order_by("period"))
