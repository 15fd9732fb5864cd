"""The register of reporting institutions: a realistic mix of licence types at any scale."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fiveareas.synth.config import calibration, institution_types
from fiveareas.synth.names import DISTRICTS, institution_names


@dataclass
class Institutions:
    ids: np.ndarray  # str
    names: np.ndarray  # str
    type_idx: np.ndarray  # int index into institution_types()
    district: np.ndarray  # str district code
    size: np.ndarray  # float lending weight (type size x idiosyncratic factor)

    def __len__(self) -> int:
        return len(self.ids)


def type_counts(n: int) -> dict[str, int]:
    """Largest-remainder allocation of `n` institutions, keeping every `always` type."""
    cfg = calibration()["institutions"]["types"]
    total = sum(t["count"] for t in cfg.values())
    base = {k: int(v["always"]) for k, v in cfg.items()}
    rest = n - sum(base.values())
    want = {k: max(0.0, cfg[k]["count"] * n / total - base[k]) for k in cfg}
    scale_rest = rest / sum(want.values())
    exact = {k: want[k] * scale_rest for k in cfg}
    counts = {k: base[k] + int(exact[k]) for k in cfg}
    short = n - sum(counts.values())
    order = sorted(cfg, key=lambda k: (-(exact[k] - int(exact[k])), k))
    for k in order[:short]:
        counts[k] += 1
    return counts


def make_institutions(rng: np.random.Generator, scale: float) -> Institutions:
    """Institutions ordered by type (big banks first), ids B00001.., one head-office district."""
    cfg = calibration()["institutions"]
    n = max(cfg["minimum"], round(cfg["count"] * scale))
    counts = type_counts(n)
    types = institution_types()
    type_idx = np.concatenate(
        [np.full(counts[t], i, dtype=np.int64) for i, t in enumerate(types) if t in counts]
    )
    # Banks sit in Huangpu/Pudong (Lujiazui); others anywhere.
    district = rng.choice(np.array(DISTRICTS), size=n)
    is_bank = type_idx < types.index("village_bank")
    district[is_bank] = rng.choice(np.array(["310101", "310115"]), size=int(is_bank.sum()))
    type_size = np.array([cfg["types"][t]["size"] for t in types])
    size = type_size[type_idx] * rng.lognormal(0.0, 0.5, size=n)
    ids = np.array([f"B{i:05d}" for i in range(1, n + 1)])
    names = institution_names(rng, type_idx, district)
    return Institutions(ids, names, type_idx, district, size)
