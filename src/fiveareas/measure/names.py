"""Display names of the breakdowns' members: districts, industry sections, institutions."""

from __future__ import annotations

from functools import cache

from fiveareas.reference.districts import districts
from fiveareas.reference.industry import industries
from fiveareas.store import catalog as cat
from fiveareas.store import engine, lake
from fiveareas.store.home import Home
from fiveareas.store.submissions import current

INSTITUTION_TYPES = {
    "state_owned_bank": "国有大型商业银行", "joint_stock_bank": "股份制商业银行",
    "city_commercial_bank": "城市商业银行", "rural_commercial_bank": "农村商业银行",
    "foreign_bank": "外资银行", "village_bank": "村镇银行", "microloan_company": "小额贷款公司",
    "financing_guarantee": "融资担保公司", "factoring": "商业保理公司",
    "financial_leasing": "融资租赁公司",
}
SPECIAL = {"_T": "全市 (city total)", "_U": "未知 (unknown)", "_Z": "不适用 (persons)"}


@cache
def _fixed() -> dict[tuple[str, str], str]:
    names = {("district", d.code): d.name_zh for d in districts()}
    names |= {("industry_section", n.code): n.name_zh for n in industries()
              if n.level == "section"}
    names |= {("institution_type", k): v for k, v in INSTITUTION_TYPES.items()}
    return names


def institution_names(home: Home) -> dict[str, str]:
    """Registered names of the institutions in the register in force."""
    with cat.open_catalog(home.catalog_url).connect() as conn:
        register = current(conn, kind="register")
    files = lake.files(home, "institution", register)
    if not files:
        return {}
    con = engine.scratch()
    t = engine.read_lake(con, files)
    rows = con.to_pyarrow(t.select("institution_id", "name")).to_pylist()
    return {r["institution_id"]: r["name"] for r in rows}


def member_names(dimensions: list[str], members: list[str], home: Home) -> list[str | None]:
    fixed = _fixed()
    inst = institution_names(home) if "institution" in dimensions else {}
    out: list[str | None] = []
    for d, m in zip(dimensions, members, strict=True):
        out.append(SPECIAL.get(m) or (inst.get(m) if d == "institution" else fixed.get((d, m))))
    return out
