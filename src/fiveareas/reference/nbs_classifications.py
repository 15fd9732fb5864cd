"""NBS industry classifications that PBoC's five-areas returns key on, as lookup tables.

The PBoC-5A spec (2025) defines elderly-care loans by 《养老产业统计分类（2020）》 (NBS order
No. 30; loan codes EC01..EC12) and digital-economy loans by 《数字经济及其核心产业统计分类（2021）》
(NBS order No. 33; DE01..DE04 are the core industries, 05 is reported as a separate flag). Both
classifications re-group GB/T 4754-2017 classes, so a loan's industry class should map to them.

The shipped tables are transcriptions, not the NBS files (docs/reference-data.md, "NBS
classifications"): one row per (小类, GB/T 4754-2017 class), from the two copies in
Azi-lzb/pyCheck, checked against swifthu/industrial_classifi. Codes printed at group, division or
section level ("786*", "01*", "C*") are expanded to their classes, which `basis` records. Three
digital 小类 (020500, 030502, 040504) have no class in any copy and ship with `gbt_class` empty:
their loans cannot be found from the industry class alone. Each row's `basis` says where every
field came from.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from fiveareas.reference.source import table_text

COLUMNS = (
    "category",
    "category_name",
    "mid",
    "mid_name",
    "small",
    "small_name",
    "gbt_class",
    "partial",
    "basis",
)
TABLES = {"digital_2021": "digital_economy_2021.csv", "elderly_2020": "elderly_care_2020.csv"}
# 01-04 are the core industries (数字经济核心产业); 05 数字化效率提升业 is reported as a flag.
DIGITAL_CORE = frozenset({"01", "02", "03", "04"})
_PARTIAL = {"yes": True, "no": False, "": None}


@dataclass(frozen=True)
class ClassRow:
    """One row: a 小类 and at most one of its GB/T classes (a 小类 with several has several rows).

    `partial` is True for a class marked "*" (only part of its activities are in scope), False for
    a whole class, and None when the row carries no GB/T class.
    """

    category: str
    category_name: str
    mid: str
    mid_name: str
    small: str
    small_name: str
    gbt_class: str
    partial: bool | None
    basis: str


def _parse(text: str) -> tuple[ClassRow, ...]:
    """Rows of one table; rejects a file whose shape would make look-ups silently wrong."""
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValueError(f"unexpected columns {reader.fieldnames!r}")
    out: list[ClassRow] = []
    for row in reader:
        if row["partial"] not in _PARTIAL:
            raise ValueError(f"partial must be yes/no/empty, got {row['partial']!r}")
        if bool(row["gbt_class"]) != bool(row["partial"]):
            raise ValueError(f"partial must be given exactly when gbt_class is: {row!r}")
        if not row["basis"]:
            raise ValueError(f"row without basis: {row!r}")
        out.append(ClassRow(**{**row, "partial": _PARTIAL[row["partial"]]}))
    return tuple(out)


@cache
def rows(name: str) -> tuple[ClassRow, ...]:
    """All rows of table `name` ('digital_2021' or 'elderly_2020'), read once and cached."""
    if name not in TABLES:
        raise ValueError(f"unknown classification {name!r}; known: {sorted(TABLES)}")
    return _parse(table_text(TABLES[name]))


def digital_rows() -> tuple[ClassRow, ...]:
    """《数字经济及其核心产业统计分类（2021）》 rows (category '01'..'05')."""
    return rows("digital_2021")


def elderly_rows() -> tuple[ClassRow, ...]:
    """《养老产业统计分类（2020）》 rows (category 'EC01'..'EC12', PBoC's codes)."""
    return rows("elderly_2020")


def _norm(code: str) -> str:
    """'C3911' and ' 3911 ' -> '3911': loan data often prefixes the section letter."""
    code = code.strip().upper()
    return code[1:] if len(code) == 5 and code[0].isalpha() else code


def _of(table: tuple[ClassRow, ...], gbt_class: str) -> list[tuple[str, str, bool]]:
    code = _norm(gbt_class)
    return [
        (r.category, r.small, bool(r.partial)) for r in table if r.gbt_class and r.gbt_class == code
    ]


def digital_of(gbt_class: str) -> list[tuple[str, str, bool]]:
    """(category, small, partial) for every 小类 listing the GB/T class; [] if none lists it."""
    return _of(digital_rows(), gbt_class)


def elderly_of(gbt_class: str) -> list[tuple[str, str, bool]]:
    """(category, small, partial) for every 小类 listing the GB/T class; [] if none lists it."""
    return _of(elderly_rows(), gbt_class)


def class_map(name: str) -> list[tuple[str, str, bool]]:
    """(gbt_class, category, partial) rows for SQL joins; only rows that carry a GB/T class."""
    return [(r.gbt_class, r.category, bool(r.partial)) for r in rows(name) if r.gbt_class]
