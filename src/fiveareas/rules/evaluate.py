"""The small engine: catalogue conditions to Ibis booleans, fired rules to tag rows, and the
condition-by-condition account `explain` prints."""

from __future__ import annotations

import re
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from fiveareas.rules.catalogue import Condition, Rule
from fiveareas.rules.context import Context

KEYS = ("institution_id", "loan_id", "counterparty_id")
_SLOT = re.compile(r"\{([a-z_]+)\}")
_CMP = {"<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}


def condition(t: ir.Table, c: Condition, ctx: Context) -> ir.BooleanValue:
    """One condition; a missing value never satisfies it (null becomes false)."""
    col = t[c.field]
    if c.op == "in":
        out = col.isin(c.arg)
    elif c.op == "not_in":
        out = col.notnull() & ~col.isin(c.arg)
    elif c.op == "is":
        out = col == ibis.literal(bool(c.arg))
    elif c.op == "present":
        out = col.notnull() if c.arg else col.isnull()
    elif c.op == "within":
        v = ctx.value(c.arg)
        out = getattr(col.cast("float64"), _CMP[v.extra["comparison"]])(float(v.value))
    elif c.op == "in_param":
        out = col.isin(list(ctx.value(c.arg).extra["categories"]))
    elif c.op == "on_or_before":
        out = col <= t[c.arg]
    elif c.op == "on_or_after":
        out = col >= t[c.arg]
    else:  # pragma: no cover - catalogue.py rejects unknown ops
        raise ValueError(c.op)
    return out.fill_null(False)


def fired(t: ir.Table, rule: Rule, ctx: Context) -> ir.BooleanValue:
    out = ibis.literal(True)
    for c in rule.when:
        out &= condition(t, c, ctx)
    return out


def _text(value: ir.Value) -> ir.StringValue:
    if value.type().is_decimal() or value.type().is_floating():
        return value.cast("decimal(18, 2)").cast("string")
    return value.cast("string")


def reason(t: ir.Table, rule: Rule) -> ir.StringValue:
    """The rule's reason template with the row's values in it."""
    parts: list[ir.StringValue] = []
    pos = 0
    for m in _SLOT.finditer(rule.reason):
        parts.append(ibis.literal(rule.reason[pos:m.start()]))
        parts.append(_text(t[m.group(1)]).fill_null("(none)"))
        pos = m.end()
    parts.append(ibis.literal(rule.reason[pos:]))
    out = parts[0]
    for p in parts[1:]:
        out = out.concat(p)
    return out


TAG = dt.Struct({"kind": "string", "rule": "string", "area": "string", "sub_area": "string",
                 "in_total": "boolean", "param_version": "string", "reason": "string"})


def decisions(t: ir.Table, rules: list[Rule], ctx: Context) -> ir.Table:
    """One row per (loan, fired rule), tags and flags, in a single pass over the loans."""
    if not rules:
        return t.select(*KEYS, **{k: ibis.null(v) for k, v in TAG.items()}).limit(0)
    items = []
    for r in rules:
        sub = t[r.sub_area_field] if r.sub_area_field else ibis.literal(r.sub_area, dt.string)
        row = ibis.struct({"kind": r.kind, "rule": r.id, "area": r.area,
                           "sub_area": sub.cast("string"), "in_total": r.in_total,
                           "param_version": ctx.version(r), "reason": reason(t, r)})
        items.append(ibis.ifelse(fired(t, r, ctx), row, ibis.null(TAG)))
    hit = t.select(*KEYS, d=ibis.array(items).unnest())
    hit = hit.filter(hit.d.notnull())
    return hit.select(*KEYS, **{k: hit.d[k] for k in TAG.names})


def account(row: dict[str, Any], rule: Rule, ctx: Context,
            results: list[bool]) -> list[tuple[str, bool, str]]:
    """Per condition of a rule: what it asks, whether it held, and the values that decided it."""
    out = []
    for c, ok in zip(rule.when, results, strict=True):
        shown = [f"{c.field}={_show(row.get(c.field))}"]
        if c.op in ("on_or_before", "on_or_after"):
            shown.append(f"{c.arg}={_show(row.get(c.arg))}")
        if c.op == "within":
            v = ctx.value(c.arg)
            shown.append(f"cap {v.extra['comparison']} {v.value} ({v.version})")
        shown += [f"{s}={_show(row.get(s))}" for s in c.show]
        if not ok and c.why and row.get(c.field) is not None:
            shown.append(c.why)
        out.append((c.describe(), ok, ", ".join(shown)))
    return out


def _show(v: Any) -> str:
    return "(none)" if v is None else str(v)
