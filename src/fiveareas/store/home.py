"""The data home: one directory that holds all of the platform's state."""

from __future__ import annotations

import json
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

    @property
    def settings_path(self) -> Path:
        return self.root / "settings.json"

    def settings(self) -> dict:
        """Operator settings kept in the home (e.g. `target_scale` for a synthetic city)."""
        p = self.settings_path
        return json.loads(p.read_text("utf-8")) if p.exists() else {}

    def save_setting(self, key: str, value: object) -> None:
        doc = self.settings() | {key: value}
        tmp = self.settings_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=1), "utf-8")
        tmp.replace(self.settings_path)
