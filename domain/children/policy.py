"""Who may see a child's record.

A role held for the whole authority (the Director, the QA Lead, an IRO…) sees every child; a
role held for a service sees the children of that service's teams; a role held for a team
sees that team's children; a practitioner always sees the children allocated to them, and an
auditor the children of the audits allocated to them.
An administrator or a partner-agency member sees none by that role alone.

A case reference, and anything else that identifies a child or carries case content, is
child-linked wherever it appears (a nested field, a list inside another record, history, a
download, a report, an email) and goes through this same rule: `visible_children` in SQL for
lists, `case_reference_for` for one child named in a message to one person,
`case_references_for_readers` for many children named in messages to many people at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnClause,
    ColumnElement,
    Select,
    and_,
    any_,
    bindparam,
    column,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Subquery

from domain.children.models import Child
from domain.core.roles import Actor, ScopeType
from domain.people.models import Team

# Who is assigned to a child's case besides its allocated practitioner, from the concepts
# that assign people to cases (audits: the auditor of each audit not cancelled). Each source is
# a statement of (child_id, person_id) rows. The assigning concept registers it (in
# domain/reactions.py) so that `children` sits below the concepts that name children and
# imports none of them; with no source registered the rule would silently show less, so it
# refuses instead.
CaseAssignments = Callable[[], Select[Any, Any]]
_ASSIGNMENTS: list[CaseAssignments] = []


def register_case_assignments(source: CaseAssignments) -> None:
    """Add a source of (child_id, person_id) case assignments to the visibility rule."""
    if source not in _ASSIGNMENTS:
        _ASSIGNMENTS.append(source)


def _assignments() -> list[Subquery]:
    if not _ASSIGNMENTS:
        raise RuntimeError("no case assignments registered (domain/reactions.py registers them)")
    return [source().subquery() for source in _ASSIGNMENTS]


def visible_children(actor: Actor) -> ColumnElement[bool]:
    if actor.is_system:
        return true()
    grants = actor.case_grants
    if any(g.scope is ScopeType.AUTHORITY for g in grants):
        return true()
    team_ids = {g.team_id for g in grants if g.scope is ScopeType.TEAM and g.team_id}
    service_ids = {g.service_id for g in grants if g.scope is ScopeType.SERVICE and g.service_id}
    conditions: list[ColumnElement[bool]] = []
    if team_ids:
        conditions.append(Child.team_id.in_(team_ids))
    if service_ids:
        conditions.append(
            Child.team_id.in_(select(Team.id).where(Team.service_id.in_(service_ids)))
        )
    if grants and actor.person_id is not None:
        conditions.append(Child.allocated_practitioner_id == actor.person_id)
        for assigned in _assignments():
            conditions.append(
                Child.id.in_(
                    select(assigned.c.child_id).where(assigned.c.person_id == actor.person_id)
                )
            )
    return or_(*conditions) if conditions else false()


def names_visible_case(actor: Actor, record: Any) -> ColumnElement[bool]:
    """For a JSON record (history's `changes`) that may name a case by `case_reference`: true
    when it names none, or one of a child `actor` may see."""
    named = record["case_reference"].astext
    return or_(
        named.is_(None),
        named.in_(select(Child.case_reference).where(visible_children(actor))),
    )


async def sees_child(session: AsyncSession, actor: Actor, child_id: uuid.UUID) -> bool:
    """Whether `actor` may see this one child: the list's own SQL filter, for one id."""
    found = await session.scalar(
        select(Child.id).where(Child.id == child_id, visible_children(actor))
    )
    return found is not None


async def case_reference_for(
    session: AsyncSession, actor: Actor, child_id: uuid.UUID | None
) -> str | None:
    """The child's case reference if `actor` may see the child; None otherwise (or when
    there is no child), for a message to one person that must not name a child they may not
    see."""
    if child_id is None:
        return None
    ref: str | None = await session.scalar(
        select(Child.case_reference).where(Child.id == child_id, visible_children(actor))
    )
    return ref


async def case_references_for_readers(
    session: AsyncSession, wanted: Iterable[tuple[Actor, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], str]:
    """`case_reference_for` for many (reader, child) pairs in one statement, for messages to
    many people at once (the reminder sweep): the child's case reference keyed (reader's
    person id, child id) where the reader may see the child, nothing otherwise.

    The same rule as `visible_children`, written once more so that it takes every reader as
    data rather than as a statement of their own (one statement, the same text however many
    readers, instead of a branch per reader); a test holds the two equal for every role."""
    readers = _Readers.of(wanted)
    if not readers.pairs:
        return {}
    rows = (await session.execute(_references_statement(readers))).all()
    return {(person_id, child_id): reference for person_id, child_id, reference in rows}


@dataclass
class _Readers:
    """The (reader, child) pairs asked about, and what each reader's grants let them see:
    everything, their own cases (any grant), or the teams and services of their grants."""

    pairs: dict[tuple[uuid.UUID, uuid.UUID], None] = field(default_factory=dict)
    sees_all: set[uuid.UUID] = field(default_factory=set)
    with_grants: set[uuid.UUID] = field(default_factory=set)
    scopes: dict[tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None], None] = field(
        default_factory=dict
    )

    @classmethod
    def of(cls, wanted: Iterable[tuple[Actor, uuid.UUID]]) -> _Readers:
        found = cls()
        for reader, child_id in wanted:
            person_id = reader.person_id
            if person_id is None:
                continue  # a message goes to a person
            found.pairs[(person_id, child_id)] = None
            grants = reader.case_grants
            if any(g.scope is ScopeType.AUTHORITY for g in grants):
                found.sees_all.add(person_id)
                continue
            if grants:
                found.with_grants.add(person_id)
            for g in grants:
                if g.scope is ScopeType.TEAM and g.team_id:
                    found.scopes[(person_id, g.team_id, None)] = None
                elif g.scope is ScopeType.SERVICE and g.service_id:
                    found.scopes[(person_id, None, g.service_id)] = None
        return found


def _references_statement(readers: _Readers) -> Select[Any]:
    pairs, scopes = readers.pairs, readers.scopes

    def ids(name: str, values: Iterable[uuid.UUID | None]) -> BindParameter[Any]:
        return bindparam(name, list(values), type_=ARRAY(PG_UUID(as_uuid=True)))

    def uuid_column(name: str) -> ColumnClause[Any]:
        return column(name, PG_UUID(as_uuid=True))

    asked = (
        func.unnest(
            ids("pair_person", (p for p, _ in pairs)), ids("pair_child", (c for _, c in pairs))
        )
        .table_valued(uuid_column("person_id"), uuid_column("child_id"))
        .render_derived("asked")
    )
    held = (
        func.unnest(
            ids("scope_person", (p for p, _, _ in scopes)),
            ids("scope_team", (t for _, t, _ in scopes)),
            ids("scope_service", (s for _, _, s in scopes)),
        )
        .table_valued(uuid_column("person_id"), uuid_column("team_id"), uuid_column("service_id"))
        .render_derived("held")
    )
    by_scope = (
        select(held.c.person_id)
        .where(
            held.c.person_id == asked.c.person_id,
            or_(held.c.team_id == Child.team_id, held.c.service_id == Team.service_id),
        )
        .exists()
    )
    assigned = [
        select(a.c.child_id)
        .where(a.c.child_id == Child.id, a.c.person_id == asked.c.person_id)
        .exists()
        for a in _assignments()
    ]
    return (
        select(asked.c.person_id, Child.id, Child.case_reference)
        .select_from(
            asked.join(Child, Child.id == asked.c.child_id).outerjoin(
                Team, Team.id == Child.team_id
            )
        )
        .where(
            or_(
                asked.c.person_id == any_(ids("sees_all", readers.sees_all)),
                by_scope,
                and_(
                    asked.c.person_id == any_(ids("with_grants", readers.with_grants)),
                    or_(Child.allocated_practitioner_id == asked.c.person_id, *assigned),
                ),
            )
        )
    )
