"""GB 32100-2015 check character, against codes published by the registered companies."""

from __future__ import annotations

import numpy as np
import pytest

from fiveareas.reference import uscc

# Second source: codes printed on the business licences / annual reports of these companies.
PUBLISHED = {
    "9144030071526726XG": "深圳市腾讯计算机系统有限公司",
    "91330100716105852F": "阿里巴巴(中国)有限公司",
    "914403001922038216": "华为技术有限公司",
}


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_published_codes_validate(code: str) -> None:
    assert uscc.is_valid(code)
    assert uscc.check_character(code[:17]) == code[17]


@pytest.mark.parametrize("bad", ["9144030071526726XA", "9144030071526726X", "9144030071526726XGG",
                                 "9144O30071526726XG", "91440300715267 6XG", ""])
def test_bad_codes_fail(bad: str) -> None:
    assert not uscc.is_valid(bad)


def test_generated_codes_are_valid_and_deterministic() -> None:
    a = uscc.generate(np.random.default_rng(7), 500, "92", "310104")
    b = uscc.generate(np.random.default_rng(7), 500, "92", "310104")
    assert a == b
    assert all(uscc.is_valid(c) and c.startswith("92310104") for c in a)


def test_engine_check_agrees_with_python() -> None:
    """The SQL form used by the validator gives the same verdict as this module."""
    import ibis

    from fiveareas.intake.checks import _credit_code_ok

    codes = [*PUBLISHED, "9144030071526726XA", "91330100716105852X",
             *uscc.generate(np.random.default_rng(1), 50)]
    t = ibis.memtable({"code": codes})
    got = t.select(ok=_credit_code_ok(t.code)).to_pyarrow()["ok"].to_pylist()
    assert got == [uscc.is_valid(c) for c in codes]
