"""The supply-chain batch in the main job and its commands, on the small measured city (whose
banks also submitted supply-chain documents with labelled frauds)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from fiveareas.cli import app
from fiveareas.intake.ingest import ingest
from fiveareas.store.home import Home
from fiveareas.watch import scf, scf_job

CHECKS = {"four_flow", "duplicate_financing", "double_pledge", "circular_trade",
          "proceeds_round_trip"}


def cli(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def labels(city: tuple[Home, dict]) -> list[dict[str, str]]:
    path = city[0].root.parent / "city" / "labels" / "scf.csv"
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_main_job_checked_every_application(city: tuple[Home, dict]) -> None:
    home = city[0]
    assert scf_job.state(home) == "current"
    found = scf_job.read_findings(home)
    assert found is not None and set(found.column("check").to_pylist()) == CHECKS
    scores = {(r["check"], r["variant"]): r for r in scf.evaluate(
        found, scf.read_labels(home.root.parent / "city" / "labels" / "scf.csv"))}
    for check in CHECKS:
        assert scores[(check, "all")]["cases"] == 4
        assert scores[(check, "all")]["recall"] >= 0.75, scores[(check, "all")]
        assert scores[(check, "all")]["precision"] >= 0.75, scores[(check, "all")]
    manifest = scf_job.manifest(home)
    assert manifest["applications"] >= 300 and sum(manifest["findings"].values()) == len(found)
    assert "supply chain:" in cli("status", "--home", str(home.root))


def test_findings_export_as_csv_and_json(city: tuple[Home, dict], tmp_path: Path) -> None:
    home = str(city[0].root)
    rows = list(csv.DictReader(io.StringIO(cli("scf", "findings", "--home", home,
                                               "--format", "csv"))))
    assert {r["check"] for r in rows} == CHECKS
    assert all(r["application_ids"] for r in rows)
    out = tmp_path / "f.json"
    cli("scf", "findings", "--home", home, "--format", "json", "--check", "double_pledge",
        "--out", str(out))
    doc = json.loads(out.read_text("utf-8"))
    assert doc and {f["check"] for f in doc} == {"double_pledge"}
    assert all(json.loads(f["evidence"]) for f in doc)
    cli("scf", "findings", "--home", home, "--format", "yaml", code=2)


def test_a_bank_checks_one_application(city: tuple[Home, dict]) -> None:
    home = city[0]
    case = next(r for r in labels(city) if r["check"] == "duplicate_financing")
    app_id = case["application_ids"].split(";")[0]
    inst = scf_job.owners(home)[app_id]
    found = json.loads(cli("scf", "check", app_id, "--institution", inst, "--home",
                           str(home.root), "--json"))
    assert any(f["check"] == "duplicate_financing" and app_id in f["application_ids"]
               for f in found)
    flagged = {a for ids in scf_job.read_findings(home).column("application_ids").to_pylist()
               for a in ids}
    t = pq.read_table(next((home.lake / "financing_application").rglob("*.parquet")))
    honest = next(a for a, i in zip(t["application_id"].to_pylist(),
                                    t["institution_id"].to_pylist(), strict=True)
                  if a not in flagged)
    inst = t["institution_id"].to_pylist()[t["application_id"].to_pylist().index(honest)]
    assert "no finding" in cli("scf", "check", honest, "--institution", inst,
                               "--home", str(home.root))


def test_a_new_submission_makes_the_batch_stale(city: tuple[Home, dict],
                                                tmp_path: Path) -> None:
    home = Home.resolve(tmp_path / "home")
    shutil.copytree(city[0].root, home.root, dirs_exist_ok=True)
    folder = next((city[0].root.parent / "city" / "scf").glob("*/*"))
    copy = tmp_path / "again"
    shutil.copytree(folder, copy)
    t = pq.read_table(copy / "payments.parquet")
    pq.write_table(t.slice(0, max(1, t.num_rows - 1)), copy / "payments.parquet")
    (out,) = ingest([copy], home)
    assert out.kind == "scf" and out.state == "accepted"
    assert scf_job.state(home) == "stale"
    cli("scf", "run", "--home", str(home.root))
    assert scf_job.state(home) == "current"


def test_no_batch_yet_is_said_plainly(tmp_path: Path) -> None:
    home = str(tmp_path / "empty")
    assert "no supply-chain submissions" in cli("scf", "run", "--home", home, code=1)
    assert "no findings yet" in cli("scf", "findings", "--home", home, code=1)
    assert "no supply-chain index" in cli("scf", "check", "A1", "--institution", "B1",
                                          "--home", home, code=1)


def test_evaluate_prints_checks_and_baseline() -> None:
    out = cli("scf", "evaluate", "--deals", "300", "--frauds", "6", "--institutions", "4")
    for check in CHECKS:
        assert check in out
    assert "baseline" in out and "precision" in out
