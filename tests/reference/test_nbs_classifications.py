"""Checks of the shipped NBS elderly-care (2020) and digital-economy (2021) tables: their shape and
counts against the official figures, names against independent copies, the GB/T 4754 link and its
expansion, and agreement with the second source (see docs/reference-data.md, "NBS
classifications")."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from fiveareas.reference.industry import class_codes, industries
from fiveareas.reference.nbs_classifications import (
    DIGITAL_CORE,
    ClassRow,
    _of,
    _parse,
    class_map,
    digital_of,
    digital_rows,
    elderly_of,
    elderly_rows,
    rows,
)

HEADER = "category,category_name,mid,mid_name,small,small_name,gbt_class,partial,basis"
SECOND_SOURCE = Path(__file__).parent / "data" / "nbs_classifications_second_source.csv"

# PBoC-5A spec (2025-01-24) §3.7 field 10 and §3.9 fields 11/12, read from the PDF in
# Jingkzhou/urgs@741bfee:urgs-rag/doc_storehouse/ [A]. 05's name is from the same spec (field 12
# "是否数字化效率提升业贷款"); the code "05" is not in the spec.
PBOC_EC = {
    "EC01": "养老照护服务", "EC02": "老年医疗卫生服务", "EC03": "老年健康促进与社会参与",
    "EC04": "老年社会保障", "EC05": "养老教育培训和人力资源服务", "EC06": "养老金融服务",
    "EC07": "养老科技和智慧养老服务", "EC08": "养老公共管理", "EC09": "其他养老服务",
    "EC10": "老年用品及相关产品制造", "EC11": "老年用品及相关产品销售和租赁", "EC12": "养老设施建设",
}  # fmt: skip
PBOC_DE = {
    "01": "数字产品制造业",
    "02": "数字产品服务业",
    "03": "数字技术应用业",
    "04": "数字要素驱动业",
}

# Second source for the 12 大类 and their order: the text of NBS order No. 30 ("本分类将养老产业范围
# 确定为：…等12个大类"), as copied on qinglite.cn/doc/132266f3f71cb64b9 [B].
ORDER30_TEXT = (
    "养老照护服务，老年医疗卫生服务，老年健康促进与社会参与，老年社会保障，养老教育培训和人力资源服务，"
    "养老金融服务，养老科技和智慧养老服务，养老公共管理，其他养老服务，老年用品及相关产品制造，"
    "老年用品及相关产品销售和租赁，养老设施建设"
)

# Second source for the digital 中类 names: the keyword arrays c1..c5 (one per 大类) in
# Ht12137/exel-dealing@7775d040fc2c3f0b5fc5f8a09009b21374171e75:src/main/java/org/example/Main.java.
# Only the entries that are 中类 names were taken; the first array runs two names together
# ("信息安全设备通讯及雷达设备制造") and writes 智能设备制造 as "智能设备".
SECOND_MIDS = {
    "01": "计算机制造 信息安全设备通讯及雷达设备制造 数字媒体设备制造 智能设备 电子元器件及设备制造 "
    "其他数字产品制造业",
    "02": "数字产品批发 数字产品零售 数字产品租赁 数字产品维修 其他数字产品服务业",
    "03": "软件开发 电信、广播电视和卫星传输服务 互联网相关服务 信息技术服务 其他数字技术应用业",
    "04": "互联网平台 互联网批发零售 互联网金融 数字内容与媒体 信息基础设施建设 数据资源与产权交易 "
    "其他数字要素驱动业",
    "05": "智慧农业 智能制造 智能交通 智慧物流 数字金融 数字商贸 数字社会 数字政府 其他数字化效率提升业",
}
ALLOWED_MID_DIFFERENCES = {("01", "智能设备制造")}  # second source abbreviates it to 智能设备

# Classes the shipped table lists by their own 4-digit code but the second source does not tag.
# 030202 广播电视传输服务 = 6321, 6322 in both pyCheck copies; the second source may have read a
# group code "632*" there (its script skips 3-digit codes). Open point in the doc.
ONLY_SHIPPED = {"digital_2021": {"6321", "6322"}, "elderly_2020": set()}


def _second_source() -> list[dict[str, str]]:
    lines = SECOND_SOURCE.read_text("utf-8").splitlines()
    return list(csv.DictReader(line for line in lines if not line.startswith("#")))


def _token(r: ClassRow, key: str) -> str | None:
    for part in r.basis.split(";"):
        if part.startswith(key + "="):
            return part.split("=", 1)[1]
    return None


def _table(name: str) -> tuple[ClassRow, ...]:
    return rows(name)


def test_digital_counts() -> None:
    table = digital_rows()
    smalls = {(r.category, r.small) for r in table}
    mids = {(r.category, r.mid) for r in table}
    assert len({r.category for r in table}) == 5
    assert len(mids) == 32  # 32 中类 [B: two secondary sources, see the doc]
    assert len(smalls) == 156  # 156 小类, the figure quoted for the whole classification [C]
    assert Counter(c for c, _ in mids) == {"01": 6, "02": 5, "03": 5, "04": 7, "05": 9}
    # 04 has 7 中类 and 27 小类 [B: 先进制造业 article series on freewechat.com]
    assert Counter(c for c, _ in smalls) == {"01": 51, "02": 11, "03": 25, "04": 27, "05": 42}


def test_elderly_counts() -> None:
    table = elderly_rows()
    assert len({r.category for r in table}) == 12
    assert len({r.mid for r in table}) == 51
    assert len({r.small for r in table}) == 79  # the quoted figure [C]; the bank list had 78
    assert {r.small_name for r in table if r.mid == "092"} == {"老年司法援助服务", "老年公益公证服务"}


def test_digital_code_structure() -> None:
    for r in digital_rows():
        assert len(r.small) == 6 and r.small.isdigit(), r
        assert r.mid == r.small[:4] and r.category == r.small[:2], r
        assert r.mid_name and r.small_name, r


def test_elderly_code_structure() -> None:
    for r in elderly_rows():
        assert len(r.small) == 4 and r.small.isdigit(), r
        assert r.mid == r.small[:3], r
        assert r.category == "EC" + r.small[:2], r
        assert r.mid_name and r.small_name and "-" not in r.small_name, r


def test_category_names_match_pboc_spec() -> None:
    assert {r.category: r.category_name for r in elderly_rows()} == PBOC_EC
    core = {r.category: r.category_name for r in digital_rows() if r.category in DIGITAL_CORE}
    assert core == PBOC_DE
    assert {r.category_name for r in digital_rows() if r.category == "05"} == {"数字化效率提升业"}


def test_elderly_categories_match_order_30_text() -> None:
    assert [PBOC_EC[f"EC{i:02d}"] for i in range(1, 13)] == ORDER30_TEXT.split("，")


def test_digital_mid_names_match_second_source() -> None:
    differences = set()
    for r in digital_rows():
        if r.mid_name not in SECOND_MIDS[r.category]:
            differences.add((r.category, r.mid_name))
    assert differences == ALLOWED_MID_DIFFERENCES


def test_names_the_pycheck_xlsx_gets_wrong_are_fixed() -> None:
    """The .xlsx copy repeats neighbouring names here; the .xls, the bank list and the second
    source agree on these."""
    names = {r.small: (r.mid_name, r.small_name) for r in (*digital_rows(), *elderly_rows())}
    assert names["020500"] == ("其他数字产品服务业", "其他数字产品服务业")
    assert names["040600"] == ("数据资源与产权交易", "数据资源与产权交易")
    assert names["0341"] == ("老年健康养生服务", "老年养生保健服务")
    assert names["0342"] == ("老年健康养生服务", "老年心理健康服务")


def test_gbt_classes_exist_in_gbt4754() -> None:
    known = class_codes()
    for r in (*digital_rows(), *elderly_rows()):
        assert r.gbt_class in known or (not r.gbt_class and r.partial is None), r


def test_one_row_per_small_and_class() -> None:
    for name in ("digital_2021", "elderly_2020"):
        keys = [(r.small, r.gbt_class) for r in _table(name)]
        assert len(keys) == len(set(keys)), name


def test_smalls_without_a_class() -> None:
    assert {r.small for r in digital_rows() if not r.gbt_class} == {"020500", "030502", "040504"}
    assert all(r.gbt_class for r in elderly_rows())


def test_digital_05_is_all_partial_and_core_mostly_whole() -> None:
    assert {r.partial for r in digital_rows() if r.category == "05"} == {True}
    core = Counter(r.partial for r in digital_rows() if r.category in DIGITAL_CORE and r.gbt_class)
    assert core == {False: 116, True: 15}
    whole = {(r.small, r.gbt_class) for r in elderly_rows() if r.partial is False}
    assert whole == {("0411", "9411"), ("0621", "6812"), ("0629", "6840")}


def test_expansions_are_exactly_the_classes_under_the_printed_code() -> None:
    under: dict[str, set[str]] = defaultdict(set)
    for node in industries():
        if node.level == "class":
            for key in (node.section, node.code[:2], node.code[:3]):
                under[key].add(node.code)
    for name in ("digital_2021", "elderly_2020"):
        got: dict[tuple[str, str], set[str]] = defaultdict(set)
        for r in _table(name):
            code = (_token(r, "code") or "").rstrip("*")
            if _token(r, "expanded") is not None:
                assert _token(r, "expanded") == code, r
                got[(r.small, code)].add(r.gbt_class)
            elif r.gbt_class:
                assert code == r.gbt_class, r
        assert got, name
        for (small, code), classes in got.items():
            assert classes == under[code], (name, small, code)


def test_printed_codes_of_05_are_coarse() -> None:
    """05 is printed by division or section in the copies; only 050104, 050802 and 050803 list
    4-digit classes (these the second source confirms)."""
    literal = {r.small for r in digital_rows() if r.category == "05" and not _token(r, "expanded")}
    assert literal == {"050104", "050802", "050803"}
    sections = {_token(r, "code") for r in digital_rows() if _token(r, "expanded") in set("BCDEKMNOS")}
    assert sections == {"B*", "C*", "D*", "E*", "K*", "M*", "N*", "O*", "S*"}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # verified in both pyCheck copies and in the second source
        ("3911", [("01", "010101", False), ("05", "050204", True)]),
        ("C3921", [("01", "010201", False), ("05", "050204", True)]),
        ("6513", [("03", "030103", False)]),
        ("6311", [("03", "030201", False)]),
        ("6520", [("03", "030401", False)]),
        ("5292", [("04", "040202", False), ("05", "050602", True)]),
        ("6321", [("03", "030202", False)]),  # pyCheck only (see ONLY_SHIPPED)
        ("9999", []),
    ],
)
def test_digital_spot_checks(code: str, expected: list[tuple[str, str, bool]]) -> None:
    assert digital_of(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # 0231 is in the second source; 0120 and 0130 only in the pyCheck copies (the second source
        # keeps one listing per class)
        ("Q8514", [("EC01", "0120", True), ("EC01", "0130", True), ("EC02", "0231", True)]),
        ("8416", [("EC01", "0130", True), ("EC02", "0231", True)]),
        ("8512", [("EC01", "0130", True)]),
        ("6812", [("EC06", "0621", False)]),
        ("6840", [("EC06", "0629", False)]),
        ("7861", [("EC03", "0330", True)]),  # expanded from 786*
        ("3911", []),
    ],
)
def test_elderly_spot_checks(code: str, expected: list[tuple[str, str, bool]]) -> None:
    assert elderly_of(code) == expected


@pytest.mark.parametrize("name", ["digital_2021", "elderly_2020"])
def test_second_source_listings_are_all_shipped(name: str) -> None:
    shipped = {(r.category, r.small_name, r.gbt_class, r.partial) for r in _table(name)}
    records = [s for s in _second_source() if s["classification"] == name]
    assert len(records) == {"digital_2021": 130, "elderly_2020": 197}[name]
    missing = [
        s
        for s in records
        if (s["category"], s["small_name"], s["gbt_class"], s["partial"] == "yes") not in shipped
    ]
    assert missing == []


@pytest.mark.parametrize("name", ["digital_2021", "elderly_2020"])
def test_second_source_has_every_class_printed_as_a_class(name: str) -> None:
    """Its script reads 4-digit codes only, so the comparison is on classes printed as such."""
    literal = {r.gbt_class for r in _table(name) if r.gbt_class and not _token(r, "expanded")}
    second = {s["gbt_class"] for s in _second_source() if s["classification"] == name}
    assert second <= literal
    assert literal - second == ONLY_SHIPPED[name]


@pytest.mark.parametrize("name", ["digital_2021", "elderly_2020"])
def test_2nd_tokens_agree_with_the_second_source(name: str) -> None:
    second = {s["gbt_class"]: s for s in _second_source() if s["classification"] == name}
    for r in _table(name):
        if not r.gbt_class:
            assert _token(r, "2nd") is None, r
            continue
        s = second.get(r.gbt_class)
        if s is None:
            want = "no"
        elif (s["category"], s["small_name"], s["partial"] == "yes") == (
            r.category,
            r.small_name,
            r.partial,
        ):
            want = "yes"
        else:
            want = "other"
        assert _token(r, "2nd") == want, r


def test_every_row_says_where_it_came_from() -> None:
    for r in (*digital_rows(), *elderly_rows()):
        assert r.basis.startswith("cat=pboc5a(A);src=pycheck(B);mid_name=pycheck"), r
        assert _token(r, "code") is not None, r
        assert ("gbt=missing" in r.basis) == (not r.gbt_class), r
    mids = {r.small: _token(r, "mid_name") for r in digital_rows()}
    assert all("glev" in v for v in mids.values() if v)
    tokens = {r.small: r.basis for r in elderly_rows()}
    assert "banklist=missing" in tokens["0922"]  # not in the bank list: pyCheck only
    assert "banklist=养老教育和技能培训" in tokens["0513"]  # the bank list gives the 中类 name


def test_class_map() -> None:
    cm = class_map("digital_2021")
    assert len(cm) == sum(1 for r in digital_rows() if r.gbt_class)
    assert ("3911", "01", False) in cm and ("3911", "05", True) in cm
    assert ("8514", "EC02", True) in class_map("elderly_2020")
    with pytest.raises(ValueError):
        class_map("digital_2017")
    assert rows("elderly_2020") is elderly_rows()


def test_lookup_on_a_table_with_mappings() -> None:
    table = _parse(
        f"{HEADER}\n"
        "01,数字产品制造业,0101,计算机制造,010101,计算机整机制造,3911,no,test\n"
        "05,数字化效率提升业,0501,智慧农业,050101,智慧种植,0111,yes,test\n"
    )
    assert _of(table, "C3911") == [("01", "010101", False)]
    assert _of(table, " 0111 ") == [("05", "050101", True)]
    assert _of(table, "3912") == []


@pytest.mark.parametrize(
    "line",
    [
        "01,n,,m,,,3911,,test",  # class without partial flag
        "01,n,,m,,,,yes,test",  # partial flag without class
        "01,n,,m,,,3911,maybe,test",  # bad flag
        "01,n,,m,,,,,",  # no basis
    ],
)
def test_parse_rejects_inconsistent_rows(line: str) -> None:
    with pytest.raises(ValueError):
        _parse(f"{HEADER}\n{line}\n")


def test_parse_rejects_wrong_columns() -> None:
    with pytest.raises(ValueError):
        _parse("code,name\n01,x\n")
