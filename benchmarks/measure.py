"""Measure benchmark: `fiveareas measure` of a period against a hand-written query and pandas.

    .venv/bin/python benchmarks/measure.py [--rows 1e7] [--repeat N] [--no-pandas]

The input is the classify benchmark's data home (benchmarks/classify.py: the ingest benchmark's
loan book of N loans and N/3 borrowers, ingested once under benchmarks/out/), classified once
(`rules.job.classify`, cached with a `.classified` marker next to the home; neither is timed).
Then, each in a fresh subprocess (peak memory is its own RSS high-water mark):

- baseline: one hand-written DuckDB SQL query over the same lake files (loans, counterparties,
  register, tags; the industry class->section table registered as an in-memory table) that
  computes the same cube (GROUPING SETS, one per breakdown; borrowers numbered first so that
  distinct counts hash integers) and writes it to Parquet;
- measure: `measure.job.measure(home, period)`, the whole job: reading, computing and writing
  the cube, its manifest and the catalog's audit entry;
- read: `measure.read.long(home, period)`, the derived indicators (ratios, growth, YTD) read
  from the stored cube (timed separately; cheap);
- pandas: the same cube computed with pandas (files read with pyarrow, merges, one group-by per
  breakdown, `nunique` for distinct counts; money as integer cents so sums are exact), written
  to Parquet; stopped (and reported so) past 16 GB of RSS or 10 minutes.

The baseline's and pandas' cubes are compared with the engine's cell for cell before any figure
is printed (sums of money and counts exactly, `rate_weighted` within 1e-9 relative), and the run
fails if they differ. Loans per second count the period's loans in force.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _data import OUT, PERIOD  # noqa: E402
from classify import WHEN, home_for  # noqa: E402

CELL = ("area", "sub_area", "dimension", "member")
MONEY = ("balance", "new_lending", "renewal_amount", "npl_balance")
COUNTS = ("loans", "borrowers", "new_loans", "first_time_borrowers", "renewal_count")


def classified_home(rows: int) -> Path:
    """The classify benchmark's data home with the period classified (done on first use)."""
    from fiveareas.rules.job import classify
    from fiveareas.store.home import Home

    home = home_for(rows)
    marker = home.parent / ".classified"
    if not marker.exists():
        classify(Home.resolve(home), WHEN)
        marker.touch()
    return home


def _inputs(home: Path) -> dict[str, list[str]]:
    """The lake files the engine reads for the period: loans and borrowers of the submissions
    in force, the register in force, and the period's tags."""
    from fiveareas.store import catalog as cat
    from fiveareas.store import lake
    from fiveareas.store.home import Home
    from fiveareas.store.submissions import current

    h = Home.resolve(home)
    with cat.open_catalog(h.catalog_url).connect() as conn:
        subs = current(conn, period=WHEN)
        register = current(conn, kind="register")
    return {
        "loans": [str(p) for p in lake.files(h, "loan", subs)],
        "parties": [str(p) for p in lake.files(h, "counterparty", subs)],
        "register": [str(p) for p in lake.files(h, "institution", register)],
        "tags": sorted(str(p) for p in lake.derived(h, "tags", WHEN).glob("*.parquet")),
    }


BASELINE = """
COPY (
WITH l AS (
  SELECT institution_id, loan_id, counterparty_id, purpose_industry_code, start_date, balance,
         interest_rate, first_loan, renewal, quality
  FROM read_parquet({loans})),
cp AS (
  SELECT institution AS institution_id, counterparty_id, counterparty_type, district_code,
         industry_code
  FROM read_parquet({parties}, hive_partitioning = true)),
-- Borrowers numbered once, so the distinct counts hash integers rather than 18-character
-- strings (about 15% faster at 10M loans than counting the ids themselves).
ids AS (SELECT counterparty_id, row_number() OVER () AS cp_no
        FROM (SELECT DISTINCT counterparty_id FROM cp)),
reg AS (SELECT institution_id, institution_type FROM read_parquet({register})),
f AS (
  SELECT l.institution_id, l.loan_id, ids.cp_no AS counterparty_id,
         coalesce(reg.institution_type, '_U') AS institution_type,
         coalesce(cp.district_code, '_U') AS district,
         coalesce(s.section, CASE WHEN cp.counterparty_type = 'person' THEN '_Z' ELSE '_U' END)
           AS industry_section,
         CAST(l.balance AS DECIMAL(38, 2)) AS balance,
         l.start_date > DATE '{start}' AND l.start_date <= DATE '{period}' AS is_new,
         CASE WHEN l.start_date > DATE '{start}' AND l.start_date <= DATE '{period}'
                   AND coalesce(l.first_loan, false)
                   AND cp.counterparty_type IN ('enterprise', 'individual_business')
              THEN ids.cp_no END AS first_time,
         l.start_date > DATE '{start}' AND l.start_date <= DATE '{period}'
           AND l.renewal = 'seamless' AS renewed,
         CAST(l.balance AS DOUBLE) * l.interest_rate AS rate_weighted,
         l.quality IN ('substandard', 'doubtful', 'loss') AS npl
  FROM l
  LEFT JOIN cp ON cp.institution_id = l.institution_id AND cp.counterparty_id = l.counterparty_id
  LEFT JOIN ids ON ids.counterparty_id = l.counterparty_id
  LEFT JOIN reg ON reg.institution_id = l.institution_id
  LEFT JOIN sections s ON s.class_code = coalesce(l.purpose_industry_code, cp.industry_code)),
t AS (SELECT * FROM read_parquet({tags})),
m AS (
  SELECT institution_id, loan_id, area, 'total' AS sub_area FROM t WHERE in_total
  UNION
  SELECT institution_id, loan_id, area, sub_area FROM t),
j AS (
  SELECT 'all' AS area, 'total' AS sub_area, f.* FROM f
  UNION ALL
  SELECT m.area, m.sub_area, f.* FROM m JOIN f USING (institution_id, loan_id)),
g AS (
  SELECT area, sub_area,
         CASE GROUPING(institution_type, institution_id, district, industry_section)
           WHEN 15 THEN 'city' WHEN 7 THEN 'institution_type' WHEN 11 THEN 'institution'
           WHEN 13 THEN 'district' ELSE 'industry_section' END AS dimension,
         coalesce(institution_type, institution_id, district, industry_section, '_T') AS member,
         sum(balance) AS balance,
         count(*) AS loans,
         count(DISTINCT counterparty_id) AS borrowers,
         sum(CASE WHEN is_new THEN balance ELSE 0 END) AS new_lending,
         count(*) FILTER (WHERE is_new) AS new_loans,
         count(DISTINCT first_time) AS first_time_borrowers,
         sum(CASE WHEN renewed THEN balance ELSE 0 END) AS renewal_amount,
         count(*) FILTER (WHERE renewed) AS renewal_count,
         sum(rate_weighted) AS rate_weighted,
         sum(CASE WHEN npl THEN balance ELSE 0 END) AS npl_balance
  FROM j
  GROUP BY GROUPING SETS ((area, sub_area), (area, sub_area, institution_type),
                          (area, sub_area, institution_id), (area, sub_area, district),
                          (area, sub_area, industry_section)))
SELECT * FROM g ORDER BY area, sub_area, dimension, member
) TO '{out}' (FORMAT parquet, COMPRESSION zstd)
"""


def _list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _sections() -> Any:
    from fiveareas.reference.industry import class_table

    return class_table().select(["code", "section"]).rename_columns(["class_code", "section"])


def baseline_sql(home: Path, out: Path) -> str:
    from fiveareas.store.submissions import previous_month_end

    files = _inputs(home)
    return BASELINE.format(loans=_list(files["loans"]), parties=_list(files["parties"]),
                           register=_list(files["register"]), tags=_list(files["tags"]),
                           start=previous_month_end(WHEN).isoformat(), period=PERIOD,
                           out=str(out).replace("'", "''"))


def _baseline(rows: int, work: Path) -> dict[str, Any]:
    import duckdb

    home = classified_home(rows)
    out = work / "cube.parquet"
    sql = baseline_sql(home, out)
    # As the engine's connection: DuckDB capped at 3 GB, every core, spilling to disk.
    con = duckdb.connect(config={"memory_limit": "3GB", "temp_directory": str(work / "tmp")})
    con.register("sections_arrow", _sections())
    con.execute("CREATE TABLE sections AS SELECT * FROM sections_arrow")
    con.unregister("sections_arrow")
    t0, c0 = time.perf_counter(), time.process_time()
    con.execute(sql)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu": cpu, **_loans_cells(con, out)}


def _loans_cells(con: Any, path: Path) -> dict[str, int]:
    row = con.execute(f"SELECT count(*), max(loans) FILTER (WHERE area = 'all' AND "
                      f"dimension = 'city') FROM read_parquet('{path}')").fetchone()
    return {"cells": int(row[0]), "loans": int(row[1])}


def _measure(rows: int, work: Path) -> dict[str, Any]:
    from fiveareas.measure.job import measure
    from fiveareas.store.home import Home

    home = Home.resolve(classified_home(rows))
    t0, c0 = time.perf_counter(), time.process_time()
    out = measure(home, WHEN)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu": cpu, "loans": out.loans, "cells": out.cells}


def _read(rows: int, work: Path) -> dict[str, Any]:
    from fiveareas.measure.read import long
    from fiveareas.store.home import Home

    home = Home.resolve(classified_home(rows))
    t0, c0 = time.perf_counter(), time.process_time()
    t = long(home, WHEN)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu": cpu, "figures": t.num_rows}


def _pandas(rows: int, work: Path) -> dict[str, Any]:
    """The cube in pandas: what a user would write without the platform (money as integer
    cents so that sums are exact, as the platform's decimals are)."""
    from decimal import Decimal

    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from fiveareas.store.submissions import previous_month_end

    home = classified_home(rows)
    files = _inputs(home)
    sections = _sections()
    t0, c0 = time.perf_counter(), time.process_time()

    def cents(col: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.cast(pc.multiply(col, pa.scalar(Decimal(100), pa.decimal128(3, 0))), pa.int64())

    lt = pq.read_table(files["loans"], columns=[
        "institution_id", "loan_id", "counterparty_id", "purpose_industry_code", "start_date",
        "balance", "interest_rate", "first_loan", "renewal", "quality"], partitioning=None)
    lt = lt.set_column(lt.schema.get_field_index("balance"), "balance", cents(lt["balance"]))
    loans = lt.to_pandas()
    del lt
    parties = ds.dataset(files["parties"], format="parquet", partitioning="hive",
                         partition_base_dir=str(home / "lake" / "counterparty")).to_table(
        columns=["institution", "counterparty_id", "counterparty_type", "district_code",
                 "industry_code"]).to_pandas().rename(columns={"institution": "institution_id"})
    reg = pq.read_table(files["register"], columns=["institution_id", "institution_type"],
                        partitioning=None).to_pandas()
    tags = pq.read_table(files["tags"], columns=["institution_id", "loan_id", "area", "sub_area",
                                                 "in_total"], partitioning=None).to_pandas()
    sec = sections.to_pandas().set_index("class_code")["section"]

    t = loans.merge(parties, on=["institution_id", "counterparty_id"], how="left")
    del loans, parties
    t = t.merge(reg, on="institution_id", how="left")
    t["institution_type"] = t.institution_type.fillna("_U")
    t["institution"] = t.institution_id
    t["district"] = t.district_code.fillna("_U")
    section = t.purpose_industry_code.fillna(t.industry_code).map(sec)
    person = t.counterparty_type == "person"
    t["industry_section"] = section.fillna(
        pd.Series(person.map({True: "_Z", False: "_U"}), index=t.index).fillna("_U"))
    start = pd.Timestamp(previous_month_end(WHEN))
    end = pd.Timestamp(WHEN)
    sd = pd.to_datetime(t.start_date)
    is_new = (sd > start) & (sd <= end)
    t["is_new"] = is_new
    t["new_balance"] = t.balance.where(is_new, 0)
    first = is_new & t.first_loan.fillna(False).astype(bool) & t.counterparty_type.isin(
        ["enterprise", "individual_business"])
    t["first_time"] = t.counterparty_id.where(first)
    renewed = is_new & (t.renewal == "seamless")
    t["renewed"] = renewed
    t["renewal_balance"] = t.balance.where(renewed, 0)
    t["rate_weighted"] = (t.balance / 100.0) * t.interest_rate
    t["npl"] = t.balance.where(t.quality.isin(["substandard", "doubtful", "loss"]), 0)
    facts = t[["institution_id", "loan_id", "counterparty_id", "institution_type", "institution",
               "district", "industry_section", "balance", "is_new", "new_balance", "first_time",
               "renewed", "renewal_balance", "rate_weighted", "npl"]]
    del t

    keys = ["institution_id", "loan_id"]
    totals = tags[tags.in_total][[*keys, "area"]].assign(sub_area="total")
    subs = tags[[*keys, "area", "sub_area"]]
    member = pd.concat([totals, subs], ignore_index=True).drop_duplicates()
    tagged = member.merge(facts, on=keys)
    m = pd.concat([facts.assign(area="all", sub_area="total"), tagged], ignore_index=True)
    del tagged, member
    m["city"] = "_T"

    parts = []
    for dim in ("city", "institution_type", "institution", "district", "industry_section"):
        g = m.groupby(["area", "sub_area", dim], sort=False).agg(
            balance=("balance", "sum"), loans=("balance", "size"),
            borrowers=("counterparty_id", "nunique"), new_lending=("new_balance", "sum"),
            new_loans=("is_new", "sum"), first_time_borrowers=("first_time", "nunique"),
            renewal_amount=("renewal_balance", "sum"), renewal_count=("renewed", "sum"),
            rate_weighted=("rate_weighted", "sum"), npl_balance=("npl", "sum"))
        parts.append(g.reset_index().rename(columns={dim: "member"}).assign(dimension=dim))
    cube = pd.concat(parts, ignore_index=True).sort_values(list(CELL), ignore_index=True)

    table = {c: pa.array(cube[c], pa.string()) for c in CELL}
    for c in ("balance", "loans", "borrowers", "new_lending", "new_loans",
              "first_time_borrowers", "renewal_amount", "renewal_count", "rate_weighted",
              "npl_balance"):
        if c in MONEY:
            table[c] = pa.array([Decimal(int(v)).scaleb(-2) for v in cube[c]],
                                pa.decimal128(38, 2))
        elif c in COUNTS:
            table[c] = pa.array(cube[c].astype("int64"))
        else:
            table[c] = pa.array(cube[c].astype("float64"))
    out = work / "cube.parquet"
    pq.write_table(pa.table(table), out, compression="zstd")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    city = cube[(cube.area == "all") & (cube.dimension == "city")]
    return {"seconds": seconds, "cpu": cpu, "cells": len(cube),
            "loans": int(city.loans.iloc[0])}


def _same(rows: int, work: Path) -> dict[str, Any]:
    """Cells only in one cube, and cells in both whose figures differ, for each contender."""
    import duckdb

    from fiveareas.store import lake
    from fiveareas.store.home import Home

    home = Home.resolve(classified_home(rows))
    engine = lake.derived(home, "indicators", WHEN) / "part-0.parquet"
    on = " AND ".join(f"e.{c} = o.{c}" for c in CELL)
    exact = " OR ".join(f"e.{c} IS DISTINCT FROM o.{c}" for c in (*MONEY, *COUNTS))
    rate = ("NOT (e.rate_weighted IS NULL AND o.rate_weighted IS NULL OR "
            "abs(e.rate_weighted - o.rate_weighted) <= 1e-9 * "
            "greatest(abs(e.rate_weighted), abs(o.rate_weighted)))")
    con = duckdb.connect()
    result = {}
    for kind in ("baseline", "pandas"):
        other = work.parent / kind / "cube.parquet"
        if not other.exists():
            continue
        row = con.execute(
            f"SELECT count(*) FILTER (WHERE o.area IS NULL), "
            f"count(*) FILTER (WHERE e.area IS NULL), "
            f"count(*) FILTER (WHERE e.area IS NOT NULL AND o.area IS NOT NULL "
            f"AND ({exact} OR {rate})), count(*) "
            f"FROM read_parquet('{engine}') e FULL JOIN read_parquet('{other}') o ON {on}"
        ).fetchone()
        assert row is not None
        result[kind] = {"only_engine": row[0], "only_other": row[1], "differ": row[2],
                        "cells": row[3]}
    return result


CHILDREN = {"baseline": _baseline, "measure": _measure, "read": _read, "pandas": _pandas,
            "same": _same}


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(kind: str, rows: int, max_mb: float | None = None,
        max_s: float | None = None) -> dict[str, Any]:
    """One contender in a fresh subprocess; stopped (and reported so) past `max_mb` of RSS or
    `max_s` seconds."""
    work = OUT / "work" / "measure" / kind
    if kind != "same":
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, __file__, "--child", kind, "--rows", str(rows), "--work", str(work)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    stopped = None
    while True:
        # wait4, not Popen.poll: the usage of a reaped child is only had from the reaping.
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG if max_mb or max_s else 0)
        if pid:
            break
        if max_mb and _rss_mb(proc.pid) > max_mb:
            stopped = f"over {max_mb:,.0f} MB"
        elif max_s and time.perf_counter() - t0 > max_s:
            stopped = f"over {max_s:,.0f} s"
        if stopped:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.2)
    assert proc.stdout is not None
    text = proc.stdout.read()
    peak = usage.ru_maxrss / 1024
    if stopped:
        return {"stopped": stopped, "seconds": time.perf_counter() - t0, "peak_mb": peak}
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{kind} {rows}: child failed")
    result = json.loads(text.strip().splitlines()[-1])
    result["peak_mb"] = peak
    return result


NAMES = {"baseline": "hand-written DuckDB query", "measure": "`measure.job.measure`",
         "pandas": "pandas", "read": "`measure.read.long` (derived indicators, alone)"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=lambda t: int(float(t)), default=10_000_000)
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each contender, interleaved; the table shows the fastest")
    ap.add_argument("--pandas", action=argparse.BooleanOptionalAction, default=True,
                    help="run the pandas contender (stopped past --pandas-max-mb or -s)")
    ap.add_argument("--pandas-max-mb", type=float, default=16_000)
    ap.add_argument("--pandas-max-s", type=float, default=600)
    ap.add_argument("--child", choices=tuple(CHILDREN))
    ap.add_argument("--work", type=Path)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args.rows, args.work)))
        return
    t0 = time.perf_counter()
    classified_home(args.rows)
    print(f"nproc {os.cpu_count()}; input {args.rows:,} loans ingested and classified "
          f"({time.perf_counter() - t0:.1f} s); load average {os.getloadavg()[0]:.2f}",
          flush=True)
    shutil.rmtree(OUT / "work" / "measure", ignore_errors=True)
    kinds = ["baseline", "measure", "read", *(["pandas"] if args.pandas else [])]
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    for i in range(args.repeat):
        for kind in kinds:
            if kind == "pandas" and runs["pandas"] and "stopped" in runs["pandas"][-1]:
                continue
            limits = (args.pandas_max_mb, args.pandas_max_s) if kind == "pandas" else (None, None)
            load = os.getloadavg()[0]
            r = run(kind, args.rows, *limits)
            runs[kind].append(r)
            what = (r["stopped"] if "stopped" in r else f"{r['figures']:,} figures"
                    if kind == "read" else f"{r['cells']:,} cells")
            cpu = f", CPU {r['cpu']:.2f} s" if "cpu" in r else ""
            print(f"run {i + 1} {kind:8} {r['seconds']:8.2f} s{cpu}  {what}, peak "
                  f"{r['peak_mb']:,.0f} MB, load average before {load:.2f}", flush=True)
    same = run("same", args.rows)
    bad = False
    for kind, s in same.items():
        if kind == "peak_mb":
            continue
        print(f"{kind} against the engine: {s['cells']:,} cells; {s['only_engine']} only in "
              f"the engine's cube, {s['only_other']} only in the {kind}'s, {s['differ']} differ")
        bad = bad or bool(s["only_engine"] or s["only_other"] or s["differ"])
    if bad:
        raise SystemExit("a contender does not compute the same cube; figures are void")
    best = {k: min(v, key=lambda r: r["seconds"]) for k, v in runs.items() if v}
    least = {k: min(r.get("cpu", float("inf")) for r in v) for k, v in runs.items() if v}
    loans = best["measure"]["loans"]
    base, base_cpu = best["baseline"]["seconds"], least["baseline"]
    print()
    print(f"{loans:,} loans in force ({args.rows:,} generated), {best['measure']['cells']:,} "
          f"cells; fastest of {args.repeat} run(s) each (wall and CPU each the least), peak "
          "RSS the highest")
    print()
    print("| contender | seconds | loans/s | CPU s | peak RSS MB | ratio to the hand-written "
          "query (wall) | ratio (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in ("baseline", "measure", "pandas", "read"):
        if kind not in best:
            continue
        r = best[kind]
        peak = max(x["peak_mb"] for x in runs[kind])
        if "stopped" in r:
            print(f"| {NAMES[kind]} | stopped, {r['stopped']} | | | {peak:,.0f} | | |")
            continue
        ratio = ("", "") if kind == "read" else (f"{r['seconds'] / base:.2f}",
                                                 f"{least[kind] / base_cpu:.2f}")
        print(f"| {NAMES[kind]} | {r['seconds']:.2f} | {loans / r['seconds']:,.0f} | "
              f"{least[kind]:.2f} | {peak:,.0f} | {ratio[0]} | {ratio[1]} |")


if __name__ == "__main__":
    main()
