"""GB/T 4754-2017 national industry classification (国民经济行业分类), as a lookup table.

Loan reports carry the borrower's industry as a 4-digit class code; the five-areas rules and the
PBoC loan-by-industry returns work on classes, groups, divisions and sections of this standard.
The table ships as data (`data/gbt4754_2017.csv`, one row per node of the four-level tree, in the
standard's order); where it comes from and how it was checked is in docs/reference-data.md.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow

LEVELS = ("section", "division", "group", "class")


@dataclass(frozen=True)
class Industry:
    """One node of the tree. `section` is the letter (A..T) the node belongs to."""

    code: str
    level: str
    parent: str | None
    name_zh: str
    section: str


@cache
def industries() -> tuple[Industry, ...]:
    """Every node, sections to classes, in the standard's order (read once, then cached)."""
    text = files("fiveareas.reference").joinpath("data/gbt4754_2017.csv").read_text("utf-8")
    out: list[Industry] = []
    section = ""
    for row in csv.DictReader(text.splitlines()):
        if row["level"] not in LEVELS:
            raise ValueError(f"unknown level {row['level']!r} for code {row['code']!r}")
        if row["level"] == "section":
            section = row["code"]
        out.append(
            Industry(row["code"], row["level"], row["parent"] or None, row["name_zh"], section)
        )
    return tuple(out)


@cache
def _by_code() -> dict[str, Industry]:
    return {node.code: node for node in industries()}


@cache
def class_codes() -> frozenset[str]:
    """The 4-digit class codes: the level loan records are coded at."""
    return frozenset(node.code for node in industries() if node.level == "class")


def lookup(code: str) -> Industry | None:
    """The node for `code` (a section letter or 2-, 3- or 4-digit code), or None if unknown."""
    return _by_code().get(code.strip().upper())


def section_of(code: str) -> str:
    """The section letter of any known code, e.g. '3911' -> 'C'. KeyError if unknown."""
    node = lookup(code)
    if node is None:
        raise KeyError(code)
    return node.section


def class_table() -> pyarrow.Table:
    """The classes with their group, division and section, for joins in SQL engines."""
    import pyarrow as pa

    rows = [node for node in industries() if node.level == "class"]
    groups = [str(n.parent) for n in rows]
    return pa.table(
        {
            "code": [n.code for n in rows],
            "group": groups,
            "division": [_by_code()[g].parent for g in groups],
            "section": [n.section for n in rows],
            "name_zh": [n.name_zh for n in rows],
        }
    )
