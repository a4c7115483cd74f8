"""Written notices of a case as PDF: 受理通知书 (accepted), 不予受理通知书 (rejected at intake, with the
reason and where to turn instead), 补正材料通知书 (every material to correct, listed at once), and the
written decision of every decided case — 准予行政许可决定书 (with the licence it grants) or 不予行政许可决定书
(with the reasons) — each telling the applicant of their right to 行政复议 (60 days) and 行政诉讼 (6 months).
Each is dated and names the case number, the applicant, the item and the department.

Chinese text is set in the embedded font of ``core.fonts``.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from html import escape
from typing import Any

from sqlalchemy.orm import Session

from yiwang.cases import repository as repo
from yiwang.cases.errors import CaseNotFound
from yiwang.cases.models import Case, CorrectionNotice
from yiwang.cases.service import get_case
from yiwang.core import clock
from yiwang.core.fonts import font_name
from yiwang.core.permissions import Actor
from yiwang.licenses import service as licenses
from yiwang.org import service as org_service

log = logging.getLogger(__name__)

KINDS = {"accept": "受理通知书", "reject": "不予受理通知书", "correction": "补正材料通知书",
         "approve": "准予行政许可决定书", "deny": "不予行政许可决定书"}
DECISIONS = {"approved": "approve", "denied": "deny"}
PLATFORM = "一网政务服务平台"
UNIT_WORDS = {"working_day": "个工作日", "natural_day": "个自然日"}


@dataclass(frozen=True)
class Notice:
    kind: str
    title: str
    filename: str
    data: bytes


# --- which notices a case has ------------------------------------------------------------------------

def available(session: Session, case: Case) -> list[dict[str, Any]]:
    """The notices this case's history has produced, oldest first: [{"kind", "title", "seq", "on"}]."""
    out: list[dict[str, Any]] = []
    for c in repo.corrections(session, case.id):
        out.append({"kind": "correction", "title": KINDS["correction"], "seq": c.seq, "on": _day(c.requested_at)})
    if case.accepted_at is not None:
        out.append({"kind": "accept", "title": KINDS["accept"], "seq": None, "on": _day(case.accepted_at)})
    if case.status == "rejected":
        out.append({"kind": "reject", "title": KINDS["reject"], "seq": None,
                    "on": _day(case.closed_at or case.last_action_at)})
    if case.outcome in DECISIONS and case.concluded_at is not None:
        kind = DECISIONS[case.outcome]
        out.append({"kind": kind, "title": KINDS[kind], "seq": None, "on": _day(case.concluded_at)})
    return out


def render(session: Session, actor: Actor, *, case_no: str, kind: str, seq: int | None = None) -> Notice:
    """One notice of a case the actor may see; not found when that notice does not exist for the case."""
    case = get_case(session, actor, case_no)
    if kind not in KINDS:
        raise CaseNotFound("没有这种通知书", field="kind")
    dept = org_service.get_department(session, case.department_id).name
    if kind == "accept":
        if case.accepted_at is None:
            raise CaseNotFound("该办件尚未受理，没有受理通知书", field="kind")
        data = _pdf(case, dept, KINDS[kind], _accept_body(case), _day(case.accepted_at),
                    [("受理日期", _words(_day(case.accepted_at))),
                     ("办结期限", _words(case.base_deadline) if case.base_deadline else "即办")])
    elif kind == "reject":
        if case.status != "rejected":
            raise CaseNotFound("该办件没有不予受理通知书", field="kind")
        on = _day(case.closed_at or case.last_action_at)
        data = _pdf(case, dept, KINDS[kind], _reject_body(case), on, [("决定日期", _words(on))])
    elif kind in ("approve", "deny"):
        if case.concluded_at is None or DECISIONS.get(case.outcome or "") != kind:
            raise CaseNotFound(f"该办件没有{KINDS[kind]}", field="kind")
        on = _day(case.concluded_at)
        body = _approve_body(case, licenses.for_case(session, case.case_no)) if kind == "approve" \
            else _deny_body(case)
        data = _pdf(case, dept, KINDS[kind], body, on,
                    [("决定结果", "准予行政许可" if kind == "approve" else "不予行政许可"), ("决定日期", _words(on))])
    else:
        notice = _correction(session, case, seq)
        on = _day(notice.requested_at)
        data = _pdf(case, dept, KINDS[kind], _correction_body(case, notice), on, [("告知日期", _words(on))])
    suffix = f"-{seq}" if kind == "correction" and seq else ""
    return Notice(kind=kind, title=KINDS[kind], filename=f"{KINDS[kind]}-{case.case_no}{suffix}.pdf", data=data)


def _correction(session: Session, case: Case, seq: int | None) -> CorrectionNotice:
    notices = list(repo.corrections(session, case.id))
    if seq is not None:
        notices = [n for n in notices if n.seq == seq]
    if not notices:
        raise CaseNotFound("该办件没有补正材料通知书", field="kind")
    return notices[-1]


# --- wording -----------------------------------------------------------------------------------------

def _day(value: dt.datetime) -> dt.date:
    return clock.to_local(value).date()


def _words(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _limit(case: Case) -> str:
    if case.case_type == "immediate" or case.limit_value is None:
        return "即办"
    return f"{case.limit_value}{UNIT_WORDS.get(case.limit_unit or '', '个工作日')}"


def _filed(case: Case) -> str:
    return f"您于{_words(_day(case.submitted_at))}提交的“{case.item_name}”申请（办件编号：{case.case_no}）"


def _accept_body(case: Case) -> list[str]:
    body = [f"{_filed(case)}，经审查，申请材料齐全、符合法定形式，本机关决定予以受理。"]
    if case.base_deadline is not None and case.case_type != "immediate":
        body.append(f"本机关将在{_words(case.base_deadline)}前作出决定，即自受理之日起{_limit(case)}内；"
                    "受理当日和法定节假日不计入期限。依法需要听证、招标、拍卖、检验、检测、检疫、鉴定、"
                    "专家评审的，所需时间不计入上述期限，本机关将另行书面告知所需时间。")
    else:
        body.append("本事项为即办件，本机关当场作出决定。")
    if case.pledge:
        body.append("您选择以告知承诺方式办理。请按承诺内容履行义务；承诺不实的，将依法承担相应责任，"
                    "并记入信用记录。")
    body.append(f"您可以登录{PLATFORM}“我的办件”查看办理进度，也可以凭办件编号和手机号码或证件号码后四位"
                "在“办件查询”中查询。")
    return body


def _reject_body(case: Case) -> list[str]:
    reason = (case.outcome_reason or "").strip() or "（未载明）"
    return [f"{_filed(case)}，经审查，本机关决定不予受理。",
            f"不予受理的理由：{reason}",
            "申请事项依法不属于本机关职权范围的，请向有权作出决定的行政机关提出申请；可拨打12345"
            "政务服务便民热线咨询应向哪一机关申请。",
            "如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，或者自收到本通知书之日起"
            "六个月内依法向人民法院提起行政诉讼。"]


REMEDIES = ("如对本决定不服，可以自收到本决定书之日起六十日内依法申请行政复议，或者自收到本决定书之日起"
            "六个月内依法向人民法院提起行政诉讼。")


def _approve_body(case: Case, granted: list[dict[str, Any]]) -> list[str]:
    body = [f"{_filed(case)}，经审查，申请符合法定条件、标准。依照《中华人民共和国行政许可法》第三十八条"
            "第一款的规定，本机关决定准予行政许可。"]
    if granted:
        body.append("本机关依法颁发以下许可证件（电子证照与纸质证照具有同等法律效力，可在"
                    f"{PLATFORM}“我的证照”中查看、下载和核验）：")
        body += [Item(f"{i}. {g.get('type', '')}（证照标识：{g.get('identifier', '')}）")
                 for i, g in enumerate(granted, 1)]
    body.append("请在许可范围内依法从事相关活动，并接受行政机关的监督检查。")
    body.append(REMEDIES)
    return body


def _deny_body(case: Case) -> list[str]:
    reason = (case.outcome_reason or "").strip() or "（未载明）"
    return [f"{_filed(case)}，经审查，申请不符合法定条件、标准。依照《中华人民共和国行政许可法》第三十八条"
            "第二款的规定，本机关决定不予行政许可。",
            f"不予许可的理由：{reason}",
            REMEDIES]


class Item(str):
    """A line of a numbered list (indented, no first-line indent)."""


def _correction_body(case: Case, notice: CorrectionNotice) -> list[str]:
    body = [f"{_filed(case)}，经审查，申请材料不齐全或者不符合法定形式。依照《中华人民共和国行政许可法》"
            "第三十二条的规定，现一次性告知您需要补正的全部内容如下："]
    body += [Item(f"{i}. {name}") for i, name in enumerate(notice.materials, 1)]
    if notice.comment:
        body.append(f"补正说明：{notice.comment}")
    body.append(f"请按上述要求补正后，登录{PLATFORM}“我的办件”一次提交全部补正材料。本机关自收到补正材料之日起"
                "5个工作日内作出是否受理的决定。")
    return body


# --- the PDF -------------------------------------------------------------------------------------------

def _pdf(case: Case, dept: str, title: str, body: list[str], on: dt.date, facts: list[tuple[str, str]]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = font_name()
    base = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, wordWrap="CJK", firstLineIndent=24,
                          spaceAfter=4)
    plain = ParagraphStyle("plain", parent=base, firstLineIndent=0)
    item = ParagraphStyle("item", parent=base, firstLineIndent=0, leftIndent=24)
    head = ParagraphStyle("dept", parent=plain, fontSize=15, leading=22, alignment=TA_CENTER)
    big = ParagraphStyle("title", parent=plain, fontSize=24, leading=34, alignment=TA_CENTER, spaceBefore=6,
                         spaceAfter=2)
    number = ParagraphStyle("no", parent=plain, fontSize=11, alignment=TA_CENTER, textColor=colors.HexColor("#333333"))
    right = ParagraphStyle("sign", parent=plain, alignment=TA_RIGHT)
    small = ParagraphStyle("small", parent=plain, fontSize=9, leading=14, textColor=colors.HexColor("#444444"))
    cell = ParagraphStyle("cell", parent=plain, fontSize=10.5, leading=16, spaceAfter=0)

    def p(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text), style)

    story: list[Any] = [p(dept, head), p(title, big), p(f"办件编号：{case.case_no}", number), Spacer(1, 8 * mm),
                        p(f"{case.applicant_name}：", plain)]
    for line in body:
        story.append(p(line, item if isinstance(line, Item) else base))
    story.append(Spacer(1, 6 * mm))
    rows = [("办件编号", case.case_no), ("申请人", case.applicant_name), ("申请事项", case.item_name),
            ("实施机关", dept), ("申请日期", _words(_day(case.submitted_at))), *facts]
    table = Table([[p(k, cell), p(v, cell)] for k, v in rows], colWidths=[28 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#666666")),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f5")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    story += [table, Spacer(1, 14 * mm), p(dept, right), p(_words(on), right), Spacer(1, 12 * mm),
              p(f"本通知书由{PLATFORM}依据办件记录生成，生成时间 {clock.to_local(clock.now()):%Y-%m-%d %H:%M}。"
                "办理进度可凭办件编号和手机号码或证件号码后四位在平台“办件查询”中核对。", small)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, initialFontName=font, leftMargin=26 * mm, rightMargin=26 * mm,
                            topMargin=28 * mm, bottomMargin=22 * mm, title=f"{title}（{case.case_no}）", author=dept,
                            subject=case.case_no, creator=PLATFORM, lang="zh-CN")
    doc.build(story)
    return buf.getvalue()
