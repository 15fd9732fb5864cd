"""Checks of the enterprise size standard tables: thresholds as printed in 工信部联企业〔2011〕300号
(via PBoC A3302), one sector for every GB/T 4754-2017 class, agreement with a second transcription
of the NBS 2017 table, and the size rule's test cases (rules/cases/size.yaml) against the tables."""

from __future__ import annotations

import csv
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

from fiveareas.reference.industry import class_codes, lookup
from fiveareas.reference.size_standard import (
    SEPARATELY_SIZED,
    SIZES,
    UNLISTED,
    WAN,
    Bounds,
    class_sectors,
    defaulted_classes,
    editions,
    schemes,
    sector_name,
    sector_of,
    thresholds,
)
from fiveareas.reference.uscc import is_valid

DATA = Path(__file__).parent / "data"
EDITION = "miit_2011_300"
SCHEME = "nbs_2017_213"
LOWER = {"large": "medium", "medium": "small", "small": "micro"}
FIELDS = {"employees_min": "employees", "revenue_min": "operating_revenue",
          "assets_min": "total_assets"}  # fmt: skip

# The sectors of 300号 第三条, in its order, as the shipped ids and the names the text prints.
SECTORS = {
    "agriculture": "农、林、牧、渔业", "industry": "工业", "construction": "建筑业",
    "wholesale": "批发业", "retail": "零售业", "transport": "交通运输业", "warehousing": "仓储业",
    "postal": "邮政业", "accommodation": "住宿业", "catering": "餐饮业",
    "information_transmission": "信息传输业", "software_it": "软件和信息技术服务业",
    "real_estate_development": "房地产开发经营", "property_management": "物业管理",
    "leasing_business_services": "租赁和商务服务业", "other": "其他未列明行业",
}  # fmt: skip


def _second_source() -> list[dict[str, str]]:
    lines = (DATA / "size_second_source.csv").read_text(encoding="utf-8").splitlines()
    return list(csv.DictReader(line for line in lines if not line.startswith("#")))


def _classes_under(code: str) -> set[str]:
    node = lookup(code)
    assert node is not None, code
    if node.level == "section":
        return {c for c in class_codes() if lookup(c).section == code}  # type: ignore[union-attr]
    return {c for c in class_codes() if c.startswith(code)}


# --- editions, schemes, thresholds -------------------------------------------------------------


def test_what_ships() -> None:
    assert editions() == (EDITION,)
    assert schemes() == (SCHEME,)
    with pytest.raises(KeyError):
        thresholds("miit_2099")
    with pytest.raises(KeyError):
        sector_of("3011", "nbs_2099")


def test_sixteen_sectors_three_sizes() -> None:
    table = thresholds(EDITION)
    assert list(table) == list(SECTORS)
    for sector, rows in table.items():
        assert tuple(rows) == SIZES, sector
        assert sector_name(sector) == SECTORS[sector]
    assert UNLISTED in table and sector_name(UNLISTED) == "其他未列明行业"


@pytest.mark.parametrize(
    ("sector", "size", "bounds"),
    [  # as printed in 300号 第四条, converted from 万元 to yuan
        ("industry", "large", Bounds(1000, 400_000_000, None)),
        ("industry", "small", Bounds(20, 3_000_000, None)),
        ("agriculture", "small", Bounds(None, 500_000, None)),
        ("construction", "medium", Bounds(None, 60_000_000, 50_000_000)),
        ("wholesale", "small", Bounds(5, 10_000_000, None)),
        ("information_transmission", "large", Bounds(2000, 1_000_000_000, None)),
        ("software_it", "small", Bounds(10, 500_000, None)),
        ("real_estate_development", "large", Bounds(None, 2_000_000_000, 100_000_000)),
        ("real_estate_development", "small", Bounds(None, 1_000_000, 20_000_000)),
        ("property_management", "small", Bounds(100, 5_000_000, None)),
        ("leasing_business_services", "large", Bounds(300, None, 1_200_000_000)),
        ("other", "medium", Bounds(100, None, None)),
    ],
)
def test_thresholds_as_printed(sector: str, size: str, bounds: Bounds) -> None:
    assert thresholds(EDITION)[sector][size] == bounds


def test_bounds_shape() -> None:
    """Each sector uses the same indicators for every size, and bounds fall from large to small."""
    for sector, rows in thresholds(EDITION).items():
        used = {f for f in FIELDS if getattr(rows["large"], f) is not None}
        assert 1 <= len(used) <= 2, sector
        for size in SIZES:
            assert {f for f in FIELDS if getattr(rows[size], f) is not None} == used, sector
        for f in used:
            values = [getattr(rows[s], f) for s in SIZES]
            assert values == sorted(values, reverse=True) and len(set(values)) == 3, (sector, f)
            if f != "employees_min":
                assert all(v % WAN == 0 for v in values), (sector, f)


def test_thresholds_match_second_source() -> None:
    other = {(r["name_zh"], r["size"]): r for r in _second_source()}
    mine = thresholds(EDITION)
    assert len(other) == len(mine) * len(SIZES)
    for sector, rows in mine.items():
        for size, b in rows.items():
            r = other[(sector_name(sector), size)]
            assert b == Bounds(
                int(r["employees_min"]) if r["employees_min"] else None,
                int(r["revenue_min_wan"]) * WAN if r["revenue_min_wan"] else None,
                int(r["assets_min_wan"]) * WAN if r["assets_min_wan"] else None,
            ), (sector, size)


# --- sectors of the classes --------------------------------------------------------------------


def test_every_class_has_exactly_one_sector() -> None:
    pairs = class_sectors(SCHEME)
    codes = [c for c, _ in pairs]
    assert len(pairs) == len(class_codes()) == 1381
    assert len(set(codes)) == len(codes) and set(codes) == class_codes()
    allowed = set(thresholds(EDITION)) | set(SEPARATELY_SIZED)
    assert {s for _, s in pairs} == allowed  # every sector has classes, nothing else appears
    assert all(sector_of(c, SCHEME) == s for c, s in pairs)


@pytest.mark.parametrize(
    ("code", "sector"),
    [
        ("6513", "software_it"), ("6520", "software_it"), ("5211", "retail"),
        ("5292", "retail"), ("5111", "wholesale"), ("4411", "industry"),
        ("0610", "industry"), ("3911", "industry"), ("0111", "agriculture"),
        ("0511", "agriculture"), ("4710", "construction"), ("5431", "transport"),
        ("5821", "transport"), ("5910", "transport"), ("5920", "warehousing"),
        ("6020", "postal"), ("6110", "accommodation"), ("6210", "catering"),
        ("6311", "information_transmission"), ("6421", "information_transmission"),
        ("7010", "real_estate_development"), ("7020", "property_management"),
        ("7030", "other"), ("7090", "other"), ("7111", "leasing_business_services"),
        ("7224", "leasing_business_services"), ("7310", "other"), ("8514", "other"),
        ("9011", "other"), ("6621", "finance"), ("6631", "finance"),
    ],
)  # fmt: skip
def test_spot_checks(code: str, sector: str) -> None:
    assert sector_of(code, SCHEME) == sector
    assert sector_of(f" {code} ", SCHEME) == sector


def test_railway_is_not_transport() -> None:
    """300号 第三条: 交通运输业（不含铁路运输业）; A3302 三（五）: railways use 其他未列明行业."""
    railway = _classes_under("53")
    assert railway and {sector_of(c, SCHEME) for c in railway} == {UNLISTED}
    assert railway <= defaulted_classes(SCHEME)
    assert {sector_of(c, SCHEME) for c in _classes_under("54")} == {"transport"}


def test_unmatched_classes_default_to_other() -> None:
    """Classes no row places are sized as 其他未列明行业: railways (excluded from 交通运输业),
    房地产租赁经营 (excluded from 其他未列明 by the NBS note, placed nowhere), 教育, 卫生,
    公共管理 and 国际组织 (outside the NBS table); A3302 三（五） sizes them by that row."""
    expected = set().union(*(_classes_under(c) for c in ("53", "7040", "P", "84", "S", "T")))
    assert defaulted_classes(SCHEME) == expected
    assert {sector_of(c, SCHEME) for c in expected} == {UNLISTED}
    placed_other = {c for c, s in class_sectors(SCHEME) if s == UNLISTED} - expected
    assert placed_other and placed_other.isdisjoint(defaulted_classes(SCHEME))


def test_finance_is_sized_elsewhere() -> None:
    finance = {c for c, s in class_sectors(SCHEME) if s == "finance"}
    assert finance == _classes_under("J")
    assert "finance" not in thresholds(EDITION) and "309号" in SEPARATELY_SIZED["finance"]


def test_unknown_codes() -> None:
    for bad in ("9999", "65", "651", "I", ""):
        with pytest.raises(KeyError):
            sector_of(bad, SCHEME)


def test_sectors_match_second_source() -> None:
    """Every class under a code the transcription prints for a row is in that row's sector."""
    ids = {name: sector for sector, name in SECTORS.items()}
    # The transcription lists 59 for 仓储业 but, in words, puts 装卸搬运 (591) in 交通运输业.
    known = {"5910"}
    seen: set[str] = set()
    for row in _second_source():
        for code in row["codes"].split():
            for c in _classes_under(code):
                seen.add(c)
                if c not in known:
                    assert sector_of(c, SCHEME) == ids[row["name_zh"]], (code, c)
    assert sector_of("5910", SCHEME) == "transport"
    # Not printed by the transcription: 铁路 53, 7040 (excluded by its note), J, P, S, T.
    assert class_codes() - seen == _classes_under("J") | (
        defaulted_classes(SCHEME) - _classes_under("84")
    )


def test_cached() -> None:
    assert thresholds(EDITION) is thresholds(EDITION)
    assert class_sectors(SCHEME) == class_sectors(SCHEME)


# --- the size rule's test cases ----------------------------------------------------------------

CASE_KEYS = {"name", "date", "counterparty", "expected"}
FIGURES = ("employees", "operating_revenue", "total_assets")


def _cases() -> list[dict[str, Any]]:
    text = files("fiveareas.rules").joinpath("cases/size.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _size(cp: dict[str, Any]) -> str | None:
    """Reference answer from the tables: the largest size whose every lower bound is met."""
    if cp["counterparty_type"] == "person":
        return None
    rows = thresholds(EDITION)[sector_of(cp["industry_code"], SCHEME)]
    for size in SIZES:
        b = rows[size]
        if all(getattr(b, f) is None or cp[x] >= getattr(b, f) for f, x in FIELDS.items()):
            return size
    return "micro"


def test_cases_shape() -> None:
    cases = _cases()
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names))
    kinds = set()
    for c in cases:
        assert set(c) == CASE_KEYS, c["name"]
        cp = c["counterparty"]
        kinds.add(cp["counterparty_type"])
        assert (
            re.fullmatch(r"[0-9]{4}", cp["industry_code"]) and cp["industry_code"] in class_codes()
        )
        assert isinstance(cp["employees"], int) and cp["employees"] >= 0
        assert all(isinstance(cp[f], int | float) and cp[f] >= 0 for f in FIGURES[1:])
        assert c["expected"]["size_class"] in (*SIZES, "micro", None)
        if cp["counterparty_type"] == "person":
            assert re.fullmatch(r"P[0-9A-F]{17}", cp["counterparty_id"])
        else:
            assert is_valid(cp["counterparty_id"]), c["name"]
            prefix = "91" if cp["counterparty_type"] == "enterprise" else "92"
            assert cp["counterparty_id"].startswith(prefix)
    assert kinds == {"enterprise", "individual_business", "person"}


def test_cases_agree_with_tables() -> None:
    for c in _cases():
        assert c["expected"]["size_class"] == _size(c["counterparty"]), c["name"]
        assert (
            c["counterparty"]["counterparty_type"] != "person"
            or c["expected"]["size_class"] is None
        )


def test_cases_cover_every_bound_on_both_sides() -> None:
    cases = [c for c in _cases() if c["counterparty"]["counterparty_type"] != "person"]
    for sector, rows in thresholds(EDITION).items():
        mine = [c for c in cases if sector_of(c["counterparty"]["industry_code"], SCHEME) == sector]
        for size, b in rows.items():
            for f, x in FIELDS.items():
                bound = getattr(b, f)
                if bound is None:
                    continue
                unit = 1 if f == "employees_min" else 0.01
                at = [
                    c
                    for c in mine
                    if c["counterparty"][x] == bound and c["expected"]["size_class"] == size
                ]
                below = [
                    c
                    for c in mine
                    if abs(c["counterparty"][x] - (bound - unit)) < 1e-6
                    and c["expected"]["size_class"] == LOWER[size]
                ]
                assert at and below, (sector, size, f)


def test_cases_include_drop_a_class_and_micro_by_one() -> None:
    dropped = micro_by_one = 0
    for c in _cases():
        cp, size = c["counterparty"], c["expected"]["size_class"]
        if cp["counterparty_type"] == "person":
            continue
        rows = thresholds(EDITION)[sector_of(cp["industry_code"], SCHEME)]
        large = rows["large"]
        met = [
            f
            for f, x in FIELDS.items()
            if getattr(large, f) is not None and cp[x] >= getattr(large, f)
        ]
        if met and size in ("medium", "small", "micro"):
            dropped += 1
        small = rows["small"]
        if size == "micro" and any(
            getattr(small, f) is not None and cp[x] >= 2 * getattr(small, f)
            for f, x in FIELDS.items()
        ):
            micro_by_one += 1
    assert dropped >= 5 and micro_by_one >= 5
