"""The generator's own reading of the five-area totals, used to steer and to fill the manifest.

tech: borrower holds a valid high-tech, tech-SME, SRDI or little-giant status at the period end.
green: a green_code that fits the borrower's industry (labelled mismatches excluded).
inclusive: small/micro enterprise by true size (MIIT 300) or individual business, line <= 10M.
"""

from __future__ import annotations

import numpy as np

from fiveareas.synth.book import Book
from fiveareas.synth.config import INCLUSIVE_LINE_CAP, products
from fiveareas.synth.parties import Parties

IP = products().index("ip_pledge")


def area_masks(book: Book, parties: Parties, tech_ok: np.ndarray, line: np.ndarray):
    """Boolean masks per area for the rows of `book`."""
    cp = book["cp"]
    ctype = parties.ctype[cp]
    small = (ctype == 1) | ((ctype == 0) & (parties.true_size[cp] >= 2))
    return {
        "tech_balance": tech_ok[cp],
        "green_balance": (book["green"] >= 0) & ~book["mismatch"],
        "inclusive_balance": small & (line <= INCLUSIVE_LINE_CAP),
        "ip_pledge_balance": book["product"] == IP,
    }


def area_sums(book: Book, parties: Parties, tech_ok: np.ndarray, line: np.ndarray):
    """Exact balances (int cents) per area."""
    bal = book["bal"]
    return {k: int(bal[m].sum()) for k, m in area_masks(book, parties, tech_ok, line).items()}
