"""Shanghai's 16 districts (administrative division codes, GB/T 2260 as kept by MCA)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str


@cache
def districts() -> tuple[District, ...]:
    text = resources.files("fiveareas.reference").joinpath("data/districts.csv").read_text("utf-8")
    return tuple(District(**row) for row in csv.DictReader(text.splitlines()))


def district_codes() -> frozenset[str]:
    return frozenset(d.code for d in districts())
