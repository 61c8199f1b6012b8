"""The GraphQL schema: queries for the front-end, admin mutations, typed errors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from api.audits_schema import AuditMutation, AuditQuery
from api.calendar_schema import CalendarMutation, CalendarQuery
from api.children_import_schema import ChildrenImportMutation
from api.context import Context
from api.escalation_schema import EscalationMutation, EscalationQuery, InadequateEscalation
from api.extensions import ExecutorWithoutSuggestions, build_extensions
from api.feedback_schema import FeedbackMutation, FeedbackQuery, FeedbackRecord
from api.learning_schema import LearningMutation, LearningQuery
from api.notifications_schema import Notification, NotificationMutation, NotificationQuery
from api.obligations_schema import ObligationQuery
from api.survey_campaigns_schema import (
    SurveyCampaign,
    SurveyCampaignMutation,
    SurveyCampaignQuery,
    SurveyInvitationFailure,
)
from api.survey_results_schema import SurveyResultsQuery
from api.surveys_schema import Survey, SurveyMutation, SurveyQuery, SurveyVersion
from api.types.audits import (
    Audit,
    AuditAction,
    AuditTemplate,
    BenchmarkRound,
    LearningPoint,
    Moderation,
    ProgrammeMonth,
    Sample,
    Theme,
)
from api.types.calendar import ClosureDay
from api.types.children import Child, ChildConnection
from api.types.common import (
    IsAuthenticated,
    UserError,
    connection,
    decode_id,
    decode_optional_id,
    mutate,
    parse_global_id,
)
from api.types.enums import Cohort, Role, RoleScope
from api.types.history import HistoryEntry, HistoryEntryConnection
from api.types.learning import TaskAndFinishGroup
from api.types.obligations import Obligation
from api.types.organisation import (
    Person,
    PersonConnection,
    RoleGrant,
    Service,
    ServiceConnection,
    Team,
    TeamConnection,
)
from domain.children import service as children
from domain.children.service import Cohort as DomainCohort
from domain.core.errors import InvalidInput
from domain.core.settings import Settings, get_settings
from domain.history import service as history
from domain.people import roles as domain_roles
from domain.people import service as people
from domain.people.models import Person as Person_
from domain.people.roles import Actor

First = Annotated[
    int | None,
    strawberry.argument(description="How many items to return: 0 to 100, 20 when left out."),
]
After = Annotated[
    str | None,
    strawberry.argument(description="The `endCursor` of the previous page, to read the next."),
]

NODE_TYPES: dict[str, Any] = {
    t.__name__: t
    for t in (
        Service,
        Team,
        Person,
        RoleGrant,
        Child,
        HistoryEntry,
        Audit,
        AuditTemplate,
        Theme,
        AuditAction,
        LearningPoint,
        Moderation,
        BenchmarkRound,
        ProgrammeMonth,
        Sample,
        ClosureDay,
        Obligation,
        Notification,
        InadequateEscalation,
        FeedbackRecord,
        TaskAndFinishGroup,
        Survey,
        SurveyVersion,
        SurveyCampaign,
        SurveyInvitationFailure,
    )
}


@strawberry.input(description="Which people to list.")
class PeopleFilter:
    team_id: strawberry.ID | None = strawberry.field(default=None, description="Only this team.")
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only the teams of this service."
    )
    role: Role | None = strawberry.field(default=None, description="Only holders of this role.")
    search: str | None = strawberry.field(
        default=None, description="Part of a name or email address."
    )
    include_inactive: bool = strawberry.field(
        default=False, description="Include people who have left."
    )

    def to_domain(self) -> people.PeopleFilter:
        return people.PeopleFilter(
            team_id=decode_optional_id(self.team_id, "Team", "teamId"),
            service_id=decode_optional_id(self.service_id, "Service", "serviceId"),
            role=domain_roles.Role(self.role.name) if self.role else None,
            search=self.search,
            include_inactive=self.include_inactive,
        )


@strawberry.input(description="Which children to list (always within what you may see).")
class ChildrenFilter:
    team_id: strawberry.ID | None = strawberry.field(default=None, description="Only this team.")
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only the teams of this service."
    )
    allocated_practitioner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only cases allocated to this person."
    )
    cohort: Cohort | None = strawberry.field(default=None, description="Only this cohort.")
    case_reference: str | None = strawberry.field(
        default=None, description="Exactly this case reference."
    )

    def to_domain(self) -> children.ChildrenFilter:
        return children.ChildrenFilter(
            team_id=decode_optional_id(self.team_id, "Team", "teamId"),
            service_id=decode_optional_id(self.service_id, "Service", "serviceId"),
            allocated_practitioner_id=decode_optional_id(
                self.allocated_practitioner_id, "Person", "allocatedPractitionerId"
            ),
            cohort=DomainCohort(self.cohort.name) if self.cohort else None,
            case_reference=self.case_reference,
        )


@strawberry.input(description="Which history to list.")
class HistoryFilter:
    object_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only changes to this object (any type's global id)."
    )
    actor_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only changes made by this person."
    )
    action: str | None = strawberry.field(
        default=None, description="Only this action, e.g. `person.updated`."
    )
    since: datetime | None = strawberry.field(default=None, description="From this moment.")
    until: datetime | None = strawberry.field(default=None, description="Before this moment.")

    def to_domain(self) -> history.HistoryFilter:
        object_type, object_id = None, None
        if self.object_id is not None:
            parsed = parse_global_id(self.object_id)
            if parsed is None or not isinstance(parsed[1], uuid.UUID):
                raise InvalidInput(
                    "That is not the id of an object with a history.", field="objectId"
                )
            object_type, object_id = parsed[0], parsed[1]
        return history.HistoryFilter(
            object_id=object_id,
            object_type=object_type,
            actor_id=decode_optional_id(self.actor_id, "Person", "actorId"),
            action=self.action,
            since=self.since,
            until=self.until,
        )


@strawberry.type(
    description="The numbers the framework leaves to local policy (DOMAIN.md), as configured."
)
class PolicySettings:
    hos_assurance_working_days: int = strawberry.field(
        description="Working days for the Head of Service to assure the child is not at risk."
    )
    exception_report_working_days: int = strawberry.field(
        description="Working days after the audit for the exception report to the AED."
    )
    desktop_audit_working_days: int = strawberry.field(
        description="Working days after the third supervision review for the desk-top audit."
    )
    asye_observations_per_year: int = strawberry.field(
        description="Direct observations a year of a newly qualified (ASYE) worker."
    )
    support_observation_interval_months: int = strawberry.field(
        description="Months between observations of a worker who needs support."
    )
    complaint_stage1_working_days: int = strawberry.field(
        description="Working days to respond to a stage 1 complaint."
    )
    complaint_stage1_extended_working_days: int = strawberry.field(
        description="Working days for a stage 1 response when extended."
    )
    complaint_stage2_working_days: int = strawberry.field(
        description="Working days to respond to a stage 2 complaint."
    )
    complaint_stage2_extended_working_days: int = strawberry.field(
        description="Working days for a stage 2 response when extended."
    )
    complaint_stage3_panel_working_days: int = strawberry.field(
        description="Working days from the request to the stage 3 review panel."
    )
    audit_exclusion_months: int = strawberry.field(
        description="Months after an audit during which sampling leaves a child out."
    )
    minimum_group_size: int = strawberry.field(
        description="The smallest group whose survey results are shown, and the fewest "
        "complaints about a team that trends show as a count."
    )
    benchmark_agreement_threshold: float = strawberry.field(
        description="Weighted kappa below which a benchmarking auditor is flagged."
    )
    reminder_working_days_before: int = strawberry.field(
        description="Working days before a due date from which its owner is reminded."
    )
    escalation_interval_working_days: int = strawberry.field(
        description="Working days between one level of overdue escalation and the next one up "
        "the line of management."
    )
    survey_offline_grace_days: int = strawberry.field(
        description="Days after a survey closes during which answers a mobile client "
        "completed offline before the close are still taken."
    )


@strawberry.type(description="Everything the front-end reads.")
class Query(
    AuditQuery,
    CalendarQuery,
    ObligationQuery,
    NotificationQuery,
    EscalationQuery,
    FeedbackQuery,
    LearningQuery,
    SurveyQuery,
    SurveyCampaignQuery,
    SurveyResultsQuery,
):
    @strawberry.field(
        description="The policy settings in force, for showing timescales.",
        permission_classes=[IsAuthenticated],
    )
    def policy_settings(self, info: Info[Context, None]) -> PolicySettings:
        return PolicySettings(**info.context.settings.policy.model_dump())

    @strawberry.field(description="Any object by its global id, if you may see it; null otherwise.")
    async def node(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> relay.Node | None:
        if info.context.actor is None:
            return None
        parsed = parse_global_id(id)
        node_type = NODE_TYPES.get(parsed[0]) if parsed is not None else None
        if parsed is None or node_type is None:
            return None
        found = await node_type.resolve_nodes(info=info, node_ids=[str(parsed[1])])
        return found[0] if found else None

    @strawberry.field(description="The signed-in person.", permission_classes=[IsAuthenticated])
    async def me(self, info: Info[Context, None]) -> Person:
        actor = info.context.require_actor()
        assert actor.person_id is not None
        m = await info.context.loaders.person.load(actor.person_id)
        assert m is not None
        return Person.from_model(m)

    @strawberry.field(description="The authority's services.", permission_classes=[IsAuthenticated])
    async def services(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> ServiceConnection:
        return await connection(
            info,
            ServiceConnection,
            Service.from_model,
            lambda s, a: people.list_services(session=s, actor=a, first=first, after=after),
            lambda s, a: people.count_services(session=s, actor=a),
        )

    @strawberry.field(description="Teams, by name.", permission_classes=[IsAuthenticated])
    async def teams(
        self,
        info: Info[Context, None],
        service_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this service's teams.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> TeamConnection:
        def sid() -> uuid.UUID | None:
            return decode_optional_id(service_id, "Service", "serviceId")

        return await connection(
            info,
            TeamConnection,
            Team.from_model,
            lambda s, a: people.list_teams(
                session=s, actor=a, service_id=sid(), first=first, after=after
            ),
            lambda s, a: people.count_teams(session=s, actor=a, service_id=sid()),
        )

    @strawberry.field(
        description="People, by name: staff see the directory; a partner member sees themselves.",
        permission_classes=[IsAuthenticated],
    )
    async def people(
        self,
        info: Info[Context, None],
        filter: Annotated[
            PeopleFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> PersonConnection:
        flt = filter or PeopleFilter()
        return await connection(
            info,
            PersonConnection,
            Person.from_model,
            lambda s, a: people.list_people(
                session=s, actor=a, filters=flt.to_domain(), first=first, after=after
            ),
            lambda s, a: people.count_people(session=s, actor=a, filters=flt.to_domain()),
        )

    @strawberry.field(
        description="Children you may see (by your roles and their scopes), by case reference.",
        permission_classes=[IsAuthenticated],
    )
    async def children(
        self,
        info: Info[Context, None],
        filter: Annotated[
            ChildrenFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> ChildConnection:
        flt = filter or ChildrenFilter()
        return await connection(
            info,
            ChildConnection,
            Child.from_model,
            lambda s, a: children.list_children(
                session=s, actor=a, filters=flt.to_domain(), first=first, after=after
            ),
            lambda s, a: children.count_children(session=s, actor=a, filters=flt.to_domain()),
        )

    @strawberry.field(
        description="The record of changes, newest first: for administrators (not child-linked "
        "records) and the QA Lead (everything).",
        permission_classes=[IsAuthenticated],
    )
    async def history(
        self,
        info: Info[Context, None],
        filter: Annotated[
            HistoryFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> HistoryEntryConnection:
        flt = filter or HistoryFilter()
        return await connection(
            info,
            HistoryEntryConnection,
            HistoryEntry.from_model,
            lambda s, a: history.list_history(
                session=s, actor=a, filters=flt.to_domain(), first=first, after=after
            ),
            lambda s, a: history.count_history(session=s, actor=a, filters=flt.to_domain()),
        )


# --- mutations -----------------------------------------------------------------------------


@strawberry.input(description="A new service.")
class CreateServiceInput:
    name: str = strawberry.field(description="Its name, unique in the authority.")
    is_multi_agency: bool = strawberry.field(
        default=False, description="True for the Safeguarding Children Partnership."
    )


@strawberry.type(description="The service, or why nothing changed.")
class ServicePayload:
    service: Service | None = strawberry.field(description="The service, when it succeeded.")
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.input(description="A new team.")
class CreateTeamInput:
    service_id: strawberry.ID = strawberry.field(description="The service it belongs to.")
    name: str = strawberry.field(description="Its name, unique within the service.")


@strawberry.input(description="Changes to a team; what is left out stays as it is.")
class UpdateTeamInput:
    id: strawberry.ID = strawberry.field(description="The team.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Move the team to this service."
    )


@strawberry.type(description="The team, or why nothing changed.")
class TeamPayload:
    team: Team | None = strawberry.field(description="The team, when it succeeded.")
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.input(description="A new person.")
class CreatePersonInput:
    display_name: str = strawberry.field(description="The name to show.")
    email: str = strawberry.field(description="Work email, unique; used to match their sign-in.")
    subject: str | None = strawberry.field(
        default=None, description="The identity provider's subject (`sub`), if known."
    )
    job_title: str | None = strawberry.field(default=None, description="Job title.")
    team_id: strawberry.ID | None = strawberry.field(default=None, description="Their team.")
    line_manager_id: strawberry.ID | None = strawberry.field(
        default=None, description="Their line manager."
    )
    partner_agency: str | None = strawberry.field(
        default=None, description="Their agency, for partner-agency members."
    )


@strawberry.input(
    description="Changes to a person; what is left out stays as it is, an explicit null clears it."
)
class UpdatePersonInput:
    id: strawberry.ID = strawberry.field(description="The person.")
    display_name: str | None = strawberry.field(default=strawberry.UNSET, description="Name.")
    email: str | None = strawberry.field(default=strawberry.UNSET, description="Work email.")
    subject: str | None = strawberry.field(
        default=strawberry.UNSET, description="The identity provider's subject."
    )
    job_title: str | None = strawberry.field(default=strawberry.UNSET, description="Job title.")
    team_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Their team."
    )
    line_manager_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Their line manager."
    )
    partner_agency: str | None = strawberry.field(
        default=strawberry.UNSET, description="Their agency."
    )
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="False when they leave: they can no longer sign in."
    )


@strawberry.type(description="The person, or why nothing changed.")
class PersonPayload:
    person: Person | None = strawberry.field(description="The person, when it succeeded.")
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


@strawberry.input(description="A role to grant, and where it is held.")
class GrantRoleInput:
    person_id: strawberry.ID = strawberry.field(description="Who receives the role.")
    role: Role = strawberry.field(description="The role.")
    scope: RoleScope = strawberry.field(description="Where it is held.")
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="The service, for a SERVICE scope."
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=None, description="The team, for a TEAM scope."
    )


@strawberry.input(description="A role grant to take away.")
class RevokeRoleInput:
    grant_id: strawberry.ID = strawberry.field(description="The role grant.")


@strawberry.type(description="The grant and its holder, or why nothing changed.")
class RoleGrantPayload:
    role_grant: RoleGrant | None = strawberry.field(
        description="The grant (after revoking, as it was)."
    )
    person: Person | None = strawberry.field(description="Its holder, as they are now.")
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")


def _given(value: Any) -> bool:
    return value is not strawberry.UNSET


@strawberry.type(description="Changes. Each is one unit of work with its history, or nothing.")
class Mutation(
    AuditMutation,
    CalendarMutation,
    ChildrenImportMutation,
    NotificationMutation,
    EscalationMutation,
    FeedbackMutation,
    LearningMutation,
    SurveyMutation,
    SurveyCampaignMutation,
):
    @strawberry.mutation(description="Add a service (administrators).")
    async def create_service(
        self,
        info: Info[Context, None],
        input: Annotated[CreateServiceInput, strawberry.argument(description="What to change.")],
    ) -> ServicePayload:
        ctx = info.context
        result, errors = await mutate(
            info,
            lambda s, a: people.create_service(
                session=s,
                actor=a,
                clock=ctx.clock,
                name=input.name,
                is_multi_agency=input.is_multi_agency,
            ),
        )
        return ServicePayload(service=Service.from_model(result) if result else None, errors=errors)

    @strawberry.mutation(description="Add a team to a service (administrators).")
    async def create_team(
        self,
        info: Info[Context, None],
        input: Annotated[CreateTeamInput, strawberry.argument(description="What to change.")],
    ) -> TeamPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await people.create_team(
                session=s,
                actor=a,
                clock=ctx.clock,
                service_id=decode_id(input.service_id, "Service", "serviceId"),
                name=input.name,
            )

        result, errors = await mutate(info, use_case)
        return TeamPayload(team=Team.from_model(result) if result else None, errors=errors)

    @strawberry.mutation(
        description="Rename a team or move it to another service (administrators)."
    )
    async def update_team(
        self,
        info: Info[Context, None],
        input: Annotated[UpdateTeamInput, strawberry.argument(description="What to change.")],
    ) -> TeamPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            return await people.update_team(
                session=s,
                actor=a,
                clock=ctx.clock,
                team_id=decode_id(input.id, "Team", "id"),
                name=input.name,
                service_id=decode_optional_id(input.service_id, "Service", "serviceId"),
            )

        result, errors = await mutate(info, use_case)
        return TeamPayload(team=Team.from_model(result) if result else None, errors=errors)

    @strawberry.mutation(description="Add a person (administrators).")
    async def create_person(
        self,
        info: Info[Context, None],
        input: Annotated[CreatePersonInput, strawberry.argument(description="What to change.")],
    ) -> PersonPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            data = people.PersonFields(
                display_name=input.display_name,
                email=input.email,
                subject=input.subject,
                job_title=input.job_title,
                team_id=decode_optional_id(input.team_id, "Team", "teamId"),
                line_manager_id=decode_optional_id(
                    input.line_manager_id, "Person", "lineManagerId"
                ),
                partner_agency=input.partner_agency,
            )
            return await people.create_person(session=s, actor=a, clock=ctx.clock, data=data)

        result, errors = await mutate(info, use_case)
        return PersonPayload(person=Person.from_model(result) if result else None, errors=errors)

    @strawberry.mutation(
        description="Change a person: name, email, team, line manager, or mark them as left "
        "(administrators)."
    )
    async def update_person(
        self,
        info: Info[Context, None],
        input: Annotated[UpdatePersonInput, strawberry.argument(description="What to change.")],
    ) -> PersonPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            data = people.PersonFields()
            for name in (
                "display_name",
                "email",
                "subject",
                "job_title",
                "partner_agency",
                "is_active",
            ):
                value = getattr(input, name)
                if _given(value):
                    if value is None and name in ("display_name", "email", "is_active"):
                        raise InvalidInput("This cannot be cleared.", field=_camel(name))
                    setattr(data, name, value)
            if _given(input.team_id):
                data.team_id = decode_optional_id(input.team_id, "Team", "teamId")
            if _given(input.line_manager_id):
                data.line_manager_id = decode_optional_id(
                    input.line_manager_id, "Person", "lineManagerId"
                )
            return await people.update_person(
                session=s,
                actor=a,
                clock=ctx.clock,
                person_id=decode_id(input.id, "Person", "id"),
                data=data,
            )

        result, errors = await mutate(info, use_case)
        return PersonPayload(person=Person.from_model(result) if result else None, errors=errors)

    @strawberry.mutation(description="Grant a role in a scope (administrators).")
    async def grant_role(
        self,
        info: Info[Context, None],
        input: Annotated[GrantRoleInput, strawberry.argument(description="What to change.")],
    ) -> RoleGrantPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            grant = await people.grant_role(
                session=s,
                actor=a,
                clock=ctx.clock,
                person_id=decode_id(input.person_id, "Person", "personId"),
                role=domain_roles.Role(input.role.name),
                scope=domain_roles.ScopeType(input.scope.name),
                service_id=decode_optional_id(input.service_id, "Service", "serviceId"),
                team_id=decode_optional_id(input.team_id, "Team", "teamId"),
            )
            return grant, await s.get(Person_, grant.person_id)

        result, errors = await mutate(info, use_case)
        return _grant_payload(result, errors)

    @strawberry.mutation(description="Take a role away (administrators).")
    async def revoke_role(
        self,
        info: Info[Context, None],
        input: Annotated[RevokeRoleInput, strawberry.argument(description="What to change.")],
    ) -> RoleGrantPayload:
        ctx = info.context

        async def use_case(s: AsyncSession, a: Actor) -> Any:
            grant = await people.revoke_role(
                session=s,
                actor=a,
                clock=ctx.clock,
                grant_id=decode_id(input.grant_id, "RoleGrant", "grantId"),
            )
            return grant, await s.get(Person_, grant.person_id)

        result, errors = await mutate(info, use_case)
        return _grant_payload(result, errors)


def _grant_payload(result: Any, errors: list[UserError]) -> RoleGrantPayload:
    if result is None:
        return RoleGrantPayload(role_grant=None, person=None, errors=errors)
    grant, person = result
    return RoleGrantPayload(
        role_grant=RoleGrant.from_model(grant),
        person=Person.from_model(person) if person else None,
        errors=errors,
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or get_settings()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=build_extensions(settings),
        execution_context_class=ExecutorWithoutSuggestions if settings.hide_suggestions else None,
        config=StrawberryConfig(disable_field_suggestions=settings.hide_suggestions),
    )


schema = build_schema()
