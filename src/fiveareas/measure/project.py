"""Project a monthly series to a deadline: a straight-line trend with a prediction interval.

Deliberately plain: an ordinary least-squares line through the last points, its 90% prediction
interval from Student's t, and the chance the target is met under that model. With fewer than
`MIN_POINTS` points there is no projection, and the note says so rather than drawing a line
through two dots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from scipy import stats

MIN_POINTS = 4      # a line and a spread need at least two degrees of freedom
WINDOW = 24         # the trend is fitted to the last two years at most
LEVEL = 0.90
ABOUT = 0.05        # "about X": within 5% of X either way


@dataclass(frozen=True)
class Projection:
    value: float | None
    low: float | None
    high: float | None
    probability: float | None   # chance the target is met, under the trend model
    points: int
    note: str
    slope: float | None = None  # the trend: change per month of the fitted line


def _months(d: date) -> float:
    """Months as the unit of time: every point and deadline is a month end."""
    return d.year * 12 + d.month - 1


def meets(value: float, comparison: str, target: float) -> bool:
    if comparison == "at_least":
        return value >= target
    if comparison == "at_most":
        return value <= target
    return abs(value - target) <= ABOUT * abs(target)


def linear(points: list[tuple[date, float]], at: date, comparison: str,
           target: float) -> Projection:
    pts = sorted(points)[-WINDOW:]
    n = len(pts)
    if n < MIN_POINTS:
        return Projection(None, None, None, None, n,
                          f"{n} point{'s' if n != 1 else ''} of data: at least {MIN_POINTS} "
                          "are needed to project")
    xs = [_months(d) for d, _ in pts]
    ys = [v for _, v in pts]
    xbar, ybar = sum(xs) / n, sum(ys) / n
    sxx = sum((x - xbar) ** 2 for x in xs)
    slope = sum((x - xbar) * (y - ybar) for x, y in zip(xs, ys, strict=True)) / sxx
    icept = ybar - slope * xbar
    x0 = _months(at)
    yhat = icept + slope * x0
    resid = [y - (icept + slope * x) for x, y in zip(xs, ys, strict=True)]
    s = math.sqrt(sum(r * r for r in resid) / (n - 2))
    se = s * math.sqrt(1 + 1 / n + (x0 - xbar) ** 2 / sxx)
    t = stats.t(df=n - 2)
    half = t.ppf(0.5 + LEVEL / 2) * se
    prob = _probability(t, yhat, se, comparison, target)
    note = (f"linear trend of the last {n} months, {int(LEVEL * 100)}% prediction interval")
    return Projection(yhat, yhat - half, yhat + half, prob, n, note, slope)


def _probability(t: stats.rv_continuous, yhat: float, se: float, comparison: str,
                 target: float) -> float:
    if se == 0:
        return 1.0 if meets(yhat, comparison, target) else 0.0
    z = (target - yhat) / se
    if comparison == "at_least":
        return float(t.sf(z))
    if comparison == "at_most":
        return float(t.cdf(z))
    band = ABOUT * abs(target) / se
    return float(t.cdf(z + band) - t.cdf(z - band))
