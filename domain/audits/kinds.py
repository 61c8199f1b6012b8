"""The kinds of audit, their shared lifecycle states, the grading scale and who audits what."""

from __future__ import annotations

from enum import StrEnum

from domain.core.roles import Role


class AuditKind(StrEnum):
    CASE_FILE = "CASE_FILE"
    THEMATIC = "THEMATIC"
    BENCHMARKING = "BENCHMARKING"
    SUPERVISION = "SUPERVISION"
    PEER = "PEER"
    DIP_SAMPLE = "DIP_SAMPLE"
    DESK_TOP = "DESK_TOP"
    MULTI_AGENCY = "MULTI_AGENCY"
    EXTERNAL = "EXTERNAL"


class AuditStatus(StrEnum):
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    SUBMITTED = "SUBMITTED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


OPEN_STATUSES = frozenset({AuditStatus.PLANNED, AuditStatus.IN_PROGRESS, AuditStatus.SUBMITTED})


class Grade(StrEnum):
    """The four-point scale, best first. `rank` orders it for statistics (1 = Outstanding)."""

    OUTSTANDING = "OUTSTANDING"
    GOOD = "GOOD"
    REQUIRES_IMPROVEMENT = "REQUIRES_IMPROVEMENT"
    INADEQUATE = "INADEQUATE"

    @property
    def rank(self) -> int:
        return list(Grade).index(self) + 1


class Agreement(StrEnum):
    """The practitioner's view of the audit of their work (collaborative audits)."""

    AGREE = "AGREE"
    PARTLY_AGREE = "PARTLY_AGREE"
    DISAGREE = "DISAGREE"


class ModerationOutcome(StrEnum):
    CONFIRMED = "CONFIRMED"
    REGRADED = "REGRADED"


class ThemeKind(StrEnum):
    """Reference data for thematic audits and learning (DOMAIN.md, thematic audits)."""

    THEME = "THEME"
    COHORT = "COHORT"
    ASPECT_OF_PRACTICE = "ASPECT_OF_PRACTICE"


# The auditor pool: everyone DOMAIN.md names as an auditor.
AUDITOR_POOL = frozenset(
    {
        Role.ASSISTANT_EXECUTIVE_DIRECTOR,
        Role.PRINCIPAL_SOCIAL_WORKER,
        Role.HEAD_OF_SERVICE,
        Role.GROUP_MANAGER,
        Role.TEAM_MANAGER,
        Role.ASSISTANT_TEAM_MANAGER,
        Role.INDEPENDENT_REVIEWING_OFFICER,
        Role.QA_LEAD,
    }
)

# Who may be the auditor of each kind (DOMAIN.md, the table of kinds).
AUDITORS_BY_KIND: dict[AuditKind, frozenset[Role]] = {
    AuditKind.CASE_FILE: AUDITOR_POOL,
    AuditKind.THEMATIC: AUDITOR_POOL,
    AuditKind.BENCHMARKING: AUDITOR_POOL,
    AuditKind.SUPERVISION: frozenset(
        {Role.PRINCIPAL_SOCIAL_WORKER, Role.HEAD_OF_SERVICE, Role.QA_LEAD}
    ),
    AuditKind.PEER: frozenset({Role.PRACTITIONER}),
    AuditKind.DIP_SAMPLE: frozenset(
        {
            Role.TEAM_MANAGER,
            Role.ASSISTANT_TEAM_MANAGER,
            Role.HEAD_OF_SERVICE,
            Role.SAFEGUARDING_QAU_MANAGER,
        }
    ),
    AuditKind.DESK_TOP: frozenset({Role.QA_LEAD}),
    AuditKind.MULTI_AGENCY: AUDITOR_POOL | {Role.SAFEGUARDING_QAU_MANAGER},
    AuditKind.EXTERNAL: frozenset({Role.QA_LEAD}),
}

# Kinds about one child's case; supervision and external reviews may be about none.
KINDS_ABOUT_A_CHILD = frozenset(
    {
        AuditKind.CASE_FILE,
        AuditKind.THEMATIC,
        AuditKind.BENCHMARKING,
        AuditKind.PEER,
        AuditKind.DIP_SAMPLE,
        AuditKind.DESK_TOP,
    }
)

# Who plans the programme (DOMAIN.md: the AED decides it with the PSW, Heads of Service and
# the QA Lead).
PLANNERS = frozenset(
    {
        Role.ASSISTANT_EXECUTIVE_DIRECTOR,
        Role.PRINCIPAL_SOCIAL_WORKER,
        Role.HEAD_OF_SERVICE,
        Role.QA_LEAD,
    }
)
