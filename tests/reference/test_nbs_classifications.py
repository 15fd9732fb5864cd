"""Checks of the shipped NBS elderly-care (2020) and digital-economy (2021) tables: their shape and
counts, agreement with independent copies of the names, the GB/T 4754 link, and that no mapping
we could not verify is claimed (see docs/reference-data.md, "NBS classifications")."""

from __future__ import annotations

from collections import Counter

import pytest

from fiveareas.reference.industry import class_codes
from fiveareas.reference.nbs_classifications import (
    DIGITAL_CORE,
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


def test_digital_counts() -> None:
    table = digital_rows()
    assert Counter(r.category for r in table) == {"01": 6, "02": 5, "03": 5, "04": 7, "05": 9}
    assert len({(r.category, r.mid_name) for r in table}) == 32  # 32 中类, as quoted [C]
    # No 小类 and no GB/T class could be verified (the official table has 156 小类 [C]).
    assert all(not r.small and not r.gbt_class and not r.mid for r in table)


def test_elderly_counts() -> None:
    table = elderly_rows()
    assert len({r.category for r in table}) == 12
    assert len({r.mid for r in table}) == 51
    assert len({r.small for r in table}) == len(table) == 78  # the quoted figure is 79 [C]


def test_elderly_missing_small_is_in_group_092() -> None:
    """A 中类 split into 小类 (codes not ending in 0) needs two or more; only 092 has one."""
    per_mid = Counter(r.mid for r in elderly_rows())
    lonely = {r.mid for r in elderly_rows() if not r.small.endswith("0") and per_mid[r.mid] == 1}
    assert lonely == {"092"}


def test_elderly_code_structure() -> None:
    for r in elderly_rows():
        assert len(r.small) == 4 and r.small.isdigit(), r
        assert r.mid == r.small[:3], r
        assert r.category == "EC" + r.small[:2], r
        assert r.small_name and "-" not in r.small_name, r


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


def test_gbt_classes_exist_in_gbt4754() -> None:
    known = class_codes()
    for r in (*digital_rows(), *elderly_rows()):
        if r.gbt_class:
            assert r.gbt_class in known, r


def test_every_row_says_where_it_came_from() -> None:
    for r in (*digital_rows(), *elderly_rows()):
        assert r.basis.startswith("cat=pboc5a(A)"), r
        assert "gbt=missing" in r.basis, r  # no GB/T class is verified yet


@pytest.mark.parametrize("code", ["3911", "3921", "6513", "6311", "6520", "5292"])
def test_unverified_digital_examples_are_not_claimed(code: str) -> None:
    """definitions.md lists these as examples [C]; no source confirmed them, so none ships."""
    assert digital_of(code) == []


@pytest.mark.parametrize("code", ["8514", "Q8514", "8416", "8512", "6812", "6840"])
def test_unverified_elderly_examples_are_not_claimed(code: str) -> None:
    assert elderly_of(code) == []


def test_class_map_is_empty_until_mappings_are_verified() -> None:
    assert class_map("digital_2021") == []
    assert class_map("elderly_2020") == []
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
