"""The root queries every concept shares: the policy settings and `node`."""

from __future__ import annotations

import inspect
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.ids import parse_global_id


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


@strawberry.type(description="The root queries.")
class RootQuery:
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
        node_type = _node_type(info, parsed[0]) if parsed is not None else None
        if parsed is None or node_type is None:
            return None
        resolved = node_type.resolve_nodes(info=info, node_ids=[str(parsed[1])])
        found = list(await resolved if inspect.isawaitable(resolved) else resolved)
        return found[0] if found else None


def _node_type(info: Info[Context, None], name: str) -> type[relay.Node] | None:
    """The schema's Node type of that name, if there is one: every concept's nodes resolve
    through `node` without a list to keep."""
    definition = info.schema.get_type_by_name(name)
    origin = getattr(definition, "origin", None)
    is_node = isinstance(origin, type) and issubclass(origin, relay.Node)
    return origin if is_node else None
