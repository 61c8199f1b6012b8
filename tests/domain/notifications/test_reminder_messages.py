"""Every reminder names what it is about: the case (by its reference, and only to someone who
may see the child), the step, the due date and a link to it in the front-end, in the email and
in the application, so that two cases never give anyone the same message; and the sweep reads
all of that for a batch in a fixed number of statements, however many reminders it makes.

The authority's PSW audits two of Bob's cases and finds them Inadequate on Thursday 24
December 2026: the QA Lead owes two moderations, due Thursday 31 December (3 working days,
Christmas Day and the substitute Boxing Day being bank holidays)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import select, update

from domain.audits import service as audits
from domain.audits.kinds import AuditKind, AuditStatus, Grade
from domain.children.models import Child
from domain.core.roles import Role, ScopeType
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.escalation.models import InadequateEscalation
from domain.notifications import digest, links
from domain.notifications.models import Notification, OutboxMessage
from domain.people.models import Person
from domain.reminders import sweep as reminders
from domain.reminders.about import Subject
from tests.conftest import StatementCounter, World
from tests.domain.audits.helpers import Authority, act, advance, plan
from tests.domain.notifications.helpers import sweep

FRONT_END = "https://qa.example.org"
PLANNED_AT = datetime(2026, 12, 1, 10, tzinfo=UTC)
COMPLETED_AT = datetime(2026, 12, 24, 15, tzinfo=UTC)
MODERATION_DUE = "Thursday 31 December 2026"


@pytest.fixture
def founded_at() -> datetime:
    """The seeded authority (`auth`) is set up at this moment."""
    return PLANNED_AT


async def _sweep(world: World) -> reminders.SweepResult:
    return await sweep(world.session_factory, world.clock, frontend_base_url=FRONT_END)


async def _inadequate(auth: Authority, child: Child) -> InadequateEscalation:
    world = auth.world
    world.clock.set(PLANNED_AT)
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, child)
    world.clock.set(COMPLETED_AT - timedelta(hours=1))
    await advance(
        world, auth.actor(auth.psw), audit.id, AuditStatus.SUBMITTED, grade=Grade.INADEQUATE
    )
    world.clock.set(COMPLETED_AT)
    await act(world, audits.complete_audit, auth.actor(auth.psw), audit_id=audit.id)
    async with world.session_factory() as s:
        found = await s.scalar(
            select(InadequateEscalation).where(InadequateEscalation.audit_id == audit.id)
        )
    assert found is not None
    return found


async def _reminders_to(
    world: World, person: Person
) -> list[tuple[Notification, OutboxMessage | None]]:
    async with world.session_factory() as s:
        rows = await s.execute(
            select(Notification, OutboxMessage)
            .outerjoin(OutboxMessage, OutboxMessage.key == Notification.key)
            .where(Notification.person_id == person.id, Notification.key.startswith("reminder:"))
            .order_by(Notification.title)
        )
        return [(n, m) for n, m in rows]


def _only_the_case_reference(text: str, child: Child) -> None:
    """Nothing about the child but the reference: no date of birth, no id (a link names the
    process or the audit, never the child)."""
    born = child.date_of_birth
    assert born is not None
    for told in (born.isoformat(), f"{born.day} {born:%B %Y}", str(child.id)):
        assert told not in text
    for word in text.split():
        if word.startswith(FRONT_END):
            gid = unquote(word.rsplit("/", 1)[-1])
            assert str(child.id) not in base64.b64decode(gid).decode()


async def test_two_cases_give_the_qa_lead_two_reminders_that_say_which_is_which(
    auth: Authority,
) -> None:
    first, second = auth.bob_children[0], auth.bob_children[1]
    processes = {c.case_reference: await _inadequate(auth, c) for c in (first, second)}
    auth.world.clock.set(datetime(2026, 12, 29, 9, tzinfo=UTC))  # 2 working days before
    await _sweep(auth.world)

    told = await _reminders_to(auth.world, auth.qa_lead)
    assert len(told) == 2
    titles = {n.title for n, _ in told}
    assert titles == {
        f"Due {MODERATION_DUE}: moderate the Inadequate audit of case {c.case_reference}"
        for c in (first, second)
    }
    bodies = {m.body for _, m in told if m is not None}
    assert len(bodies) == 2  # two cases, two different emails
    for child in (first, second):
        process = processes[child.case_reference]
        path = links.path_for("InadequateEscalation", process.id)
        [(note, mail)] = [(n, m) for n, m in told if child.case_reference in n.title]
        assert mail is not None and mail.subject == note.title
        # In the application: which case, which step, when, and the link.
        assert note.body == (
            f"You are to moderate the Inadequate audit of case {child.case_reference} "
            f"by the end of {MODERATION_DUE}."
        )
        assert note.link_path == path
        # By email: the same, and the address to open.
        assert mail.body == f"{note.body}\n\nOpen it in the service: {FRONT_END}{path}"
        _only_the_case_reference(f"{note.title} {note.body} {mail.body}", child)


async def test_a_manager_who_may_not_see_the_child_is_not_told_the_case_reference(
    auth: Authority,
) -> None:
    world = auth.world
    child = auth.bob_children[2]
    # Team B's manager audits a case of team A; above them is an administrator, who sees
    # no case.
    async with world.session_factory() as s, s.begin():
        await s.execute(
            update(Person).where(Person.id == auth.tm_b.id).values(line_manager_id=auth.admin.id)
        )
    audit = await plan(world, AuditKind.CASE_FILE, auth.tm_b, child, due_date=date(2026, 12, 15))
    world.clock.set(datetime(2026, 12, 16, 9, tzinfo=UTC))
    await _sweep(world)

    [(own, own_mail)] = await _reminders_to(world, auth.tm_b)
    assert own.title == (f"Overdue: complete the case file audit of case {child.case_reference}")
    assert own.body == (
        f"You were to complete the case file audit of case {child.case_reference} by the end "
        "of Tuesday 15 December 2026; it is now overdue."
    )
    assert own.link_path == links.path_for("Audit", audit.id)
    assert own_mail is not None and own_mail.subject == own.title

    [(up, up_mail)] = await _reminders_to(world, auth.admin)
    assert up.title == (
        "Overdue for Tob Manager: complete the case file audit of a case you may not see in "
        "the service"
    )
    assert up.body.endswith(
        "by the end of Tuesday 15 December 2026; it is now overdue. You are told as their "
        "line manager (escalation level 1)."
    )
    assert up_mail is not None
    assert child.case_reference not in f"{up.title} {up.body} {up_mail.body}"
    assert up_mail.body.endswith(f"{FRONT_END}{links.path_for('Audit', audit.id)}")


async def test_the_daily_digest_names_each_case_its_step_its_due_date_and_its_link(
    auth: Authority,
) -> None:
    world = auth.world
    async with world.session_factory() as s, s.begin():
        await s.execute(update(Person).where(Person.id == auth.qa_lead.id).values(digest_hour=8))
    first, second = auth.bob_children[0], auth.bob_children[1]
    processes = {c.case_reference: await _inadequate(auth, c) for c in (first, second)}
    world.clock.set(datetime(2027, 1, 4, 7, tzinfo=UTC))  # overdue since Friday
    await _sweep(world)
    world.clock.set(datetime(2027, 1, 4, 8, 5, tzinfo=UTC))
    async with world.session_factory() as s, s.begin():
        await digest.send_due_digests(session=s, clock=world.clock, frontend_base_url=FRONT_END)
    async with world.session_factory() as s:
        [mail] = await s.scalars(
            select(OutboxMessage).where(OutboxMessage.key.startswith(f"digest:{auth.qa_lead.id}"))
        )
    lines = mail.body.splitlines()
    for child in (first, second):
        path = links.path_for("InadequateEscalation", processes[child.case_reference].id)
        at = lines.index(f"- Overdue: moderate the Inadequate audit of case {child.case_reference}")
        assert lines[at + 1] == (
            f"  You were to moderate the Inadequate audit of case {child.case_reference} by the "
            f"end of {MODERATION_DUE}; it is now overdue."
        )
        assert lines[at + 2] == f"  Open it in the service: {FRONT_END}{path}"
        _only_the_case_reference(mail.body, child)


def _obligation(kind: ObligationKind, key: str = "x:1") -> Obligation:
    return Obligation(
        id=uuid.uuid4(),
        kind=kind,
        subject_type="Audit",
        subject_id=uuid.uuid4(),
        owner_id=uuid.uuid4(),
        due_at=end_of_day(date(2026, 12, 31)),
        state=ObligationState.OPEN,
        key=key,
    )


PERIODIC = {ObligationKind.MONTHLY_AUDITS_DUE, ObligationKind.SUPERVISION_AUDITS_DUE}


@pytest.mark.parametrize("kind", sorted(set(ObligationKind) - PERIODIC))
def test_every_step_about_a_case_names_the_case(kind: ObligationKind) -> None:
    named = reminders.Named(
        _obligation(kind, "supervision-review-due:x:2"),
        Subject(
            child_id=uuid.uuid4(), audit_kind=AuditKind.THEMATIC, received_on=date(2026, 12, 3)
        ),
        "case C-0042",
    )
    assert "case C-0042" in reminders.step(named)


def test_the_periodic_steps_name_their_month_or_quarter() -> None:
    month = reminders.Named(_obligation(ObligationKind.MONTHLY_AUDITS_DUE), Subject(), None)
    assert (
        reminders.step(month) == "complete the audits expected in the programme for December 2026"
    )
    quarter = reminders.Named(_obligation(ObligationKind.SUPERVISION_AUDITS_DUE), Subject(), None)
    assert reminders.step(quarter) == (
        "complete the supervision audit expected for October to December 2026"
    )
    review = reminders.Named(
        _obligation(ObligationKind.SUPERVISION_REVIEW_DUE, "supervision-review-due:x:2"),
        Subject(),
        "case C-1",
    )
    assert reminders.step(review) == (
        "hold the second of three monthly reviews in supervision of case C-1 after its "
        "Inadequate audit"
    )


# --- no N+1 ----------------------------------------------------------------------------------


async def _auditors(world: World, auth: Authority, count: int, manager: Person) -> list[Person]:
    return [
        await world.person(
            f"Auditor {i}",
            (Role.TEAM_MANAGER, ScopeType.TEAM, auth.team_b),
            team=auth.team_b,
            line_manager=manager,
        )
        for i in range(count)
    ]


async def _plan_due(
    world: World, auditors: list[Person], children: list[Child], due_on: date
) -> None:
    for i, child in enumerate(children):
        await plan(world, AuditKind.CASE_FILE, auditors[i % len(auditors)], child, due_date=due_on)


async def test_the_sweep_costs_the_same_statements_for_few_reminders_or_many(
    auth: Authority, sql_counter: StatementCounter
) -> None:
    world = auth.world
    manager = await world.person("Gail Manager", (Role.GROUP_MANAGER, ScopeType.SERVICE, auth.csc))
    children = await world.children(auth.team_a, 26, prefix="N")

    costs: list[int] = []
    for size, (planned, due_on) in [
        (2, (datetime(2026, 12, 1, 10, tzinfo=UTC), date(2026, 12, 8))),
        (24, (datetime(2026, 12, 9, 10, tzinfo=UTC), date(2026, 12, 15))),
    ]:
        world.clock.set(planned)
        auditors = await _auditors(world, auth, max(1, size // 2), manager)
        batch, children = children[:size], children[size:]
        await _plan_due(world, auditors, batch, due_on)
        world.clock.set(end_of_day(due_on) + timedelta(hours=10))
        sql_counter.start()
        result = await _sweep(world)
        costs.append(sql_counter.stop())
        # Overdue: each auditor and the manager above them, each naming its case.
        assert result.obligations_seen == size
        assert result.notifications_created == result.emails_queued == 2 * size
    assert costs[0] == costs[1], costs
    async with world.session_factory() as s:
        titles = list(await s.scalars(select(Notification.title)))
    assert len(set(titles)) == len(titles) == 2 * (2 + 24)  # no two alike
