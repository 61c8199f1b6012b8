"""Every model written to history is declared child-linked or not, in one place
(domain/history/registry.py), and the administrator never reads child-linked history."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.roles import SYSTEM, Actor, Grant, Role, ScopeType
from domain.history import service as history
from domain.history.registry import (
    CHILD_LINKED,
    HISTORY_TYPES,
    NOT_WRITTEN_TO_HISTORY,
    UndeclaredHistoryType,
)
from domain.models import Base

DOMAIN = Path(__file__).resolve().parents[3] / "domain"
# How use cases name what they write to history: `object_type="Audit"`, a module's
# `SUBJECT = "FeedbackRecord"`, or `history.Change("child.imported", "Child", ...)`.
WRITTEN = re.compile(
    r'object_type="(\w+)"|^SUBJECT = "(\w+)"|Change\(\s*"[\w.]+",\s*"(\w+)"', re.MULTILINE
)


def _models() -> set[str]:
    return {m.class_.__name__ for m in Base.registry.mappers}


def test_every_model_is_declared_written_to_history_or_not() -> None:
    undeclared = _models() - set(HISTORY_TYPES) - NOT_WRITTEN_TO_HISTORY
    assert not undeclared, (
        f"Declare {sorted(undeclared)} in domain/history/registry.py: child-linked or not in "
        "HISTORY_TYPES if history records it, else in NOT_WRITTEN_TO_HISTORY."
    )
    assert not set(HISTORY_TYPES) & NOT_WRITTEN_TO_HISTORY
    assert set(HISTORY_TYPES) <= _models(), "a declared type that is no model"


def test_every_type_the_use_cases_write_is_declared() -> None:
    written = {
        name
        for path in DOMAIN.rglob("*.py")
        for match in WRITTEN.finditer(path.read_text())
        for name in match.groups()
        if name
    }
    assert {"Audit", "BenchmarkRound", "Child", "FeedbackRecord", "Person"} <= written
    assert written <= set(HISTORY_TYPES), sorted(written - set(HISTORY_TYPES))


def test_benchmark_rounds_and_samples_are_child_linked() -> None:
    # A round's agreed grade is a judgement on a child's case; a sample is a draw of cases.
    assert {"BenchmarkRound", "Sample", "Audit", "Child", "InadequateEscalation"} <= CHILD_LINKED


async def test_recording_an_undeclared_type_is_refused(
    session_factory: SessionFactory, clock: SettableClock
) -> None:
    with pytest.raises(UndeclaredHistoryType):
        async with session_factory() as s, s.begin():
            await history.record(
                session=s,
                actor=SYSTEM,
                clock=clock,
                action="thing.made",
                object_type="Thing",
                object_id=uuid.uuid4(),
                changes={},
            )


async def test_the_administrator_reads_no_child_linked_history(
    session_factory: SessionFactory, clock: SettableClock
) -> None:
    written = {
        "BenchmarkRound": "benchmark.agreed",
        "Sample": "sample.drawn",
        "Team": "team.created",
        "Person": "person.created",
    }
    async with session_factory() as s, s.begin():
        for object_type, action in written.items():
            await history.record(
                session=s,
                actor=SYSTEM,
                clock=clock,
                action=action,
                object_type=object_type,
                object_id=uuid.uuid4(),
                changes={"overall": [None, "INADEQUATE"]} if object_type in CHILD_LINKED else {},
            )
    admin = Actor(uuid.uuid4(), "Ada", (Grant(Role.ADMINISTRATOR, ScopeType.AUTHORITY),))
    qa_lead = Actor(uuid.uuid4(), "Quinn", (Grant(Role.QA_LEAD, ScopeType.AUTHORITY),))

    async def actions(actor: Actor) -> set[str]:
        async with session_factory() as s:
            page = await history.list_history(
                session=s, actor=actor, filters=history.HistoryFilter(), first=100, after=None
            )
        return {e.action for e in page.items}

    assert await actions(admin) == {"team.created", "person.created"}
    assert await actions(qa_lead) == set(written.values())
