"""Checks of the four shipped tech-industry tables (高技术制造业 2017, 高技术服务业 2018, 战略性新兴产业
2018, 知识产权密集型产业 2019): counts against the official figures we could establish, the GB/T
4754-2017 link, category names against the PBoC-5A spec, spot checks, and agreement with an
independent second copy (see docs/reference-data.md, "Technology-related industries")."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from fiveareas.reference.industry import class_codes
from fiveareas.reference.tech_industries import (
    TABLES,
    TechRow,
    _parse,
    categories_of,
    class_map,
    names,
    rows,
)

HEADER = "category,category_name,mid,mid_name,gbt_class,partial,basis"
SECOND = Path(__file__).parent / "data" / "tech_industries_second_source.csv"

# PBoC-5A spec (2025-01-24) §3.1 fields 13, 15, 17 and 19, read from the PDF in
# Jingkzhou/urgs@741bfee:urgs-rag/doc_storehouse/ [A].
PBOC = {
    "HTP01": "医药制造业", "HTP02": "航空、航天器及设备制造业", "HTP03": "电子及通信设备制造业",
    "HTP04": "计算机及办公设备制造业", "HTP05": "医疗仪器设备及仪器仪表制造业",
    "HTP06": "信息化学品制造业",
    "HTS01": "信息服务", "HTS02": "电子商务服务", "HTS03": "检验检测服务",
    "HTS04": "专业技术服务业的高技术服务", "HTS05": "研发与设计服务", "HTS06": "科技成果转化服务",
    "HTS07": "知识产权及相关法律服务", "HTS08": "环境监测及治理服务", "HTS09": "其他高技术服务",
    "SE01": "新一代信息技术产业", "SE02": "高端装备制造产业", "SE03": "新材料产业", "SE04": "生物产业",
    "SE05": "新能源汽车产业", "SE06": "新能源产业", "SE07": "节能环保产业", "SE08": "数字创意产业",
    "SE09": "相关服务业",
    "PA01": "信息通信技术制造业", "PA02": "信息通信技术服务业", "PA03": "新装备制造业",
    "PA04": "新材料制造业", "PA05": "医药医疗产业", "PA06": "环保产业", "PA07": "研发、设计和技术服务业",
}  # fmt: skip

# (categories, 中类, rows with a class, distinct classes). Official figures [B]: HTP 6 大类; HTS 9
# 大类 (only 8 carry classes here, HTS09 is a placeholder); SE 9 大类; PA 7 大类, 31 中类 and 188
# classes. The other figures are the table's own, confirmed by the within-repo copy only.
COUNTS = {
    "hightech_manufacturing_2017": (6, 34, 85, 85),
    "hightech_services_2018": (9, 25, 97, 97),
    "strategic_emerging_2018": (9, 40, 941, 567),
    "patent_intensive_2019": (7, 31, 188, 188),
}


def _tokens(row: TechRow) -> dict[str, str]:
    return dict(t.split("=", 1) for t in row.basis.split(";"))


def _second() -> dict[str, dict[tuple[str, str], bool]]:
    out: dict[str, dict[tuple[str, str], bool]] = {name: {} for name in TABLES}
    lines = [ln for ln in SECOND.read_text("utf-8").splitlines() if not ln.startswith("#")]
    for rec in csv.DictReader(lines):
        out[rec["classification"]][(rec["category"], rec["gbt_class"])] = rec["partial"] == "yes"
    return out


def test_names() -> None:
    assert names() == (
        "hightech_manufacturing_2017",
        "hightech_services_2018",
        "strategic_emerging_2018",
        "patent_intensive_2019",
    )


@pytest.mark.parametrize("name", list(COUNTS))
def test_counts(name: str) -> None:
    table = rows(name)
    mapped = [r for r in table if r.gbt_class]
    counts = (
        len({r.category for r in table}),
        len({(r.category, r.mid) for r in mapped}),
        len(mapped),
        len({r.gbt_class for r in mapped}),
    )
    assert counts == COUNTS[name]


def test_strategic_has_189_small_items() -> None:
    """SE 小类 (x.y.z) are kept in basis; 新材料 微类 (x.y.z.w) roll up to their 小类."""
    items = set()
    for r in rows("strategic_emerging_2018"):
        items |= {".".join(i.split(".")[:3]) for i in _tokens(r)["item"].split("|")}
    assert len(items) == 189


def test_hightech_services_gap_is_explicit() -> None:
    """HTS09 其他高技术服务 is in the PBoC spec and the NBS text, but no copy lists its classes."""
    hts09 = [r for r in rows("hightech_services_2018") if r.category == "HTS09"]
    assert [(r.gbt_class, r.partial, r.basis) for r in hts09] == [
        ("", None, "src=pboc5a(A);gbt=missing")
    ]
    assert all(cat != "HTS09" for _, cat, _ in class_map("hightech_services_2018"))


@pytest.mark.parametrize("name", list(COUNTS))
def test_category_names_match_pboc_spec(name: str) -> None:
    prefix = TABLES[name][1]
    got = {r.category: r.category_name for r in rows(name)}
    assert got == {k: v for k, v in PBOC.items() if k.startswith(prefix)}


@pytest.mark.parametrize("name", list(COUNTS))
def test_gbt_classes_exist_in_gbt4754_2017(name: str) -> None:
    known = class_codes()
    assert {r.gbt_class for r in rows(name) if r.gbt_class} <= known


@pytest.mark.parametrize("name", list(COUNTS))
def test_every_row_says_where_it_came_from(name: str) -> None:
    for r in rows(name):
        tok = _tokens(r)
        if r.gbt_class:
            assert tok["src"] == "pycheck(B)" and tok["2nd"] in {"yes", "no"}, r
            assert ("code" in tok) != ("expanded" in tok), r
        else:
            assert tok == {"src": "pboc5a(A)", "gbt": "missing"}, r


@pytest.mark.parametrize(
    ("name", "code", "expected"),
    [
        # verified in both copies (pyCheck workbook and swifthu json)
        ("hightech_manufacturing_2017", "2710", [("HTP01", "011", False)]),
        ("hightech_manufacturing_2017", "C3963", [("HTP03", "038", False)]),  # 2017-only class
        ("hightech_manufacturing_2017", "4343", [("HTP02", "025", False)]),
        ("hightech_manufacturing_2017", "3474", [("HTP04", "047", False)]),
        ("hightech_manufacturing_2017", "6513", []),
        ("hightech_services_2018", "6930", [("HTS02", "22", True)]),
        ("hightech_services_2018", "8710", [("HTS01", "13", True)]),
        ("hightech_services_2018", " 7520 ", [("HTS07", "71", False)]),
        ("hightech_services_2018", "3741", []),
        ("strategic_emerging_2018", "3919", [("SE01", "1.1", True)]),
        ("strategic_emerging_2018", "3911", [("SE01", "1.1", False)]),
        ("strategic_emerging_2018", "6513", [("SE01", "1.3", True), ("SE01", "1.5", True),
                                             ("SE08", "8.2", True)]),
        ("strategic_emerging_2018", "1711", [("SE07", "7.3", True)]),  # from "17*"
        ("patent_intensive_2019", "3940", [("PA01", "101", False)]),
        ("patent_intensive_2019", "2710", [("PA05", "501", False)]),
        ("patent_intensive_2019", "7310", [("PA07", "701", False)]),
    ],
)  # fmt: skip
def test_spot_checks(name: str, code: str, expected: list[tuple[str, str, bool]]) -> None:
    assert categories_of(name, code) == expected


@pytest.mark.parametrize(
    "name", ["hightech_manufacturing_2017", "hightech_services_2018", "patent_intensive_2019"]
)
def test_second_source_agrees_exactly(name: str) -> None:
    shipped = {(cat, cls): partial for cls, cat, partial in class_map(name)}
    assert shipped == _second()[name]


def test_second_source_strategic() -> None:
    """The second copy misses group/division codes and unstarred 0xxx codes; nothing else."""
    name = "strategic_emerging_2018"
    second = _second()[name]
    shipped = {(cat, cls): partial for cls, cat, partial in class_map(name)}
    for key, partial in second.items():
        assert shipped[key] == partial, key
    missing = {
        (r.category, r.gbt_class) for r in rows(name) if (r.category, r.gbt_class) not in second
    }
    expanded = {(r.category, r.gbt_class) for r in rows(name) if "expanded" in _tokens(r)}
    leading_zero = missing - expanded
    assert leading_zero == {("SE04", c) for c in ("0171", "0179", "0511", "0531", "0541")}
    assert not any(shipped[k] for k in leading_zero)
    assert len(missing) == 131


@pytest.mark.parametrize("name", list(COUNTS))
def test_basis_second_flag_matches_second_source(name: str) -> None:
    second = _second()[name]
    for r in rows(name):
        if r.gbt_class:
            assert (_tokens(r)["2nd"] == "yes") == ((r.category, r.gbt_class) in second), r


def test_class_map_shape_and_cache() -> None:
    cm = class_map("strategic_emerging_2018")
    assert len(cm) == len(set(cm)) == 787
    assert ("3919", "SE01", True) in cm
    assert rows("patent_intensive_2019") is rows("patent_intensive_2019")
    with pytest.raises(ValueError):
        rows("hightech_2013")


def test_class_map_partial_only_if_every_listing_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "strategic_emerging_2018.csv").write_text(
        f"{HEADER}\nSE01,n,1.1,m,3919,yes,t\nSE01,n,1.2,m2,3919,no,t\nSE02,n,2.1,m,3919,yes,t\n",
        "utf-8",
    )
    monkeypatch.setenv("FIVEAREAS_REFERENCE_DIR", str(tmp_path))
    rows.cache_clear()
    try:
        assert class_map("strategic_emerging_2018") == [
            ("3919", "SE01", False),
            ("3919", "SE02", True),
        ]
    finally:
        monkeypatch.delenv("FIVEAREAS_REFERENCE_DIR")
        rows.cache_clear()


@pytest.mark.parametrize(
    "line",
    [
        "HTP01,n,011,m,2710,,t",  # class without partial flag
        "HTP01,n,011,m,,no,t",  # partial flag without class
        "HTP01,n,011,m,2710,maybe,t",  # bad flag
        "HTP01,n,011,m,2710,no,",  # no basis
        "HTP01,n,011,m,C2710,no,t",  # not a 4-digit class
        "HTS01,n,11,m,6311,no,t",  # wrong table prefix
        "HTP01,,011,m,2710,no,t",  # category without name
    ],
)
def test_parse_rejects_inconsistent_rows(line: str) -> None:
    with pytest.raises(ValueError):
        _parse(f"{HEADER}\n{line}\n", "HTP")


def test_parse_rejects_duplicates_and_wrong_columns() -> None:
    with pytest.raises(ValueError):
        _parse(f"{HEADER}\nHTP01,n,011,m,2710,no,t\nHTP01,n,011,m,2710,no,t\n", "HTP")
    with pytest.raises(ValueError):
        _parse("code,name\n01,x\n", "HTP")


def test_operator_copy_overrides_shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "patent_intensive_2019.csv").write_text(
        f"{HEADER}\nPA01,信息通信技术制造业,101,x,3921,no,official\n", "utf-8"
    )
    monkeypatch.setenv("FIVEAREAS_REFERENCE_DIR", str(tmp_path))
    rows.cache_clear()
    try:
        assert class_map("patent_intensive_2019") == [("3921", "PA01", False)]
    finally:
        monkeypatch.delenv("FIVEAREAS_REFERENCE_DIR")
        rows.cache_clear()
    assert len(rows("patent_intensive_2019")) == 188


def test_sections_are_plausible() -> None:
    """HTP is manufacturing only (plus 4343 repair, which GB/T files under C too)."""
    from fiveareas.reference.industry import section_of

    assert Counter(section_of(r.gbt_class) for r in rows("hightech_manufacturing_2017")) == {
        "C": 85
    }
