"""跨域通办 (代收代办): a window in region A takes an application for an item decided in region B.

The case is B's — the item's department decides it, its clock and number are B's — but it remembers the receiving
window (``Case.intake_region_code``, ``intake_department_id``, ``intake_by``). Only items whose guide states a 通办
range (catalog ``cross_region``) may be taken outside their region, and only within that range:

- text naming 跨省 or 全国 — any window in the country;
- 省内 / 全省 — windows in the item's province; 同城 / 市内 / 全市 — windows in the item's city;
- any other non-empty text counts as 省内 (the narrower reading), empty or missing — no 通办 at all.

A's window sees the cases it took (``repository._visible``) and nothing else of B's. It records the paper originals
it sends to B by courier (:class:`PaperTransfer`, sent → received on the lifecycle engine: B signs for them) and,
when the applicant chose to collect the result at A (``deliver_at_intake``), it delivers B's decision — then B
may not mark it delivered. Everything else on the case is B's: A's staff may read it, not act on it
(:func:`refusal`, checked by ``duties`` before any staff action and for the actions a page offers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.cases import repository as repo
from yiwang.cases.errors import CaseNotFound
from yiwang.cases.models import Case, PaperTransfer
from yiwang.cases.states import (
    APPLICANT,
    FORWARD_TRANSITIONS,
    PAPER_RECEIVER,
    PAPER_STATUS_LABELS,
    PAPER_TRANSITIONS,
    Action,
    PaperAction,
    PaperStatus,
    Status,
    rule_for,
)
from yiwang.catalog.schemas import ApplicationSpec
from yiwang.core import audit, clock, lifecycle
from yiwang.core.errors import Conflict, PermissionDenied, ValidationFailed
from yiwang.core.lifecycle import Context, Machine, Transition
from yiwang.core.permissions import Actor, Perm, Role, region_prefix
from yiwang.org import service as org_service

# --- the 通办 range of an item ------------------------------------------------------------------------------

NATIONAL, PROVINCE, CITY = "national", "province", "city"
SCOPE_LABELS = {NATIONAL: "跨省通办", PROVINCE: "省内通办", CITY: "同城通办"}


def tongban_scope(cross_region: str | None) -> str | None:
    """The range the guide's free text allows (national | province | city), or None: not 通办."""
    text = (cross_region or "").strip()
    if not text:
        return None
    if "跨省" in text or "全国" in text:
        return NATIONAL
    if "同城" in text or "市内" in text or "全市" in text:
        return CITY
    return PROVINCE  # 省内 / 全省, and any wording we do not recognise: the narrower reading


def covers(region_code: str | None, code: str | None) -> bool:
    """Whether ``code`` lies in the subtree of ``region_code`` (行政区划 prefix)."""
    return bool(region_code and code and code.startswith(region_prefix(region_code)))


class NotCrossRegion(ValidationFailed):
    """A window outside the item's region filed an item that is not 通办 there."""

    code = "not_cross_region"


@dataclass(frozen=True)
class Intake:
    region_code: str
    department_id: int | None
    by: str


def intake_for(session: Session, actor: Actor, spec: ApplicationSpec, channel: str) -> Intake | None:
    """For a window filing: None when the item is the window's own region's (an ordinary window filing); the
    receiving window to record when it is 通办; NotCrossRegion (422) when the item may not be taken here."""
    if channel != "window" or not actor.is_staff or not actor.region_code or covers(actor.region_code,
                                                                                      spec.region_code):
        return None
    scope = tongban_scope(spec.cross_region)
    home = org_service.region_name(session, spec.region_code)
    if scope is None:
        raise NotCrossRegion(f"“{spec.name}”由{home}办理，未开通跨区域通办，本窗口不能代收。请引导申请人到{home}的"
                             "窗口办理，或通过网上办事大厅申请。", field="item_code")
    inside = {NATIONAL: True, PROVINCE: actor.region_code[:2] == spec.region_code[:2],
              CITY: actor.region_code[:4] == spec.region_code[:4]}[scope]
    if not inside:
        raise NotCrossRegion(f"“{spec.name}”为{spec.cross_region}事项（{SCOPE_LABELS[scope]}），本窗口不在通办范围内，"
                             f"不能代收。请引导申请人到{home}的窗口办理。", field="item_code",
                             extra={"cross_region": spec.cross_region})
    return Intake(region_code=actor.region_code, department_id=actor.department_id, by=actor.label)


def takes_as_tongban(actor: Actor, spec: ApplicationSpec) -> bool:
    """Whether the actor's window would take this item for another region (the intake page says so)."""
    return (actor.is_staff and actor.can(Perm.CASE_INTAKE) and not actor.can(Perm.CASE_PROXY_SUBMIT)
            and bool(actor.region_code) and not covers(actor.region_code, spec.region_code))


# --- who may do what on a 通办 case ----------------------------------------------------------------------

def home_scope(actor: Actor, case: Case) -> bool:
    """Whether the case is in the actor's own scope — its department, its region subtree (region-scoped roles) or
    a branch of a joint case — rather than visible only as the receiving window's or a former department's."""
    if actor.department_id is not None and actor.department_id == case.department_id:
        return True
    if actor.region_scoped and covers(actor.region_code, case.region_code):
        return True
    joint = case.joint or {}
    return actor.department_id is not None and any(
        b.get("department_id") == actor.department_id for b in joint.get("branches") or [])


def intake_window(actor: Actor, case: Case) -> bool:
    """Whether the actor is the receiving window of a 通办 case: a window clerk of the receiving region, or staff
    of the receiving department."""
    if not actor.is_staff or case.intake_region_code is None:
        return False
    if actor.department_id is not None and actor.department_id == case.intake_department_id:
        return True
    return Role.WINDOW_CLERK.value in actor.roles and covers(actor.region_code, case.intake_region_code)


DELIVER_AT_INTAKE = "申请人选择在收件窗口领取办理结果，应由收件窗口送达，承办地不能标记送达"
READ_ONLY = "该办件由承办部门办理：通办收件窗口和转报前的部门可以查看，不能办理"


def refusal(actor: Actor, case: Case, act: Action) -> Exception | None:
    """Why a staff action is refused on account of 通办 or 转报 (None: these rules do not stand in the way).
    Pure: reads only the case row, so pages may ask it for every action they consider offering."""
    if not actor.is_staff:
        return None
    rule = rule_for(Status(case.status), act) or FORWARD_TRANSITIONS.get((Status(case.status), act))
    if rule is None or rule.who == APPLICANT:
        return None  # the window that filed may still act for the applicant (resubmit, supplement)
    if act is Action.DELIVER and case.deliver_at_intake:
        if intake_window(actor, case):
            return None
        return PermissionDenied(DELIVER_AT_INTAKE, field="action", code="deliver_at_intake")
    if home_scope(actor, case):
        return None
    return PermissionDenied(READ_ONLY, field="action", code="cross_region_read_only")


def note_delivery(actor: Actor, case: Case, act: Action, data: dict[str, Any]) -> None:
    """Where a 通办 case was delivered (the timeline and the audit record keep it)."""
    if act is Action.DELIVER and case.intake_region_code is not None:
        data["delivered_at_intake"] = intake_window(actor, case)
        data["delivery_department_id"] = actor.department_id


# --- paper originals: sent by the receiving window, received by the deciding office -----------------------------

def _paper_subject(row: PaperTransfer) -> str:
    return f"{row.case_no}~{row.id}"


def paper_receiver(actor: Actor, case: Case, row: PaperTransfer) -> bool:
    """Staff of the deciding side who take in applications: the department the papers were sent to, the case's
    department now, or a window of the case's region — never the receiving window itself."""
    if not actor.is_staff or not actor.can(Perm.CASE_ACCEPT):
        return False
    if actor.department_id is not None and actor.department_id in (row.to_department_id, case.department_id):
        return True
    return actor.region_scoped and covers(actor.region_code, case.region_code) and not intake_window(actor, case)


def _paper_holds(actor: Actor, row: PaperTransfer, transition: Transition, action: str) -> bool:
    case = _case_of(row)
    return transition.who == PAPER_RECEIVER and case is not None and paper_receiver(actor, case, row)


def _case_of(row: PaperTransfer) -> Case | None:
    from sqlalchemy.orm import object_session

    session = object_session(row)
    return session.get(Case, row.case_id) if session is not None else None


PAPER: Machine[PaperTransfer] = Machine(
    name="case_paper_transfer", transitions=PAPER_TRANSITIONS, subject=_paper_subject, topic=lambda a: None,
    holds=_paper_holds, stamp_attr="last_action_at",
    labels={s.value: label for s, label in PAPER_STATUS_LABELS.items()})

CLOSED = (Status.REJECTED.value, Status.WITHDRAWN.value)


def _visible_case(session: Session, actor: Actor, case_no: str) -> Case:
    case = repo.visible_case(session, actor, (case_no or "").strip()[:40])
    if case is None:
        raise CaseNotFound("办件不存在", field="case_no")
    return case


def _clean_materials(materials: Sequence[Any] | None) -> list[str]:
    if materials is None or any(not isinstance(m, str) for m in materials):
        raise ValidationFailed("请列出寄送的纸质材料名称", field="materials", code="materials_required")
    names = list(dict.fromkeys(m.strip() for m in materials if m.strip()))
    if not names:
        raise ValidationFailed("请列出寄送的纸质材料名称", field="materials", code="materials_required")
    if len(names) > 50 or any(len(n) > 500 for n in names):
        raise ValidationFailed("材料清单过长（最多 50 项，每项不超过 500 字）", field="materials")
    return names


def record_paper_transfer(session: Session, actor: Actor, *, case_no: str, courier: str, tracking_no: str,
                          materials: Sequence[Any] | None, comment: str | None = None) -> PaperTransfer:
    """The receiving window records the paper originals it sent to the deciding office (寄递纸质材料)."""
    case = _visible_case(session, actor, case_no)
    refused = PermissionDenied("只有通办收件窗口可以登记寄出的纸质材料", code="forbidden")
    if not actor.is_staff or not (actor.can(Perm.CASE_INTAKE) or actor.can(Perm.CASE_ACCEPT)):
        raise refused
    if case.intake_region_code is None:
        raise Conflict("该办件不是通办代收的办件，无需寄递纸质材料", field="case_no", code="not_tongban_case")
    if not intake_window(actor, case):
        raise refused
    if case.status in CLOSED:
        raise Conflict("办件已终止办理，无需寄递纸质材料", field="case_no", code="case_closed")
    courier = (courier or "").strip()
    tracking_no = (tracking_no or "").strip()
    if not courier or len(courier) > 100:
        raise ValidationFailed("请填写寄递企业（不超过 100 字）", field="courier", code="courier_required")
    if not tracking_no or len(tracking_no) > 64 or not all(c.isalnum() or c in "-_" for c in tracking_no):
        raise ValidationFailed("请填写寄递单号（字母、数字或“-”，不超过 64 位）", field="tracking_no",
                               code="bad_tracking_no")
    names = _clean_materials(materials)
    now = clock.now()
    row = PaperTransfer(case_id=case.id, case_no=case.case_no, status=PaperStatus.SENT.value, courier=courier,
                        tracking_no=tracking_no, materials=names, from_department_id=actor.department_id,
                        to_department_id=case.department_id, sent_at=now, sent_by=actor.label,
                        comment=(comment or "").strip()[:2000] or None, last_action_at=now, version=1)
    session.add(row)
    session.flush()
    data = {"courier": courier, "tracking_no": tracking_no, "materials": names, "to_department_id": case.department_id}
    session.add(lifecycle.LifecycleEvent(kind=PAPER.name, subject=_paper_subject(row), seq=1, at=now, action="send",
                                         actor=actor.label, actor_name=actor.name, from_status=None,
                                         to_status=row.status, comment=row.comment, data=data))
    audit.record(session, actor, f"{PAPER.name}.send", PAPER.name, _paper_subject(row),
                 {"to": row.status, "case_no": case.case_no, **data})
    return row


def receive_paper_transfer(session: Session, actor: Actor, *, case_no: str, transfer_id: int,
                           comment: str | None = None, expected_version: int | None = None) -> PaperTransfer:
    """The deciding office signs for the paper originals (签收)."""
    case = _visible_case(session, actor, case_no)
    row = session.scalars(select(PaperTransfer).where(PaperTransfer.id == transfer_id,
                                                      PaperTransfer.case_id == case.id)).first()
    if row is None:
        raise CaseNotFound("寄递记录不存在", field="transfer_id")
    if not paper_receiver(actor, case, row) and row.status == PaperStatus.SENT.value:
        raise PermissionDenied("纸质材料由承办地签收，收件窗口不能代签", code="forbidden")

    def received(session: Session, ctx: Context, r: PaperTransfer) -> None:
        r.received_at, r.received_by = ctx.now, ctx.actor.label

    ctx = Context(actor=actor, action=PaperAction.RECEIVE.value, comment=comment,
                  data={"case_no": case.case_no, "tracking_no": row.tracking_no})
    lifecycle.apply(session, PAPER, row, ctx, effect=received, expected_version=expected_version)
    return row


def transfers_of(session: Session, case: Case) -> Sequence[PaperTransfer]:
    if case.intake_region_code is None:
        return []
    return session.scalars(select(PaperTransfer).where(PaperTransfer.case_id == case.id)
                           .order_by(PaperTransfer.id)).all()


# --- how a 通办 case reads --------------------------------------------------------------------------------

def intake_view(session: Session, case: Case) -> dict[str, Any] | None:
    """The receiving window as the case JSON shows it (None: not a 通办 case)."""
    if case.intake_region_code is None:
        return None
    return {"region_code": case.intake_region_code,
            "region_name": org_service.region_name(session, case.intake_region_code),
            "department": org_service.department_name(session, case.intake_department_id)
            if case.intake_department_id else None,
            "department_id": case.intake_department_id, "deliver_at_intake": case.deliver_at_intake}


def transfers_view(session: Session, actor: Actor, case: Case) -> list[dict[str, Any]]:
    out = []
    for row in transfers_of(session, case):
        out.append({
            "id": row.id, "status": row.status, "status_label": PAPER_STATUS_LABELS[PaperStatus(row.status)],
            "courier": row.courier, "tracking_no": row.tracking_no, "materials": list(row.materials),
            "from_department": org_service.department_name(session, row.from_department_id)
            if row.from_department_id else None,
            "to_department": org_service.department_name(session, row.to_department_id),
            "sent_at": row.sent_at, "received_at": row.received_at, "comment": row.comment,
            "version": row.version,
            "can_receive": row.status == PaperStatus.SENT.value and paper_receiver(actor, case, row)})
    return out


def may_send_papers(actor: Actor, case: Case) -> bool:
    """Whether a page should offer the actor the form to record papers sent."""
    return (intake_window(actor, case) and case.status not in CLOSED
            and (actor.can(Perm.CASE_INTAKE) or actor.can(Perm.CASE_ACCEPT)))


def intake_cases(session: Session, actor: Actor, *, limit: int, offset: int) -> tuple[int, Sequence[Case]]:
    """The 通办 cases the actor's window took for other regions, newest first."""
    return repo.intake_cases(session, actor, limit=limit, offset=offset)
