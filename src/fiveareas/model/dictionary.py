"""Render the data dictionary (docs/data-dictionary.md) from the template."""

from __future__ import annotations

from fiveareas.model.template import Field, template

TYPE_TEXT = {
    "string": "text", "code": "code", "enum": "one of a list", "date": "date YYYY-MM-DD",
    "amount": "amount, 2 decimals", "decimal": "number", "integer": "whole number",
    "boolean": "true / false",
}


def _rule(f: Field) -> str:
    parts = []
    if f.required:
        parts.append("required")
    if f.required_unless_person:
        parts.append("required unless a person")
    if f.table:
        parts.append({"industry_class": "GB/T 4754-2017 class",
                      "district": "Shanghai district code"}[f.table])
    if f.uscc:
        parts.append("unified social credit code with its GB 32100-2015 check character")
    if f.pattern:
        parts.append(f"form `{f.pattern}`")
    if f.min is not None:
        parts.append(f">= {f.min:g}")
    if f.max is not None:
        parts.append(f"<= {f.max:g}")
    return "; ".join(parts)


def render() -> str:
    t = template()
    out = [
        "# Data dictionary: reporting template v" + str(t.version),
        "",
        "Generated from `src/fiveareas/model/template_v1.yaml` by `fiveareas docs`; "
        "do not edit by hand (a test fails when this file is stale).",
        "",
        "Files are CSV (UTF-8 or GB18030, comma or tab, one header row), Parquet or Excel "
        ".xlsx. Amounts are yuan with at most two decimals; dates are `YYYY-MM-DD`; a "
        "reporting period is a month-end date. Empty means no value.",
        "",
        "Modelled on: " + "; ".join(t.sources) + ".",
    ]
    for ds in t.datasets.values():
        out += ["", f"## {ds.name}", "", ds.description, "",
                f"Key: {', '.join(f'`{k}`' for k in ds.key)}.", "",
                "| field | type | unit | allowed values | rule | description |",
                "|---|---|---|---|---|---|"]
        for f in ds.fields:
            allowed = ", ".join(f"`{a}`" for a in f.allowed)
            out.append(f"| `{f.name}` | {TYPE_TEXT[f.type]} | {f.unit or ''} | {allowed} | "
                       f"{_rule(f)} | {f.description} |")
    return "\n".join(out) + "\n"
