"""Audits through GraphQL: who may do what, the collaborative case file audit end to end, typed
errors for bad input, who sees which audits, blind benchmarking, and the cost of a list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.audits import service as audits
from domain.audits.kinds import AuditKind, Grade
from domain.audits.models import Theme
from domain.audits.templates import DEFAULT_TEMPLATES
from domain.core.roles import SYSTEM, Role, ScopeType
from domain.history.models import HistoryEntry
from tests.conftest import GraphQL, StatementCounter, World, gid

pytestmark = pytest.mark.usefixtures("audit_defaults")

DUE = "2026-12-15"  # the suite's clock stands at 26 November 2026
CONVERSATION = "2026-11-20"
ERRORS = "errors { code field message }"

# Each mutation with its input type and what to read back from its payload.
MUTATIONS: dict[str, tuple[str, str]] = {
    "planAudit": ("PlanAuditInput", "audit { id status }"),
    "startAudit": ("AuditIdInput", "audit { id status }"),
    "saveAudit": ("SaveAuditInput", "audit { id status }"),
    "submitAudit": ("AuditIdInput", "audit { id status }"),
    "reopenAudit": ("AuditIdInput", "audit { id status }"),
    "addReflections": ("AddReflectionsInput", "audit { id practitionerReflections }"),
    "completeAudit": ("AuditIdInput", "audit { id status }"),
    "cancelAudit": ("CancelAuditInput", "audit { id status }"),
    "amendAudit": ("AmendAuditInput", "audit { id overallRationale }"),
    "moderateAudit": ("ModerateAuditInput", "moderation { id outcome }"),
    "addAuditAction": ("AddAuditActionInput", "action { id }"),
    "completeAuditAction": ("CompleteAuditActionInput", "action { id doneAt }"),
    "addLearningPoint": ("AddLearningPointInput", "learningPoint { id }"),
    "publishAuditTemplate": ("PublishAuditTemplateInput", "template { id version }"),
    "createTheme": ("CreateThemeInput", "theme { id }"),
    "setThemeActive": ("SetThemeActiveInput", "theme { id isActive }"),
    "setProgrammeMonth": ("SetProgrammeMonthInput", "programmeMonth { id notes }"),
    "drawSample": ("DrawSampleInput", "sample { id seed } audits { id }"),
    "createBenchmarkRound": ("CreateBenchmarkRoundInput", "benchmarkRound { id }"),
    "recordAgreedGrade": ("RecordAgreedGradeInput", "benchmarkRound { id agreedOverallGrade }"),
}


def full_record(grade: str = "GOOD", kind: AuditKind = AuditKind.CASE_FILE) -> dict[str, Any]:
    """Everything a finished audit of the kind's default template needs."""
    _, sections = DEFAULT_TEMPLATES[kind]
    by_type = {
        "YES_NO_NA": "YES",
        "SCALE_0_10": 7,
        "FREE_TEXT": "Seen, heard and safer.",
        "GRADE": grade,
    }
    answers = {
        q["key"]: by_type[q["type"]] for s in sections for q in s["questions"] if q["required"]
    }
    return {
        "answers": answers,
        "sectionGrades": [
            {"sectionKey": s["key"], "grade": grade, "rationale": f"{s['title']}: evidenced."}
            for s in sections
            if s["graded"]
        ],
        "overallGrade": grade,
        "overallRationale": "The plan is making a difference for the child.",
        "conversationDate": CONVERSATION,
    }


class Org(dict[str, Any]):
    """The people and cases of a small authority, by name."""


@pytest.fixture
async def org(world: World) -> Org:
    csc = await world.service()
    team_a = await world.team(csc, "Assessment Team")
    team_b = await world.team(csc, "Child Protection Team")
    aed = await world.person(
        "Ari Director", (Role.ASSISTANT_EXECUTIVE_DIRECTOR, ScopeType.AUTHORITY, None)
    )
    qa = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    gm = await world.person("Gale Manager", (Role.GROUP_MANAGER, ScopeType.SERVICE, csc))
    tm_a = await world.person(
        "Tam Manager", (Role.TEAM_MANAGER, ScopeType.TEAM, team_a), team=team_a
    )
    tm_b = await world.person(
        "Tib Manager", (Role.TEAM_MANAGER, ScopeType.TEAM, team_b), team=team_b
    )
    worker = await world.person(
        "Wyn Worker", (Role.PRACTITIONER, ScopeType.TEAM, team_a), team=team_a, line_manager=tm_a
    )
    worker_b = await world.person(
        "Bea Worker", (Role.PRACTITIONER, ScopeType.TEAM, team_b), team=team_b, line_manager=tm_b
    )
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    partner = await world.person(
        "Pat Police",
        (Role.PARTNER_AGENCY_MEMBER, ScopeType.AUTHORITY, None),
        partner_agency="Police",
    )
    (case_a,) = await world.children(team_a, 1, practitioner=worker, prefix="A")
    (case_b,) = await world.children(team_b, 1, practitioner=worker_b, prefix="B")
    return Org(
        csc=csc,
        team_a=team_a,
        team_b=team_b,
        aed=aed,
        qa=qa,
        gm=gm,
        tm_a=tm_a,
        tm_b=tm_b,
        worker=worker,
        worker_b=worker_b,
        admin=admin,
        partner=partner,
        case_a=case_a,
        case_b=case_b,
    )


async def call(
    gql: GraphQL, name: str, input: dict[str, Any], as_: Any, select_: str | None = None
) -> dict[str, Any]:
    input_type, selection = MUTATIONS[name]
    query = f"mutation($i: {input_type}!) {{ r: {name}(input: $i) {{ {select_ or selection} {ERRORS} }} }}"
    body = await gql(query, {"i": input}, as_=as_)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["r"]
    return result


async def ok(
    gql: GraphQL, name: str, input: dict[str, Any], as_: Any, select_: str | None = None
) -> dict[str, Any]:
    result = await call(gql, name, input, as_, select_)
    assert result["errors"] == [], result
    return result


async def plan(
    gql: GraphQL, org: Org, *, child: str = "case_a", auditor: str = "gm", as_: str = "qa"
) -> str:
    result = await ok(
        gql,
        "planAudit",
        {
            "kind": "CASE_FILE",
            "auditorId": gid("Person", org[auditor].id),
            "dueDate": DUE,
            "childId": gid("Child", org[child].id),
        },
        org[as_],
    )
    audit_id: str = result["audit"]["id"]
    return audit_id


STATES = ["PLANNED", "IN_PROGRESS", "SUBMITTED", "COMPLETED"]


async def audit_in(
    gql: GraphQL,
    org: Org,
    state: str,
    *,
    grade: str = "GOOD",
    child: str = "case_a",
    auditor: str = "gm",
) -> str:
    """An audit brought to `state` the way its auditor would, through the API."""
    audit_id = await plan(gql, org, child=child, auditor=auditor)
    by = org[auditor]
    steps = STATES[1 : STATES.index(state) + 1]
    for step in steps:
        if step == "IN_PROGRESS":
            await ok(gql, "startAudit", {"auditId": audit_id}, by)
            await ok(gql, "saveAudit", {"auditId": audit_id, **full_record(grade)}, by)
        elif step == "SUBMITTED":
            await ok(gql, "submitAudit", {"auditId": audit_id}, by)
        elif step == "COMPLETED":
            await ok(gql, "completeAudit", {"auditId": audit_id}, by)
    return audit_id


async def theme_id(gql: GraphQL, org: Org, name: str = "Neglect") -> str:
    body = await gql("{ themes { id name } }", as_=org["qa"])
    return str(next(t["id"] for t in body["data"]["themes"] if t["name"] == name))


async def benchmark_round(gql: GraphQL, org: Org) -> str:
    result = await ok(
        gql,
        "createBenchmarkRound",
        {
            "name": "Spring 2027",
            "childId": gid("Child", org["case_a"].id),
            "auditorIds": [gid("Person", org["gm"].id), gid("Person", org["tm_b"].id)],
            "dueDate": DUE,
        },
        org["qa"],
    )
    round_id: str = result["benchmarkRound"]["id"]
    return round_id


async def round_audits(gql: GraphQL, org: Org, round_id: str) -> dict[str, str]:
    """The round's audits by auditor name (as the QA Lead sees them)."""
    body = await gql(
        "query($id: ID!) { node(id: $id) { ... on BenchmarkRound { audits { id auditor { displayName } } } } }",
        {"id": round_id},
        as_=org["qa"],
    )
    return {a["auditor"]["displayName"]: a["id"] for a in body["data"]["node"]["audits"]}


async def submitted_round(gql: GraphQL, org: Org) -> str:
    round_id = await benchmark_round(gql, org)
    for name, audit_id in (await round_audits(gql, org, round_id)).items():
        auditor = org["gm"] if name == "Gale Manager" else org["tm_b"]
        await ok(gql, "startAudit", {"auditId": audit_id}, auditor)
        record = {k: v for k, v in full_record("GOOD").items() if k != "conversationDate"}
        await ok(gql, "saveAudit", {"auditId": audit_id, **record}, auditor)
        await ok(gql, "submitAudit", {"auditId": audit_id}, auditor)
    return round_id


async def history_count(world: World) -> int:
    async with world.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(HistoryEntry)) or 0)


async def prepare(gql: GraphQL, org: Org, name: str) -> dict[str, Any]:
    """The state a mutation needs, and an input a permitted person may apply to it."""

    def person(key: str) -> str:
        return gid("Person", org[key].id)

    match name:
        case "planAudit":
            return {
                "kind": "CASE_FILE",
                "auditorId": person("gm"),
                "dueDate": DUE,
                "childId": gid("Child", org["case_a"].id),
            }
        case "startAudit":
            return {"auditId": await audit_in(gql, org, "PLANNED")}
        case "saveAudit":
            return {
                "auditId": await audit_in(gql, org, "IN_PROGRESS"),
                "overallRationale": "Better.",
            }
        case "submitAudit":
            return {"auditId": await audit_in(gql, org, "IN_PROGRESS")}
        case "reopenAudit" | "completeAudit":
            return {"auditId": await audit_in(gql, org, "SUBMITTED")}
        case "addReflections":
            return {
                "auditId": await audit_in(gql, org, "IN_PROGRESS"),
                "reflections": "The visits were planned around school.",
                "agreement": "AGREE",
            }
        case "cancelAudit":
            return {"auditId": await audit_in(gql, org, "PLANNED"), "reason": "Case closed."}
        case "amendAudit":
            return {
                "auditId": await audit_in(gql, org, "COMPLETED"),
                "overallRationale": "Clearer now.",
                "reason": "A typo in the rationale.",
            }
        case "moderateAudit":
            return {
                "auditId": await audit_in(gql, org, "COMPLETED", grade="INADEQUATE"),
                "outcome": "CONFIRMED",
                "reason": "The evidence supports Inadequate.",
            }
        case "addAuditAction":
            return {
                "auditId": await audit_in(gql, org, "COMPLETED"),
                "description": "Update the chronology.",
                "ownerId": person("worker"),
                "dueDate": DUE,
            }
        case "completeAuditAction":
            audit_id = await audit_in(gql, org, "COMPLETED")
            action = await ok(
                gql,
                "addAuditAction",
                {
                    "auditId": audit_id,
                    "description": "Update the chronology.",
                    "ownerId": person("worker"),
                    "dueDate": DUE,
                },
                org["gm"],
            )
            return {"actionId": action["action"]["id"], "note": "Done on Monday."}
        case "addLearningPoint":
            return {
                "auditId": await audit_in(gql, org, "COMPLETED"),
                "text": "Direct work with the child shaped the plan.",
                "isStrength": True,
                "themeIds": [await theme_id(gql, org)],
            }
        case "publishAuditTemplate":
            return {
                "kind": "DIP_SAMPLE",
                "name": "Dip sample v2",
                "sections": [
                    {
                        "key": "plan_progress",
                        "title": "Is the plan progressing?",
                        "graded": True,
                        "questions": [
                            {
                                "key": "plan_ok",
                                "text": "Is it?",
                                "type": "YES_NO_NA",
                                "required": True,
                            }
                        ],
                    }
                ],
                "changeNote": "Shorter.",
            }
        case "createTheme":
            return {"kind": "THEME", "name": "Online harm"}
        case "setThemeActive":
            return {"id": await theme_id(gql, org), "active": False}
        case "setProgrammeMonth":
            return {
                "month": "2026-12-01",
                "notes": "Neglect in December.",
                "expectations": [{"auditorId": person("gm"), "expectedAudits": 2}],
            }
        case "drawSample":
            return {
                "month": "2026-12-01",
                "kind": "CASE_FILE",
                "auditorIds": [person("gm"), person("tm_b")],
                "dueDate": DUE,
                "count": 2,
                "seed": "20261126",
            }
        case "createBenchmarkRound":
            return {
                "name": "Spring 2027",
                "childId": gid("Child", org["case_a"].id),
                "auditorIds": [person("gm"), person("tm_b")],
                "dueDate": DUE,
            }
        case "recordAgreedGrade":
            return {
                "roundId": await submitted_round(gql, org),
                "overallGrade": "GOOD",
                "sectionGrades": [{"sectionKey": "practice", "grade": "GOOD"}],
                "rationale": "Both auditors saw purposeful visits.",
            }
    raise AssertionError(name)


# Who must not, and who may, use each mutation (DOMAIN.md's roles; the domain's policy).
REFUSED: dict[str, list[str]] = {
    "planAudit": ["worker", "tm_a", "admin", "partner"],
    "startAudit": ["qa", "tm_a"],
    "saveAudit": ["qa", "worker"],
    "submitAudit": ["qa"],
    "reopenAudit": ["aed"],
    "addReflections": ["gm", "tm_a"],
    "completeAudit": ["qa"],
    "cancelAudit": ["worker", "tm_a"],
    "amendAudit": ["worker", "tm_a"],
    "moderateAudit": ["aed", "gm"],
    "addAuditAction": ["worker", "tm_a"],
    "completeAuditAction": ["tm_a", "worker_b"],
    "addLearningPoint": ["worker"],
    "publishAuditTemplate": ["aed", "worker"],
    "createTheme": ["aed", "admin"],
    "setThemeActive": ["aed", "worker"],
    "setProgrammeMonth": ["tm_a", "worker"],
    "drawSample": ["tm_a", "gm"],
    "createBenchmarkRound": ["tm_a", "worker"],
    "recordAgreedGrade": ["tm_a", "gm"],
}
# Refused because the object is out of their sight: that reads as an id that does not exist.
OUT_OF_SIGHT = {("completeAuditAction", "worker_b")}
ALLOWED: dict[str, str] = {
    "planAudit": "aed",
    "startAudit": "gm",
    "saveAudit": "gm",
    "submitAudit": "gm",
    "reopenAudit": "gm",
    "addReflections": "worker",
    "completeAudit": "gm",
    "cancelAudit": "aed",
    "amendAudit": "qa",
    "moderateAudit": "qa",
    "addAuditAction": "gm",
    "completeAuditAction": "worker",
    "addLearningPoint": "gm",
    "publishAuditTemplate": "qa",
    "createTheme": "qa",
    "setThemeActive": "qa",
    "setProgrammeMonth": "aed",
    "drawSample": "aed",
    "createBenchmarkRound": "qa",
    "recordAgreedGrade": "qa",
}


@pytest.mark.parametrize(
    ("name", "refused"), [(name, role) for name, roles in REFUSED.items() for role in roles]
)
async def test_a_mutation_is_refused_to_a_role_that_must_not_use_it(
    gql: GraphQL, world: World, org: Org, name: str, refused: str
) -> None:
    input = await prepare(gql, org, name)
    before = await history_count(world)
    result = await call(gql, name, input, org[refused])
    expected = "NOT_FOUND" if (name, refused) in OUT_OF_SIGHT else "NOT_ALLOWED"
    assert [e["code"] for e in result["errors"]] == [expected], result
    assert await history_count(world) == before


@pytest.mark.parametrize("name", list(ALLOWED))
async def test_a_mutation_is_allowed_to_a_role_that_may_use_it(
    gql: GraphQL, world: World, org: Org, name: str
) -> None:
    input = await prepare(gql, org, name)
    before = await history_count(world)
    await ok(gql, name, input, org[ALLOWED[name]])
    assert await history_count(world) > before


async def test_anonymous_mutations_are_refused(gql: GraphQL, org: Org) -> None:
    input = await prepare(gql, org, "planAudit")
    result = await call(gql, "planAudit", input, None)
    assert result["errors"][0]["code"] == "UNAUTHENTICATED"
    body = await gql("{ audits { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


AUDIT = """
query($id: ID!) { node(id: $id) { ... on Audit {
  id kind status dueDate conversationDate practitionerReflections practitionerAgreement
  overallGrade overallRationale moderatedOverallGrade effectiveGrade answers completedAt
  child { caseReference } auditor { displayName } subjectPractitioner { displayName }
  team { name } template { kind version sections { key graded questions { key type required } } }
  sectionGrades { sectionKey sectionTitle grade rationale moderatedGrade }
  voices { who said } themes { name }
  moderations { outcome originalOverallGrade moderatedOverallGrade reason moderator { displayName } }
  actions { description owner { displayName } dueDate doneAt }
  learningPoints { text isStrength themes { name } }
  events { name occurredAt payload }
} } }
"""


async def test_a_collaborative_case_file_audit_from_plan_to_learning(
    gql: GraphQL, world: World, org: Org
) -> None:
    # The AED plans the month's case file audit of Wyn's case, for Gale to do.
    audit_id = await plan(gql, org, as_="aed")
    todo = await gql("{ myAuditsToDo { totalCount edges { node { id status } } } }", as_=org["gm"])
    assert todo["data"]["myAuditsToDo"]["edges"] == [
        {"node": {"id": audit_id, "status": "PLANNED"}}
    ]

    # Gale starts it and records it over two sittings, with the child's and the mother's voices.
    await ok(gql, "startAudit", {"auditId": audit_id}, org["gm"])
    record = full_record("INADEQUATE")
    first_sitting = {
        "answers": record["answers"],
        "voices": [
            {"who": "CHILD", "said": "I like my foster carer."},
            {"who": "PARENT", "said": "Nobody calls back."},
        ],
    }
    await ok(gql, "saveAudit", {"auditId": audit_id, **first_sitting}, org["gm"])
    rest = {k: v for k, v in record.items() if k != "answers"}
    await ok(gql, "saveAudit", {"auditId": audit_id, **rest}, org["gm"])
    submitted = await ok(gql, "submitAudit", {"auditId": audit_id}, org["gm"])
    assert submitted["audit"]["status"] == "SUBMITTED"

    # Wyn, whose case it is, adds reflections; then Gale completes it as Inadequate.
    reflected = await ok(
        gql,
        "addReflections",
        {
            "auditId": audit_id,
            "reflections": "Caseload pressure delayed the plan.",
            "agreement": "PARTLY_AGREE",
        },
        org["worker"],
    )
    assert reflected["audit"]["practitionerReflections"] == "Caseload pressure delayed the plan."
    completed = await ok(gql, "completeAudit", {"auditId": audit_id}, org["gm"])
    assert completed["audit"]["status"] == "COMPLETED"

    # The QA Lead moderates it and confirms Inadequate.
    moderated = await ok(
        gql,
        "moderateAudit",
        {"auditId": audit_id, "outcome": "CONFIRMED", "reason": "No visits for eight weeks."},
        org["qa"],
        "moderation { outcome originalOverallGrade moderatedOverallGrade audit { id } }",
    )
    assert moderated["moderation"] == {
        "outcome": "CONFIRMED",
        "originalOverallGrade": "INADEQUATE",
        "moderatedOverallGrade": "INADEQUATE",
        "audit": {"id": audit_id},
    }

    # Gale records an action for Wyn and a learning point tagged with a theme.
    action = await ok(
        gql,
        "addAuditAction",
        {
            "auditId": audit_id,
            "description": "Visit the child this week.",
            "ownerId": gid("Person", org["worker"].id),
            "dueDate": "2026-12-01",
        },
        org["gm"],
    )
    neglect = await theme_id(gql, org)
    await ok(
        gql,
        "addLearningPoint",
        {"auditId": audit_id, "text": "Visits lapse when caseloads peak.", "themeIds": [neglect]},
        org["gm"],
    )
    done = await ok(
        gql,
        "completeAuditAction",
        {"actionId": action["action"]["id"], "note": "Visited."},
        org["worker"],
    )
    assert done["action"]["doneAt"] is not None

    body = await gql(AUDIT, {"id": audit_id}, as_=org["qa"])
    audit = body["data"]["node"]
    assert audit["status"] == "COMPLETED" and audit["effectiveGrade"] == "INADEQUATE"
    assert audit["child"] == {"caseReference": org["case_a"].case_reference}
    assert audit["auditor"] == {"displayName": "Gale Manager"}
    assert audit["subjectPractitioner"] == {"displayName": "Wyn Worker"}
    assert audit["team"] == {"name": "Assessment Team"}
    assert audit["practitionerAgreement"] == "PARTLY_AGREE"
    assert audit["conversationDate"] == CONVERSATION
    assert audit["template"]["version"] == 1 and audit["template"]["kind"] == "CASE_FILE"
    assert {g["sectionKey"]: g["sectionTitle"] for g in audit["sectionGrades"]} == {
        "child_experience": "The child's experiences and outcomes",
        "management_oversight": "Management oversight and support",
        "practice": "Quality of practice",
        "recording": "Quality of recording",
    }
    assert audit["answers"]["safer_scale"] == 7
    assert audit["voices"][0] == {"who": "CHILD", "said": "I like my foster carer."}
    assert audit["moderations"][0]["moderator"] == {"displayName": "Quinn Lead"}
    assert audit["actions"][0]["owner"] == {"displayName": "Wyn Worker"}
    assert audit["learningPoints"] == [
        {
            "text": "Visits lapse when caseloads peak.",
            "isStrength": False,
            "themes": [{"name": "Neglect"}],
        }
    ]
    assert "audit.completed_inadequate" in [e["name"] for e in audit["events"]]

    # Wyn sees it among the audits of their cases, and in the child's audit history.
    mine = await gql(
        "{ auditsOfMyCases { totalCount edges { node { id effectiveGrade } } } }", as_=org["worker"]
    )
    assert mine["data"]["auditsOfMyCases"]["edges"] == [
        {"node": {"id": audit_id, "effectiveGrade": "INADEQUATE"}}
    ]
    child = await gql(
        "query($id: ID!) { node(id: $id) { ... on Child { audits { totalCount edges { node { id } } } } } }",
        {"id": gid("Child", org["case_a"].id)},
        as_=org["worker"],
    )
    assert child["data"]["node"]["audits"]["edges"] == [{"node": {"id": audit_id}}]
    actions = await gql(
        "{ auditActions(filter: {openOnly: false}) { totalCount edges { node { description audit { id } } } } }",
        as_=org["worker"],
    )
    assert actions["data"]["auditActions"]["edges"] == [
        {"node": {"description": "Visit the child this week.", "audit": {"id": audit_id}}}
    ]
    learning = await gql(
        "query($t: ID) { learningPoints(filter: {themeId: $t}) { totalCount edges { node { text audit { id } } } } }",
        {"t": neglect},
        as_=org["qa"],
    )
    assert learning["data"]["learningPoints"]["totalCount"] == 1


async def test_the_child_audit_history_is_newest_completed_first(
    gql: GraphQL, world: World, org: Org
) -> None:
    first = await audit_in(gql, org, "COMPLETED", grade="REQUIRES_IMPROVEMENT")
    world.clock.advance(timedelta(days=2))
    second = await audit_in(gql, org, "COMPLETED", grade="GOOD")
    await audit_in(gql, org, "IN_PROGRESS")
    body = await gql(
        "query($id: ID!) { node(id: $id) { ... on Child { audits { edges { node { id previousAudit { id } } } } } } }",
        {"id": gid("Child", org["case_a"].id)},
        as_=org["qa"],
    )
    edges = [e["node"] for e in body["data"]["node"]["audits"]["edges"]]
    assert edges == [
        {"id": second, "previousAudit": {"id": first}},
        {"id": first, "previousAudit": None},
    ]


@pytest.mark.parametrize(
    ("name", "change", "field"),
    [
        (
            "saveAudit",
            {"sectionGrades": [{"sectionKey": "nope", "grade": "GOOD", "rationale": "x"}]},
            "sectionGrades[0].sectionKey",
        ),
        (
            "saveAudit",
            {"sectionGrades": [{"sectionKey": "practice", "grade": "GOOD", "rationale": " "}]},
            "sectionGrades[0].rationale",
        ),
        ("saveAudit", {"answers": {"safer_scale": 11}}, "answers.safer_scale"),
        ("saveAudit", {"answers": {"no_such_question": "YES"}}, "answers.no_such_question"),
        ("saveAudit", {"answers": ["YES"]}, "answers"),
        ("saveAudit", {"voices": [{"who": "NEIGHBOUR", "said": "Loud."}]}, "voices[0].who"),
        ("saveAudit", {"conversationDate": "2027-01-01"}, "conversationDate"),
        ("saveAudit", {"auditId": "garbage"}, "auditId"),
        (
            "saveAudit",
            {"auditId": gid("Person", "6f1c2b59-0c52-4a4e-8f3f-7d3c1b1c7a10")},
            "auditId",
        ),
        ("submitAudit", {}, "answers.recording_up_to_date"),
    ],
)
async def test_bad_audit_input_gets_a_typed_error_and_changes_nothing(
    gql: GraphQL, world: World, org: Org, name: str, change: dict[str, Any], field: str
) -> None:
    audit_id = await audit_in(gql, org, "PLANNED")
    await ok(gql, "startAudit", {"auditId": audit_id}, org["gm"])
    before = await history_count(world)
    result = await call(gql, name, {"auditId": audit_id, **change}, org["gm"])
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", field)]
    assert await history_count(world) == before


@pytest.mark.parametrize(
    ("name", "change", "field"),
    [
        ("planAudit", {"auditorId": "garbage"}, "auditorId"),
        ("planAudit", {"childId": None}, "childId"),
        ("planAudit", {"dueDate": "2026-11-01"}, "dueDate"),
        ("planAudit", {"auditorId": "worker"}, "auditorId"),  # a practitioner is not in the pool
        ("planAudit", {"kind": "THEMATIC", "themeIds": ["VGhlbWU6eA=="]}, "themeIds[0]"),
        ("drawSample", {"percentage": 10}, "count"),
        ("drawSample", {"seed": "not a number"}, "seed"),
        ("drawSample", {"auditorIds": ["garbage"]}, "auditorIds[0]"),
        (
            "setProgrammeMonth",
            {"expectations": [{"auditorId": "gm", "expectedAudits": 101}]},
            "expectations[0].expectedAudits",
        ),
        (
            "publishAuditTemplate",
            {"sections": [{"key": "Bad Key", "title": "x", "graded": True}]},
            "sections[0].key",
        ),
        ("createBenchmarkRound", {"auditorIds": ["gm"]}, "auditorIds"),
    ],
)
async def test_bad_programme_input_gets_a_typed_error_and_changes_nothing(
    gql: GraphQL, world: World, org: Org, name: str, change: dict[str, Any], field: str
) -> None:
    input = await prepare(gql, org, name)
    people = {k: gid("Person", v.id) for k, v in org.items() if hasattr(v, "email")}
    for key, value in change.items():
        if key == "auditorId" and value in people:
            change = {**change, key: people[value]}
        if key == "auditorIds":
            change = {**change, key: [people.get(v, v) for v in value]}
        if key == "expectations":
            change = {**change, key: [{**e, "auditorId": people[e["auditorId"]]} for e in value]}
    before = await history_count(world)
    result = await call(gql, name, {**input, **change}, org[ALLOWED[name]])
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", field)]
    assert await history_count(world) == before


async def test_a_practitioner_sees_the_audits_of_their_cases_and_not_others(
    gql: GraphQL, org: Org
) -> None:
    own = await audit_in(gql, org, "COMPLETED", child="case_a")
    other = await audit_in(gql, org, "COMPLETED", child="case_b", auditor="tm_a")
    query = "{ audits(first: 100) { totalCount edges { node { id child { caseReference } } } } }"

    wyn = await gql(query, as_=org["worker"])
    assert [e["node"]["id"] for e in wyn["data"]["audits"]["edges"]] == [own]
    assert wyn["data"]["audits"]["totalCount"] == 1
    mine = await gql("{ auditsOfMyCases { edges { node { id } } } }", as_=org["worker"])
    assert [e["node"]["id"] for e in mine["data"]["auditsOfMyCases"]["edges"]] == [own]

    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await gql(node, {"id": own}, as_=org["worker"]))["data"]["node"] == {"id": own}
    assert (await gql(node, {"id": other}, as_=org["worker"]))["data"]["node"] is None
    assert (await gql(node, {"id": other}, as_=org["worker_b"]))["data"]["node"] == {"id": other}
    # A manager sees their team's; the QA Lead sees both; an administrator and a partner none.
    assert (await gql(query, as_=org["tm_b"]))["data"]["audits"]["totalCount"] == 1
    assert (await gql(query, as_=org["qa"]))["data"]["audits"]["totalCount"] == 2
    for nobody in ("admin", "partner"):
        assert (await gql(query, as_=org[nobody]))["data"]["audits"]["totalCount"] == 0
        assert (await gql(node, {"id": own}, as_=org[nobody]))["data"]["node"] is None


JUDGEMENT = """
query($id: ID!) { node(id: $id) { ... on BenchmarkRound { name agreedOverallGrade
  audits { auditor { displayName } status overallGrade overallRationale effectiveGrade answers
           sectionGrades { grade } moderations { outcome } events { name } } } } }
"""


async def test_benchmarking_is_blind_until_every_auditor_has_submitted(
    gql: GraphQL, org: Org
) -> None:
    round_id = await benchmark_round(gql, org)
    ids = await round_audits(gql, org, round_id)
    gale, tib = ids["Gale Manager"], ids["Tib Manager"]
    record = {
        k: v for k, v in full_record("REQUIRES_IMPROVEMENT").items() if k != "conversationDate"
    }
    for audit_id, auditor in ((gale, org["gm"]), (tib, org["tm_b"])):
        await ok(gql, "startAudit", {"auditId": audit_id}, auditor)
    await ok(gql, "saveAudit", {"auditId": tib, **record}, org["tm_b"])
    await ok(gql, "submitAudit", {"auditId": tib}, org["tm_b"])
    await ok(gql, "saveAudit", {"auditId": gale, **record, "overallGrade": "GOOD"}, org["gm"])

    def by_auditor(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {a["auditor"]["displayName"]: a for a in body["data"]["node"]["audits"]}

    # Gale (who sees the service's audits) may not see Tib's judgement while Gale is at work.
    seen = by_auditor(await gql(JUDGEMENT, {"id": round_id}, as_=org["gm"]))
    assert seen["Tib Manager"]["status"] == "SUBMITTED"
    hidden = {
        k: seen["Tib Manager"][k]
        for k in (
            "overallGrade",
            "overallRationale",
            "effectiveGrade",
            "answers",
            "sectionGrades",
            "events",
        )
    }
    assert hidden == {
        "overallGrade": None,
        "overallRationale": None,
        "effectiveGrade": None,
        "answers": {},
        "sectionGrades": [],
        "events": [],
    }
    assert seen["Gale Manager"]["overallGrade"] == "GOOD"
    direct = await gql(
        "query($id: ID!) { node(id: $id) { ... on Audit { overallGrade sectionGrades { grade } } } }",
        {"id": tib},
        as_=org["gm"],
    )
    assert direct["data"]["node"] == {"overallGrade": None, "sectionGrades": []}
    listed = await gql(
        "query($r: ID) { audits(filter: {benchmarkRoundId: $r}) { edges { node { auditor { displayName } overallGrade } } } }",
        {"r": round_id},
        as_=org["gm"],
    )
    assert {"auditor": {"displayName": "Tib Manager"}, "overallGrade": None} in [
        e["node"] for e in listed["data"]["audits"]["edges"]
    ]

    # The QA Lead, who is not auditing in the round, sees every judgement.
    qa = by_auditor(await gql(JUDGEMENT, {"id": round_id}, as_=org["qa"]))
    assert qa["Tib Manager"]["overallGrade"] == "REQUIRES_IMPROVEMENT"
    assert len(qa["Tib Manager"]["sectionGrades"]) == 4

    # A grade cannot be agreed yet; once Gale submits, the round is open to its auditors.
    agreed = {"roundId": round_id, "overallGrade": "GOOD", "rationale": "Agreed at the panel."}
    early = await call(gql, "recordAgreedGrade", agreed, org["qa"])
    assert early["errors"][0]["code"] == "CONFLICT"
    await ok(gql, "submitAudit", {"auditId": gale}, org["gm"])
    seen = by_auditor(await gql(JUDGEMENT, {"id": round_id}, as_=org["gm"]))
    assert seen["Tib Manager"]["overallGrade"] == "REQUIRES_IMPROVEMENT"
    assert len(seen["Tib Manager"]["sectionGrades"]) == 4
    result = await ok(gql, "recordAgreedGrade", agreed, org["qa"])
    assert result["benchmarkRound"]["agreedOverallGrade"] == "GOOD"


async def test_templates_themes_and_the_programme_read_back(gql: GraphQL, org: Org) -> None:
    body = await gql(
        "{ auditTemplates(kind: CASE_FILE) { id kind version name sections { key title graded questions { key text type required help } } } }",
        as_=org["worker"],
    )
    (template,) = body["data"]["auditTemplates"]
    assert template["version"] == 1 and len(template["sections"]) == 6
    assert template["sections"][3]["questions"][0]["type"] == "SCALE_0_10"
    themes = await gql("{ themes(kind: ASPECT_OF_PRACTICE) { name isActive } }", as_=org["worker"])
    assert {"name": "Section 47 enquiries", "isActive": True} in themes["data"]["themes"]

    await ok(gql, "setProgrammeMonth", await prepare(gql, org, "setProgrammeMonth"), org["aed"])
    await audit_in(gql, org, "COMPLETED")
    query = '{ programmeMonth(month: "2026-12-09") { month notes progress { auditor { displayName } expected allocated completed overdue } } }'
    month = await gql(query, as_=org["aed"])
    assert month["data"]["programmeMonth"] == {
        "month": "2026-12-01",
        "notes": "Neglect in December.",
        "progress": [
            {
                "auditor": {"displayName": "Gale Manager"},
                "expected": 2,
                "allocated": 1,
                "completed": 1,
                "overdue": 0,
            }
        ],
    }
    none = await gql('{ programmeMonth(month: "2027-03-01") { month } }', as_=org["aed"])
    assert none["data"]["programmeMonth"] is None


async def test_a_dry_run_draw_shows_the_allocation_and_keeps_nothing(
    gql: GraphQL, world: World, org: Org
) -> None:
    input = {**await prepare(gql, org, "drawSample"), "dryRun": True}
    before = await history_count(world)
    selection = "sample { seed candidates requestedCount children { caseReference } audits { id } } audits { id } allocations { child { caseReference } auditor { displayName } }"
    dry = await ok(gql, "drawSample", input, org["aed"], selection)
    assert await history_count(world) == before
    assert dry["sample"]["seed"] == "20261126" and dry["sample"]["candidates"] == 2
    assert dry["audits"] == [] and dry["sample"]["audits"] == []
    # Tib manages Bea's case, so it goes to Gale; nobody audits a case they manage.
    allocation = {
        a["child"]["caseReference"]: a["auditor"]["displayName"] for a in dry["allocations"]
    }
    assert set(allocation) == {org["case_a"].case_reference, org["case_b"].case_reference}
    assert allocation[org["case_b"].case_reference] == "Gale Manager"

    real = await ok(
        gql, "drawSample", {**input, "dryRun": False}, org["aed"], selection + " sample { id }"
    )
    assert len(real["audits"]) == 2 and len(real["sample"]["audits"]) == 2
    assert sorted(c["caseReference"] for c in real["sample"]["children"]) == sorted(
        c["caseReference"] for c in dry["sample"]["children"]
    )
    node = "query($id: ID!) { node(id: $id) { ... on Sample { seed audits { id } children { caseReference } } } }"
    read = await gql(node, {"id": real["sample"]["id"]}, as_=org["aed"])
    assert read["data"]["node"]["seed"] == "20261126" and len(read["data"]["node"]["children"]) == 2
    assert (await gql(node, {"id": real["sample"]["id"]}, as_=org["worker"]))["data"][
        "node"
    ] is None


async def test_node_resolves_every_audit_type_for_those_who_may_see_it(
    gql: GraphQL, world: World, org: Org
) -> None:
    audit_id = await audit_in(gql, org, "COMPLETED", grade="INADEQUATE")
    moderation = await ok(
        gql,
        "moderateAudit",
        {
            "auditId": audit_id,
            "outcome": "REGRADED",
            "overallGrade": "REQUIRES_IMPROVEMENT",
            "sectionGrades": [{"sectionKey": "practice", "grade": "REQUIRES_IMPROVEMENT"}],
            "reason": "Visits did happen.",
        },
        org["qa"],
        "moderation { id sectionGrades }",
    )
    assert moderation["moderation"]["sectionGrades"] == {
        "practice": ["INADEQUATE", "REQUIRES_IMPROVEMENT"]
    }
    action = await ok(
        gql,
        "addAuditAction",
        {
            "auditId": audit_id,
            "description": "Chronology.",
            "ownerId": gid("Person", org["worker"].id),
            "dueDate": DUE,
        },
        org["gm"],
    )
    point = await ok(
        gql,
        "addLearningPoint",
        {
            "auditId": audit_id,
            "text": "Good direct work.",
            "isStrength": True,
            "themeIds": [await theme_id(gql, org)],
        },
        org["gm"],
    )
    month = await ok(
        gql, "setProgrammeMonth", {"month": "2026-12-01", "notes": "December."}, org["aed"]
    )
    round_id = await benchmark_round(gql, org)
    template = (await gql("{ auditTemplates(kind: PEER) { id } }", as_=org["qa"]))["data"][
        "auditTemplates"
    ][0]["id"]
    ids = {
        "Audit": audit_id,
        "Moderation": moderation["moderation"]["id"],
        "AuditAction": action["action"]["id"],
        "LearningPoint": point["learningPoint"]["id"],
        "ProgrammeMonth": month["programmeMonth"]["id"],
        "BenchmarkRound": round_id,
        "AuditTemplate": template,
        "Theme": await theme_id(gql, org),
    }
    node = "query($id: ID!) { node(id: $id) { __typename id } }"
    for type_name, node_id in ids.items():
        body = await gql(node, {"id": node_id}, as_=org["qa"])
        assert body["data"]["node"] == {"__typename": type_name, "id": node_id}
    # Bea, a practitioner in the other team, sees none of what belongs to Wyn's case.
    for type_name in ("Audit", "Moderation", "AuditAction", "LearningPoint", "BenchmarkRound"):
        body = await gql(node, {"id": ids[type_name]}, as_=org["worker_b"])
        assert body["data"]["node"] is None, type_name
    regraded = await gql(
        "query($id: ID!) { node(id: $id) { ... on Audit { effectiveGrade moderatedOverallGrade sectionGrades { sectionKey moderatedGrade } } } }",
        {"id": audit_id},
        as_=org["worker"],
    )
    assert regraded["data"]["node"]["effectiveGrade"] == "REQUIRES_IMPROVEMENT"
    assert {"sectionKey": "practice", "moderatedGrade": "REQUIRES_IMPROVEMENT"} in regraded["data"][
        "node"
    ]["sectionGrades"]


LIST = """
query($first: Int) {
  audits(first: $first) {
    totalCount
    edges { node { id kind status dueDate effectiveGrade overallGrade
      child { caseReference team { name } }
      auditor { displayName }
      template { version }
      sectionGrades { grade sectionTitle }
      themes { name }
      previousAudit { id } } }
  }
}
"""


async def test_a_list_of_1_and_of_100_audits_cost_the_same_statements(
    gql: GraphQL, world: World, org: Org, sql_counter: StatementCounter
) -> None:
    csc = org["csc"]
    teams = [await world.team(csc, f"Team {i}") for i in range(3)]
    cases = [c for i, t in enumerate(teams) for c in await world.children(t, 9, prefix=f"L{i}")]
    async with world.session_factory() as s:
        themes = list(await s.scalars(select(Theme).order_by(Theme.name).limit(2)))
    record = full_record("GOOD")
    for i in range(100):
        child = cases[i % len(cases)]
        async with world.session_factory() as s, s.begin():
            audit = await audits.plan_audit(
                session=s,
                actor=SYSTEM,
                clock=world.clock,
                plan=audits.AuditPlan(
                    kind=AuditKind.THEMATIC if i % 2 else AuditKind.CASE_FILE,
                    auditor_id=org["gm"].id if i % 3 else org["tm_b"].id,
                    due_date=world.clock.now().date() + timedelta(days=1 + i),
                    child_id=child.id,
                    theme_ids=[t.id for t in themes] if i % 2 else [],
                ),
            )
            if i % 5 == 4:
                continue
            await audits.start_audit(session=s, actor=SYSTEM, clock=world.clock, audit_id=audit.id)
            await audits.save_audit(
                session=s,
                actor=SYSTEM,
                clock=world.clock,
                audit_id=audit.id,
                record=audits.AuditRecord(
                    answers=record["answers"],
                    section_grades=[
                        audits.SectionGradeInput(g["sectionKey"], Grade(g["grade"]), g["rationale"])
                        for g in record["sectionGrades"]
                    ],
                    overall_grade=Grade.GOOD,
                    overall_rationale="Good work.",
                    conversation_date=world.clock.now().date() - timedelta(days=1),
                ),
            )
            await audits.submit_audit(session=s, actor=SYSTEM, clock=world.clock, audit_id=audit.id)
            await audits.complete_audit(
                session=s, actor=SYSTEM, clock=world.clock, audit_id=audit.id
            )
        world.clock.advance(timedelta(hours=1))

    async def cost(first: int) -> int:
        sql_counter.start()
        body = await gql(LIST, {"first": first}, as_=org["qa"])
        assert "errors" not in body, body
        edges = body["data"]["audits"]["edges"]
        assert len(edges) == first
        assert all(e["node"]["child"]["team"]["name"] for e in edges)
        return sql_counter.stop()

    one = await cost(1)
    hundred = await cost(100)
    assert one == hundred, sql_counter.statements
    # Signing in (3), the page with its section grades (2), the count, then one batch per
    # loader: children, people, templates, themes, previous audits (2), teams.
    assert hundred <= 13, sql_counter.statements


ODD_INPUTS: list[tuple[str, dict[str, Any]]] = [
    ("saveAudit", {"answers": []}),
    ("saveAudit", {"answers": "not an object"}),
    ("saveAudit", {"answers": {"safer_scale": {"nested": 1}}}),
    ("saveAudit", {"answers": {"safer_scale": 10**20}}),
    ("saveAudit", {"answers": {"working_well": "x" * 30_000}}),
    ("saveAudit", {"answers": {"recording_up_to_date": ["YES"]}}),
    ("saveAudit", {"voices": [{"who": "CHILD", "said": ""}]}),
    ("saveAudit", {"voices": [{"who": "ALIEN", "said": "hello"}]}),
    (
        "saveAudit",
        {"sectionGrades": [{"sectionKey": "../../etc", "grade": "GOOD", "rationale": "x"}]},
    ),
    ("saveAudit", {"conversationDate": "2026-13-45"}),
    ("saveAudit", {"overallGrade": "EXCELLENT"}),
    ("saveAudit", {"auditId": "QXVkaXQ6bm90LWEtdXVpZA=="}),
    ("saveAudit", {"auditId": "💥"}),
    ("drawSample", {"seed": "-1"}),
    ("drawSample", {"seed": "abc"}),
    ("drawSample", {"seed": "9" * 40}),
    ("drawSample", {"count": 0}),
    ("drawSample", {"count": None, "percentage": 1000}),
    ("drawSample", {"auditorIds": []}),
    ("drawSample", {"month": "0001-01-01"}),
    ("planAudit", {"dueDate": "9999-12-31"}),
    ("planAudit", {"themeIds": ["VGhlbWU6eA=="]}),
    ("publishAuditTemplate", {"sections": {"key": "x"}}),
    ("publishAuditTemplate", {"sections": [[1, 2], None]}),
    (
        "publishAuditTemplate",
        {
            "sections": [
                {
                    "key": "a",
                    "title": "A",
                    "graded": True,
                    "questions": [{"key": "q", "text": "Q", "type": None}],
                }
            ]
        },
    ),
]


@pytest.mark.parametrize(
    ("name", "change"), ODD_INPUTS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ODD_INPUTS)]
)
async def test_odd_input_gets_a_clear_error_never_an_internal_one(
    gql: GraphQL, org: Org, audit_defaults: None, name: str, change: dict[str, Any]
) -> None:
    valid = await prepare(gql, org, name)
    as_ = {"saveAudit": "gm", "drawSample": "qa", "planAudit": "qa", "publishAuditTemplate": "qa"}[
        name
    ]
    before = await history_count(gql.world)
    input_type, selection = MUTATIONS[name]
    query = f"mutation($i: {input_type}!) {{ r: {name}(input: $i) {{ {selection} {ERRORS} }} }}"
    response = await gql.raw(query, {"i": {**valid, **change}}, as_=org[as_])
    assert response.status_code < 500, response.text
    body = response.json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert "INTERNAL" not in codes, body
    if body.get("data") and body["data"].get("r"):
        if body["data"]["r"]["errors"]:
            assert await history_count(gql.world) == before
    else:
        assert body.get("errors"), body


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("saveAudit", {"overallRationale": "nul \x00 byte"}),
        ("saveAudit", {"answers": {"working_well": "nul \x00 byte"}}),
        ("planAudit", {"supervisionForum": "nul \x00"}),
    ],
    ids=["rationale", "answer", "forum"],
)
async def test_text_with_a_nul_byte_is_refused_not_an_internal_error(
    gql: GraphQL, org: Org, audit_defaults: None, name: str, change: dict[str, Any]
) -> None:
    valid = await prepare(gql, org, name)
    as_ = {"saveAudit": "gm", "planAudit": "qa"}[name]
    input_type, selection = MUTATIONS[name]
    query = f"mutation($i: {input_type}!) {{ r: {name}(input: $i) {{ {selection} {ERRORS} }} }}"
    body = (await gql.raw(query, {"i": {**valid, **change}}, as_=org[as_])).json()
    assert "INTERNAL" not in [
        e.get("extensions", {}).get("code") for e in body.get("errors") or []
    ], body
