"""Generated: every mutation that takes an id, tried by every role with ids inside and outside
that role's sight, compared with what the domain policy says.

`MUTATIONS` declares, for each mutation in the schema, the kind of object each of its ID
arguments or input fields names (recursively through input objects) and a base input. The test
reads the schema itself and fails when a mutation or an ID field exists that the table does not
declare, so the next mutation is covered without anyone remembering.

For each declared id of a kind the policy scopes (children, audits, rounds, actions, escalations,
compliments and complaints, groups, campaigns, notifications, people), as each role, over an
authority of two services (`build_authority`: Children's Social Care with teams A and B, Family
First with team C), the policy's own SQL filter picks an object the role may not see and one it
may. Then:
- out of sight: the answer is the answer for an id that does not exist (NOT_FOUND on that
  field, or the same refusal of the role as a whole), never anything that tells the object
  exists, and nothing changes (row counts of every table, history included);
- in sight: the answer is never NOT_FOUND on that field;
- the child an audit or round is planned on, seen but outside the planning reach the policy
  gives the role for that kind: NOT_ALLOWED and nothing changed;
- anonymous: UNAUTHENTICATED, nothing changed.
Ids of reference kinds (teams, services, themes, months of the programme, closure days, role
grants, survey versions) are not scoped: each is tried once as an id that does not exist, which
must be a typed refusal, never an internal error.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLSchema,
    build_schema,
    get_named_type,
    is_list_type,
)
from sqlalchemy import ColumnElement, select, text

from domain.audits import policy as audits_policy
from domain.audits import service as audits
from domain.audits.benchmarking import create_benchmark_round
from domain.audits.kinds import AuditKind, AuditStatus, Grade, ModerationOutcome
from domain.audits.models import Audit, AuditAction, BenchmarkRound, Theme
from domain.children import policy as children_policy
from domain.children.models import Child
from domain.core.clock import local_today
from domain.core.roles import Actor, Role
from domain.escalation import policy as escalation_policy
from domain.escalation.models import InadequateEscalation
from domain.feedback import policy as feedback_policy
from domain.feedback.models import FeedbackRecord
from domain.learning import policy as learning_policy
from domain.learning import service as learning
from domain.learning.models import TaskAndFinishGroup
from domain.models import Base
from domain.notifications import policy as notifications_policy
from domain.notifications.models import Notification
from domain.people import policy as people_policy
from domain.people.models import Person
from domain.surveys import policy as surveys_policy
from domain.surveys.models import SurveyCampaign
from tests.conftest import GraphQL, World
from tests.domain.audits.helpers import (
    Authority,
    act,
    actor_of,
    advance,
    build_authority,
    due,
    plan,
)
from tests.domain.feedback.helpers import POLICY, complaint
from tests.domain.surveys.helpers import annual_campaign, survey_defaults

SCHEMA_FILE = "schema.graphql"

# The object kinds an id names, and the GraphQL type its global id carries.
TYPE_OF_KIND = {
    "child": "Child",
    "person": "Person",
    "team": "Team",
    "service": "Service",
    "audit": "Audit",
    "action": "AuditAction",
    "round": "BenchmarkRound",
    "theme": "Theme",
    "month": "ProgrammeMonth",
    "closure_day": "ClosureDay",
    "notification": "Notification",
    "escalation": "InadequateEscalation",
    "feedback": "FeedbackRecord",
    "group": "TaskAndFinishGroup",
    "campaign": "SurveyCampaign",
    "grant": "RoleGrant",
}


# The policy's own visibility filter for each scoped kind: (model, filter for an actor).
SCOPED: dict[str, tuple[Any, Callable[[Actor], ColumnElement[bool]]]] = {
    "child": (Child, children_policy.visible_children),
    "audit": (Audit, audits_policy.visible_audits),
    "round": (
        BenchmarkRound,
        lambda a: BenchmarkRound.id.in_(
            select(Audit.benchmark_round_id).where(audits_policy.visible_audits(a))
        ),
    ),
    "action": (AuditAction, audits_policy.visible_actions),
    "escalation": (InadequateEscalation, escalation_policy.visible_escalations),
    "feedback": (FeedbackRecord, feedback_policy.visible_feedback),
    "group": (TaskAndFinishGroup, learning_policy.visible_groups),
    "campaign": (SurveyCampaign, surveys_policy.visible_campaigns),
    "notification": (Notification, notifications_policy.own_notifications),
    "person": (Person, people_policy.visible_people),
}


@dataclass(frozen=True)
class M:
    """A mutation's ids (path -> kind) and a base input, given the ids an actor would use."""

    ids: dict[str, str]
    base: Callable[[Callable[[str], str], str], dict[str, Any]]
    # Id paths whose in-sight object is one particular object the mutation names (a case in
    # an Inadequate process's review), not any object of the kind: only out of sight is tried.
    not_any_in_sight: frozenset[str] = frozenset()


def _input(**fields: Any) -> dict[str, Any]:
    return {"input": fields}


MUTATIONS: dict[str, M] = {
    "planAudit": M(
        {
            "input.auditorId": "person",
            "input.childId": "child",
            "input.subjectPractitionerId": "person",
            "input.supervisorId": "person",
            "input.themeIds": "theme",
            "input.programmeMonthId": "month",
        },
        # Each role plans the kind it may: a practitioner a peer audit it does itself, a team
        # manager a dip sample it does itself, the others a case file audit.
        lambda h, d: _input(
            kind=h("kind"), auditorId=h("planned"), dueDate=d, childId=h("child"), themeIds=[]
        ),
    ),
    **{
        name: M({"input.auditId": "audit"}, lambda h, d: _input(auditId=h("audit")))
        for name in ("startAudit", "submitAudit", "reopenAudit", "completeAudit")
    },
    "saveAudit": M(
        {"input.auditId": "audit"},
        lambda h, d: _input(auditId=h("audit"), overallRationale="Seen."),
    ),
    "addReflections": M(
        {"input.auditId": "audit"},
        lambda h, d: _input(auditId=h("audit"), reflections="What I learnt."),
    ),
    "cancelAudit": M(
        {"input.auditId": "audit"}, lambda h, d: _input(auditId=h("audit"), reason="Closed.")
    ),
    "amendAudit": M(
        {"input.auditId": "audit"}, lambda h, d: _input(auditId=h("audit"), reason="Typo.")
    ),
    "moderateAudit": M(
        {"input.auditId": "audit"},
        lambda h, d: _input(auditId=h("audit"), outcome="CONFIRMED", reason="Agreed."),
    ),
    "addAuditAction": M(
        {"input.auditId": "audit", "input.ownerId": "person"},
        lambda h, d: _input(
            auditId=h("audit"), description="Visit.", ownerId=h("person"), dueDate=d
        ),
    ),
    "completeAuditAction": M(
        {"input.actionId": "action"}, lambda h, d: _input(actionId=h("action"))
    ),
    "addLearningPoint": M(
        {"input.auditId": "audit", "input.themeIds": "theme"},
        lambda h, d: _input(auditId=h("audit"), text="Learnt.", themeIds=[], isStrength=True),
    ),
    "publishAuditTemplate": M({}, lambda h, d: {}),
    "createTheme": M({}, lambda h, d: {}),
    "setThemeActive": M({"input.id": "theme"}, lambda h, d: _input(id=h("theme"), active=True)),
    "setProgrammeMonth": M(
        {"input.expectations.auditorId": "person"},
        lambda h, d: _input(
            month=d, expectations=[{"auditorId": h("auditor"), "expectedAudits": 2}]
        ),
    ),
    "drawSample": M(
        {
            "input.auditorIds": "person",
            "input.teamId": "team",
            "input.serviceId": "service",
            "input.themeIds": "theme",
        },
        lambda h, d: _input(
            month=d,
            kind="CASE_FILE",
            auditorIds=[h("auditor")],
            dueDate=d,
            count=1,
            themeIds=[],
            includeRecentlyAudited=True,
            dryRun=True,
        ),
    ),
    "createBenchmarkRound": M(
        {"input.childId": "child", "input.auditorIds": "person"},
        lambda h, d: _input(
            name="Spring", childId=h("child"), auditorIds=[h("auditor"), h("auditor2")], dueDate=d
        ),
    ),
    "recordAgreedGrade": M(
        {"input.roundId": "round"},
        lambda h, d: _input(
            roundId=h("round"), overallGrade="GOOD", sectionGrades=[], rationale="Agreed."
        ),
    ),
    "addClosureDay": M({}, lambda h, d: {}),
    "removeClosureDay": M({"input.id": "closure_day"}, lambda h, d: _input(id=h("closure_day"))),
    "markNotificationsRead": M(
        {"input.ids": "notification"}, lambda h, d: _input(ids=[h("notification")])
    ),
    "setDigestHour": M({}, lambda h, d: {}),
    "recordChildSafetyAssurance": M(
        {"input.escalationId": "escalation"},
        lambda h, d: _input(escalationId=h("escalation"), outcome="NOT_AT_RISK", detail="Seen."),
    ),
    "recordOtherCaseOutcome": M(
        {"input.escalationId": "escalation", "input.childId": "child"},
        lambda h, d: _input(
            escalationId=h("escalation"), childId=h("child"), outcome="NO_CONCERNS"
        ),
        not_any_in_sight=frozenset({"input.childId"}),
    ),
    "completeOtherCasesReview": M(
        {"input.escalationId": "escalation"},
        lambda h, d: _input(escalationId=h("escalation"), summary="Reviewed."),
    ),
    "sendExceptionReport": M(
        {"input.escalationId": "escalation"}, lambda h, d: _input(escalationId=h("escalation"))
    ),
    "recordSupervisionReview": M(
        {"input.escalationId": "escalation"},
        lambda h, d: _input(escalationId=h("escalation"), number=1, heldOn=d, notes="Held."),
    ),
    **{
        name: M(
            {
                "input.serviceId": "service",
                "input.teamId": "team",
                "input.childId": "child",
                "input.themeIds": "theme",
                **({"input.responderId": "person"} if name == "recordComplaint" else {}),
            },
            lambda h, d: _input(
                receivedOn=h("today"),
                source="PARENT_CARER",
                category="COMMUNICATION",
                summary="Not told the date.",
                teamId=h("team"),
            ),
        )
        for name in ("recordCompliment", "recordComplaint")
    },
    "extendComplaintStage": M(
        {"input.feedbackId": "feedback"},
        lambda h, d: _input(feedbackId=h("feedback"), reason="Complex."),
    ),
    "respondToComplaint": M(
        {"input.feedbackId": "feedback"},
        lambda h, d: _input(feedbackId=h("feedback"), finding="UPHELD", response="Sorry."),
    ),
    "escalateComplaint": M(
        {"input.feedbackId": "feedback", "input.responderId": "person"},
        lambda h, d: _input(feedbackId=h("feedback")),
    ),
    "closeComplaint": M(
        {"input.feedbackId": "feedback"}, lambda h, d: _input(feedbackId=h("feedback"))
    ),
    "withdrawComplaint": M(
        {"input.feedbackId": "feedback"},
        lambda h, d: _input(feedbackId=h("feedback"), reason="Resolved."),
    ),
    "recordComplaintPanel": M(
        {"input.feedbackId": "feedback"},
        lambda h, d: _input(
            feedbackId=h("feedback"), heldOn=h("today"), finding="UPHELD", recommendations="More."
        ),
    ),
    "createTaskAndFinishGroup": M(
        {"input.chairId": "person", "input.serviceId": "service"},
        lambda h, d: _input(name="Re-referrals", purpose="Why.", chairId=h("person")),
    ),
    "closeTaskAndFinishGroup": M(
        {"input.groupId": "group"}, lambda h, d: _input(groupId=h("group"))
    ),
    "recordGroupLearning": M(
        {"input.groupId": "group", "input.themeIds": "theme"},
        lambda h, d: _input(groupId=h("group"), text="Learnt.", themeIds=[], isStrength=True),
    ),
    "publishSurveyVersion": M({}, lambda h, d: {}),
    "createSurveyCampaign": M({}, lambda h, d: {}),
    "inviteToSurveyCampaign": M(
        {"campaignId": "campaign", "invitees.personId": "person"},
        lambda h, d: {
            "campaignId": h("campaign"),
            "invitees": [{"channel": "PRINT", "childReference": "NOBODY", "language": "en"}],
        },
    ),
    "drawSurveySample": M(
        {"campaignId": "campaign", "sample.teamIds": "team", "sample.serviceIds": "service"},
        lambda h, d: {
            "campaignId": h("campaign"),
            "sample": {
                "size": 1,
                "cohorts": [],
                "teamIds": [],
                "serviceIds": [],
                "includeParentCarers": False,
            },
        },
    ),
    "inviteTeamsToSurveyCampaign": M(
        {"campaignId": "campaign", "teamIds": "team"},
        lambda h, d: {"campaignId": h("campaign"), "teamIds": [h("team")]},
    ),
    "requestAuditFeedback": M(
        {"auditId": "audit", "invitees.personId": "person"},
        lambda h, d: {
            "auditId": h("audit"),
            "invitees": [{"channel": "PRINT", "language": "en"}],
        },
    ),
    **{
        name: M({"campaignId": "campaign"}, lambda h, d: {"campaignId": h("campaign")})
        for name in (
            "launchSurveyCampaign",
            "closeSurveyCampaign",
            "retryFailedSurveyInvitations",
        )
    },
    "recordSurveyOptOut": M({"personId": "person"}, lambda h, d: {}),
    "createService": M({}, lambda h, d: {}),
    "importChildren": M({}, lambda h, d: {}),
    "createTeam": M(
        {"input.serviceId": "service"}, lambda h, d: _input(serviceId=h("service"), name="New")
    ),
    "updateTeam": M(
        {"input.id": "team", "input.serviceId": "service"}, lambda h, d: _input(id=h("team"))
    ),
    "createPerson": M(
        {"input.teamId": "team", "input.lineManagerId": "person"},
        lambda h, d: _input(displayName="New Person", email=f"new.{uuid.uuid4().hex[:8]}@x.org"),
    ),
    "updatePerson": M(
        {"input.id": "person", "input.teamId": "team", "input.lineManagerId": "person"},
        lambda h, d: _input(id=h("person")),
    ),
    "grantRole": M(
        {"input.personId": "person", "input.serviceId": "service", "input.teamId": "team"},
        lambda h, d: _input(
            personId=h("person"), role="PRACTITIONER", scope="TEAM", teamId=h("team")
        ),
    ),
    "revokeRole": M({"input.grantId": "grant"}, lambda h, d: _input(grantId=h("grant"))),
}


# Ids of the child an audit is planned on: besides sight, the planning reach for the kind
# planned (read from the input) decides between NOT_ALLOWED and going ahead.
PLANNED_KIND: dict[tuple[str, str], Callable[[dict[str, Any]], str]] = {
    ("planAudit", "input.childId"): lambda v: str(v["input"]["kind"]),
    ("createBenchmarkRound", "input.childId"): lambda v: "BENCHMARKING",
}


# --- reading the schema ------------------------------------------------------------------------


def _id_paths(type_: Any, path: str, seen: frozenset[str]) -> list[tuple[str, bool]]:
    """Every ID-typed field under an argument: its dotted path and whether it is a list."""
    named = get_named_type(type_)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if named is GraphQLID:
        return [(path, is_list_type(inner))]
    if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        out: list[tuple[str, bool]] = []
        for name, field in named.fields.items():
            out += _id_paths(field.type, f"{path}.{name}", seen | {named.name})
        return out
    return []


def read_schema() -> GraphQLSchema:
    return build_schema(Path(SCHEMA_FILE).read_text(encoding="utf-8"))


def schema_ids(schema: GraphQLSchema) -> dict[str, dict[str, bool]]:
    assert schema.mutation_type is not None
    out: dict[str, dict[str, bool]] = {}
    for name, field in schema.mutation_type.fields.items():
        paths: list[tuple[str, bool]] = []
        for arg_name, arg in field.args.items():
            paths += _id_paths(arg.type, arg_name, frozenset())
        out[name] = dict(paths)
    return out


def document(name: str, field: GraphQLField) -> str:
    params = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
    args = ", ".join(f"{a}: ${a}" for a in field.args)
    head = f"mutation Try({params})" if params else "mutation Try"
    call = f"{name}({args})" if args else name
    return f"{head} {{ {call} {{ errors {{ code field }} }} }}"


def _set(variables: dict[str, Any], path: str, value: str, is_list: bool) -> None:
    """Put an id at a dotted path, creating what is missing; in a list of input objects, into
    its first item."""
    parts = path.split(".")
    node: Any = variables
    for part in parts[:-1]:
        if part not in node or node[part] is None:
            node[part] = {}
        node = node[part]
        if isinstance(node, list):
            node = node[0]
    node[parts[-1]] = [value] if is_list else value


# --- the world ---------------------------------------------------------------------------------


async def build_world(auth: Authority) -> None:
    """Two services' worth of audits in several states, benchmarking rounds, actions, an
    Inadequate process in each, complaints, groups and a campaign."""
    world = auth.world
    qa = auth.actor(auth.qa_lead)
    for auditor, child in ((auth.psw, auth.ann_children[0]), (auth.psw, auth.dan_children[0])):
        await plan(world, AuditKind.CASE_FILE, auditor, child)
        started = await plan(world, AuditKind.CASE_FILE, auditor, child)
        await advance(world, auth.actor(auditor), started.id, AuditStatus.IN_PROGRESS)
        done = await plan(world, AuditKind.CASE_FILE, auditor, child)
        await advance(world, auth.actor(auditor), done.id, AuditStatus.COMPLETED)
        await act(
            world,
            audits.add_action,
            auth.actor(auditor),
            audit_id=done.id,
            description="Update the plan.",
            owner_id=auditor.id,
            due_date=due(world),
        )
    # The QA Lead makes the Head of Children's Social Care auditor of a Family First case: they
    # see that child, and it stays outside their planning reach.
    await plan(world, AuditKind.CASE_FILE, auth.hos_csc, auth.dan_children[2], planner=qa)
    for child, auditors in (
        (auth.bob_children[1], [auth.gm, auth.qa_lead]),
        (auth.dan_children[1], [auth.hos_ff, auth.qa_lead]),
    ):
        await act(
            world,
            create_benchmark_round,
            qa,
            name="Spring",
            child_id=child.id,
            auditor_ids=[a.id for a in auditors],
            due_date=due(world),
        )
    # An Inadequate process in each service (its Head of Service is told: a notification).
    for child in (auth.bob_children[0], auth.dan_children[2]):
        audit = await plan(world, AuditKind.CASE_FILE, auth.psw, child)
        await advance(
            world, auth.actor(auth.psw), audit.id, AuditStatus.COMPLETED, grade=Grade.INADEQUATE
        )
        await act(
            world,
            audits.moderate_audit,
            qa,
            audit_id=audit.id,
            outcome=ModerationOutcome.CONFIRMED,
            reason="The plan does not address the neglect.",
            policy_settings=POLICY,
        )
    today = local_today(world.clock)
    for team in (auth.team_a, auth.team_c):
        await complaint(auth, team, today)
    for service, chair in ((auth.csc, auth.ann), (auth.ff, auth.dan)):
        await act(
            world,
            learning.create_group,
            qa,
            details=learning.GroupDetails(
                name="Re-referrals", purpose="Why.", chair_id=chair.id, service_id=service.id
            ),
        )
    await survey_defaults(world)
    await annual_campaign(world, qa, [], launch=False)


async def everything(auth: Authority) -> dict[str, list[uuid.UUID]]:
    from domain.audits.models import ProgrammeMonth
    from domain.deadlines.models import ClosureDay
    from domain.people.models import RoleGrant, Service, Team

    models: dict[str, Any] = {kind: model for kind, (model, _) in SCOPED.items()}
    models |= {
        "team": Team,
        "service": Service,
        "theme": Theme,
        "month": ProgrammeMonth,
        "closure_day": ClosureDay,
        "grant": RoleGrant,
    }
    async with auth.world.session_factory() as s:
        return {
            kind: list(await s.scalars(select(model.id).order_by(model.id)))
            for kind, model in models.items()
        }


async def visible_to(auth: Authority, actor: Actor) -> dict[str, set[uuid.UUID]]:
    """What the policy says this actor sees, kind by kind."""
    async with auth.world.session_factory() as s:
        return {
            kind: set(await s.scalars(select(model.id).where(condition(actor))))
            for kind, (model, condition) in SCOPED.items()
        }


async def visible_of_kind(auth: Authority, actor: Actor, kind: str) -> set[uuid.UUID]:
    model, condition = SCOPED[kind]
    async with auth.world.session_factory() as s:
        return set(await s.scalars(select(model.id).where(condition(actor))))


async def reach_of(auth: Authority, actor: Actor, kind: AuditKind) -> set[uuid.UUID]:
    """The children the policy lets this actor plan audits of `kind` on."""
    condition = audits_policy.planning_reach(actor, kind).children()
    async with auth.world.session_factory() as s:
        return set(await s.scalars(select(Child.id).where(condition)))


async def snapshot(auth: Authority) -> tuple[int, ...]:
    """Row counts of every table (history included), in one statement."""
    counts = ", ".join(f"(SELECT count(*) FROM {t.name})" for t in Base.metadata.sorted_tables)
    async with auth.world.session_factory() as s:
        row = (await s.execute(text(f"SELECT {counts}"))).one()
    return tuple(int(n) for n in row)


def gid(kind: str, value: uuid.UUID) -> str:
    from api.graphql.core.ids import global_id

    return str(global_id(TYPE_OF_KIND[kind], value))


def _norm(field: str | None) -> str:
    return re.sub(r"\[\d+\]|\.\d+", "", field or "")


def answer(body: dict[str, Any], name: str) -> list[tuple[str, str]]:
    """The refusals in an answer, as (code, field without list positions)."""
    if body.get("errors"):
        return [(e.get("extensions", {}).get("code", "?"), "") for e in body["errors"]]
    return [(e["code"], _norm(e["field"])) for e in body["data"][name]["errors"]]


def not_found_on(refusals: list[tuple[str, str]], path: str) -> bool:
    leaf = _norm(path).split(".")[-1]
    return any(code == "NOT_FOUND" and field.split(".")[-1] == leaf for code, field in refusals)


# --- the test ------------------------------------------------------------------------------------


async def test_every_mutation_id_and_every_role_against_the_policy(
    world: World, gql: GraphQL, audit_defaults: None
) -> None:
    # One long test on purpose: every test starts from empty tables, and the world takes
    # seconds to build, so it is built once and every call is made against it.
    started = time.monotonic()
    schema = read_schema()
    assert schema.mutation_type is not None
    found = schema_ids(schema)
    undeclared = sorted(set(found) - set(MUTATIONS))
    assert not undeclared, f"Mutations with no rule in this test's table: {undeclared}"
    assert not sorted(set(MUTATIONS) - set(found)), "Declared mutations not in the schema"
    for name, paths in found.items():
        missing = sorted(set(paths) - set(MUTATIONS[name].ids))
        assert not missing, f"{name}: id fields with no rule in this test's table: {missing}"
        gone = sorted(set(MUTATIONS[name].ids) - set(paths))
        assert not gone, f"{name}: declared id fields not in the schema: {gone}"
        for path in paths:
            assert MUTATIONS[name].ids[path] in TYPE_OF_KIND, (name, path)

    auth = await build_authority(world)
    await build_world(auth)
    objects = await everything(auth)
    assert all(objects[k] for k in SCOPED), {k: len(v) for k, v in objects.items()}
    d = (local_today(world.clock) + timedelta(days=14)).isoformat()
    today = local_today(world.clock).isoformat()
    people = [
        auth.admin,
        auth.partner,
        auth.ann,
        auth.tm_a,
        auth.hos_csc,
        auth.gm,
        auth.iro,
        auth.hos_ff,
        auth.qa_lead,
        auth.aed,
    ]
    sight = {p.id: await visible_to(auth, auth.actor(p)) for p in people}
    calls = 0
    problems: list[str] = []

    async def call(
        name: str, variables: dict[str, Any], as_: Person | None
    ) -> tuple[list[tuple[str, str]], bool]:
        nonlocal calls
        calls += 1
        before = await snapshot(auth)
        body = await gql(document(name, schema.mutation_type.fields[name]), variables, as_)  # type: ignore[union-attr]
        assert "data" in body and body["data"] is not None, (name, body)
        return answer(body, name), before != await snapshot(auth)

    def chooser(person: Person | None) -> Callable[[str], str]:
        seen = sight.get(person.id) if person is not None else None

        def home(kind: str) -> str:
            if kind == "today":
                return today
            if kind in ("kind", "planned"):
                roles = {g.role for g in auth.actor(person).grants} if person else set()
                plans = (
                    "DIP_SAMPLE"
                    if roles & {Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER}
                    else "PEER"
                    if Role.PRACTITIONER in roles
                    else "CASE_FILE"
                )
                if kind == "kind":
                    return plans
                assert person is not None or plans == "CASE_FILE"
                return gid("person", person.id if plans != "CASE_FILE" else auth.psw.id)  # type: ignore[union-attr]
            if kind in ("auditor", "auditor2"):
                # Auditors in the authority's pool, who neither hold nor manage the home child.
                return gid("person", (auth.psw if kind == "auditor" else auth.iro).id)
            ids = objects[kind]
            if seen is not None and kind in SCOPED:
                mine = [i for i in ids if i in seen[kind]]
                ids = mine or ids
            return gid(kind, ids[0] if ids else uuid.uuid4())

        return home

    for name, rule in sorted(MUTATIONS.items()):
        paths = found[name]
        if not rule.ids:
            continue
        # Anonymous: refused before anything is looked at.
        variables = rule.base(chooser(None), d)
        for path, kind in rule.ids.items():
            some = objects[kind][-1] if objects[kind] else uuid.uuid4()
            _set(variables, path, gid(kind, some), paths[path])
        refusals, changed = await call(name, variables, None)
        if refusals != [("UNAUTHENTICATED", "")] or changed:
            problems.append(f"{name} anonymous: {refusals} changed={changed}")
        for path, kind in rule.ids.items():
            if kind not in SCOPED:
                variables = rule.base(chooser(auth.qa_lead), d)
                _set(variables, path, gid(kind, uuid.uuid4()), paths[path])
                for person in (auth.qa_lead, auth.admin):
                    refusals, changed = await call(name, variables, person)
                    if changed or not refusals or any(c == "INTERNAL" for c, _ in refusals):
                        problems.append(f"{name} {path} no such {kind}: {refusals}")
                continue
            for person in people:
                # Fresh: another role's success may have widened it (an auditor planned).
                # As the API sees them now: grantRole may have given them a role meanwhile.
                actor = await actor_of(world, person)
                seen = await visible_of_kind(auth, actor, kind)
                sight[person.id][kind] = seen
                out = [i for i in objects[kind] if i not in seen]
                mine = [i for i in objects[kind] if i in seen]
                if out:
                    variables = rule.base(chooser(person), d)
                    _set(variables, path, gid(kind, out[0]), paths[path])
                    refusals, changed = await call(name, variables, person)
                    if changed:
                        problems.append(
                            f"{name} {path} as {person.display_name}: out of sight changed rows"
                        )
                    if not not_found_on(refusals, path):
                        _set(variables, path, gid(kind, uuid.uuid4()), paths[path])
                        ghost, _ = await call(name, variables, person)
                        if ghost != refusals:
                            problems.append(
                                f"{name} {path} as {person.display_name}: out of sight "
                                f"{refusals}, no such id {ghost}"
                            )
                if mine and path not in rule.not_any_in_sight:
                    variables = rule.base(chooser(person), d)
                    planned = PLANNED_KIND.get((name, path))
                    reach: set[uuid.UUID] = set()
                    if planned is not None:
                        kind_planned = AuditKind(planned(variables))
                        reach = await reach_of(auth, actor, kind_planned)
                        # A child seen but outside the planning reach, where there is one.
                        mine.sort(key=lambda i: i in reach)
                    _set(variables, path, gid(kind, mine[0]), paths[path])
                    refusals, changed = await call(name, variables, person)
                    if not_found_on(refusals, path):
                        problems.append(
                            f"{name} {path} as {person.display_name}: in sight but {refusals}"
                        )
                    if planned is not None and mine[0] not in reach:
                        if changed or not any(c == "NOT_ALLOWED" for c, _ in refusals):
                            problems.append(
                                f"{name} {path} as {person.display_name}: outside planning "
                                f"reach but {refusals} changed={changed}"
                            )
                    elif planned is not None and ("NOT_ALLOWED", _norm(path).split(".")[-1]) in [
                        (c, f.split(".")[-1]) for c, f in refusals
                    ]:
                        problems.append(
                            f"{name} {path} as {person.display_name}: inside planning reach "
                            f"but {refusals}"
                        )
    assert not problems, "\n".join(problems)
    elapsed = time.monotonic() - started
    assert calls > 300, calls
    print(f"{calls} mutation calls in {elapsed:.1f} s")
