"""Duplicate financing: the same receivable financed at two or more institutions.

Three matchers, all across institutions only (a bank's own repeated invoice is not this check):

- exact: the same (invoice_code, invoice_number, seller_id) backing applications at ≥2 banks;
- disguised: a Splink (Fellegi–Sunter, DuckDB backend) model over the invoices that back
  applications. Blocking is strict, never OR-ed over weak keys: pairs share seller_id and
  buyer_id (or seller_id and issue_date, for a mistyped buyer code) and come from different
  institutions, which is also the must-not-link rule. Comparisons: invoice digits (exact /
  Damerau–Levenshtein ≤1 / ≤2, so a swap of two digits is one edit), amount (exact / within
  1%), issue date (same day / ≤3 / ≤10 days), names (Jaccard of character bigrams after
  stripping legal-form words, see names.py) and the contract id stated.
- split: 2–3 invoices at another institution between the same parties, issued within a few
  days of the original, stating the same contract when both state one, whose amounts sum to
  the original's within split_sum_relative.

Training. m and u are fixed, documented priors (PRIORS) and no EM or random sampling is run,
so the model and the findings are deterministic without seeds. Why: u is meant *within the
blocks* (same seller and buyer), where standing orders repeat amounts and sequential invoice
numbers sit a digit or two apart; Splink's random-sampling u is estimated over random pairs of
the whole city, where equal amounts are rare, and would overrate exactly the hard negatives.
EM on these blocks has very few true matches (≲1% of blocked pairs) and drifts towards
modelling standing orders as matches. The prior match rate λ is the within-block rate for the
same reason. The saved model (Splink JSON) travels in the prepared index.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import duckdb

from fiveareas.watch.scf.findings import Finding, from_groups
from fiveareas.watch.scf.names import bigrams_sql, core_name_sql, jaccard_sql
from fiveareas.watch.scf.source import records
from fiveareas.watch.scf.split import split_findings
from fiveareas.watch.scf.tolerances import Tolerances

INPUT_TABLE = "scf_dup_input"

INPUT_SQL = f"""
CREATE OR REPLACE TABLE {INPUT_TABLE} AS
WITH b AS (
  SELECT i.institution_id, coalesce(i.invoice_code, '') AS invoice_code, i.invoice_number,
         i.seller_id, i.buyer_id, i.seller_name, i.buyer_name, CAST(i.amount AS DOUBLE) AS amount,
         i.issue_date, nullif(i.contract_id, '') AS contract_id,
         list(DISTINCT d.application_id ORDER BY d.application_id) AS application_ids
  FROM invoice i JOIN application_document d
    ON d.institution_id = i.institution_id AND d.document_type = 'invoice'
   AND d.document_id = coalesce(i.invoice_code, '') || i.invoice_number
  GROUP BY ALL
)
SELECT institution_id || '|' || invoice_code || invoice_number AS unique_id, *,
       invoice_code || invoice_number AS digits,
       {core_name_sql("seller_name")} AS seller_core, {core_name_sql("buyer_name")} AS buyer_core,
       {bigrams_sql(core_name_sql("seller_name"))} AS seller_bg,
       {bigrams_sql(core_name_sql("buyer_name"))} AS buyer_bg
FROM b
"""

BLOCKING = (
    "l.seller_id = r.seller_id AND l.buyer_id = r.buyer_id"
    " AND l.institution_id <> r.institution_id",
    "l.seller_id = r.seller_id AND l.issue_date = r.issue_date"
    " AND l.institution_id <> r.institution_id",
)

_NAME_SIM = (
    f"least({jaccard_sql('seller_bg_l', 'seller_bg_r')}, {jaccard_sql('buyer_bg_l', 'buyer_bg_r')})"
)

# (output column, [(sql_condition, label, m, u)]), levels in decreasing specificity.
PRIORS: list[tuple[str, list[tuple[str, str, float, float]]]] = [
    (
        "invoice_no",
        [
            ("digits_l IS NULL OR digits_r IS NULL", "null", 0.0, 0.0),
            ("digits_l = digits_r", "same number", 0.55, 0.0002),
            ("damerau_levenshtein(digits_l, digits_r) <= 1", "one edit apart", 0.25, 0.01),
            ("damerau_levenshtein(digits_l, digits_r) <= 2", "two edits apart", 0.10, 0.05),
            ("ELSE", "different", 0.10, 0.9398),
        ],
    ),
    (
        "amount",
        [
            ("amount_l IS NULL OR amount_r IS NULL", "null", 0.0, 0.0),
            ("amount_l = amount_r", "same amount", 0.85, 0.05),
            (
                "abs(amount_l - amount_r) <= 0.01 * greatest(amount_l, amount_r)",
                "within 1%",
                0.10,
                0.05,
            ),
            ("ELSE", "different", 0.05, 0.90),
        ],
    ),
    (
        "issue_date",
        [
            ("issue_date_l IS NULL OR issue_date_r IS NULL", "null", 0.0, 0.0),
            ("issue_date_l = issue_date_r", "same day", 0.80, 0.01),
            ("abs(date_diff('day', issue_date_l, issue_date_r)) <= 3", "within 3 days", 0.12, 0.03),
            (
                "abs(date_diff('day', issue_date_l, issue_date_r)) <= 10",
                "within 10 days",
                0.05,
                0.06,
            ),
            ("ELSE", "further apart", 0.03, 0.90),
        ],
    ),
    (
        "names",
        [
            ("seller_core_l IS NULL OR seller_core_r IS NULL", "null", 0.0, 0.0),
            (f"{_NAME_SIM} >= 0.99", "same core names", 0.85, 0.85),
            (f"{_NAME_SIM} >= 0.5", "similar core names", 0.12, 0.10),
            ("ELSE", "different names", 0.03, 0.05),
        ],
    ),
    (
        "contract",
        [
            ("contract_id_l IS NULL OR contract_id_r IS NULL", "null", 0.0, 0.0),
            ("contract_id_l = contract_id_r", "same contract", 0.90, 0.20),
            ("ELSE", "different contract", 0.10, 0.80),
        ],
    ),
]
WITHIN_BLOCK_MATCH_RATE = 0.01


def settings() -> dict[str, Any]:
    """The Splink settings dictionary with the fixed priors."""
    comparisons = []
    for name, levels in PRIORS:
        cls: list[dict[str, Any]] = []
        for cond, label, m, u in levels:
            if label == "null":
                cls.append(
                    {"sql_condition": cond, "label_for_charts": label, "is_null_level": True}
                )
            else:
                cls.append(
                    {
                        "sql_condition": cond,
                        "label_for_charts": label,
                        "m_probability": m,
                        "u_probability": u,
                    }
                )
        comparisons.append({"output_column_name": name, "comparison_levels": cls})
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": WITHIN_BLOCK_MATCH_RATE,
        "blocking_rules_to_generate_predictions": list(BLOCKING),
        "comparisons": comparisons,
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": [
            "institution_id",
            "application_ids",
            "seller_name",
            "buyer_name",
            "invoice_code",
            "invoice_number",
        ],
    }


def build_input(con: duckdb.DuckDBPyConnection) -> int:
    """Create the matcher's input table (invoices backing applications); returns its size."""
    con.execute(INPUT_SQL)
    return int(con.execute(f"SELECT count(*) FROM {INPUT_TABLE}").fetchall()[0][0])


def splink_pairs(
    con: duckdb.DuckDBPyConnection, threshold: float
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Scored pairs above the threshold and the model JSON; needs build_input first."""
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register(INPUT_TABLE)
    linker = Linker(sdf, settings(), log_level=None)
    pred = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    rows = pred.as_record_list()
    model = linker.misc.save_model_to_json()
    linker.table_management.delete_tables_created_by_splink_from_db()
    return rows, model


def _level_sql(levels: list[tuple[str, str, float, float]]) -> str:
    """CASE expression giving a comparison's match weight log2(m/u); 0 on the null level."""
    parts = []
    for cond, label, m, u in levels:
        weight = "0.0::DOUBLE" if label == "null" else f"{math.log2(m / u)!r}::DOUBLE"
        parts.append(f"ELSE {weight}" if cond == "ELSE" else f"WHEN {cond} THEN {weight}")
    return "CASE " + " ".join(parts) + " END"


def sql_pairs(con: duckdb.DuckDBPyConnection, threshold: float) -> list[dict[str, Any]]:
    """The same scored pairs as splink_pairs, computed in one SQL query from PRIORS.

    Same blocking (each pair once, under its first rule, left id below right id as Splink's
    dedupe_only does), same levels in the same order and the same fixed m/u, so the match
    weights equal Splink's; no linker setup (Splink costs ~150 ms per call even for two
    invoices, too much for a single application's check). Needs build_input first.
    """
    cols = [r[0] for r in con.execute(f"DESCRIBE {INPUT_TABLE}").fetchall()]
    sides = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in cols)
    first, second = BLOCKING
    blocked = (
        f"SELECT {sides} FROM {INPUT_TABLE} l JOIN {INPUT_TABLE} r "
        f"ON {first} AND l.unique_id < r.unique_id "
        f"UNION ALL SELECT {sides} FROM {INPUT_TABLE} l JOIN {INPUT_TABLE} r "
        f"ON {second} AND l.unique_id < r.unique_id AND NOT coalesce(({first}), false)"
    )
    weights = ", ".join(f"{_level_sql(levels)} AS mw_{name}" for name, levels in PRIORS)
    prior = math.log2(WITHIN_BLOCK_MATCH_RATE / (1 - WITHIN_BLOCK_MATCH_RATE))
    total = " + ".join([f"{prior!r}::DOUBLE", *(f"mw_{name}" for name, _ in PRIORS)])
    sql = f"""
    WITH b AS ({blocked}), w AS (SELECT *, {weights} FROM b),
         s AS (SELECT *, {total} AS match_weight FROM w)
    SELECT *, pow(2, match_weight) / (1 + pow(2, match_weight)) AS match_probability FROM s
    WHERE pow(2, match_weight) / (1 + pow(2, match_weight)) >= ?
    ORDER BY unique_id_l, unique_id_r
    """
    return records(con, sql, [threshold])


def _invoice(rec: dict[str, Any], side: str) -> dict[str, Any]:
    return {
        k: rec.get(f"{k}_{side}")
        for k in (
            "institution_id",
            "invoice_code",
            "invoice_number",
            "seller_name",
            "buyer_name",
            "amount",
            "issue_date",
            "contract_id",
            "application_ids",
        )
    }


def _components(pairs: list[tuple[str, str]]) -> list[list[str]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    return [sorted(g) for g in groups.values()]


def disguised_findings(rows: list[dict[str, Any]]) -> list[Finding]:
    """Group Splink pairs into components; one finding per component."""
    by_pair = {(r["unique_id_l"], r["unique_id_r"]): r for r in rows}
    out: list[Finding] = []
    # Sorted pairs and components: the output does not depend on the scorer's row order (two
    # components naming the same applications share a finding id, and the first one wins).
    for comp in sorted(_components(sorted(by_pair))):
        members = set(comp)
        prs = [r for k, r in sorted(by_pair.items()) if k[0] in members]
        invoices: dict[str, dict[str, Any]] = {}
        variant = "exact"
        for r in prs:
            invoices[r["unique_id_l"]] = _invoice(r, "l")
            invoices[r["unique_id_r"]] = _invoice(r, "r")
            names_differ = (r["seller_name_l"], r["buyer_name_l"]) != (
                r["seller_name_r"],
                r["buyer_name_r"],
            )
            if names_differ:
                variant = "name_variant"
            elif r["digits_l"] != r["digits_r"] and variant == "exact":
                variant = "altered_number"
        apps = sorted({a for inv in invoices.values() for a in (inv["application_ids"] or [])})
        best = max(float(r["match_probability"]) for r in prs)
        out.append(
            Finding(
                check="duplicate_financing",
                variant=variant,
                severity="high",
                score=best,
                institution_ids=[inv["institution_id"] for inv in invoices.values()],
                application_ids=apps,
                evidence={
                    "rule": "splink match across institutions",
                    "invoices": list(invoices.values()),
                    "pairs": [
                        {
                            "left": r["unique_id_l"],
                            "right": r["unique_id_r"],
                            "match_probability": round(float(r["match_probability"]), 6),
                            "match_weight": round(float(r["match_weight"]), 3),
                            "weights": _weights(r),
                        }
                        for r in prs
                    ],
                },
            )
        )
    return out


def _weights(rec: dict[str, Any]) -> dict[str, float]:
    """Per-comparison match weights (log2 Bayes factors; Splink 5 names them mw_<comparison>)."""
    return {
        name: round(float(rec[f"mw_{name}"]), 3)
        for name, _ in PRIORS
        if rec.get(f"mw_{name}") is not None
    }


EXACT_SQL = f"""
SELECT invoice_code, invoice_number, seller_id,
       list(DISTINCT institution_id ORDER BY institution_id) AS institutions,
       flatten(list(application_ids ORDER BY institution_id)) AS apps,
       list({{'institution_id': institution_id, 'amount': amount, 'issue_date': issue_date,
              'seller_name': seller_name, 'buyer_name': buyer_name}} ORDER BY institution_id)
           AS copies
FROM {INPUT_TABLE} GROUP BY 1, 2, 3 HAVING count(DISTINCT institution_id) >= 2
"""


def exact_findings(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    return from_groups(con, EXACT_SQL, check="duplicate_financing", variant="exact", score=1.0,
                       rule="same invoice code, number and seller at several institutions")


def check_duplicates(
    con: duckdb.DuckDBPyConnection, tol: Tolerances, *, scorer: str = "splink"
) -> tuple[list[Finding], dict[str, Any] | None]:
    """All duplicate-financing findings (exact first, so it wins on equal ids) and the model.

    scorer "splink" runs the Splink linker (the batch); "sql" scores the same blocked pairs
    with the same priors in one query (the single-application check; see sql_pairs). The
    model returned for "sql" is the settings dictionary the linker would be given.
    """
    if build_input(con) == 0:
        return [], None
    found = exact_findings(con)
    if scorer == "sql":
        rows, model = sql_pairs(con, tol.match_probability), settings()
    elif scorer == "splink":
        rows, model = splink_pairs(con, tol.match_probability)
    else:
        raise ValueError(f"unknown scorer {scorer!r}")
    found += disguised_findings(rows)
    found += split_findings(con, tol)
    return found, model
