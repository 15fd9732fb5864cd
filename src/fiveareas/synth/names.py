"""Chinese names for institutions, enterprises, individual businesses and persons (vectorised)."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fiveareas.synth.config import institution_types


def _districts() -> tuple[list[str], list[str]]:
    text = resources.files("fiveareas.reference").joinpath("data/districts.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return [r["code"] for r in rows], [r["name_zh"] for r in rows]


DISTRICTS, DISTRICT_NAMES = _districts()
_WORDS = list("华新恒瑞博远达信泰科中东盛鑫安宏嘉联创丰裕永汇源德康明景润金宝海天福兴和聚优锦睿")
_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁沈顾"
)
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文斌辉晨浩宇欣怡佳琪子轩雨萱")
_SHOPS = [
    "便利店", "餐饮店", "小吃店", "美发店", "五金店",
    "水果店", "服装店", "维修部", "商行", "工作室",
]
_BANK_SUFFIX = {
    "state_owned_bank": "银行上海市分行",
    "joint_stock_bank": "银行上海分行",
    "city_commercial_bank": "银行上海分行",
    "rural_commercial_bank": "农村商业银行股份有限公司",
    "foreign_bank": "银行（中国）有限公司上海分行",
    "village_bank": "村镇银行股份有限公司",
    "microloan_company": "小额贷款有限公司",
    "financing_guarantee": "融资担保有限公司",
    "factoring": "商业保理有限公司",
    "financial_leasing": "融资租赁（上海）有限公司",
}


def _pick(rng: np.random.Generator, words: list[str], n: int) -> pa.Array:
    return pa.array(words).take(pa.array(rng.integers(0, len(words), size=n)))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def institution_names(
    rng: np.random.Generator, type_idx: np.ndarray, district: np.ndarray
) -> np.ndarray:
    """Plausible, invented names by licence type; numbered to keep them distinct."""
    types = institution_types()
    n = len(type_idx)
    w1, w2 = _pick(rng, _WORDS, n).to_pylist(), _pick(rng, _WORDS, n).to_pylist()
    dname = dict(zip(DISTRICTS, DISTRICT_NAMES, strict=True))
    out = []
    for i in range(n):
        t = types[type_idx[i]]
        head = "上海" + dname[district[i]] if t in ("village_bank", "microloan_company") else "上海"
        core = w1[i] + w2[i]
        out.append(f"{head}{core}{_BANK_SUFFIX[t]}" if t not in (
            "state_owned_bank", "joint_stock_bank", "city_commercial_bank", "foreign_bank",
            "financial_leasing") else f"{core}{_BANK_SUFFIX[t]}")
    seen: dict[str, int] = {}
    for i, name in enumerate(out):
        k = seen.get(name, 0)
        seen[name] = k + 1
        if k:
            out[i] = f"{name}（{k + 1}）"
    return np.array(out)


def enterprise_names(rng: np.random.Generator, words: pa.Array) -> pa.Array:
    """上海 + two characters + the industry word + 有限公司."""
    n = len(words)
    return _join("上海", _pick(rng, _WORDS, n), _pick(rng, _WORDS, n), words, "有限公司")


def business_names(rng: np.random.Generator, district_idx: np.ndarray) -> pa.Array:
    """District + owner's surname + 记 + a shop kind, as 个体工商户 are named."""
    n = len(district_idx)
    dn = pa.array(DISTRICT_NAMES).take(pa.array(district_idx))
    return _join(dn, _pick(rng, _SURNAMES, n), "记", _pick(rng, _SHOPS, n))


def person_names(rng: np.random.Generator, n: int) -> pa.Array:
    """Surname plus one or two given-name characters."""
    two = pa.array(rng.random(n) < 0.6)
    second = pc.if_else(two, _pick(rng, _GIVEN, n), "")
    return _join(_pick(rng, _SURNAMES, n), _pick(rng, _GIVEN, n), second)
