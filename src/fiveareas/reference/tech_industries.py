"""NBS "technology-related industry" classifications that PBoC's sci-tech loan returns key on.

The PBoC-5A spec (2025) counts as 科技相关产业贷款 the loans whose purpose industry lies in one of
four NBS classifications, each a re-grouping of GB/T 4754-2017 classes:
《高技术产业（制造业）分类（2017）》 (loan codes HTP01..06), 《高技术产业（服务业）分类（2018）》
(HTS01..09), 《战略性新兴产业分类（2018）》 (SE01..09) and 《知识产权（专利）密集型产业统计分类
（2019）》 (PA01..07). A loan's 4-digit industry class must be mapped to these categories.

The tables ship from a secondary transcription checked against a second, independent copy (see
docs/reference-data.md, "Technology-related industries"); `basis` on every row says where it came
from. One row per (category, 中类, GB/T class); `partial` is True for a class the classification
marks "*" (only part of its activities are in scope). A category whose classes are not known has a
single row without a class (HTS09 today): "no match" for it means "not known", not "out of scope".
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from fiveareas.reference.source import table_text

COLUMNS = ("category", "category_name", "mid", "mid_name", "gbt_class", "partial", "basis")
# Table name -> (file, PBoC code prefix). The name is the file name without ".csv".
TABLES = {
    "hightech_manufacturing_2017": ("hightech_manufacturing_2017.csv", "HTP"),
    "hightech_services_2018": ("hightech_services_2018.csv", "HTS"),
    "strategic_emerging_2018": ("strategic_emerging_2018.csv", "SE"),
    "patent_intensive_2019": ("patent_intensive_2019.csv", "PA"),
}
_PARTIAL = {"yes": True, "no": False, "": None}


@dataclass(frozen=True)
class TechRow:
    """One (category, 中类, GB/T class) row.

    `mid` is the classification's own 中类 code (e.g. '011', '1.1', '101'); the finer item codes
    (小类, and 微类 in 新材料) are kept in `basis`. `partial` is None only on a row without a class.
    """

    category: str
    category_name: str
    mid: str
    mid_name: str
    gbt_class: str
    partial: bool | None
    basis: str


def _parse(text: str, prefix: str) -> tuple[TechRow, ...]:
    """Rows of one table; rejects a file whose shape would make look-ups silently wrong."""
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValueError(f"unexpected columns {reader.fieldnames!r}")
    out: list[TechRow] = []
    seen: set[tuple[str, str, str]] = set()
    for row in reader:
        if row["partial"] not in _PARTIAL:
            raise ValueError(f"partial must be yes/no/empty, got {row['partial']!r}")
        if bool(row["gbt_class"]) != bool(row["partial"]):
            raise ValueError(f"partial must be given exactly when gbt_class is: {row!r}")
        if row["gbt_class"] and not (len(row["gbt_class"]) == 4 and row["gbt_class"].isdigit()):
            raise ValueError(f"gbt_class must be a 4-digit GB/T 4754 class: {row!r}")
        if not row["category"].startswith(prefix) or not row["category_name"]:
            raise ValueError(f"category must be a named {prefix}.. code: {row!r}")
        if not row["basis"]:
            raise ValueError(f"row without basis: {row!r}")
        key = (row["category"], row["mid"], row["gbt_class"])
        if key in seen:
            raise ValueError(f"duplicate row {key!r}")
        seen.add(key)
        out.append(TechRow(**{**row, "partial": _PARTIAL[row["partial"]]}))
    return tuple(out)


def names() -> tuple[str, ...]:
    """The four table names, in the order of the PBoC-5A spec's fields."""
    return tuple(TABLES)


@cache
def rows(name: str) -> tuple[TechRow, ...]:
    """All rows of table `name` (see `names()`), read once and cached."""
    if name not in TABLES:
        raise ValueError(f"unknown classification {name!r}; known: {sorted(TABLES)}")
    filename, prefix = TABLES[name]
    return _parse(table_text(filename), prefix)


def _norm(code: str) -> str:
    """'C3911' and ' 3911 ' -> '3911': loan data often prefixes the section letter."""
    code = code.strip().upper()
    return code[1:] if len(code) == 5 and code[0].isalpha() else code


def categories_of(name: str, gbt_class: str) -> list[tuple[str, str, bool]]:
    """(category, mid, partial) for every 中类 of table `name` listing the class; [] if none."""
    code = _norm(gbt_class)
    return [(r.category, r.mid, bool(r.partial)) for r in rows(name) if r.gbt_class == code]


def class_map(name: str) -> list[tuple[str, str, bool]]:
    """(gbt_class, category, partial) pairs for SQL joins, one per category listing the class.

    A class listed under several 中类 of one category is partial only if every listing marks it.
    """
    merged: dict[tuple[str, str], bool] = {}
    for r in rows(name):
        if r.gbt_class:
            key = (r.gbt_class, r.category)
            merged[key] = merged.get(key, True) and bool(r.partial)
    return [(cls, cat, partial) for (cls, cat), partial in merged.items()]
