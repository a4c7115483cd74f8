"""Theme entrances as data. A published item belongs to a theme when its name (or a short/common name
from the source catalog) contains one of the theme's words, or when the source catalog tagged it with
one of the theme's catalog themes, and none of the ``exclude`` words appear in its name.

Rules are plain data so that a deployment can read and adjust them without touching the code; the
counts they give on the shipped Guangdong catalog are listed in docs/portal.md.
"""

from __future__ import annotations

from dataclasses import dataclass

PERSON, ENTERPRISE = "person", "enterprise"
AUDIENCE_NAMES = {PERSON: "个人", ENTERPRISE: "法人"}


@dataclass(frozen=True)
class Theme:
    slug: str
    name: str
    audience: str  # person | enterprise
    summary: str
    words: tuple[str, ...]
    catalog_themes: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


THEMES: tuple[Theme, ...] = (
    # --- 个人：按人生大事 -------------------------------------------------------------------------
    Theme("birth", "生育收养", PERSON, "生育登记、出生医学证明、收养登记",
          ("生育", "出生", "收养", "计划生育", "独生子女", "新生儿", "助产", "母婴", "孕"),
          ("生小孩", "生育收养")),
    Theme("school", "教育入学", PERSON, "入学、转学、学籍、学历与考试",
          ("入学", "升学", "学籍", "转学", "招生", "中考", "高考", "幼儿园", "学前教育", "学历", "学位",
           "毕业证", "学生", "教师资格", "自学考试"),
          ("升学",)),
    Theme("jobs", "就业创业", PERSON, "求职招聘、失业登记、职业培训、创业扶持",
          ("就业", "失业", "招聘", "求职", "职业培训", "职业技能", "创业", "人才", "见习", "劳动"),
          ("就业创业", "高校毕业生"), ("律师", "资格", "执业")),
    Theme("social-insurance", "社会保险", PERSON, "参保登记、缴费、转移接续、工伤与生育保险",
          ("社会保险", "社保", "参保", "工伤", "失业保险", "生育保险", "养老保险"),
          (), ("社会保险费", "社保费")),
    Theme("medical", "医疗保障", PERSON, "医保参保、异地就医、医疗费用报销",
          ("医保", "医疗保险", "医疗保障", "异地就医", "就医", "医疗救助", "门诊", "住院", "药品目录", "报销",
           "挂号", "预防接种", "疫苗", "体检")),
    Theme("pension", "养老服务", PERSON, "退休、养老金领取、高龄津贴、养老机构",
          ("养老", "退休", "老年", "高龄", "长者", "离休"), (), ("执业",)),
    Theme("marriage", "婚姻登记", PERSON, "结婚、离婚、补领婚姻登记证",
          ("婚姻", "结婚", "离婚", "婚前"), (), ("签证",)),  # 结婚签证 is a visa, under 出入境
    Theme("household", "户籍证件", PERSON, "户口迁移、身份证、居住证",
          ("户籍", "户口", "身份证", "居住证", "落户", "迁入", "迁出"), (), ("税收", "身份证明")),
    Theme("driving", "出行驾驶", PERSON, "驾驶证、机动车、交通违法处理",
          ("驾驶证", "驾驶人", "机动车", "驾照", "车辆", "非机动车", "交通违法", "号牌", "出租汽车", "网约车"),
          (), ("船舶", "航道", "港口")),
    Theme("travel-abroad", "出入境", PERSON, "护照、港澳台通行证、签注",
          ("出入境", "护照", "往来港澳通行证", "往来台湾通行证", "签注", "出国", "出境")),
    Theme("housing", "住房保障", PERSON, "住房公积金、公租房、不动产登记",
          ("住房", "公积金", "公租房", "保障房", "廉租", "不动产", "房屋", "购房", "商品房", "租赁")),
    Theme("disability", "残疾人服务", PERSON, "残疾人证、康复、补贴",
          ("残疾",), ("残疾人",)),
    Theme("veterans", "退役军人", PERSON, "退役安置、优待抚恤、褒扬纪念",
          ("退役", "军人", "优抚", "抚恤", "烈士", "军属", "拥军", "复员", "转业"), (), ("执业许可",)),
    Theme("assistance", "社会救助", PERSON, "最低生活保障、特困供养、临时救助",
          ("救助", "低保", "最低生活保障", "特困", "困难群众", "临时救助"), ("社会救助",)),
    Theme("legal", "公证法律", PERSON, "公证、法律援助、律师服务",
          ("公证", "法律援助", "律师", "司法鉴定", "调解"), ("司法公证",), ("执业", "事务所", "资格")),
    Theme("qualification", "职业资格", PERSON, "执业注册、职业资格考试与证书",
          ("资格", "执业", "职称", "注册建造师", "注册建筑师", "执业医师", "护士"), ("职业资格",)),
    # --- 法人：按企业生命周期 -----------------------------------------------------------------------
    Theme("start-business", "开办企业", ENTERPRISE, "名称、设立登记、营业执照、刻章与首次申领发票",
          ("设立登记", "开办", "营业执照", "名称登记", "名称自主申报", "印章", "个体工商户", "企业登记",
           "开业登记", "企业设立", "公司设立"),
          ("开办企业",), ("注销", "变更")),
    Theme("construction", "工程建设", ENTERPRISE, "立项用地、规划许可、施工许可、竣工验收",
          ("建设工程", "工程建设", "施工", "规划许可", "建筑", "竣工", "建设用地", "建设项目", "用地",
           "勘察", "监理", "消防设计"),
          ("规划建设",), ("注册", "考核", "资格")),
    Theme("operating-permits", "经营许可", ENTERPRISE, "食品、药品、卫生、运输等经营和生产许可",
          ("经营许可", "生产许可", "卫生许可", "食品经营", "食品生产", "药品经营", "药品生产", "餐饮",
           "危险化学品", "排污许可", "道路运输经营", "经营备案", "烟草专卖", "医疗机构执业", "出版物经营"),
          ("准营准办", "餐饮服务", "住宿餐饮"), ("查询",)),
    Theme("tax", "纳税缴费", ENTERPRISE, "税务登记、申报纳税、发票、社保费缴纳",
          ("纳税", "税务", "发票", "缴税", "退税", "税收", "社会保险费", "社保费", "增值税", "个人所得税"),
          ("纳税",)),
    Theme("change-close", "变更注销", ENTERPRISE, "变更登记、备案、注销与清算",
          ("变更登记", "变更备案", "注销", "清算", "歇业", "迁移登记", "延续", "换证"),
          ("设立变更",), ("注册", "资格", "查询")),
    Theme("trade", "进出口贸易", ENTERPRISE, "海关备案、报关通关、对外贸易",
          ("海关", "进出口", "报关", "通关", "对外贸易", "出口", "进口", "保税", "跨境"),
          ()),
    Theme("environment", "环保生态", ENTERPRISE, "环境影响评价、排污、危险废物",
          ("环境影响", "排污", "环评", "危险废物", "辐射", "水土保持", "取水", "污染"),
          ("环保绿化",)),
    Theme("transport-business", "交通运输", ENTERPRISE, "道路和水路运输、船舶、港口",
          ("道路运输", "船舶", "航道", "港口", "水路运输", "货运", "客运", "航标", "船员")),
    Theme("ip", "知识产权", ENTERPRISE, "专利、商标、著作权、地理标志",
          ("专利", "商标", "著作权", "知识产权", "地理标志", "版权")),
    Theme("employment", "用工人才", ENTERPRISE, "招用员工、劳务派遣、人才引进",
          ("劳务派遣", "用工", "招用", "人才引进", "职工", "劳动合同", "工资", "特殊工时"),
          (), ("律师", "公证员", "医师")),
)

BY_SLUG: dict[str, Theme] = {t.slug: t for t in THEMES}

# Words that mark an information look-up or consultation rather than something one applies for: such items
# stay in the directory but never crowd its first pages.
LOOKUP_WORDS = ("查询", "咨询", "指引", "公示", "下载", "解读", "名录", "公告", "一览", "信息公开", "浏览",
                "展", "新闻", "介绍")
LOOKUP_FLAGS = ("information_only",)


def matches(theme: Theme, *, name: str, keywords: str, catalog_themes: list[str]) -> bool:
    """Whether an item belongs to a theme (rules above)."""
    if any(w in name for w in theme.exclude):
        return False
    text = name + " " + keywords
    return any(w in text for w in theme.words) or any(t in catalog_themes for t in theme.catalog_themes)


def is_lookup(*, name: str, flags: list[str]) -> bool:
    return any(f in flags for f in LOOKUP_FLAGS) or any(w in name for w in LOOKUP_WORDS)
