"""Progress and projection on hand-made series: each status and each edge, from both sides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from fiveareas.measure import project
from fiveareas.measure.progress import entered_history, evaluate
from fiveareas.measure.read import month_end, months_back
from fiveareas.measure.target_catalogue import Baseline, load
from fiveareas.store.macro import Entry


def months(first: date, values: list[float]) -> list[tuple[date, float]]:
    return [(months_back(first, -i), v) for i, v in enumerate(values)]


def target(**kw: object):
    base = next(t for t in load() if t.id == "T002-11")  # green balance >= 1.5 trillion, 2024-12
    return replace(base, **kw)


def test_month_arithmetic() -> None:
    assert months_back(date(2024, 3, 31), 12) == date(2023, 3, 31)
    assert months_back(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_back(date(2024, 1, 31), -1) == date(2024, 2, 29)
    assert month_end(2023, 2) == date(2023, 2, 28)


def test_straight_line_projects_exactly() -> None:
    pts = months(date(2024, 1, 31), [100.0, 110.0, 120.0, 130.0, 140.0, 150.0])
    p = project.linear(pts, date(2024, 12, 31), "at_least", 200.0)
    assert p.value == pytest.approx(210.0, abs=0.5)
    assert p.low == pytest.approx(p.value) and p.high == pytest.approx(p.value)
    assert p.probability == 1.0
    assert project.linear(pts, date(2024, 12, 31), "at_least", 220.0).probability == 0.0


def test_noise_widens_the_interval_and_probability_is_between() -> None:
    pts = months(date(2024, 1, 31), [100, 113, 118, 133, 137, 152, 158, 171])
    p = project.linear(pts, date(2024, 12, 31), "at_least", 210.0)
    assert p.low < p.value < p.high
    assert 0.0 < p.probability < 1.0
    # a target below the whole interval is almost surely met, one above it almost surely not
    assert project.linear(pts, date(2024, 12, 31), "at_least", p.low * 0.9).probability > 0.95
    assert project.linear(pts, date(2024, 12, 31), "at_least", p.high * 1.1).probability < 0.05
    assert project.linear(pts, date(2024, 12, 31), "at_most", p.high * 1.1).probability > 0.95


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_too_few_points_give_no_projection(n: int) -> None:
    pts = months(date(2024, 1, 31), [100.0 + i for i in range(n)])
    p = project.linear(pts, date(2024, 12, 31), "at_least", 1.0)
    assert p.value is None and p.probability is None
    assert f"at least {project.MIN_POINTS}" in p.note


def test_four_points_are_enough() -> None:
    p = project.linear(months(date(2024, 1, 31), [1.0, 2.0, 3.1, 3.9]), date(2024, 6, 30),
                       "at_least", 1.0)
    assert p.value is not None and p.points == 4


@pytest.mark.parametrize(("value", "comparison", "goal", "ok"), [
    (100.0, "at_least", 100.0, True), (99.99, "at_least", 100.0, False),
    (100.0, "at_most", 100.0, True), (100.01, "at_most", 100.0, False),
    (105.0, "about", 100.0, True), (95.0, "about", 100.0, True),
    (105.01, "about", 100.0, False), (94.99, "about", 100.0, False),
])
def test_meets_each_comparison_at_its_edge(value: float, comparison: str, goal: float,
                                           ok: bool) -> None:
    assert project.meets(value, comparison, goal) is ok


def test_deadline_passed_is_met_or_missed_on_the_deadline_value() -> None:
    t = target(value=150.0)
    hist = months(date(2024, 1, 31), [100.0 + 5 * i for i in range(12)])  # 155 at 2024-12
    s = evaluate(t, hist)
    assert (s.status, s.current, s.as_of) == ("met", 155.0, date(2024, 12, 31))
    assert s.gap == pytest.approx(-5.0) and s.progress == pytest.approx(155 / 150)
    s = evaluate(target(value=156.0), hist)
    assert s.status == "missed" and s.gap == pytest.approx(1.0)


def test_values_after_the_deadline_are_not_used_for_it() -> None:
    hist = months(date(2024, 1, 31), [100.0 + 5 * i for i in range(15)])
    s = evaluate(target(value=150.0), hist)
    assert s.as_of == date(2024, 12, 31) and s.current == 155.0


def test_on_track_and_off_track_by_projection() -> None:
    hist = months(date(2024, 1, 31), [100.0 + 5 * i for i in range(6)])  # to 125 at 2024-06
    on = evaluate(target(value=150.0), hist)
    assert on.status == "on_track" and on.projection.value == pytest.approx(155.0, abs=0.5)
    off = evaluate(target(value=160.0), hist)
    assert off.status == "off_track"


def test_scale_applies_to_amounts_not_ratios() -> None:
    hist = months(date(2024, 1, 31), [1.0 + 0.05 * i for i in range(12)])
    s = evaluate(target(value=150.0), hist, scale=0.01)
    assert s.goal == pytest.approx(1.5) and s.status == "met"
    growth = target(indicator="yoy", unit="ratio", value=0.25)
    assert evaluate(growth, [(date(2024, 12, 31), 0.3)], scale=0.01).goal == 0.25


def test_too_few_and_no_data() -> None:
    s = evaluate(target(), months(date(2024, 1, 31), [1.0, 2.0]))
    assert s.status == "too_few_data" and s.current == 2.0 and "2 points" in s.note
    s = evaluate(target(), [])
    assert s.status == "no_data" and s.current is None and s.progress is None


def test_growth_is_projected_through_the_balance() -> None:
    t = target(indicator="yoy", unit="ratio", value=0.25, start=date(2024, 1, 1))
    levels = months(date(2023, 12, 31), [100.0 + 2.5 * i for i in range(7)])  # 115 at 2024-06
    s = evaluate(t, [], levels=levels)  # no growth measured yet: projected all the same
    assert s.status == "on_track" and s.current is None
    passed = evaluate(t, [], levels=months(date(2024, 1, 31), [100.0] * 12))
    assert passed.status == "no_data" and "a year before" in passed.note
    s = evaluate(t, [(date(2024, 6, 30), 0.2)], levels=levels)
    # base is the balance at 2023-12 (100): the line reaches 130 at 2024-12, growth 30%
    assert s.projection.value == pytest.approx(0.30, abs=0.01)
    assert s.status == "on_track"
    s = evaluate(replace(t, value=0.35), [(date(2024, 6, 30), 0.2)], levels=levels)
    assert s.status == "off_track"


def test_trend_is_the_fitted_slope_or_the_last_change() -> None:
    hist = months(date(2024, 1, 31), [100.0 + 5 * i for i in range(6)])
    assert evaluate(target(value=150.0), hist).trend == pytest.approx(5.0)
    s = evaluate(target(value=150.0), hist[:2])
    assert s.status == "too_few_data" and s.trend == pytest.approx(5.0)
    assert evaluate(target(), hist[:1]).trend is None


def test_growth_without_the_base_month_is_not_projected() -> None:
    t = target(indicator="yoy", unit="ratio", value=0.25)
    levels = months(date(2024, 1, 31), [100.0 + 2.5 * i for i in range(6)])
    s = evaluate(t, [(date(2024, 6, 30), 0.2)], levels=levels)
    assert s.status == "too_few_data" and "a year before" in s.note


def test_entered_history_adds_the_documents_baseline() -> None:
    t = next(t for t in load() if t.kind == "entered" and t.baseline is not None)
    e = Entry(1, t.indicator, date(2023, 12, 31), 1.0, t.unit, "test", "me")
    other = Entry(2, "something_else", date(2023, 12, 31), 9.0, t.unit, "test", "me")
    hist = entered_history(t, [e, other])
    assert hist == sorted([(t.baseline.date, t.baseline.value), (date(2023, 12, 31), 1.0)])
    assert isinstance(t.baseline, Baseline)
