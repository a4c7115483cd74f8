"""What messages say: the title and body of the in-app message and the short SMS text, per event.

Plain, courteous Simplified Chinese. An SMS begins with the platform's signature 【一网政务】 and stays within
70 characters (one SMS segment) where it can: long item or license names are shortened in the SMS only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SIGNATURE = "【一网政务】"
SMS_LIMIT = 70


@dataclass(frozen=True)
class Text:
    title: str
    body: str
    sms: str


def sms(template: str, **parts: str) -> str:
    """Fill an SMS template, shortening the first part (a name) so the text fits one segment if it can."""
    text = SIGNATURE + template.format(**parts)
    if len(text) <= SMS_LIMIT or not parts:
        return text
    key = next(iter(parts))
    room = len(parts[key]) - (len(text) - SMS_LIMIT) - 1
    if room >= 4:  # shorter than that says nothing: better one segment too long
        text = SIGNATURE + template.format(**(parts | {key: parts[key][:room] + "…"}))
    return text


# --- case progress (to the applicant) ------------------------------------------------------------------

_CASE: dict[str, tuple[str, str, str]] = {
    # action: (title, body, sms) — {item} is the item name, {no} the case number
    "accept": (
        "办件已受理",
        "您申请的“{item}”（办件编号 {no}）已受理，我们将在承诺时限内办结。"
        "您可以在“我的办件”中随时查看办理进度。",
        "您申请的{item}（办件编号{no}）已受理，请留意办理进度。"),
    "reject": (
        "办件不予受理",
        "很抱歉，您申请的“{item}”（办件编号 {no}）不予受理。"
        "具体理由以及申请行政复议、提起行政诉讼的途径，请查看办件中的《不予受理通知书》。如有疑问，请拨打 12345 咨询。",
        "很抱歉，您申请的{item}（办件编号{no}）不予受理，请登录查看理由。"),
    "request_correction": (
        "请补正材料",
        "您申请的“{item}”（办件编号 {no}）需要补正材料。需补正的内容已在《补正材料通知书》中一次性告知，"
        "请按通知补正后重新提交，我们收到齐全的材料后继续办理。",
        "您申请的{item}（办件编号{no}）需补正材料，请登录查看并补正。"),
    "approve": (
        "办件已办结：准予许可",
        "您申请的“{item}”（办件编号 {no}）已办结，决定准予许可。"
        "如办理结果包含电子证照，签发后将自动放入“我的证照”。感谢您的耐心等待。",
        "您申请的{item}（办件编号{no}）已办结，准予许可。"),
    "deny": (
        "办件已办结：不予许可",
        "您申请的“{item}”（办件编号 {no}）已办结，决定不予许可。"
        "具体理由以及申请行政复议、提起行政诉讼的权利，请查看办件中的决定书。如有疑问，请拨打 12345 咨询。",
        "您申请的{item}（办件编号{no}）已办结，不予许可，请登录查看决定。"),
    "suspend": (
        "办件进入特别程序",
        "您申请的“{item}”（办件编号 {no}）需要进行检验、检测、鉴定、专家评审或听证等特别程序，"
        "特别程序所需时间不计入办理时限。特别程序结束后将继续办理，届时我们会再通知您。",
        "您申请的{item}（办件编号{no}）进入特别程序，所需时间不计入时限。"),
    "resume": (
        "特别程序结束，继续办理",
        "您申请的“{item}”（办件编号 {no}）的特别程序已经结束，现已恢复办理，办理时限继续计算。",
        "您申请的{item}（办件编号{no}）特别程序已结束，恢复办理。"),
    "extend": (
        "办理时限已延长",
        "经批准，您申请的“{item}”（办件编号 {no}）的办理时限已依法延长，新的办结期限可在办件详情中查看。"
        "给您带来不便，敬请谅解。",
        "您申请的{item}（办件编号{no}）办理时限已依法延长，请登录查看。"),
    "deliver": (
        "办理结果已送达",
        "您申请的“{item}”（办件编号 {no}）的办理结果已送达，请注意查收。"
        "欢迎对本次服务作出评价，您的意见将帮助我们改进工作。",
        "您申请的{item}（办件编号{no}）办理结果已送达，请查收。"),
    "revoke": (
        "准予许可决定已撤销",
        "您以告知承诺方式申请的“{item}”（办件编号 {no}），经事后核查承诺内容不实，准予许可决定已依法撤销，"
        "相关电子证照同时注销，失信信息已记入您的信用记录，记录有效期内办理同类事项不能适用告知承诺制。"
        "如有异议，可依法申请行政复议或者提起行政诉讼。",
        "您申请的{item}（办件编号{no}）经核查承诺不实，许可决定已撤销，请登录查看。"),
}

CASE_ACTIONS = tuple(_CASE)


def case_event(action: str, payload: dict[str, Any]) -> Text:
    title, body, short = _CASE[action]
    item, no = str(payload.get("item_name") or "事项"), str(payload.get("case_no") or "")
    body = body.format(item=item, no=no)
    owed = _owed(payload)
    if action == "accept" and owed:  # 容缺受理: say at once what is still owed and by when
        due = payload.get("supplement_due")
        body += f"本件为容缺受理，请{f'于 {due} 前' if due else '尽快'}在办件页面补交：{owed}。"
    return Text(title, body, sms(short, item=item, no=no))


def _owed(payload: dict[str, Any]) -> str:
    names = payload.get("deferred")
    return "、".join(str(n) for n in names) if isinstance(names, list) else ""


def supplement_reminder(payload: dict[str, Any]) -> Text:
    """容缺后补: the one reminder before the deferred materials are due."""
    item, no = str(payload.get("item_name") or "事项"), str(payload.get("case_no") or "")
    due = str(payload.get("supplement_due") or "")
    when = f"请于 {due} 前" if due else "请尽快"
    return Text("请补交容缺材料",
                f"您申请的“{item}”（办件编号 {no}）为容缺受理，尚需补交：{_owed(payload)}。{when}在“我的办件”中"
                "打开该办件，点击“补交材料”上传。材料补齐后才能作出准予许可的决定。",
                sms("您申请的{item}（办件编号{no}）尚有容缺材料待补交，" + (f"请于{due}前" if due else "请尽快")
                    + "登录补交。", item=item, no=no))


# --- licenses (to the holder) ----------------------------------------------------------------------------

def license_issued(payload: dict[str, Any]) -> Text:
    kind = str(payload.get("type") or "电子证照")
    case = f"（办件编号 {payload['case_no']}）" if payload.get("case_no") else ""
    return Text("电子证照已签发",
                f"您的“{kind}”已签发{case}，可在“我的证照”中查看、下载或出示。电子证照与纸质证照具有同等法律效力，"
                "办理其他事项需要时可直接选用，无需再上传。",
                sms("您的{kind}已签发，可登录在“我的证照”中查看。", kind=kind))


_LICENSE_CHANGE = {
    "suspend": ("电子证照已暂扣", "已被发证机关暂扣", "暂扣期间该证照不能使用。"),
    "revoke": ("电子证照已注销", "已被发证机关注销", "注销后该证照不再有效。"),
    "reinstate": ("电子证照已恢复", "已由发证机关恢复有效", "现在可以正常使用。"),
}
LICENSE_ACTIONS = tuple(_LICENSE_CHANGE)


def license_changed(action: str, payload: dict[str, Any]) -> Text:
    title, what, effect = _LICENSE_CHANGE[action]
    kind = str(payload.get("type") or "电子证照")
    reason = str(payload.get("reason") or "").strip()
    body = f"您持有的{kind}{what}。" + (f"原因：{reason}。" if reason else "") + effect
    if action != "reinstate":
        body += "如有异议，可依法申请行政复议或者提起行政诉讼。"
    return Text(title, body, sms("您持有的{kind}" + what + "，请登录查看。", kind=kind))


# --- evaluation (好差评) ----------------------------------------------------------------------------------

def rectification_replied(payload: dict[str, Any]) -> Text:
    no = str(payload.get("case_no") or "")
    return Text("您的评价已收到答复",
                f"您对办件 {no} 的评价已收到办理部门的整改答复，欢迎查看。感谢您的监督，我们会持续改进服务。",
                sms("您对办件{no}的评价已收到答复，请登录查看。", no=no))


def visit_rectification_replied(payload: dict[str, Any]) -> Text:
    return Text("您对窗口服务的评价已收到答复",
                "您在服务大厅窗口办事后所作的评价已收到整改答复。感谢您的监督，我们会持续改进窗口服务。",
                sms("您对窗口服务的评价已收到整改答复，感谢监督。"))


def rectification_opened(payload: dict[str, Any]) -> Text:
    no, deadline = str(payload.get("case_no") or ""), str(payload.get("deadline") or "")
    due = f"请于 {deadline} 前" if deadline else "请尽快"
    return Text("差评整改待办",
                f"办件 {no} 收到差评，已生成整改任务。{due}核实情况、完成整改并答复评价人。",
                sms("办件{no}收到差评，" + (f"请于{deadline}前" if deadline else "请尽快") + "整改并答复。", no=no))


# --- supervision (电子监察) -------------------------------------------------------------------------------

LEVEL_LABELS = {"yellow": "黄灯预警", "red": "红灯警告", "yellow_card": "黄牌", "red_card": "红牌"}
URGENT_LEVELS = frozenset({"red", "red_card"})


def alert_raised(payload: dict[str, Any]) -> Text:
    no, level = str(payload.get("case_no") or ""), str(payload.get("level") or "")
    label = LEVEL_LABELS.get(level, "预警")
    content = str(payload.get("content") or "").strip()
    if content and content[-1] not in "。！？!?":
        content += "。"
    body = f"电子监察对办件 {no} 发出{label}。{content}请及时处理。"
    return Text(f"电子监察{label}：办件 {no}", body,
                sms("电子监察对办件{no}发出" + label + "，请及时处理。", no=no))


# --- 并联审批 ---------------------------------------------------------------------------------------------

def branch_requested(payload: dict[str, Any]) -> Text:
    no, item = str(payload.get("case_no") or ""), str(payload.get("item_name") or "")
    due = str(payload.get("deadline") or "")
    body = f"办件 {no}（{item}）已由牵头部门受理，请在 {due} 前出具并联审批意见。" if due else \
        f"办件 {no}（{item}）已由牵头部门受理，请出具并联审批意见。"
    return Text(f"并联审批：请出具意见（{no}）", body, sms("办件{no}需要您出具并联审批意见。", no=no))


def branch_objected(payload: dict[str, Any]) -> Text:
    no = str(payload.get("case_no") or "")
    reason = str(payload.get("opinion") or "").strip()
    body = f"并联审批部门对办件 {no} 出具不同意意见：{reason}。请作出决定或告知申请人补正。"
    return Text(f"并联审批：不同意意见（{no}）", body, sms("并联审批部门对办件{no}不同意，请处理。", no=no))


def branch_timed_out(deemed: bool, payload: dict[str, Any]) -> Text:
    no, due = str(payload.get("case_no") or ""), str(payload.get("deadline") or "")
    if deemed:
        body = f"办件 {no} 的并联审批意见超过时限（{due}）未出具，依超时默认制视为同意，已记入电子监察。"
        return Text(f"并联审批超时默认同意（{no}）", body, sms("办件{no}并联审批超时，已视为同意。", no=no))
    body = f"办件 {no} 的并联审批意见超过时限（{due}）未出具，已提交电子监察，请尽快出具意见。"
    return Text(f"并联审批超时（{no}）", body, sms("办件{no}并联审批超时，已提交电子监察。", no=no))


# --- e-mail ---------------------------------------------------------------------------------------------

def email_body(body: str, link: str | None, public_url: str) -> str:
    """The in-app text, a link to the page it is about, and the sender's line."""
    parts = [body]
    if link:
        parts.append(f"查看详情：{public_url.rstrip('/')}{link}")
    parts.append("——\n一网政务服务平台\n本邮件由系统自动发送，请勿直接回复。如有疑问，请拨打 12345 咨询。")
    return "\n\n".join(parts)


# --- 一件事 (to the applicant) -----------------------------------------------------------------------------

def bundle_event(topic: str, p: dict[str, Any]) -> Text:
    """A 一件事 application filed, or every result delivered together (or the application ended undecided)."""
    no, n = str(p.get("application_no", "")), len(p.get("cases") or [])
    name = str(p.get("bundle_name") or "一件事")
    if topic.endswith("submitted"):
        return Text("“一件事”申请已提交", f"您的“{name}”申请（编号 {no}）已提交，{n} 个事项将由相关部门同时办理。",
                    sms(f"您的“{{name}}”申请已提交，{n}个事项同时办理，编号{no}。", name=name))
    if p.get("status") == "closed":
        return Text("“一件事”办理终止", f"您的“{name}”申请（编号 {no}）各事项均已终止办理，没有需要送达的结果。",
                    sms(f"您的“{{name}}”申请已终止办理，编号{no}。", name=name))
    return Text("“一件事”已全部办结", f"您的“{name}”申请（编号 {no}）全部事项已办结，{n} 项办理结果已统一送达，"
                "电子证照已放入“我的证照”。欢迎对本次服务作出评价。",
                sms(f"您的“{{name}}”已全部办结，结果已统一送达，编号{no}。", name=name))


# --- 转报 (to the upper department) ------------------------------------------------------------------------

def case_forwarded(p: dict[str, Any]) -> Text:
    item, no = str(p.get("item_name", "")), str(p.get("case_no", ""))
    return Text("收到转报办件", f"下级部门转报的“{item}”（办件编号 {no}）已转至本部门办理，请及时处理。",
                sms("下级部门转报的“{item}”已转至本部门办理，请及时处理。", item=item))


_APPOINTMENT = {
    "hall.appointment_booked": ("预约成功", "您已预约{hall}{day} {start}–{end}（{type}），预约号 {no}。请在开始前一小时至开始后"
                                "15 分钟内到大厅签到取号。", "您已预约{hall}{day} {start}，预约号{no}，请按时签到。"),
    "hall.appointment_changed": ("预约已改期", "您在{hall}的预约已改为 {day} {start}–{end}（{type}），预约号 {no}。",
                                 "您在{hall}的预约已改为{day} {start}，预约号{no}。"),
    "hall.appointment_cancelled": ("预约已取消", "您在{hall}{day} {start} 的预约（{no}）已取消。",
                                   "您在{hall}{day} {start}的预约已取消。"),
    "hall.appointment_reminder": ("明天有预约", "提醒：您预约了明天 {day} {start}–{end} 到{hall}办事（{type}），预约号 {no}。"
                                  "如不能前往，请提前取消预约；90 天内 3 次预约未到将暂停预约 30 天。",
                                  "提醒：您预约了{hall}明天{start}，预约号{no}，不能前往请取消。"),
    "hall.appointment_no_show": ("预约未到", "您在{hall}{day} {start} 的预约（{no}）未签到，已记为爽约。"
                                 "90 天内 3 次爽约将暂停预约 30 天。", "您在{hall}{day} {start}的预约未签到，已记爽约。"),
}
APPOINTMENT_TOPICS = tuple(_APPOINTMENT)


def appointment_event(topic: str, p: dict[str, Any]) -> Text:
    title, body, short = _APPOINTMENT[topic]
    parts = {"hall": str(p.get("hall_name") or p.get("hall_code") or "服务大厅"), "day": str(p.get("day", "")),
             "start": str(p.get("start", "")), "end": str(p.get("end", "")), "type": str(p.get("window_type", "")),
             "no": str(p.get("appointment_no", ""))}
    return Text(title=title, body=body.format(**parts), sms=sms(short, **parts))


# --- the 12345 hotline ------------------------------------------------------------------------------------------

def hotline_to_unit(topic: str, p: dict[str, Any]) -> Text:
    no, title, due = str(p.get("ticket_no", "")), str(p.get("title", "")), str(p.get("deadline") or "")
    if topic == "hotline.ticket_sent_back":
        return Text("12345 工单退回重办", f"工单 {no}（{title}）的答复未通过审核或市民不满意，已退回重新办理，请在 {due} 前重新答复。",
                    sms("12345工单{no}退回重办，请在{due}前重新答复。", no=no, due=due))
    return Text("新的 12345 工单", f"收到 12345 工单 {no}（{title}），请签收并在 {due} 前答复。",
                sms("收到12345工单{no}，请签收并在{due}前答复。", no=no, due=due))


def hotline_to_caller(topic: str, p: dict[str, Any]) -> Text:
    no = str(p.get("ticket_no", ""))
    if topic == "hotline.ticket_closed":
        return Text("诉求已办结", f"您的诉求（工单 {no}）已办结，感谢您的监督。", sms("您的诉求（工单{no}）已办结。", no=no))
    return Text("诉求已答复", f"您的诉求（工单 {no}）已由承办单位答复并经审核，请登录查看答复内容。稍后我们将回访您的满意度。",
                sms("您的诉求（工单{no}）已答复，请登录12345页面查看。", no=no))
