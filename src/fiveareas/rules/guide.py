"""Render docs/rules-catalogue.md: every rule, its conditions, and every dated parameter value
with its citations, from catalogue.yaml and params/*.yaml."""

from __future__ import annotations

from fiveareas.rules.catalogue import derived, rules, size_rule
from fiveareas.rules.params import params


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render() -> str:
    out = [
        "# Rules catalogue",
        "",
        "Generated from `src/fiveareas/rules/catalogue.yaml` and `src/fiveareas/rules/params/` "
        "by `fiveareas docs`; do not edit by hand (a test fails when it is stale). What the "
        "definitions mean, where they come from and the choices made are in "
        "[definitions.md](definitions.md).",
        "",
        "A **tag** puts a loan in an area; a **flag** records why a loan that claims an area is "
        "not counted. Every condition of a rule must hold; a missing value never satisfies a "
        "condition. A rule whose parameters have no value on the reporting date is *undefined* "
        "on that date and is reported as such, never answered with a neighbouring value.",
        "",
        "## Rules",
        "",
        "| id | kind | area / sub-area | rule | conditions (all must hold) | parameters | source |",
        "|---|---|---|---|---|---|---|",
    ]
    s = size_rule()
    out.append(f"| <a id=\"{s.id.lower()}\"></a>{s.id} | size | (enterprise size) | "
               f"{_cell(s.title)} | {_cell(s.description)} | {', '.join(s.params)} | "
               f"{_cell(s.citation)} |")
    for r in rules():
        sub = r.sub_area or (f"{{{r.sub_area_field}}}" if r.sub_area_field else "")
        area = f"{r.area} / {sub}" if sub else r.area
        if not r.in_total:
            area += " (not in the area total)"
        conds = "; ".join(c.describe() for c in r.when)
        out.append(f"| <a id=\"{r.id.lower()}\"></a>{r.id} | {r.kind} | {_cell(area)} | "
                   f"{_cell(r.title)} | {_cell(conds)} | {', '.join(r.params) or '—'} | "
                   f"{_cell(r.citation)} |")
    out += ["", "## Derived inputs", "", "| column | meaning |", "|---|---|"]
    out += [f"| `{k}` | {_cell(v)} |" for k, v in derived().items()]
    out += ["", "## Parameters", "",
            "Confidence: **A** read in the official text; **B** a secondary source consistent "
            "with it; **C** widely repeated, official text not seen.", ""]
    for pid, p in params().items():
        unit = f" ({p.unit})" if p.unit else ""
        out += [f"### `{pid}`{unit}", "", _cell(p.description), "",
                "| from | to | value | version | citations |", "|---|---|---|---|---|"]
        for v in p.values:
            extra = "".join(f", {k} `{x}`" for k, x in v.extra.items())
            cites = "<br>".join(
                f"[{c.confidence}] {_cell(c.document)}"
                + (f", {_cell(c.article)}" if c.article else "")
                + (f" ({c.date})" if c.date else "")
                + (f". {_cell(c.note)}" if c.note else "") for c in v.citations)
            out.append(f"| {v.start} | {v.end or '—'} | `{v.value}`{extra} | `{v.version}` | "
                       f"{cites} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
