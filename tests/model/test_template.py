"""The template is declared once; the data dictionary is generated from it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from fiveareas.model import dictionary
from fiveareas.model.template import template

ROOT = Path(__file__).resolve().parents[2]


def test_data_dictionary_is_current() -> None:
    text = (ROOT / "docs/data-dictionary.md").read_text(encoding="utf-8")
    assert text == dictionary.render(), "run `fiveareas docs` to regenerate the dictionary"


def test_design_field_names() -> None:
    t = template()
    assert t["loan"].columns[:4] == ["period", "institution_id", "loan_id", "counterparty_id"]
    assert "credit_line" in t["loan"].columns and "over_line" in t["loan"].columns
    assert t["counterparty"].key == ("counterparty_id",)
    assert t["loan"].field("balance").arrow_type == pa.decimal128(18, 2)
    assert t["loan"].field("period").arrow_type == pa.date32()
    assert set(t["institution"].field("institution_type").allowed) >= {
        "state_owned_bank", "village_bank", "financial_leasing"}


def test_every_field_documented() -> None:
    text = dictionary.render()
    for ds in template().datasets.values():
        assert f"## {ds.name}" in text
        for f in ds.fields:
            assert f"| `{f.name}` |" in text
            assert f.description
