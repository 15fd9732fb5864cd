"""The data home: one directory that holds all of the platform's state."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = "./fiveareas-data"


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, home: str | Path | None = None) -> Home:
        """`--home`, else FIVEAREAS_HOME, else ./fiveareas-data."""
        root = Path(home or os.environ.get("FIVEAREAS_HOME") or DEFAULT_HOME).resolve()
        root.mkdir(parents=True, exist_ok=True)
        return cls(root)

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def catalog_url(self) -> str:
        default = f"sqlite:///{self.root / 'catalog.sqlite'}"
        return os.environ.get("FIVEAREAS_CATALOG_URL") or default
