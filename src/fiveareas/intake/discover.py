"""Find the submissions in the paths a user hands to `ingest`.

A loan-book submission is a folder (or a pair of files) holding one `loans.*` file and one
`counterparties.*` file; an `institutions.*` file is the institution register; a supply-chain
submission is a folder of the files named in `SCF_FILES` (docs/supply-chain.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SUFFIXES = {".csv", ".txt", ".tsv", ".parquet", ".pq", ".xlsx"}
# File-name prefix -> dataset, longest prefix first where one starts another.
SCF_FILES = {
    "application_doc": "application_document",
    "application": "financing_application",
    "parties": "scf_party",
    "party": "scf_party",
    "contract": "contract",
    "invoice": "invoice",
    "shipment": "shipment",
    "warehouse": "warehouse_receipt",
    "payment": "payment",
}
KINDS = {
    "register": ("institution",),
    "loan_book": ("loan", "counterparty"),
    "scf": tuple(dict.fromkeys(SCF_FILES.values())),
}


@dataclass
class Found:
    kind: str  # register | loan_book | scf
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
    for prefix, dataset in SCF_FILES.items():
        if stem.startswith(prefix):
            return dataset
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
    for book in books.values():
        if set(book.files) & set(KINDS["scf"]) and not set(book.files) & set(KINDS["loan_book"]):
            book.kind = "scf"
    return registers + [books[k] for k in sorted(books)]
