"""The whole §16 story through GraphQL and the real worker, with the clock moved: an audit of
Bob's case completed as Inadequate on Thursday 24 December 2026 (Christmas Day on Friday, the
substitute Boxing Day bank holiday on Monday 28), the QA Lead told at once (in the application
and by email at a real SMTP server), moderated, the Head of Service told likewise, the
refusals for the wrong person, for skipped steps and for repeated ones, the exception report,
the three reviews in supervision (each in its own month after the report, none before its
month opens), the desk-top audit planned (the QA Lead told) and the process closed; the
regrade path and the amendment-away path (the Head of Service and the QA Lead told, the report
withdrawn). Plus: who sees processes, who may record each step, and what a list of them costs
in SQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from strawberry import relay

from domain.audits.kinds import AuditKind, AuditStatus, Grade
from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import Settings
from domain.people.models import Person
from tests.conftest import GraphQL, StatementCounter, World, gid
from tests.domain.audits.helpers import Authority, advance, plan
from tests.smtp import Inbox
from tests.workers.burst import run_jobs
from workers.jobs import send_outbox, start_inadequate_processes, sweep_deadlines

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
  exceptionReport { sentAt withdrawnAt htmlUrl pdfUrl }
  regradedGrade regradedBy endedAt
  steps {
    kind number status dueAt doneAt late opensOn owner { displayName } doneBy { displayName }
  }
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
    functions = [start_inadequate_processes, sweep_deadlines, send_outbox]
    jobs = [(f.__name__, f"{step}:{tag}") for step, f in enumerate(functions)]
    await run_jobs(settings, clock, session_factory, functions, jobs)


# --- GraphQL helpers ---------------------------------------------------------------------------


async def step(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> dict[str, Any]:
    return await gql.mutate(
        name, input, "escalation { id stage } errors { code field message }", as_
    )


async def done(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> dict[str, Any]:
    result = await step(gql, name, input, as_)
    assert result["errors"] == [], result
    return result


async def refused(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> str:
    result = await step(gql, name, input, as_)
    assert result["escalation"] is None
    [error] = result["errors"]
    return str(error["code"])


async def refusal(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> dict[str, Any]:
    """The one typed error a refused step answers with (code, field, message)."""
    result = await step(gql, name, input, as_)
    assert result["escalation"] is None
    [error] = result["errors"]
    return dict(error)


AUDIT_INPUTS = {
    "completeAudit": "AuditIdInput",
    "moderateAudit": "ModerateAuditInput",
    "amendAudit": "AmendAuditInput",
}


async def audit_mutation(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> Any:
    payload = await gql.mutate(
        name, input, "errors { code field }", as_, input_type=AUDIT_INPUTS[name]
    )
    return payload["errors"]


async def find(gql: GraphQL, audit_gid: str, as_: Person) -> dict[str, Any] | None:
    body = await gql(FIND, {"audit": audit_gid}, as_=as_)
    assert "errors" not in body, body
    edges = body["data"]["inadequateEscalations"]["edges"]
    return edges[0]["node"] if edges else None


def subjects(inbox: Inbox, address: str) -> list[str]:
    """The subjects of the email `address` received, decoded and unfolded (a long header is
    folded)."""
    from email.header import decode_header, make_header

    return [
        " ".join(str(make_header(decode_header(m["Subject"]))).split())
        for m in inbox.messages
        if address in m["To"]
    ]


async def notifications(gql: GraphQL, as_: Person) -> list[dict[str, Any]]:
    """What `as_` reads in the application, newest first."""
    body = await gql(
        "{ myNotifications(first: 50) { edges { node { kind title body subjectId } } } }",
        as_=as_,
    )
    assert "errors" not in body, body
    return [e["node"] for e in body["data"]["myNotifications"]["edges"]]


def steps_of(process: dict[str, Any]) -> dict[tuple[str, int | None], dict[str, Any]]:
    return {(s["kind"], s["number"]): s for s in process["steps"]}


@pytest.fixture
def founded_at() -> datetime:
    """The seeded authority (`auth`) is set up at this moment."""
    return PLANNED_AT


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

    # The QA Lead is told at once, not at the next day's reminder: in the application, and
    # by email as soon as the worker next sends (the same afternoon).
    reference = auth.bob_children[0].case_reference
    to_moderate = f"Inadequate audit to moderate: case {reference}, due 31 December 2026"
    [note] = [n for n in await notifications(gql, auth.qa_lead) if n["kind"] != "REMINDER_BEFORE"]
    assert (note["kind"], note["title"], note["subjectId"]) == (
        "INADEQUATE_TO_MODERATE",
        to_moderate,
        pid,
    )
    assert "due by the end of Thursday 31 December 2026" in note["body"]
    await run_worker(mail, clock, session_factory, "completed")
    assert to_moderate in subjects(inbox, auth.qa_lead.email)

    # A skipped step, and the wrong person at moderation, are refused.
    skipped = await refusal(
        gql,
        "recordChildSafetyAssurance",
        {"escalationId": pid, "outcome": "NOT_AT_RISK", "detail": "Seen."},
        auth.hos_csc,
    )
    assert skipped["code"] == "NOT_OPEN_YET"
    assert skipped["message"] == (
        "This step is not open yet: first comes the QA Lead's moderation of the audit."
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
    assert any(
        s.startswith("Overdue: give assurance") for s in inbox.subjects_to(auth.hos_csc.email)
    )

    # The wrong person assures: refused; the Head of Service: accepted.
    assurance = {"escalationId": pid, "outcome": "NOT_AT_RISK", "detail": "Visited; plan safe."}
    assert await refused(gql, "recordChildSafetyAssurance", assurance, auth.tm_a) == "NOT_ALLOWED"
    assert await refused(gql, "recordChildSafetyAssurance", assurance, auth.hos_ff) == "NOT_FOUND"
    await done(gql, "recordChildSafetyAssurance", assurance, auth.hos_csc)
    again = await refusal(gql, "recordChildSafetyAssurance", assurance, auth.hos_csc)
    assert again["code"] == "ALREADY_DONE"
    assert again["message"].startswith("Already done: the Head of Service's assurance")

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
    resent = await refusal(gql, "sendExceptionReport", send, auth.hos_csc)
    assert resent == {
        "code": "ALREADY_DONE",
        "field": "stage",
        "message": "Already done: the exception report has already been sent to the AED.",
    }
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

    # Three reviews in supervision, in order, by Bob's supervisor (his line manager, Tam),
    # each in its own month after the report (sent Monday 11 January): the first to Thursday
    # 11 February, the second from Friday 12 February, the third from Friday 12 March.
    def review(number: int, held_on: date) -> dict[str, Any]:
        return {
            "escalationId": pid,
            "number": number,
            "heldOn": held_on.isoformat(),
            "notes": f"Review {number}: progress on the plan.",
        }

    clock.set(datetime(2027, 1, 28, 16, tzinfo=UTC))
    process = await find(gql, audit_gid, auth.tm_a)
    assert process is not None
    months = [steps_of(process)[("SUPERVISION_REVIEW", n)] for n in (1, 2, 3)]
    assert [(m["status"], m["opensOn"], m["dueAt"][:10]) for m in months] == [
        ("DUE", "2027-01-11", "2027-02-11"),
        ("NOT_YET", "2027-02-12", "2027-03-11"),
        ("NOT_YET", "2027-03-12", "2027-04-12"),  # 11 April 2027 is a Sunday
    ]
    first_comes = await refusal(
        gql, "recordSupervisionReview", review(2, date(2027, 1, 28)), auth.tm_a
    )
    assert (first_comes["code"], first_comes["message"]) == (
        "NOT_OPEN_YET",
        "Review 1 comes first.",
    )
    assert (
        await refused(gql, "recordSupervisionReview", review(1, date(2027, 1, 28)), auth.bob)
        == "NOT_ALLOWED"
    )
    await done(gql, "recordSupervisionReview", review(1, date(2027, 1, 28)), auth.tm_a)
    twice = await refusal(gql, "recordSupervisionReview", review(1, date(2027, 1, 28)), auth.tm_a)
    assert twice["code"] == "ALREADY_DONE" and twice["field"] == "number"
    # The next day is not the next month: refused, saying when the second month opens.
    clock.set(datetime(2027, 1, 29, 16, tzinfo=UTC))
    early = await refusal(gql, "recordSupervisionReview", review(2, date(2027, 1, 29)), auth.tm_a)
    assert early == {
        "code": "NOT_OPEN_YET",
        "field": "number",
        "message": "Review 2 belongs to the second month after the exception report; it opens "
        "on Friday 12 February 2027.",
    }
    clock.set(datetime(2027, 2, 25, 16, tzinfo=UTC))
    await done(gql, "recordSupervisionReview", review(2, date(2027, 2, 25)), auth.tm_a)
    early = await refusal(gql, "recordSupervisionReview", review(3, date(2027, 2, 25)), auth.tm_a)
    assert early["code"] == "NOT_OPEN_YET"
    assert "it opens on Friday 12 March 2027" in early["message"]
    process = await find(gql, audit_gid, auth.qa_lead)
    assert process is not None and process["deskTopAudit"] is None
    clock.set(datetime(2027, 3, 25, 16, tzinfo=UTC))
    await done(gql, "recordSupervisionReview", review(3, date(2027, 3, 25)), auth.tm_a)

    # The desk-top audit is due after the third review; the QA Lead is told at once.
    await run_worker(mail, clock, session_factory, "desk-top")
    desk_top_planned = f"Desk-top audit to do: case {reference}, due 12 April 2027"
    assert desk_top_planned in subjects(inbox, auth.qa_lead.email)
    assert desk_top_planned in [n["title"] for n in await notifications(gql, auth.qa_lead)]
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


async def test_a_regrade_ends_the_process_with_its_reason(
    auth: Authority,
    gql: GraphQL,
    settings: Settings,
    session_factory: SessionFactory,
    redis: object,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    audit_gid = await inadequate_audit_completed_on_christmas_eve(auth, gql)
    clock = auth.world.clock
    clock.set(datetime(2026, 12, 29, 10, tzinfo=UTC))
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
    assert (process["regradedGrade"], process["regradedBy"]) == (
        "REQUIRES_IMPROVEMENT",
        "MODERATION",
    )
    # The report will never be sent: it reads as withdrawn, on the day of the regrade.
    assert process["exceptionReport"]["sentAt"] is None
    assert process["exceptionReport"]["withdrawnAt"] == process["endedAt"]
    assert process["endedAt"].startswith("2026-12-29T10:00:00")
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
    # The responsible Head of Service is told (the QA Lead did it, and knows), by email too.
    await run_worker(mail, clock, session_factory, "regraded")
    reference = auth.bob_children[0].case_reference
    ended = f"Inadequate process ended: case {reference} regraded Requires improvement to be good"
    assert ended in subjects(inbox, auth.hos_csc.email)
    assert ended not in subjects(inbox, auth.qa_lead.email)
    [note] = [
        n for n in await notifications(gql, auth.hos_csc) if n["kind"] == "INADEQUATE_PROCESS_ENDED"
    ]
    assert note["subjectId"] == process["id"]
    assert "The strengths in the plan were missed." not in note["body"]


async def test_an_amendment_away_from_inadequate_before_moderation_ends_the_process(
    auth: Authority,
    gql: GraphQL,
    settings: Settings,
    session_factory: SessionFactory,
    redis: object,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    audit_gid = await inadequate_audit_completed_on_christmas_eve(auth, gql)
    clock = auth.world.clock
    clock.set(datetime(2026, 12, 29, 9, tzinfo=UTC))
    amend = {
        "auditId": audit_gid,
        "overallGrade": "GOOD",
        "overallRationale": "Good, read against the right case file.",
        "reason": "The auditor read the wrong case's notes.",
    }
    # Only the auditor or the QA Lead amends: the Team Manager's amendment changes nothing.
    assert [e["code"] for e in await audit_mutation(gql, "amendAudit", amend, auth.tm_a)] == [
        "NOT_ALLOWED"
    ]
    process = await find(gql, audit_gid, auth.psw)
    assert process is not None and process["stage"] == "MODERATION"
    assert await audit_mutation(gql, "amendAudit", amend, auth.psw) == []
    process = await find(gql, audit_gid, auth.qa_lead)
    assert process is not None
    assert process["stage"] == "REGRADED" and process["isOpen"] is False
    assert (process["regradedGrade"], process["regradedBy"]) == ("GOOD", "AMENDMENT")
    assert process["endedReason"] == "The auditor read the wrong case's notes."
    assert process["exceptionReport"]["withdrawnAt"] is not None
    assert steps_of(process)[("MODERATION", None)]["status"] == "NOT_NEEDED"
    # Moderation is no longer owed: a later moderation does not reopen anything.
    confirm = {"auditId": audit_gid, "outcome": "CONFIRMED", "reason": "Agreed."}
    assert await audit_mutation(gql, "moderateAudit", confirm, auth.qa_lead) == []
    process = await find(gql, audit_gid, auth.qa_lead)
    assert process is not None and process["stage"] == "REGRADED"

    await run_worker(mail, clock, session_factory, "amended")
    reference = auth.bob_children[0].case_reference
    ended = f"Inadequate process ended: case {reference} regraded Good"
    assert ended in subjects(inbox, auth.hos_csc.email)
    assert ended in subjects(inbox, auth.qa_lead.email)
    for person in (auth.hos_csc, auth.qa_lead):
        [note] = [
            n for n in await notifications(gql, person) if n["kind"] == "INADEQUATE_PROCESS_ENDED"
        ]
        assert "regraded to Good by an amendment on Tuesday 29 December 2026" in note["body"]
        assert "No exception report will be sent." in note["body"]


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("tm_a", "NOT_ALLOWED"),
        ("hos_csc", "NOT_ALLOWED"),
        ("aed", "NOT_ALLOWED"),
        ("bob", "NOT_ALLOWED"),
        ("hos_ff", "NOT_FOUND"),
        ("admin", "NOT_FOUND"),
    ],
)
async def test_only_the_auditor_or_the_qa_lead_amends_the_process_away(
    auth: Authority, gql: GraphQL, who: str, code: str
) -> None:
    audit_gid = await inadequate_audit_completed_on_christmas_eve(auth, gql)
    amend = {"auditId": audit_gid, "overallGrade": "GOOD", "reason": "Not inadequate."}
    errors = await audit_mutation(gql, "amendAudit", amend, auth.person(who))
    assert [e["code"] for e in errors] == [code]
    process = await find(gql, audit_gid, auth.qa_lead)
    assert process is not None and process["stage"] == "MODERATION"


SUPERVISION_REFUSALS = [
    ("bob", "NOT_ALLOWED"),  # the practitioner does not review their own case
    ("psw", "NOT_ALLOWED"),
    ("qa_lead", "NOT_ALLOWED"),
    ("aed", "NOT_ALLOWED"),
    ("hos_csc", "NOT_ALLOWED"),
    ("tm_b", "NOT_FOUND"),
    ("hos_ff", "NOT_FOUND"),
    ("admin", "NOT_FOUND"),
    ("partner", "NOT_FOUND"),
]


@pytest.mark.parametrize(("who", "code"), SUPERVISION_REFUSALS)
async def test_only_the_practitioners_supervisor_records_a_review_in_supervision(
    auth: Authority, gql: GraphQL, who: str, code: str
) -> None:
    pid = await reported_through_graphql(auth, gql)
    auth.world.clock.set(datetime(2027, 1, 28, 16, tzinfo=UTC))
    review = {"escalationId": pid, "number": 1, "heldOn": "2027-01-28", "notes": "Seen."}
    assert await refused(gql, "recordSupervisionReview", review, auth.person(who)) == code
    process = await find_by_id(gql, pid, auth.qa_lead)
    assert process["supervisionReviews"] == []


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("tm_a", "NOT_ALLOWED"),
        ("aed", "NOT_ALLOWED"),
        ("bob", "NOT_ALLOWED"),
        ("hos_ff", "NOT_FOUND"),
        ("admin", "NOT_FOUND"),
    ],
)
async def test_only_the_head_of_service_sends_the_report_even_a_second_time(
    auth: Authority, gql: GraphQL, who: str, code: str
) -> None:
    pid = await reported_through_graphql(auth, gql)
    send = {"escalationId": pid}
    assert await refused(gql, "sendExceptionReport", send, auth.person(who)) == code
    assert await refused(gql, "sendExceptionReport", send, auth.hos_csc) == "ALREADY_DONE"


async def reported_through_graphql(auth: Authority, gql: GraphQL) -> str:
    """The process of the Christmas Eve audit, its exception report sent on Monday 11
    January 2027, every step through GraphQL by the person who owns it."""
    clock = auth.world.clock
    audit_gid = await inadequate_audit_completed_on_christmas_eve(auth, gql)
    clock.set(datetime(2026, 12, 29, 10, tzinfo=UTC))
    confirm = {"auditId": audit_gid, "outcome": "CONFIRMED", "reason": "No safety plan."}
    assert await audit_mutation(gql, "moderateAudit", confirm, auth.qa_lead) == []
    process = await find(gql, audit_gid, auth.hos_csc)
    assert process is not None
    pid = str(process["id"])
    assurance = {"escalationId": pid, "outcome": "NOT_AT_RISK", "detail": "Visited."}
    await done(gql, "recordChildSafetyAssurance", assurance, auth.hos_csc)
    for other in process["otherCases"]:
        outcome = {"escalationId": pid, "childId": other["child"]["id"], "outcome": "NO_CONCERNS"}
        await done(gql, "recordOtherCaseOutcome", outcome, auth.tm_a)
    await done(
        gql, "completeOtherCasesReview", {"escalationId": pid, "summary": "Fine."}, auth.tm_a
    )
    clock.set(datetime(2027, 1, 11, 14, tzinfo=UTC))
    await done(gql, "sendExceptionReport", {"escalationId": pid}, auth.hos_csc)
    return pid


async def find_by_id(gql: GraphQL, pid: str, as_: Person) -> dict[str, Any]:
    body = await gql(
        PROCESS + "query($id: ID!) { node(id: $id) { ...Process } }", {"id": pid}, as_=as_
    )
    assert "errors" not in body, body
    node: dict[str, Any] = body["data"]["node"]
    return node


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
