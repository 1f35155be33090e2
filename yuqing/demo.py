"""The demo county (演示县) that `yuqing up` seeds: units, places, people.

Each service seeds only its own part (dispatch: units; ingest: gazetteer; gateway: users)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

COUNTY = "演示县"


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    kind: str  # office, township, department, school, hospital, enterprise
    parent: str | None = None
    keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()   # sensitive categories a department is competent for


UNITS = (
    DemoUnit("wxb", "县委网信办（舆情办）", "office"),
    DemoUnit("chengguan", "城关镇人民政府", "township"),
    DemoUnit("hexi", "河西镇人民政府", "township"),
    DemoUnit("qingshan", "青山乡人民政府", "township"),
    DemoUnit("baishui", "白水乡人民政府", "township"),
    DemoUnit("longtan", "龙潭镇人民政府", "township"),
    DemoUnit("jyj", "县教育局", "department", keywords=("学校", "食堂", "学生", "教师", "校园", "教育"), categories=("教育",)),
    DemoUnit("wjj", "县卫生健康局", "department", keywords=("医院", "医生", "患者", "疫情", "卫生", "医疗"), categories=("公共卫生",)),
    DemoUnit("scjg", "县市场监督管理局", "department", keywords=("食品", "餐馆", "超市", "假冒", "价格", "变质"), categories=("食品安全",)),
    DemoUnit("yjj", "县应急管理局", "department", keywords=("煤矿", "事故", "爆炸", "火灾", "安全生产", "洪水", "塌方"), categories=("安全生产", "自然灾害")),
    DemoUnit("hbj", "县生态环境分局", "department", keywords=("污染", "排污", "臭味", "黑烟", "环境"), categories=("环境污染",)),
    DemoUnit("gaj", "县公安局", "department", keywords=("打架", "诈骗", "治安", "盗窃", "谣言"), categories=("涉稳",)),
    DemoUnit("yizhong", "县第一中学", "school", parent="jyj"),
    DemoUnit("rmyy", "县人民医院", "hospital", parent="wjj"),
    DemoUnit("chengtou", "县城投集团", "enterprise"),
)

# The county leader in charge of every demo unit (分管领导): 督办 goes to them.
UNIT_LEADER = "leader"

# Place and institution names → the township responsible (属地), their kind, and for
# short forms the full name they stand for.
PLACES = (
    ("城关镇", "chengguan", "township"), ("城关", "chengguan", "township", "城关镇"),
    ("河西镇", "hexi", "township"), ("河西", "hexi", "township", "河西镇"), ("桃源村", "hexi", "village"),
    ("青山乡", "qingshan", "township"), ("青山村", "qingshan", "village"),
    ("白水乡", "baishui", "township"), ("白水河", "baishui", "river"),
    ("龙潭镇", "longtan", "township"), ("龙潭煤矿", "longtan", "institution"),
    ("县第一中学", "chengguan", "school"),
    ("县人民医院", "chengguan", "hospital"), ("县中医院", "chengguan", "hospital"),
    ("县第二中学", "hexi", "school"), ("县一中", "chengguan", "school", "县第一中学"),
    ("河西镇中心小学", "hexi", "school"), ("青山乡中心小学", "qingshan", "school"),
    ("阳光花园", "chengguan", "community"), ("锦绣家园", "chengguan", "community"),
    ("滨江小区", "hexi", "community"),
)


# Sensitive-word lists, one per sensitive category, so the demo's grading shows its modifiers.
WORD_LISTS = (
    ("食品安全词表", "食品安全", ("食物中毒", "变质", "地沟油", "过期食品", "吃出虫子", "腹泻")),
    ("安全生产词表", "安全生产", ("瓦斯爆炸", "透水", "矿难", "塌方", "爆炸", "安全事故")),
    ("公共卫生词表", "公共卫生", ("疫情", "传染病", "集体发热", "医疗事故")),
    ("环境污染词表", "环境污染", ("排污", "污染", "黑烟", "直排", "臭气熏天")),
    ("自然灾害词表", "自然灾害", ("洪水", "山体滑坡", "泥石流", "地震", "内涝")),
    ("教育词表", "教育", ("校园欺凌", "体罚学生", "乱收费", "学生坠楼")),
    ("涉稳词表", "涉稳", ("聚集", "上访", "围堵", "讨薪", "群体性")),
    ("保密词表", "保密", ("泄密", "机密文件", "内部文件流出")),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    roles: tuple[str, ...]
    unit: str


def users() -> list[DemoUser]:
    people = [
        DemoUser("admin", "系统管理员", ("admin",), "wxb"),
        DemoUser("yqb", "舆情办值班员", ("office",), "wxb"),
        DemoUser("jiance", "舆情办监测员", ("monitor",), "wxb"),
        DemoUser("leader", "分管县领导", ("leader",), "wxb"),
        DemoUser("leader2", "县委副书记（领导小组）", ("leader",), "wxb"),
        DemoUser("fayanren", "县政府新闻发言人", ("spokesperson",), "wxb"),
        DemoUser("shangji", "市委网信办（只读）", ("superior_reader",), ""),
    ]
    for unit in UNITS[1:]:
        people.append(DemoUser(f"{unit.code}_jbr", f"{unit.name}经办人", ("unit_handler",), unit.code))
        people.append(DemoUser(f"{unit.code}_fzr", f"{unit.name}负责人", ("unit_head",), unit.code))
        if unit.kind == "township":
            people.append(DemoUser(f"{unit.code}_xxy", f"{unit.name}信息员", ("monitor",), unit.code))
    return people


def demo_password(fixed: str | None) -> str:
    return fixed or secrets.token_urlsafe(9)
