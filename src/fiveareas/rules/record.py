"""One loan and its borrower given as JSON (the template's field names), checked and typed.

classify-one and the rule test cases feed the engine through here, so a malformed input is one
clear BadInput naming the object, the field and what is wrong, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from fiveareas.model.template import Field, template
from fiveareas.reference.districts import district_codes
from fiveareas.reference.industry import class_codes
from fiveareas.rules.errors import BadInput

REQUIRED = {"counterparty": ("counterparty_type",), "loan": ("product", "credit_line")}
DEFAULTS = {"institution_id": "ONE", "loan_id": "L1", "counterparty_id": "C1"}
TABLES = {"industry_class": class_codes, "district": district_codes}


def _value(obj: str, f: Field, raw: Any) -> Any:
    where = f"{obj}.{f.name}"
    if raw is None or raw == "":
        return None
    if f.type in ("string", "code", "enum"):
        if not isinstance(raw, str):
            raise BadInput(f"{where}: expected text, got {type(raw).__name__} {raw!r}")
        if f.allowed and raw not in f.allowed:
            raise BadInput(f"{where}: {raw!r} is not one of {', '.join(f.allowed)}")
        if f.table and raw not in TABLES[f.table]():
            raise BadInput(f"{where}: {raw!r} is not a code of table {f.table}")
        if f.pattern and not re.fullmatch(f.pattern, raw):
            raise BadInput(f"{where}: {raw!r} does not match {f.pattern}")
        return raw
    if f.type == "date":
        if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        raise BadInput(f"{where}: {raw!r} is not a date YYYY-MM-DD")
    if f.type == "boolean":
        if not isinstance(raw, bool):
            raise BadInput(f"{where}: expected true or false, got {raw!r}")
        return raw
    if f.type == "integer":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise BadInput(f"{where}: expected a whole number, got {raw!r}")
        return _bounded(where, f, raw)
    try:  # amount, decimal
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise InvalidOperation
        num = Decimal(str(raw))
        if not num.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise BadInput(f"{where}: {raw!r} is not a number") from None
    if f.type == "amount" and num != num.quantize(Decimal("0.01")):
        raise BadInput(f"{where}: {raw!r} has more than two decimals")
    return _bounded(where, f, num if f.type == "amount" else float(num))


def _bounded(where: str, f: Field, v: Any) -> Any:
    if f.min is not None and v < f.min:
        raise BadInput(f"{where}: {v} is below the minimum {f.min}")
    if f.max is not None and v > f.max:
        raise BadInput(f"{where}: {v} is above the maximum {f.max}")
    return v


def _object(doc: dict[str, Any], name: str) -> dict[str, Any]:
    obj = doc.get(name, {} if name == "loan" else None)
    if not isinstance(obj, dict):
        raise BadInput(f"input needs a {name!r} object")
    fields = {f.name: f for f in template()[name].fields}
    unknown = sorted(set(obj) - set(fields))
    if unknown:
        raise BadInput(f"{name}: unknown field(s) {', '.join(unknown)}")
    out = {k: _value(name, fields[k], v) for k, v in obj.items()}
    for k in REQUIRED[name]:
        if out.get(k) is None:
            raise BadInput(f"{name}.{k} is required")
    return out


def tables(doc: Any, when: dt.date) -> tuple[pa.Table, pa.Table]:
    """The loan and counterparty as one-row Arrow tables of the template's types."""
    if not isinstance(doc, dict):
        raise BadInput("input must be a JSON object with 'counterparty' and 'loan' objects")
    unknown = sorted(set(doc) - {"counterparty", "loan"})
    if unknown:
        raise BadInput(f"unknown key(s) {', '.join(unknown)}: expected 'counterparty' and 'loan'")
    cp, loan = _object(doc, "counterparty"), _object(doc, "loan")
    cp.setdefault("counterparty_id", loan.get("counterparty_id") or DEFAULTS["counterparty_id"])
    loan["counterparty_id"] = cp["counterparty_id"]
    loan["period"] = when
    for k in ("institution_id", "loan_id"):
        loan.setdefault(k, DEFAULTS[k])
    cp["institution_id"] = loan["institution_id"]
    return _arrow("loan", [loan]), _arrow("counterparty", [cp], institution=True)


def _arrow(name: str, rows: list[dict[str, Any]], institution: bool = False) -> pa.Table:
    schema = template()[name].arrow_schema()
    if institution:
        schema = schema.append(pa.field("institution_id", pa.string()))
    return pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema)


def batch(rows: list[tuple[pa.Table, pa.Table]]) -> tuple[pa.Table, pa.Table]:
    """Many one-row inputs as one table each, so a batch of cases runs as one query."""
    return (pa.concat_tables([r[0] for r in rows]), pa.concat_tables([r[1] for r in rows]))
