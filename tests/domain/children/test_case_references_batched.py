"""Reminders to many people name each case through the child visibility rule for all of them
at once (`case_references_for_readers`); it must agree with the rule for one reader
(`case_reference_for`, `visible_children`) for every role, scope, allocation and audit."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.audits import service as audits
from domain.audits.kinds import AuditKind
from domain.children import policy
from domain.core.roles import Actor
from tests.conftest import World
from tests.domain.audits.helpers import act, build_authority, plan


async def test_many_readers_at_once_see_exactly_what_each_sees_alone(
    world: World, audit_defaults: None
) -> None:
    world.clock.set(datetime(2026, 12, 1, 10, tzinfo=UTC))
    auth = await build_authority(world)
    # An auditor from another team sees the case they audit, and not once it is cancelled.
    await plan(world, AuditKind.CASE_FILE, auth.tm_b, auth.ann_children[0])
    cancelled = await plan(world, AuditKind.CASE_FILE, auth.tm_b, auth.dan_children[0])
    await act(
        world, audits.cancel_audit, auth.actor(auth.tm_b), audit_id=cancelled.id, reason="Closed."
    )
    children = auth.ann_children + auth.bob_children + auth.cat_children + auth.dan_children
    readers: list[Actor] = list(auth.actors.values())

    async with world.session_factory() as s:
        alone = {
            (reader.person_id, child.id): ref
            for reader in readers
            for child in children
            if (ref := await policy.case_reference_for(s, reader, child.id)) is not None
        }
        together = await policy.case_references_for_readers(
            s, [(reader, child.id) for reader in readers for child in children]
        )
    assert together == alone
    # The scene tells the rule's cases apart: some see every case, some a few, some none.
    seen = {person_id for person_id, _ in alone}
    assert auth.qa_lead.id in seen and auth.admin.id not in seen and auth.partner.id not in seen
    assert (auth.tm_b.id, auth.ann_children[0].id) in alone
    assert (auth.tm_b.id, auth.dan_children[0].id) not in alone
    assert (auth.dan.id, auth.dan_children[1].id) in alone
    assert (auth.hos_csc.id, auth.dan_children[1].id) not in alone
