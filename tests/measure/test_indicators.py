"""The engine's indicators against an independent computation in pandas, over a small city.

The city is generated, collected, classified and measured by the real commands; the
independent side reads the same lake files with pandas and recomputes every cell with plain
group-bys, and the generator's own reading of the area totals is checked too.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from fiveareas.cli import app
from fiveareas.measure import job, read
from fiveareas.measure.cube import MEASURES
from fiveareas.reference.industry import class_table
from fiveareas.store import catalog as cat
from fiveareas.store import lake
from fiveareas.store.home import Home
from fiveareas.store.submissions import current
from tests.city import cli

PERIODS = [read.month_end(2023, 12)] + [read.month_end(2024, m) for m in range(1, 13)]


def lake_frames(home: Home, period: date) -> dict[str, pd.DataFrame]:
    """The period's inputs as pandas frames, read straight from the lake's files."""
    with cat.open_catalog(home.catalog_url).connect() as conn:
        subs = current(conn, period=period)
        register = current(conn, kind="register")

    def frame(dataset: str, rows: list) -> pd.DataFrame:
        """Each submission's files, with its institution (a partition folder, not a column)."""
        return pd.concat([pq.read_table(f).to_pandas().assign(institution_id=r.institution_id)
                          if r.institution_id else pq.read_table(f).to_pandas()
                          for r in rows for f in lake.files(home, dataset, [r])])

    tags = pd.concat(pq.read_table(f).to_pandas()
                     for f in lake.derived(home, "tags", period).glob("*.parquet"))
    return {"loans": frame("loan", subs), "parties": frame("counterparty", subs),
            "register": frame("institution", register), "tags": tags}


def independent(home: Home, period: date) -> pd.DataFrame:
    """Every cell of the period's cube, computed with pandas alone."""
    f = lake_frames(home, period)
    loans, parties, reg, tags = f["loans"], f["parties"], f["register"], f["tags"]
    parties = parties[["institution_id", "counterparty_id", "counterparty_type",
                       "district_code", "industry_code"]]
    t = loans.merge(parties, on=["institution_id", "counterparty_id"], how="left")
    t = t.merge(reg[["institution_id", "institution_type"]], on="institution_id", how="left")
    sections = class_table().to_pandas().set_index("code")["section"]
    industry = t.purpose_industry_code.fillna(t.industry_code)
    t["industry_section"] = industry.map(sections)
    t.loc[t.industry_section.isna() & (t.counterparty_type == "person"), "industry_section"] = "_Z"
    t["city"], t["institution"], t["district"] = "_T", t.institution_id, t.district_code
    prev = read.months_back(period, 1)
    t["is_new"] = (t.start_date > prev) & (t.start_date <= period)
    t["bal"] = t.balance.map(Decimal)
    keyed = t.set_index(["institution_id", "loan_id"], drop=False)
    members = [t.assign(area="all", sub_area="total")]
    total = tags[tags.in_total][["institution_id", "loan_id", "area"]].drop_duplicates()
    for area, g in total.groupby("area"):
        members.append(keyed.loc[list(zip(g.institution_id, g.loan_id, strict=True))]
                       .assign(area=area, sub_area="total"))
    subs = tags[["institution_id", "loan_id", "area", "sub_area"]].drop_duplicates()
    for (area, sub), g in subs.groupby(["area", "sub_area"]):
        members.append(keyed.loc[list(zip(g.institution_id, g.loan_id, strict=True))]
                       .assign(area=area, sub_area=sub))
    m = pd.concat(members, ignore_index=True)
    rows = []
    for dim in ("city", "institution_type", "institution", "district", "industry_section"):
        for (area, sub, member), g in m.groupby(["area", "sub_area", dim]):
            new = g[g.is_new]
            first = new[new.first_loan & new.counterparty_type.isin(
                ["enterprise", "individual_business"])]
            renewed = new[new.renewal == "seamless"]
            rows.append({
                "area": area, "sub_area": sub, "dimension": dim, "member": member,
                "balance": sum(g.bal, Decimal(0)), "loans": len(g),
                "borrowers": g.counterparty_id.nunique(),
                "new_lending": sum(new.bal, Decimal(0)), "new_loans": len(new),
                "first_time_borrowers": first.counterparty_id.nunique(),
                "renewal_amount": sum(renewed.bal, Decimal(0)), "renewal_count": len(renewed),
                "rate_weighted": float((g.balance.astype(float) * g.interest_rate).sum()),
                "npl_balance": sum(g[g.quality.isin(["substandard", "doubtful", "loss"])].bal,
                                   Decimal(0)),
            })
    return pd.DataFrame(rows).set_index(["area", "sub_area", "dimension", "member"]).sort_index()


def engine_cells(home: Home, period: date) -> pd.DataFrame:
    w = read.wide(home, period).to_pandas()
    return w.set_index(["area", "sub_area", "dimension", "member"]).sort_index()


@pytest.mark.parametrize("period", [date(2023, 12, 31), date(2024, 6, 30)])
def test_every_cell_agrees_with_pandas(city: tuple[Home, dict], period: date) -> None:
    home, _ = city
    mine, theirs = engine_cells(home, period), independent(home, period)
    assert list(mine.index) == list(theirs.index)
    for col in MEASURES:
        if col == "rate_weighted":
            assert mine[col].astype(float).to_numpy() == pytest.approx(
                theirs[col].to_numpy(), rel=1e-9)
        elif col in ("balance", "new_lending", "renewal_amount", "npl_balance"):
            assert [Decimal(str(v)) for v in mine[col]] == list(theirs[col]), col
        else:
            assert mine[col].astype(int).tolist() == theirs[col].astype(int).tolist(), col


def test_area_totals_equal_the_generators_reading(city: tuple[Home, dict]) -> None:
    home, manifest = city
    for p in manifest["periods"]:
        period = date.fromisoformat(p["period"])
        w = engine_cells(home, period).xs(("city", "_T"), level=("dimension", "member"))
        totals = p["totals"]
        assert Decimal(str(w.loc[("sci_tech", "total"), "balance"])) == Decimal(totals["tech_balance"])
        assert Decimal(str(w.loc[("green", "total"), "balance"])) == Decimal(totals["green_balance"])
        assert Decimal(str(w.loc[("inclusive", "total"), "balance"])) == Decimal(
            totals["inclusive_balance"])
        assert Decimal(str(w.loc[("sci_tech", "ip_pledge"), "balance"])) == Decimal(
            totals["ip_pledge_balance"])
        assert int(w.loc[("all", "total"), "first_time_borrowers"]) == totals["first_loans"]
        assert Decimal(str(w.loc[("all", "total"), "renewal_amount"])) == Decimal(
            totals["seamless_renewal_amount"])


def test_growth_and_year_to_date_flows(city: tuple[Home, dict]) -> None:
    home, _ = city
    dec = engine_cells(home, date(2024, 12, 31))
    base = engine_cells(home, date(2023, 12, 31))
    months = [engine_cells(home, p) for p in PERIODS[1:]]
    for key in [("all", "total", "city", "_T"), ("green", "total", "city", "_T"),
                ("sci_tech", "total", "district", "310115")]:
        if key not in base.index:
            continue
        expect = float(dec.loc[key, "balance"]) / float(base.loc[key, "balance"]) - 1
        assert dec.loc[key, "yoy"] == pytest.approx(expect, rel=1e-12)
        assert dec.loc[key, "ytd"] == pytest.approx(expect, rel=1e-12)  # December: same base
        flows = sum(Decimal(str(m.loc[key, "renewal_amount"])) for m in months
                    if key in m.index)
        assert Decimal(str(dec.loc[key, "renewal_amount_ytd"])) == flows
    june = engine_cells(home, date(2024, 6, 30))
    key = ("all", "total", "city", "_T")
    assert june.loc[key, "yoy"] is None or pd.isna(june.loc[key, "yoy"])  # 2023-06 not there
    assert june.loc[key, "ytd"] == pytest.approx(
        float(june.loc[key, "balance"]) / float(base.loc[key, "balance"]) - 1)
    assert int(june.loc[key, "first_time_borrowers_ytd"]) == sum(
        int(m.loc[key, "first_time_borrowers"]) for m in months[:6])


def test_ratios(city: tuple[Home, dict]) -> None:
    home, _ = city
    c = engine_cells(home, date(2024, 12, 31)).loc[("all", "total", "city", "_T")]
    assert c["npl_ratio"] == pytest.approx(float(c["npl_balance"]) / float(c["balance"]))
    assert c["rate"] == pytest.approx(c["rate_weighted"] / float(c["balance"]))
    assert 0 < c["npl_ratio"] < 0.2 and 1 < c["rate"] < 15


def test_long_format_has_every_indicator_with_its_unit(city: tuple[Home, dict]) -> None:
    home, _ = city
    t = read.long(home, date(2024, 12, 31), area="green", dimension="city").to_pylist()
    names = {r["indicator"] for r in t}
    assert {"balance", "yoy", "npl_ratio", "renewal_amount_ytd", "rate"} <= names
    assert "rate_weighted" not in names
    units = {r["indicator"]: r["unit"] for r in t}
    assert units["balance"] == "yuan" and units["npl_ratio"] == "ratio"
    assert units["rate"] == "percent" and units["borrowers"] == "count"
    assert all(r["area"] == "green" and r["dimension"] == "city" for r in t)


def test_member_names(city: tuple[Home, dict]) -> None:
    home, _ = city
    w = engine_cells(home, date(2024, 12, 31))
    names = dict(zip(w.index.get_level_values("member"), w.member_name, strict=True))
    assert names["310115"] == "浦东新区"
    assert names["C"] == "制造业"
    assert names["_T"].startswith("全市")


def test_unmeasured_period_is_a_clear_error(city: tuple[Home, dict]) -> None:
    home, _ = city
    with pytest.raises(LookupError, match="2025-01-31 is not measured"):
        read.wide(home, date(2025, 1, 31))
    result = CliRunner().invoke(app, ["indicators", "--period", "2025-01", "--home",
                                      str(home.root)])
    assert result.exit_code == 1 and "not measured" in result.output


def test_resubmission_restates_growth_from_current_versions(
        city: tuple[Home, dict], tmp_path: Path) -> None:
    """Supersede one bank's December 2023: the 2024 growth moves by exactly its change."""
    home_src, _ = city
    home = Home.resolve(tmp_path / "home")
    shutil.copytree(home_src.root, home.root, dirs_exist_ok=True)
    base_before = engine_cells(home, date(2023, 12, 31)).loc[("all", "total", "city", "_T")]
    with cat.open_catalog(home.catalog_url).connect() as conn:
        sub = current(conn, period=date(2023, 12, 31))[0]
    folder = tmp_path / "fix" / sub.institution_id
    folder.mkdir(parents=True)
    loans = pq.read_table(lake.files(home, "loan", [sub])[0]).to_pandas()
    parties = pq.read_table(lake.files(home, "counterparty", [sub])[0]).to_pandas()
    first = loans.index[0]
    added = Decimal("1000000.00")
    loans["balance"] = loans["balance"].astype(object)
    loans.loc[first, "balance"] = Decimal(str(loans.loc[first, "balance"])) + added
    loans.loc[first, "over_line"] = True
    loans.drop(columns=[c for c in ("institution", "submission") if c in loans]).to_parquet(
        folder / "loans.parquet")
    parties.drop(columns=[c for c in ("institution", "submission", "period") if c in parties]
                 ).to_parquet(folder / "counterparties.parquet")
    cli("run", str(folder), "--home", str(home.root))
    assert job.state(home, date(2023, 12, 31)) == "current"
    after = engine_cells(home, date(2023, 12, 31)).loc[("all", "total", "city", "_T")]
    assert Decimal(str(after["balance"])) == Decimal(str(base_before["balance"])) + added
    dec = engine_cells(home, date(2024, 12, 31)).loc[("all", "total", "city", "_T")]
    assert dec["yoy"] == pytest.approx(float(dec["balance"]) / float(after["balance"]) - 1,
                                       rel=1e-12)
    mine, theirs = engine_cells(home, date(2023, 12, 31)), independent(home, date(2023, 12, 31))
    assert [Decimal(str(v)) for v in mine["balance"]] == list(theirs["balance"])


def test_stale_when_reclassified(city: tuple[Home, dict], tmp_path: Path) -> None:
    home = Home.resolve(tmp_path / "home")
    shutil.copytree(city[0].root, home.root, dirs_exist_ok=True)
    assert job.state(home, date(2024, 3, 31)) == "current"
    cli("classify", "--period", "2024-03", "--home", str(home.root))
    assert job.state(home, date(2024, 3, 31)) == "stale"
    cli("measure", "--period", "2024-03", "--home", str(home.root))
    assert job.state(home, date(2024, 3, 31)) == "current"
    assert job.state(home, date(2026, 3, 31)) == "none"
    doc = json.loads((lake.derived(home, "indicators", date(2024, 3, 31)) / "manifest.json")
                     .read_text("utf-8"))
    assert doc["loans"] > 0 and doc["period"] == "2024-03-31"
