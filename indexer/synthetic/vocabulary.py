"""Places, offices and narrative sentences for synthetic reports.

Places are real (province, city, county) triples so region inference can be
tested; the sentences imitate real reports. Each search topic has a keyword that
appears in a report only when that topic was chosen, so search tests can look
for words that are in some reports and not in others.
"""

from __future__ import annotations

from typing import Final

from govreports.model import Level

# (province, city, county)
PLACES: Final[tuple[tuple[str, str, str], ...]] = (
    ("广东省", "广州市", "海珠区"),
    ("广东省", "广州市", "白云区"),
    ("广东省", "深圳市", "龙岗区"),
    ("河南省", "濮阳市", "华龙区"),
    ("浙江省", "金华市", "义乌市"),
    ("浙江省", "丽水市", "松阳县"),
    ("湖北省", "黄石市", "下陆区"),
    ("湖北省", "孝感市", "孝南区"),
    ("四川省", "广元市", "剑阁县"),
    ("山东省", "济宁市", "微山县"),
    ("山东省", "济宁市", "邹城市"),
    ("贵州省", "贵阳市", "开阳县"),
    ("贵州省", "贵阳市", "白云区"),
    ("重庆市", "重庆市", "荣昌区"),
    ("河北省", "保定市", "雄县"),
    ("江苏省", "无锡市", "锡山区"),
    ("陕西省", "商洛市", "柞水县"),
    ("云南省", "昭通市", "绥江县"),
    ("江西省", "赣州市", "南康区"),
    ("安徽省", "合肥市", "肥西县"),
)

STREETS: Final[tuple[str, ...]] = (
    "中原路",
    "均禾",
    "官洲",
    "建章路",
    "和平",
    "新下陆",
    "无瑕",
    "陈州",
    "东湖",
    "南苑",
    "北关",
    "西城",
    "凤凰",
    "青山",
    "长江路",
    "解放路",
    "人民路",
    "文昌",
)
TOWNS: Final[tuple[str, ...]] = (
    "两城",
    "河包",
    "义兴",
    "会仪",
    "田黄",
    "大东坝",
    "冯三",
    "廿三里",
    "石桥",
    "柳林",
    "红星",
    "白沙",
    "桃源",
    "黄土坡",
    "清水",
    "龙泉",
)
DEPARTMENTS: Final[tuple[str, ...]] = (
    "人民政府办公室",
    "财政局",
    "自然资源局",
    "生态环境局",
    "卫生健康局",
    "教育局",
    "住房和城乡建设局",
    "市场监督管理局",
    "审计局",
    "信访局",
    "民政局",
    "交通运输局",
)

# Keyword -> sentences that carry it. No other sentence here contains any keyword.
# 行政复议 and 过程性信息 also occur in every report's table labels and headings;
# the others appear only when their topic is chosen.
TOPICS: Final[dict[str, tuple[str, ...]]] = {
    "依申请公开": (
        "严格规范依申请公开办理流程，做到受理、登记、审核、答复全程留痕。",
        "依申请公开答复均在法定期限内完成，未发生逾期答复情况。",
    ),
    "政务公开": (
        "将政务公开纳入年度目标考核，定期通报各科室工作进展。",
        "组织开展政务公开专题培训两次，提升工作人员业务能力。",
    ),
    "行政复议": ("本年度因信息公开答复引起的行政复议案件均已依法办结，未被纠错。",),
    "过程性信息": ("对申请公开讨论记录、内部请示等过程性信息的，依法告知申请人并说明理由。",),
    "政策解读": ("坚持政策文件与政策解读同步组织、同步审签、同步发布。",),
    "信息处理费": ("本年度未向申请人收取信息处理费。",),
    "营商环境": ("围绕优化营商环境，及时公开涉企优惠政策和办事指南。",),
    "乡村振兴": ("加大乡村振兴领域信息公开力度，公开各类惠农补贴发放情况。",),
    "一网通办": ("依托一网通办平台公开办事事项清单，实现办事指南网上可查。",),
    "12345热线": ("通过12345热线收集群众诉求，及时回应社会关切。",),
}

OVERVIEW_HEADINGS: Final[tuple[str, ...]] = (
    "主动公开",
    "政府信息管理",
    "政府信息公开平台建设",
    "监督保障",
)
OVERVIEW_SENTENCES: Final[tuple[str, ...]] = (
    "本单位认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外。",
    "成立工作领导小组，由主要负责同志任组长，明确专人负责具体工作。",
    "及时更新机构职能、领导分工、财政预决算等基础信息。",
    "通过门户网站、微信公众号、公开栏等渠道发布各类信息。",
    "严格落实信息发布保密审查制度，做到先审查、后公开。",
    "定期开展网站内容自查，及时清理过期信息和错误链接。",
    "完善信息发布协调机制，确保发布信息准确一致。",
    "畅通意见箱和监督电话，主动接受社会监督。",
    "对照标准目录逐项梳理公开事项，做到应公开尽公开。",
    "按照“谁制作、谁公开”的原则，明确各类信息的公开责任。",
    "规范公文公开属性源头认定，拟制公文时同步明确公开方式。",
    "加强网站栏目建设，优化信息检索和分类展示功能。",
    "建立信息公开工作台账，逐月梳理报送公开情况。",
    "组织干部职工学习条例及配套文件，增强依法公开意识。",
    "对社会关注度高的事项及时发布权威信息，回应群众关切。",
)
PROBLEM_SENTENCES: Final[tuple[str, ...]] = (
    "信息公开的及时性还有待提高，部分栏目更新不够及时。",
    "工作人员业务水平参差不齐，培训力度需要进一步加强。",
    "公开内容的深度和广度还有欠缺，与群众期盼仍有差距。",
    "下一步将健全工作机制，加强日常监督检查。",
    "下一步将丰富公开形式，提升信息公开的针对性和实效性。",
)
OTHER_SENTENCES: Final[tuple[str, ...]] = (
    "无其他需要报告的事项。",
    "本单位无其他需要报告的事项。",
    "无。",
)


def office_for(level: Level, place: tuple[str, str, str], name: str) -> str:
    """An office name as a report prints it, e.g. 华龙区人民政府中原路街道办事处."""
    _province, city, county = place
    if level == "township":
        if name in STREETS:
            return f"{county}人民政府{name}街道办事处"
        return f"{county}{name}镇人民政府"
    if level == "department":
        return f"{county}{name}"
    if level == "county":
        return f"{county}人民政府"
    return f"{city}人民政府"


# Functional zones: county-level areas that gazetteers of counties miss. (province, city or
# None, zone) and the offices that publish reports there, with their level.
ZONES: Final[tuple[tuple[tuple[str, str | None, str], tuple[tuple[str, Level], ...]], ...]] = (
    (
        ("河北省", None, "雄安新区"),
        (("河北雄安新区管理委员会", "city"), ("雄安新区公共服务局", "department")),
    ),
    (
        ("重庆市", "重庆市", "两江新区"),
        (("重庆两江新区管理委员会", "city"), ("两江新区人和街道办事处", "township")),
    ),
    (
        ("江苏省", "苏州市", "苏州工业园区"),
        (("苏州工业园区管理委员会", "county"), ("苏州工业园区娄葑街道办事处", "township")),
    ),
    (
        ("福建省", None, "平潭综合实验区"),  # run by the province itself, not by 福州市
        (("平潭综合实验区管理委员会", "city"), ("平潭综合实验区财政金融局", "department")),
    ),
    (
        ("河南省", "郑州市", "郑州航空港经济综合实验区"),
        (("郑州航空港经济综合实验区管理委员会", "county"),),
    ),
)


def certain_place(
    place: tuple[str | None, str | None, str | None],
) -> tuple[str | None, str | None, str | None]:
    """What a reader can be sure of from a county's name alone: a name that PLACES holds under
    two cities (白云区: 广州市 and 贵阳市) fixes neither the city nor the province."""
    province, city, county = place
    cities = {(p, c) for p, c, name in PLACES if name == county}
    if len(cities) > 1:
        return None, None, county
    return province, city, county
