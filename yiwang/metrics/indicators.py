"""The indicators a county is assessed on, as data: seed 003 (区政办发〔2024〕9号) numbers 45 of them, some numbers
naming two measures (2: 个人用户注册率、个人信息完备度). Each measure here keeps the seed's number as its code; the
second measure under one number gets ``.2`` (``2.2`` 个人信息完备度).

Every indicator is a numerator over a denominator (``kind``):

- ``ratio`` — numerator ÷ denominator × 100, in percent; both are sums of per-region, per-department counts, so
  a county's value is computed from the sums of its townships' numerators and denominators (never an average of
  their percentages);
- ``count`` — the numerator alone (办件量, 电子印章归集量);
- ``per_capita`` — numerator ÷ the region's resident population (or its enterprises): a figure the platform
  does not hold, which an administrator enters per region (``yiwang indicators baseline``);
- ``growth`` — (this month − last month) ÷ last month × 100.

``source`` names the records an indicator is computed from; ``counters`` names the aggregate keys (see
:mod:`yiwang.metrics.compute`) its numerator and denominator are sums of. An indicator the platform's records cannot
support carries the ``reason`` instead, and is listed with a null value.
"""

from __future__ import annotations

from dataclasses import dataclass

HIGHER, LOWER = "higher", "lower"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str  # as the seed words it
    formula: str
    numerator: str
    denominator: str
    unit: str
    direction: str = HIGHER
    target: float | None = None
    source: str = ""
    kind: str = "ratio"  # ratio | count | per_capita | growth
    counters: tuple[str, str] | None = None  # (numerator key, denominator key) of the aggregates
    requires: str | None = None  # a count is assessed only when this counter is not zero (36: cases concluded)
    basis: str | None = None  # per_capita: "population" | "enterprises"
    reason: str | None = None  # why the platform cannot compute it (then ``counters`` is None)
    department_level: bool = True  # False: the figure belongs to a region, not to a department

    @property
    def computable(self) -> bool:
        return self.reason is None

    def met(self, value: float | None) -> bool | None:
        if value is None or self.target is None:
            return None
        return value >= self.target if self.direction == HIGHER else value <= self.target


def _rate(code: str, name: str, numerator: str, denominator: str, counters: tuple[str, str], *, source: str,
          target: float | None = None, direction: str = HIGHER, department_level: bool = True,
          formula: str | None = None) -> Indicator:
    return Indicator(code=code, name=name, formula=formula or f"{numerator} ÷ {denominator} × 100%",
                     numerator=numerator, denominator=denominator, unit="%", direction=direction, target=target,
                     source=source, counters=counters, department_level=department_level)


def _missing(code: str, name: str, reason: str, *, unit: str = "%") -> Indicator:
    return Indicator(code=code, name=name, formula="—", numerator="—", denominator="—", unit=unit, reason=reason)


NO_APP = "本平台的移动端是门户的自适应页面，不另设独立 App（“甘快办”），无 App 侧的数据"
NO_DATAHUB = "数据目录与共享（数据编目、资源挂接、共享申请）尚未上线，平台中还没有这些记录"
NO_SURVEY = "需由评估机构对搜索与申报体验进行抽样测评，平台记录中没有可计算的数据"
NO_WEBSITE = "属于政府门户网站（融媒体中心）的改造指标，不在本平台的记录中"

INDICATORS: tuple[Indicator, ...] = (
    _rate("1", "差评整改按期整改率", "在期限内答复的差评整改数", "当月差评开启、已答复或已过期限的整改数", ("rect.on_time", "rect.due"),
          source="evaluation", target=100.0,
          formula="当月差评开启的整改任务中（尚在期限内未答复的不计），在期限内答复的 ÷ 应已整改的 × 100%"),
    Indicator(code="2", name="个人用户注册率", formula="已注册个人用户数 ÷ 常住人口 × 100%",
              numerator="截至月末已注册的个人用户数（按身份证号前 6 位归属地区）", denominator="常住人口（管理员录入）",
              unit="%", target=None, source="identity", kind="per_capita", counters=("users.persons", ""),
              basis="population", department_level=False),
    _rate("2.2", "个人信息完备度", "已核验手机号的个人用户数", "已注册个人用户数",
          ("users.persons_complete", "users.persons"), source="identity", target=100.0, department_level=False),
    Indicator(code="3", name="企业用户注册率", formula="已注册企业用户数 ÷ 市场主体数 × 100%",
              numerator="截至月末已注册的企业用户数（按统一社会信用代码登记管理机关所在地区）",
              denominator="市场主体数（管理员录入）", unit="%", source="identity", kind="per_capita",
              counters=("users.enterprises", ""), basis="enterprises", department_level=False),
    _rate("3.2", "法人信息完备度", "法定代表人已填、手机号已核验的企业用户数", "已注册企业用户数",
          ("users.enterprises_complete", "users.enterprises"), source="identity", target=100.0,
          department_level=False),
    _rate("4", "用户活跃度", "当月登录过的个人和企业用户数", "截至月末的个人和企业用户数",
          ("users.active", "users.total"), source="identity", target=20.0, department_level=False),
    _rate("5", "承诺时限压缩比", "各事项（法定时限 − 承诺时限）之和", "各事项法定时限之和",
          ("items.limit_cut", "items.limit_legal"), source="catalog", target=95.0,
          formula="∑(法定办结时限 − 承诺办结时限) ÷ ∑法定办结时限 × 100%（月末在用、两项时限单位相同的事项）"),
    _missing("6", "查询精准性", NO_SURVEY),
    _missing("7", "申报易用性", NO_SURVEY),
    _missing("8", "便利性", NO_SURVEY),
    _missing("9", "无障碍服务", NO_SURVEY),
    _rate("10", "网上可办率", "网上办理深度达到三级（网上申报）及以上的事项数", "月末在用的事项数",
          ("items.online3", "items.total"), source="catalog", target=100.0),
    _rate("11", "全程网办率", "网上办理深度为四级（全程网办）的事项数", "月末在用的事项数",
          ("items.online4", "items.total"), source="catalog", target=98.0),
    _rate("12", "“一件事一次办”办件覆盖率", "通过“一件事”申请提交的办件数", "属于“一件事”的事项当月的办件数",
          ("cases.bundled", "cases.bundle_eligible"), source="bundles", target=100.0),
    _rate("13", "电子证照归集率", "生成电子证照的准予办件数", "结果为证照的事项当月准予办结的办件数",
          ("licenses.collected", "licenses.expected"), source="licenses", target=100.0),
    Indicator(code="14", name="电子证照人均汇聚量", formula="截至月末有效电子证照数 ÷ 常住人口",
              numerator="截至月末签发且未撤销的电子证照数", denominator="常住人口（管理员录入）", unit="张/人",
              source="licenses", kind="per_capita", counters=("licenses.held", ""), basis="population",
              department_level=False),
    _rate("15", "证照签章率", "加盖电子印章的电子证照数", "当月签发的电子证照数",
          ("licenses.sealed", "licenses.issued"), source="licenses", target=100.0),
    Indicator(code="16", name="电子签章增长率", formula="（当月电子签章数 − 上月电子签章数）÷ 上月电子签章数 × 100%",
              numerator="当月电子签章数 − 上月电子签章数", denominator="上月电子签章数", unit="%",
              source="licenses", kind="growth", counters=("licenses.seal_growth", "licenses.sealed_last")),
    _missing("17", "编目率", NO_DATAHUB),
    _missing("18", "数据编目增长率", NO_DATAHUB),
    _missing("19", "资源挂接率", NO_DATAHUB),
    _missing("20", "申请利用率", NO_DATAHUB),
    _rate("21", "政务网抽检事项合格率", "未发现任何质量问题（含警告）的事项数", "月末在用的事项数（全量检查）",
          ("items.quality_ok", "items.total"), source="catalog", target=100.0),
    _missing("22", "甘快办抽检事项合格率", NO_APP),
    _rate("23", "办事指南流程内容详实性", "办理流程、受理条件、设定依据齐全且流程不少于 20 字的事项数",
          "月末在用的事项数", ("items.detailed", "items.total"), source="catalog", target=100.0),
    _rate("24", "办事指南样表的下载服务（样表完成性）", "每份空白表格都配有填写样表的事项数", "有空白表格的事项数",
          ("items.samples_complete", "items.with_forms"), source="catalog", target=100.0),
    _rate("25", "自助终端使用率", "在自助终端取号的号数", "大厅取号总数", ("hall.kiosk", "hall.tickets"),
          source="hall", target=None, department_level=False),
    Indicator(code="26", name="办件量", formula="当月提交的办件数", numerator="当月提交的办件数", denominator="—",
              unit="件", source="cases", kind="count", counters=("cases.submitted", "")),
    _rate("27", "办件与事项关联度", "当月有办件的在用事项数", "月末在用的事项数",
          ("items.with_cases", "items.total"), source="cases"),
    _rate("28", "评价与事项关联度", "当月有评价的在用事项数", "月末在用的事项数",
          ("items.with_ratings", "items.total"), source="evaluation"),
    _missing("29", "甘快办可办事项占比", NO_APP),
    _missing("30", "甘快办 APP 高频应用接入", NO_APP, unit="项"),
    _missing("31", "资源数据增长率", NO_DATAHUB),
    _missing("32", "数据汇聚人均增长量", NO_DATAHUB, unit="条/人"),
    Indicator(code="33", name="电子印章归集量", formula="截至月末在用的电子印章数", numerator="截至月末在用的电子印章数",
              denominator="—", unit="枚", source="seals", kind="count", counters=("seals.active", "")),
    _rate("34", "事项进驻率", "进驻政务大厅（线下可办）的事项数", "月末在用的事项数",
          ("items.in_hall", "items.total"), source="catalog", target=100.0),
    _rate("35", "电子表单化", "配有电子表单的事项数", "月末在用的事项数", ("items.eform", "items.total"),
          source="catalog"),
    Indicator(code="36", name="办件异常人次",
              formula="当月办结的办件中：超期办结，或未受理即准予办结，或办结时间早于受理时间的件数",
              numerator="异常办结的办件数", denominator="—", unit="件", direction=LOWER, target=0.0,
              source="cases", kind="count", counters=("cases.anomaly", ""), requires="cases.concluded"),
    _missing("37", "政府网站建设适老化改造完成率", NO_WEBSITE),
    _missing("38", "IPv6 改造网页支持率", NO_WEBSITE),
    _rate("39", "12345 热线工单按时办结率", "期限内答复的工单数", "当月答复的工单数（电话、网站）",
          ("hotline.on_time.hotline", "hotline.answered.hotline"), source="hotline", target=100.0),
    _rate("40", "12345 热线知识库信息准确率", "在复核期内的知识条目数", "在用的知识条目数",
          ("knowledge.current", "knowledge.total"), source="hotline"),
    _rate("41", "12345 热线工单办理满意度", "回访满意、基本满意的工单数", "当月回访办结的工单数（电话、网站）",
          ("hotline.satisfied.hotline", "hotline.called_back.hotline"), source="hotline", target=100.0),
    _rate("42", "“领导留言板”留言按期办结率", "期限内答复的留言数", "当月答复的留言板留言数",
          ("hotline.on_time.board", "hotline.answered.board"), source="hotline", target=100.0),
    _rate("43", "“领导留言板”留言群众满意度", "回访满意、基本满意的留言数", "当月回访办结的留言板留言数",
          ("hotline.satisfied.board", "hotline.called_back.board"), source="hotline", target=100.0),
    _rate("44", "中国政府网留言按期办结率", "期限内答复的上级转办留言数", "当月答复的上级转办留言数",
          ("hotline.on_time.forwarded", "hotline.answered.forwarded"), source="hotline", target=100.0),
    _rate("45", "涉企诉求按期办结率", "期限内答复的涉企诉求数", "当月答复的涉企诉求数",
          ("hotline.on_time.enterprise", "hotline.answered.enterprise"), source="hotline", target=100.0),
)

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}
# the indicators a fresh deployment publishes (绩效评估结果公开) until an administrator chooses
DEFAULT_PUBLIC = ("1", "10", "11", "12", "26", "39", "41")
# the indicators on the operations screen's board
SCREEN_BOARD = ("1", "10", "11", "12", "13", "25", "34", "39", "41", "45")


def sort_key(code: str) -> tuple[int, int]:
    major, _, minor = code.partition(".")
    return int(major), int(minor or 0)
