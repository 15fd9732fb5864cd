"""The indicator catalogue against the engine, and the published guide against both files."""

from __future__ import annotations

from pathlib import Path

from fiveareas.measure import guide
from fiveareas.measure.catalogue import indicators
from fiveareas.measure.cube import MEASURES
from fiveareas.measure.read import FLOWS
from fiveareas.measure.target_catalogue import MEASURED_INDICATORS

ROOT = Path(__file__).resolve().parents[2]


def test_guide_is_current() -> None:
    text = (ROOT / "docs/indicators-and-targets.md").read_text(encoding="utf-8")
    assert text == guide.render(), "run `fiveareas docs` to regenerate the guide"


def test_every_stored_measure_is_published_but_the_internal_sum() -> None:
    stored = {i.id for i in indicators() if i.kind == "stored"}
    assert stored == set(MEASURES) - {"rate_weighted"}


def test_derived_indicators_name_what_they_read() -> None:
    ids = {i.id for i in indicators()}
    for i in indicators():
        if i.kind == "ratio":
            assert i.numerator in MEASURES and i.denominator in MEASURES
        if i.kind == "ytd":
            assert i.of in FLOWS and i.id == f"{i.of}_ytd"
    assert {"yoy", "ytd"} <= ids


def test_measured_targets_name_published_indicators() -> None:
    assert set(MEASURED_INDICATORS) <= {i.id for i in indicators()}
