"""The loan book as columns of numpy arrays: the only state kept between periods."""

from __future__ import annotations

import numpy as np

# column -> dtype; dates are int days since 1970-01-01, amounts int cents, rate basis points.
COLUMNS: dict[str, type] = {
    "id": np.int64, "inst": np.int64, "cp": np.int64, "stream": np.int64, "product": np.int64,
    "start": np.int64, "maturity": np.int64, "orig": np.int64, "bal": np.int64,
    "basis": np.int64, "rate": np.int64, "guarantee": np.int64, "gov": np.bool_,
    "first": np.bool_, "renewal": np.bool_, "quality": np.int64, "dpd": np.int64,
    "green": np.int64, "mismatch": np.bool_, "pind": np.int64, "currency": np.int64,
}


class Book:
    """Struct-of-arrays loan book; rows are loans outstanding at the current period end."""

    def __init__(self, cols: dict[str, np.ndarray] | None = None) -> None:
        if cols is None:
            cols = {k: np.zeros(0, dtype=t) for k, t in COLUMNS.items()}
        self.cols = {k: np.asarray(cols[k], dtype=COLUMNS[k]) for k in COLUMNS}

    def __len__(self) -> int:
        return len(self.cols["id"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]

    def __setitem__(self, name: str, value: np.ndarray) -> None:
        self.cols[name] = np.asarray(value, dtype=COLUMNS[name])

    def take(self, idx: np.ndarray) -> Book:
        return Book({k: v[idx] for k, v in self.cols.items()})

    @staticmethod
    def concat(books: list[Book]) -> Book:
        books = [b for b in books if len(b)]
        if not books:
            return Book()
        return Book({k: np.concatenate([b.cols[k] for b in books]) for k in COLUMNS})


def pair_lines(book: Book, n_inst: int) -> np.ndarray:
    """Credit line per loan: one figure per (borrower, institution), at least the larger of the
    pair's line bases and its total outstanding, rounded up to 10,000 yuan."""
    if not len(book):
        return np.zeros(0, dtype=np.int64)
    key = book["cp"] * n_inst + book["inst"]
    _, inv = np.unique(key, return_inverse=True)
    top = np.zeros(inv.max() + 1, dtype=np.int64)
    np.maximum.at(top, inv, book["basis"])
    total = np.bincount(inv, weights=book["bal"].astype(np.float64)).astype(np.int64)
    step = 1_000_000  # 10,000 yuan in cents
    total = -(-total // step) * step
    return np.maximum(top, total)[inv]
