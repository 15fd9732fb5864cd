"""The indicator catalogue (indicators.yaml): what each published figure is, its unit and
definition, read by the cube, the readers and the exports alike."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

KINDS = ("stored", "ratio", "growth", "ytd")
UNITS = ("yuan", "count", "percent", "ratio")
AREAS = ("all", "sci_tech", "green", "inclusive", "pension", "digital")


@dataclass(frozen=True)
class Indicator:
    id: str
    kind: str
    unit: str
    name: str
    name_zh: str
    definition: str
    of: str | None = None          # ytd: the monthly flow summed
    numerator: str | None = None   # ratio
    denominator: str | None = None
    months_back: int | None = None  # growth
    base: str | None = None


class IndicatorCatalogueError(ValueError):
    """indicators.yaml names an unknown kind or unit, or repeats an id."""


@cache
def indicators() -> tuple[Indicator, ...]:
    text = resources.files("fiveareas.measure").joinpath("indicators.yaml").read_text("utf-8")
    out = tuple(Indicator(**row) for row in yaml.safe_load(text)["indicators"])
    ids = [i.id for i in out]
    for i in out:
        if i.kind not in KINDS or i.unit not in UNITS or ids.count(i.id) > 1:
            raise IndicatorCatalogueError(f"indicator {i.id}: bad kind, unit or repeated id")
    return out


def by_id(ident: str) -> Indicator:
    for i in indicators():
        if i.id == ident:
            return i
    raise KeyError(f"unknown indicator {ident!r}")
