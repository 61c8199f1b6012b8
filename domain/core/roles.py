"""Roles from DOMAIN.md, the scopes they are held in, and the Actor a request acts as.

In the core, not in `people`, because every concept's policy decides on an Actor, history
included, and `people` records its changes in history: people sits above history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    DIRECTOR_OF_CHILDRENS_SERVICES = "DIRECTOR_OF_CHILDRENS_SERVICES"
    ASSISTANT_EXECUTIVE_DIRECTOR = "ASSISTANT_EXECUTIVE_DIRECTOR"
    PRINCIPAL_SOCIAL_WORKER = "PRINCIPAL_SOCIAL_WORKER"
    HEAD_OF_SERVICE = "HEAD_OF_SERVICE"
    GROUP_MANAGER = "GROUP_MANAGER"
    TEAM_MANAGER = "TEAM_MANAGER"
    ASSISTANT_TEAM_MANAGER = "ASSISTANT_TEAM_MANAGER"
    INDEPENDENT_REVIEWING_OFFICER = "INDEPENDENT_REVIEWING_OFFICER"
    QA_LEAD = "QA_LEAD"
    SAFEGUARDING_QAU_MANAGER = "SAFEGUARDING_QAU_MANAGER"
    PRACTITIONER = "PRACTITIONER"
    PARTNER_AGENCY_MEMBER = "PARTNER_AGENCY_MEMBER"
    ADMINISTRATOR = "ADMINISTRATOR"


class ScopeType(StrEnum):
    AUTHORITY = "AUTHORITY"
    SERVICE = "SERVICE"
    TEAM = "TEAM"


# The scopes each role may be held in. A Director or an Administrator acts for the whole
# authority; a Head of Service for a service; a Team Manager for a team.
ALLOWED_SCOPES: dict[Role, frozenset[ScopeType]] = {
    Role.DIRECTOR_OF_CHILDRENS_SERVICES: frozenset({ScopeType.AUTHORITY}),
    Role.ASSISTANT_EXECUTIVE_DIRECTOR: frozenset({ScopeType.AUTHORITY}),
    Role.PRINCIPAL_SOCIAL_WORKER: frozenset({ScopeType.AUTHORITY, ScopeType.SERVICE}),
    Role.HEAD_OF_SERVICE: frozenset({ScopeType.SERVICE}),
    Role.GROUP_MANAGER: frozenset({ScopeType.SERVICE, ScopeType.TEAM}),
    Role.TEAM_MANAGER: frozenset({ScopeType.TEAM}),
    Role.ASSISTANT_TEAM_MANAGER: frozenset({ScopeType.TEAM}),
    Role.INDEPENDENT_REVIEWING_OFFICER: frozenset({ScopeType.AUTHORITY, ScopeType.SERVICE}),
    Role.QA_LEAD: frozenset({ScopeType.AUTHORITY}),
    Role.SAFEGUARDING_QAU_MANAGER: frozenset({ScopeType.AUTHORITY, ScopeType.SERVICE}),
    Role.PRACTITIONER: frozenset({ScopeType.TEAM}),
    Role.PARTNER_AGENCY_MEMBER: frozenset({ScopeType.AUTHORITY}),
    Role.ADMINISTRATOR: frozenset({ScopeType.AUTHORITY}),
}

# Roles that carry no sight of children's records by themselves (DOMAIN.md: an administrator
# sees no case content by virtue of the role; a partner agency member sees only the
# multi-agency audits they take part in).
ROLES_WITHOUT_CASE_ACCESS = frozenset({Role.ADMINISTRATOR, Role.PARTNER_AGENCY_MEMBER})


@dataclass(frozen=True)
class Grant:
    role: Role
    scope: ScopeType
    service_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Actor:
    """Who is acting: a person with their role grants, or the system itself (CLI, workers)."""

    person_id: uuid.UUID | None
    display_name: str
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    team_id: uuid.UUID | None = None
    is_system: bool = False

    def has_role(self, *roles: Role, scope: ScopeType | None = None) -> bool:
        return any(g.role in roles and (scope is None or g.scope is scope) for g in self.grants)

    @property
    def is_admin(self) -> bool:
        return self.is_system or self.has_role(Role.ADMINISTRATOR, scope=ScopeType.AUTHORITY)

    @property
    def is_partner_only(self) -> bool:
        """Holds nothing but partner-agency membership: sees only their multi-agency part."""
        return bool(self.grants) and all(g.role is Role.PARTNER_AGENCY_MEMBER for g in self.grants)

    @property
    def case_grants(self) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants if g.role not in ROLES_WITHOUT_CASE_ACCESS)


SYSTEM = Actor(person_id=None, display_name="system", is_system=True)
