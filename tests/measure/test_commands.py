"""The measurement commands on the measured small city: targets, macro, report, run --period."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import sdmx
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from fiveareas.cli import app, common
from fiveareas.measure import progress, read
from fiveareas.measure.target_catalogue import load
from fiveareas.store import catalog as cat
from fiveareas.store import macro
from fiveareas.store.home import Home
from tests.city import cli


@pytest.fixture
def home(city: tuple[Home, dict], tmp_path: Path) -> Home:
    """A private copy of the measured city, for tests that change it."""
    h = Home.resolve(tmp_path / "home")
    shutil.copytree(city[0].root, h.root, dirs_exist_ok=True)
    return h


def invoke(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def test_targets_json_has_every_target_with_its_status(city: tuple[Home, dict]) -> None:
    home, _ = city
    rows = json.loads(cli("targets", "--home", str(home.root), "--format", "json"))
    assert [r["id"] for r in rows] == [t.id for t in load()]
    by = {r["id"]: r for r in rows}
    # the synthetic city is 0.2% of Shanghai: its absolute goals are compared at that scale
    assert by["T002-11"]["scale"] == 0.002
    assert by["T002-11"]["target"] == pytest.approx(1.5e12 * 0.002)
    assert by["T002-09"]["target"] == 0.25  # a growth rate is never scaled
    dec = read.wide(home, date(2024, 12, 31), area="green", dimension="city").to_pylist()
    green = next(r for r in dec if r["sub_area"] == "total")
    assert by["T002-11"]["current"] == pytest.approx(float(green["balance"]))
    assert by["T002-11"]["as_of"] == "2024-12-31"
    assert by["T002-11"]["status"] in ("met", "missed")
    assert by["T001-06"]["status"] == "no_data"          # entered, nothing entered yet
    assert by["T001-01"]["status"] == "too_few_data"     # only the document's 2020 baseline


def test_targets_as_of_mid_year_projects_to_the_deadline(city: tuple[Home, dict]) -> None:
    home, _ = city
    rows = {r["id"]: r for r in json.loads(cli("targets", "--home", str(home.root),
                                                "--as-of", "2024-06", "--format", "json"))}
    green = rows["T002-11"]
    assert green["as_of"] == "2024-06-30" and green["status"] in ("on_track", "off_track")
    assert green["projection_low"] < green["projection"] < green["projection_high"]
    assert 0 <= green["probability"] <= 1
    # the projection is a line through the first seven months: check it independently
    hist = [(p, v) for p, v in progress.measured_history(home, load_one("T002-11"))
            if p <= date(2024, 6, 30)]
    xs = [p.year * 12 + p.month for p, _ in hist]
    ys = [v for _, v in hist]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs)
    assert green["projection"] == pytest.approx(my + b * (2024 * 12 + 12 - mx), rel=1e-9)
    assert green["trend"] == pytest.approx(b, rel=1e-9)
    growth = rows["T002-09"]
    assert growth["current"] is None and growth["projection"] is not None


def load_one(ident: str):
    return next(t for t in load() if t.id == ident)


def test_targets_table_prints(city: tuple[Home, dict]) -> None:
    out = cli("targets", "--home", str(city[0].root))
    assert "T002-11" in out and "T004-01" in out and "scale 0.002" in out


def test_macro_add_list_and_correct(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common.console, "_width", 200)
    h = str(home.root)
    out = cli("macro", "add", "market_turnover", "2.5e15", "--as-of", "2023-12-31",
              "--source", "Shanghai Municipal Financial Office, 2023 statistics", "--home", h)
    assert "entered market_turnover" in out
    cli("macro", "add", "market_turnover", "2.6e15", "--as-of", "2023-12-31",
        "--source", "corrected figure", "--home", h)
    engine = cat.open_catalog(home.catalog_url)
    now = macro.values(engine, "market_turnover")
    assert [(e.value, e.source) for e in now] == [(2.6e15, "corrected figure")]
    assert len(macro.values(engine, "market_turnover", history=True)) == 2
    out = cli("macro", "list", "--home", h, "--history")
    assert "corrected figure" in out and "2023 statistics" in out
    rows = {r["id"]: r for r in json.loads(cli("targets", "--home", h, "--format", "json"))}
    t = rows["T001-01"]
    assert t["current"] == 2.6e15 and t["as_of"] == "2023-12-31"
    assert t["target"] == 2.8e15  # entered figures are the real city's: never scaled
    assert [v for _, v in t["history"]] == [2.2748e15, 2.6e15]
    with engine.connect() as conn:
        actions = [r.action for r in conn.execute(cat.audit.select())]
    assert actions.count("macro_value") == 2


@pytest.mark.parametrize(("args", "message"), [
    (["no_such_thing", "1", "--as-of", "2024-12-31", "--source", "x"],
     "not an entered indicator"),
    (["balance", "1", "--as-of", "2024-12-31", "--source", "x"], "not an entered indicator"),
    (["market_turnover", "1", "--as-of", "2024-13-01", "--source", "x"], "not a date"),
    (["--as-of", "2024-12-31", "--source", "x", "--", "market_turnover", "-1"], "not a yuan"),
    (["direct_financing_national_share", "85", "--as-of", "2024-12-31", "--source", "x"],
     "between 0 and 1"),
    (["market_turnover", "1", "--as-of", "2024-12-31", "--source", "  "], "needs its source"),
])
def test_macro_add_refuses_bad_input(home: Home, args: list[str], message: str) -> None:
    code, out = invoke("macro", "add", "--home", str(home.root), *args)
    assert code == 2 and message in " ".join(out.split())
    assert macro.values(cat.open_catalog(home.catalog_url)) == []


def test_report_xlsx_reads_back(city: tuple[Home, dict], tmp_path: Path) -> None:
    home, _ = city
    out = tmp_path / "r.xlsx"
    cli("report", "--period", "2024-12", "--format", "xlsx", "--out", str(out),
        "--home", str(home.root))
    wb = load_workbook(out)
    assert {"Summary", "sci_tech", "green", "inclusive", "pension", "digital",
            "Targets"} <= set(wb.sheetnames)
    green = read.wide(home, date(2024, 12, 31), area="green", dimension="city").to_pylist()
    want = float(next(r for r in green if r["sub_area"] == "total")["balance"]) / 1e8
    cells = [c.value for row in wb["Summary"].iter_rows() for c in row
             if isinstance(c.value, float)]
    assert any(abs(v - want) < 1e-6 for v in cells)
    ids = {c.value for row in wb["Targets"].iter_rows() for c in row}
    assert {t.id for t in load()} <= ids
    notes = [c.value for row in wb["Notes"].iter_rows() for c in row]
    assert any("scale 0.002" in str(v) for v in notes)  # the reader is told the goals are scaled


def test_report_sdmx_reads_back_with_sdmx1(city: tuple[Home, dict], tmp_path: Path) -> None:
    home, _ = city
    out = tmp_path / "r.xml"
    cli("report", "--period", "2024-12", "--format", "sdmx", "--out", str(out),
        "--home", str(home.root))
    msg = sdmx.read_sdmx(out)
    obs = [o for ds in msg.data for o in ds.obs]
    longt = read.long(home, date(2024, 12, 31)).to_pylist()
    assert len(obs) == sum(1 for r in longt if r["value"] is not None)
    want = next(r for r in longt if r["area"] == "green" and r["sub_area"] == "total"
                and r["dimension"] == "city" and r["indicator"] == "balance")["value"]
    got = [float(o.value) for sk, series in msg.data[0].series.items()
           for o in series
           if {k: v.value for k, v in sk.values.items()} == {
               "FREQ": "M", "REF_AREA": "CN_SH", "AREA": "green", "SUB_AREA": "total",
               "DIMENSION": "city", "MEMBER": "_T", "INDICATOR": "balance"}]
    assert got == [want]


def test_report_pdf_text(city: tuple[Home, dict], tmp_path: Path) -> None:
    home, _ = city
    out = tmp_path / "r.pdf"
    cli("report", "--period", "2024-12", "--format", "pdf", "--out", str(out),
        "--home", str(home.root))
    reader = PdfReader(out)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "2024-12" in text and "Green finance" in text and "T002-11" in text
    assert "绿色金融" in text  # Chinese is real text, in a font the file carries:
    fonts = {str(f["/BaseFont"]) for p in reader.pages
             for f in p["/Resources"]["/Font"].values()}
    assert any("WenQuanYi" in f for f in fonts), fonts


def test_report_refuses_unknown_format_and_unmeasured_period(city: tuple[Home, dict],
                                                             tmp_path: Path) -> None:
    h = str(city[0].root)
    code, out = invoke("report", "--period", "2024-12", "--format", "docx", "--out",
                       str(tmp_path / "r"), "--home", h)
    assert code == 2 and "unknown format" in out and not (tmp_path / "r").exists()
    code, out = invoke("report", "--period", "2030-01", "--format", "xlsx", "--out",
                       str(tmp_path / "r"), "--home", h)
    assert code == 1 and "not measured" in out and not (tmp_path / "r").exists()


def test_run_period_reclassifies_and_remeasures(home: Home) -> None:
    out = cli("run", "--period", "2024-03", "--home", str(home.root))
    assert "classify" in out and "measure" in out and "2024-03-31" in out
    code, out = invoke("run", "--home", str(home.root))
    assert code == 0 and "nothing to classify" in out
