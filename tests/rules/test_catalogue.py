"""The definitions as data: parameters dated and cited, the catalogue consistent, its guide fresh."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fiveareas.reference import nbs_classifications
from fiveareas.rules import catalogue, context, guide
from fiveareas.rules.errors import NoData, Uncovered
from fiveareas.rules.params import _param, params

ROOT = Path(__file__).resolve().parents[2]
CITE = [{"document": "doc", "confidence": "A"}]


def test_every_parameter_value_is_dated_and_cited() -> None:
    for p in params().values():
        assert p.values and p.description
        for v in p.values:
            assert v.citations and all(c.document and c.confidence in "ABC" for c in v.citations)


def test_a_date_no_value_covers_is_an_error_not_a_neighbour() -> None:
    cap = params()["inclusive.credit_line_cap"]
    assert cap.at(dt.date(2018, 12, 31)).value == 5_000_000
    assert cap.at(dt.date(2019, 1, 1)).value == 10_000_000
    with pytest.raises(Uncovered, match="covers 2017-12-31"):
        cap.at(dt.date(2017, 12, 31))


def test_value_versions_name_parameter_and_start() -> None:
    assert params()["green.catalogue"].at(dt.date(2024, 6, 30)).version == \
        "green.catalogue@2020-01-01"


@pytest.mark.parametrize(("values", "message"), [
    ([{"from": dt.date(2020, 1, 1), "value": 1, "citations": CITE},
      {"from": dt.date(2021, 1, 1), "value": 2, "citations": CITE}], "overlaps"),
    ([{"from": dt.date(2020, 1, 1), "to": dt.date(2021, 6, 1), "value": 1, "citations": CITE},
      {"from": dt.date(2021, 1, 1), "value": 2, "citations": CITE}], "overlaps"),
    ([{"from": dt.date(2020, 1, 1), "value": 1}], "needs a citation"),
    ([{"from": dt.date(2020, 1, 1), "value": 1,
       "citations": [{"document": "doc", "confidence": "D"}]}], "confidence"),
    ([{"from": dt.date(2020, 1, 1), "to": dt.date(2019, 1, 1), "value": 1, "citations": CITE}],
     "ends before it starts"),
])
def test_malformed_parameters_are_refused(values: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _param("x.y", {"description": "d", "values": values})


def test_a_closed_value_then_a_new_one_is_a_change_of_rule() -> None:
    p = _param("x.y", {"description": "d", "values": [
        {"from": dt.date(2020, 1, 1), "to": dt.date(2020, 12, 31), "value": 1, "citations": CITE},
        {"from": dt.date(2021, 1, 1), "value": 2, "citations": CITE}]})
    assert [p.at(dt.date(2020, 12, 31)).value, p.at(dt.date(2021, 1, 1)).value] == [1, 2]


def test_context_reports_undefined_rules_with_why() -> None:
    ctx = context.at(dt.date(2017, 6, 30))
    skipped = dict((r.id, why) for r, why in ctx.skipped())
    assert "inclusive.credit_line_cap" in skipped["INC01"] and "GRN01" in skipped
    assert "TEC05" not in skipped  # no parameter, defined on every date


def test_a_table_with_no_classes_makes_its_rules_undefined(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator's copy of a classification without GB/T classes is refused by name, not
    read as 'no loan is in scope'."""
    header = ",".join(nbs_classifications.COLUMNS)
    (tmp_path / "digital_economy_2021.csv").write_text(header + "\n", "utf-8")
    monkeypatch.setenv("FIVEAREAS_REFERENCE_DIR", str(tmp_path))
    nbs_classifications.rows.cache_clear()
    try:
        ctx = context.at(dt.date(2024, 6, 30))
        assert isinstance(ctx.uncovered["digital.classification"], NoData)
        assert "DIG01" in dict((r.id, w) for r, w in ctx.skipped())
        assert "pension.classification" in ctx.values
    finally:
        monkeypatch.undo()
        nbs_classifications.rows.cache_clear()


@pytest.mark.parametrize(("raw", "message"), [
    ({"field": "product", "in": ["x"], "is": True}, "exactly one of"),
    ({"field": "product", "between": [1, 2]}, "exactly one of"),
])
def test_malformed_conditions_are_refused(raw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        catalogue._condition("R", raw)


def test_rule_kinds_and_areas_are_checked() -> None:
    base = {"id": "X1", "kind": "tag", "area": "green", "title": "t", "params": [],
            "when": [{"field": "product", "in": ["ip_pledge"]}], "reason": "r", "citation": "c"}
    with pytest.raises(ValueError, match="needs a sub_area"):
        catalogue._rule(base)
    with pytest.raises(ValueError, match="area one of"):
        catalogue._rule({**base, "area": "blue", "sub_area": "s"})


def test_the_published_catalogue_is_fresh() -> None:
    published = (ROOT / "docs/rules-catalogue.md").read_text(encoding="utf-8")
    assert published == guide.render(), "run `fiveareas docs` and commit docs/rules-catalogue.md"
