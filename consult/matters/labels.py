"""Human labels for the codes of a matter's life (states, actions, tiers), translatable."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from consult.core.i18n import lazy_text
from consult.matters.lifecycle import Action, State

STATE_LABELS = {
    State.SUBMITTED: _l("Submitted, awaiting triage"),  # 已提交，待分级受理
    State.ACCEPTED: _l("Accepted"),  # 已受理
    State.REJECTED: _l("Not accepted"),  # 不予受理
    State.MERGED: _l("Merged"),  # 已合并
    State.WITHDRAWN: _l("Withdrawn"),  # 已撤回
    State.IN_CONSULTATION: _l("In consultation"),  # 协商中
    State.VOTING: _l("Voting"),  # 表决中
    State.NOTICE: _l("Public notice"),  # 公示中
    State.IMPLEMENTING: _l("Being carried out"),  # 实施中
    State.COMPLETED: _l("Completed"),  # 已完成
    State.EVALUATED: _l("Evaluated"),  # 已评价
    State.ARCHIVED: _l("Archived"),  # 已归档
}

ACTION_LABELS = {
    Action.SUBMIT: _l("Proposed"),
    Action.ACCEPT: _l("Accepted"),
    Action.REJECT: _l("Not accepted"),
    Action.MERGE: _l("Merged"),
    Action.WITHDRAW: _l("Withdrawn by the proposer"),
    Action.RAISE_TIER: _l("Tier raised"),
}

TIER_LABELS = {
    1: _l("Tier 1 · settled by the community"),  # 一级：居民自治解决
    2: _l("Tier 2 · with the street's help"),  # 二级：街道社区协助解决
    3: _l("Tier 3 · with the district's help"),  # 三级：区政府协助解决
}


def state_label(code: str | None) -> str:
    try:
        return lazy_text(STATE_LABELS[State(code)])
    except ValueError:
        return code or ""


def action_label(code: str) -> str:
    try:
        return lazy_text(ACTION_LABELS[Action(code)])
    except ValueError:
        return code


def tier_label(tier: int | None) -> str:
    return lazy_text(TIER_LABELS.get(tier, "")) if tier else ""
