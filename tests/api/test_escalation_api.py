"""The whole §16 story through GraphQL and the real worker, with the clock moved: an audit of
Bob's case completed as Inadequate on Thursday 24 December 2026 (Christmas Day on Friday, the
substitute Boxing Day bank holiday on Monday 28), moderated, the Head of Service told by email
at a real SMTP server, the refusals for the wrong person and for skipped steps, the exception
report, the three reviews in supervision, the desk-top audit and the process closed; and the
regrade path. Plus: who sees processes, and what a list of them costs in SQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker
from strawberry import relay

from domain.audits.kinds import AuditKind, AuditStatus, Grade
from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from domain.people.models import Person
from tests.conftest import GraphQL, StatementCounter, World
from tests.domain.audit_helpers import Authority, advance, build_authority, plan
from tests.smtp import Inbox
from workers.main import send_outbox, shutdown, start_inadequate_processes, startup, sweep_deadlines

PLANNED_AT = datetime(2026, 12, 1, 10, tzinfo=UTC)
COMPLETED_AT = datetime(2026, 12, 24, 15, tzinfo=UTC)

PROCESS = """
fragment Process on InadequateEscalation {
  id stage isOpen endedReason overdue
  auditCompletedAt headOfServiceToldAt
  headOfService { displayName }
  practitioner { displayName }
  child { caseReference }
  otherCases { caseReference outcome child { id } }
  supervisionReviews { number heldOn }
  deskTopAudit { id kind dueDate status }
  exceptionReport { sentAt htmlUrl pdfUrl }
  steps { kind number status dueAt doneAt owner { displayName } doneBy { displayName } }
  history { action actorLabel }
}
"""

FIND = (
    PROCESS
    + """
query($audit: ID!) {
  inadequateEscalations(filter: {auditId: $audit}) { totalCount edges { node { ...Process } } }
}
"""
)


# --- a real SMTP server and the real worker ---------------------------------------------------


async def run_worker(
    settings: Settings, clock: SettableClock, session_factory: SessionFactory, tag: str
) -> None:
    """One pass of the real worker at the clock's moment: catch up processes, sweep the
    deadlines, send the outbox (in that order), as its crons would."""
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        for step, name in enumerate(
            ["start_inadequate_processes", "sweep_deadlines", "send_outbox"]
        ):
            await pool.enqueue_job(name, _job_id=f"{step}:{tag}")
        worker = Worker(
            functions=[start_inadequate_processes, sweep_deadlines, send_outbox],
            redis_settings=RedisSettings.from_dsn(settings.redis_url),
            on_startup=startup,
            on_shutdown=shutdown,
            burst=True,
            poll_delay=0.05,
            max_jobs=1,
            ctx={"settings": settings, "clock": clock, "session_factory": session_factory},
            handle_signals=False,
        )
        await worker.main()
        assert worker.jobs_failed == 0
        await worker.close()
    finally:
        await pool.aclose()


# --- GraphQL helpers ---------------------------------------------------------------------------


async def step(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> dict[str, Any]:
    type_name = f"{name[0].upper()}{name[1:]}Input"
    body = await gql(
        f"mutation($input: {type_name}!) {{ {name}(input: $input) {{ "
        "escalation { id stage } errors { code field message } } }",
        {"input": input},
        as_=as_,
    )
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][name]
    return result


async def done(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> dict[str, Any]:
    result = await step(gql, name, input, as_)
    assert result["errors"] == [], result
    return result


async def refused(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> str:
    result = await step(gql, name, input, as_)
    assert result["escalation"] is None
    [error] = result["errors"]
    return str(error["code"])


async def audit_mutation(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> Any:
    body = await gql(
        f"mutation($input: {'AuditIdInput' if name == 'completeAudit' else 'ModerateAuditInput'}!)"
        f" {{ {name}(input: $input) {{ errors {{ code field }} }} }}",
        {"input": input},
        as_=as_,
    )
    assert "errors" not in body, body
    return body["data"][name]["errors"]


async def find(gql: GraphQL, audit_gid: str, as_: Person) -> dict[str, Any] | None:
    body = await gql(FIND, {"audit": audit_gid}, as_=as_)
    assert "errors" not in body, body
    edges = body["data"]["inadequateEscalations"]["edges"]
    return edges[0]["node"] if edges else None


def steps_of(process: dict[str, Any]) -> dict[tuple[str, int | None], dict[str, Any]]:
    return {(s["kind"], s["number"]): s for s in process["steps"]}


def gid(type_name: str, value: object) -> str:
    return str(relay.GlobalID(type_name, str(value)))


@pytest.fixture
async def auth(world: World, audit_defaults: None) -> Authority:
    world.clock.set(PLANNED_AT)
    return await build_authority(world)


async def inadequate_audit_completed_on_christmas_eve(auth: Authority, gql: GraphQL) -> str:
    world = auth.world
    world.clock.set(PLANNED_AT)
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0])
    world.clock.set(COMPLETED_AT - timedelta(hours=2))
    await advance(
        world, auth.actor(auth.psw), audit.id, AuditStatus.SUBMITTED, grade=Grade.INADEQUATE
    )
    world.clock.set(COMPLETED_AT)
    audit_gid = gid("Audit", audit.id)
    assert await audit_mutation(gql, "completeAudit", {"auditId": audit_gid}, auth.psw) == []
    return audit_gid


# --- the story ---------------------------------------------------------------------------------


async def test_the_inadequate_process_end_to_end_through_graphql_and_the_worker(
    auth: Authority,
    gql: GraphQL,
    world: World,
    settings: Settings,
    session_factory: SessionFactory,
    redis: object,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    clock = world.clock
    audit_gid = await inadequate_audit_completed_on_christmas_eve(auth, gql)

    # Started with the completion; moderation due by the end of Thursday 31 December.
    process = await find(gql, audit_gid, auth.qa_lead)
    assert process is not None and process["stage"] == "MODERATION"
    pid = process["id"]
    moderation = steps_of(process)[("MODERATION", None)]
    assert moderation["status"] == "DUE"
    assert moderation["owner"]["displayName"] == "Quinn Qa"
    assert moderation["dueAt"].startswith("2026-12-31T23:59:59")

    # A skipped step, and the wrong person at moderation, are refused.
    assert (
        await refused(
            gql,
            "recordChildSafetyAssurance",
            {"escalationId": pid, "outcome": "NOT_AT_RISK", "detail": "Seen."},
            auth.hos_csc,
        )
        == "CONFLICT"
    )
    confirm = {"auditId": audit_gid, "outcome": "CONFIRMED", "reason": "No safety plan."}
    assert [
        e["code"] for e in await audit_mutation(gql, "moderateAudit", confirm, auth.hos_csc)
    ] == ["NOT_ALLOWED"]

    # The worker on the due day: the QA Lead is reminded (Thursday 31 December, 08:00).
    clock.set(datetime(2026, 12, 31, 8, tzinfo=UTC))
    await run_worker(mail, clock, session_factory, "due-day")
    assert any("Due today" in s for s in inbox.subjects_to(auth.qa_lead.email))

    # Moderation confirms the same morning: the Head of Service is told at once, by email.
    clock.set(datetime(2026, 12, 31, 10, tzinfo=UTC))
    assert await audit_mutation(gql, "moderateAudit", confirm, auth.qa_lead) == []
    await run_worker(mail, clock, session_factory, "told")
    [told] = [s for s in inbox.subjects_to(auth.hos_csc.email) if "Inadequate audit confirmed" in s]
    assert auth.bob_children[0].case_reference in told
    process = await find(gql, audit_gid, auth.hos_csc)
    assert process is not None and process["stage"] == "ASSURANCE"
    steps = steps_of(process)
    assert steps[("MODERATION", None)]["status"] == "DONE"
    assert steps[("MODERATION", None)]["doneBy"]["displayName"] == "Quinn Qa"
    assert steps[("TELL_HEAD_OF_SERVICE", None)]["status"] == "DONE"
    # One working day after Thursday 31 December is Monday 4 January (1 January is a holiday).
    assert steps[("ASSURANCE", None)]["dueAt"].startswith("2027-01-04T23:59:59")
    assert steps[("OTHER_CASES_REVIEW", None)]["dueAt"].startswith("2027-01-12T23:59:59")
    assert steps[("EXCEPTION_REPORT", None)]["dueAt"].startswith("2027-01-12T23:59:59")
    others = {c["caseReference"]: c for c in process["otherCases"]}
    assert sorted(others) == sorted(c.case_reference for c in auth.bob_children[1:])

    # Overdue assurance escalates to the Head of Service's… (they have no line manager here,
    # so the owner is told); the timeline shows it overdue.
    clock.set(datetime(2027, 1, 5, 9, tzinfo=UTC))
    process = await find(gql, audit_gid, auth.hos_csc)
    assert process is not None and process["overdue"] is True
    assert steps_of(process)[("ASSURANCE", None)]["status"] == "OVERDUE"
    await run_worker(mail, clock, session_factory, "overdue")
    assert any(s == "Overdue" for s in inbox.subjects_to(auth.hos_csc.email))

    # The wrong person assures: refused; the Head of Service: accepted.
    assurance = {"escalationId": pid, "outcome": "NOT_AT_RISK", "detail": "Visited; plan safe."}
    assert await refused(gql, "recordChildSafetyAssurance", assurance, auth.tm_a) == "NOT_ALLOWED"
    assert await refused(gql, "recordChildSafetyAssurance", assurance, auth.hos_ff) == "NOT_FOUND"
    await done(gql, "recordChildSafetyAssurance", assurance, auth.hos_csc)

    # The Team Manager reviews the other cases; the practitioner may not.
    first, second = (others[c.case_reference]["child"]["id"] for c in auth.bob_children[1:])
    outcome = {"escalationId": pid, "childId": first, "outcome": "NO_CONCERNS"}
    assert await refused(gql, "recordOtherCaseOutcome", outcome, auth.bob) == "NOT_ALLOWED"
    await done(gql, "recordOtherCaseOutcome", outcome, auth.tm_a)
    summary = {"escalationId": pid, "summary": "One case needs its own audit."}
    assert await refused(gql, "completeOtherCasesReview", summary, auth.tm_a) == "CONFLICT"
    await done(
        gql,
        "recordOtherCaseOutcome",
        {
            "escalationId": pid,
            "childId": second,
            "outcome": "INADEQUATE",
            "note": "No visit for <b>8 weeks</b>.",
        },
        auth.tm_a,
    )
    await done(gql, "completeOtherCasesReview", summary, auth.tm_a)

    # The exception report: a draft before, then sent by the Head of Service to the AED.
    process = await find(gql, audit_gid, auth.aed)
    assert process is not None
    url = process["exceptionReport"]["htmlUrl"]
    draft = await gql.client.get(url, headers=world.headers(auth.hos_csc))
    assert draft.status_code == 200 and "DRAFT" in draft.text
    send = {"escalationId": pid}
    assert await refused(gql, "sendExceptionReport", send, auth.tm_a) == "NOT_ALLOWED"
    clock.set(datetime(2027, 1, 11, 14, tzinfo=UTC))
    await done(gql, "sendExceptionReport", send, auth.hos_csc)
    await run_worker(mail, clock, session_factory, "report")
    assert any("Exception report" in s for s in inbox.subjects_to(auth.aed.email))
    report = await gql.client.get(url, headers=world.headers(auth.aed))
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert "Sent to the AED by Hal Hos" in report.text
    assert auth.bob_children[0].case_reference in report.text
    assert "No visit for &lt;b&gt;8 weeks&lt;/b&gt;." in report.text  # escaped, never markup
    pdf = await gql.client.get(
        process["exceptionReport"]["pdfUrl"], headers=world.headers(auth.aed)
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    for outsider in (auth.partner, auth.admin, auth.hos_ff):
        hidden = await gql.client.get(url, headers=world.headers(outsider))
        assert hidden.status_code == 404
    assert (await gql.client.get(url)).status_code == 401

    # Three reviews in supervision, in order, by Bob's supervisor (his line manager, Tam).
    def review(number: int, held_on: date) -> dict[str, Any]:
        return {
            "escalationId": pid,
            "number": number,
            "heldOn": held_on.isoformat(),
            "notes": f"Review {number}: progress on the plan.",
        }

    clock.set(datetime(2027, 1, 28, 16, tzinfo=UTC))
    assert (
        await refused(gql, "recordSupervisionReview", review(2, date(2027, 1, 28)), auth.tm_a)
        == "CONFLICT"
    )
    assert (
        await refused(gql, "recordSupervisionReview", review(1, date(2027, 1, 28)), auth.bob)
        == "NOT_ALLOWED"
    )
    await done(gql, "recordSupervisionReview", review(1, date(2027, 1, 28)), auth.tm_a)
    clock.set(datetime(2027, 2, 25, 16, tzinfo=UTC))
    await done(gql, "recordSupervisionReview", review(2, date(2027, 2, 25)), auth.tm_a)
    clock.set(datetime(2027, 3, 25, 16, tzinfo=UTC))
    await done(gql, "recordSupervisionReview", review(3, date(2027, 3, 25)), auth.tm_a)

    process = await find(gql, audit_gid, auth.qa_lead)
    assert process is not None and process["stage"] == "DESK_TOP_AUDIT"
    desk_top = process["deskTopAudit"]
    assert desk_top["kind"] == "DESK_TOP" and desk_top["status"] == "PLANNED"
    assert desk_top["dueDate"] == "2027-04-12"  # 10 working days, past Easter

    # The QA Lead completes the desk-top audit: the process is closed.
    clock.set(datetime(2027, 4, 8, 10, tzinfo=UTC))
    desk_top_id = relay.GlobalID.from_id(desk_top["id"]).node_id
    await advance(world, auth.actor(auth.qa_lead), uuid.UUID(desk_top_id), AuditStatus.SUBMITTED)
    assert (
        await audit_mutation(gql, "completeAudit", {"auditId": desk_top["id"]}, auth.qa_lead) == []
    )
    process = await find(gql, audit_gid, auth.qa_lead)
    assert process is not None
    assert process["stage"] == "CLOSED" and process["isOpen"] is False
    assert {s["status"] for s in process["steps"]} == {"DONE"}
    assert [h["action"] for h in process["history"]] == [
        "escalation.started",
        "escalation.confirmed",
        "escalation.assured",
        "escalation.other_case_reviewed",
        "escalation.other_case_reviewed",
        "escalation.other_cases_reviewed",
        "escalation.report_sent",
        "escalation.supervision_reviewed",
        "escalation.supervision_reviewed",
        "escalation.supervision_reviewed",
        "escalation.closed",
    ]
    # And the worker, run again, tells nobody anything twice.
    sent = len(inbox.messages)
    await run_worker(mail, clock, session_factory, "after")
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == len(set(ids))
    assert len(inbox.messages) >= sent


async def test_a_regrade_ends_the_process_with_its_reason(auth: Authority, gql: GraphQL) -> None:
    audit_gid = await inadequate_audit_completed_on_christmas_eve(auth, gql)
    auth.world.clock.set(datetime(2026, 12, 29, 10, tzinfo=UTC))
    regrade = {
        "auditId": audit_gid,
        "outcome": "REGRADED",
        "reason": "The strengths in the plan were missed.",
        "overallGrade": "REQUIRES_IMPROVEMENT",
    }
    assert await audit_mutation(gql, "moderateAudit", regrade, auth.qa_lead) == []
    process = await find(gql, audit_gid, auth.qa_lead)
    assert process is not None
    assert process["stage"] == "REGRADED" and process["isOpen"] is False
    assert process["endedReason"] == "The strengths in the plan were missed."
    assert process["headOfService"] is None
    steps = steps_of(process)
    assert steps[("MODERATION", None)]["status"] == "DONE"
    assert {s["status"] for k, s in steps.items() if k[0] != "MODERATION"} == {"NOT_NEEDED"}
    assert (
        await refused(
            gql,
            "recordChildSafetyAssurance",
            {"escalationId": process["id"], "outcome": "NOT_AT_RISK", "detail": "x"},
            auth.hos_csc,
        )
        == "CONFLICT"
    )


# --- who sees what, bad input, and cost ---------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("qa_lead", True),
        ("aed", True),
        ("dcs", True),
        ("hos_csc", True),
        ("tm_a", True),
        ("bob", True),
        ("psw", True),
        ("hos_ff", False),
        ("tm_b", False),
        ("cat", False),
        ("admin", False),
        ("partner", False),
    ],
)
async def test_who_sees_an_inadequate_process(
    auth: Authority, gql: GraphQL, who: str, sees: bool
) -> None:
    audit_gid = await inadequate_audit_completed_on_christmas_eve(auth, gql)
    found = await find(gql, audit_gid, auth.person(who))
    assert (found is not None) is sees
    if found is not None:
        body = await gql(
            "query($id: ID!) { node(id: $id) { id } }", {"id": found["id"]}, as_=auth.person(who)
        )
        assert body["data"]["node"] == {"id": found["id"]}


async def test_no_one_signed_in_reads_or_changes_nothing(auth: Authority, gql: GraphQL) -> None:
    body = await gql("{ inadequateEscalations { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    result = await gql(
        'mutation { sendExceptionReport(input: {escalationId: "x"}) '
        "{ errors { code } escalation { id } } }"
    )
    assert result["data"]["sendExceptionReport"]["errors"] == [{"code": "UNAUTHENTICATED"}]


@pytest.mark.parametrize(
    "bad", ["", "not-an-id", gid("Audit", "00000000-0000-0000-0000-000000000000")]
)
async def test_a_malformed_process_id_is_a_typed_error(
    auth: Authority, gql: GraphQL, bad: str
) -> None:
    result = await step(gql, "sendExceptionReport", {"escalationId": bad}, auth.hos_csc)
    assert result["errors"] == [
        {
            "code": "INVALID",
            "field": "escalationId",
            "message": "That is not the id of a InadequateEscalation.",
        }
    ]


async def test_a_list_of_processes_costs_the_same_statements_however_long(
    auth: Authority, gql: GraphQL, sql_counter: StatementCounter
) -> None:
    query = (
        PROCESS + "query($first: Int) { inadequateEscalations(first: $first) "
        "{ edges { node { ...Process audit { id } qaLead { id } moderation { id } } } } }"
    )

    async def cost(first: int) -> int:
        sql_counter.start()
        body = await gql(query, {"first": first}, as_=auth.qa_lead)
        assert "errors" not in body, body
        assert len(body["data"]["inadequateEscalations"]["edges"]) == first
        return sql_counter.stop()

    world = auth.world
    for child in [*auth.bob_children, *auth.ann_children]:
        world.clock.set(PLANNED_AT)
        audit = await plan(world, AuditKind.CASE_FILE, auth.psw, child)
        world.clock.set(COMPLETED_AT)
        await advance(
            world, auth.actor(auth.psw), audit.id, AuditStatus.COMPLETED, grade=Grade.INADEQUATE
        )
    assert await cost(1) == await cost(6), sql_counter.statements
