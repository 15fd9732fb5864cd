"""The target catalogue: it loads, every record cites its seed verbatim and carries the figure
written there, the figures the platform is built around are present, and bad records fail."""

from __future__ import annotations

import math
import os
import re
from datetime import date
from pathlib import Path

import pytest

from fiveareas.measure.target_catalogue import (
    MEASURED_INDICATORS,
    Target,
    TargetCatalogueError,
    load,
)

# The source documents sit beside the repository (shared/seeds), in CI too.
SEEDS = Path(os.environ.get("FIVEAREAS_SEEDS_DIR")
             or Path(__file__).resolve().parents[2].parent / "shared" / "seeds")
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"source documents not at {SEEDS}")

SCALES = {"trillion": 1e12, "billion": 1e9, "million": 1e6}
# Figures written in words, by the unit they are in.
WORDS = {"one trillion": ("yuan", 1e12), "double-digit": ("ratio", 0.10),
         "cover all": ("ratio", 1.0)}
NUMBER = re.compile(
    r"(?<![\w$.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?P<scale>trillion|billion|million))?(?:\s*(?P<pct>%|percent))?")


@pytest.fixture(scope="module")
def targets() -> list[Target]:
    return load()


def figures(text: str) -> set[tuple[str, float]]:
    """(unit, value) of every figure written in `text`: 1.5 trillion -> yuan 1.5e12, 25 percent
    -> ratio 0.25, 20,000 -> count 20000; dollar amounts are skipped."""
    found = set()
    for m in NUMBER.finditer(text):
        n = float(m["num"].replace(",", ""))
        if m["pct"]:
            found.add(("ratio", n / 100))
        elif m["scale"]:
            found.add(("yuan", n * SCALES[m["scale"]]))
        else:
            found.add(("count", n))
    found |= {fig for words, fig in WORDS.items() if words in text.lower()}
    return found


def written(unit: str, value: float, text: str) -> bool:
    return any(u == unit and math.isclose(v, value, rel_tol=1e-9) for u, v in figures(text))


def test_figures_parses_the_forms_the_seeds_use() -> None:
    assert figures("exceed 1.5 trillion yuan ($180 billion), growth set at 25 percent") == {
        ("yuan", 1.5e12), ("ratio", 0.25)}
    assert figures("¥393.72 billion | ~ ¥700 billion | 85%+ | more than 20,000") == {
        ("yuan", 3.9372e11), ("yuan", 7e11), ("ratio", 0.85), ("count", 20000)}
    assert not written("yuan", 1.4e12, "exceed 1.5 trillion yuan")


def test_loads_with_unique_ids_in_order(targets: list[Target]) -> None:
    ids = [t.id for t in targets]
    assert len(targets) > 20
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    for t in targets:
        assert re.fullmatch(r"T\d{3}-\d{2}", t.id)
        assert t.source.startswith(t.id[1:4] + "_")
        if t.kind == "measured":
            assert t.indicator in MEASURED_INDICATORS


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _position(t: Target, text: str) -> int:
    """Where the record's sentence is in its seed (whitespace normalised, so a no-break space
    matches a space), or -1. A table row, its cells joined with " | ", must be its cells in
    order with nothing but whitespace between them."""
    cells = t.sentence.split(" | ")
    return _normal(text).find(" ".join(_normal(c) for c in cells))


@needs_seeds
def test_every_sentence_is_in_its_source_in_the_order_of_the_ids(targets: list[Target]) -> None:
    last: dict[str, int] = {}
    for t in targets:
        text = (SEEDS / t.source).read_text("utf-8")
        where = _position(t, text)
        assert where >= 0, (t.id, t.sentence)
        if " | " in t.sentence:
            assert t.comment and "table row" in t.comment.lower(), t.id
        if t.source in last:
            # Sentences keep the document's order; several records may cite one sentence.
            assert where >= last[t.source], t.id
        last[t.source] = where


def test_every_value_is_the_figure_written_in_its_sentence(targets: list[Target]) -> None:
    for t in targets:
        assert written(t.unit, t.value, t.sentence), (t.id, t.unit, t.value)
        if t.baseline is not None:
            assert written(t.unit, t.baseline.value, t.sentence), (t.id, t.baseline)


def test_a_year_end_in_the_sentence_is_the_deadline(targets: list[Target]) -> None:
    for t in targets:
        m = re.search(r"by the end of (\d{4})", t.sentence, re.IGNORECASE)
        if m:
            assert t.deadline == date(int(m[1]), 12, 31), t.id
        assert t.start is None or t.start < t.deadline


def _one(targets: list[Target], seed: str, indicator: str, area: str, sub_area: str = "total",
         nature: str = "target") -> Target:
    found = [t for t in targets if t.source.startswith(seed + "_") and t.indicator == indicator
             and t.area == area and t.sub_area == sub_area and t.nature == nature]
    assert len(found) == 1, (seed, indicator, area, sub_area, nature, found)
    return found[0]


def test_the_known_figures_are_there(targets: list[Target]) -> None:
    end_2024 = date(2024, 12, 31)
    expected = [  # (seed, indicator, area, sub_area, comparison, value, deadline, start)
        ("002", "balance", "inclusive", "total", "at_least", 1.3e12, end_2024, None),
        ("002", "balance", "sci_tech", "total", "at_least", 1.5e12, end_2024, None),
        ("002", "yoy", "sci_tech", "total", "at_least", 0.25, end_2024, date(2024, 1, 1)),
        ("002", "balance", "sci_tech", "ip_pledge", "about", 2e10, end_2024, None),
        ("002", "balance", "green", "total", "at_least", 1.5e12, end_2024, None),
        ("002", "first_time_borrowers_ytd", "all", "total", "at_least", 20000, end_2024,
         date(2024, 1, 1)),
        ("002", "renewal_amount_ytd", "all", "total", "at_least", 1e12, end_2024,
         date(2024, 1, 1)),
    ]
    for seed, indicator, area, sub_area, comparison, value, deadline, start in expected:
        t = _one(targets, seed, indicator, area, sub_area)
        assert (t.kind, t.comparison, t.value, t.deadline, t.start) == (
            "measured", comparison, value, deadline, start), t.id
    green = _one(targets, "003", "balance", "green", nature="reported")
    assert (green.value, green.deadline) == (1.2e12, date(2023, 12, 31))


def test_the_001_indicator_table_for_2025(targets: list[Target]) -> None:
    rows = {  # indicator -> (comparison, 2025 value, unit, 2020 baseline)
        "market_turnover": ("about", 2.8e15, "yuan", 2.2748e15),
        "direct_financing": ("about", 2.6e13, "yuan", 1.76e13),
        "direct_financing_national_share": ("at_least", 0.85, "ratio", 0.85),
        "foreign_bond_holding_share": ("about", 0.05, "ratio", 0.03),
        "panda_bonds_cumulative": ("about", 7e11, "yuan", 3.9372e11),
        "fintech_leading_firms": ("about", 50, "count", None),
    }
    table = [t for t in targets if t.source.startswith("001_")]
    assert {t.indicator for t in table} == set(rows)
    for t in table:
        comparison, value, unit, baseline = rows[t.indicator]
        assert (t.nature, t.kind, t.comparison, t.unit, t.deadline) == (
            "target", "entered", comparison, unit, date(2025, 12, 31)), t.id
        assert math.isclose(t.value, value), t.id
        if baseline is None:
            assert t.baseline is None, t.id
        else:
            assert t.baseline is not None and math.isclose(t.baseline.value, baseline), t.id
            assert t.baseline.date == date(2020, 12, 31), t.id


# --- bad records -------------------------------------------------------------------------------

GOOD = {
    "id": "T009-01", "title": "A test target", "title_zh": "测试", "nature": "target",
    "kind": "measured", "indicator": "balance", "area": "green", "sub_area": "total",
    "comparison": "at_least", "value": "1.5e12", "unit": "yuan", "start": "2024-01-01",
    "deadline": "2024-12-31", "scope": "test", "source": "009_test.txt",
    "sentence": "Green loans should exceed 1.5 trillion yuan.",
}


def _write(tmp_path: Path, *records: dict[str, str]) -> Path:
    """The records as YAML text, each value written raw, as a person would type it."""
    lines = ["targets:"]
    for record in records:
        for i, (key, value) in enumerate(record.items()):
            lines.append(f"  {'- ' if i == 0 else '  '}{key}: {value}")
    path = tmp_path / "targets.yaml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_the_good_record_loads(tmp_path: Path) -> None:
    (t,) = load(_write(tmp_path, GOOD))
    assert (t.id, t.value, t.start, t.deadline) == (
        "T009-01", 1.5e12, date(2024, 1, 1), date(2024, 12, 31))


@pytest.mark.parametrize(("change", "field"), [
    ({"comparison": "roughly"}, "comparison"),
    ({"comparison": "at least"}, "comparison"),
    ({"deadline": "2024-13-01"}, "deadline"),
    ({"deadline": "end of 2024"}, "deadline"),
    ({"deadline": "20241231"}, "deadline"),
    ({"start": "2024-02-30"}, "start"),
    ({"start": "2025-01-01"}, "start"),
    ({"start": "2024-12-31"}, "start"),
    ({"indicator": "loan_balance"}, "indicator"),
    ({"value": "1.5 trillion"}, "value"),
    ({"value": "abc"}, "value"),
    ({"value": "true"}, "value"),
    ({"nature": "goal"}, "nature"),
    ({"kind": "computed"}, "kind"),
    ({"unit": "percent"}, "unit"),
    ({"unit": "count"}, "unit"),
    ({"area": "supply_chain"}, "area"),
    ({"source": "002_other.txt"}, "source"),
    ({"baseline": "{value: abc, date: 2020-12-31}"}, "baseline"),
    ({"colour": "red"}, "colour"),
    ({"sentence": "''"}, "sentence"),
])
def test_a_bad_record_names_its_id_and_field(tmp_path: Path, change: dict[str, str],
                                             field: str) -> None:
    with pytest.raises(TargetCatalogueError) as err:
        load(_write(tmp_path, {**GOOD, "id": "T009-02"}, {**GOOD, **change}))
    assert "T009-01" in str(err.value) and field in str(err.value)


def test_a_duplicate_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TargetCatalogueError, match=r"T009-01: id: duplicate"):
        load(_write(tmp_path, GOOD, {**GOOD, "sentence": "Another."}))


def test_a_malformed_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TargetCatalogueError, match=r"'T9-1'.*id"):
        load(_write(tmp_path, {**GOOD, "id": "T9-1"}))


def test_an_entered_figure_needs_its_own_indicator(tmp_path: Path) -> None:
    entered = {**GOOD, "kind": "entered", "indicator": "market_turnover"}
    assert load(_write(tmp_path, entered))[0].indicator == "market_turnover"
    with pytest.raises(TargetCatalogueError, match=r"T009-01: indicator"):
        load(_write(tmp_path, {**entered, "indicator": "balance"}))
    with pytest.raises(TargetCatalogueError, match=r"T009-01: sub_area"):
        load(_write(tmp_path, {**entered, "sub_area": "ip_pledge"}))
