"""The life of a matter as one state machine (DESIGN §2). Pure: no Flask, no database.

Services ask :func:`next_state` before they change anything; nothing else sets a state.

    submitted ──accept(tier)──▶ accepted ──▶ in_consultation ──▶ voting ──▶ notice ──▶ …
        ├─reject(reason)          └─raise_tier(reason) (stays accepted, tier goes up)
        ├─merge(into #n)
        └─withdraw (by the proposer, before triage)
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    SUBMITTED = "submitted"  # 已提交，待分级受理
    ACCEPTED = "accepted"  # 已受理
    REJECTED = "rejected"  # 不予受理
    MERGED = "merged"  # 已合并
    WITHDRAWN = "withdrawn"  # 已撤回
    # Later stages (meetings, voting, projects) — reached by later capabilities.
    IN_CONSULTATION = "in_consultation"  # 协商中
    VOTING = "voting"  # 表决中
    NOTICE = "notice"  # 公示中
    IMPLEMENTING = "implementing"  # 实施中
    COMPLETED = "completed"  # 已完成
    EVALUATED = "evaluated"  # 已评价
    ARCHIVED = "archived"  # 已归档


class Action(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    REJECT = "reject"
    MERGE = "merge"
    WITHDRAW = "withdraw"
    RAISE_TIER = "raise_tier"


#: (state, action) → next state. The whole lifecycle this capability drives, in one table.
TRANSITIONS: dict[tuple[State | None, Action], State] = {
    (None, Action.SUBMIT): State.SUBMITTED,
    (State.SUBMITTED, Action.ACCEPT): State.ACCEPTED,
    (State.SUBMITTED, Action.REJECT): State.REJECTED,
    (State.SUBMITTED, Action.MERGE): State.MERGED,
    (State.SUBMITTED, Action.WITHDRAW): State.WITHDRAWN,
    (State.ACCEPTED, Action.RAISE_TIER): State.ACCEPTED,
}

#: states in which a matter is closed: no supports, comments or transitions change it
FINAL = frozenset({State.REJECTED, State.MERGED, State.WITHDRAWN, State.ARCHIVED})

#: states in which residents may still support (附议) a matter
SUPPORTABLE = frozenset({State.SUBMITTED, State.ACCEPTED, State.IN_CONSULTATION})

#: actions that need a written reason
NEEDS_REASON = frozenset({Action.REJECT, Action.RAISE_TIER})

TIERS = (1, 2, 3)


class TransitionError(ValueError):
    """The action is not allowed from the matter's state, or its arguments are wrong."""


def next_state(state: State | str | None, action: Action | str) -> State:
    key = (State(state) if state is not None else None, Action(action))
    try:
        return TRANSITIONS[key]
    except KeyError:
        raise TransitionError(f"cannot {key[1]} a matter that is {key[0]}") from None


def allowed_actions(state: State | str) -> list[Action]:
    state = State(state)
    return [action for (src, action) in TRANSITIONS if src == state]


def tier_for_cost(cost_fen: int | None, tier1_max_fen: int, tier2_max_fen: int) -> int:
    """Default routing by estimated cost (DESIGN §2). Unknown cost → tier 1 (settle it lowest)."""
    if cost_fen is None or cost_fen <= tier1_max_fen:
        return 1
    if cost_fen <= tier2_max_fen:
        return 2
    return 3


def check_tier(chosen: int, routed: int, reason: str | None) -> None:
    """Staff may raise the tier above the routed one with a reason, never lower it."""
    if chosen not in TIERS:
        raise TransitionError("tier must be 1, 2 or 3")
    if chosen < routed:
        raise TransitionError("the tier cannot be lower than the cost routing gives")
    if chosen > routed and not (reason and reason.strip()):
        raise TransitionError("raising the tier needs a reason")
