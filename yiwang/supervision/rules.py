"""Supervision rules as data: the levels, the default rules (from the national rules in STANDARDS.md), the rules
stored per item type or item, and which one is in force for an item (an item's own rule beats its item type's,
which beats the default).

- ``approaching`` (yellow): a running clock is due within N working days (default ``YIWANG_WARN_WORKING_DAYS``);
- ``overdue`` (red): a running clock is past due;
- ``step_overdue`` (yellow): the current review step has run longer than its own limit in working days;
- ``repeated_correction`` (red card): more correction notices than allowed on one case;
- ``beyond_guide`` (red card): a correction notice asks for materials the published guide does not list;
- ``no_reason`` (yellow card): a rejection or denial whose reason is missing or a word or two;
- ``branch_approaching`` / ``branch_overdue`` (lights) and ``branch_escalated`` / ``branch_deemed_consent``
  (cards): the branches of joint cases, each on its own clock (supervision/branches.py; default scope only);
- ``hotline_approaching`` / ``hotline_overdue`` / ``hotline_step_overdue`` (lights): 12345 work orders on their
  clocks (supervision/hotline.py; default scope only).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from yiwang.catalog import service as catalog
from yiwang.core import audit, clock
from yiwang.core.config import get_settings
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.permissions import Actor, Perm, region_prefix
from yiwang.supervision import repository
from yiwang.supervision.models import SupervisionRule


class Level(enum.StrEnum):
    YELLOW = "yellow"
    RED = "red"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


LEVEL_LABELS = {Level.YELLOW: "黄灯", Level.RED: "红灯", Level.YELLOW_CARD: "黄牌", Level.RED_CARD: "红牌"}
# clear themselves when the condition ends (the branch lights: supervision/branches.py)
LIGHT_RULES = ("approaching", "overdue", "step_overdue", "branch_approaching", "branch_overdue",
               "hotline_approaching", "hotline_overdue", "hotline_step_overdue")
# the branches of joint cases (default scope only: a branch's own limit is set in the catalog)
BRANCH_RULES = ("branch_approaching", "branch_overdue", "branch_escalated", "branch_deemed_consent")
# 12345 work orders (supervision/hotline.py; default scope only: their limits are the hotline's, per kind)
HOTLINE_RULES = ("hotline_approaching", "hotline_overdue", "hotline_step_overdue")
# findings: closed by a supervisor
CARD_RULES = ("repeated_correction", "beyond_guide", "no_reason", "branch_escalated", "branch_deemed_consent")
STEP_NAMES = {"handle": "承办", "check": "审核", "approve": "审批"}


@dataclass(frozen=True)
class RuleDef:
    code: str
    level: Level
    label: str
    params: dict[str, Any]


def default_rules() -> dict[str, RuleDef]:
    settings = get_settings()
    return {r.code: r for r in (
        RuleDef("approaching", Level.YELLOW, "办理期限即将届满", {"working_days": settings.warn_working_days}),
        RuleDef("overdue", Level.RED, "超过办理期限", {}),
        RuleDef("step_overdue", Level.YELLOW, "环节超过时限", {"handle": 3, "check": 2, "approve": 2}),
        RuleDef("repeated_correction", Level.RED_CARD, "多次要求补正材料",
                {"limit": settings.supervision_correction_limit}),
        RuleDef("beyond_guide", Level.RED_CARD, "要求办事指南以外的材料", {}),
        RuleDef("no_reason", Level.YELLOW_CARD, "不予受理或不予许可未说明理由", {"min_chars": 4, "lookback_days": 90}),
        # 并联审批: each branch of a joint case on its own clock (default scope only)
        RuleDef("branch_approaching", Level.YELLOW, "并联审批意见即将超时",
                {"working_days": settings.warn_working_days}),
        RuleDef("branch_overdue", Level.RED, "并联审批意见超过时限", {}),
        RuleDef("branch_escalated", Level.RED_CARD, "并联审批超时未出具意见，已提交监察", {}),
        RuleDef("branch_deemed_consent", Level.YELLOW_CARD, "并联审批超时，依超时默认制视为同意", {}),
        # 12345 work orders, each on its own clock (limits per kind and channel are the hotline's)
        RuleDef("hotline_approaching", Level.YELLOW, "热线工单即将超时", {"working_days": settings.warn_working_days}),
        RuleDef("hotline_overdue", Level.RED, "热线工单超过办理时限", {}),
        RuleDef("hotline_step_overdue", Level.YELLOW, "热线工单签收或审核环节超时", {}),
    )}


CONTENT = {
    "approaching": "办件即将超过办理期限，请抓紧办理",
    "overdue": "办件已超过办理期限",
    "step_overdue": "办件在当前环节停留超过该环节时限",
    "repeated_correction": "同一办件多次要求申请人补正材料",
    "no_reason": "不予受理或不予许可未说明充分理由",
    "branch_approaching": "并联审批部门出具意见的时限即将届满，请抓紧出具意见",
    "branch_overdue": "并联审批部门超过时限未出具意见",
    "branch_escalated": "并联审批部门超过时限未出具意见，依事项规定提交电子监察",
    "branch_deemed_consent": "并联审批部门超过时限未出具意见，依超时默认制视为同意",
    "hotline_approaching": "热线工单即将超过办理时限，请抓紧办理答复",
    "hotline_overdue": "热线工单已超过办理时限未答复",
    "hotline_step_overdue": "热线工单在签收或审核环节超过节点时限",
}


@dataclass(frozen=True)
class EffectiveRule:
    code: str
    scope: str  # default | item_type | item
    scope_value: str
    level: str
    params: dict[str, Any]
    enabled: bool
    label: str


def rules(session: Session) -> list[EffectiveRule]:
    """Every rule in force: the defaults (possibly overridden) and the scoped rules stored as data."""
    defs = default_rules()
    stored = {(r.code, r.scope, r.scope_value): r for r in repository.stored_rules(session)}
    out = []
    for code, d in defs.items():
        row = stored.pop((code, "default", ""), None)
        out.append(EffectiveRule(code, "default", "", row.level if row else d.level.value,
                                 {**d.params, **(row.params if row else {})}, row.enabled if row else True, d.label))
    for (code, scope, value), row in sorted(stored.items()):
        if code in defs:
            out.append(EffectiveRule(code, scope, value, row.level, {**defs[code].params, **row.params}, row.enabled,
                                     defs[code].label))
    return out


def set_rule(session: Session, actor: Actor, *, code: str, scope: str = "default", scope_value: str = "",
             params: dict[str, Any] | None = None, enabled: bool = True, level: str | None = None) -> EffectiveRule:
    """Store a rule (administrators): e.g. yellow two working days ahead for item type 01 (行政许可)."""
    actor.require(Perm.SUPERVISION_RULE_MANAGE)
    defs = default_rules()
    if code not in defs:
        raise ValidationFailed("未知的监察规则：" + code, field="code", code="unknown_rule")
    if scope not in ("default", "item_type", "item") or (scope == "default") != (not scope_value):
        raise ValidationFailed("规则范围应为：默认、事项类型（附类型代码）或事项（附事项编码）", field="scope")
    if code in BRANCH_RULES and scope != "default":
        raise ValidationFailed("并联审批的监察规则只设默认规则（各并联部门的时限在事项目录中设置）", field="scope",
                               code="branch_rule_default_only")
    if code in HOTLINE_RULES and scope != "default":
        raise ValidationFailed("热线工单的监察规则只设默认规则（时限按诉求类型在热线中设置）", field="scope",
                               code="hotline_rule_default_only")
    if level is not None and level not in {lv.value for lv in Level}:
        raise ValidationFailed("预警级别应为 yellow、red、yellow_card 或 red_card", field="level")
    clean = _check_params(code, params or {})
    _check_rule_scope(session, actor, scope, scope_value)
    row = repository.stored_rule(session, code, scope, scope_value)
    if row is None:
        row = SupervisionRule(code=code, scope=scope, scope_value=scope_value, level=level or defs[code].level.value,
                              params=clean, enabled=enabled, updated_at=clock.now())
        session.add(row)
    else:
        row.params, row.enabled, row.updated_at = clean, enabled, clock.now()
        row.level = level or row.level
    session.flush()
    audit.record(session, actor, "supervision.rule_set", "supervision_rule", f"{code}:{scope}:{scope_value}",
                 {"params": clean, "enabled": enabled, "level": row.level})
    return next(r for r in rules(session) if (r.code, r.scope, r.scope_value) == (code, scope, scope_value))


def _check_rule_scope(session: Session, actor: Actor, scope: str, scope_value: str) -> None:
    """Defaults and item-type rules apply everywhere: only the deployment's own administrators (whose region
    is the home region) set them. An item's rule is for the administrators of the item's region."""
    if not actor.is_staff or not actor.region_code:
        return
    home = get_settings().home_region_code
    if scope in ("default", "item_type"):
        if not home.startswith(region_prefix(actor.region_code)):
            raise PermissionDenied("默认规则和事项类型规则由本平台所在区划的管理员设置", code="out_of_region")
        return
    item_region = catalog.item_region(session, scope_value)
    if item_region is None:
        raise ValidationFailed("事项不存在", field="scope_value", code="unknown_item")
    if not item_region.startswith(region_prefix(actor.region_code)):
        raise PermissionDenied("只能为本区划的事项设置规则", code="out_of_region")


def _check_params(code: str, params: dict[str, Any]) -> dict[str, Any]:
    allowed = set(default_rules()[code].params)
    clean: dict[str, Any] = {}
    for key, value in params.items():
        if key not in allowed:
            raise ValidationFailed(f"规则 {code} 没有参数 {key}", field=f"params.{key}")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365:
            raise ValidationFailed(f"参数 {key} 应为 0–365 的整数", field=f"params.{key}")
        clean[key] = value
    return clean



def rule_for(session: Session, code: str, item_code: str) -> EffectiveRule | None:
    """The rule in force for one item: its own, else its item type's, else the default."""
    in_force = [r for r in rules(session) if r.code == code]
    item_type = catalog.item_types(session, [item_code]).get(item_code)
    for scope, value in (("item", item_code), ("item_type", item_type or ""), ("default", "")):
        found = next((r for r in in_force if r.scope == scope and r.scope_value == value), None)
        if found is not None:
            return found
    return None

