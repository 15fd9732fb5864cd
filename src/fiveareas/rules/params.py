"""Dated parameters: every value a definition uses, with when it applies and where it is written.

Modelled on OpenFisca's parameter files: one YAML file per definition in `rules/params/`, each
parameter a list of values with `from` (and optional `to`) dates and citations. A change of rule
is a new dated value, so any past period is recomputed as the rule stood then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

from fiveareas.rules.errors import Uncovered

CONFIDENCE = ("A", "B", "C")


@dataclass(frozen=True)
class Citation:
    document: str
    confidence: str
    article: str | None = None
    date: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class Value:
    """One dated value of a parameter. `extra` holds value-specific settings (comparison, ...)."""

    param: str
    start: date
    end: date | None
    value: Any
    citations: tuple[Citation, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """Stable name of this value, carried on every tag it decides."""
        return f"{self.param}@{self.start.isoformat()}"

    def covers(self, when: date) -> bool:
        return self.start <= when and (self.end is None or when <= self.end)


@dataclass(frozen=True)
class Param:
    id: str
    description: str
    values: tuple[Value, ...]
    unit: str | None = None

    def at(self, when: date) -> Value:
        for v in self.values:
            if v.covers(when):
                return v
        raise Uncovered(self.id, when)


def _citation(raw: dict[str, Any], where: str) -> Citation:
    if raw.get("confidence") not in CONFIDENCE or not raw.get("document"):
        raise ValueError(f"{where}: a citation needs a document and a confidence A/B/C")
    return Citation(**raw)


def _param(pid: str, raw: dict[str, Any]) -> Param:
    values = []
    for item in raw["values"]:
        item = dict(item)
        start, end = item.pop("from"), item.pop("to", None)
        cites = tuple(_citation(c, pid) for c in item.pop("citations", ()))
        if not cites:
            raise ValueError(f"{pid}@{start}: every value needs a citation")
        if end is not None and end < start:
            raise ValueError(f"{pid}@{start}: ends before it starts")
        values.append(Value(pid, start, end, item.pop("value"), cites, item))
    values.sort(key=lambda v: v.start)
    for a, b in zip(values, values[1:], strict=False):
        if a.end is None or a.end >= b.start:
            raise ValueError(f"{pid}: {a.version} overlaps {b.version}; give it an end date")
    return Param(pid, raw["description"].strip(), tuple(values), raw.get("unit"))


@cache
def params() -> dict[str, Param]:
    """Every parameter, keyed `file.name` (e.g. `inclusive.credit_line_cap`)."""
    out: dict[str, Param] = {}
    folder = resources.files("fiveareas.rules").joinpath("params")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        group = entry.name.removesuffix(".yaml")
        for name, raw in yaml.safe_load(entry.read_text("utf-8")).items():
            out[f"{group}.{name}"] = _param(f"{group}.{name}", raw)
    return out


def at(pid: str, when: date) -> Value:
    """The value of parameter `pid` in force on `when`, or Uncovered."""
    return params()[pid].at(when)
