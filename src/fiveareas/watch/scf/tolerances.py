"""Tolerances of the SCF checks, read from tolerances.yaml so that each value carries its why."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Tolerances:
    """Parameters of the five checks; defaults are those of docs/supply-chain.md."""

    amount_relative: float = 0.01
    quantity_relative: float = 0.02
    date_slack_days: int = 0
    payment_window_days: int = 30
    cycle_max_length: int = 5
    cycle_max_gap_days: int = 30
    trace_window_days: int = 30
    trace_max_hops: int = 3
    round_trip_share: float = 0.3
    pass_through_share: float = 0.5
    trace_min_lot_share: float = 0.001
    split_sum_relative: float = 0.005
    split_window_days: int = 5
    split_max_parts: int = 3
    split_max_candidates: int = 12
    match_probability: float = 0.95

    def with_(self, **changes: Any) -> Tolerances:
        """A copy with some parameters changed (tests, what-if runs)."""
        return replace(self, **changes)


def read_raw(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The YAML entries {name: {value, why}}; the packaged file unless a path is given."""
    if path is None:
        text = resources.files("fiveareas.watch.scf").joinpath("tolerances.yaml").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    raw = yaml.safe_load(text) or {}
    return {str(k): dict(v) for k, v in raw.items()}


def load_tolerances(path: Path | None = None) -> Tolerances:
    """Tolerances from YAML; unknown names are an error so that typos do not pass silently."""
    raw = read_raw(path)
    known = {f.name: f for f in fields(Tolerances)}
    values: dict[str, Any] = {}
    for name, entry in raw.items():
        if name not in known:
            raise ValueError(f"unknown tolerance {name!r}")
        if "value" not in entry or not str(entry.get("why", "")).strip():
            raise ValueError(f"tolerance {name!r} needs a value and a why")
        default = getattr(Tolerances(), name)
        values[name] = type(default)(entry["value"])
    return Tolerances(**values)
