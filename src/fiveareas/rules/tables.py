"""Reference tables as small in-memory tables, chosen by the parameters in force.

Each is keyed for an equality join (prefix matches are expanded here, once), so the same
expressions run on any backend Ibis reaches.
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa

from fiveareas.reference import green, nbs_classifications, size_standard, tech_industries
from fiveareas.reference.industry import class_codes

SIZES = ("large", "medium", "small")
INDICATORS = (("employees", "employees_min"), ("operating_revenue", "revenue_min"),
              ("total_assets", "assets_min"))


@cache
def size_table(edition: str, scheme: str) -> pa.Table:
    """Per industry class: its sector and the lower bounds of large, medium and small."""
    bounds = size_standard.thresholds(edition)
    cols: dict[str, list[object]] = {"size_industry": [], "size_sector": [], "size_sizable": []}
    for size in SIZES:
        for ind, _ in INDICATORS:
            cols[f"{size}_{ind}"] = []
    for cls, sector in size_standard.class_sectors(scheme):
        cols["size_industry"].append(cls)
        cols["size_sector"].append(sector)
        # A sector the standard places but does not size (finance: 银发〔2015〕309号) is unsized.
        cols["size_sizable"].append(sector in bounds)
        for size in SIZES:
            b = bounds.get(sector, {}).get(size)
            for ind, attr in INDICATORS:
                v = None if b is None else getattr(b, attr)
                cols[f"{size}_{ind}"].append(None if v is None else float(v))
    types = {k: pa.float64() for k in cols} | {
        "size_industry": pa.string(), "size_sector": pa.string(), "size_sizable": pa.bool_()}
    return pa.table({k: pa.array(v, types[k]) for k, v in cols.items()})


@cache
def green_codes(version: str) -> pa.Table:
    """Codes of one catalogue version (levels 2 and 3) with their level-1 category."""
    codes = [item.code for item in green.catalogue(version) if item.level >= 2]
    return pa.table({"green_code_known": pa.array(codes, pa.string()),
                     "green_category_": pa.array([green.level1_of(c) for c in codes], pa.string())})


@cache
def green_fit(version: str) -> pa.Table:
    """Every (code, industry class) pair that fits, prefixes expanded to classes."""
    under: dict[str, list[str]] = {}
    for c in class_codes():  # every prefix (division, group, class) -> its classes
        for k in (2, 3, 4):
            under.setdefault(c[:k], []).append(c)
    pairs = {(code, c) for code, prefix in green.fit_rows(version) for c in under.get(prefix, ())}
    codes, inds = zip(*sorted(pairs), strict=True) if pairs else ((), ())
    return pa.table({"fit_code": pa.array(codes, pa.string()),
                     "fit_class": pa.array(inds, pa.string())})


@cache
def class_map(name: str, prefix: str, categories: tuple[str, ...] | None = None) -> pa.Table:
    """Per industry class, its category in an NBS classification (among `categories` when
    given); a fully-in-scope row wins over a '*' one, then the lowest category."""
    return _best(prefix, [(c, cat, p, 0) for c, cat, p in nbs_classifications.class_map(name)
                          if categories is None or cat in categories])


@cache
def tech_map(names: tuple[str, ...], prefix: str) -> pa.Table:
    """Per industry class, one technology-related category: a fully-in-scope one first, then
    the classifications in the parameter's order, then the lowest category."""
    rows = [(c, cat, p, i) for i, n in enumerate(names)
            for c, cat, p in tech_industries.class_map(n)]
    return _best(prefix, rows)


def _best(prefix: str, rows: list[tuple[str, str, bool, int]]) -> pa.Table:
    best: dict[str, tuple[bool, int, str]] = {}
    for cls, category, partial, order in rows:
        key = (bool(partial), order, category)
        if cls not in best or key < best[cls]:
            best[cls] = key
    items = [(c, (k[0], k[2])) for c, k in sorted(best.items())]
    return pa.table({
        f"{prefix}_class": pa.array([c for c, _ in items], pa.string()),
        f"{prefix}_category": pa.array([k[1] for _, k in items], pa.string()),
        f"{prefix}_partial": pa.array([k[0] for _, k in items], pa.bool_()),
    })


def missing(pid: str, value: object) -> str | None:
    """Why the table a parameter value names cannot be used here, or None when it can."""
    if pid == "sci_tech.industry_classifications" and not any(
            tech_industries.class_map(str(n)) for n in value):  # type: ignore[attr-defined]
        return "maps no GB/T 4754 class in this installation"
    if pid in ("digital.classification", "pension.classification") and \
            not nbs_classifications.class_map(str(value)):
        return ("maps no GB/T 4754 class in this installation (the official table was not "
                    "available to ship; put it in FIVEAREAS_REFERENCE_DIR, see "
                    "docs/reference-data.md)")
    return None
