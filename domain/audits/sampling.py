"""Sampling cases for audit and allocating them to auditors (`programme.draw_sample` reads,
these decide, it writes): which request is valid, which cases are candidates, how many are
drawn, which are drawn for a seed, and who audits each."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, func, select

from domain.audits import policy
from domain.audits.kinds import AuditKind, AuditStatus
from domain.audits.models import Audit, Sample
from domain.children import policy as children_policy
from domain.children.models import Child
from domain.children.service import Cohort, cohort_condition
from domain.core.errors import Conflict, InvalidInput
from domain.core.roles import Actor
from domain.history import service as history
from domain.people.models import Team

MAX_SAMPLE = 500
# Seeds are stored as a BIGINT.
MAX_SEED = 2**63
SAMPLED_KINDS = (AuditKind.CASE_FILE, AuditKind.THEMATIC, AuditKind.DIP_SAMPLE, AuditKind.PEER)


@dataclass
class SampleRequest:
    month: date
    kind: AuditKind
    auditor_ids: list[uuid.UUID]
    due_date: date
    count: int | None = None
    percentage: int | None = None
    seed: int | None = None
    team_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    cohort: Cohort | None = None
    theme_ids: list[uuid.UUID] = field(default_factory=list)
    include_recently_audited: bool = False
    dry_run: bool = False


@dataclass
class SampleResult:
    sample: Sample
    children: list[Child]
    allocation: dict[uuid.UUID, uuid.UUID]  # child id -> auditor id
    audits: list[Audit]


def check_request(request: SampleRequest, today: date) -> None:
    """What a request needs before anything is read, each refusal naming its field."""
    if request.kind not in SAMPLED_KINDS:
        raise InvalidInput(
            "Samples are drawn for case file, thematic, peer and dip sample audits.", field="kind"
        )
    if (request.count is None) == (request.percentage is None):
        raise InvalidInput("Give either a count or a percentage.", field="count")
    if request.count is not None and not 1 <= request.count <= MAX_SAMPLE:
        raise InvalidInput(f"A count from 1 to {MAX_SAMPLE}.", field="count")
    if request.percentage is not None and not 1 <= request.percentage <= 100:
        raise InvalidInput("A percentage from 1 to 100.", field="percentage")
    if not request.auditor_ids:
        raise InvalidInput("Name the auditors to allocate to.", field="auditorIds")
    if request.seed is not None and not 0 <= request.seed < MAX_SEED:
        raise InvalidInput(f"A seed is a whole number from 0 to {MAX_SEED - 1}.", field="seed")
    if request.kind is AuditKind.THEMATIC and not request.theme_ids:
        raise InvalidInput("A thematic sample has at least one theme.", field="themeIds")
    if request.due_date < today:
        raise InvalidInput("The due date has passed.", field="dueDate")


def candidates_statement(
    actor: Actor, request: SampleRequest, recently_audited_since: datetime | None
) -> Select[Any]:
    """The cases a sample is drawn from, in a stable order (so that the same seed over the
    same cases draws the same sample): only inside the planner's reach and sight, by the
    request's team, service and cohort, and (with `recently_audited_since`) without the cases
    audited since then or planned and not yet done."""
    reach = policy.planning_reach(actor, request.kind)
    stmt = select(Child).where(reach.children(), children_policy.visible_children(actor))
    if request.team_id is not None:
        stmt = stmt.where(Child.team_id == request.team_id)
    if request.service_id is not None:
        stmt = stmt.where(
            Child.team_id.in_(select(Team.id).where(Team.service_id == request.service_id))
        )
    if request.cohort is not None:
        stmt = stmt.where(cohort_condition(request.cohort))
    if recently_audited_since is not None:
        recent = select(Audit.child_id).where(
            Audit.child_id.is_not(None),
            Audit.status != AuditStatus.CANCELLED,
            (Audit.status != AuditStatus.COMPLETED)
            | (func.coalesce(Audit.completed_at, Audit.created_at) >= recently_audited_since),
        )
        stmt = stmt.where(Child.id.not_in(recent))
    return stmt.order_by(Child.case_reference, Child.id)


def recently_audited_since(
    request: SampleRequest, now: datetime, exclusion_months: int
) -> datetime | None:
    if request.include_recently_audited or not exclusion_months:
        return None
    return now - relativedelta(months=exclusion_months)


def sample_size(count: int | None, percentage: int | None, candidates: int) -> int:
    """A percentage is rounded up, so that a small percentage of a small caseload still draws
    a case; never more than there are candidates."""
    size = count if count is not None else math.ceil(candidates * (percentage or 0) / 100)
    return min(size, candidates)


def draw(candidates: Sequence[Child], size: int, seed: int) -> list[Child]:
    """The same seed over the same candidates draws the same cases."""
    return random.Random(seed).sample(list(candidates), size)  # noqa: S311 - reproducible, not a secret


def allocate(
    drawn: Sequence[Child],
    auditor_ids: Sequence[uuid.UUID],
    load: Mapping[uuid.UUID, int],
    managed: Mapping[uuid.UUID, frozenset[uuid.UUID]],
) -> dict[uuid.UUID, uuid.UUID]:
    """Each drawn case to the eligible auditor with the lightest load (ties to the one named
    first, so that a seed reproduces the allocation too). Never to the case's practitioner,
    nor to an auditor in `managed[child id]` (who manages the case)."""
    load = dict(load)
    order = {a: i for i, a in enumerate(auditor_ids)}
    allocation: dict[uuid.UUID, uuid.UUID] = {}
    for child in drawn:
        kept_from = managed.get(child.id, frozenset())
        eligible = [
            a for a in auditor_ids if a != child.allocated_practitioner_id and a not in kept_from
        ]
        if not eligible:
            raise Conflict(
                f"Every auditor named holds or manages case {child.case_reference}: add another.",
                field="auditorIds",
            )
        chosen = min(eligible, key=lambda a: (load[a], order[a]))
        load[chosen] += 1
        allocation[child.id] = chosen
    return allocation


def criteria(request: SampleRequest) -> dict[str, Any]:
    """The request as the sample records it."""
    return {
        "team_id": history.plain(request.team_id),
        "service_id": history.plain(request.service_id),
        "cohort": request.cohort.value if request.cohort else None,
        "theme_ids": [str(t) for t in request.theme_ids],
        "auditor_ids": [str(a) for a in request.auditor_ids],
        "due_date": request.due_date.isoformat(),
    }
