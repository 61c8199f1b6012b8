"""Benchmark: the front-end's audit screens through the real HTTP stack, next to a
hand-written asyncpg query that returns the same JSON (bench/audits_baseline.py).

    .venv/bin/python -m bench.audits [--seconds 10] [--concurrency 1,10,50] [--keep-data]

Loads 10,000 children and 50,000 audits with bulk INSERTs (load data, not the domain's use
cases; every row still valid: template version, auditor of the right role, team, due date,
status, and a grade with section grades when completed) into its own database
(BENCH_DATABASE_URL, default `qaf_bench_audits`; Redis BENCH_REDIS_URL, default db 13), then
measures "my audits to do" (50, as an auditor with at least 50 open audits) and the team
dashboard (as the team's manager) at each concurrency level: requests/s, p50 and p99. A query
whose field the API's schema does not have yet is skipped with a message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from api.graphql.core.ids import global_id
from bench.common import bench_settings, post_once, race, recreate_database, served, server_env
from demo import TEAMS, Cohort, PersonPlan, plan_people, seed_demo_authority
from domain.audits.kinds import (
    AUDITOR_POOL,
    AUDITORS_BY_KIND,
    OPEN_STATUSES,
    AuditKind,
    AuditStatus,
    Grade,
)
from domain.audits.models import Audit, AuditTemplate
from domain.audits.reference import ensure_defaults
from domain.core.clock import SettableClock
from domain.core.db import create_engine, create_session_factory
from domain.core.roles import Role, ScopeType
from domain.core.settings import Settings
from domain.identity.tokens import issue_development_token
from domain.people.models import Person, RoleGrant, Team

CHILDREN = 10_000
AUDITS = 50_000
SEED = 20261128
MAX_REQUESTS = 100_000  # per run of one query at one concurrency, whatever --seconds says

TO_DO = """
query($first: Int) { myAuditsToDo(first: $first) { edges { node {
  id kind status dueDate child { caseReference } team { name } auditor { displayName } } } } }
"""
DASHBOARD = """
query($teamId: ID) { auditDashboard(teamId: $teamId) {
  total byGrade { key count } byKind { key count } byStatus { key count } byMonth { key count } } }
"""

KIND_WEIGHTS = {
    AuditKind.CASE_FILE: 50,
    AuditKind.DIP_SAMPLE: 15,
    AuditKind.THEMATIC: 10,
    AuditKind.PEER: 10,
    AuditKind.SUPERVISION: 6,
    AuditKind.BENCHMARKING: 4,
    AuditKind.DESK_TOP: 2,
    AuditKind.MULTI_AGENCY: 2,
    AuditKind.EXTERNAL: 1,
}
GRADE_WEIGHTS = {
    Grade.OUTSTANDING: 10,
    Grade.GOOD: 50,
    Grade.REQUIRES_IMPROVEMENT: 35,
    Grade.INADEQUATE: 5,
}

AUDIT_COLUMNS = (
    "id",
    "kind",
    "status",
    "template_id",
    "auditor_id",
    "child_id",
    "subject_practitioner_id",
    "team_id",
    "due_date",
    "supervisor_id",
    "supervision_forum",
    "external_reviewer",
    "findings",
    "overall_grade",
    "overall_rationale",
    "moderated_overall_grade",
    "cancel_reason",
    "created_at",
    "started_at",
    "submitted_at",
    "completed_at",
    "cancelled_at",
    "updated_at",
    "answers",
    "voices",
)
CHILD_COLUMNS = (
    "id",
    "case_reference",
    "team_id",
    "allocated_practitioner_id",
    "date_of_birth",
    "child_in_need",
    "child_protection_plan_start",
    "looked_after",
    "care_leaver",
    "family_first",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True)
class Subjects:
    """Who the benchmark acts as, and the team whose dashboard it reads."""

    auditor: Person
    open_audits: int
    manager: Person
    team_id: uuid.UUID
    team_audits: int


# --- the data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Org:
    people: dict[str, Person]
    plans: dict[str, PersonPlan]
    teams: dict[str, Team]
    templates: dict[AuditKind, uuid.UUID]  # each kind's current version


def _child_rows(rng: random.Random, org: _Org, today: date, now: datetime) -> list[tuple[Any, ...]]:
    holding = [t for t in TEAMS if t.cohort is not None]
    weights = [t.children for t in holding]
    workers: dict[str, list[uuid.UUID]] = {}
    for key, plan in org.plans.items():
        if plan.role is Role.PRACTITIONER and plan.team:
            workers.setdefault(plan.team, []).append(org.people[key].id)
    rows = []
    for n in range(1, CHILDREN - 300 + 1):
        team = rng.choices(holding, weights=weights)[0]
        dob = today - timedelta(days=rng.randint(30, 17 * 365))
        cohort = team.cohort
        plan_start = (
            today - timedelta(days=rng.randint(7, 700))
            if cohort is Cohort.CHILD_PROTECTION
            else None
        )
        rows.append(
            (
                uuid.uuid4(),
                f"BENCH-{n:06d}",
                org.teams[team.name].id,
                rng.choice(workers[team.name]),
                dob,
                cohort in (Cohort.ASSESSMENT, Cohort.DISABLED) and rng.random() < 0.6,
                plan_start,
                cohort is Cohort.LOOKED_AFTER,
                cohort is Cohort.CARE_LEAVER,
                cohort is Cohort.FAMILY_FIRST,
                now,
                now,
            )
        )
    return rows


def _status(rng: random.Random, due: date, today: date) -> AuditStatus:
    if due >= today:
        return rng.choices(
            (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS, AuditStatus.SUBMITTED),
            weights=(60, 30, 10),
        )[0]
    if due >= today - timedelta(days=30):
        return rng.choices(
            (
                AuditStatus.COMPLETED,
                AuditStatus.IN_PROGRESS,
                AuditStatus.PLANNED,
                AuditStatus.SUBMITTED,
            ),
            weights=(70, 20, 5, 5),
        )[0]
    return rng.choices(
        (AuditStatus.COMPLETED, AuditStatus.CANCELLED, AuditStatus.IN_PROGRESS),
        weights=(94, 4, 2),
    )[0]


def _audit_rows(
    rng: random.Random,
    org: _Org,
    children: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None]],
    today: date,
) -> list[tuple[Any, ...]]:
    """Audits due over the last four years and the next two months."""
    by_role: dict[Role, list[str]] = {}
    for key, plan in org.plans.items():
        by_role.setdefault(plan.role, []).append(key)
    auditors = {
        kind: [k for role in sorted(roles) for k in by_role.get(role, [])]
        for kind, roles in AUDITORS_BY_KIND.items()
    }
    managers_of_team: dict[uuid.UUID, set[uuid.UUID]] = {}
    for k, p in org.plans.items():
        if p.team and p.role in (Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER):
            managers_of_team.setdefault(org.teams[p.team].id, set()).add(org.people[k].id)
    line_manager = {p.id: p.line_manager_id for p in org.people.values()}
    team_of = {p.id: p.team_id for p in org.people.values()}
    all_teams = [t.id for t in org.teams.values()]
    kinds, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    grades, grade_weights = list(GRADE_WEIGHTS), list(GRADE_WEIGHTS.values())
    first_due = today - timedelta(days=4 * 365)
    span = (today + timedelta(days=60) - first_due).days
    practitioners = by_role[Role.PRACTITIONER]
    rows = []
    for _ in range(AUDITS):
        kind = rng.choices(kinds, weights=kind_weights)[0]
        due = first_due + timedelta(days=rng.randrange(span))
        status = _status(rng, due, today)
        child_id = subject = supervisor = None
        reviewer = findings = None
        team_id: uuid.UUID
        if kind is AuditKind.SUPERVISION:
            subject = org.people[rng.choice(practitioners)].id
            supervisor = line_manager[subject]
            team_id = team_of[subject] or rng.choice(all_teams)
        elif kind is AuditKind.EXTERNAL:
            team_id = rng.choice(all_teams)
            reviewer = "Local Government Association peer review team"
        else:
            child_id, team_id, subject = rng.choice(children)
            if kind is AuditKind.MULTI_AGENCY:
                reviewer = "Police, health and education safeguarding leads"
        while True:
            auditor = org.people[rng.choice(auditors[kind])].id
            # Nobody audits a case they hold or manage, nor peers their own.
            if auditor != subject and auditor not in managers_of_team.get(team_id, set()):
                break
        if kind is AuditKind.DIP_SAMPLE and rng.random() < 0.5:
            auditor = rng.choice(sorted(managers_of_team[team_id]))  # their own team's cases
        completed = status is AuditStatus.COMPLETED
        grade = rng.choices(grades, weights=grade_weights)[0] if completed else None
        if kind in (AuditKind.MULTI_AGENCY, AuditKind.EXTERNAL) and completed:
            findings = "Findings shared with the partnership."
        moderated = None  # regraded by moderation now and then, Inadequate more often
        if grade is not None and rng.random() < (0.25 if grade is Grade.INADEQUATE else 0.03):
            moderated = rng.choice([g for g in grades if g is not grade])
        created = datetime.combine(due - timedelta(days=35), datetime.min.time(), UTC)
        started = created + timedelta(days=10) if status is not AuditStatus.PLANNED else None
        submitted = (
            created + timedelta(days=rng.randint(15, 33))
            if status in (AuditStatus.SUBMITTED, AuditStatus.COMPLETED)
            else None
        )
        done = submitted + timedelta(days=rng.randint(0, 5)) if completed and submitted else None
        cancelled = created + timedelta(days=12) if status is AuditStatus.CANCELLED else None
        rows.append(
            (
                uuid.uuid4(),
                kind.value,
                status.value,
                org.templates[kind],
                auditor,
                child_id,
                subject,
                team_id,
                due,
                supervisor,
                None,  # supervision forum
                reviewer,
                findings,
                grade.value if grade else None,
                "Bench data: the grade follows the evidence on file." if grade else None,
                moderated.value if moderated else None,
                "The case was transferred." if cancelled else None,
                created,
                started,
                submitted,
                done,
                cancelled,
                done or cancelled or submitted or started or created,
                "{}",
                "[]",
            )
        )
    return rows


async def _load(settings: Settings, dsn: str, say: Any) -> None:
    started = time.monotonic()
    await recreate_database(settings.database_url)
    now = datetime.now(UTC)
    clock = SettableClock(now)
    engine = create_engine(settings)
    async with create_session_factory(engine)() as session, session.begin():
        await ensure_defaults(session=session, clock=clock)
        await seed_demo_authority(session=session, clock=clock, with_audits=False)
        plans = {p.key: p for p in plan_people()}
        by_email = {p.email: k for k, p in plans.items()}
        people = {by_email[p.email]: p for p in await session.scalars(select(Person))}
        teams = {t.name: t for t in await session.scalars(select(Team))}
        templates = {t.kind: t.id for t in await session.scalars(select(AuditTemplate))}
    await engine.dispose()
    org = _Org(people, plans, teams, templates)
    rng = random.Random(SEED)  # noqa: S311 - load data, not a secret
    today = now.date()
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.copy_records_to_table(
                "children", records=_child_rows(rng, org, today, now), columns=CHILD_COLUMNS
            )
            children = [
                (r["id"], r["team_id"], r["allocated_practitioner_id"])
                for r in await conn.fetch(
                    "SELECT id, team_id, allocated_practitioner_id FROM children"
                    " ORDER BY case_reference"
                )
            ]
            await conn.copy_records_to_table(
                "audits", records=_audit_rows(rng, org, children, today), columns=AUDIT_COLUMNS
            )
            # Each completed audit's graded sections, near its overall grade.
            await conn.execute(
                """
                INSERT INTO audit_section_grades (id, audit_id, section_key, grade, rationale)
                SELECT gen_random_uuid(), a.id, s.key,
                       CASE WHEN random() < 0.8 THEN a.overall_grade ELSE 'GOOD' END,
                       'Bench data.'
                FROM audits a
                JOIN (SELECT kind, jsonb_array_elements(sections) AS section
                      FROM audit_templates) t ON t.kind = a.kind
                CROSS JOIN LATERAL (SELECT t.section->>'key' AS key) s
                WHERE a.status = 'COMPLETED' AND (t.section->>'graded')::boolean
                """
            )
        await conn.execute("ANALYZE")
        counts = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM children) AS children,"
            " (SELECT count(*) FROM audits) AS audits,"
            " (SELECT count(*) FROM audit_section_grades) AS grades"
        )
    finally:
        await conn.close()
    say(
        f"Loaded {counts['children']:,} children, {counts['audits']:,} audits and "
        f"{counts['grades']:,} section grades in {time.monotonic() - started:.0f} s."
    )


async def _subjects(settings: Settings) -> Subjects:
    """The authority-wide auditor with the most open audits (an auditor holding a team role
    would see other teams' children as null, which the baseline does not model), and the
    manager of the team with the most audits."""
    engine = create_engine(settings)
    async with create_session_factory(engine)() as session:
        row = (
            await session.execute(
                select(Person, _count_open())
                .join(RoleGrant, RoleGrant.person_id == Person.id)
                .where(
                    RoleGrant.scope == ScopeType.AUTHORITY,
                    RoleGrant.role.in_(sorted(AUDITOR_POOL)),
                )
                .group_by(Person.id)
                .order_by(_count_open().desc())
                .limit(1)
            )
        ).one()
        auditor, open_audits = row[0], int(row[1])
        team_row = (
            await session.execute(
                select(Audit.team_id, func.count())
                .where(Audit.team_id.is_not(None))
                .group_by(Audit.team_id)
                .order_by(func.count().desc())
                .limit(1)
            )
        ).one()
        manager = await session.scalar(
            select(Person)
            .join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(RoleGrant.role == Role.TEAM_MANAGER, RoleGrant.team_id == team_row[0])
        )
        assert manager is not None
    await engine.dispose()
    team_id, team_audits = team_row
    assert team_id is not None
    return Subjects(auditor, open_audits, manager, team_id, int(team_audits))


def _count_open() -> Any:
    return (
        select(func.count())
        .where(Audit.auditor_id == Person.id, Audit.status.in_(sorted(OPEN_STATUSES)))
        .scalar_subquery()
    )


# --- the measurements ------------------------------------------------------------------------


async def _fields(url: str, headers: dict[str, str]) -> set[str]:
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        body = (
            await client.post(
                "/graphql", json={"query": '{ __type(name: "Query") { fields { name } } }'}
            )
        ).json()
    return {f["name"] for f in body["data"]["__type"]["fields"]}


def _first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = _first_difference(a.get(key), b.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items against {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {json.dumps(a)} against {json.dumps(b)}"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", default="1,10,50")
    parser.add_argument("--keep-data", action="store_true", help="Measure the data already loaded.")
    args = parser.parse_args()
    settings = bench_settings("qaf_bench_audits", redis_db=13)
    url = make_url(settings.database_url)
    if url.host not in ("127.0.0.1", "localhost", None):
        sys.exit(f"The benchmark runs against a local database only, not {url.host}.")
    dsn = url.set(drivername="postgresql").render_as_string(False)
    if not args.keep_data:
        await _load(settings, dsn, print)
    subjects = await _subjects(settings)
    clock = SettableClock(datetime.now(UTC))
    tokens = {
        "todo": issue_development_token(settings=settings, clock=clock, person=subjects.auditor),
        "dashboard": issue_development_token(
            settings=settings, clock=clock, person=subjects.manager
        ),
    }
    env = server_env(settings, BENCH_ASYNCPG_DSN=dsn, BENCH_AUDITOR_ID=str(subjects.auditor.id))
    team_gid = str(global_id("Team", subjects.team_id))
    queries = [
        (
            "myAuditsToDo",
            f"my audits to do: 50 of {subjects.auditor.display_name}'s "
            f"{subjects.open_audits} open audits, with child, team and auditor",
            {"query": TO_DO, "variables": {"first": 50}},
            tokens["todo"],
        ),
        (
            "auditDashboard",
            f"team dashboard: {subjects.team_audits:,} audits of one team, counted four ways, "
            f"as {subjects.manager.display_name}",
            {"query": DASHBOARD, "variables": {"teamId": team_gid}},
            tokens["dashboard"],
        ),
    ]
    with served(["api.main:app", "bench.audits_baseline:app"], env) as (api, base):
        fields = await _fields(api, {"Authorization": f"Bearer {tokens['todo']}"})
        for field, title, payload, token in queries:
            print()
            if field not in fields:
                print(f"{title}: SKIPPED, the API's schema has no Query.{field} yet.")
                continue
            headers = {"Authorization": f"Bearer {token}"}
            ours = await post_once(api, headers, payload)
            theirs = await post_once(base, {}, payload)
            if "errors" in ours:
                print(f"{title}: SKIPPED, the API answered {ours['errors'][0]['message']!r}.")
                continue
            difference = _first_difference(ours.get("data"), theirs.get("data"))
            print(f"{title}; {args.seconds:.0f} s a row")
            print(f"  same JSON from both: {'yes' if difference is None else 'NO, ' + difference}")
            contenders = [
                ("GraphQL API (Strawberry)", api, headers),
                ("asyncpg JSON in SQL", base, {}),
            ]
            await race(contenders, payload, args.concurrency, args.seconds, MAX_REQUESTS)


if __name__ == "__main__":
    asyncio.run(main())
