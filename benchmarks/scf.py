"""Supply-chain benchmark: the city-wide checks on a large labelled set, their quality against
the exact-key baseline, and the single-application check against the prepared index.

    .venv/bin/python benchmarks/scf.py [--deals 200000] [--frauds 1000] [--banks 60]
        [--seed 7] [--singles 200] [--skip-baseline]

The set is made once by `synth.scf.generate_scf` (12 months of 2024, Parquet) and cached under
`benchmarks/out/scf_<deals>_<frauds>/` (git-ignored). Then, each in a fresh subprocess so that
its peak memory is its own RSS high-water mark:

- checks: `watch.scf.open_documents` over the files + `run_checks` (every check, Splink
  included), timed whole; precision, recall and F1 per check and variant against the labels;
- baseline: `run_baseline` (exact keys only) over the same files, timed and scored the same
  way, in the same run: the ratio of the checks' time to the baseline's is printed;
- single: `prepare_index` from the checks' findings (timed, as the batch does it), then
  `check_application` for `--singles` applications drawn at random (a fixed seed; a quarter
  of them labelled frauds), each timed, p50, p95 and max, two ways: `lookup` (the findings the
  index holds) and `incremental` (the application's submission files given, checked against
  the index as a bank's new submission would be).

Prints the figures; `--json FILE` writes them too.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def build(deals: int, frauds: int, banks: int, seed: int) -> Path:
    folder = OUT / f"scf_{deals}_{frauds}_{banks}_{seed}"
    done = folder / ".built"
    if not done.exists():
        import shutil

        from fiveareas.synth.config import month_ends
        from fiveareas.synth.scf import generate_scf

        if folder.exists():
            shutil.rmtree(folder)
        log(f"generating {deals:,} honest applications, {frauds:,} frauds per check")
        t = time.perf_counter()
        manifest = generate_scf(folder, institutions=[f"B{i:04d}" for i in range(1, banks + 1)],
                                periods=month_ends("2024-01", 12).tolist(), deals=deals,
                                frauds=frauds, seed=seed)
        (folder / "generated.json").write_text(json.dumps(
            {"seconds": round(time.perf_counter() - t, 1), "manifest": manifest},
            indent=1, default=str))
        done.touch()
    return folder


def files(folder: Path) -> dict[str, list[Path]]:
    from fiveareas.intake.discover import KINDS, role

    out: dict[str, list[Path]] = {ds: [] for ds in KINDS["scf"]}
    for f in sorted((folder / "scf").rglob("*.parquet")):
        ds = role(f)
        if ds in out:
            out[ds].append(f)
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the measured steps, each run in its own process ---------------------------------------

def step_checks(folder: Path, baseline: bool) -> dict[str, Any]:
    from fiveareas.watch import scf

    t = time.perf_counter()
    con = scf.open_documents(files(folder))
    counts = {ds: con.execute(f"SELECT count(*) FROM {ds}").fetchone()[0] for ds in scf.DATASETS}
    found = scf.run_baseline(con) if baseline else scf.run_checks(con)
    took = time.perf_counter() - t
    if not baseline:  # the single step's index is prepared from these, as the batch does
        import pyarrow.parquet as pq

        pq.write_table(found, folder / "findings.parquet")
    scores = scf.evaluate(found, scf.read_labels(folder / "labels" / "scf.csv"))
    return {"seconds": round(took, 1), "peak_mb": round(peak_mb()), "rows": counts,
            "findings": found.num_rows, "scores": scores}


def step_single(folder: Path, singles: int) -> dict[str, Any]:
    import csv

    from fiveareas.watch import scf

    index = folder / "index" / "index.duckdb"
    index.parent.mkdir(exist_ok=True)
    index.unlink(missing_ok=True)
    import pyarrow.parquet as pq

    t = time.perf_counter()
    scf.prepare_index(files(folder), index, findings=pq.read_table(folder / "findings.parquet"))
    prepared = time.perf_counter() - t
    apps: list[tuple[str, str]] = []
    import duckdb

    with duckdb.connect(str(index), read_only=True) as con:
        apps = con.execute("SELECT institution_id, application_id FROM financing_application "
                           "ORDER BY 1, 2").fetchall()
    with open(folder / "labels" / "scf.csv", encoding="utf-8") as fh:
        fraud = {a for r in csv.DictReader(fh) for a in r["application_ids"].split(";")}
    rng = random.Random(11)
    bad = [a for a in apps if a[1] in fraud]
    good = [a for a in apps if a[1] not in fraud]
    chosen = rng.sample(bad, min(len(bad), singles // 4)) + rng.sample(
        good, min(len(good), singles - singles // 4))
    submission = _submissions(folder)
    out: dict[str, Any] = {"prepare_seconds": round(prepared, 1), "checked": len(chosen)}
    for mode in ("lookup", "incremental"):
        times, hits = [], 0
        for inst, app in chosen:
            docs = submission[(inst, app)] if mode == "incremental" else None
            t = time.perf_counter()
            found = scf.check_application(index, inst, app, documents=docs)
            times.append(time.perf_counter() - t)
            hits += bool(found)
        first = times[0]
        times.sort()
        out[mode] = {"with_findings": hits, "p50_ms": round(times[len(times) // 2] * 1000, 1),
                     "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1),
                     "max_ms": round(times[-1] * 1000, 1), "first_ms": round(first * 1000, 1)}
    out["peak_mb"] = round(peak_mb())
    return out


def _submissions(folder: Path) -> dict[tuple[str, str], dict[str, list[Path]]]:
    """Each application's submission folder, as the files by dataset (what a bank sends)."""
    import pyarrow.parquet as pq

    from fiveareas.intake.discover import role

    out = {}
    for sub in sorted((folder / "scf").glob("*/*")):
        docs = {role(f): [f] for f in sorted(sub.glob("*.parquet"))}
        t = pq.read_table(sub / "applications.parquet", columns=["institution_id",
                                                                   "application_id"])
        for inst, app in zip(t["institution_id"].to_pylist(), t["application_id"].to_pylist(),
                             strict=True):
            out[(inst, app)] = docs
    return out


def in_child(step: str, folder: Path, arg: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--step", step, "--folder", str(folder),
                          "--arg", arg], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(engine: list[dict], base: list[dict] | None) -> None:
    by_key = {(r["check"], r["variant"]): r for r in base or []}
    print(f"{'check':<22}{'variant':<18}{'cases':>7}{'P':>7}{'R':>7}{'F1':>7}"
          f"{'base P':>8}{'base R':>8}{'base F1':>8}")
    for r in engine:
        b = by_key.get((r["check"], r["variant"]))
        extra = "".join(f"{b[k]:>8.3f}" for k in ("precision", "recall", "f1")) if b else ""
        print(f"{r['check']:<22}{r['variant']:<18}{r['cases']:>7,}{r['precision']:>7.3f}"
              f"{r['recall']:>7.3f}{r['f1']:>7.3f}{extra}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=200_000)
    ap.add_argument("--frauds", type=int, default=1_000)
    ap.add_argument("--banks", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--singles", type=int, default=200)
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--only-single", action="store_true", help="reuse the checks' findings")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--step")
    ap.add_argument("--folder", type=Path)
    ap.add_argument("--arg", default="")
    a = ap.parse_args()
    if a.step:  # inside a child process
        result = (step_single(a.folder, int(a.arg)) if a.step == "single"
                  else step_checks(a.folder, a.step == "baseline"))
        print(json.dumps(result, default=str))
        return
    folder = build(a.deals, a.frauds, a.banks, a.seed)
    gen = json.loads((folder / "generated.json").read_text())
    log(f"set: {folder.name}, generated in {gen['seconds']} s")
    results: dict[str, Any] = {"generated_seconds": gen["seconds"]}
    if a.only_single:
        s = in_child("single", folder, str(a.singles))
        print(json.dumps(s, indent=1))
        return
    log("checks (every check, whole city)")
    results["checks"] = in_child("checks", folder, "")
    rows = results["checks"]["rows"]
    log("rows: " + ", ".join(f"{ds} {n:,}" for ds, n in rows.items()))
    log(f"checks: {results['checks']['seconds']} s, peak {results['checks']['peak_mb']:,} MB, "
        f"{results['checks']['findings']:,} findings")
    if not a.skip_baseline:
        log("baseline (exact keys only)")
        results["baseline"] = in_child("baseline", folder, "")
        b = results["baseline"]
        log(f"baseline: {b['seconds']} s, peak {b['peak_mb']:,} MB; checks / baseline time = "
            f"{results['checks']['seconds'] / max(b['seconds'], 0.1):.1f}x")
    table(results["checks"]["scores"], results.get("baseline", {}).get("scores"))
    log(f"single-application check on {a.singles} applications")
    s = results["single"] = in_child("single", folder, str(a.singles))
    log(f"index prepared in {s['prepare_seconds']} s (peak {s['peak_mb']:,} MB)")
    for mode in ("lookup", "incremental"):
        m = s[mode]
        log(f"{mode}: p50 {m['p50_ms']} ms, p95 {m['p95_ms']} ms, max {m['max_ms']} ms, first "
            f"{m['first_ms']} ms ({m['with_findings']} of {s['checked']} with findings)")
    if a.json:
        a.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
