"""Unified social credit code (GB 32100-2015): validate and generate.

The 18th character is a check character over the first 17, in the 31-character alphabet of
the standard (digits and capitals without I, O, Z, S, V), with weights 3^(i-1) mod 31.
Source: GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》, section 5 and annex B.
"""

from __future__ import annotations

import re

import numpy as np

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a code."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"not 17 characters of the GB 32100 alphabet: {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True when `code` has the GB 32100 shape and a correct check character."""
    return bool(SHAPE.match(code)) and check_character(code[:17]) == code[17]


def generate(
    rng: np.random.Generator, n: int, prefix: str = "91", division: str = "310115"
) -> list[str]:
    """`n` distinct-looking valid codes: registration prefix, division code, random body."""
    body = rng.integers(0, len(ALPHABET), size=(n, 9))
    weights = np.array(WEIGHTS, dtype=np.int64)
    head = [_VALUE[c] for c in prefix + division]
    values = np.hstack([np.tile(head, (n, 1)), body])
    checks = (31 - (values @ weights) % 31) % 31
    alphabet = np.array(list(ALPHABET))
    chars = alphabet[np.hstack([values, checks[:, None]])]
    return ["".join(row) for row in chars]
