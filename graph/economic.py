"""The national economic classification of department budget spending (部门预算支出经济分类科目).

Hebei documents print codes (301, 30101); Shanxi documents print only names. The national
names give the code, so 商品和服务支出 is 302 in every province and "economic class 302 by
department" can be asked across layouts. A name not listed keeps no code (its level then comes
from whether the row has a 政府预算 class beside it: 款 rows do, 类 rows do not).
"""

from __future__ import annotations

import re
from typing import Optional

from kg.model import EconomicSpending

CODES = {
    "工资福利支出": "301", "基本工资": "30101", "津贴补贴": "30102", "奖金": "30103", "伙食补助费": "30106",
    "绩效工资": "30107", "机关事业单位基本养老保险缴费": "30108", "职业年金缴费": "30109",
    "职工基本医疗保险缴费": "30110", "公务员医疗补助缴费": "30111", "其他社会保障缴费": "30112",
    "住房公积金": "30113", "医疗费": "30114", "其他工资福利支出": "30199",
    "商品和服务支出": "302", "办公费": "30201", "印刷费": "30202", "咨询费": "30203", "手续费": "30204",
    "水费": "30205", "电费": "30206", "邮电费": "30207", "取暖费": "30208", "物业管理费": "30209",
    "差旅费": "30211", "因公出国（境）费用": "30212", "维修（护）费": "30213", "租赁费": "30214", "会议费": "30215",
    "培训费": "30216", "公务接待费": "30217", "专用材料费": "30218", "被装购置费": "30224", "专用燃料费": "30225",
    "劳务费": "30226", "委托业务费": "30227", "工会经费": "30228", "福利费": "30229",
    "公务用车运行维护费": "30231", "其他交通费用": "30239", "税金及附加费用": "30240",
    "其他商品和服务支出": "30299",
    "对个人和家庭的补助": "303", "离休费": "30301", "退休费": "30302", "退职（役）费": "30303", "抚恤金": "30304",
    "生活补助": "30305", "救济费": "30306", "医疗费补助": "30307", "助学金": "30308", "奖励金": "30309",
    "个人农业生产补贴": "30310", "代缴社会保险费": "30311", "其他对个人和家庭的补助": "30399",
    "债务利息及费用支出": "307", "资本性支出（基本建设）": "309", "资本性支出": "310",
    "办公设备购置": "31002", "专用设备购置": "31003", "对企业补助（基本建设）": "311", "对企业补助": "312", "对社会保障基金补助": "313", "其他支出": "399",
}
"""National names → codes (类: 3 digits, 款: 5 digits)."""

_KEY = re.compile(r"[\s()（）]")
_BY_KEY = {_KEY.sub("", k): v for k, v in CODES.items()}


def code_of(row: EconomicSpending) -> Optional[str]:
    """The row's code as printed, else the national code of its name."""
    if row.code:
        return row.code
    return _BY_KEY.get(_KEY.sub("", row.name))


def coded_rows(rows) -> list[tuple[EconomicSpending, Optional[str], str]]:
    """(row, code, level) for each row; where a document prints codes, an uncoded row (a header
    such as 栏次) is not a class and is left out."""
    prints_codes = any(r.code for r in rows)
    return [(r, code_of(r), level_of(r)) for r in rows if r.code or not prints_codes]


def level_of(row: EconomicSpending) -> Optional[str]:
    """class (类) or subclass (款): from the code's length, else from the table's shape."""
    code = code_of(row)
    if code:
        return {3: "class", 5: "subclass"}.get(len(code))
    return "subclass" if row.government_class else "class"
