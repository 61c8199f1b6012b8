"""What a reminder is about, read for a whole batch of obligations in a fixed number of
statements: the facts that name its step (the audit's kind, the complaint's date), the child
whose case it concerns, and, for each recipient, that case's reference only if the recipient
may see the child.

The case reference goes through the child visibility rule (domain/children/policy.py,
`case_references_for_readers`: `case_reference_for` for many readers), in one statement
however many recipients there are.
Nothing else about the child is read: a message names a case by its reference, or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.audits.kinds import AuditKind
from domain.audits.models import Audit, AuditAction
from domain.children import policy as children_policy
from domain.core.roles import Actor, Grant
from domain.deadlines.models import Obligation
from domain.escalation.models import InadequateEscalation
from domain.feedback.models import FeedbackRecord
from domain.people import service as people
from domain.people.models import Person


@dataclass(frozen=True)
class Subject:
    """What an obligation's subject says about it (None where it does not apply)."""

    child_id: uuid.UUID | None = None
    audit_kind: AuditKind | None = None  # an audit to complete, or an action's audit
    received_on: date | None = None  # a complaint


async def subjects_of(
    session: AsyncSession, obligations: Sequence[Obligation]
) -> dict[uuid.UUID, Subject]:
    """The subject facts of each obligation, by obligation id, in one statement."""
    if not obligations:
        return {}
    action_audit = aliased(Audit)
    stmt = (
        select(
            Obligation.id,
            func.coalesce(
                Audit.child_id,
                action_audit.child_id,
                InadequateEscalation.child_id,
                FeedbackRecord.child_id,
            ),
            func.coalesce(Audit.kind, action_audit.kind),
            FeedbackRecord.received_on,
        )
        .select_from(Obligation)
        .outerjoin(
            Audit, (Obligation.subject_type == "Audit") & (Audit.id == Obligation.subject_id)
        )
        .outerjoin(
            AuditAction,
            (Obligation.subject_type == "AuditAction") & (AuditAction.id == Obligation.subject_id),
        )
        .outerjoin(action_audit, action_audit.id == AuditAction.audit_id)
        .outerjoin(
            InadequateEscalation,
            (Obligation.subject_type == "InadequateEscalation")
            & (InadequateEscalation.id == Obligation.subject_id),
        )
        .outerjoin(
            FeedbackRecord,
            (Obligation.subject_type == "FeedbackRecord")
            & (FeedbackRecord.id == Obligation.subject_id),
        )
        .where(Obligation.id.in_([o.id for o in obligations]))
    )
    return {
        oid: Subject(
            child_id=child_id,
            audit_kind=AuditKind(kind) if kind is not None else None,
            received_on=received_on,
        )
        for oid, child_id, kind, received_on in (await session.execute(stmt)).all()
    }


async def case_references(
    session: AsyncSession, wanted: Iterable[tuple[Person, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], str]:
    """For each (recipient, child) asked, the child's case reference when the recipient may
    see the child (missing otherwise), keyed (person id, child id). Two statements: the
    recipients' role grants, then the child visibility rule for all of them at once."""
    asked = list(wanted)
    if not asked:
        return {}
    persons = {person.id: person for person, _ in asked}
    grants = await people.grants_for(session, list(persons))
    readers = {
        person.id: Actor(
            person_id=person.id,
            display_name=person.display_name,
            team_id=person.team_id,
            grants=tuple(
                Grant(g.role, g.scope, g.service_id, g.team_id) for g in grants[person.id]
            ),
        )
        for person in persons.values()
    }
    return await children_policy.case_references_for_readers(
        session, [(readers[person.id], child_id) for person, child_id in asked]
    )
