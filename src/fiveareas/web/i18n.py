"""The pages' words in English and Chinese; a page is read in the language the visitor picked
(`/lang/zh`, `/lang/en`), English by default."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Five major areas of finance", "五篇大文章金融监测"),
    "overview": ("Overview", "总览"),
    "targets": ("Targets", "目标"),
    "submissions": ("Submissions", "报送"),
    "institution": ("Institution", "机构"),
    "sign_in": ("Sign in", "登录"),
    "sign_out": ("Sign out", "退出"),
    "username": ("Username", "用户名"),
    "password": ("Password", "密码"),
    "period": ("Period", "报告期"),
    "balance": ("Balance", "余额"),
    "yoy": ("YoY", "同比"),
    "ytd": ("YTD", "比年初"),
    "borrowers": ("Borrowers", "户数"),
    "loans": ("Loans", "笔数"),
    "npl_ratio": ("NPL ratio", "不良率"),
    "rate": ("Rate %", "利率%"),
    "new_lending": ("New lending", "当月发放"),
    "trend": ("Trend", "趋势"),
    "by_district": ("By district", "分区"),
    "by_institution_type": ("By institution type", "分机构类型"),
    "by_industry_section": ("By industry section", "分行业门类"),
    "by_institution": ("By institution", "分机构"),
    "sub_areas": ("Sub-areas", "子领域"),
    "status": ("Status", "状态"),
    "goal": ("Goal", "目标值"),
    "current": ("Current", "当前值"),
    "deadline": ("Deadline", "期限"),
    "projection": ("Projection", "预测"),
    "source": ("Source", "出处"),
    "upload": ("Upload a submission", "上传报送"),
    "drop_here": ("Drop the loan file and the counterparty file here, or choose them",
                  "将贷款文件和交易对手文件拖到此处，或选择文件"),
    "submit": ("Submit", "提交"),
    "nil_return": ("No loans this period (nil return)", "本期无贷款（零报送）"),
    "nil_return_help": ("An institution with no loans at a period end reports so here; a "
                        "file cannot, since a header alone names no institution or period.",
                        "期末无贷款余额的机构在此报送；仅含表头的文件无法说明机构和报告期。"),
    "not_reported": ("Not reported: registered, with no loan book or nil return in force",
                     "未报送：已登记但无有效贷款报送或零报送的机构"),
    "findings": ("Findings", "校验结果"),
    "quarantined": ("Quarantined rows", "隔离行"),
    "state": ("State", "状态"),
    "explain": ("Why this loan is where it is", "贷款归类说明"),
    "suppressed": ("suppressed (fewer than 3 borrowers)", "已隐藏（借款人少于3户）"),
    "no_data": ("No measured period yet.", "尚无已计算的报告期。"),
    "public_note": ("Public view: aggregates only; small cells suppressed.",
                    "公众视图：仅汇总数据，小单元格已隐藏。"),
    "contribution": ("Contribution to each area", "对各领域的贡献"),
    "share": ("Share of city", "占全市比重"),
    "language": ("中文", "English"),
    "kind": ("Kind", "类型"),
    "loan_book": ("loan book", "贷款"),
    "register": ("register", "机构名录"),
    "scf": ("supply chain", "供应链"),
    "supply_chain": ("Supply chain", "供应链金融"),
    "scf_intro": ("Checks across every bank's supply-chain documents and payments: the four "
                  "flows agree, no receivable or warehouse receipt is financed twice, no "
                  "circular trade among related parties, proceeds do not come back.",
                  "跨机构核查供应链单据与资金流：四流一致、应收账款和仓单不重复融资、关联方无循环贸易、"
                  "贷款资金不回流。"),
    "check_application": ("Check an application before financing", "融资前核查一笔申请"),
    "application": ("Application", "申请编号"),
    "check": ("Check", "核查"),
    "variant": ("Variant", "类型细分"),
    "severity": ("Severity", "严重程度"),
    "score": ("Score", "得分"),
    "applications": ("Applications", "申请"),
    "institutions": ("Institutions", "机构"),
    "evidence": ("Evidence", "证据"),
    "no_finding": ("No finding on this application.", "该申请未发现问题。"),
    "all_checks": ("All checks", "全部核查"),
    "four_flow": ("Four flows disagree", "四流不一致"),
    "duplicate_financing": ("Duplicate financing", "重复融资"),
    "double_pledge": ("Double pledge", "仓单重复质押"),
    "circular_trade": ("Circular trade", "循环贸易"),
    "proceeds_round_trip": ("Proceeds round trip", "资金回流"),
    "no_batch": ("No supply-chain batch yet: run `fiveareas run` or `fiveareas scf run`.",
                 "尚未运行供应链核查：请运行 fiveareas run 或 fiveareas scf run。"),
}
AREAS = {"all": ("All loans", "全部贷款"), "sci_tech": ("Sci-tech", "科技金融"),
         "green": ("Green", "绿色金融"), "inclusive": ("Inclusive", "普惠金融"),
         "pension": ("Pension", "养老金融"), "digital": ("Digital", "数字金融")}


def translator(lang: str):
    i = 1 if lang == "zh" else 0

    def t(key: str) -> str:
        pair = WORDS.get(key) or AREAS.get(key)
        return pair[i] if pair else key

    return t
