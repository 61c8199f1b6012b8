"""Someone asks not to be surveyed: honoured at once in every open campaign and every later one."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.children import policy as children_policy
from domain.children.models import Child
from domain.core.clock import Clock
from domain.core.errors import InvalidInput, NotAllowed, NotFound
from domain.core.roles import Actor
from domain.surveys import policy
from domain.surveys.flows import InvitationEvent, invitation_sources
from domain.surveys.models import (
    InvitationStatus,
    SurveyInvitation,
    SurveyOptOut,
)


async def record_opt_out(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    child_reference: str | None = None,
    person_id: uuid.UUID | None = None,
) -> SurveyOptOut:
    """Someone asked not to be surveyed (told to staff): honoured at once, in every open
    campaign (nothing more is sent or reminded) and in every later one. A child's case is
    recorded by anyone who may see the child; a member of staff by themselves or a runner."""
    if (child_reference is None) == (person_id is None):
        raise InvalidInput("Name either a child's case reference or a member of staff.")
    child_id: uuid.UUID | None = None
    if child_reference is not None:
        child_id = await session.scalar(
            select(Child.id).where(
                Child.case_reference == child_reference.strip(),
                children_policy.visible_children(actor),
            )
        )
        if child_id is None:
            raise NotFound("child", field="childReference")
    elif not (policy.runs_campaigns(actor) or actor.person_id == person_id):
        raise NotAllowed("A member of staff opts out for themselves, or through the QA Lead.")
    return await opt_out(
        session=session,
        clock=clock,
        child_id=child_id,
        person_id=person_id,
        recorded_by_id=actor.person_id,
    )


async def opt_out(
    *,
    session: AsyncSession,
    clock: Clock,
    child_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    recorded_by_id: uuid.UUID | None = None,
) -> SurveyOptOut:
    """Record the opt-out (once) and stop every invitation of theirs not yet answered."""
    now = clock.now()
    column = SurveyOptOut.child_id if child_id is not None else SurveyOptOut.person_id
    await session.execute(
        pg_insert(SurveyOptOut)
        .values(
            id=uuid.uuid4(),
            child_id=child_id,
            person_id=person_id,
            recorded_at=now,
            recorded_by_id=recorded_by_id,
        )
        .on_conflict_do_nothing(index_elements=[column])
    )
    invitee = (
        SurveyInvitation.child_id == child_id
        if child_id is not None
        else SurveyInvitation.person_id == person_id
    )
    await session.execute(
        update(SurveyInvitation)
        .where(invitee, SurveyInvitation.status.in_(invitation_sources(InvitationEvent.OPT_OUT)))
        .values(status=InvitationStatus.OPTED_OUT, opted_out_at=now, next_send_at=None)
    )
    found = await session.scalar(
        select(SurveyOptOut).where(column == (child_id if child_id is not None else person_id))
    )
    assert found is not None
    return found
