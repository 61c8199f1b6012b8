"""Obligations: every deadline the service keeps is a row in PostgreSQL (what, who, about
which object, due when, open, done or cancelled), opened by the domain when its trigger
happens and closed when the act is recorded; who sees whose; and the sweep's question, what is
due and overdue at a moment, answered from an index."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from typer.testing import CliRunner

from domain.audits import service as audits
from domain.audits.kinds import AuditKind, AuditStatus
from domain.audits.models import Audit
from domain.core.roles import SYSTEM, Actor, Role, ScopeType
from domain.deadlines import obligations
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.history.models import HistoryEntry
from domain.people.models import Person
from tests.conftest import World
from tests.domain.audits.helpers import (
    Authority,
    act,
    actor_of,
    advance,
    plan,
    uow,
)

OPEN, DONE, CANCELLED = ObligationState.OPEN, ObligationState.DONE, ObligationState.CANCELLED
# 30 June 2027 is in British Summer Time: the end of the day in London is 22:59:59.999999 UTC.
BST_DAY, BST_END = date(2027, 6, 30), datetime(2027, 6, 30, 22, 59, 59, 999999, tzinfo=UTC)
# 1 December 2026 is in Greenwich Mean Time: the end of the day is 23:59:59.999999 UTC.
GMT_DAY, GMT_END = date(2026, 12, 1), datetime(2026, 12, 1, 23, 59, 59, 999999, tzinfo=UTC)


async def _all(world: World) -> list[Obligation]:
    async with world.session_factory() as s:
        return list(await s.scalars(select(Obligation).order_by(Obligation.created_at)))


async def _one(world: World, key: str) -> Obligation:
    async with world.session_factory() as s:
        found = await s.scalar(select(Obligation).where(Obligation.key == key))
    assert found is not None, key
    return found


def _audit_key(audit: Audit) -> str:
    return obligations.obligation_key(ObligationKind.AUDIT_DUE, audit.id)


# --- opened when an audit is planned, closed when it is done -----------------------------------


@pytest.mark.parametrize(
    ("due_date", "due_at"), [(BST_DAY, BST_END), (GMT_DAY, GMT_END)], ids=["BST", "GMT"]
)
async def test_planning_an_audit_opens_one_obligation_for_its_auditor_due_at_the_end_of_its_due_date_in_london(
    auth: Authority, world: World, due_date: date, due_at: datetime
) -> None:
    audit = await plan(
        world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0], due_date=due_date
    )

    [owed] = await _all(world)
    assert owed.kind is ObligationKind.AUDIT_DUE
    assert (owed.subject_type, owed.subject_id) == ("Audit", audit.id)
    assert owed.owner_id == auth.psw.id
    assert owed.due_at == due_at == end_of_day(due_date)
    assert owed.state is OPEN
    assert owed.key == f"audit-due:{audit.id}"
    assert owed.created_at == world.clock.now()
    assert (owed.closed_at, owed.closed_by_id) == (None, None)


async def test_an_obligation_writes_no_history_of_its_own(auth: Authority, world: World) -> None:
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0])
    await act(world, audits.cancel_audit, auth.actor(auth.aed), audit_id=audit.id, reason="No.")
    async with world.session_factory() as s:
        entries = list(await s.scalars(select(HistoryEntry).order_by(HistoryEntry.id)))
    assert [(e.object_type, e.action) for e in entries if e.object_id == audit.id] == [
        ("Audit", "audit.planned"),
        ("Audit", "audit.cancel"),
    ]
    assert not [e for e in entries if e.object_type == "Obligation"]


async def test_opening_an_obligation_again_with_its_key_changes_nothing(
    auth: Authority, world: World
) -> None:
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0])
    [first] = await _all(world)
    world.clock.advance(timedelta(hours=1))
    again = await uow(
        world,
        obligations.open_obligation,
        clock=world.clock,
        kind=ObligationKind.AUDIT_DUE,
        subject_type="Audit",
        subject_id=audit.id,
        owner_id=auth.qa_lead.id,
        due_at=GMT_END,
    )
    assert again.id == first.id
    [only] = await _all(world)
    assert (only.owner_id, only.due_at, only.created_at) == (
        first.owner_id,
        first.due_at,
        first.created_at,
    )


async def test_completing_an_audit_closes_its_obligation_done_by_the_auditor(
    auth: Authority, world: World
) -> None:
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0])
    await advance(world, auth.actor(auth.psw), audit.id, AuditStatus.SUBMITTED)
    assert (await _one(world, _audit_key(audit))).state is OPEN  # submitted is not done
    world.clock.advance(timedelta(days=2))
    await advance(world, auth.actor(auth.psw), audit.id, AuditStatus.COMPLETED)

    owed = await _one(world, _audit_key(audit))
    assert owed.state is DONE
    assert owed.closed_at == world.clock.now()
    assert owed.closed_by_id == auth.psw.id


async def test_cancelling_an_audit_closes_its_obligation_cancelled(
    auth: Authority, world: World
) -> None:
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0])
    await act(world, audits.cancel_audit, auth.actor(auth.aed), audit_id=audit.id, reason="No.")
    owed = await _one(world, _audit_key(audit))
    assert (owed.state, owed.closed_by_id, owed.closed_at) == (
        CANCELLED,
        auth.aed.id,
        world.clock.now(),
    )


async def test_an_action_opens_its_own_obligation_for_its_owner_and_closes_it_when_done(
    auth: Authority, world: World
) -> None:
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0])
    audit = await advance(world, auth.actor(auth.psw), audit.id, AuditStatus.COMPLETED)
    action = await act(
        world,
        audits.add_action,
        auth.actor(auth.psw),
        audit_id=audit.id,
        description="Update the chronology.",
        owner_id=auth.bob.id,
        due_date=BST_DAY,
    )
    key = obligations.obligation_key(ObligationKind.ACTION_DUE, action.id)
    owed = await _one(world, key)
    assert key == f"action-due:{action.id}"
    assert (owed.kind, owed.subject_type, owed.subject_id) == (
        ObligationKind.ACTION_DUE,
        "AuditAction",
        action.id,
    )
    assert (owed.owner_id, owed.due_at, owed.state) == (auth.bob.id, BST_END, OPEN)

    await act(world, audits.complete_action, auth.actor(auth.bob), action_id=action.id, note=None)
    owed = await _one(world, key)
    assert (owed.state, owed.closed_by_id) == (DONE, auth.bob.id)
    assert (await _one(world, _audit_key(audit))).state is DONE  # the audit's own, unchanged


async def test_closing_twice_is_harmless_and_the_first_closing_stands(
    auth: Authority, world: World
) -> None:
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0])
    key = _audit_key(audit)
    closed_at = world.clock.now()
    done = await uow(
        world, obligations.close_obligation, clock=world.clock, key=key, state=DONE, by=auth.psw.id
    )
    assert done is not None and done.state is DONE
    world.clock.advance(timedelta(days=1))
    for state, by in ((DONE, None), (CANCELLED, auth.aed.id)):
        again = await uow(
            world, obligations.close_obligation, clock=world.clock, key=key, state=state, by=by
        )
        assert again is not None
        assert (again.state, again.closed_at, again.closed_by_id) == (DONE, closed_at, auth.psw.id)
    moved = await uow(world, obligations.move_obligation, key=key, due_at=BST_END)
    assert moved is not None and moved.due_at != BST_END  # a closed one does not move
    nothing = await uow(
        world,
        obligations.close_obligation,
        clock=world.clock,
        key="audit-due:none",
        state=DONE,
        by=None,
    )
    assert nothing is None
    with pytest.raises(ValueError, match="DONE or CANCELLED"):
        await uow(
            world, obligations.close_obligation, clock=world.clock, key=key, state=OPEN, by=None
        )


async def test_a_changed_due_date_moves_an_open_obligation(auth: Authority, world: World) -> None:
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0])
    moved = await uow(
        world, obligations.move_obligation, key=_audit_key(audit), due_at=end_of_day(BST_DAY)
    )
    assert moved is not None and moved.due_at == BST_END
    assert (await _one(world, _audit_key(audit))).due_at == BST_END
    with pytest.raises(ValueError, match="timezone-aware"):
        await uow(
            world,
            obligations.move_obligation,
            key=_audit_key(audit),
            due_at=datetime(2027, 1, 1),  # naive: the refusal under test
        )


async def test_overdue_is_computed_from_the_clock(auth: Authority, world: World) -> None:
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0], due_date=GMT_DAY)
    owed = await _one(world, _audit_key(audit))
    assert not obligations.is_overdue(owed, GMT_END)  # due at that moment, not yet late
    assert obligations.is_overdue(owed, GMT_END + timedelta(microseconds=1))

    qa = auth.actor(auth.qa_lead)

    async def overdue_at(moment: datetime) -> list[uuid.UUID]:
        page = await uow(
            world,
            obligations.list_obligations,
            actor=qa,
            filters=obligations.ObligationFilter(overdue_at=moment),
            first=None,
            after=None,
        )
        return [o.id for o in page.items]

    assert await overdue_at(GMT_END) == []
    assert await overdue_at(GMT_END + timedelta(seconds=1)) == [owed.id]
    await act(world, audits.cancel_audit, auth.actor(auth.aed), audit_id=audit.id, reason="No.")
    closed = await _one(world, _audit_key(audit))
    assert not obligations.is_overdue(closed, GMT_END + timedelta(days=30))  # closed is never late
    assert await overdue_at(GMT_END + timedelta(days=30)) == []


# --- who sees whose ----------------------------------------------------------------------------


async def _owe(world: World, person: Person, due_at: datetime = GMT_END) -> Obligation:
    return await uow(
        world,
        obligations.open_obligation,
        clock=world.clock,
        kind=ObligationKind.AUDIT_DUE,
        subject_type="Audit",
        subject_id=uuid.uuid4(),
        owner_id=person.id,
        due_at=due_at,
    )


@pytest.fixture
async def line(world: World) -> dict[str, Person]:
    """A Head of Service who line-manages a team manager, who line-manages Ann and Bob; Cat,
    in the same team, answers to another manager. Everyone owes one thing."""
    A, S, T = ScopeType.AUTHORITY, ScopeType.SERVICE, ScopeType.TEAM
    csc = await world.service()
    team = await world.team(csc, "Assessment Team")
    hos = await world.person("Hal Hos", (Role.HEAD_OF_SERVICE, S, csc))
    tm = await world.person("Tam Tm", (Role.TEAM_MANAGER, T, team), team=team, line_manager=hos)
    other = await world.person("Tob Tm", (Role.TEAM_MANAGER, T, team), team=team)
    people = {
        "hos": hos,
        "tm": tm,
        "other_tm": other,
        "ann": await world.person("Ann", (Role.PRACTITIONER, T, team), team=team, line_manager=tm),
        "bob": await world.person("Bob", (Role.PRACTITIONER, T, team), team=team, line_manager=tm),
        "cat": await world.person(
            "Cat", (Role.PRACTITIONER, T, team), team=team, line_manager=other
        ),
        "qa": await world.person("Quinn Qa", (Role.QA_LEAD, A, None)),
        "dcs": await world.person("Dee Dcs", (Role.DIRECTOR_OF_CHILDRENS_SERVICES, A, None)),
        "psw_service": await world.person("Pat Psw", (Role.PRINCIPAL_SOCIAL_WORKER, S, csc)),
    }
    # An administrator who line-manages someone still sees nothing: the role holds no case
    # work, so it carries no sight of anyone's.
    people["admin"] = await world.person("Ada Admin", (Role.ADMINISTRATOR, A, None))
    people["partner"] = await world.person(
        "Pol Partner", (Role.PARTNER_AGENCY_MEMBER, A, None), partner_agency="Police"
    )
    people["reports_to_admin"] = await world.person(
        "Rae", (Role.PRACTITIONER, T, team), team=team, line_manager=people["admin"]
    )
    for person in people.values():
        await _owe(world, person)
    return people


EVERYONE = {
    "hos", "tm", "other_tm", "ann", "bob", "cat", "qa", "dcs", "psw_service", "admin",
    "partner", "reports_to_admin",
}  # fmt: skip


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("ann", {"ann"}),
        ("cat", {"cat"}),
        ("tm", {"tm", "ann", "bob"}),
        ("other_tm", {"other_tm", "cat"}),
        ("hos", {"hos", "tm", "ann", "bob"}),  # down the line, not the whole service
        ("psw_service", {"psw_service"}),  # a role held for a service is not the authority
        ("qa", EVERYONE),
        ("dcs", EVERYONE),
        ("admin", set()),
        ("partner", set()),
    ],
)
async def test_a_person_sees_their_own_obligations_and_those_of_the_people_they_line_manage(
    world: World, line: dict[str, Person], who: str, sees: set[str]
) -> None:
    actor = await actor_of(world, line[who])
    owners = {p.id: name for name, p in line.items()}
    page = await uow(
        world,
        obligations.list_obligations,
        actor=actor,
        filters=obligations.ObligationFilter(),
        first=100,
        after=None,
    )
    assert {owners[o.owner_id] for o in page.items} == sees
    total = await uow(
        world, obligations.count_obligations, actor=actor, filters=obligations.ObligationFilter()
    )
    assert total == len(sees)
    every = await _all(world)
    found = await uow(world, obligations.get_obligations, actor=actor, ids=[o.id for o in every])
    assert {owners[o.owner_id] for o in found.values()} == sees


async def test_a_loop_of_line_managers_does_not_stop_the_list(
    world: World, line: dict[str, Person]
) -> None:
    # The directory refuses nobody as their own manager, but a longer loop could slip in.
    async with world.session_factory() as s, s.begin():
        hos = await s.get(Person, line["hos"].id)
        assert hos is not None
        hos.line_manager_id = line["ann"].id
    actor = await actor_of(world, line["ann"])
    total = await uow(
        world, obligations.count_obligations, actor=actor, filters=obligations.ObligationFilter()
    )
    assert total == 4  # Ann, and above her now Hal, Tam and Bob


async def test_nobody_without_a_person_sees_obligations_by_policy(world: World) -> None:
    await _owe(world, await world.person("Solo"))
    nobody = Actor(person_id=None, display_name="nobody", grants=())
    for actor, expected in ((nobody, 0), (SYSTEM, 1)):
        total = await uow(
            world,
            obligations.count_obligations,
            actor=actor,
            filters=obligations.ObligationFilter(),
        )
        assert total == expected
    async with world.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(Obligation)) == 1


async def test_filters_narrow_what_the_policy_lets_through(
    world: World, line: dict[str, Person]
) -> None:
    tm = await actor_of(world, line["tm"])
    ann_later = await _owe(world, line["ann"], BST_END)
    await uow(
        world,
        obligations.close_obligation,
        clock=world.clock,
        key=ann_later.key,
        state=CANCELLED,
        by=None,
    )

    async def ids(**kw: Any) -> list[uuid.UUID]:
        page = await uow(
            world,
            obligations.list_obligations,
            actor=tm,
            filters=obligations.ObligationFilter(**kw),
            first=100,
            after=None,
        )
        return [o.id for o in page.items]

    assert len(await ids()) == 4
    assert len(await ids(owner_id=line["ann"].id)) == 2
    assert await ids(owner_id=line["ann"].id, states=(CANCELLED,)) == [ann_later.id]
    assert await ids(owner_id=line["cat"].id) == []  # not Tam's report: the policy still holds
    assert await ids(kinds=(ObligationKind.ACTION_DUE,)) == []
    assert len(await ids(due_before=BST_END)) == 3
    mine = await uow(
        world,
        obligations.list_obligations,
        actor=tm,
        filters=obligations.my_obligations(tm),
        first=100,
        after=None,
    )
    assert [o.owner_id for o in mine.items] == [line["tm"].id]


# --- the sweep's question ----------------------------------------------------------------------


async def test_due_and_overdue_is_what_is_open_and_due_by_the_end_of_that_day_in_london(
    world: World, line: dict[str, Person]
) -> None:
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    ann, bob = line["ann"], line["bob"]
    yesterday = await _owe(world, ann, end_of_day(date(2026, 11, 30)))
    today_early = await _owe(world, bob, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    tomorrow = await _owe(world, ann, end_of_day(date(2026, 12, 2)))
    done = await _owe(world, bob, end_of_day(date(2026, 11, 27)))
    await uow(
        world, obligations.close_obligation, clock=world.clock, key=done.key, state=DONE, by=None
    )

    found = await uow(world, obligations.due_and_overdue, at=at)
    ids = [o.id for o in found]
    assert ids[:2] == [yesterday.id, today_early.id]  # soonest first
    assert len(ids) == 2 + len(line)  # and everyone's, due at the end of 1 December
    assert tomorrow.id not in ids and done.id not in ids
    assert {o.owner.display_name for o in found} >= {"Ann", "Bob"}  # owners come with them
    assert [obligations.is_overdue(o, at) for o in found[:3]] == [True, True, False]
    only_ann = await uow(world, obligations.due_and_overdue, at=at, owner_id=ann.id)
    assert {o.owner_id for o in only_ann} == {ann.id} and len(only_ann) == 2


async def test_two_sweepers_share_the_due_work_without_taking_the_same_rows(
    world: World, line: dict[str, Person]
) -> None:
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    async with world.session_factory() as first, first.begin():
        taken = await obligations.due_and_overdue(session=first, at=at, limit=5, skip_locked=True)
        async with world.session_factory() as second, second.begin():
            rest = await obligations.due_and_overdue(session=second, at=at, skip_locked=True)
    assert len(taken) == 5 and len(rest) == len(line) - 5
    assert not {o.id for o in taken} & {o.id for o in rest}


async def test_the_sweep_reads_the_partial_index_of_open_obligations(world: World) -> None:
    someone = await world.person("Sam Sweep")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "kind": ObligationKind.AUDIT_DUE,
            "subject_type": "Audit",
            "subject_id": uuid.uuid4(),
            "owner_id": someone.id,
            "due_at": start + timedelta(hours=i),
            "state": OPEN if i % 100 == 0 else DONE,
            "key": f"audit-due:{i}",
            "created_at": start,
            "closed_at": None if i % 100 == 0 else start,
        }
        for i in range(5000)
    ]
    async with world.session_factory() as s, s.begin():
        await s.execute(insert(Obligation), rows)
    async with world.session_factory() as s:
        await s.execute(text("ANALYZE obligations"))
        sql = obligations.due_statement(datetime(2026, 6, 1, tzinfo=UTC)).compile(
            dialect=s.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
        plan_text = "\n".join(await s.scalars(text(f"EXPLAIN {sql}")))
        definition = await s.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_obligations_open_due'")
        )
        due = await obligations.due_and_overdue(session=s, at=datetime(2026, 6, 1, tzinfo=UTC))
    assert "ix_obligations_open_due" in plan_text, plan_text
    assert definition is not None
    assert "(due_at)" in definition and "WHERE ((state)::text = 'OPEN'::text)" in definition
    by = end_of_day(date(2026, 6, 1))
    open_due = [start + timedelta(hours=i) for i in range(0, 5000, 100)]
    assert len(due) == len([d for d in open_due if d <= by])


# --- the migration owes what was already planned -----------------------------------------------


def test_the_migration_opens_obligations_for_audits_and_actions_already_open(
    services_urls: tuple[str, str],
) -> None:
    # A plain test: Alembic's async env runs its own event loop.
    import asyncio

    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    from cli import migrate
    from tests.conftest import _recreate_database

    base = make_url(services_urls[0])
    url = base.set(database=f"{base.database}_obligations_backfill")
    url_text = url.render_as_string(False)
    asyncio.run(_recreate_database(url_text))
    migrate.upgrade(url_text, "0003")
    person, template = uuid.uuid4(), uuid.uuid4()
    planned, submitted, completed, action = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    async def before() -> None:
        engine = create_async_engine(url_text)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO people (id, display_name, email, is_active, created_at, updated_at)"
                    " VALUES (:p, 'Pat', 'pat@example.org', true, now(), now())"
                ),
                {"p": person},
            )
            await conn.execute(
                text(
                    "INSERT INTO audit_templates (id, kind, version, name, sections, published_at)"
                    " VALUES (:t, 'CASE_FILE', 1, 'Case file', '[]', now())"
                ),
                {"t": template},
            )
            for audit_id, status, due_date in (
                (planned, "PLANNED", BST_DAY),
                (submitted, "SUBMITTED", GMT_DAY),
                (completed, "COMPLETED", GMT_DAY),
            ):
                await conn.execute(
                    text(
                        "INSERT INTO audits (id, kind, status, template_id, auditor_id, due_date,"
                        " answers, voices, created_at, updated_at) VALUES (:a, 'CASE_FILE', :s,"
                        " :t, :p, :d, '{}', '[]', now(), now())"
                    ),
                    {"a": audit_id, "s": status, "t": template, "p": person, "d": due_date},
                )
            await conn.execute(
                text(
                    "INSERT INTO audit_actions (id, audit_id, description, owner_id, due_date,"
                    " created_at) VALUES (:i, :a, 'Do it', :p, :d, now()),"
                    " (gen_random_uuid(), :a, 'Done', :p, :d, now())"
                ),
                {"i": action, "a": completed, "p": person, "d": BST_DAY},
            )
            await conn.execute(
                text("UPDATE audit_actions SET done_at = now() WHERE id <> :i"), {"i": action}
            )
        await engine.dispose()

    async def after() -> list[Any]:
        engine = create_async_engine(url_text)
        async with engine.connect() as conn:
            rows = list(
                await conn.execute(
                    text(
                        "SELECT key, kind, subject_type, subject_id, owner_id, due_at, state"
                        " FROM obligations ORDER BY due_at"
                    )
                )
            )
        await engine.dispose()
        return rows

    asyncio.run(before())
    migrate.upgrade(url_text)
    assert asyncio.run(after()) == [
        (f"audit-due:{submitted}", "AUDIT_DUE", "Audit", submitted, person, GMT_END, "OPEN"),
        (f"audit-due:{planned}", "AUDIT_DUE", "Audit", planned, person, BST_END, "OPEN"),
        (f"action-due:{action}", "ACTION_DUE", "AuditAction", action, person, BST_END, "OPEN"),
    ]
    asyncio.run(_drop(url))


async def _drop(url: Any) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    await admin.dispose()


# --- the operator's view -----------------------------------------------------------------------


@pytest.fixture
async def owed_for_cli(world: World, line: dict[str, Person]) -> dict[str, Person]:
    await _owe(world, line["ann"], end_of_day(date(2026, 11, 30)))
    return line


def test_qaf_due_prints_what_is_due_and_overdue_at_a_moment(
    world: World, owed_for_cli: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli.main import app
    from domain.core.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", world.settings.database_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    runner = CliRunner()
    ann = owed_for_cli["ann"]
    try:
        result = runner.invoke(app, ["due", "--at", "2026-12-01T09:00", "--owner", ann.email])
        assert result.exit_code == 0, result.output
        assert "Due and overdue at Tuesday 1 December 2026 09:00 GMT" in result.output
        assert "Mon 30 Nov 2026 23:59" in result.output and "overdue" in result.output
        assert "Tue 1 Dec 2026 23:59" in result.output and "due today" in result.output
        assert result.output.count(ann.email) == 2
        assert "2 open: 1 overdue, 1 due today." in result.output

        result = runner.invoke(app, ["due", "--at", "2026-11-29T12:00+00:00"])
        assert result.exit_code == 0, result.output
        assert "0 open: 0 overdue, 0 due today." in result.output

        result = runner.invoke(app, ["due", "--at", "tomorrow"])
        assert result.exit_code == 1 and "not an ISO 8601 moment" in result.output
        result = runner.invoke(app, ["due", "--owner", "nobody@example.org"])
        assert result.exit_code == 1 and "Nobody has the email" in result.output

        monkeypatch.setenv("ENVIRONMENT", "production")
        get_settings.cache_clear()
        result = runner.invoke(app, ["due", "--at", "2026-12-01T09:00"])
        assert result.exit_code == 1 and "refused in production" in result.output
    finally:
        get_settings.cache_clear()
