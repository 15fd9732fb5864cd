"""Calibration, template and calendar helpers shared by the generator's modules."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from fiveareas.model.template import Dataset, template

SIZES = ("large", "medium", "small", "micro")
CTYPES = ("enterprise", "individual_business", "person")
POOLS = ("tech", "green", "sme", "corp", "indiv", "person")
QUALITIES = ("normal", "special_mention", "substandard", "doubtful", "loss")
CURRENCIES = ("CNY", "USD", "EUR", "JPY", "HKD", "GBP")
GUARANTEES = ("credit", "guarantee", "mortgage", "pledge")
METRICS = ("tech_balance", "green_balance", "inclusive_balance", "ip_pledge_balance")
# The size standard edition and sector scheme the generator sizes firms by (reference data).
SIZE_EDITION, SIZE_SCHEME = "miit_2011_300", "nbs_2017_213"
INCLUSIVE_LINE_CAP = 10_000_000 * 100  # cents; definitions.md §1: <= 10M yuan is inclusive


@cache
def calibration() -> dict[str, Any]:
    """The calibration YAML shipped next to this module."""
    text = resources.files("fiveareas.synth").joinpath("calibration.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def dataset(name: str) -> Dataset:
    """A template dataset: the generator's columns always follow the template."""
    return template()[name]


def products() -> tuple[str, ...]:
    """Loan products in template order."""
    return dataset("loan").field("product").allowed


def institution_types() -> tuple[str, ...]:
    return dataset("institution").field("institution_type").allowed


def industry_codes() -> list[str]:
    """The GB/T 4754-2017 classes the generator uses, as strings."""
    return [f"{row[0]:04d}" for row in calibration()["industries"]]


def month_ends(start: str, months: int) -> np.ndarray:
    """Month-end dates (datetime64[D]) of `months` periods from the month `start` (YYYY-MM)."""
    first = np.datetime64(start, "M")
    return (first + np.arange(1, months + 1)).astype("datetime64[D]") - 1


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Same day `months` later, clipped to the month end (dates as int days)."""
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    target = m + months.astype(np.int64)
    last = ((target + 1).astype("datetime64[D]") - 1).astype(np.int64)
    return np.minimum(target.astype("datetime64[D]").astype(np.int64) + dom, last)


def month_index(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 for dates given as int days."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def target_path(base: float, growth: float, months_from_base: int) -> float:
    """Geometric monthly path through `base` at end-2023 growing `growth` a year."""
    return base * (1.0 + growth) ** (months_from_base / 12.0)
