"""The validation catalogue: rules declared as data (rules.yaml), expanded onto template fields.

Modelled on the CFPB small-business lending validator: every rule has a stable id, a severity
(from the id's letter), a phase, a scope, a message and a citation; the check itself is a pure
named function in `checks.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from fiveareas.model.template import Dataset, Field, template

PHASES = ("syntax", "validity", "cross_record", "cross_period", "macro")
SCOPES = ("file", "field", "row", "across_files", "across_periods")


@dataclass(frozen=True)
class Rule:
    id: str
    phase: str
    scope: str
    check: str
    message: str
    description: str
    citation: str
    datasets: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    applies: str | dict[str, str] | None = None

    @property
    def severity(self) -> str:
        return "error" if self.id.startswith("E") else "warning"

    @property
    def blocking(self) -> bool:
        return self.severity == "error"

    @property
    def anchor(self) -> str:
        return f"{guide()}#{self.id.lower()}"


def _rule(raw: dict[str, Any]) -> Rule:
    lists = {k: tuple(raw.get(k, ())) for k in ("datasets", "fields")}
    rule = Rule(**{**raw, **lists})
    if rule.phase not in PHASES or rule.scope not in SCOPES or rule.id[0] not in "EW":
        raise ValueError(f"rule {rule.id}: bad phase, scope or id")
    return rule


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("fiveareas.intake").joinpath("rules.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def guide() -> str:
    return str(_raw()["guide"])


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule of the catalogue, in catalogue order."""
    loaded = tuple(_rule(r) for r in _raw()["rules"])
    ids = [r.id for r in loaded]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate rule id in rules.yaml")
    return loaded


def rule(rule_id: str) -> Rule:
    for r in rules():
        if r.id == rule_id:
            return r
    raise KeyError(rule_id)


def _applies(selector: str | dict[str, str], f: Field, ds: Dataset) -> bool:
    """Which template fields a field-generic rule covers."""
    if isinstance(selector, dict):
        return all(getattr(f, k) == v for k, v in selector.items())
    return {
        "required": f.required,
        "typed": f.type in ("date", "amount", "decimal", "integer", "boolean"),
        "allowed": bool(f.allowed),
        "pattern": f.pattern is not None,
        "bounded": f.min is not None or f.max is not None,
        "amounts": f.type == "amount",
        "required_unless_person": f.required_unless_person,
        "last_key": f.name == ds.key[-1],  # where a finding about the whole key is located
    }[selector]


@cache
def row_rules(dataset: str) -> tuple[tuple[Rule, Field], ...]:
    """The (rule, field) pairs checked on each row of `dataset`, in catalogue order (asked
    some thirty times per submission)."""
    ds = template()[dataset]
    pairs: list[tuple[Rule, Field]] = []
    for r in rules():
        if r.scope == "file" or (r.datasets and dataset not in r.datasets):
            continue
        if r.applies is not None:
            pairs += [(r, f) for f in ds.fields if _applies(r.applies, f, ds)]
        else:
            pairs += [(r, ds.field(name)) for name in r.fields]
    return tuple(pairs)


def file_rules(dataset: str) -> list[Rule]:
    return [r for r in rules() if r.scope == "file" and dataset in r.datasets]


def message_parts(dataset: str) -> list[dict[str, str]]:
    """Each (rule, field) message split around its {value}, for wording findings in the engine."""
    ds = template()[dataset]
    parts = []
    for r, f in row_rules(dataset):
        text = r.message.replace("{field}", f.name).replace("{type}", f.type)
        prefix, _, suffix = text.partition("{value}")
        parts.append({"m_rule": r.id, "m_field": f.name, "m_severity": r.severity,
                      "m_prefix": prefix, "m_suffix": suffix})
    assert ds.name == dataset
    return parts
