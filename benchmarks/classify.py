"""Classify benchmark: `fiveareas classify` of one period against one hand-written DuckDB query.

    .venv/bin/python benchmarks/classify.py [--rows 1e7]

The input is the ingest benchmark's loan book (benchmarks/_data.py: N loans, N/3 borrowers of
every industry class, certificates, green codes, purpose industries), ingested once into a data
home cached under benchmarks/out/ (not timed). Then, each in a fresh subprocess (peak memory is
its own RSS high-water mark):

- baseline: one hand-written DuckDB SQL query over the same lake files and the same reference
  tables (registered as in-memory tables) that computes the same tags and flags, with their
  reasons and parameter versions, and writes them to Parquet;
- classify: `rules.job.classify(home, period)`, the whole job: tags, flags and sizes written to
  the lake, counts, manifest and the catalog's audit entry.

The two outputs are compared row for row (EXCEPT both ways) before any figure is printed, so the
baseline is known to compute the same thing. Rows per second count loans.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _data import OUT, PERIOD, submission  # noqa: E402

WHEN = date.fromisoformat(PERIOD)


def home_for(rows: int) -> Path:
    """The data home with the submission ingested (built on first use)."""
    from fiveareas.intake.ingest import ingest
    from fiveareas.store.home import Home

    root = OUT / f"classify_{rows}"
    if (root / ".complete").exists():
        return root / "home"
    shutil.rmtree(root, ignore_errors=True)
    sub = submission(rows)
    home = Home.resolve(root / "home")
    ingest([sub.register], home)
    ingest([sub.books["parquet"]], home)
    (root / ".complete").touch()
    return home.root


BASELINE = """
COPY (
WITH cp AS (
  SELECT * EXCLUDE (institution, period, submission), institution AS institution_id
  FROM read_parquet({cp_files}, hive_partitioning = true)),
l AS (SELECT * FROM read_parquet({loan_files})),
j AS (
  SELECT l.institution_id, l.loan_id, l.counterparty_id, l.product, l.credit_line,
         l.green_code, cp.counterparty_type, cp.high_tech_from, cp.high_tech_to,
         cp.tech_sme_year, cp.srdi_from, cp.little_giant_from,
         coalesce(l.purpose_industry_code, cp.industry_code) AS purpose_class,
         coalesce(cp.high_tech_to,
                  CAST(cp.high_tech_from + INTERVAL 3 YEAR - INTERVAL 1 DAY AS DATE)) AS ht_until,
         CAST(cp.srdi_from + INTERVAL 3 YEAR - INTERVAL 1 DAY AS DATE) AS srdi_until,
         CAST(cp.little_giant_from + INTERVAL 3 YEAR - INTERVAL 1 DAY AS DATE) AS lg_until,
         CASE WHEN cp.counterparty_type <> 'person' AND s.sizable
                AND (s.le IS NULL AND s.me IS NULL AND s.se IS NULL OR cp.employees IS NOT NULL)
                AND (s.lr IS NULL AND s.mr IS NULL AND s.sr IS NULL
                     OR cp.operating_revenue IS NOT NULL)
                AND (s.la IS NULL AND s.ma IS NULL AND s.sa IS NULL OR cp.total_assets IS NOT NULL)
              THEN CASE
                WHEN coalesce(cp.employees >= s.le, true) AND coalesce(cp.operating_revenue >= s.lr, true)
                     AND coalesce(cp.total_assets >= s.la, true) THEN 'large'
                WHEN coalesce(cp.employees >= s.me, true) AND coalesce(cp.operating_revenue >= s.mr, true)
                     AND coalesce(cp.total_assets >= s.ma, true) THEN 'medium'
                WHEN coalesce(cp.employees >= s.se, true) AND coalesce(cp.operating_revenue >= s.sr, true)
                     AND coalesce(cp.total_assets >= s.sa, true) THEN 'small'
                ELSE 'micro' END END AS size_class,
         g.category AS green_category, g.code IS NOT NULL AS green_known,
         f.code IS NOT NULL AS green_fits, dg.category AS digital_category,
         dg.partial AS digital_partial, el.category AS elderly_category,
         el.partial AS elderly_partial
  FROM l
  LEFT JOIN cp ON cp.institution_id = l.institution_id AND cp.counterparty_id = l.counterparty_id
  LEFT JOIN size_ref s ON s.industry = cp.industry_code
  LEFT JOIN green_ref g ON g.code = l.green_code
  LEFT JOIN fit_ref f ON f.code = l.green_code
                     AND f.class = coalesce(l.purpose_industry_code, cp.industry_code)
  LEFT JOIN digital_ref dg ON dg.class = coalesce(l.purpose_industry_code, cp.industry_code)
  LEFT JOIN elderly_ref el ON el.class = coalesce(l.purpose_industry_code, cp.industry_code)),
d AS (
  SELECT institution_id, loan_id, counterparty_id, unnest([
    CASE WHEN counterparty_type = 'enterprise' AND size_class IN ('small', 'micro')
              AND product NOT IN ('consumer', 'mortgage') AND credit_line <= 10000000
      THEN {{'kind': 'tag', 'rule': 'INC01', 'area': 'inclusive', 'sub_area': 'small_micro_enterprise',
            'in_total': true, 'param_version': '{inc};{size}',
            'reason': size_class || ' enterprise; credit line ' || credit_line || ' within the cap'}} END,
    CASE WHEN counterparty_type = 'individual_business' AND product NOT IN ('consumer', 'mortgage')
              AND credit_line <= 10000000
      THEN {{'kind': 'tag', 'rule': 'INC02', 'area': 'inclusive', 'sub_area': 'individual_business',
            'in_total': true, 'param_version': '{inc}',
            'reason': 'individual business operating loan; credit line ' || credit_line
                      || ' within the cap'}} END,
    CASE WHEN counterparty_type = 'person' AND product = 'individual_business'
              AND credit_line <= 10000000
      THEN {{'kind': 'tag', 'rule': 'INC03', 'area': 'inclusive', 'sub_area': 'small_business_owner',
            'in_total': true, 'param_version': '{inc}',
            'reason': 'owner''s operating loan to a person; credit line ' || credit_line
                      || ' within the cap'}} END,
    CASE WHEN counterparty_type <> 'person' AND high_tech_from <= DATE '{period}'
              AND ht_until >= DATE '{period}'
      THEN {{'kind': 'tag', 'rule': 'TEC01', 'area': 'sci_tech', 'sub_area': 'high_tech',
            'in_total': true, 'param_version': '{ht}',
            'reason': 'high-tech certificate ' || high_tech_from || ' to ' || ht_until}} END,
    CASE WHEN counterparty_type <> 'person' AND {year} - tech_sme_year >= 0
              AND {year} - tech_sme_year < 1
      THEN {{'kind': 'tag', 'rule': 'TEC02', 'area': 'sci_tech', 'sub_area': 'tech_sme',
            'in_total': true, 'param_version': '{sme}',
            'reason': 'tech-SME registered for ' || tech_sme_year}} END,
    CASE WHEN counterparty_type <> 'person' AND srdi_from <= DATE '{period}'
              AND srdi_until >= DATE '{period}'
      THEN {{'kind': 'tag', 'rule': 'TEC03', 'area': 'sci_tech', 'sub_area': 'srdi',
            'in_total': true, 'param_version': '{srdi}',
            'reason': 'SRDI from ' || srdi_from || ' to ' || srdi_until}} END,
    CASE WHEN counterparty_type <> 'person' AND little_giant_from <= DATE '{period}'
              AND lg_until >= DATE '{period}'
      THEN {{'kind': 'tag', 'rule': 'TEC04', 'area': 'sci_tech', 'sub_area': 'little_giant',
            'in_total': true, 'param_version': '{srdi}',
            'reason': 'little giant from ' || little_giant_from || ' to ' || lg_until}} END,
    CASE WHEN product = 'ip_pledge'
      THEN {{'kind': 'tag', 'rule': 'TEC05', 'area': 'sci_tech', 'sub_area': 'ip_pledge',
            'in_total': false, 'param_version': '', 'reason': 'IP-pledge loan'}} END,
    CASE WHEN green_code IS NOT NULL AND green_known AND green_fits
      THEN {{'kind': 'tag', 'rule': 'GRN01', 'area': 'green', 'sub_area': green_category,
            'in_total': true, 'param_version': '{green}',
            'reason': 'green code ' || green_code || ' (category ' || coalesce(green_category, '(none)')
                      || ') fits industry ' || coalesce(purpose_class, '(none)')}} END,
    CASE WHEN green_code IS NOT NULL AND green_known AND NOT green_fits
      THEN {{'kind': 'flag', 'rule': 'GRN90', 'area': 'green', 'sub_area': NULL,
            'in_total': true, 'param_version': '{green}',
            'reason': 'green code ' || green_code || ' does not fit industry '
                      || coalesce(purpose_class, '(none)')}} END,
    CASE WHEN green_code IS NOT NULL AND NOT green_known
      THEN {{'kind': 'flag', 'rule': 'GRN91', 'area': 'green', 'sub_area': NULL,
            'in_total': true, 'param_version': '{green}',
            'reason': 'green code ' || green_code
                      || ' is not a level-2 or level-3 code of the catalogue in force'}} END,
    CASE WHEN digital_category IN ('01', '02', '03', '04') AND NOT digital_partial
      THEN {{'kind': 'tag', 'rule': 'DIG01', 'area': 'digital', 'sub_area': digital_category,
            'in_total': true, 'param_version': '{digital}',
            'reason': 'industry ' || purpose_class || ' is digital-economy category '
                      || digital_category}} END,
    CASE WHEN elderly_category IS NOT NULL AND NOT elderly_partial
      THEN {{'kind': 'tag', 'rule': 'PEN01', 'area': 'pension', 'sub_area': elderly_category,
            'in_total': true, 'param_version': '{pension}',
            'reason': 'industry ' || purpose_class || ' is elderly-care category '
                      || elderly_category}} END
  ]) AS t FROM j)
SELECT institution_id, loan_id, counterparty_id, t.* FROM d WHERE t IS NOT NULL
) TO '{out}' (FORMAT parquet, COMPRESSION zstd)
"""


def _register_reference(con: Any) -> None:
    """The reference tables the engine uses, as plain in-memory tables for the SQL."""
    import pyarrow as pa

    from fiveareas.rules import tables

    s = tables.size_table("miit_2011_300", "nbs_2017_213")
    short = {"size_industry": "industry", "size_sector": "sector", "size_sizable": "sizable"}
    for size, a in (("large", "l"), ("medium", "m"), ("small", "s")):
        for ind, b in (("employees", "e"), ("operating_revenue", "r"), ("total_assets", "a")):
            short[f"{size}_{ind}"] = a + b
    con.register("size_ref", s.rename_columns([short[c] for c in s.column_names]))
    g = tables.green_codes("green_2019")
    con.register("green_ref", pa.table({"code": g.column(0), "category": g.column(1)}))
    f = tables.green_fit("green_2019")
    con.register("fit_ref", pa.table({"code": f.column(0), "class": f.column(1)}))
    core = ("01", "02", "03", "04")
    for name, table in (("digital_ref", tables.class_map("digital_2021", "d", core)),
                        ("elderly_ref", tables.class_map("elderly_2020", "e"))):
        con.register(name, table.rename_columns(["class", "category", "partial"]))


def _files(home: Path) -> tuple[list[str], list[str]]:
    loans = sorted(str(p) for p in (home / "lake/loan").rglob("*.parquet"))
    cps = sorted(str(p) for p in (home / "lake/counterparty").rglob("*.parquet"))
    return loans, cps


def _baseline(rows: int, work: Path) -> dict[str, Any]:
    import duckdb

    from fiveareas.rules import context

    home = home_for(rows)
    ctx = context.at(WHEN)
    v = {p: ctx.values[p].version for p in ctx.values}
    loan_files, cp_files = _files(home)
    out = work / "baseline.parquet"
    sql = BASELINE.format(
        cp_files=cp_files, loan_files=loan_files, out=out, period=PERIOD, year=WHEN.year,
        inc=v["inclusive.credit_line_cap"], size=f"{v['size.standard']};{v['size.sectors']}",
        ht=v["sci_tech.high_tech_validity_years"], sme=v["sci_tech.tech_sme_valid_years"],
        srdi=v["sci_tech.srdi_validity_years"], green=v["green.catalogue"],
        digital=v["digital.classification"], pension=v["pension.classification"])
    con = duckdb.connect(config={"memory_limit": "3GB"})
    _register_reference(con)
    t0 = time.perf_counter()
    con.execute(sql)
    seconds = time.perf_counter() - t0
    n = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()
    return {"seconds": seconds, "rows": rows, "decisions": n[0] if n else 0}


def _classify(rows: int, work: Path) -> dict[str, Any]:
    from fiveareas.rules.job import classify
    from fiveareas.store.home import Home

    home = Home.resolve(home_for(rows))
    t0 = time.perf_counter()
    out = classify(home, WHEN)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": out.loans, "decisions": out.tags + out.flags,
            "tags": out.tags, "flags": out.flags}


def _same(rows: int, work: Path) -> dict[str, Any]:
    """Rows in one output and not the other, both ways (0 and 0 when they agree)."""
    import duckdb

    lake = home_for(rows) / "lake"
    cols = "institution_id, loan_id, counterparty_id, rule, area, sub_area, in_total, " \
           "param_version, reason"
    engine = (f"SELECT {cols} FROM read_parquet(['{lake}/tags/period={PERIOD}/*.parquet', "
              f"'{lake}/flags/period={PERIOD}/*.parquet'], union_by_name = true)")
    base = f"SELECT {cols} FROM read_parquet('{work.parent / 'baseline' / 'baseline.parquet'}')"
    con = duckdb.connect()
    a = con.execute(f"SELECT count(*) FROM ({engine} EXCEPT ALL {base})").fetchone()
    b = con.execute(f"SELECT count(*) FROM ({base} EXCEPT ALL {engine})").fetchone()
    return {"only_engine": a[0] if a else -1, "only_baseline": b[0] if b else -1}


def measure(kind: str, rows: int) -> dict[str, Any]:
    work = OUT / "work" / "classify" / kind
    if kind != "same":
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, __file__, "--child", kind, "--rows", str(rows), "--work", str(work)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    text = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{kind} {rows}: child failed")
    result = json.loads(text.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=lambda t: int(float(t)), default=10_000_000)
    ap.add_argument("--child", choices=("baseline", "classify", "same"))
    ap.add_argument("--work", type=Path)
    args = ap.parse_args()
    if args.child:
        run = {"baseline": _baseline, "classify": _classify, "same": _same}[args.child]
        print(json.dumps(run(args.rows, args.work)))
        return
    t0 = time.perf_counter()
    home_for(args.rows)
    print(f"nproc {os.cpu_count()}; input {args.rows:,} loans ingested and ready "
          f"({time.perf_counter() - t0:.1f} s); load average {os.getloadavg()[0]:.2f}",
          flush=True)
    base = measure("baseline", args.rows)
    print(f"baseline {base['seconds']:8.2f} s {args.rows / base['seconds']:>12,.0f} rows/s "
          f"{base['decisions']:,} tags+flags, peak {base['peak_mb']:,.0f} MB", flush=True)
    run = measure("classify", args.rows)
    print(f"classify {run['seconds']:8.2f} s {args.rows / run['seconds']:>12,.0f} rows/s "
          f"{run['tags']:,} tags + {run['flags']:,} flags, peak {run['peak_mb']:,.0f} MB  "
          f"x{run['seconds'] / base['seconds']:.2f}", flush=True)
    same = measure("same", args.rows)
    print(f"outputs compared: {same['only_engine']} rows only in classify, "
          f"{same['only_baseline']} only in the baseline")
    if same["only_engine"] or same["only_baseline"]:
        raise SystemExit("the baseline does not compute the same tags; figures are void")
    print()
    print("| loans | baseline s | classify s | classify rows/s | classify / baseline "
          "| baseline peak MB | classify peak MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.rows:,} | {base['seconds']:.2f} | {run['seconds']:.2f} | "
          f"{args.rows / run['seconds']:,.0f} | {run['seconds'] / base['seconds']:.2f} | "
          f"{base['peak_mb']:,.0f} | {run['peak_mb']:,.0f} |")


if __name__ == "__main__":
    main()
