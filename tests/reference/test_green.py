"""Checks of the green-industry catalogue tables: the 2019 tree and its agreement with PBoC's
green-loan statistics items (A3327), the industry-fit table against GB/T 4754-2017, fit spot
checks (the mismatches the platform must flag, the project loans it must accept), and the 2025
catalogue."""

from __future__ import annotations

import csv
from collections import Counter
from importlib.resources import files

import pytest

from fiveareas.reference import green
from fiveareas.reference.green import catalogue, fit_rows, fits, is_code, level1_of, name
from fiveareas.reference.industry import class_codes, lookup

V19 = "green_2019"
V25 = "green_2025"

# Second source: PBoC 《绿色贷款专项统计制度修订内容》 (A3327, for 2020 data), items 3G297-3G543
# "(一)按贷款用途划分", transcribed from Jingkzhou/urgs@741bfee
# urgs-rag/doc_storehouse/A3327：绿色贷款专项统计制度修订内容.doc (line breaks inside names removed).
# The shipped table comes from NDRC's 解释说明 (a different document); see docs/reference-data.md.
A3327 = """
3G297 1 节能环保产业
3G298 1.1 高效节能装备制造
3G299 1.1.1 节能锅炉制造
3G300 1.1.2 节能窑炉制造
3G301 1.1.3 节能型泵及真空设备制造
3G302 1.1.4 节能型气体压缩设备制造
3G303 1.1.5 节能型液压气压元件制造
3G304 1.1.6 节能风机风扇制造
3G305 1.1.7 高效发电机及发电机组制造
3G306 1.1.8 节能电机制造
3G307 1.1.9 节能型变压器、整流器、电感器和电焊机制造
3G308 1.1.10 余热余压余气利用设备制造
3G309 1.1.11 高效节能家用电器制造
3G310 1.1.12 高效节能商用设备制造
3G311 1.1.13 高效照明产品及系统制造
3G312 1.1.14 绿色建筑材料制造
3G313 1.1.15 能源计量、监测、控制设备制造
3G314 1.2 先进环保装备制造
3G315 1.2.1 水污染防治装备制造
3G316 1.2.2 大气污染防治装备制造
3G317 1.2.3 土壤污染治理与修复装备制造
3G318 1.2.4 固体废物处理处置装备制造
3G319 1.2.5 减振降噪设备制造
3G320 1.2.6 放射性污染防治和处理设备制造
3G321 1.2.7 环境污染处理药剂、材料制造
3G322 1.2.8 环境监测仪器与应急处理设备制造
3G323 1.3 资源循环利用装备制造
3G324 1.3.1 矿产资源综合利用装备制造
3G325 1.3.2 工业固体废物综合利用装备制造
3G326 1.3.3 建筑废弃物、道路废弃物资源化无害化利用装备制造
3G327 1.3.4 餐厨废弃物资源化无害化利用装备制造
3G328 1.3.5 汽车零部件及机电产品再制造装备制造
3G329 1.3.6 资源再生利用装备制造
3G330 1.3.7 非常规水源利用装备制造
3G331 1.3.8 农林废物资源化无害化利用装备制造
3G332 1.3.9 城镇污水处理厂污泥处置综合利用装备制造
3G333 1.4 新能源汽车和绿色船舶制造
3G334 1.4.1 新能源汽车关键零部件制造和产业化
3G335 1.4.2 充电、换电及加氢设施制造
3G336 1.4.3 绿色船舶制造
3G337 1.5 节能改造
3G338 1.5.1 锅炉（窑炉）节能改造和能效提升
3G339 1.5.2 电机系统能效提升
3G340 1.5.3 余热余压利用
3G341 1.5.4 能量系统优化
3G342 1.5.5 绿色照明改造
3G343 1.5.6 汽轮发电机组系统能效提升
3G344 1.6 污染治理
3G345 1.6.1 良好水体保护及地下水环境防治
3G346 1.6.2 重点流域海域水环境治理
3G347 1.6.3 城市黑臭水体整治
3G348 1.6.4 船舶港口污染防治
3G349 1.6.5 交通车辆污染治理
3G350 1.6.6 城市扬尘综合整治
3G351 1.6.7 餐饮油烟污染治理
3G352 1.6.8 建设用地污染治理
3G353 1.6.9 农林草业面源污染防治
3G354 1.6.10 沙漠污染治理
3G355 1.6.11 农用地污染治理
3G356 1.6.12 噪声污染治理
3G357 1.6.13 恶臭污染治理
3G358 1.6.14 农村人居环境整治
3G359 1.7 资源循环利用
3G360 1.7.1 矿产资源综合利用
3G361 1.7.2 废旧资源再生利用
3G362 1.7.3 城乡生活垃圾综合利用
3G363 1.7.4 汽车零部件及机电产品再制造
3G364 1.7.5 海水、苦咸水淡化处理
3G365 1.7.6 雨水的收集、处理、利用
3G366 1.7.7 农业废弃物资源化利用
3G367 1.7.8 城镇污水处理厂污泥综合利用
3G368 2 清洁生产产业
3G369 2.1 产业园区绿色升级
3G370 2.1.1 园区产业链接循环化改造
3G371 2.1.2 园区资源利用高效化改造
3G372 2.1.3 园区污染治理集中化改造
3G373 2.1.4 园区重点行业清洁生产改造
3G374 2.2 无毒无害原料替代使用与危险废物治理
3G375 2.2.1 无毒无害原料生产与替代使用
3G376 2.2.2 危险废物处理处置
3G377 2.2.3 危险废物运输
3G378 2.2.4 高效低毒低残留农药生产与替代
3G379 2.3 生产过程废气处理处置及资源化综合利用
3G380 2.3.1 工业脱硫脱硝除尘改造
3G381 2.3.2 燃煤电厂超低排放改造
3G382 2.3.3 挥发性有机物综合整治
3G383 2.3.4 钢铁企业超低排放改造
3G384 2.4 生产过程节水和废水处理处置及资源化综合利用
3G385 2.4.1 生产过程节水和水资源高效利用
3G386 2.4.2 重点行业水污染治理
3G387 2.4.3 工业集聚区水污染集中治理
3G388 2.4.4 畜禽养殖废弃物污染治理
3G389 2.5 生产过程废渣处理处置及资源化综合利用
3G390 2.5.1 工业固体废弃物无害化处理处置及综合利用
3G391 2.5.2 历史遗留尾矿库整治
3G392 2.5.3 包装废弃物回收处理
3G393 2.5.4 废弃农膜回收利用
3G394 3 清洁能源产业
3G395 3.1 新能源与清洁能源装备制造
3G396 3.1.1 风力发电装备制造
3G397 3.1.2 太阳能发电装备制造
3G398 3.1.3 生物质能利用装备制造
3G399 3.1.4 水力发电和抽水蓄能装备制造
3G400 3.1.5 核电装备制造
3G401 3.1.6 非常规油气勘查开采装备制造
3G402 3.1.7 海洋油气开采装备制造
3G403 3.1.8 智能电网产品和装备制造
3G404 3.1.9 燃气轮机装备制造
3G405 3.1.10 燃料电池装备制造
3G406 3.1.11 地热能开发利用装备制造
3G407 3.1.12 海洋能开发利用装备制造
3G408 3.2 清洁能源设施建设和运营
3G409 3.2.1 风力发电设施建设和运营
3G410 3.2.2 太阳能利用设施建设和运营
3G411 3.2.3 生物质能源利用设施建设和运营
3G412 3.2.4 大型水力发电设施建设和运营
3G413 3.2.5 核电站建设和运营
3G414 3.2.6 煤层气（煤矿瓦斯）抽采利用设施建设和运营
3G415 3.2.7 地热能利用设施建设和运营
3G416 3.2.8 海洋能利用设施建设和运营
3G417 3.2.9 氢能利用设施建设和运营
3G418 3.2.10 热泵设施建设和运营
3G419 3.3 传统能源清洁高效利用
3G420 3.3.1 清洁燃油生产
3G421 3.3.2 煤炭清洁利用
3G422 3.3.3 煤炭清洁生产
3G423 3.4 能源系统高效运行
3G424 3.4.1 多能互补工程建设和运营
3G425 3.4.2 高效储能设施建设和运营
3G426 3.4.3 智能电网建设和运营
3G427 3.4.4 燃煤发电机组调峰灵活性改造工程和运营
3G428 3.4.5 天然气输送储运调峰设施建设和运营
3G429 3.4.6 分布式能源工程建设和运营
3G430 3.4.7 抽水蓄能电站建设和运营
3G431 4 生态环境产业
3G432 4.1 生态农业
3G433 4.1.1 现代农业种业及动植物种质资源保护
3G434 4.1.2 绿色有机农业
3G435 4.1.3 农作物种植保护地、保护区建设和运营
3G436 4.1.4 森林资源培育产业
3G437 4.1.5 林下种植和林下养殖产业
3G438 4.1.6 碳汇林、植树种草及林木种苗花卉
3G439 4.1.7 林业基因资源保护
3G440 4.1.8 绿色畜牧业
3G441 4.1.9 绿色渔业
3G442 4.1.10 森林游憩和康养产业
3G443 4.1.11 农作物病虫害绿色防控
3G444 4.2 生态保护
3G445 4.2.1 天然林资源保护
3G446 4.2.2 动植物资源保护
3G447 4.2.3 自然保护区建设和运营
3G448 4.2.4 生态功能区建设维护和运营
3G449 4.2.5 国家公园、世界遗产、国家级风景名胜区、国家森林公园、国家地质公园、国家湿地公园等保护性运营
3G450 4.3 生态修复
3G451 4.3.1 退耕还林还草和退牧还草工程建设
3G452 4.3.2 河湖与湿地保护恢复
3G453 4.3.3 增殖放流与海洋牧场建设和运营
3G454 4.3.4 国家生态安全屏障保护修复
3G455 4.3.5 重点生态区域综合治理
3G456 4.3.6 矿山生态环境恢复
3G457 4.3.7 荒漠化、石漠化和水土流失综合治理
3G458 4.3.8 有害生物灾害防治
3G459 4.3.9 水生态系统旱涝灾害防控及应对
3G460 4.3.10 地下水超采区治理与修复
3G461 4.3.11 采煤沉陷区综合治理
3G462 4.3.12 农村土地综合整治
3G463 4.3.13 海域、海岸带和海岛综合整治
3G464 5 基础设施绿色升级
3G465 5.1 建筑节能与绿色建筑
3G466 5.1.1 超低能耗建筑建设
3G467 5.1.2 绿色建筑
3G468 5.1.3 建筑可再生能源应用
3G469 5.1.4 装配式建筑
3G470 5.1.5 既有建筑节能及绿色化改造
3G471 5.1.6 物流绿色仓储
3G472 5.2 绿色交通
3G473 5.2.1 不停车收费系统建设和运营
3G474 5.2.2 港口、码头岸电设施及机场廊桥供电设施建设
3G475 5.2.3 集装箱多式联运系统建设和运营
3G476 5.2.4 智能交通体系建设和运营
3G477 5.2.5 充电、换电、加氢和加气设施建设和运营
3G478 5.2.6 城市慢行系统建设和运营
3G479 5.2.7 城乡公共交通系统建设和运营
3G480 5.2.8 共享交通设施建设和运营
3G481 5.2.9 公路甩挂运输系统建设和运营
3G482 5.2.10 货物运输铁路建设运营和铁路节能环保改造
3G483 5.3 环境基础设施
3G484 5.3.1 污水处理、再生利用及污泥处理处置设施建设运营
3G485 5.3.2 生活垃圾处理设施建设和运营
3G486 5.3.3 环境监测系统建设和运营
3G487 5.3.4 城镇污水收集系统排查改造建设修复
3G488 5.3.5 城镇供水管网分区计量漏损控制建设和运营
3G489 5.3.6 入河排污口排查整治及规范化建设和运营
3G490 5.4 城镇能源基础设施
3G491 5.4.1 城镇集中供热系统清洁化建设运营和改造
3G492 5.4.2 城镇电力设施智能化建设运营和改造
3G493 5.4.3 城镇一体化集成供能设施建设和运营
3G494 5.5 海绵城市
3G495 5.5.1 海绵型建筑与小区建设和运营
3G496 5.5.2 海绵型道路与广场建设和运营
3G497 5.5.3 海绵型公园和绿地建设和运营
3G498 5.5.4 城市排水设施达标建设运营和改造
3G499 5.5.5 城市水体自然生态修复
3G500 5.6 园林绿化
3G501 5.6.1 公园绿地建设、养护和运营
3G502 5.6.2 绿道系统建设、养护管理和运营
3G503 5.6.3 附属绿地建设、养护管理和运营
3G504 5.6.4 道路绿化建设、养护管理
3G505 5.6.5 区域绿地建设、养护管理和运营
3G506 5.6.6 立体绿化建设、养护管理
3G507 6 绿色服务
3G508 6.1 咨询服务
3G509 6.1.1 绿色产业项目勘察服务
3G510 6.1.2 绿色产业项目方案设计服务
3G511 6.1.3 绿色产业项目技术咨询服务
3G512 6.1.4 清洁生产审核服务
3G513 6.2 项目运营管理
3G514 6.2.1 能源管理体系建设
3G515 6.2.2 合同能源管理服务
3G516 6.2.3 用能权交易服务
3G517 6.2.4 水权交易服务
3G518 6.2.5 排污许可及交易服务
3G519 6.2.6 碳排放权交易服务
3G520 6.2.7 电力需求侧管理服务
3G521 6.2.8 可再生能源绿证交易服务
3G522 6.3 项目评估审计核查
3G523 6.3.1 节能评估和能源审计
3G524 6.3.2 环境影响评价
3G525 6.3.3 碳排放核查
3G526 6.3.4 地质灾害危险性评估
3G527 6.3.5 水土保持评估
3G528 6.4 监测检测
3G529 6.4.1 能源在线监测系统建设
3G530 6.4.2 污染源监测
3G531 6.4.3 环境损害评估监测
3G532 6.4.4 环境影响评价监测
3G533 6.4.5 企业环境监测
3G534 6.4.6 生态环境监测
3G535 6.5 技术产品认证和推广
3G536 6.5.1 节能产品认证推广
3G537 6.5.2 低碳产品认证推广
3G538 6.5.3 节水产品认证推广
3G539 6.5.4 环境标志产品认证推广
3G540 6.5.5 有机食品认证推广
3G541 6.5.6 绿色食品认证推广
3G542 6.5.7 资源综合利用产品认定推广
3G543 6.5.8 绿色建材认证推广
"""
# Names where A3327 and the shipped (NDRC 解释说明) copy differ: code -> (shipped, A3327).
KNOWN_NAME_DIFFERENCES = {"3.2.10": ("热泵建设和运营", "热泵设施建设和运营")}


def _a3327() -> dict[str, str]:
    out = {}
    for line in A3327.strip().splitlines():
        _indicator, code, item = line.split()
        out[code] = item
    return out


# ---- 2019 catalogue


def test_counts_per_level_2019() -> None:
    assert Counter(i.level for i in catalogue(V19)) == {1: 6, 2: 30, 3: 211}


def test_codes_unique_and_parents_exist() -> None:
    for version in green.versions():
        items = catalogue(version)
        codes = [i.code for i in items]
        assert len(codes) == len(set(codes)), version
        for i in items:
            if i.level == 1:
                assert i.parent is None and "." not in i.code
            else:
                assert i.parent is not None and is_code(i.parent, version), i
                assert i.code.rsplit(".", 1)[0] == i.parent, i
                assert i.code.count(".") == i.level - 1, i
            assert i.name_zh and i.name_zh == i.name_zh.strip() and " " not in i.name_zh, i


def test_children_numbered_from_one_without_gaps() -> None:
    for version in green.versions():
        kids: dict[str | None, list[int]] = {}
        for i in catalogue(version):
            kids.setdefault(i.parent, []).append(int(i.code.rsplit(".", 1)[-1]))
        for parent, numbers in kids.items():
            assert numbers == list(range(1, len(numbers) + 1)), (version, parent)


def test_code_set_matches_a3327() -> None:
    other = _a3327()
    assert len(other) == 247
    assert {i.code for i in catalogue(V19)} == set(other)


def test_names_match_a3327_except_known() -> None:
    other = _a3327()
    diffs = {
        i.code: (i.name_zh, other[i.code]) for i in catalogue(V19) if i.name_zh != other[i.code]
    }
    assert diffs == KNOWN_NAME_DIFFERENCES


@pytest.mark.parametrize(
    ("code", "item"),
    [
        ("3", "清洁能源产业"),
        ("3.2", "清洁能源设施建设和运营"),
        ("3.2.1", "风力发电设施建设和运营"),
        ("3.2.2", "太阳能利用设施建设和运营"),
        ("3.2.3", "生物质能源利用设施建设和运营"),
        ("1.1.1", "节能锅炉制造"),
        ("5.3", "环境基础设施"),
        ("6.5.8", "绿色建材认证推广"),
    ],
)
def test_names(code: str, item: str) -> None:
    assert name(code, V19) == item


def test_lookups_and_errors() -> None:
    assert green.versions() == (V19, V25)
    assert is_code("3.2.2", V19) and is_code(" 5.3 ", V19) and is_code("6", V19)
    assert not is_code("3.2.11", V19) and not is_code("7", V19) and not is_code("", V19)
    assert is_code("9.1.3", V25) and not is_code("9.1.3", V19)
    assert level1_of("3.2.2") == "3" and level1_of("5.3") == "5" and level1_of("6") == "6"
    assert level1_of("3.2.10") == "3"
    for bad in ("", "3.", "03.1", "3.2.2.1", "a.1"):
        with pytest.raises(ValueError):
            level1_of(bad)
    with pytest.raises(KeyError):
        name("3.2.11", V19)
    with pytest.raises(ValueError):
        catalogue("green_2023")
    assert catalogue(V19) is catalogue(V19)


# ---- fit table


def test_fit_prefixes_exist_in_gbt4754() -> None:
    levels = {"division": 2, "group": 3, "class": 4}
    for version in green.versions():
        for code, prefix in fit_rows(version):
            node = lookup(prefix)
            assert node is not None and levels.get(node.level) == len(prefix), (version, prefix)
            assert is_code(code, version), code


def test_every_level3_code_has_a_fit() -> None:
    covered = {code for code, _ in fit_rows(V19)}
    assert {i.code for i in catalogue(V19)} <= covered


def test_fit_rows_minimal_and_unique() -> None:
    rows = fit_rows(V19)
    assert len(rows) == len(set(rows))
    per: dict[str, set[str]] = {}
    for code, prefix in rows:
        per.setdefault(code, set()).add(prefix)
    for code, prefixes in per.items():
        for p in prefixes:
            assert not any(p[:n] in prefixes for n in range(2, len(p))), (code, p)


def test_fits_agrees_with_fit_rows() -> None:
    per: dict[str, list[str]] = {}
    for code, prefix in fit_rows(V19):
        per.setdefault(code, []).append(prefix)
    for code in ("3.2.2", "3.2", "1.4.1", "5.3", "6.2.2", "4.1.2", "2"):
        for cls in sorted(class_codes()):
            assert fits(code, cls, V19) == any(cls.startswith(p) for p in per[code]), (code, cls)


def _gbt_codes_2025(code: str) -> tuple[str, ...]:
    return next(i.gbt_codes for i in catalogue(V25) if i.code == code)


def test_fit_table_basis_column() -> None:
    text = files("fiveareas.reference").joinpath("data/green_fit_2019.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    keys = [(r["code"], r["gbt_code"]) for r in rows]
    assert len(keys) == len(set(keys))
    codes25 = {i.code for i in catalogue(V25)}
    for r in rows:
        if r["basis"] == "manual":
            assert r["note"], r
        else:
            kind, _, refs = r["basis"].partition(":")
            assert kind == "matched_2025", r
            for ref in refs.split("+"):
                assert ref in codes25, r
                assert r["gbt_code"] in _gbt_codes_2025(ref), r


@pytest.mark.parametrize(
    ("code", "gbt", "expected"),
    [
        # solar facilities: the solar plant and its builders fit, a coal plant does not
        ("3.2.2", "4416", True),
        ("3.2.2", "4875", True),
        ("3.2.2", "4851", True),
        ("3.2.2", "4411", False),
        ("3.2.2", "4871", False),
        ("3.2.2", "0610", False),
        ("3.2.2", "2511", False),
        ("3.2.2", "3825", False),
        # wind facilities
        ("3.2.1", "4415", True),
        ("3.2.1", "4874", True),
        ("3.2.1", "4411", False),
        # new-energy vehicles
        ("1.4.1", "3612", True),
        ("1.4.1", "3670", True),
        ("1.4.1", "3611", False),
        ("1.4", "3612", True),
        # coal mining and refining on manufacturing / clean-energy codes
        ("1.1.1", "0610", False),
        ("1.7.1", "0610", False),
        ("3.2.6", "0610", False),
        ("3.2.6", "0721", True),
        ("3.2.3", "2511", False),
        ("3.2.3", "2541", True),
        # where fossil industries are the point of the item
        ("3.3.1", "2511", True),
        ("3.3.3", "0610", True),
        ("2.3.2", "4411", True),
        ("3.4.4", "4411", True),
        # level-2 and level-1 codes: any child
        ("3.2", "4416", True),
        ("3.2", "4411", False),
        ("5.3", "4620", True),
        ("5.3", "0610", False),
        ("3", "4411", True),
        # services
        ("6.2.2", "7514", True),
        ("6.2.2", "4411", False),
    ],
)
def test_fit_spot_checks(code: str, gbt: str, expected: bool) -> None:
    assert fits(code, gbt, V19) is expected


def test_construction_fits_project_codes_but_not_manufacturing() -> None:
    for cls in ("4710", "4790", "4813", "4862", "4910", "4920", "5011"):
        assert fits("3.2.2", cls, V19), cls
        assert fits("5.3.1", cls, V19), cls
        assert not fits("1.1.1", cls, V19), cls
        assert not fits("6.3.1", cls, V19), cls


def test_no_clean_energy_code_fits_fossil_power_coal_or_refining() -> None:
    for item in catalogue(V19):
        if item.level == 3 and item.code.startswith("3.2."):
            for cls in ("4411", "0610", "0620", "2511", "4871"):
                assert not fits(item.code, cls, V19), (item.code, cls)
        if item.level == 3 and item.code.startswith("1."):
            assert not fits(item.code, "0610", V19), item.code


def test_fits_errors() -> None:
    with pytest.raises(KeyError):
        fits("3.2.11", "4416", V19)
    assert not fits("3.2.2", "", V19)
    assert fits(" 3.2.2 ", " 4416 ", V19)


# ---- 2025 catalogue


def test_counts_per_level_2025() -> None:
    assert Counter(i.level for i in catalogue(V25)) == {1: 9, 2: 38, 3: 271}
    assert [i.name_zh for i in catalogue(V25) if i.level == 1][7:] == ["绿色贸易", "绿色消费"]


def test_2025_codes_are_gbt_classes() -> None:
    classes = class_codes()
    for i in catalogue(V25):
        assert set(i.gbt_codes) <= classes, i
        assert len(i.gbt_codes) == len(set(i.gbt_codes)), i
        assert not i.gbt_codes or i.level == 3


def test_2025_solar_has_a_new_code() -> None:
    assert name("4.2.2", V25) == "太阳能利用设施建设和运营"
    assert fits("4.2.2", "4416", V25) and not fits("4.2.2", "4411", V25)
    assert name("3.2.2", V25) != name("3.2.2", V19)
