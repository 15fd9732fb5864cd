"""The reporting template, read once from its YAML declaration.

Everything that knows about fields (validation, the data dictionary, the generator, the
API models) asks this module, so the template is declared in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import pyarrow as pa
import yaml

TEMPLATE_FILE = "template_v1.yaml"

# Template type -> (Arrow type of the stored column, SQL type for casting, unit shown in docs)
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "code": pa.string(),
    "enum": pa.string(),
    "date": pa.date32(),
    "amount": pa.decimal128(18, 2),
    "decimal": pa.float64(),
    "integer": pa.int64(),
    "boolean": pa.bool_(),
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    required: bool = False
    required_unless_person: bool = False
    allowed: tuple[str, ...] = ()
    pattern: str | None = None
    table: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    uscc: bool = False  # an organisation's unified social credit code

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    key: tuple[str, ...]
    fields: tuple[Field, ...] = field(default_factory=tuple)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(f.name, f.arrow_type) for f in self.fields])


@dataclass(frozen=True)
class Template:
    version: int
    sources: tuple[str, ...]
    datasets: dict[str, Dataset]

    def __getitem__(self, name: str) -> Dataset:
        return self.datasets[name]


def _field(raw: dict[str, Any]) -> Field:
    if raw["type"] not in ARROW_TYPES:
        raise ValueError(f"field {raw['name']}: unknown type {raw['type']!r}")
    return Field(**{**raw, "allowed": tuple(raw.get("allowed", ()))})


@cache
def template() -> Template:
    """The current reporting template (v1)."""
    text = resources.files("fiveareas.model").joinpath(TEMPLATE_FILE).read_text("utf-8")
    raw = yaml.safe_load(text)
    datasets = {
        name: Dataset(
            name=name,
            description=d["description"],
            key=tuple(d["key"]),
            fields=tuple(_field(f) for f in d["fields"]),
        )
        for name, d in raw["datasets"].items()
    }
    return Template(version=raw["version"], sources=tuple(raw["sources"]), datasets=datasets)
