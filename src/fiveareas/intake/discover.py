"""Find the submissions in the paths a user hands to `ingest`.

A loan-book submission is a folder (or a pair of files) holding one `loans.*` file and one
`counterparties.*` file; an `institutions.*` file is the institution register.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SUFFIXES = {".csv", ".txt", ".tsv", ".parquet", ".pq", ".xlsx"}


@dataclass
class Found:
    kind: str  # register | loan_book
    files: dict[str, list[Path]] = field(default_factory=dict)
    where: Path = Path(".")


def role(path: Path) -> str | None:
    stem = path.name.lower()
    if stem.startswith("loan"):
        return "loan"
    if stem.startswith("counterpart"):
        return "counterparty"
    if stem.startswith("institution"):
        return "institution"
    return None


def discover(paths: list[Path]) -> list[Found]:
    """Registers first, then loan books in path order (so periods arrive in order)."""
    candidates: list[Path] = []
    for p in paths:
        if p.is_dir():
            candidates += sorted(f for f in p.rglob("*") if f.is_file() and role(f)
                                 and f.suffix.lower() in SUFFIXES | {""})
        else:
            candidates.append(p)
    registers: list[Found] = []
    books: dict[Path, Found] = {}
    for f in candidates:
        r = role(f) or "loan"
        if r == "institution":
            registers.append(Found("register", {"institution": [f]}, f.parent))
            continue
        book = books.setdefault(f.parent, Found("loan_book", {}, f.parent))
        book.files.setdefault(r, []).append(f)
    return registers + [books[k] for k in sorted(books)]
