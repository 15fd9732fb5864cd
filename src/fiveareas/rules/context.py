"""The rules as they stood on one date: each parameter's value in force, or why there is none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fiveareas.rules import tables
from fiveareas.rules.catalogue import Rule, rules, size_rule
from fiveareas.rules.errors import NoData, Uncovered
from fiveareas.rules.params import Value, params


@dataclass(frozen=True)
class Context:
    when: date
    values: dict[str, Value]
    uncovered: dict[str, LookupError]  # Uncovered, or NoData when the named table is empty

    def value(self, pid: str) -> Value:
        if pid in self.uncovered:
            raise self.uncovered[pid]
        return self.values[pid]

    def covers(self, pids: tuple[str, ...]) -> bool:
        return not any(p in self.uncovered for p in pids)

    def rule_params(self, rule: Rule) -> tuple[str, ...]:
        """The parameters a rule reads: its own, and the size standard's when it reads size."""
        extra = size_rule().params if any(c.field == "size_class" for c in rule.when) else ()
        return tuple(dict.fromkeys(rule.params + extra))

    def usable(self) -> list[Rule]:
        return [r for r in rules() if self.covers(self.rule_params(r))]

    def skipped(self) -> list[tuple[Rule, str]]:
        """Rules not defined on this date, each with the reason (the first uncovered parameter)."""
        out = []
        for r in rules():
            missing = [p for p in self.rule_params(r) if p in self.uncovered]
            if missing:
                out.append((r, str(self.uncovered[missing[0]])))
        return out

    def version(self, rule: Rule) -> str:
        """The parameter values an answer rests on, e.g. `inclusive.credit_line_cap@2019-01-01`."""
        return ";".join(self.values[p].version for p in self.rule_params(rule))


def at(when: date) -> Context:
    values: dict[str, Value] = {}
    uncovered: dict[str, LookupError] = {}
    for pid, p in params().items():
        try:
            v = p.at(when)
        except Uncovered as e:
            uncovered[pid] = e
            continue
        why = tables.missing(pid, v.value)
        if why:
            uncovered[pid] = NoData(pid, str(v.value), why)
        else:
            values[pid] = v
    return Context(when, values, uncovered)
