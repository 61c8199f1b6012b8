"""The pure decisions of the audits' use cases (no database): planning checks, moderation and
who may change an audit (policy)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from domain.audits import policy
from domain.audits.completion import decide_moderation
from domain.audits.kinds import AuditKind, Grade, ModerationOutcome
from domain.audits.models import Audit
from domain.audits.planning import (
    AuditPlan,
    check_auditor_for_case,
    check_kind_details,
    check_plan,
    check_supervision,
)
from domain.children.models import Child
from domain.core.errors import InvalidInput, NotAllowed
from domain.core.roles import SYSTEM, Actor, Grant, Role, ScopeType

TODAY = date(2026, 12, 7)
AUDITOR, PRACTITIONER, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """No database here: these decisions are pure (this replaces the suite's own fixture)."""


def _plan(kind: AuditKind, **extra: object) -> AuditPlan:
    fields: dict[str, object] = {"kind": kind, "auditor_id": AUDITOR, "due_date": TODAY}
    fields.update(extra)
    return AuditPlan(**fields)  # type: ignore[arg-type]


def _actor(person_id: uuid.UUID, *roles: Role) -> Actor:
    return Actor(
        person_id=person_id,
        display_name="someone",
        grants=tuple(Grant(role, ScopeType.AUTHORITY) for role in roles),
    )


def _field(error: pytest.ExceptionInfo[InvalidInput]) -> str | None:
    return error.value.field


def test_a_plan_needs_an_auditor_of_its_kind_a_due_date_and_a_child_where_it_is_about_one() -> None:
    check_plan(_plan(AuditKind.CASE_FILE, child_id=uuid.uuid4()), True, TODAY)
    with pytest.raises(InvalidInput) as refused:
        check_plan(_plan(AuditKind.CASE_FILE, child_id=uuid.uuid4()), False, TODAY)
    assert _field(refused) == "auditorId"
    with pytest.raises(InvalidInput) as refused:
        check_plan(_plan(AuditKind.SUPERVISION, due_date=date(2026, 12, 6)), True, TODAY)
    assert _field(refused) == "dueDate"
    with pytest.raises(InvalidInput) as refused:
        check_plan(_plan(AuditKind.CASE_FILE), True, TODAY)
    assert _field(refused) == "childId"


def test_an_auditor_never_audits_their_own_or_a_managed_case() -> None:
    child = Child(allocated_practitioner_id=AUDITOR)
    with pytest.raises(InvalidInput, match="peer audit is never"):
        check_auditor_for_case(_plan(AuditKind.PEER), child, auditor_manages=False)
    with pytest.raises(InvalidInput, match="hold or manage"):
        check_auditor_for_case(_plan(AuditKind.CASE_FILE), child, auditor_manages=True)
    # A dip sample is not kept from the case's managers.
    check_auditor_for_case(_plan(AuditKind.DIP_SAMPLE), child, auditor_manages=True)


def test_a_supervision_audit_is_of_a_relationship_or_a_forum() -> None:
    check_supervision(_plan(AuditKind.SUPERVISION, supervisor_id=OTHER), PRACTITIONER)
    check_supervision(_plan(AuditKind.SUPERVISION, supervision_forum="Panel"), None)
    with pytest.raises(InvalidInput) as refused:
        check_supervision(_plan(AuditKind.SUPERVISION, supervision_forum="  "), PRACTITIONER)
    assert _field(refused) == "supervisorId"


def test_thematic_audits_have_themes_and_external_ones_a_reviewer() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_kind_details(_plan(AuditKind.THEMATIC))
    assert _field(refused) == "themeIds"
    with pytest.raises(InvalidInput) as refused:
        check_kind_details(_plan(AuditKind.EXTERNAL, external_reviewer=" "))
    assert _field(refused) == "externalReviewer"
    check_kind_details(_plan(AuditKind.THEMATIC, theme_ids=[uuid.uuid4()]))


SECTIONS = {"recording": Grade.GOOD, "practice": Grade.INADEQUATE}


def test_a_confirmation_changes_no_grade() -> None:
    confirmed = decide_moderation(ModerationOutcome.CONFIRMED, Grade.INADEQUATE, SECTIONS, None, {})
    assert (confirmed.original, confirmed.moderated, confirmed.sections) == (
        Grade.INADEQUATE,
        Grade.INADEQUATE,
        {},
    )
    with pytest.raises(InvalidInput) as refused:
        decide_moderation(ModerationOutcome.CONFIRMED, Grade.INADEQUATE, SECTIONS, Grade.GOOD, {})
    assert _field(refused) == "outcome"


def test_a_regrade_changes_a_grade_of_a_section_the_audit_grades() -> None:
    regraded = decide_moderation(
        ModerationOutcome.REGRADED,
        Grade.INADEQUATE,
        SECTIONS,
        Grade.REQUIRES_IMPROVEMENT,
        {"practice": Grade.REQUIRES_IMPROVEMENT},
    )
    assert regraded.moderated is Grade.REQUIRES_IMPROVEMENT
    assert regraded.sections == {"practice": (Grade.INADEQUATE, Grade.REQUIRES_IMPROVEMENT)}
    # Only a section changes: the overall grade stays as it was.
    assert (
        decide_moderation(
            ModerationOutcome.REGRADED, Grade.GOOD, SECTIONS, None, {"recording": Grade.OUTSTANDING}
        ).moderated
        is Grade.GOOD
    )
    with pytest.raises(InvalidInput) as refused:
        decide_moderation(
            ModerationOutcome.REGRADED, Grade.GOOD, SECTIONS, None, {"nowhere": Grade.GOOD}
        )
    assert _field(refused) == "sectionGrades.nowhere"
    with pytest.raises(InvalidInput) as refused:
        decide_moderation(
            ModerationOutcome.REGRADED, Grade.GOOD, SECTIONS, Grade.GOOD, {"recording": Grade.GOOD}
        )
    assert _field(refused) == "overallGrade"


def test_who_changes_an_audit() -> None:
    audit = Audit(auditor_id=AUDITOR, subject_practitioner_id=PRACTITIONER)
    auditor, qa_lead = _actor(AUDITOR, Role.PRACTITIONER), _actor(OTHER, Role.QA_LEAD)
    policy.check_is_auditor(auditor, audit)
    policy.check_is_auditor(SYSTEM, audit)
    with pytest.raises(NotAllowed, match="Only the audit's auditor"):
        policy.check_is_auditor(qa_lead, audit)
    policy.check_can_amend(qa_lead, audit)
    policy.check_can_moderate(qa_lead, audit)
    with pytest.raises(NotAllowed, match="Nobody moderates their own audit"):
        policy.check_can_moderate(_actor(AUDITOR, Role.QA_LEAD), audit)
    policy.check_can_cancel(auditor, audit)
    with pytest.raises(NotAllowed, match="A planner or the auditor cancels"):
        policy.check_can_cancel(_actor(OTHER, Role.TEAM_MANAGER), audit)
    policy.check_can_reflect(_actor(PRACTITIONER, Role.PRACTITIONER), audit, None)
    with pytest.raises(NotAllowed, match="adds reflections"):
        policy.check_can_reflect(auditor, audit, None)
    policy.check_can_complete_action(_actor(PRACTITIONER), PRACTITIONER, audit)
    with pytest.raises(NotAllowed, match="marks it done"):
        policy.check_can_complete_action(_actor(PRACTITIONER), OTHER, audit)


def test_planning_kinds_by_role() -> None:
    policy.check_can_plan_kind(_actor(OTHER, Role.QA_LEAD), AuditKind.CASE_FILE, AUDITOR)
    policy.check_can_plan_kind(_actor(AUDITOR, Role.PRACTITIONER), AuditKind.PEER, AUDITOR)
    with pytest.raises(NotAllowed, match="may not plan this kind"):
        policy.check_can_plan_kind(_actor(OTHER, Role.PRACTITIONER), AuditKind.PEER, AUDITOR)
    with pytest.raises(NotAllowed) as refused:
        policy.check_child_in_reach(False, AuditKind.DIP_SAMPLE, "childId")
    assert refused.value.field == "childId"
