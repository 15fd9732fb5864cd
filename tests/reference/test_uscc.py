"""GB 32100-2015 check character, against codes published by the registered companies."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
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


def _mutations(codes: list[str], rng: np.random.Generator) -> list[str]:
    """Each code with one character replaced: by one of the alphabet, by a letter the
    alphabet leaves out, by lower case, a space, a full-width digit or a Chinese character."""
    pool = "0123456789ABCDEFGHJKLMNPQRTUWXY" + "IOSVZ" + "ab " + "\uff10中é"
    out = []
    for c in codes:
        i = int(rng.integers(0, 18))
        out.append(c[:i] + pool[int(rng.integers(0, len(pool)))] + c[i + 1:])
    return out


def _letter_in_division() -> list[str]:
    """Codes whose check character is right but whose division code (characters 3-8)
    holds a letter, which the standard does not allow there."""
    return [body + uscc.check_character(body) for body in ("9131A115MA1K4XYW0", "91310115M1K4A9YW0")]


def test_vectorised_check_agrees_with_python() -> None:
    """`invalid`, which the validator runs over whole columns, gives `is_valid`'s verdict
    on valid codes, on one-character mutations of them, on wrong lengths and on nulls."""
    rng = np.random.default_rng(11)
    good = [*PUBLISHED, *uscc.generate(rng, 400), *uscc.generate(rng, 100, "12", "110000")]
    values: list[str | None] = [
        *good, *_mutations(good, rng), "", " ", "9144030071526726X", "9144030071526726XGG",
        "9144030071526726xg", " 9144030071526726X", "中中中中中中", "914403007152672\u00e9G",
        "91440300715267A6XG", None, "91330100716105852F", *_letter_in_division()]
    expected = np.array([v is not None and not uscc.is_valid(v) for v in values])
    assert 100 < expected.sum() < len(good)  # most mutations fail; a few stay valid by chance
    arr = pa.array(values, pa.string())
    assert (uscc.invalid(arr) == expected).all()
    assert (uscc.invalid(arr.slice(7, 300)) == expected[7:307]).all()  # offsets of a slice
    assert (uscc.invalid(arr.cast(pa.large_string())) == expected).all()
    assert not uscc.invalid(pa.array([None, None], pa.string())).any()
    assert uscc.invalid(pa.array(["", ""], pa.string())).all()
    assert len(uscc.invalid(pa.array([], pa.string()))) == 0
