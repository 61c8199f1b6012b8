"""Statistics over audits: the dashboard's counts, how often moderation regrades an auditor's
work (and which sections), and how closely a benchmarking round's auditors agree with the grade
the round agreed.

Counts are made in SQL, a fixed number of statements per call, over what the actor may see.
Agreement is Cohen's weighted kappa (Cohen 1968) on the ordinal four-point scale, computed in a
few lines here (`weighted_kappa`); percent agreement is reported beside it because with one
round and a handful of pairs kappa is unstable, and sometimes undefined.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, column, exists, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import policy
from domain.audits.kinds import (
    AuditKind,
    AuditStatus,
    Grade,
    ModerationOutcome,
)
from domain.audits.models import Audit, AuditSectionGrade, BenchmarkRound, Moderation
from domain.core.clock import LONDON
from domain.core.errors import NotFound
from domain.core.roles import Actor
from domain.core.settings import PolicySettings
from domain.people.models import Team

_GRADE_RANKS: tuple[int, ...] = tuple(g.rank for g in Grade)

# --- the dashboard -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    key: str
    count: int


@dataclass(frozen=True)
class Dashboard:
    """Counts of the audits the actor may see, within the filters.

    `total`, `by_kind`, `by_status` and `by_month` count every audit (cancelled ones too, so
    that the status counts add up to the total); `by_grade` counts completed audits by their
    effective overall grade (the moderated grade where moderation changed it)."""

    total: int
    by_grade: list[Count]
    by_kind: list[Count]
    by_status: list[Count]
    by_month: list[Count]


# grouping() over (kind, status, grade, month) has a bit set for each column *not* grouped on,
# so each grouping set's rows carry their own mark.
_DIMENSION_OF_GROUPING = {0b0111: "kind", 0b1011: "status", 0b1101: "grade", 0b1110: "month"}


async def audit_dashboard(
    *,
    session: AsyncSession,
    actor: Actor,
    team_id: uuid.UUID | None,
    service_id: uuid.UUID | None,
    since: date | None,
    until: date | None,
) -> Dashboard:
    """One SQL statement: the visible audits grouped four ways (GROUPING SETS).

    `team_id`/`service_id` narrow by the team whose work was audited; `since` (inclusive) and
    `until` (exclusive) by due date."""
    # A blind benchmarking round's grades are not counted for those who may not see them.
    effective_grade = case(
        (
            (Audit.status == AuditStatus.COMPLETED) & policy.judgement_visible(actor),
            func.coalesce(Audit.moderated_overall_grade, Audit.overall_grade),
        )
    )
    audits = select(
        Audit.kind.label("kind"),
        Audit.status.label("status"),
        effective_grade.label("grade"),
        func.to_char(Audit.due_date, "YYYY-MM").label("month"),
    ).where(policy.visible_audits(actor))
    if team_id is not None:
        audits = audits.where(Audit.team_id == team_id)
    if service_id is not None:
        audits = audits.where(
            Audit.team_id.in_(select(Team.id).where(Team.service_id == service_id))
        )
    if since is not None:
        audits = audits.where(Audit.due_date >= since)
    if until is not None:
        audits = audits.where(Audit.due_date < until)
    # Grouped outside a subquery so that GROUP BY names plain columns, not expressions whose
    # bound parameters PostgreSQL would see as different from the SELECT list's.
    sub = audits.subquery()
    dimensions = (sub.c.kind, sub.c.status, sub.c.grade, sub.c.month)
    rows = await session.execute(
        select(func.grouping(*dimensions), *dimensions, func.count()).group_by(
            func.grouping_sets(*dimensions)
        )
    )
    kinds: dict[str, int] = {}
    statuses: dict[str, int] = {}
    grades: dict[str, int] = {}
    months: dict[str, int] = {}
    for grouping, kind, status, grade, month, n in rows:
        match _DIMENSION_OF_GROUPING[grouping]:
            case "kind":
                kinds[AuditKind(kind).value] = n
            case "status":
                statuses[AuditStatus(status).value] = n
            case "grade" if grade is not None:
                grades[Grade(grade).value] = n
            case "month":
                months[month] = n
    return Dashboard(
        total=sum(statuses.values()),
        by_grade=[Count(g.value, grades.get(g.value, 0)) for g in Grade],
        by_kind=[Count(k.value, kinds.get(k.value, 0)) for k in AuditKind],
        by_status=[Count(s.value, statuses.get(s.value, 0)) for s in AuditStatus],
        by_month=[Count(m, months[m]) for m in sorted(months)],
    )


# --- regrade rates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegradeRate:
    key: str
    moderated: int
    regraded: int
    rate: float


@dataclass(frozen=True)
class RegradeRates:
    """Most regraded first (then most moderated, then by key)."""

    by_auditor: list[RegradeRate]
    by_section: list[RegradeRate]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def _rate(key: str, moderated: int, regraded: int) -> RegradeRate:
    return RegradeRate(key, moderated, regraded, regraded / moderated if moderated else 0.0)


def _most_regraded_first(rates: list[RegradeRate]) -> list[RegradeRate]:
    return sorted(rates, key=lambda r: (-r.rate, -r.moderated, r.key))


async def regrade_rates(
    *, session: AsyncSession, actor: Actor, since: date | None, until: date | None
) -> RegradeRates:
    """How often the QA Lead's moderation changed a grade, by auditor and by section.

    By auditor: each moderation of their audits, regraded when the overall grade or any
    section's grade changed. By section: each moderation of an audit that graded the section,
    regraded when that section's grade changed. `since`/`until` are dates (Europe/London) of
    the moderation, `until` exclusive. Two SQL statements, over the audits the actor may see
    (a Head of Service reads the rates of their own service's audits)."""
    policy.check_can_read_quality_statistics(actor)
    window: list[ColumnElement[bool]] = [policy.visible_audits(actor)]
    if since is not None:
        window.append(Moderation.moderated_at >= _start_of(since))
    if until is not None:
        window.append(Moderation.moderated_at < _start_of(until))

    sections = func.jsonb_each(Moderation.section_grades).table_valued(
        column("key"), column("value", JSONB)
    )
    a_section_changed = exists(
        select(sections.c.key).where(
            func.jsonb_extract_path_text(sections.c.value, "0")
            != func.jsonb_extract_path_text(sections.c.value, "1")
        )
    )
    changed = (
        Moderation.original_overall_grade != Moderation.moderated_overall_grade
    ) | a_section_changed
    by_auditor = await session.execute(
        select(
            Audit.auditor_id,
            func.count(),
            func.count().filter((Moderation.outcome == ModerationOutcome.REGRADED) & changed),
        )
        .select_from(Moderation)
        .join(Audit, Audit.id == Moderation.audit_id)
        .where(*window)
        .group_by(Audit.auditor_id)
    )

    def section_grade(which: str) -> ColumnElement[Any]:
        return func.jsonb_extract_path_text(
            Moderation.section_grades, AuditSectionGrade.section_key, which
        )

    by_section = await session.execute(
        select(
            AuditSectionGrade.section_key,
            func.count(),
            func.count().filter(section_grade("0") != section_grade("1")),
        )
        .select_from(Moderation)
        .join(Audit, Audit.id == Moderation.audit_id)
        .join(AuditSectionGrade, AuditSectionGrade.audit_id == Audit.id)
        .where(*window)
        .group_by(AuditSectionGrade.section_key)
    )
    return RegradeRates(
        by_auditor=_most_regraded_first([_rate(str(a), n, r) for a, n, r in by_auditor]),
        by_section=_most_regraded_first([_rate(k, n, r) for k, n, r in by_section]),
    )


# --- benchmarking agreement --------------------------------------------------------------------


def weighted_kappa(
    rater_a: Sequence[int],
    rater_b: Sequence[int],
    *,
    categories: Sequence[int] = _GRADE_RANKS,
    weights: Literal["linear", "quadratic"] = "linear",
) -> float | None:
    """Cohen's weighted kappa of two raters' ordinal ratings, or None where it is undefined.

    `categories` is the whole ordered scale: the weight
    of a disagreement then depends on the distance on the scale, not on which grades happen
    to occur (without it, Outstanding against Requires improvement would count as adjacent
    when nobody used Good). Kappa is undefined with no pairs, and when both raters used one
    and the same category throughout (chance agreement is then certain: 0/0).
    """
    if len(rater_a) != len(rater_b):
        raise ValueError("The raters rated different numbers of things.")
    scale = set(categories)
    if not scale.issuperset(rater_a) or not scale.issuperset(rater_b):
        raise ValueError("A rating is outside the categories.")
    if len(set(rater_a) | set(rater_b)) < 2:
        return None
    # kappa_w = 1 - sum(w_ij * observed_ij) / sum(w_ij * expected_ij), with disagreement
    # weights w_ij = |i - j| (linear) or (i - j)^2 (quadratic) by position on the scale and
    # expected_ij = rows_i * columns_j / n (Cohen 1968; the same as scikit-learn's
    # cohen_kappa_score). The scale of the weights cancels out.
    position = {category: i for i, category in enumerate(categories)}

    def weight(i: int, j: int) -> int:
        return abs(i - j) if weights == "linear" else (i - j) ** 2

    n = len(rater_a)
    rows = Counter(position[a] for a in rater_a)
    columns = Counter(position[b] for b in rater_b)
    observed = sum(weight(position[a], position[b]) for a, b in zip(rater_a, rater_b, strict=True))
    expected = sum(weight(i, j) * r * c for i, r in rows.items() for j, c in columns.items()) / n
    return None if expected == 0 else 1 - observed / expected


@dataclass(frozen=True)
class Agreement:
    """How closely graders agree with a round's agreed grades, over some of its pairs
    (auditor's grade, agreed grade).

    `flagged` when weighted kappa is defined and below the policy threshold. Kappa is
    undefined with pairs only when every pair was the same grade on both sides, i.e. complete
    agreement, so an undefined kappa is never flagged."""

    key: str
    pairs: int
    percent_agreement: float
    weighted_kappa: float | None
    flagged: bool


@dataclass(frozen=True)
class RoundAgreement:
    round_id: uuid.UUID
    agreed: bool
    overall: Agreement
    by_section: list[Agreement]
    by_auditor: list[Agreement]


def _agreement(key: str, pairs: Sequence[tuple[int, int]], threshold: float) -> Agreement:
    given = [p[0] for p in pairs]
    agreed = [p[1] for p in pairs]
    matches = sum(1 for g, a in pairs if g == a)
    kappa = weighted_kappa(given, agreed)
    return Agreement(
        key=key,
        pairs=len(pairs),
        percent_agreement=matches / len(pairs) * 100 if pairs else 0.0,
        weighted_kappa=kappa,
        flagged=kappa is not None and kappa < threshold,
    )


async def _check_can_read_round(
    session: AsyncSession, actor: Actor, round_id: uuid.UUID
) -> BenchmarkRound:
    """The QA Lead and the planners read any round's agreement; an auditor in the round reads
    it once the round's grade is agreed. Anyone else is refused without learning whether the
    round exists."""
    privileged = policy.reads_quality_statistics(actor)
    if not privileged:
        in_round = actor.person_id is not None and await session.scalar(
            select(Audit.id)
            .where(
                Audit.benchmark_round_id == round_id,
                Audit.auditor_id == actor.person_id,
                Audit.status != AuditStatus.CANCELLED,
            )
            .limit(1)
        )
        policy.check_is_in_round(bool(in_round))
    round_ = await session.get(BenchmarkRound, round_id)
    if round_ is None:
        raise NotFound("benchmarking round", field="roundId")
    if not privileged:
        policy.check_round_agreed(round_.agreed_at is not None)
    return round_


async def benchmark_agreement(
    *,
    session: AsyncSession,
    actor: Actor,
    policy_settings: PolicySettings,
    round_id: uuid.UUID,
) -> RoundAgreement:
    """Each submitted audit's grades against the round's agreed grades: the overall grade and
    each section with an agreed grade make one pair each (auditor's own grade, agreed grade),
    as ranks on the scale. `overall` pools every pair of the round; `by_section` pools a
    section's pairs across auditors; `by_auditor` pools each auditor's pairs."""
    round_ = await _check_can_read_round(session, actor, round_id)
    threshold = policy_settings.benchmark_agreement_threshold
    rows = await session.execute(
        select(
            Audit.id,
            Audit.auditor_id,
            Audit.overall_grade,
            AuditSectionGrade.section_key,
            AuditSectionGrade.grade,
        )
        .outerjoin(AuditSectionGrade, AuditSectionGrade.audit_id == Audit.id)
        .where(
            Audit.benchmark_round_id == round_id,
            Audit.status.in_([AuditStatus.SUBMITTED, AuditStatus.COMPLETED]),
        )
    )
    agreed_overall = round_.agreed_overall_grade if round_.agreed_at is not None else None
    agreed_sections = (
        {k: Grade(v).rank for k, v in round_.agreed_section_grades.items()}
        if agreed_overall is not None
        else {}
    )
    overall_pairs: dict[uuid.UUID, tuple[int, int]] = {}
    section_pairs: dict[str, list[tuple[int, int]]] = {k: [] for k in agreed_sections}
    auditor_pairs: dict[uuid.UUID, list[tuple[int, int]]] = {}
    for audit_id, auditor_id, overall, section_key, section_grade in rows:
        mine = auditor_pairs.setdefault(auditor_id, [])
        if agreed_overall is None:
            continue
        if overall is not None and audit_id not in overall_pairs:
            overall_pairs[audit_id] = (overall.rank, agreed_overall.rank)
            mine.append(overall_pairs[audit_id])
        if section_key in agreed_sections and section_grade is not None:
            pair = (section_grade.rank, agreed_sections[section_key])
            section_pairs[section_key].append(pair)
            mine.append(pair)
    every_pair = [p for pairs in auditor_pairs.values() for p in pairs]
    return RoundAgreement(
        round_id=round_.id,
        agreed=agreed_overall is not None,
        overall=_agreement("overall", every_pair, threshold),
        by_section=[_agreement(k, section_pairs[k], threshold) for k in sorted(section_pairs)],
        by_auditor=[
            _agreement(str(a), auditor_pairs[a], threshold) for a in sorted(auditor_pairs, key=str)
        ],
    )
