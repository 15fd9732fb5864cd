"""Every rule test case through the real engine: the cases beside the rules
(src/fiveareas/rules/cases/*.yaml), and the digital and elderly-care cases that need
classification tables this release cannot ship (run on fixture tables)."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from fiveareas.reference import nbs_classifications
from fiveareas.rules import tables
from fiveareas.rules.catalogue import rules, size_rule
from tests.rules.cases import check, load, rules_of, run_all

DATA = Path(__file__).parent / "data"


def _shipped() -> list[dict[str, Any]]:
    folder = resources.files("fiveareas.rules").joinpath("cases")
    out: list[dict[str, Any]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            out += load(Path(str(entry)), entry.name.removesuffix(".yaml"))
    return out


SHIPPED = _shipped()
MAPPED = load(DATA / "mapped_cases.yaml", "mapped")


def _clear() -> None:
    nbs_classifications.rows.cache_clear()
    tables.class_map.cache_clear()


@pytest.fixture(scope="module")
def shipped() -> dict[str, dict[str, Any]]:
    return run_all(SHIPPED)


@pytest.fixture(scope="module")
def mapped() -> Iterator[dict[str, dict[str, Any]]]:
    mp = pytest.MonkeyPatch()
    mp.setenv("FIVEAREAS_REFERENCE_DIR", str(DATA / "reference"))
    _clear()
    try:
        yield run_all(MAPPED)
    finally:
        mp.undo()
        _clear()


@pytest.mark.parametrize("case", SHIPPED, ids=[f"{c['_id']} {c['name']}" for c in SHIPPED])
def test_shipped_case(case: dict[str, Any], shipped: dict[str, dict[str, Any]]) -> None:
    check(case, shipped.get(case["_id"]))


@pytest.mark.parametrize("case", MAPPED, ids=[f"{c['_id']} {c['name']}" for c in MAPPED])
def test_mapped_case(case: dict[str, Any], mapped: dict[str, dict[str, Any]]) -> None:
    check(case, mapped.get(case["_id"]))


def test_every_rule_has_ten_cases() -> None:
    counts = {r.id: 0 for r in rules()} | {size_rule().id: 0}
    for case in SHIPPED + MAPPED:
        for rid in rules_of(case):
            counts[rid] += 1
    assert {r: n for r, n in counts.items() if n < 10} == {}


def test_cases_name_only_known_rules() -> None:
    known = {r.id for r in rules()} | {size_rule().id}
    assert {r for c in SHIPPED + MAPPED for r in rules_of(c)} <= known
