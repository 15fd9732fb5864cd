"""Enterprise size standard (企业划型): thresholds per sector, and each industry class's sector.

PBoC statistics size a borrower by 工信部联企业〔2011〕300号《中小企业划型标准规定》: each sector
has lower bounds on employees, operating revenue and/or total assets for large, medium and small
firms. Micro is not a row: a firm below any lower bound of the small row is micro (the text reads
"从业人员20人以下或营业收入300万元以下的为微型企业"). Which GB/T 4754-2017 class belongs to which
sector follows NBS 国统字〔2017〕213号. Both ship as data (`data/size_standard.csv`,
`data/size_sectors.csv`); where they come from is in docs/reference-data.md. This module only
looks values up: computing a size (every bound of a row must be met, else one class down) is
the rules engine's job.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from fiveareas.reference.industry import class_codes, lookup

SIZES = ("large", "medium", "small")
"""Sizes with a row of lower bounds, largest first; micro is whatever reaches no row."""

UNLISTED = "other"
"""Sector of a class that no row of the scheme places: 其他未列明行业. A3302 三（五） sizes such
industries (铁路运输业, 卫生, ...) by the 其他未列明行业 row."""

SEPARATELY_SIZED = {"finance": "银发〔2015〕309号《金融业企业划型标准规定》"}
"""Sectors that the scheme places but this standard does not size, with the rule that does."""

WAN = 10_000
"""Yuan in one 万元: the text prints amounts in 万元, loan reports carry yuan."""


@dataclass(frozen=True)
class Bounds:
    """Lower bounds of one size in one sector; None where the sector does not use the indicator.

    Amounts are in yuan (万元 x 10,000). A firm meets the row when it reaches every bound that is
    not None ("及以上": equal counts as meeting it).
    """

    employees_min: int | None
    revenue_min: int | None
    assets_min: int | None


def _rows(name: str) -> list[dict[str, str]]:
    text = files("fiveareas.reference").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _int(value: str, scale: int = 1) -> int | None:
    return int(value) * scale if value.strip() else None


@cache
def _thresholds() -> dict[str, dict[str, dict[str, Bounds]]]:
    out: dict[str, dict[str, dict[str, Bounds]]] = {}
    for row in _rows("size_standard.csv"):
        if row["size"] not in SIZES:
            raise ValueError(f"unknown size {row['size']!r} in {row}")
        bounds = Bounds(
            _int(row["employees_min"]),
            _int(row["revenue_min_wan"], WAN),
            _int(row["assets_min_wan"], WAN),
        )
        by_size = out.setdefault(row["edition"], {}).setdefault(row["sector"], {})
        if row["size"] in by_size:
            raise ValueError(f"duplicate row {row}")
        by_size[row["size"]] = bounds
    return out


@cache
def _names() -> dict[str, str]:
    names = {row["sector"]: row["name_zh"] for row in _rows("size_standard.csv")}
    return names | {"finance": "金融业"}


def editions() -> tuple[str, ...]:
    """Threshold editions that ship, e.g. ('miit_2011_300',)."""
    return tuple(_thresholds())


def thresholds(edition: str) -> dict[str, dict[str, Bounds]]:
    """{sector: {size: Bounds}} of `edition`; KeyError if it does not ship."""
    return _thresholds()[edition]


def sector_name(sector: str) -> str:
    """Chinese name of a sector id as the text prints it ('software_it' -> 软件和信息技术服务业)."""
    return _names()[sector]


@cache
def _scheme_rows() -> dict[str, dict[str, tuple[str, bool]]]:
    out: dict[str, dict[str, tuple[str, bool]]] = {}
    for row in _rows("size_sectors.csv"):
        if row["include"] not in ("yes", "no"):
            raise ValueError(f"include must be yes or no: {row}")
        if lookup(row["code"]) is None:
            raise ValueError(f"not a GB/T 4754-2017 code: {row}")
        codes = out.setdefault(row["scheme"], {})
        if row["code"] in codes:
            raise ValueError(f"code listed twice in scheme {row['scheme']}: {row}")
        codes[row["code"]] = (row["sector"], row["include"] == "yes")
    return out


def schemes() -> tuple[str, ...]:
    """Industry-to-sector schemes that ship, e.g. ('nbs_2017_213',)."""
    return tuple(_scheme_rows())


def _placed(class_code: str, scheme: str) -> str | None:
    """Sector of the most specific row matching the class (class, group, division, section),
    or None when that row excludes it or no row matches."""
    node = lookup(class_code)
    if node is None or node.level != "class":
        raise KeyError(class_code)
    rows = _scheme_rows()[scheme]
    code = node.code
    for key in (code, code[:3], code[:2], node.section):
        if key in rows:
            sector, include = rows[key]
            return sector if include else None
    return None


@cache
def _class_sectors(scheme: str) -> dict[str, tuple[str, bool]]:
    """{class: (sector, placed by a row)} for every class, in code order."""
    out: dict[str, tuple[str, bool]] = {}
    for code in sorted(class_codes()):
        placed = _placed(code, scheme)
        out[code] = (placed, True) if placed else (UNLISTED, False)
    return out


def sector_of(class_code: str, scheme: str) -> str:
    """Sector of a 4-digit GB/T 4754-2017 class under `scheme`; UNLISTED when no row places it.

    KeyError for a code that is not a class or a scheme that does not ship.
    """
    table = _class_sectors(scheme)
    code = class_code.strip()
    if code not in table:
        raise KeyError(class_code)
    return table[code][0]


def class_sectors(scheme: str) -> list[tuple[str, str]]:
    """All (class, sector) pairs of `scheme`, one per class, for joins in SQL engines."""
    return [(code, sector) for code, (sector, _) in _class_sectors(scheme).items()]


def defaulted_classes(scheme: str) -> frozenset[str]:
    """Classes that reach UNLISTED by default (no row, or excluded by a 'no' row), not by a row
    of the scheme; the doc says why each of them is sized as 其他未列明行业."""
    return frozenset(c for c, (_, placed) in _class_sectors(scheme).items() if not placed)
