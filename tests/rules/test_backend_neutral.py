"""The rules are expressed once, in Ibis: the whole classification compiles for other engines'
SQL, Spark's (Databricks dialect) among them, with no DuckDB-only construct in the rules layer."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.schema as sch
import pyarrow as pa
import pytest

from fiveareas.model.template import template
from fiveareas.rules import context, inputs
from fiveareas.rules.evaluate import decisions


def _table(dataset: str, name: str, extra: tuple[tuple[str, pa.DataType], ...] = ()) -> ibis.Table:
    schema = template()[dataset].arrow_schema()
    for field, kind in extra:
        schema = schema.append(pa.field(field, kind))
    return ibis.table(sch.Schema.from_pyarrow(schema), name=name)


@pytest.mark.parametrize("dialect", ["databricks", "postgres", "trino"])
@pytest.mark.parametrize("when", [dt.date(2024, 6, 30), dt.date(2025, 6, 30)])
def test_classification_compiles_for_other_engines(dialect: str, when: dt.date) -> None:
    loans = _table("loan", "loans")
    parties = _table("counterparty", "parties", (("institution_id", pa.string()),))
    ctx = context.at(when)
    expr = decisions(inputs.prepare(loans, parties, ctx), ctx.usable(), ctx)
    sql = ibis.to_sql(expr, dialect=dialect)
    assert all(r.id in sql for r in ctx.usable())
    sizes = ibis.to_sql(inputs.sizes(parties, ctx), dialect=dialect)
    assert "size_class" in sizes
