"""Green-industry catalogues (绿色产业指导目录) as dated code tables, with industry fit.

Green loans carry a catalogue code for the use of proceeds ("3.2.2" = solar facilities). PBoC
green-loan statistics follow the 2019 catalogue from 2020 data (`green_2019`); the 2025 green
finance catalogue (`green_2025`) is the next version, and the same activity has a different code
in it, so every lookup names its version. The fit tables say which GB/T 4754-2017 industries a
loan's purpose industry may have for a code to be plausible, so the platform can flag, for
example, a solar code on a coal power plant (4411). Sources and limits: docs/reference-data.md.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

_FILES = {
    "green_2019": "data/green_catalogue_2019.csv",
    "green_2025": "data/green_catalogue_2025.csv",
}
# Only the 2019 catalogue has a hand-built fit table; the 2025 fit is the catalogue's own codes.
_FIT_FILES = {"green_2019": "data/green_fit_2019.csv"}
_CODE = re.compile(r"^[1-9]\d*(\.[1-9]\d*){0,2}$")


@dataclass(frozen=True)
class GreenItem:
    """One catalogue entry. `level` is 1..3; `gbt_codes` is only filled for green_2025 level 3."""

    code: str
    level: int
    parent: str | None
    name_zh: str
    gbt_codes: tuple[str, ...] = ()


def versions() -> tuple[str, ...]:
    """The catalogue version ids, oldest first."""
    return tuple(_FILES)


def _check_version(version: str) -> None:
    if version not in _FILES:
        raise ValueError(f"unknown green catalogue version {version!r}; known: {versions()}")


def _read(path: str) -> list[dict[str, str]]:
    text = files("fiveareas.reference").joinpath(path).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def catalogue(version: str) -> tuple[GreenItem, ...]:
    """Every entry of one version, levels 1 to 3, in the catalogue's order (read once, cached)."""
    _check_version(version)
    return tuple(
        GreenItem(
            row["code"],
            int(row["level"]),
            row["parent"] or None,
            row["name_zh"],
            tuple((row.get("gbt_codes") or "").split()),
        )
        for row in _read(_FILES[version])
    )


@cache
def _by_code(version: str) -> dict[str, GreenItem]:
    return {item.code: item for item in catalogue(version)}


def is_code(code: str, version: str) -> bool:
    """True if `code` (any level, e.g. "3", "3.2" or "3.2.2") is in that version."""
    return code.strip() in _by_code(version)


def name(code: str, version: str) -> str:
    """The Chinese name of a code in that version. KeyError if the code is not in it."""
    return _by_code(version)[code.strip()].name_zh


def level1_of(code: str) -> str:
    """The level-1 category of a code of any level: "3.2.2" -> "3". Needs no version."""
    code = code.strip()
    if not _CODE.match(code):
        raise ValueError(f"not a green catalogue code: {code!r}")
    return code.split(".", 1)[0]


@cache
def _level3_under(version: str) -> dict[str, tuple[str, ...]]:
    """For every code, the level-3 codes it covers (itself for a level-3 code)."""
    out: dict[str, list[str]] = {item.code: [] for item in catalogue(version)}
    for item in catalogue(version):
        if item.level != 3:
            continue
        node: str | None = item.code
        while node is not None:
            out[node].append(item.code)
            node = _by_code(version)[node].parent
    return {code: tuple(children) for code, children in out.items()}


@cache
def _fit_level3(version: str) -> dict[str, frozenset[str]]:
    """GB/T prefixes (2, 3 or 4 digits) per level-3 code."""
    _check_version(version)
    out: dict[str, set[str]] = {}
    if version in _FIT_FILES:
        for row in _read(_FIT_FILES[version]):
            out.setdefault(row["code"], set()).add(row["gbt_code"])
    else:
        for item in catalogue(version):
            if item.gbt_codes:
                out[item.code] = set(item.gbt_codes)
    return {code: frozenset(prefixes) for code, prefixes in out.items()}


def _minimal(prefixes: set[str]) -> list[str]:
    """Drop prefixes already covered by a shorter one, so a join yields one row per match."""
    return sorted(p for p in prefixes if not any(p[:n] in prefixes for n in range(2, len(p))))


@cache
def _fit_all(version: str) -> dict[str, tuple[str, ...]]:
    """Prefixes per code of every level: a level-1/2 code fits what any of its children fits."""
    per3 = _fit_level3(version)
    out: dict[str, tuple[str, ...]] = {}
    for code, children in _level3_under(version).items():
        union: set[str] = set()
        for child in children:
            union |= per3.get(child, frozenset())
        if union:
            out[code] = tuple(_minimal(union))
    return out


def fit_rows(version: str) -> list[tuple[str, str]]:
    """(green code, GB/T prefix) pairs for SQL joins: a loan fits when its purpose industry
    starts with a prefix listed for its green code. Codes of all levels are included, so a
    loan reporting a level-2 code ("5.3") joins too; prefixes are de-duplicated per code."""
    return [(code, prefix) for code, prefixes in _fit_all(version).items() for prefix in prefixes]


def fits(code: str, gbt_class: str, version: str) -> bool:
    """Whether a loan with green `code` may have purpose industry `gbt_class` (a GB/T 4754-2017
    4-digit class). A level-1/2 code fits if any of its level-3 children fits. KeyError for a
    code not in the version."""
    code = code.strip()
    if code not in _by_code(version):
        raise KeyError(code)
    prefixes = _fit_all(version).get(code, ())
    gbt_class = gbt_class.strip()
    return any(gbt_class.startswith(p) for p in prefixes)
