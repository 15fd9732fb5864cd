"""Shanghai's districts: the current MCA code list, and the codes that no longer exist."""

from __future__ import annotations

from fiveareas.reference.districts import district_codes, districts

CURRENT = {
    "310101": "黄浦区", "310104": "徐汇区", "310105": "长宁区", "310106": "静安区",
    "310107": "普陀区", "310109": "虹口区", "310110": "杨浦区", "310112": "闵行区",
    "310113": "宝山区", "310114": "嘉定区", "310115": "浦东新区", "310116": "金山区",
    "310117": "松江区", "310118": "青浦区", "310120": "奉贤区", "310151": "崇明区",
}
RETIRED = {"310103": "卢湾区", "310108": "闸北区", "310119": "南汇区", "310230": "崇明县"}


def test_the_sixteen_districts() -> None:
    assert {d.code: d.name_zh for d in districts()} == CURRENT
    assert all(d.name_en for d in districts())


def test_retired_codes_are_not_accepted() -> None:
    assert district_codes().isdisjoint(RETIRED)
