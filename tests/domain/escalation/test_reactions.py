"""How the Inadequate process hears of audits (no database): audits publish facts, escalation
subscribes, through one in-transaction dispatch whose order is the order of subscription."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

import domain
from domain.audits import facts
from domain.core.clock import Clock
from domain.escalation import moderation, starting, supervision
from domain.events import dispatch


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """No database here (this replaces the suite's own fixture)."""


def test_importing_the_domain_subscribes_the_process_to_each_audit_fact() -> None:
    assert domain.reactions is not None
    assert {
        fact: dispatch.subscribers_of(fact)
        for fact in (
            facts.AuditToBeCancelled,
            facts.AuditGradedInadequate,
            facts.AuditCompleted,
            facts.AuditAmended,
            facts.AuditModerated,
        )
    } == {
        facts.AuditToBeCancelled: [supervision.check_can_cancel_audit],
        facts.AuditGradedInadequate: [starting.on_graded_inadequate],
        facts.AuditCompleted: [supervision.on_audit_completed],
        facts.AuditAmended: [moderation.on_amended_away],
        facts.AuditModerated: [moderation.on_moderated],
    }


def test_the_audits_concept_imports_nothing_of_escalation() -> None:
    from pathlib import Path

    audits = Path(facts.__file__).parent
    for module in audits.glob("*.py"):
        assert "domain.escalation" not in module.read_text(), module.name


@dataclass(frozen=True)
class _Happened:
    what: str


def test_publish_runs_every_subscriber_in_order_and_says_how_many() -> None:
    heard: list[str] = []

    async def first(session: AsyncSession, clock: Clock, fact: _Happened) -> None:
        heard.append(f"first {fact.what}")

    async def second(session: AsyncSession, clock: Clock, fact: _Happened) -> None:
        heard.append(f"second {fact.what}")

    dispatch.subscribe(_Happened, first)
    dispatch.subscribe(_Happened, second)
    dispatch.subscribe(_Happened, first)  # once is enough
    session: Any = None
    clock: Any = None
    try:
        assert asyncio.run(dispatch.publish(session, clock, _Happened("it"))) == 2
        assert heard == ["first it", "second it"]
        assert asyncio.run(dispatch.publish(session, clock, object())) == 0
    finally:
        dispatch._subscribers.pop(_Happened, None)


def test_a_subscriber_that_refuses_stops_the_change() -> None:
    async def refuse(session: AsyncSession, clock: Clock, fact: _Happened) -> None:
        raise ValueError(fact.what)

    dispatch.subscribe(_Happened, refuse)
    session: Any = None
    clock: Any = None
    try:
        with pytest.raises(ValueError, match="no"):
            asyncio.run(dispatch.publish(session, clock, _Happened("no")))
    finally:
        dispatch._subscribers.pop(_Happened, None)
