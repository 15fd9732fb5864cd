"""Scoring arithmetic on a hand-made findings/labels pair, and reading the labels file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fiveareas.watch.scf import Finding, evaluate, read_labels
from fiveareas.watch.scf.findings import to_table

LABELS = """case_id,check,variant,application_ids,institution_ids
c1,duplicate_financing,exact,A1;B1,BK1;BK2
c2,duplicate_financing,altered_number,A2;B2,BK1;BK2
c3,duplicate_financing,split_amount,A3;B3;B4,BK1;BK2
c4,four_flow,no_shipment,A9,BK1
"""


def _f(check: str, variant: str, apps: list[str]) -> Finding:
    return Finding(check, variant, "high", 1.0, ["BK1"], apps, {})


@pytest.fixture
def labels(tmp_path: Path):
    path = tmp_path / "scf.csv"
    path.write_text(LABELS, encoding="utf-8")
    return read_labels(path)


def test_read_labels_splits_lists(labels) -> None:
    row = labels.to_pylist()[2]
    assert row["application_ids"] == ["A3", "B3", "B4"]
    assert row["institution_ids"] == ["BK1", "BK2"]


def test_scoring_arithmetic(labels) -> None:
    found = to_table(
        [
            _f("duplicate_financing", "exact", ["A1", "B1"]),  # TP (c1)
            _f(
                "duplicate_financing", "name_variant", ["B2", "Z9"]
            ),  # TP, counted under c2's variant
            _f("duplicate_financing", "exact", ["Q1", "Q2"]),  # FP, own variant
            _f("four_flow", "no_payment", ["A1"]),  # FP: A1 is a duplicate case
            _f("four_flow", "no_shipment", ["A9"]),  # TP
        ],
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    rows = {(r["check"], r["variant"]): r for r in evaluate(found, labels)}
    dup = rows[("duplicate_financing", "all")]
    assert (dup["cases"], dup["findings"], dup["tp"], dup["fp"], dup["fn"]) == (3, 3, 2, 1, 1)
    assert dup["precision"] == pytest.approx(2 / 3, abs=1e-6)
    assert dup["recall"] == pytest.approx(2 / 3, abs=1e-6)
    assert dup["f1"] == pytest.approx(2 / 3, abs=1e-6)
    alt = rows[("duplicate_financing", "altered_number")]
    assert (alt["cases"], alt["findings"], alt["tp"], alt["fn"], alt["recall"]) == (1, 1, 1, 0, 1.0)
    ex = rows[("duplicate_financing", "exact")]
    assert (ex["cases"], ex["findings"], ex["tp"], ex["fp"]) == (1, 2, 1, 1)
    split = rows[("duplicate_financing", "split_amount")]
    assert (split["findings"], split["fn"], split["precision"], split["f1"]) == (0, 1, 0.0, 0.0)
    ff = rows[("four_flow", "all")]
    assert (ff["tp"], ff["fp"], ff["fn"], ff["precision"], ff["recall"]) == (1, 1, 0, 0.5, 1.0)
    assert rows[("four_flow", "no_payment")]["fp"] == 1
