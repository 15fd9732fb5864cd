"""Checks of the shipped GB/T 4754-2017 table: shape of the tree, the standard's section ranges,
well-known classes, and agreement with a second, independent copy of the codes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fiveareas.reference.industry import (
    Industry,
    class_codes,
    class_table,
    industries,
    lookup,
    section_of,
)

DATA = Path(__file__).parent / "data"

# Divisions per section, as printed in the standard ("本门类包括01～05大类", ...).
SECTION_RANGES = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50),
    "F": (51, 52), "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69),
    "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79), "O": (80, 82),
    "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97),
}  # fmt: skip

# Counted in every complete copy of the table examined (see docs/reference-data.md); the often
# quoted "1380 小类" is not what the table itself lists.
COUNTS = {"section": 20, "division": 97, "group": 473, "class": 1381}

LENGTH = {"section": 1, "division": 2, "group": 3, "class": 4}
PARENT_LEVEL = {"division": "section", "group": "division", "class": "group"}


def _codes(name: str) -> set[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def by_level(level: str) -> list[Industry]:
    return [n for n in industries() if n.level == level]


def test_counts_per_level() -> None:
    assert Counter(n.level for n in industries()) == COUNTS
    assert len(class_codes()) == COUNTS["class"]


def test_no_duplicate_codes() -> None:
    codes = [n.code for n in industries()]
    assert len(codes) == len(set(codes))


def test_code_shapes() -> None:
    for n in industries():
        assert len(n.code) == LENGTH[n.level], n
        if n.level == "section":
            assert n.code.isascii() and n.code.isupper() and n.parent is None
        else:
            assert n.code.isdigit(), n
        assert n.name_zh and n.name_zh == n.name_zh.strip(), n


def test_parent_chain_and_prefixes() -> None:
    for n in industries():
        if n.level == "section":
            continue
        parent = lookup(n.parent or "")
        assert parent is not None, n
        assert parent.level == PARENT_LEVEL[n.level], n
        assert parent.section == n.section, n
        if n.level != "division":
            assert n.code.startswith(parent.code), n
    for c in by_level("class"):
        group = lookup(c.parent or "")
        division = lookup(group.parent or "") if group else None
        section = lookup(division.parent or "") if division else None
        assert section is not None and section.code == c.section, c


def test_prefix_example() -> None:
    assert lookup("0111") == Industry("0111", "class", "011", "稻谷种植", "A")
    assert lookup("011").parent == "01"  # type: ignore[union-attr]
    assert lookup("01").parent == "A"  # type: ignore[union-attr]


def test_every_group_and_division_has_children() -> None:
    parents = Counter(n.parent for n in industries())
    for n in industries():
        if n.level != "class":
            assert parents[n.code] > 0, n


def test_division_ranges_per_section() -> None:
    for section, (lo, hi) in SECTION_RANGES.items():
        got = sorted(int(d.code) for d in by_level("division") if d.parent == section)
        assert got == list(range(lo, hi + 1)), section
    assert [s.code for s in by_level("section")] == list(SECTION_RANGES)


def test_standard_order() -> None:
    seq = [(n.section, n.code) for n in industries() if n.level != "section"]
    assert seq == sorted(seq)


@pytest.mark.parametrize(
    ("code", "name", "section"),
    [
        ("3911", "计算机整机制造", "C"),
        ("6513", "应用软件开发", "I"),
        ("8514", "老年人、残疾人养护服务", "Q"),
        ("4416", "太阳能发电", "D"),
        ("7224", "供应链管理服务", "L"),
        ("6520", "集成电路设计", "I"),
        ("5292", "互联网零售", "F"),
        ("3741", "飞机制造", "C"),
        ("9700", "国际组织", "T"),
    ],
)
def test_spot_checks(code: str, name: str, section: str) -> None:
    node = lookup(code)
    assert node is not None and node.level == "class"
    assert node.name_zh == name
    assert section_of(code) == section


def test_lookup_and_section_of_edges() -> None:
    assert lookup("9999") is None
    assert lookup(" c ") == lookup("C")
    assert section_of("39") == "C"
    with pytest.raises(KeyError):
        section_of("0000")


def test_cached() -> None:
    assert industries() is industries()


def test_class_table() -> None:
    t = class_table()
    assert t.column_names == ["code", "group", "division", "section", "name_zh"]
    assert t.num_rows == COUNTS["class"]
    rows = {r["code"]: r for r in t.to_pylist()}
    assert rows["3911"] == {
        "code": "3911",
        "group": "391",
        "division": "39",
        "section": "C",
        "name_zh": "计算机整机制造",
    }
    assert set(rows) == class_codes()


# Differences from the second source that are accepted; empty: the code sets agree exactly.
KNOWN_CLASS_DIFFERENCES: set[str] = set()


def test_class_codes_match_second_source() -> None:
    other = _codes("second_source_class_codes.txt")
    assert len(other) == COUNTS["class"]
    assert class_codes() ^ other == KNOWN_CLASS_DIFFERENCES


def test_group_codes_match_second_source() -> None:
    assert {n.code for n in by_level("group")} == _codes("second_source_group_codes.txt")
