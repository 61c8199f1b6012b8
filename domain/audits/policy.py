"""Who plans, audits, moderates and sees which audits (DOMAIN.md, roles).

- Planners (the AED with the PSW, Heads of Service and the QA Lead) set the programme, draw
  samples and run benchmarking rounds; the QA Lead keeps templates and themes and moderates.
- An auditor works on the audits allocated to them; a practitioner sees the audits of their
  own cases (and adds their reflections); a manager sees the audits of the teams or services
  their roles are held for; a role held for the whole authority sees every audit.
- Planning reach: an audit is planned only of a child inside the planner's reach for that
  kind (`planning_reach`), and only of a child the planner may see. Planning makes the
  planned auditor able to see the child, so reach is never widened by audits themselves.
- In a benchmarking round no auditor sees another's grades until every one has submitted.
- Administrators and partner-agency members see none by those roles (multi-agency access for
  partners comes with its own issue).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select, true

from domain.audits.kinds import AUDITORS_BY_KIND, PLANNERS, AuditKind, AuditStatus
from domain.audits.models import Audit, AuditAction
from domain.children.models import Child
from domain.core.errors import NotAllowed
from domain.core.roles import Actor, Role, ScopeType
from domain.people.models import Team


def check_can_plan(actor: Actor) -> None:
    if not (actor.is_system or actor.has_role(*PLANNERS)):
        raise NotAllowed(
            "The programme is set by the AED with the PSW, Heads of Service and the QA Lead."
        )


def plans_kind(role: Role, kind: AuditKind) -> bool:
    """Whether a role, by itself, plans audits of `kind` (DOMAIN.md: the programme's planners
    plan any kind; team managers dip-sample; a practitioner plans a peer audit)."""
    if role in PLANNERS:
        return True
    if role in (Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER):
        return kind is AuditKind.DIP_SAMPLE
    return role is Role.PRACTITIONER and kind is AuditKind.PEER


@dataclass(frozen=True)
class PlanningReach:
    """Where an actor may plan audits of one kind: the scopes of the grants that plan it.

    A grant held for the authority (AED, QA Lead, an authority-wide PSW) reaches every child;
    one held for a service (Head of Service, a service's PSW) that service's teams; one held
    for a team (a Team Manager's dip sample, a practitioner's peer audit of a colleague's
    case) that team. Nothing else widens it: not being an auditor, not other roles."""

    everywhere: bool = False
    service_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    team_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    def children(self) -> ColumnElement[bool]:
        """The SQL filter of the children inside the reach."""
        if self.everywhere:
            return true()
        conditions: list[ColumnElement[bool]] = []
        if self.team_ids:
            conditions.append(Child.team_id.in_(self.team_ids))
        if self.service_ids:
            conditions.append(
                Child.team_id.in_(select(Team.id).where(Team.service_id.in_(self.service_ids)))
            )
        return or_(*conditions) if conditions else false()

    def covers_team(self, team_id: uuid.UUID, service_id: uuid.UUID) -> bool:
        return self.everywhere or team_id in self.team_ids or service_id in self.service_ids

    def covers_service(self, service_id: uuid.UUID) -> bool:
        return self.everywhere or service_id in self.service_ids


def planning_reach(actor: Actor, kind: AuditKind) -> PlanningReach:
    if actor.is_system:
        return PlanningReach(everywhere=True)
    grants = [g for g in actor.grants if plans_kind(g.role, kind)]
    return PlanningReach(
        everywhere=any(g.scope is ScopeType.AUTHORITY for g in grants),
        service_ids=frozenset(
            g.service_id for g in grants if g.scope is ScopeType.SERVICE and g.service_id
        ),
        team_ids=frozenset(g.team_id for g in grants if g.scope is ScopeType.TEAM and g.team_id),
    )


def check_is_qa_lead(actor: Actor, what: str) -> None:
    if not (actor.is_system or actor.has_role(Role.QA_LEAD)):
        raise NotAllowed(f"Only the QA Lead {what}.")


def can_audit_kind(actor: Actor, kind: AuditKind) -> bool:
    return actor.is_system or actor.has_role(*AUDITORS_BY_KIND[kind])


def visible_audits(actor: Actor) -> ColumnElement[bool]:
    if actor.is_system:
        return true()
    grants = actor.case_grants
    if any(g.scope is ScopeType.AUTHORITY for g in grants):
        return true()
    if actor.person_id is None or not grants:
        return false()
    me = actor.person_id
    conditions: list[ColumnElement[bool]] = [
        Audit.auditor_id == me,
        Audit.subject_practitioner_id == me,
        Audit.supervisor_id == me,
        Audit.child_id.in_(select(Child.id).where(Child.allocated_practitioner_id == me)),
    ]
    service_ids = {g.service_id for g in grants if g.scope is ScopeType.SERVICE and g.service_id}
    # Practitioners see their own cases' audits, not every audit of their team.
    manager_team_ids = {
        g.team_id
        for g in grants
        if g.scope is ScopeType.TEAM and g.team_id and g.role is not Role.PRACTITIONER
    }
    if manager_team_ids:
        conditions.append(Audit.team_id.in_(manager_team_ids))
    if service_ids:
        conditions.append(
            Audit.team_id.in_(select(Team.id).where(Team.service_id.in_(service_ids)))
        )
    return or_(*conditions)


def visible_actions(actor: Actor) -> ColumnElement[bool]:
    """An action is seen with its audit; its owner always sees it."""
    return AuditAction.audit_id.in_(select(Audit.id).where(visible_audits(actor))) | (
        AuditAction.owner_id == actor.person_id
    )


def sees_everything(actor: Actor) -> bool:
    return actor.is_system or any(g.scope is ScopeType.AUTHORITY for g in actor.case_grants)


def can_see_grades(
    actor: Actor, audit: Audit, *, round_blind: bool, participant_ids: frozenset[object]
) -> bool:
    """Blind benchmarking: until every auditor in a round has submitted, each sees only their
    own grades; the QA Lead (when not auditing in the round) sees them all."""
    if audit.benchmark_round_id is None or not round_blind:
        return True
    if audit.auditor_id == actor.person_id:
        return True
    if actor.person_id in participant_ids:
        return False
    return actor.is_system or actor.has_role(Role.QA_LEAD)


def reads_quality_statistics(actor: Actor) -> bool:
    """Regrade rates and benchmarking agreement: the QA Lead, the programme's planners and
    those who act for the whole authority."""
    return actor.is_system or actor.has_role(Role.QA_LEAD, *PLANNERS) or sees_everything(actor)


def check_can_read_quality_statistics(actor: Actor) -> None:
    if not reads_quality_statistics(actor):
        raise NotAllowed(
            "Regrade rates and agreement are for the QA Lead, the programme's planners and "
            "those who act for the whole authority."
        )


def check_can_manage_templates(actor: Actor) -> None:
    """The QA Lead publishes template versions; DOMAIN.md also gives templates to the
    administrator (a template holds no case content)."""
    if not (actor.is_system or actor.is_admin or actor.has_role(Role.QA_LEAD)):
        raise NotAllowed("The QA Lead or an administrator publishes audit templates.")


def reads_reference(actor: Actor) -> bool:
    """Templates and themes hold no case content: every member of staff reads them (the
    administrator included). A partner-agency member reads none: for now their part is only
    the multi-agency work they are invited to."""
    return actor.is_system or (bool(actor.grants) and not actor.is_partner_only)


def visible_reference(actor: Actor) -> ColumnElement[bool]:
    """The SQL filter for every read of templates and themes: all of them, or none."""
    return true() if reads_reference(actor) else false()


def judgement_visible(actor: Actor) -> ColumnElement[bool]:
    """The SQL twin of `can_see_grades`, for filters and counts by grade: false for another
    participant's audit in a benchmarking round that is still blind."""
    if actor.is_system:
        return true()
    blind_rounds = select(Audit.benchmark_round_id).where(
        Audit.benchmark_round_id.is_not(None),
        Audit.status.in_([AuditStatus.PLANNED, AuditStatus.IN_PROGRESS]),
    )
    conditions: list[ColumnElement[bool]] = [
        Audit.benchmark_round_id.is_(None),
        Audit.benchmark_round_id.not_in(blind_rounds),
    ]
    if actor.person_id is not None:
        conditions.append(Audit.auditor_id == actor.person_id)
        if actor.has_role(Role.QA_LEAD):
            my_rounds = select(Audit.benchmark_round_id).where(
                Audit.auditor_id == actor.person_id, Audit.benchmark_round_id.is_not(None)
            )
            conditions.append(Audit.benchmark_round_id.not_in(my_rounds))
    return or_(*conditions)


# --- who changes one audit ---------------------------------------------------------------------


def check_can_plan_kind(actor: Actor, kind: AuditKind, auditor_id: uuid.UUID) -> None:
    """Planners plan any audit; a team manager plans dip samples; a practitioner plans a peer
    audit that they will do themselves."""
    if actor.is_system or actor.has_role(*PLANNERS):
        return
    if kind is AuditKind.DIP_SAMPLE and actor.has_role(
        Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER
    ):
        return
    if (
        kind is AuditKind.PEER
        and actor.has_role(Role.PRACTITIONER)
        and auditor_id == actor.person_id
    ):
        return
    raise NotAllowed("You may not plan this kind of audit.")


def check_child_in_reach(in_reach: bool, kind: AuditKind, field: str) -> None:
    """`in_reach`: the child is inside the planner's `planning_reach` for `kind`."""
    if not in_reach:
        raise NotAllowed(
            f"That case is outside the teams and services you plan {kind.value} audits for.",
            field=field,
        )


def check_person_in_reach(
    actor: Actor, kind: AuditKind, team_id: uuid.UUID | None, service_id: uuid.UUID
) -> None:
    """An audit of a person's work (supervision) is planned within the same reach as one of a
    child's case: the team the person works in."""
    if team_id is not None and not planning_reach(actor, kind).covers_team(team_id, service_id):
        raise NotAllowed(
            "That person works in a team outside those you plan audits for.",
            field="subjectPractitionerId",
        )


def check_is_auditor(actor: Actor, audit: Audit) -> None:
    if not (actor.is_system or audit.auditor_id == actor.person_id):
        raise NotAllowed("Only the audit's auditor may do that.")


def check_can_reflect(actor: Actor, audit: Audit, allocated_id: uuid.UUID | None) -> None:
    """The practitioner whose work was audited: its subject, or the child's allocated
    practitioner (`allocated_id`)."""
    if actor.person_id is None or actor.person_id not in (
        audit.subject_practitioner_id,
        allocated_id,
    ):
        raise NotAllowed("Only the practitioner whose work was audited adds reflections.")


def check_can_cancel(actor: Actor, audit: Audit) -> None:
    if not (actor.is_system or actor.has_role(*PLANNERS) or audit.auditor_id == actor.person_id):
        raise NotAllowed("A planner or the auditor cancels an audit.")


def check_can_amend(actor: Actor, audit: Audit) -> None:
    if not (actor.is_system or audit.auditor_id == actor.person_id or actor.has_role(Role.QA_LEAD)):
        raise NotAllowed("The auditor or the QA Lead amends a completed audit.")


def check_can_moderate(actor: Actor, audit: Audit) -> None:
    """The QA Lead moderates (checked before the audit is read: `check_is_qa_lead`), and never
    their own audit."""
    if audit.auditor_id == actor.person_id:
        raise NotAllowed("Nobody moderates their own audit.")


def check_can_follow_up(actor: Actor, audit: Audit) -> None:
    if not (
        actor.is_system
        or audit.auditor_id == actor.person_id
        or actor.has_role(Role.QA_LEAD, *PLANNERS)
    ):
        raise NotAllowed("The auditor, a planner or the QA Lead records actions and learning.")


def check_can_complete_action(actor: Actor, owner_id: uuid.UUID, audit: Audit) -> None:
    if not (
        actor.is_system
        or owner_id == actor.person_id
        or audit.auditor_id == actor.person_id
        or actor.has_role(Role.QA_LEAD)
    ):
        raise NotAllowed("The action's owner, the auditor or the QA Lead marks it done.")


def check_team_in_reach(reach: PlanningReach, team_id: uuid.UUID, service_id: uuid.UUID) -> None:
    if not reach.covers_team(team_id, service_id):
        raise NotAllowed("That team is outside your planning reach.", field="teamId")


def check_service_in_reach(reach: PlanningReach, service_id: uuid.UUID) -> None:
    if not reach.covers_service(service_id):
        raise NotAllowed("That service is outside your planning reach.", field="serviceId")


# --- benchmarking agreement: besides `reads_quality_statistics`, the round's own auditors ------


def check_is_in_round(audits_in_round: bool) -> None:
    if not audits_in_round:
        raise NotAllowed("A round's agreement is for the QA Lead, planners and its auditors.")


def check_round_agreed(agreed: bool) -> None:
    if not agreed:
        raise NotAllowed("The round's auditors see its agreement once the grade is agreed.")


def audited_cases() -> Select[Any, Any]:
    """(child_id, person_id): the auditor of every audit not cancelled, who sees that child
    (registered with the children's visibility rule in domain/reactions.py)."""
    return select(Audit.child_id.label("child_id"), Audit.auditor_id.label("person_id")).where(
        Audit.status != AuditStatus.CANCELLED
    )
