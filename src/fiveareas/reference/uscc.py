"""Unified social credit code (GB 32100-2015): validate and generate.

The 18th character is a check character over the first 17, in the 31-character alphabet of
the standard (digits and capitals without I, O, Z, S, V), with weights 3^(i-1) mod 31.
Source: GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》, section 5 and annex B.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
# For `invalid`: each byte's value in the alphabet, or a value so large that one such byte
# takes a code's sum of values past anything 18 valid characters reach (18 x 30 = 540); and
# whether a byte is other than a digit.
_OFF_ALPHABET = 1000.0
_BYTE_VALUE = np.full(256, _OFF_ALPHABET, np.float32)
_BYTE_VALUE[[ord(c) for c in ALPHABET]] = np.arange(len(ALPHABET))
_NOT_DIGIT = np.ones(256, np.float32)
_NOT_DIGIT[ord("0"):ord("9") + 1] = 0
_WEIGHTS_18 = np.array((*WEIGHTS, 0), np.float32)  # the check character weighs nothing
_ONES = np.ones(18, np.float32)


def check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a code."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"not 17 characters of the GB 32100 alphabet: {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True when `code` has the GB 32100 shape and a correct check character."""
    return bool(SHAPE.match(code)) and check_character(code[:17]) == code[17]


def invalid(codes: pa.Array) -> np.ndarray:
    """For each value of a text array, whether it is not a valid code (a null is not
    invalid: a missing value is another rule's business). The same verdict as `is_valid`,
    vectorised over the array's bytes, for the millions of codes the collect path checks."""
    if not pa.types.is_string(codes.type):
        codes = codes.cast(pa.string())
    n = len(codes)
    offsets = np.frombuffer(codes.buffers()[1], np.int32)[codes.offset:codes.offset + n + 1]
    lengths = np.diff(offsets)
    whole = lengths == 18  # bytes: a code of other characters than ASCII ones is longer
    ok = np.zeros(n, bool)
    if whole.any():
        data = np.frombuffer(codes.buffers()[2], np.uint8)[offsets[0]:offsets[-1]]
        if not whole.all():
            data = data[np.repeat(whole, lengths)]
        chars = data.reshape(-1, 18)
        value = _BYTE_VALUE.take(chars)
        total = (value @ _WEIGHTS_18).astype(np.int32)
        ok[whole] = ((value @ _ONES < _OFF_ALPHABET)  # every character in the alphabet
                     & (_NOT_DIGIT.take(chars[:, 2:8]) @ _ONES[:6] == 0)  # a digit division
                     & (value[:, 17] == (31 - total % 31) % 31))
    if codes.null_count:
        ok |= ~np.asarray(codes.is_valid(), bool)
    return ~ok


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
