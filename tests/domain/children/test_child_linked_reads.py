"""A case reference is child-linked wherever it appears: the one rule (domain/children/policy.py)
answers for one child named in a message, for JSON that names a case, and for the stub of a
printed survey card."""

from __future__ import annotations

from sqlalchemy import literal, select, update
from sqlalchemy.dialects.postgresql import JSONB

from domain.audits.kinds import AuditKind, AuditStatus, Grade, ModerationOutcome
from domain.children import policy
from domain.children.models import Child
from domain.core.roles import Role, ScopeType
from domain.core.settings import PolicySettings
from domain.notifications.models import Notification, NotificationKind, OutboxMessage
from domain.surveys import campaigns
from tests.conftest import World
from tests.domain.audits.helpers import (
    advance,
    build_authority,
    moderate_as_qa_lead,
    plan,
    refresh_actors,
)
from tests.domain.surveys.helpers import annual_campaign, printed_for, survey_defaults, token_key


async def test_one_child_is_named_only_to_those_who_may_see_them(
    world: World, audit_defaults: None
) -> None:
    auth = await build_authority(world)
    bob_case = auth.bob_children[0]
    async with world.session_factory() as s:
        assert await policy.sees_child(s, auth.actor(auth.tm_a), bob_case.id)
        assert not await policy.sees_child(s, auth.actor(auth.tm_b), bob_case.id)
        assert not await policy.sees_child(s, auth.actor(auth.admin), bob_case.id)
        named = await policy.case_reference_for(s, auth.actor(auth.hos_csc), bob_case.id)
        assert named == bob_case.case_reference
        assert await policy.case_reference_for(s, auth.actor(auth.hos_ff), bob_case.id) is None
        assert await policy.case_reference_for(s, auth.actor(auth.partner), bob_case.id) is None

        async def names(actor_name: str, changes: dict[str, str]) -> bool:
            record = literal(changes, JSONB)
            found = await s.scalar(
                select(policy.names_visible_case(auth.actor(auth.person(actor_name)), record))
            )
            return bool(found)

        assert await names("tm_b", {"outcome": "NO_CONCERNS"})
        assert await names("tm_a", {"case_reference": bob_case.case_reference})
        assert not await names("tm_b", {"case_reference": bob_case.case_reference})


async def test_a_printed_card_stub_names_the_case_only_for_a_reader_who_sees_the_child(
    world: World, audit_defaults: None
) -> None:
    """A PSW held for Family First runs campaigns and prints every card, but the stubs of cards
    about children in Children's Social Care do not name their cases to them."""
    auth = await build_authority(world)
    await survey_defaults(world)
    psw_ff = await world.person(
        "Pip Psw", (Role.PRINCIPAL_SOCIAL_WORKER, ScopeType.SERVICE, auth.ff)
    )
    await refresh_actors(auth, [psw_ff])
    refs = [c.case_reference for c in auth.cat_children + auth.dan_children]
    made = await annual_campaign(world, auth.actor(auth.qa_lead), printed_for(refs))

    async def stubs(actor_name: str) -> list[str | None]:
        person = auth.person(actor_name) if actor_name != "psw_ff" else psw_ff
        async with world.session_factory() as s:
            _, cards = await campaigns.printed_cards(
                session=s,
                actor=auth.actor(person),
                clock=world.clock,
                campaign_id=made.campaign.id,
                token_key=token_key(world),
            )
        return [c.case_reference for c in cards]

    assert sorted(r for r in await stubs("qa_lead") if r) == sorted(refs)
    seen_by_psw_ff = await stubs("psw_ff")
    assert len(seen_by_psw_ff) == len(refs)
    assert sorted(r for r in seen_by_psw_ff if r) == sorted(
        c.case_reference for c in auth.dan_children
    )


async def test_an_email_names_no_child_its_reader_may_not_see(
    world: World, audit_defaults: None
) -> None:
    """Bob's case was audited Inadequate in team A, then transferred to Family First before
    moderation: Children's Social Care's Head of Service is still told (the practice was in
    their service), but no longer sees the child, so neither the notification nor the email
    names the case."""
    auth = await build_authority(world)
    case = auth.bob_children[0]
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, case)
    await advance(
        world, auth.actor(auth.psw), audit.id, AuditStatus.COMPLETED, grade=Grade.INADEQUATE
    )
    async with world.session_factory() as s, s.begin():
        await s.execute(
            update(Child)
            .where(Child.id == case.id)
            .values(team_id=auth.team_c.id, allocated_practitioner_id=auth.dan.id)
        )
    await moderate_as_qa_lead(
        auth,
        audit_id=audit.id,
        outcome=ModerationOutcome.CONFIRMED,
        reason="The plan does not address the neglect.",
        policy_settings=PolicySettings(),
    )
    async with world.session_factory() as s:
        told = list(
            await s.scalars(select(Notification).where(Notification.person_id == auth.hos_csc.id))
        )
        emails = list(
            await s.scalars(
                select(OutboxMessage).where(OutboxMessage.to_person_id == auth.hos_csc.id)
            )
        )
    assert [n.kind for n in told] == [NotificationKind.INADEQUATE_CONFIRMED.value]
    assert emails
    for text in [n.title + n.body for n in told] + [m.subject + m.body for m in emails]:
        assert case.case_reference not in text
        assert "a case you may not see" in text
