"""Render the published validation guide (docs/validation-rules.md) from the catalogue."""

from __future__ import annotations

from fiveareas.intake.catalogue import PHASES, file_rules, row_rules, rules


def _fields(rule_id: str) -> str:
    names = sorted({f"{ds}.{f.name}" for ds in ("institution", "counterparty", "loan")
                    for r, f in row_rules(ds) if r.id == rule_id})
    return ", ".join(f"`{n}`" for n in names)


def render() -> str:
    out = [
        "# Validation rules",
        "",
        "Generated from `src/fiveareas/intake/rules.yaml` by `fiveareas docs`; do not edit by "
        "hand (a test fails when this file, the catalogue and the checks drift apart).",
        "",
        "Ids starting with **E** are blocking errors: the row is kept in quarantine with its "
        "findings, and the rest of the submission lands. Ids starting with **W** are warnings: "
        "the row lands and the warning is reported. Rules in the *syntax* phase concern a whole "
        "file: when one fails, the file cannot be read as a table, nothing of the submission "
        "lands, and the submission is recorded as `malformed` with the cause.",
        "",
        "Row numbers count the header as row 1, as a spreadsheet shows them.",
    ]
    for phase in PHASES:
        out += ["", f"## {phase.replace('_', '-')}", "",
                "| id | severity | scope | fields | rule | message | source |",
                "|---|---|---|---|---|---|---|"]
        for r in rules():
            if r.phase != phase:
                continue
            fields = _fields(r.id) or ", ".join(
                f"`{ds}`" for ds in r.datasets if r in file_rules(ds))
            out.append(f"| <a id=\"{r.id.lower()}\"></a>{r.id} | {r.severity} | {r.scope} | "
                       f"{fields} | {r.description} | {r.message} | {r.citation} |")
    return "\n".join(out) + "\n"
