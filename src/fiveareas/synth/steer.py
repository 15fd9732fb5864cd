"""Steering: draw each stream's new loans until its target balance path is met."""

from __future__ import annotations

import numpy as np

from fiveareas.synth.book import Book
from fiveareas.synth.config import calibration, target_path
from fiveareas.synth.loans import Ctx, draw
from fiveareas.synth.metrics import area_masks

YUAN = 100


def stream_balance(book: Book, name: str) -> int:
    idx = list(calibration()["streams"]).index(name)
    return int(book["bal"][book["stream"] == idx].sum())


def targets(months_from_base: int, scale: float) -> dict[str, float]:
    """Target balances (cents) of areas and own-metric streams at this period."""
    cal = calibration()
    out = {k: target_path(v["base"], v["growth"], months_from_base) * scale * YUAN
           for k, v in cal["targets"].items() if isinstance(v, dict)}
    for name, s in cal["streams"].items():
        if s["metric"] == "own":
            out[name] = target_path(s["base"], s["growth"], months_from_base) * scale * YUAN
    return out


def _contribution(ctx: Ctx, batch: Book, metric: str) -> np.ndarray:
    if metric == "own":
        return batch["bal"]
    m = area_masks(batch, ctx.parties, ctx.tech_ok, batch["basis"])[metric]
    return np.where(m, batch["bal"], 0)


def fill(ctx: Ctx, name: str, need: float, n_fresh: int, running: dict[str, int]) -> Book:
    """New loans of one stream adding about `need` cents to its metric (at least `n_fresh`
    loans to first-time borrowers); `running` area sums are updated in place."""
    cfg = calibration()["streams"][name]
    metric = cfg["metric"]
    share = cfg.get("fresh_share", 0.0)
    out: list[Book] = []
    mean, remaining = None, need
    for _ in range(60):
        if remaining <= 0 and n_fresh <= 0:
            break
        n = 32 if mean is None else int(max(remaining, 0) / mean * 1.1) + 16
        n = max(n, n_fresh)
        fresh = n_fresh if n_fresh else int(round(share * n))
        batch = draw(ctx, name, n, fresh)
        contrib = _contribution(ctx, batch, metric)
        total = contrib.sum()
        mean = max(total / n, 1.0) if total > 0 else (mean or 1e6) * 2
        cs = np.cumsum(contrib)
        if cs[-1] >= remaining:
            keep = max(int(np.searchsorted(cs, remaining)) + 1, n_fresh if n_fresh else 0, 1)
            batch = batch.take(np.arange(min(keep, n)))
            contrib = contrib[: len(batch)]
            remaining = 0
        else:
            remaining -= total
        n_fresh = 0
        out.append(batch)
        masks = area_masks(batch, ctx.parties, ctx.tech_ok, batch["basis"])
        for area, m in masks.items():
            running[area] = running.get(area, 0) + int(batch["bal"][m].sum())
        if remaining <= 0:
            break
    return Book.concat(out)


def grow(ctx: Ctx, book: Book, goal: dict[str, float], running: dict[str, int],
         first_target: int) -> Book:
    """All streams in calibration order; area streams steer the city-wide area balance."""
    cal = calibration()["streams"]
    new: list[Book] = []
    for name, cfg in cal.items():
        metric = cfg["metric"]
        if metric == "own":
            need = goal[name] - stream_balance(book, name)
        else:
            need = goal[metric] - running.get(metric, 0)
            if metric == "inclusive_balance" and "share" in cfg:
                need *= cfg["share"]
        fresh = round(first_target * cfg.get("first_share", 0.0))
        batch = fill(ctx, name, need, fresh, running)
        new.append(batch)
        book = Book.concat([book, batch])
    return book
