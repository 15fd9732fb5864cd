"""The definitions catalogue (catalogue.yaml): rules as data, checked against what they name.

A rule is a stable id, an area, the dated parameters it reads and a list of conditions on one
input column each. The small engine in `evaluate.py` turns conditions into backend-neutral Ibis
expressions; nothing about a definition lives in code except the derived columns of `inputs.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from fiveareas.model.template import template
from fiveareas.rules.params import params

AREAS = ("sci_tech", "green", "inclusive", "pension", "digital")
KINDS = ("tag", "flag")
OPS = ("in", "not_in", "is", "present", "within", "in_param", "on_or_before", "on_or_after")


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    arg: Any
    show: tuple[str, ...] = ()
    why: str | None = None

    def describe(self) -> str:
        if self.op == "present":
            return f"{self.field} {'given' if self.arg else 'not given'}"
        if self.op == "is":
            return f"{self.field} is {str(bool(self.arg)).lower()}"
        words = {"in": "in", "not_in": "not in", "within": "within",
                 "in_param": "in the categories of", "on_or_before": "on or before",
                 "on_or_after": "on or after"}
        arg = ", ".join(self.arg) if isinstance(self.arg, list) else self.arg
        return f"{self.field} {words[self.op]} {arg}"


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    area: str
    title: str
    params: tuple[str, ...]
    when: tuple[Condition, ...]
    reason: str
    citation: str
    sub_area: str | None = None       # a literal sub-area,
    sub_area_field: str | None = None  # or the column that holds it
    in_total: bool = True


@dataclass(frozen=True)
class SizeRule:
    id: str
    title: str
    params: tuple[str, ...]
    description: str
    citation: str


def _condition(rid: str, raw: dict[str, Any]) -> Condition:
    raw = dict(raw)
    field, show, why = raw.pop("field"), tuple(raw.pop("show", ())), raw.pop("why", None)
    if len(raw) != 1 or next(iter(raw)) not in OPS:
        raise ValueError(f"{rid}: condition on {field} needs exactly one of {OPS}")
    op, arg = next(iter(raw.items()))
    return Condition(field, op, arg, show, why)


def _rule(raw: dict[str, Any]) -> Rule:
    raw = dict(raw)
    sub = raw.pop("sub_area", None)
    when = tuple(_condition(raw["id"], c) for c in raw.pop("when"))
    ps = tuple(raw.pop("params"))
    rule = Rule(**raw, when=when, params=ps,
                sub_area=sub if isinstance(sub, str) else None,
                sub_area_field=sub["field"] if isinstance(sub, dict) else None)
    if rule.kind not in KINDS or rule.area not in AREAS:
        raise ValueError(f"{rule.id}: kind must be one of {KINDS}, area one of {AREAS}")
    if rule.kind == "tag" and not (rule.sub_area or rule.sub_area_field):
        raise ValueError(f"{rule.id}: a tag needs a sub_area")
    return rule


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("fiveareas.rules").joinpath("catalogue.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@cache
def derived() -> dict[str, str]:
    """Columns computed by inputs.py, with what each means."""
    return dict(_raw()["derived"])


@cache
def size_rule() -> SizeRule:
    return SizeRule(**{**_raw()["size"], "params": tuple(_raw()["size"]["params"])})


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule, checked: ids unique, columns and parameters known."""
    out = tuple(_rule(r) for r in _raw()["rules"])
    known = columns()
    ids = [r.id for r in out]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate rule ids in catalogue.yaml")
    for r in out:
        for p in r.params + tuple(c.arg for c in r.when if c.op in ("within", "in_param")):
            if p not in params():
                raise ValueError(f"{r.id}: unknown parameter {p}")
        for c in r.when:
            for col in (c.field, *c.show):
                if col not in known:
                    raise ValueError(f"{r.id}: unknown column {col}")
    return out


def columns() -> set[str]:
    """Columns a condition may read: the loan and counterparty fields and the derived ones."""
    t = template()
    return set(t["loan"].columns) | set(t["counterparty"].columns) | set(derived())


def rule(rule_id: str) -> Rule:
    for r in rules():
        if r.id == rule_id:
            return r
    raise KeyError(rule_id)
