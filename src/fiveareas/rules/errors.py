"""Errors of the rules layer: each says what is missing, so a user can fix the input or the data."""

from __future__ import annotations


class Uncovered(LookupError):
    """No dated value of a parameter covers the date: the rule is not defined there.

    Never answered by reusing the nearest value, so a past period is never silently
    recomputed with a rule that did not yet (or no longer) apply."""

    def __init__(self, param: str, when: object) -> None:
        super().__init__(f"no value of parameter {param} covers {when}")
        self.param = param
        self.when = when


class BadInput(ValueError):
    """A classify-one input that is not a loan and a counterparty in the template's terms."""


class NoData(LookupError):
    """The parameter names a reference table that has no usable rows in this installation."""

    def __init__(self, param: str, table: str, why: str) -> None:
        super().__init__(f"parameter {param} names table {table}, which {why}")
        self.param = param
        self.table = table
