"""The supply-chain world: enterprises around chain leaders, related-party groups, warehouses.

Every trading enterprise belongs to one chain with one role (tier-2 supplier, tier-1 supplier,
leader, buyer), so honest trade flows one way along the chain and never closes a loop by
accident; loops appear only where the generator puts them (frauds and hard negatives).
Service providers receive the background payments and never trade, so they cannot complete a
four-flow or a round trip by chance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fiveareas.reference import uscc
from fiveareas.synth.names import DISTRICTS

TIER2, TIER1, LEADER, BUYER, WAREHOUSE, SERVICE = range(6)

# goods, unit, price range in cents per unit, quantity range, decimals of the quantity
GOODS: tuple[tuple[str, str, int, int, float, float, int], ...] = (
    ("热轧卷板", "t", 350_000, 460_000, 50.0, 3000.0, 3),
    ("螺纹钢", "t", 330_000, 420_000, 50.0, 3000.0, 3),
    ("电解铜", "t", 6_000_000, 7_200_000, 5.0, 300.0, 3),
    ("铝锭", "t", 1_750_000, 2_050_000, 10.0, 600.0, 3),
    ("聚乙烯", "t", 750_000, 950_000, 20.0, 1500.0, 3),
    ("聚丙烯", "t", 700_000, 900_000, 20.0, 1500.0, 3),
    ("大豆", "t", 380_000, 520_000, 100.0, 5000.0, 3),
    ("棉花", "t", 1_400_000, 1_700_000, 20.0, 800.0, 3),
    ("纸浆", "t", 520_000, 700_000, 50.0, 2000.0, 3),
    ("原木", "m3", 90_000, 160_000, 100.0, 5000.0, 2),
    ("水泥", "t", 30_000, 50_000, 500.0, 20000.0, 2),
    ("锂电池模组", "pcs", 120_000, 300_000, 100.0, 20000.0, 0),
    ("光伏组件", "pcs", 40_000, 90_000, 500.0, 40000.0, 0),
    ("汽车零部件", "pcs", 2_000, 60_000, 1000.0, 100000.0, 0),
    ("集成电路", "pcs", 500, 20_000, 10000.0, 500000.0, 0),
    ("服装面料", "m", 1_500, 6_000, 5000.0, 200000.0, 1),
)
_WORDS = list("华新恒瑞博远达信泰科中东盛鑫安宏嘉联创丰裕永"
              "汇源德康明景润金宝海天福兴和聚优锦睿晟昊")
_TRADE = ["贸易", "实业", "钢铁", "化工", "物资", "供应链", "科技", "电子", "机械", "材料",
          "金属", "能源", "纺织", "农产品", "汽车配件", "新能源"]
_SERVICE = ["物业管理", "电力销售", "物流", "人力资源", "信息技术服务", "房屋租赁"]
_CARRIERS = ["顺丰速运", "德邦物流", "中远海运物流", "中铁快运", "安能物流", "京东物流",
             "上港物流", "中外运", "宝供物流", "日日顺物流"]


@dataclass
class World:
    ids: np.ndarray  # U18 credit codes
    names: list[str]  # registered names
    role: np.ndarray
    chain: np.ndarray  # -1 for warehouses and service providers
    group: np.ndarray  # -1 if none
    bank: np.ndarray  # home institution index (where its accounts are)
    leaders: np.ndarray  # leader party per chain
    chain_goods: np.ndarray  # (chains, 3) goods indices
    tier1: list[np.ndarray]  # tier-1 suppliers per chain
    members: dict[int, np.ndarray]  # role -> parties (sorted)
    groups: list[np.ndarray]  # members per group (leader first when a leader group)
    carriers: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    def group_id(self, party: int) -> str:
        g = int(self.group[party])
        return "" if g < 0 else f"G{g + 1:06d}"


def _names(rng: np.random.Generator, kinds: list[str], n: int) -> list[str]:
    """上海 + two characters + a trade word + 有限公司; a third character where one repeats."""
    w = rng.integers(0, len(_WORDS), size=(n, 2))
    k = rng.integers(0, len(kinds), size=n)
    out: list[str] = []
    seen: set[str] = set()
    for i in range(n):
        head = _WORDS[w[i, 0]] + _WORDS[w[i, 1]]
        while head + kinds[k[i]] in seen:
            head += _WORDS[int(rng.integers(0, len(_WORDS)))]
        seen.add(head + kinds[k[i]])
        out.append(f"上海{head}{kinds[k[i]]}有限公司")
    return out


def _codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct valid credit codes (redrawing the rare repeats)."""
    out = np.array(uscc.generate(rng, n, "91", DISTRICTS[0]), dtype="U18")
    dist = rng.integers(0, len(DISTRICTS), size=n)
    for d in np.unique(dist):
        m = dist == d
        out[m] = uscc.generate(rng, int(m.sum()), "91", DISTRICTS[d])
    while True:
        _, first = np.unique(out, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            return out
        out[dup] = uscc.generate(rng, int(dup.sum()), "91", DISTRICTS[0])


def make_world(rng: np.random.Generator, n_inst: int, deals: int) -> World:
    """About one trading enterprise per three deals, in chains of ~40, plus warehouses."""
    n_chain = max(8, deals // 120)
    per = 40
    n_trade = n_chain * per
    n_wh = max(6, n_chain // 4)
    n_srv = max(10, n_chain)
    n = n_trade + n_wh + n_srv
    role = np.empty(n, dtype=np.int64)
    chain = np.full(n, -1, dtype=np.int64)
    body = np.arange(n_trade)
    chain[:n_trade] = body // per
    slot = body % per
    role[:n_trade] = np.select([slot == 0, slot < 14, slot < 28], [LEADER, TIER1, TIER2], BUYER)
    role[n_trade:n_trade + n_wh] = WAREHOUSE
    role[n_trade + n_wh:] = SERVICE
    perm = rng.permutation(n)  # parties in random order, so index says nothing
    role, chain = role[perm], chain[perm]
    ids = _codes(rng, n)
    names = _names(rng, _TRADE, n)
    wh_names = _names(rng, ["仓储", "物流仓储", "冷链仓储"], n)
    srv_names = _names(rng, _SERVICE, n)
    names = [wh_names[i] if role[i] == WAREHOUSE else srv_names[i] if role[i] == SERVICE
             else names[i] for i in range(n)]
    leaders = np.empty(n_chain, dtype=np.int64)
    is_leader = np.flatnonzero(role == LEADER)
    leaders[chain[is_leader]] = is_leader
    chain_goods = np.stack([rng.choice(len(GOODS), 3, replace=False) for _ in range(n_chain)])
    tier1 = [np.flatnonzero((chain == c) & (role == TIER1)) for c in range(n_chain)]
    group = np.full(n, -1, dtype=np.int64)
    groups: list[np.ndarray] = []
    for c in range(n_chain):  # each leader heads a group with 3-6 of its chain's members
        others = np.flatnonzero((chain == c) & (role != LEADER))
        subs = rng.choice(others, int(rng.integers(3, 7)), replace=False)
        groups.append(np.concatenate([[leaders[c]], np.sort(subs)]))
    free = np.flatnonzero((group == -1) & (role != WAREHOUSE) & (role != SERVICE))
    free = np.setdiff1d(free, np.concatenate(groups))
    pool = rng.permutation(free)[: len(free) // 5]
    at = 0
    while at + 2 <= len(pool):  # small independent groups of 2-5
        k = int(rng.integers(2, 6))
        groups.append(np.sort(pool[at:at + k]))
        at += k
    for g, m in enumerate(groups):
        group[m] = g
    bank = rng.integers(0, n_inst, size=n)
    members = {r: np.flatnonzero(role == r) for r in range(6)}
    return World(ids, names, role, chain, group, bank, leaders, chain_goods, tier1, members,
                 groups, list(_CARRIERS))


def pick_pairs(rng: np.random.Generator, w: World, n: int) -> tuple[np.ndarray, ...]:
    """(seller, buyer, goods) for `n` honest trades along the chains."""
    traders = np.concatenate([w.members[TIER2], w.members[TIER1], w.members[BUYER]])
    m = traders[rng.integers(0, len(traders), size=n)]
    c = w.chain[m]
    r = w.role[m]
    lead = w.leaders[c]
    t1_len = np.array([len(t) for t in w.tier1])
    t1_off = np.concatenate([[0], np.cumsum(t1_len)[:-1]])
    t1_all = np.concatenate(w.tier1)
    t1 = t1_all[t1_off[c] + (rng.random(n) * t1_len[c]).astype(np.int64)]
    seller = np.where(r == BUYER, lead, m)
    buyer = np.select([r == BUYER, r == TIER1], [m, lead], t1)
    goods = w.chain_goods[c, rng.integers(0, 3, size=n)]
    return seller, buyer, goods


def related(w: World, party: int) -> np.ndarray:
    """The party and the members of its related-party group."""
    g = int(w.group[party])
    return np.array([party]) if g < 0 else w.groups[g]


def unrelated_trader(rng: np.random.Generator, w: World, avoid: set[int]) -> int:
    """A trading enterprise not in `avoid` and not related to any of them."""
    groups = {int(w.group[a]) for a in avoid if w.group[a] >= 0}
    traders = w.members[TIER1]
    while True:
        p = int(traders[rng.integers(0, len(traders))])
        if p not in avoid and int(w.group[p]) not in groups:
            return p
