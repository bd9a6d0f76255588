"""The matter state machine, alone (no Flask, no database) and as a property-based model."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult.matters.lifecycle import (
    FINAL,
    TRANSITIONS,
    Action,
    State,
    TransitionError,
    allowed_actions,
    check_tier,
    next_state,
    tier_for_cost,
)


def test_table_is_what_design_section_2_draws():
    assert next_state(None, "submit") == State.SUBMITTED
    assert next_state("submitted", "accept") == State.ACCEPTED
    assert next_state("submitted", "reject") == State.REJECTED
    assert next_state("submitted", "merge") == State.MERGED
    assert next_state("submitted", "withdraw") == State.WITHDRAWN
    assert next_state("accepted", "raise_tier") == State.ACCEPTED
    with pytest.raises(TransitionError):
        next_state("accepted", "withdraw")  # only before triage
    with pytest.raises(TransitionError):
        next_state("accepted", "merge")  # duplicates are merged at triage (DESIGN §2)
    with pytest.raises(TransitionError):
        next_state("rejected", "accept")


def test_final_states_allow_nothing():
    for state in FINAL:
        assert allowed_actions(state) == []


@given(st.lists(st.sampled_from(list(Action)), max_size=30))
def test_any_sequence_of_actions_follows_the_table(actions):
    """Apply random actions; refused ones change nothing, allowed ones follow TRANSITIONS, and a
    closed matter never reopens."""
    state = next_state(None, Action.SUBMIT)
    closed = False
    for action in actions:
        try:
            new = next_state(state, action)
        except TransitionError:
            assert (state, action) not in TRANSITIONS
            continue
        assert not closed, f"{state} is final but {action} moved it"
        assert TRANSITIONS[(state, action)] == new
        state = new
        closed = state in FINAL


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=10**12), st.integers(1, 10**8), st.integers(1, 10**9))
def test_tier_routing_is_monotonic_in_cost(cost, t1, extra):
    t2 = t1 + extra
    tier = tier_for_cost(cost, t1, t2)
    assert tier in (1, 2, 3)
    assert tier_for_cost(cost + 1, t1, t2) >= tier
    assert (tier == 1) == (cost <= t1)
    assert (tier == 3) == (cost > t2)


def test_default_thresholds_of_design():
    t1, t2 = 20_000_00, 200_000_00
    assert tier_for_cost(20_000_00, t1, t2) == 1
    assert tier_for_cost(20_000_01, t1, t2) == 2
    assert tier_for_cost(200_000_00, t1, t2) == 2
    assert tier_for_cost(200_000_01, t1, t2) == 3
    assert tier_for_cost(None, t1, t2) == 1


def test_tier_can_be_raised_with_reason_never_lowered():
    check_tier(2, 2, None)
    check_tier(3, 2, "covers two streets")
    with pytest.raises(TransitionError):
        check_tier(3, 2, "  ")
    with pytest.raises(TransitionError):
        check_tier(1, 2, "cheaper than it looks")
    with pytest.raises(TransitionError):
        check_tier(4, 2, "x")
