"""The targets (and official reported figures) of the source documents, read from targets.yaml.

The catalogue is hand-written from the seeds, so every record is checked on load: a typo in a
comparison or a date that does not parse would otherwise show up as a wrong gap on the
dashboard instead of as an error naming the record and the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

# The indicators the measurement engine computes from the loan reports.
MEASURED_INDICATORS = ("balance", "yoy", "first_time_borrowers_ytd", "renewal_amount_ytd")
# The unit each measured indicator is in: a record in another unit is a misreading.
MEASURED_UNITS = {
    "balance": "yuan",
    "yoy": "ratio",
    "first_time_borrowers_ytd": "count",
    "renewal_amount_ytd": "yuan",
}
NATURES = ("target", "reported")
KINDS = ("measured", "entered")
COMPARISONS = ("at_least", "about", "at_most")
UNITS = ("yuan", "count", "ratio")
AREAS = ("all", "sci_tech", "green", "inclusive", "pension", "digital")

_ID = re.compile(r"T(\d{3})-\d{2}")
_SNAKE = re.compile(r"[a-z][a-z0-9_]*")
_REQUIRED = ("id", "title", "title_zh", "nature", "kind", "indicator", "area", "sub_area",
             "comparison", "value", "unit", "deadline", "scope", "source", "sentence")
_OPTIONAL = ("start", "baseline", "comment")
_TEXT = tuple(f for f in _REQUIRED if f not in ("value", "deadline"))
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _Loader(yaml.SafeLoader):
    """Safe YAML with two changes so every mistake reaches the checks below, naming the record.

    Dates stay strings (PyYAML would raise a bare ValueError on 2024-13-01, naming nothing), and
    1.5e12 is a number (YAML 1.1 wants 1.5e+12 and would silently read a string).
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


class TargetCatalogueError(ValueError):
    """A record of the catalogue is malformed; the message names its id and the field."""


Fail = Callable[[str], TargetCatalogueError]


@dataclass(frozen=True)
class Baseline:
    """The starting figure a document states (e.g. the 2020 column of 001's table)."""

    value: float
    date: date


@dataclass(frozen=True)
class Target:
    """One target or reported figure, with the citation the dashboard shows next to it."""

    id: str
    title: str
    title_zh: str
    nature: str
    kind: str
    indicator: str
    area: str
    sub_area: str
    comparison: str
    value: float
    unit: str
    deadline: date
    scope: str
    source: str
    sentence: str
    start: date | None = None
    baseline: Baseline | None = None
    comment: str | None = None


def load(path: Path | None = None) -> list[Target]:
    """Every record of the catalogue, in file order; `path` replaces the packaged file."""
    if path is None:
        text = files("fiveareas.measure").joinpath("targets.yaml").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    try:
        doc = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        raise TargetCatalogueError(f"catalogue: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("targets"), list):
        raise TargetCatalogueError("catalogue: expected a mapping with a `targets` list")
    targets: list[Target] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["targets"], start=1):
        target = _record(raw, i)
        if target.id in seen:
            raise TargetCatalogueError(f"{target.id}: id: duplicate")
        seen.add(target.id)
        targets.append(target)
    return targets


def _record(raw: Any, position: int) -> Target:
    """One validated record; errors name the id (or the position when the id is unusable)."""
    if not isinstance(raw, dict):
        raise TargetCatalogueError(f"record {position}: expected a mapping")
    rid = raw.get("id")
    match = _ID.fullmatch(rid) if isinstance(rid, str) else None
    if match is None:
        raise TargetCatalogueError(
            f"record {position} ({rid!r}): id: must be T<seed number>-<two digits>")

    def fail(field: str, problem: str) -> TargetCatalogueError:
        return TargetCatalogueError(f"{rid}: {field}: {problem}")

    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise fail(unknown[0], "unknown field")
    for field in _TEXT:
        if not isinstance(raw.get(field), str) or not raw[field].strip():
            raise fail(field, "missing or not a non-empty string")
    for field, allowed in (("nature", NATURES), ("kind", KINDS), ("comparison", COMPARISONS),
                           ("unit", UNITS), ("area", AREAS)):
        if raw[field] not in allowed:
            raise fail(field, f"{raw[field]!r} is not one of {', '.join(allowed)}")
    indicator = raw["indicator"]
    if raw["kind"] == "measured":
        if indicator not in MEASURED_INDICATORS:
            raise fail("indicator", f"{indicator!r} is not one of "
                                    f"{', '.join(MEASURED_INDICATORS)}")
        if raw["unit"] != MEASURED_UNITS[indicator]:
            raise fail("unit", f"{indicator} is in {MEASURED_UNITS[indicator]}")
        if not _SNAKE.fullmatch(raw["sub_area"]):
            raise fail("sub_area", f"{raw['sub_area']!r} is not a sub-area id")
    else:
        if indicator in MEASURED_INDICATORS or not _SNAKE.fullmatch(indicator):
            raise fail("indicator", f"{indicator!r}: an entered figure needs its own snake_case id")
        if raw["sub_area"] != "total":
            raise fail("sub_area", "an entered figure is for the total")
    if not raw["source"].startswith(match.group(1) + "_"):
        raise fail("source", f"{raw['source']!r} is not the seed the id numbers")
    value = _number(raw.get("value"), lambda p: fail("value", p))
    deadline = _date(raw.get("deadline"), lambda p: fail("deadline", p))
    start = None
    if raw.get("start") is not None:
        start = _date(raw["start"], lambda p: fail("start", p))
        if start >= deadline:
            raise fail("start", f"{start} is not before the deadline {deadline}")
    baseline = None
    if raw.get("baseline") is not None:
        b = raw["baseline"]
        if not isinstance(b, dict) or set(b) != {"value", "date"}:
            raise fail("baseline", "expected {value, date}")
        baseline = Baseline(_number(b["value"], lambda p: fail("baseline", p)),
                            _date(b["date"], lambda p: fail("baseline", p)))
    comment = raw.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise fail("comment", "not a string")
    return Target(
        id=rid, title=raw["title"], title_zh=raw["title_zh"], nature=raw["nature"],
        kind=raw["kind"], indicator=indicator, area=raw["area"], sub_area=raw["sub_area"],
        comparison=raw["comparison"], value=value, unit=raw["unit"], deadline=deadline,
        scope=raw["scope"], source=raw["source"], sentence=raw["sentence"], start=start,
        baseline=baseline, comment=comment)


def _number(raw: Any, fail: Fail) -> float:
    """A YAML number, not a bool and not text such as "1.5 trillion"."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise fail(f"{raw!r} is not a number (write 1.5e12 for 1.5 trillion)")
    return float(raw)


def _date(raw: Any, fail: Fail) -> date:
    """A YYYY-MM-DD string (not a timestamp, nor the looser forms 3.11's fromisoformat takes)."""
    if type(raw) is date:
        return raw
    if isinstance(raw, str) and _ISO_DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise fail(f"{raw!r} is not an ISO date (YYYY-MM-DD)")
