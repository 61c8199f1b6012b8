"""Who publishes and who reads survey definitions.

- The QA Lead and the Principal Social Worker publish versions: the QA Lead runs the service's
  feedback, the PSW leads practice and the voice of children and staff in it.
- Every member of staff reads definitions (any role but partner-agency membership), including
  administrators: a definition holds questions and wording, no case content, and the people who
  set surveys up and support the front-end need to see them. Administrators do not publish:
  what children and families are asked is a practice decision, not a system setting.
- Partner-agency members read none; anonymous callers nothing.

Results and comments: see the section "results" below.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from domain.core.errors import NotAllowed
from domain.core.roles import Actor, Role, ScopeType
from domain.people.models import Team
from domain.surveys.models import SurveyResponse

PUBLISHERS = (Role.QA_LEAD, Role.PRINCIPAL_SOCIAL_WORKER)


def check_can_publish(actor: Actor) -> None:
    if not (actor.is_system or actor.has_role(*PUBLISHERS)):
        raise NotAllowed("The QA Lead or the Principal Social Worker publishes survey versions.")


def can_read(actor: Actor) -> bool:
    return actor.is_system or any(g.role is not Role.PARTNER_AGENCY_MEMBER for g in actor.grants)


def visible_surveys(actor: Actor) -> ColumnElement[bool]:
    """The SQL filter for every list of surveys or versions: all of them, or none."""
    return true() if can_read(actor) else false()


# Campaigns.
#
# - The QA Lead and the PSW run campaigns (create, invite, launch, close): they design the
#   surveys too. An audit's auditor asks for feedback on that audit (campaigns.py).
# - Every member of staff (not partner-agency members) sees campaigns and their progress:
#   a campaign's name, dates and counts say nothing about any child. Who was invited, their
#   contact details and tokens are never readable through the staff API at all.
# - Results are read by scope (results.py).

RUNNERS = PUBLISHERS


def runs_campaigns(actor: Actor) -> bool:
    return actor.is_system or actor.has_role(*RUNNERS)


def check_can_run_campaigns(actor: Actor) -> None:
    if not runs_campaigns(actor):
        raise NotAllowed("The QA Lead or the Principal Social Worker runs survey campaigns.")


def visible_campaigns(actor: Actor) -> ColumnElement[bool]:
    """The SQL filter for every list of campaigns: all of them for staff, none otherwise."""
    return true() if can_read(actor) else false()


# --- results -----------------------------------------------------------------------------------
#
# Who sees a campaign's results (counts, means, never a response):
# - The QA Lead, the PSW, the DCS and the AED, held for the whole authority, see every
#   respondent's answers counted (a PSW held for a service sees that service's).
# - A Head of Service, or a Group Manager, held for a service sees the respondents counted under
#   that service (and its teams); a Group Manager held for a team, a Team Manager or an Assistant
#   Team Manager sees their team's. Their overall figures are of those respondents only.
# - Practitioners, administrators, partner-agency members, IROs, Safeguarding/QAU Managers and
#   anonymous callers see none.
# Figures for fewer respondents than the minimum group are suppressed after this scoping
# (`domain/surveys/results.py`), so a narrow scope cannot be used to see a small group.
#
# Free-text comments are read only by the QA Lead, the PSW, the AED and the DCS, within the
# same scope as their results: free text from a child can identify them (a name, a school, a
# pet, what happened at home), however well the counts are protected, so it goes only to the
# roles that run the service's learning from it and answer for safeguarding across it. Comments
# never carry an id that links them to a response, an invitation or a child, and carry their
# team only when the team's group is large enough.

RESULT_AUTHORITY_ROLES = frozenset(
    {
        Role.QA_LEAD,
        Role.PRINCIPAL_SOCIAL_WORKER,
        Role.DIRECTOR_OF_CHILDRENS_SERVICES,
        Role.ASSISTANT_EXECUTIVE_DIRECTOR,
    }
)
RESULT_SERVICE_ROLES = frozenset(
    {Role.HEAD_OF_SERVICE, Role.GROUP_MANAGER, Role.PRINCIPAL_SOCIAL_WORKER}
)
RESULT_TEAM_ROLES = frozenset({Role.GROUP_MANAGER, Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER})
COMMENT_ROLES = frozenset(
    {
        Role.QA_LEAD,
        Role.PRINCIPAL_SOCIAL_WORKER,
        Role.DIRECTOR_OF_CHILDRENS_SERVICES,
        Role.ASSISTANT_EXECUTIVE_DIRECTOR,
    }
)


@dataclass(frozen=True)
class ResponseScope:
    """Which respondents an actor's figures count: all of them, or those counted under some
    services and teams."""

    everything: bool
    service_ids: frozenset[uuid.UUID] = frozenset()
    team_ids: frozenset[uuid.UUID] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.everything or self.service_ids or self.team_ids)


def _scope(actor: Actor, roles: frozenset[Role]) -> ResponseScope:
    if actor.is_system:
        return ResponseScope(everything=True)
    grants = [g for g in actor.grants if g.role in roles]
    if any(g.scope is ScopeType.AUTHORITY and g.role in RESULT_AUTHORITY_ROLES for g in grants):
        return ResponseScope(everything=True)
    return ResponseScope(
        everything=False,
        service_ids=frozenset(
            g.service_id
            for g in grants
            if g.scope is ScopeType.SERVICE and g.role in RESULT_SERVICE_ROLES and g.service_id
        ),
        team_ids=frozenset(
            g.team_id
            for g in grants
            if g.scope is ScopeType.TEAM and g.role in RESULT_TEAM_ROLES and g.team_id
        ),
    )


def results_scope(actor: Actor) -> ResponseScope:
    return _scope(actor, RESULT_AUTHORITY_ROLES | RESULT_SERVICE_ROLES | RESULT_TEAM_ROLES)


def comments_scope(actor: Actor) -> ResponseScope:
    return _scope(actor, COMMENT_ROLES)


def check_can_read_results(actor: Actor) -> ResponseScope:
    return _some(
        results_scope(actor),
        "Survey results are for the QA Lead, the PSW, the DCS, the AED, and managers of the "
        "services and teams counted.",
    )


def check_can_read_comments(actor: Actor) -> ResponseScope:
    return _some(
        comments_scope(actor),
        "Free-text comments are for the QA Lead, the PSW, the AED and the DCS: what a child "
        "writes can identify them.",
    )


def _some(scope: ResponseScope, refused: str) -> ResponseScope:
    if scope.empty:
        raise NotAllowed(refused)
    return scope


def visible_responses(scope: ResponseScope) -> ColumnElement[bool]:
    """The SQL filter every count of responses goes through. A response counts under the
    service it was counted under when invited (or, without one, its team's service)."""
    if scope.everything:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if scope.service_ids:
        conditions.append(SurveyResponse.service_id.in_(scope.service_ids))
        conditions.append(
            and_(
                SurveyResponse.service_id.is_(None),
                SurveyResponse.team_id.in_(
                    select(Team.id).where(Team.service_id.in_(scope.service_ids))
                ),
            )
        )
    if scope.team_ids:
        conditions.append(SurveyResponse.team_id.in_(scope.team_ids))
    return or_(*conditions) if conditions else false()
