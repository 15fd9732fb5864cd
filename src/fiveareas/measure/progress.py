"""Where each target stands: current value, gap, trend, status and a projection to its deadline.

Measured targets read their series from the stored cubes (city total of their area and
sub-area); entered ones from the macro values the regulator entered, plus the baseline the
document states. A target whose deadline has passed is `met` or `missed` on the value at the
deadline; before it, `on_track` or `off_track` by the projection, or `too_few_data` when there
are too few months to project (the current value is still shown), or `no_data`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from fiveareas.measure import project, target_catalogue
from fiveareas.measure.job import state_key
from fiveareas.measure.read import month_end, months_back, series
from fiveareas.measure.target_catalogue import Target
from fiveareas.store import catalog as cat
from fiveareas.store import macro
from fiveareas.store.home import Home
from fiveareas.store.macro import Entry

SCALED_UNITS = ("yuan", "count")   # what a synthetic city's scale factor applies to


@dataclass
class Status:
    target: Target
    scale: float = 1.0
    current: float | None = None
    as_of: date | None = None
    history: list[tuple[date, float]] = field(default_factory=list)
    status: str = "no_data"
    projection: project.Projection | None = None
    note: str = ""

    @property
    def goal(self) -> float:
        """The target value, scaled to the city measured (1 for a real city)."""
        scaled = self.target.unit in SCALED_UNITS
        return self.target.value * (self.scale if scaled else 1.0)

    @property
    def gap(self) -> float | None:
        return None if self.current is None else self.goal - self.current

    @property
    def trend(self) -> float | None:
        """Change per month: the projection's fitted slope, else the last month's change."""
        if self.projection is not None and self.projection.slope is not None:
            return self.projection.slope
        seen = [p for p in self.history if self.as_of is None or p[0] <= self.as_of]
        if len(seen) >= 2:
            (d0, v0), (d1, v1) = seen[-2:]
            months = (d1.year - d0.year) * 12 + d1.month - d0.month
            return (v1 - v0) / months if months else None
        return None

    @property
    def progress(self) -> float | None:
        if self.current is None or self.goal == 0:
            return None
        return self.current / self.goal

    def as_dict(self) -> dict:
        """The flat record the exports, the CLI's JSON and the API use."""
        t, p = self.target, self.projection
        return {"id": t.id, "title": t.title, "title_zh": t.title_zh, "nature": t.nature,
                "indicator": t.indicator, "area": t.area, "sub_area": t.sub_area,
                "comparison": t.comparison, "target": self.goal, "unit": t.unit,
                "deadline": t.deadline, "scope": t.scope, "source": t.source,
                "sentence": t.sentence, "kind": t.kind, "scale": self.scale,
                "current": self.current, "as_of": self.as_of, "gap": self.gap,
                "progress": self.progress, "trend": self.trend, "status": self.status,
                "projection": p.value if p else None,
                "projection_low": p.low if p else None,
                "projection_high": p.high if p else None,
                "probability": p.probability if p else None,
                "note": self.note, "history": list(self.history)}


def measured_history(home: Home, t: Target) -> list[tuple[date, float]]:
    """The target's indicator at every measured month-end, for its area's city total."""
    rows = series(home, t.area, t.sub_area).to_pylist()
    by_period = {r["period"]: r for r in rows}
    if t.indicator == "balance":
        return [(p, float(r["balance"])) for p, r in by_period.items()]
    if t.indicator == "yoy":
        out = []
        for p, r in by_period.items():
            base = by_period.get(months_back(p, 12))
            if base and float(base["balance"]) > 0:
                out.append((p, float(r["balance"]) / float(base["balance"]) - 1))
        return out
    flow = t.indicator.removesuffix("_ytd")
    start = t.start or date(t.deadline.year, 1, 1)
    out, total, expect = [], 0.0, month_end(start.year, start.month)
    for p in sorted(by_period):
        if p < expect:
            continue
        if p != expect:      # a month is missing: the sum would be wrong from here on
            break
        total += float(by_period[p][flow])
        out.append((p, total))
        expect = month_end(p.year + (p.month == 12), p.month % 12 + 1)
    return out


def entered_history(t: Target, entries: list[Entry]) -> list[tuple[date, float]]:
    pts = {e.as_of: e.value for e in entries if e.indicator == t.indicator}
    if t.baseline is not None and t.baseline.date not in pts:
        pts[t.baseline.date] = t.baseline.value
    return sorted(pts.items())


def evaluate(t: Target, history: list[tuple[date, float]], scale: float = 1.0,
             levels: list[tuple[date, float]] | None = None) -> Status:
    """`levels`: for a growth target, the balance series its growth is projected through."""
    s = Status(t, scale=scale)
    pts = sorted(history)
    s.history = pts
    upto = [(d, v) for d, v in pts if d <= t.deadline]
    if not upto and not (t.indicator == "yoy" and levels):
        s.note = "no value measured or entered yet" if not pts else \
            "no value on or before the deadline"
        return s
    if upto:
        s.as_of, s.current = upto[-1]
    elif levels and max(levels)[0] >= t.deadline:
        s.note = "no growth at the deadline: the balance a year before it is not measured"
        return s
    if s.as_of is not None and s.as_of >= t.deadline:
        s.status = "met" if project.meets(s.current, t.comparison, s.goal) else "missed"
        s.note = f"value at the deadline {t.deadline.isoformat()}"
        return s
    s.projection = _projection(t, upto, s.goal, levels)
    s.note = s.projection.note
    if s.projection.value is None:
        s.status = "too_few_data"
    else:
        s.status = "on_track" if project.meets(s.projection.value, t.comparison, s.goal) \
            else "off_track"
    return s


def _projection(t: Target, upto: list[tuple[date, float]], goal: float,
                levels: list[tuple[date, float]] | None) -> project.Projection:
    """A level is projected on its own trend; a year-on-year growth through the balance's
    trend over the balance of the same month a year before the deadline (known by then)."""
    if t.indicator != "yoy" or not levels:
        return project.linear(upto, t.deadline, t.comparison, goal)
    base = dict(levels).get(months_back(t.deadline, 12))
    if not base:
        return project.Projection(None, None, None, None, len(upto),
                                  "the balance a year before the deadline is not measured")
    lv = project.linear([p for p in levels if p[0] <= t.deadline], t.deadline, t.comparison,
                        (1 + goal) * base)
    if lv.value is None:
        return lv

    def growth(v: float | None) -> float | None:
        return None if v is None else v / base - 1

    return project.Projection(growth(lv.value), growth(lv.low), growth(lv.high),
                              lv.probability, lv.points, lv.note + ", through the balance",
                              None if lv.slope is None else lv.slope / base)


def target_scale(home: Home) -> float:
    """1 for a real city. A synthetic city at scale 0.01 holds 1% of Shanghai's loans, so its
    absolute targets are compared at 1% (the home's `target_scale`, set when a generated city
    is collected); ratios and growth rates are never scaled."""
    return float(home.settings().get("target_scale", 1.0))


def statuses(home: Home, as_of: date | None = None,
             targets: list[Target] | None = None) -> list[Status]:
    """Every target's status with the data up to `as_of` (default: everything); cached per
    state of the measured periods, the entered figures and the home's settings."""
    entries = macro.in_force(cat.shared(home.catalog_url))
    settings = home.settings_path.stat().st_mtime_ns if home.settings_path.exists() else 0
    # Shared between callers: read them, do not change them (as_dict gives fresh dicts).
    return list(_statuses(home, as_of, tuple(targets) if targets is not None else None,
                          entries, state_key(home), settings))


@lru_cache(maxsize=64)
def _statuses(home: Home, as_of: date | None, targets: tuple[Target, ...] | None,
              entries: tuple[Entry, ...], _state: str, _settings: int) -> tuple[Status, ...]:
    targets = targets if targets is not None else tuple(target_catalogue.load())
    scale = target_scale(home)
    out, cache = [], {}
    for t in targets:
        if t.kind == "entered":
            hist = entered_history(t, entries)
            levels = None
        else:
            hist = measured_history(home, t)
            key = (t.area, t.sub_area)
            if key not in cache:
                cache[key] = [(p, float(r["balance"])) for p, r in
                              ((r["period"], r) for r in series(home, *key).to_pylist())]
            levels = cache[key]
        if as_of is not None:
            hist = [p for p in hist if p[0] <= as_of]
            levels = levels and [p for p in levels if p[0] <= as_of]
        out.append(evaluate(t, hist, scale if t.kind == "measured" else 1.0, levels))
    return tuple(out)

