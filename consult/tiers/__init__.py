"""Tiered handling with time limits (分层分级、限时办结): the working-day calendar and deadlines,
and (to come) queues, escalation, departments called in, the overdue sweep and public rates."""
